#pragma once

// Constructor helpers shared by the element-wise operator definitions and their gradient rules:
// result tensors of in-place or new element-wise ops, broadcasts reduced back to a shape, casts.

#include "core/ggml-impl.h"


// The result tensor of an element-wise op on a: a new tensor of a's shape and type, or a view of
// a when in place.
inline ggml_tensor * ggml_new_elementwise_result(ggml_context * ctx, ggml_tensor * a, ggml_op op, bool inplace,
                                                 ggml_tensor * src0, ggml_tensor * src1 = nullptr) {
    if (inplace) return ggml_new_inplace_op_tensor(ctx, a, op, src0, src1);
    return ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, a->ne, op, src0, src1);
}

// t summed down to like's shape when t is a broadcast of it (gradients of broadcasting ops).
inline ggml_tensor * ggml_reduce_to_shape(ggml_context * ctx, ggml_tensor * t, ggml_tensor * like) {
    return ggml_are_same_shape(t, like) ? t : ggml_repeat_back(ctx, t, like);
}

// A gradient g given the type and shape of `like` (same element count): cast and reshaped.
inline ggml_tensor * ggml_grad_like(ggml_context * ctx, ggml_tensor * g, ggml_tensor * like) {
    if (g->type != like->type) g = ggml_cast(ctx, g, like->type);
    if (ggml_are_same_shape(g, like)) return g;
    if (!ggml_is_contiguous(g)) g = ggml_cont(ctx, g);
    return ggml_reshape(ctx, g, like);
}

// ggml_acc where a only gives the shape and type: the result is zero outside b's region.
// Used by the gradient of views. Defined in acc.cpp.
ggml_tensor * ggml_acc_into_zeros(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b,
                                  size_t nb1, size_t nb2, size_t nb3, size_t offset);
