// repeat (tile a to b's shape) and repeat_back (sum a's tiles into b's shape); each is the
// other's gradient.

#include "ops/elementwise.h"

ggml_tensor * ggml_repeat(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), "ggml_repeat", a, b);
    GGML_CHECK_OP(ggml_can_repeat(a, b), "ggml_repeat", a, b);
    return ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, b->ne, GGML_OP_REPEAT, a);
}

ggml_tensor * ggml_repeat_back(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_is_float_type(a->type), "ggml_repeat_back", a, b);
    GGML_CHECK_OP(ggml_can_repeat(b, a), "ggml_repeat_back", a, b);
    return ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, b->ne, GGML_OP_REPEAT_BACK, a);
}

static void repeat_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_repeat_back(s.ctx, s.grad, s.node->src[0]));
}
static void repeat_back_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_repeat(s.ctx, s.grad, s.node->src[0]));
}

extern const ggml_op_traits ggml_op_traits_repeat;
extern const ggml_op_traits ggml_op_traits_repeat_back;

const ggml_op_traits ggml_op_traits_repeat = {"REPEAT", "repeat(x)", repeat_backward};
const ggml_op_traits ggml_op_traits_repeat_back = {"REPEAT_BACK", "repeat_back(x)", repeat_back_backward};
