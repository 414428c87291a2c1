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

// Phase 1 (unless in place): dst = a, or zeros. Phase 2, after every thread finished phase 1:
// add b's rows into dst's region, rows split between threads.
static void acc_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const size_t nb1 = (size_t) dst->op_params[0], nb2 = (size_t) dst->op_params[1], nb3 = (size_t) dst->op_params[2];
    const size_t offset = (size_t) dst->op_params[3];
    const bool inplace = dst->op_params[4] != 0, zero_base = dst->op_params[5] != 0;
    const size_t esize = ggml_type_size(dst->type);

    if (!inplace || zero_base) {
        int64_t r0, r1;
        ggml_split_rows(ggml_nrows(dst), p->ith, p->nth, r0, r1);
        for (int64_t ir = r0; ir < r1; ++ir) {
            int64_t i1, i2, i3;
            ggml_row_index(dst, ir, i1, i2, i3);
            char * d = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
            if (zero_base) {
                memset(d, 0, esize * dst->ne[0]);
            } else if (d != ggml_element_ptr(a, 0, i1, i2, i3)) {
                memcpy(d, ggml_element_ptr(a, 0, i1, i2, i3), esize * dst->ne[0]);
            }
        }
        if (p->nth > 1) p->barrier(p->barrier_ctx);
    }

    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(b), p->ith, p->nth, r0, r1);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(b, ir, i1, i2, i3);
        char * d = (char *) dst->data + offset + i1 * nb1 + i2 * nb2 + i3 * nb3;
        const char * s = (const char *) ggml_element_ptr(b, 0, i1, i2, i3);
        for (int64_t i0 = 0; i0 < b->ne[0]; ++i0) {
            char * de = d + i0 * esize;
            ggml_store_float(de, dst->type, ggml_load_float(de, dst->type) + ggml_load_float(s + i0 * b->nb[0], b->type));
        }
    }
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

const ggml_op_traits ggml_op_traits_acc = {"ACC", "view(x,nb,offset)+=y->x", acc_forward, acc_backward, nullptr, true};
