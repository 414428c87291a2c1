// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/unary.cpp.
//
// Unary activation functions (GGML_OP_UNARY, op_params[0] = ggml_unary_op) and silu_back.
// Gradient rules are composed from existing ops, mostly from the node's own output.

#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"
#include "ops/unary-params.h"

#include <cmath>


// ---------------------------------------------------------------------------------------------
// kernels

static float sigmoid_f(float x) { return 1.0f / (1.0f + std::exp(-x)); }

static float gelu_f(float x) {
    return 0.5f * x * (1.0f + std::tanh(SQRT_2_OVER_PI * x * (1.0f + GELU_COEF_A * x * x)));
}

static float hardsigmoid_f(float x) { return std::min(1.0f, std::max(0.0f, (x + 3.0f) / 6.0f)); }

static void unary_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    switch (ggml_get_unary_op(dst)) {
        case GGML_UNARY_OP_ABS:        ggml_map_unary(p, dst, a, [](float x) { return std::fabs(x); }); break;
        case GGML_UNARY_OP_SGN:        ggml_map_unary(p, dst, a, [](float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); }); break;
        case GGML_UNARY_OP_NEG:        ggml_map_unary(p, dst, a, [](float x) { return -x; }); break;
        case GGML_UNARY_OP_STEP:       ggml_map_unary(p, dst, a, [](float x) { return x > 0.0f ? 1.0f : 0.0f; }); break;
        case GGML_UNARY_OP_TANH:       ggml_map_unary(p, dst, a, [](float x) { return std::tanh(x); }); break;
        case GGML_UNARY_OP_ELU:        ggml_map_unary(p, dst, a, [](float x) { return x > 0.0f ? x : std::expm1(x); }); break;
        case GGML_UNARY_OP_RELU:       ggml_map_unary(p, dst, a, [](float x) { return x > 0.0f ? x : 0.0f; }); break;
        case GGML_UNARY_OP_SIGMOID:    ggml_map_unary(p, dst, a, [](float x) { return sigmoid_f(x); }); break;
        case GGML_UNARY_OP_GELU:       ggml_map_unary(p, dst, a, [](float x) { return gelu_f(x); }); break;
        case GGML_UNARY_OP_GELU_QUICK: ggml_map_unary(p, dst, a, [](float x) { return x * sigmoid_f(GELU_QUICK_K * x); }); break;
        case GGML_UNARY_OP_SILU:       ggml_map_unary(p, dst, a, [](float x) { return x * sigmoid_f(x); }); break;
        case GGML_UNARY_OP_HARDSWISH:  ggml_map_unary(p, dst, a, [](float x) { return x * hardsigmoid_f(x); }); break;
        case GGML_UNARY_OP_HARDSIGMOID: ggml_map_unary(p, dst, a, [](float x) { return hardsigmoid_f(x); }); break;
        case GGML_UNARY_OP_EXP:        ggml_map_unary(p, dst, a, [](float x) { return std::exp(x); }); break;
        default: GGML_ABORT("unary: unknown unary op %d", (int) ggml_get_unary_op(dst));
    }
}

// dst = dy * d silu(x)/dx, with d silu/dx = s * (1 + x * (1 - s)), s = sigmoid(x)
static void silu_back_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * x  = dst->src[0];
    const ggml_tensor * dy = dst->src[1];
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(dst), p->ith, p->nth, r0, r1);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(dst, ir, i1, i2, i3);
        for (int64_t i0 = 0; i0 < dst->ne[0]; ++i0) {
            const float xv = ggml_load_float(ggml_element_ptr(x, i0, i1, i2, i3), x->type);
            const float g  = ggml_load_float(ggml_element_ptr(dy, i0, i1, i2, i3), dy->type);
            const float s  = sigmoid_f(xv);
            ggml_store_float(ggml_element_ptr(dst, i0, i1, i2, i3), dst->type, g * s * (1.0f + xv * (1.0f - s)));
        }
    }
}


extern const cpu_kernel cpu_kernel_unary = {unary_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_silu_back = {silu_back_forward, nullptr, true, nullptr};
