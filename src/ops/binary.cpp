// Binary element-wise ops: add, sub, mul, div (b broadcast over a) and add1 (a + scalar b).

#include "ops/elementwise.h"

// ---------------------------------------------------------------------------------------------
// constructors

static ggml_tensor * binary_impl(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, ggml_op op,
                                 const char * name, bool inplace) {
    GGML_CHECK_OP(ggml_is_float_type(a->type) && ggml_is_float_type(b->type), name, a, b);
    GGML_CHECK_OP(ggml_can_repeat(b, a), name, a, b);
    return ggml_new_elementwise_result(ctx, a, op, inplace, a, b);
}

ggml_tensor * ggml_add(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_ADD, "ggml_add", false); }
ggml_tensor * ggml_add_inplace(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_ADD, "ggml_add_inplace", true); }
ggml_tensor * ggml_sub(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_SUB, "ggml_sub", false); }
ggml_tensor * ggml_sub_inplace(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_SUB, "ggml_sub_inplace", true); }
ggml_tensor * ggml_mul(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_MUL, "ggml_mul", false); }
ggml_tensor * ggml_mul_inplace(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_MUL, "ggml_mul_inplace", true); }
ggml_tensor * ggml_div(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_DIV, "ggml_div", false); }
ggml_tensor * ggml_div_inplace(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return binary_impl(ctx, a, b, GGML_OP_DIV, "ggml_div_inplace", true); }

static ggml_tensor * add1_impl(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, bool inplace) {
    const char * name = inplace ? "ggml_add1_inplace" : "ggml_add1";
    GGML_CHECK_OP(ggml_is_float_type(a->type) && ggml_is_float_type(b->type), name, a, b);
    GGML_CHECK_OP(ggml_is_scalar(b), name, a, b);
    return ggml_new_elementwise_result(ctx, a, GGML_OP_ADD1, inplace, a, b);
}

ggml_tensor * ggml_add1(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return add1_impl(ctx, a, b, false); }
ggml_tensor * ggml_add1_inplace(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) { return add1_impl(ctx, a, b, true); }

// ---------------------------------------------------------------------------------------------
// gradients

static void add_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, s.grad);
    if (s.needs[1]) s.add(1, ggml_reduce_to_shape(s.ctx, s.grad, s.node->src[1]));
}

static void sub_backward(const ggml_backward_step & s) {
    ggml_tensor * b = s.node->src[1];
    if (s.needs[0]) s.add(0, s.grad);
    if (s.needs[1]) s.add(1, ggml_reduce_to_shape(s.ctx, ggml_neg(s.ctx, s.grad), b));
}

static void mul_backward(const ggml_backward_step & s) {
    ggml_tensor * a = s.node->src[0];
    ggml_tensor * b = s.node->src[1];
    if (s.needs[0]) s.add(0, ggml_mul(s.ctx, s.grad, b));
    if (s.needs[1]) s.add(1, ggml_reduce_to_shape(s.ctx, ggml_mul(s.ctx, s.grad, a), b));
}

// d(a/b)/db = -(a/b)/b
static void div_backward(const ggml_backward_step & s) {
    ggml_tensor * b = s.node->src[1];
    if (s.needs[0]) s.add(0, ggml_div(s.ctx, s.grad, b));
    if (s.needs[1]) {
        ggml_tensor * d = ggml_neg(s.ctx, ggml_mul(s.ctx, s.grad, ggml_div(s.ctx, s.node, b)));
        s.add(1, ggml_reduce_to_shape(s.ctx, d, b));
    }
}

static void add1_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, s.grad);
    if (s.needs[1]) s.add(1, ggml_sum(s.ctx, s.grad)); // every scalar has the shape [1, 1, 1, 1]
}

extern const ggml_op_traits ggml_op_traits_add;
extern const ggml_op_traits ggml_op_traits_sub;
extern const ggml_op_traits ggml_op_traits_mul;
extern const ggml_op_traits ggml_op_traits_div;
extern const ggml_op_traits ggml_op_traits_add1;

const ggml_op_traits ggml_op_traits_add = {"ADD", "x+y", add_backward};
const ggml_op_traits ggml_op_traits_sub = {"SUB", "x-y", sub_backward};
const ggml_op_traits ggml_op_traits_mul = {"MUL", "x*y", mul_backward};
const ggml_op_traits ggml_op_traits_div = {"DIV", "x/y", div_backward};
const ggml_op_traits ggml_op_traits_add1 = {"ADD1", "x+y", add1_backward};
