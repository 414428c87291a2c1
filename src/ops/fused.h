#pragma once

// Pairs of ops that the CPU graph executor runs as one pass over memory (src/cpu/graph-exec.cpp).
// Each pair keeps both results, so the graph computes exactly what it would unfused.
//
//   if (ggml_add_relu_fusable(nodes[i], nodes[i + 1])) ggml_add_relu_forward(params, nodes[i], nodes[i + 1]);

#include "core/ggml-impl.h"

// An ADD (bias, or any broadcast) whose result a ReLU reads next, both F32 and contiguous.
bool ggml_add_relu_fusable(const ggml_tensor * add, const ggml_tensor * relu);

// Computes both nodes, this thread's share of the elements, in one pass.
void ggml_add_relu_forward(const ggml_compute_params * params, ggml_tensor * add, ggml_tensor * relu);
