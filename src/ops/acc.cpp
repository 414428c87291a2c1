// acc: a copy of a with b added into the region of a described by (nb1, nb2, nb3, offset), the
// strides and byte offset of a view of a. op_params (i32): nb1, nb2, nb3, offset, inplace,
// zero_base (internal: a only gives the shape, the rest of the result is zero).

#include "ops/elementwise.h"

static ggml_tensor * acc_impl(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, size_t nb1, size_t nb2,
                              size_t nb3, size_t offset, bool inplace, bool zero_base) {
    const char * name = inplace ? "ggml_acc_inplace" : "ggml_acc";
    GGML_CHECK_OP(ggml_is_float_type(a->type) && ggml_is_float_type(b->type), name, a, b);
    GGML_CHECK_OP(ggml_is_contiguous(a), name, a, b);
    GGML_CHECK_OP(ggml_nelements(b) <= ggml_nelements(a), name, a, b);
    const size_t esize = ggml_type_size(a->type);
    size_t end = offset + esize + (b->ne[0] - 1) * esize;
    end += (b->ne[1] - 1) * nb1 + (b->ne[2] - 1) * nb2 + (b->ne[3] - 1) * nb3;
    GGML_CHECK_OP(ggml_is_empty(b) || end <= ggml_nbytes(a), name, a, b);
    GGML_CHECK_OP(nb1 <= INT32_MAX && nb2 <= INT32_MAX && nb3 <= INT32_MAX && offset <= INT32_MAX, name, a, b);

    ggml_tensor * t = ggml_new_elementwise_result(ctx, a, GGML_OP_ACC, inplace, a, b);
    const int32_t params[6] = {(int32_t) nb1, (int32_t) nb2, (int32_t) nb3, (int32_t) offset, inplace ? 1 : 0, zero_base ? 1 : 0};
    ggml_set_op_params(t, params, sizeof(params));
    return t;
}

ggml_tensor * ggml_acc(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, size_t nb1, size_t nb2, size_t nb3,
                       size_t offset) {
    return acc_impl(ctx, a, b, nb1, nb2, nb3, offset, false, false);
}

ggml_tensor * ggml_acc_inplace(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, size_t nb1, size_t nb2,
                               size_t nb3, size_t offset) {
    return acc_impl(ctx, a, b, nb1, nb2, nb3, offset, true, false);
}

ggml_tensor * ggml_acc_into_zeros(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, size_t nb1, size_t nb2,
                                  size_t nb3, size_t offset) {
    return acc_impl(ctx, a, b, nb1, nb2, nb3, offset, false, true);
}

// a's gradient is the whole gradient; b's is the gradient over b's region
static void acc_backward(const ggml_backward_step & s) {
    ggml_tensor * b = s.node->src[1];
    if (s.needs[0] && !s.node->op_params[5]) s.add(0, s.grad);
    if (s.needs[1]) {
        ggml_tensor * g = ggml_is_contiguous(s.grad) ? s.grad : ggml_cont(s.ctx, s.grad);
        const int32_t * op = s.node->op_params;
        ggml_tensor * region = ggml_view_4d(s.ctx, g, b->ne[0], b->ne[1], b->ne[2], b->ne[3],
                                            (size_t) op[0], (size_t) op[1], (size_t) op[2], (size_t) op[3]);
        s.add(1, ggml_grad_like(s.ctx, ggml_cont(s.ctx, region), b));
    }
}

extern const ggml_op_traits ggml_op_traits_acc;

const ggml_op_traits ggml_op_traits_acc = {"ACC", "view(x,nb,offset)+=y->x", acc_backward};
