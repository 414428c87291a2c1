// Reductions: sum (all elements), sum_rows and mean (along dim 0), argmax (per row) and
// count_equal (number of equal I32 elements). Sums accumulate in double.

#include "ops/elementwise.h"

// ---------------------------------------------------------------------------------------------
// constructors

ggml_tensor * ggml_sum(ggml_context * ctx, ggml_tensor * a) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), "ggml_sum", a);
    const int64_t ne[1] = {1};
    return ggml_new_op_tensor(ctx, a->type, 1, ne, GGML_OP_SUM, a);
}

ggml_tensor * ggml_sum_rows(ggml_context * ctx, ggml_tensor * a) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), "ggml_sum_rows", a);
    const int64_t ne[4] = {1, a->ne[1], a->ne[2], a->ne[3]};
    return ggml_new_op_tensor(ctx, a->type, 4, ne, GGML_OP_SUM_ROWS, a);
}

ggml_tensor * ggml_mean(ggml_context * ctx, ggml_tensor * a) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), "ggml_mean", a);
    const int64_t ne[4] = {1, a->ne[1], a->ne[2], a->ne[3]};
    return ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, ne, GGML_OP_MEAN, a);
}

ggml_tensor * ggml_argmax(ggml_context * ctx, ggml_tensor * a) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), "ggml_argmax", a);
    GGML_CHECK_OP(ggml_is_matrix(a), "ggml_argmax", a);
    GGML_CHECK_OP(a->ne[0] <= INT32_MAX, "ggml_argmax", a);
    const int64_t ne[1] = {a->ne[1]};
    return ggml_new_op_tensor(ctx, GGML_TYPE_I32, 1, ne, GGML_OP_ARGMAX, a);
}

ggml_tensor * ggml_count_equal(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(a->type == GGML_TYPE_I32 && b->type == GGML_TYPE_I32, "ggml_count_equal", a, b);
    GGML_CHECK_OP(ggml_are_same_shape(a, b), "ggml_count_equal", a, b);
    const int64_t ne[1] = {1};
    return ggml_new_op_tensor(ctx, GGML_TYPE_I64, 1, ne, GGML_OP_COUNT_EQUAL, a, b);
}

// ---------------------------------------------------------------------------------------------
// gradients: every summed element receives the gradient of its sum

static void sum_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_repeat(s.ctx, s.grad, s.node->src[0]));
}
static void mean_backward(const ggml_backward_step & s) {
    if (!s.needs[0]) return;
    ggml_tensor * a = s.node->src[0];
    s.add(0, ggml_scale(s.ctx, ggml_repeat(s.ctx, s.grad, a), 1.0f / (float) a->ne[0]));
}

extern const ggml_op_traits ggml_op_traits_sum;
extern const ggml_op_traits ggml_op_traits_sum_rows;
extern const ggml_op_traits ggml_op_traits_mean;
extern const ggml_op_traits ggml_op_traits_argmax;
extern const ggml_op_traits ggml_op_traits_count_equal;

const ggml_op_traits ggml_op_traits_sum = {"SUM", "Σx", sum_backward};
const ggml_op_traits ggml_op_traits_sum_rows = {"SUM_ROWS", "Σx_k", sum_backward};
const ggml_op_traits ggml_op_traits_mean = {"MEAN", "Σx/n", mean_backward};
const ggml_op_traits ggml_op_traits_argmax = {"ARGMAX", "argmax(x)", nullptr};
const ggml_op_traits ggml_op_traits_count_equal = {"COUNT_EQUAL", "count_equal(x)", nullptr};
