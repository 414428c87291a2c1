#pragma once

// Runs of ops that the CPU graph executor runs as one pass over memory (src/cpu/graph-exec.cpp),
// each computing exactly what the unfused ops would. The CPU's table of these patterns
// (src/cpu/fusions.cpp) is matched against a graph once per run by the backend-neutral matcher
// of core/fusion.h; the functions here are each pattern's extra conditions and its kernel.
//
//   ggml_cpu_fusion_plan(graph, isa, plan);   // plan[i]: index into ggml_cpu_fusions(), or -1

#include "core/ggml-impl.h"

// Whether the memory of a and b overlaps: a fused pass may not write over what it still reads.
inline bool ggml_fused_memory_overlaps(const ggml_tensor * a, const ggml_tensor * b) {
    const char * a0 = (const char *) a->data;
    const char * b0 = (const char *) b->data;
    return a0 < b0 + ggml_nbytes(b) && b0 < a0 + ggml_nbytes(a);
}

// An ADD (bias, or any broadcast) whose result a ReLU reads next, both F32 and contiguous.
bool ggml_add_relu_fusable(const ggml_tensor * add, const ggml_tensor * relu);

// Computes both nodes, this thread's share of the elements, in one pass.
void ggml_add_relu_forward(const ggml_compute_params * params, ggml_tensor * add, ggml_tensor * relu);

// Nodes i .. i+3 of graph: a direct convolution (unit strides, the vector kernels), 2x2 max
// pooling with stride 2, the ADD of a per-channel bias [1, 1, C, 1] and a ReLU, each reading the
// one before. Unlike the pairs above, only the ReLU's result is computed: the fusion applies only
// where no other node of the whole graph reads the three intermediate results and none is flagged
// as an output (an evaluation graph; training graphs read them for the gradients).
// isa: the instruction set the graph runs with (cpu/cpu-isa.h).
bool ggml_conv_pool_bias_relu_fusable(const ggml_cgraph * graph, int i, int isa);
// Whether isa has the fused kernel.
bool ggml_conv_pool_bias_relu_available(int isa);
// The conditions of that run besides the op sequence, the chaining and the unread intermediates
// (which the matcher checks): nodes are the conv, pool, add and relu.
bool ggml_conv_pool_bias_relu_accept(ggml_tensor * const * nodes);

// The ReLU's result, this thread's share of its rows; conv is node i, relu node i+3.
void ggml_conv_pool_bias_relu_forward(const ggml_compute_params * params, ggml_tensor * conv, ggml_tensor * relu);

// ---------------------------------------------------------------------------------------------
// the CPU's fusion table

#include "core/fusion.h"

#include <vector>

struct cpu_fusion {
    ggml_fusion_pattern pattern;
    bool (*available)(int isa); // whether the instruction set has the kernel; NULL: all have
    // computes the run (first .. last node), this thread's share
    void (*run)(const ggml_compute_params * params, ggml_tensor * first, ggml_tensor * last);
};

// The CPU's fusions, in the order they are tried.
const cpu_fusion * ggml_cpu_fusions(int * n);

// plan[i]: the index of the CPU fusion whose run starts at node i, or -1 (see ggml_fusion_plan),
// among the fusions available with isa.
void ggml_cpu_fusion_plan(const ggml_cgraph * graph, int isa, std::vector<int> & plan);

