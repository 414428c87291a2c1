// Element-wise math: sqr, sqrt, log and scale (op_params: f32 scale, f32 bias = 0, as ggml).

#include "ops/elementwise.h"

#include <cmath>

static ggml_tensor * math_impl(ggml_context * ctx, ggml_tensor * a, ggml_op op, const char * name, bool inplace) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), name, a);
    return ggml_new_elementwise_result(ctx, a, op, inplace, a);
}

ggml_tensor * ggml_sqr(ggml_context * ctx, ggml_tensor * a) { return math_impl(ctx, a, GGML_OP_SQR, "ggml_sqr", false); }
ggml_tensor * ggml_sqr_inplace(ggml_context * ctx, ggml_tensor * a) { return math_impl(ctx, a, GGML_OP_SQR, "ggml_sqr_inplace", true); }
ggml_tensor * ggml_sqrt(ggml_context * ctx, ggml_tensor * a) { return math_impl(ctx, a, GGML_OP_SQRT, "ggml_sqrt", false); }
ggml_tensor * ggml_sqrt_inplace(ggml_context * ctx, ggml_tensor * a) { return math_impl(ctx, a, GGML_OP_SQRT, "ggml_sqrt_inplace", true); }
ggml_tensor * ggml_log(ggml_context * ctx, ggml_tensor * a) { return math_impl(ctx, a, GGML_OP_LOG, "ggml_log", false); }
ggml_tensor * ggml_log_inplace(ggml_context * ctx, ggml_tensor * a) { return math_impl(ctx, a, GGML_OP_LOG, "ggml_log_inplace", true); }

static ggml_tensor * scale_impl(ggml_context * ctx, ggml_tensor * a, float s, bool inplace) {
    ggml_tensor * t = math_impl(ctx, a, GGML_OP_SCALE, inplace ? "ggml_scale_inplace" : "ggml_scale", inplace);
    ggml_set_op_params_f32(t, 0, s);
    ggml_set_op_params_f32(t, 1, 0.0f);
    return t;
}

ggml_tensor * ggml_scale(ggml_context * ctx, ggml_tensor * a, float s) { return scale_impl(ctx, a, s, false); }
ggml_tensor * ggml_scale_inplace(ggml_context * ctx, ggml_tensor * a, float s) { return scale_impl(ctx, a, s, true); }

static void sqr_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_scale(s.ctx, ggml_mul(s.ctx, s.grad, s.node->src[0]), 2.0f));
}
// d sqrt(x) = 1 / (2 sqrt(x))
static void sqrt_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_scale(s.ctx, ggml_div(s.ctx, s.grad, s.node), 0.5f));
}
static void log_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_div(s.ctx, s.grad, s.node->src[0]));
}
static void scale_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_scale(s.ctx, s.grad, ggml_get_op_params_f32(s.node, 0)));
}

extern const ggml_op_traits ggml_op_traits_sqr;
extern const ggml_op_traits ggml_op_traits_sqrt;
extern const ggml_op_traits ggml_op_traits_log;
extern const ggml_op_traits ggml_op_traits_scale;

const ggml_op_traits ggml_op_traits_sqr = {"SQR", "x^2", sqr_backward};
const ggml_op_traits ggml_op_traits_sqrt = {"SQRT", "√x", sqrt_backward};
const ggml_op_traits ggml_op_traits_log = {"LOG", "log(x)", log_backward};
const ggml_op_traits ggml_op_traits_scale = {"SCALE", "x*v", scale_backward};
