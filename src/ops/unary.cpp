// Unary activation functions (GGML_OP_UNARY, op_params[0] = ggml_unary_op) and silu_back.
// Gradient rules are composed from existing ops, mostly from the node's own output.

#include "ops/elementwise.h"

#include <cmath>

// tanh approximation of GELU, as ggml uses
static constexpr float GELU_COEF_A    = 0.044715f;
static constexpr float SQRT_2_OVER_PI = 0.79788456080286535588f;
static constexpr float GELU_QUICK_K   = 1.702f;

static const char * const UNARY_NAMES[GGML_UNARY_OP_COUNT] = {
    "ABS", "SGN", "NEG", "STEP", "TANH", "ELU", "RELU", "SIGMOID",
    "GELU", "GELU_QUICK", "SILU", "HARDSWISH", "HARDSIGMOID", "EXP",
};

const char * ggml_unary_op_name(ggml_unary_op op) {
    if ((int) op < 0 || op >= GGML_UNARY_OP_COUNT) return "UNKNOWN";
    return UNARY_NAMES[op];
}

// ---------------------------------------------------------------------------------------------
// constructors

static ggml_tensor * unary_impl(ggml_context * ctx, ggml_tensor * a, ggml_unary_op op, const char * name, bool inplace) {
    GGML_CHECK_OP((int) op >= 0 && op < GGML_UNARY_OP_COUNT, name, a);
    GGML_CHECK_OP(ggml_is_float_type(a->type), ggml_unary_op_name(op), a);
    ggml_tensor * t = ggml_new_elementwise_result(ctx, a, GGML_OP_UNARY, inplace, a);
    ggml_set_op_params_i32(t, 0, (int32_t) op);
    return t;
}

ggml_tensor * ggml_unary(ggml_context * ctx, ggml_tensor * a, ggml_unary_op op) {
    return unary_impl(ctx, a, op, "ggml_unary", false);
}
ggml_tensor * ggml_unary_inplace(ggml_context * ctx, ggml_tensor * a, ggml_unary_op op) {
    return unary_impl(ctx, a, op, "ggml_unary_inplace", true);
}

#define UNARY_CONSTRUCTORS(fn, OP)                                                                                 \
    ggml_tensor * ggml_##fn(ggml_context * ctx, ggml_tensor * a) { return ggml_unary(ctx, a, GGML_UNARY_OP_##OP); } \
    ggml_tensor * ggml_##fn##_inplace(ggml_context * ctx, ggml_tensor * a) { return ggml_unary_inplace(ctx, a, GGML_UNARY_OP_##OP); }

UNARY_CONSTRUCTORS(abs, ABS)
UNARY_CONSTRUCTORS(sgn, SGN)
UNARY_CONSTRUCTORS(neg, NEG)
UNARY_CONSTRUCTORS(step, STEP)
UNARY_CONSTRUCTORS(tanh, TANH)
UNARY_CONSTRUCTORS(elu, ELU)
UNARY_CONSTRUCTORS(relu, RELU)
UNARY_CONSTRUCTORS(sigmoid, SIGMOID)
UNARY_CONSTRUCTORS(gelu, GELU)
UNARY_CONSTRUCTORS(gelu_quick, GELU_QUICK)
UNARY_CONSTRUCTORS(silu, SILU)
UNARY_CONSTRUCTORS(exp, EXP)
#undef UNARY_CONSTRUCTORS

ggml_tensor * ggml_hardswish(ggml_context * ctx, ggml_tensor * a) { return ggml_unary(ctx, a, GGML_UNARY_OP_HARDSWISH); }
ggml_tensor * ggml_hardsigmoid(ggml_context * ctx, ggml_tensor * a) { return ggml_unary(ctx, a, GGML_UNARY_OP_HARDSIGMOID); }

ggml_tensor * ggml_silu_back(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_is_float_type(a->type) && ggml_is_float_type(b->type), "ggml_silu_back", a, b);
    GGML_CHECK_OP(ggml_are_same_shape(a, b), "ggml_silu_back", a, b);
    return ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, a->ne, GGML_OP_SILU_BACK, a, b);
}

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

// ---------------------------------------------------------------------------------------------
// gradients (x = the input, y = the node's output, g = the output's gradient)

static void unary_backward(const ggml_backward_step & s) {
    if (!s.needs[0]) return;
    ggml_context * ctx = s.ctx;
    ggml_tensor * x = s.node->src[0];
    ggml_tensor * y = s.node;
    ggml_tensor * g = s.grad;
    ggml_tensor * d = nullptr; // the contribution to x's gradient
    switch (ggml_get_unary_op(s.node)) {
        case GGML_UNARY_OP_ABS:  d = ggml_mul(ctx, g, ggml_sgn(ctx, x)); break;
        case GGML_UNARY_OP_NEG:  d = ggml_neg(ctx, g); break;
        case GGML_UNARY_OP_RELU: d = ggml_mul(ctx, g, ggml_step(ctx, x)); break;
        case GGML_UNARY_OP_EXP:  d = ggml_mul(ctx, g, y); break;
        // g * (1 - y^2)
        case GGML_UNARY_OP_TANH: d = ggml_sub(ctx, g, ggml_mul(ctx, g, ggml_sqr(ctx, y))); break;
        // g * y * (1 - y)
        case GGML_UNARY_OP_SIGMOID: d = ggml_mul(ctx, g, ggml_sub(ctx, y, ggml_sqr(ctx, y))); break;
        // 1 for x > 0, exp(x) otherwise: both are exp(-relu(-x))
        case GGML_UNARY_OP_ELU:
            d = ggml_mul(ctx, g, ggml_exp(ctx, ggml_neg(ctx, ggml_relu(ctx, ggml_neg(ctx, x)))));
            break;
        case GGML_UNARY_OP_SILU: d = ggml_silu_back(ctx, x, g); break;
        case GGML_UNARY_OP_GELU: {
            // with u = c (x + k x^3) and A = (1 + tanh u) / 2 = sigmoid(2u):
            // dy/dx = A + 2c A (1 - A) (x + 3k x^3)
            ggml_tensor * x3 = ggml_mul(ctx, ggml_sqr(ctx, x), x);
            ggml_tensor * u  = ggml_add(ctx, x, ggml_scale(ctx, x3, GELU_COEF_A));
            ggml_tensor * A  = ggml_sigmoid(ctx, ggml_scale(ctx, u, 2.0f * SQRT_2_OVER_PI));
            ggml_tensor * du = ggml_add(ctx, x, ggml_scale(ctx, x3, 3.0f * GELU_COEF_A));
            ggml_tensor * dA = ggml_mul(ctx, ggml_sub(ctx, A, ggml_sqr(ctx, A)), du);
            d = ggml_mul(ctx, g, ggml_add(ctx, A, ggml_scale(ctx, dA, 2.0f * SQRT_2_OVER_PI)));
            break;
        }
        case GGML_UNARY_OP_GELU_QUICK: {
            // y = x s(kx): dy/dx = s + k x s (1 - s)
            ggml_tensor * sg = ggml_sigmoid(ctx, ggml_scale(ctx, x, GELU_QUICK_K));
            ggml_tensor * ds = ggml_mul(ctx, x, ggml_sub(ctx, sg, ggml_sqr(ctx, sg)));
            d = ggml_mul(ctx, g, ggml_add(ctx, sg, ggml_scale(ctx, ds, GELU_QUICK_K)));
            break;
        }
        case GGML_UNARY_OP_HARDSIGMOID: {
            // slope 1/6 where 0 < y < 1, i.e. where y - y^2 > 0
            ggml_tensor * inside = ggml_step(ctx, ggml_sub(ctx, y, ggml_sqr(ctx, y)));
            d = ggml_mul(ctx, g, ggml_scale(ctx, inside, 1.0f / 6.0f));
            break;
        }
        case GGML_UNARY_OP_HARDSWISH: {
            // y = x h(x): dy/dx = h + x h'(x)
            ggml_tensor * h = ggml_hardsigmoid(ctx, x);
            ggml_tensor * inside = ggml_step(ctx, ggml_sub(ctx, h, ggml_sqr(ctx, h)));
            ggml_tensor * xdh = ggml_scale(ctx, ggml_mul(ctx, x, inside), 1.0f / 6.0f);
            d = ggml_mul(ctx, g, ggml_add(ctx, h, xdh));
            break;
        }
        default:
            GGML_ABORT("%s is not differentiable", ggml_unary_op_name(ggml_get_unary_op(s.node)));
    }
    s.add(0, d);
}

extern const ggml_op_traits ggml_op_traits_unary;
extern const ggml_op_traits ggml_op_traits_silu_back;

const ggml_op_traits ggml_op_traits_unary     = {"UNARY", "unary(x)", unary_forward, unary_backward, nullptr, true};
const ggml_op_traits ggml_op_traits_silu_back = {"SILU_BACK", "silu_back(x)", silu_back_forward, nullptr, nullptr, true};
