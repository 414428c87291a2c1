// Unary activation functions (GGML_OP_UNARY, op_params[0] = ggml_unary_op) and silu_back.
// Gradient rules are composed from existing ops, mostly from the node's own output.

#include "ops/elementwise.h"
#include "ops/unary-params.h"

#include <cmath>


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

const ggml_op_traits ggml_op_traits_unary = {"UNARY", "unary(x)", unary_backward};
const ggml_op_traits ggml_op_traits_silu_back = {"SILU_BACK", "silu_back(x)", nullptr};
