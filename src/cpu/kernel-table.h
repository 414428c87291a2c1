#pragma once

// The CPU backend's kernel table: for each op it runs, the kernel (src/cpu/kernels/), the scratch
// it needs, whether it splits its work between threads and which nodes it can run. The graph
// executor, ggml_graph_plan and the device's supports_op all read this one table.
//
//   const cpu_kernel * k = ggml_cpu_kernel_of(node->op);
//   if (k && ggml_cpu_kernel_supports(k, node)) k->run(&params, node);   // params.isa: cpu/cpu-isa.h

#include "core/ggml-impl.h"

struct cpu_kernel {
    ggml_forward_fn   run;        // computes this thread's share of dst
    ggml_work_size_fn work_size;  // scratch bytes shared by the node's threads (for n threads and
                                  // an instruction set); NULL: none
    bool              parallel;   // run splits its work by (ith, nth)
    bool (*supports)(const ggml_tensor * node); // NULL: every node its op's constructor builds
};

// The kernel of op, or NULL when the CPU has none (views and NONE compute nothing).
const cpu_kernel * ggml_cpu_kernel_of(ggml_op op);

inline bool ggml_cpu_kernel_supports(const cpu_kernel * k, const ggml_tensor * node) {
    return k && (!k->supports || k->supports(node));
}

// Whether the CPU runs node: it computes nothing, or a kernel of the table supports it.
bool ggml_cpu_supports_node(const ggml_tensor * node);
