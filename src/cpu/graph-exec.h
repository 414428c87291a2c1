#pragma once

// Running a graph on the CPU: each node's forward kernel on the pool's threads, in graph order,
// with barriers only where work of different threads must be ordered.

#include "core/ggml-impl.h"
#include "cpu/cpu-isa.h"
#include "cpu/threadpool.h"

// Scratch bytes the graph's kernels need with n_threads threads and instruction set isa.
size_t ggml_cpu_graph_work_size(const ggml_cgraph * graph, int n_threads, cpu_isa isa);

// Runs the graph on nth threads of pool, every kernel with instruction set isa (one that
// cpu_isa_supported holds for; fusions are planned for it too). wdata holds at least
// ggml_cpu_graph_work_size bytes. abort_callback (may be NULL) is polled after each node; it
// returning true stops the run.
ggml_status ggml_cpu_graph_run(ggml_cgraph * graph, cpu_threadpool & pool, int nth, cpu_isa isa, void * wdata, size_t wsize,
                               ggml_abort_callback abort_callback, void * abort_callback_data);

// As ggml_cpu_graph_run, on the process-wide pool used by ggml_graph_compute and
// ggml_graph_compute_with_ctx (created on first use; concurrent callers take turns).
ggml_status ggml_cpu_graph_run_shared(ggml_cgraph * graph, int nth, cpu_isa isa, void * wdata, size_t wsize,
                                      ggml_abort_callback abort_callback, void * abort_callback_data);
