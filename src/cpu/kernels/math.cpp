// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/math.cpp.
//
// Element-wise math: sqr, sqrt, log and scale (op_params: f32 scale, f32 bias = 0, as ggml).

#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"

#include <cmath>


static void sqr_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    ggml_map_unary(p, dst, dst->src[0], [](float x) { return x * x; });
}
static void sqrt_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    ggml_map_unary(p, dst, dst->src[0], [](float x) { return std::sqrt(x); });
}
static void log_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    ggml_map_unary(p, dst, dst->src[0], [](float x) { return std::log(x); });
}
static void scale_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const float s = ggml_get_op_params_f32(dst, 0);
    const float b = ggml_get_op_params_f32(dst, 1);
    ggml_map_unary(p, dst, dst->src[0], [s, b](float x) { return s * x + b; });
}

extern const cpu_kernel cpu_kernel_sqr = {sqr_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_sqrt = {sqrt_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_log = {log_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_scale = {scale_forward, nullptr, true, nullptr};
