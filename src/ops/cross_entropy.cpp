// Cross-entropy loss between logits and target probabilities (GGML_OP_CROSS_ENTROPY_LOSS) and
// its gradient with respect to the logits (GGML_OP_CROSS_ENTROPY_LOSS_BACK).
//
//   loss = -(1/nrows) * sum_rows sum_i b_i * log_softmax(a)_i
//   d loss / d a = c * (softmax(a) - b) / nrows       (c: gradient of the loss, a scalar)
//
// Rows are dimension 0 (the classes); dims 1..3 all count as rows. The gradient formula holds
// for targets whose rows sum to 1 (probability distributions), as in ggml.

#include "core/ggml-impl.h"
#include "ops/elementwise.h"

#include <algorithm>
#include <cmath>

extern const ggml_op_traits ggml_op_traits_cross_entropy_loss;
extern const ggml_op_traits ggml_op_traits_cross_entropy_loss_back;

namespace {
void cross_entropy_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_cross_entropy_loss_back(s.ctx, s.node->src[0], s.node->src[1], s.grad));
}

} // namespace

ggml_tensor * ggml_cross_entropy_loss(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(a->type == GGML_TYPE_F32 && b->type == GGML_TYPE_F32, "ggml_cross_entropy_loss", a, b);
    GGML_CHECK_OP(ggml_are_same_shape(a, b), "ggml_cross_entropy_loss", a, b);
    GGML_CHECK_OP(!ggml_is_empty(a), "ggml_cross_entropy_loss", a, b);
    const int64_t ne = 1;
    return ggml_new_op_tensor(ctx, GGML_TYPE_F32, 1, &ne, GGML_OP_CROSS_ENTROPY_LOSS, a, b);
}

// ggml documents (logits, labels, gradient) while its own gradient rule passes (gradient, logits,
// labels); both orders are accepted, told apart by which argument is the scalar, and stored as
// src0 = logits, src1 = labels, src2 = gradient.
ggml_tensor * ggml_cross_entropy_loss_back(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, ggml_tensor * c) {
    ggml_tensor * logits = a;
    ggml_tensor * labels = b;
    ggml_tensor * grad = c;
    if (!(ggml_is_scalar(c) && ggml_are_same_shape(a, b)) && ggml_is_scalar(a) && ggml_are_same_shape(b, c)) {
        grad = a;
        logits = b;
        labels = c;
    }
    const char * op = "ggml_cross_entropy_loss_back";
    GGML_CHECK_OP(logits->type == GGML_TYPE_F32 && labels->type == GGML_TYPE_F32 && grad->type == GGML_TYPE_F32, op, logits,
                  labels, grad);
    GGML_CHECK_OP(ggml_are_same_shape(logits, labels), op, logits, labels, grad);
    GGML_CHECK_OP(ggml_is_scalar(grad), op, logits, labels, grad);
    return ggml_new_op_tensor(ctx, GGML_TYPE_F32, GGML_MAX_DIMS, logits->ne, GGML_OP_CROSS_ENTROPY_LOSS_BACK, logits, labels, grad);
}

const ggml_op_traits ggml_op_traits_cross_entropy_loss = {"CROSS_ENTROPY_LOSS", "cross_entropy_loss(x,y)", cross_entropy_backward};
const ggml_op_traits ggml_op_traits_cross_entropy_loss_back = {"CROSS_ENTROPY_LOSS_BACK", "cross_entropy_loss_back(x,y)", nullptr};
