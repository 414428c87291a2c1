// Copies: dup, cpy (into an existing tensor), cont / cont_Nd (to a new contiguous tensor) and
// cast. Elements are copied in logical order (dim 0 fastest), so shapes may differ as long as the
// element counts match; either side may be non-contiguous. Types: any to any of the supported
// types (floats to integers truncate toward zero, like a C cast).

#include "ops/elementwise.h"

#include <limits>

static bool is_supported(ggml_type t) {
    return ggml_is_float_type(t) || t == GGML_TYPE_I8 || t == GGML_TYPE_I16 || t == GGML_TYPE_I32 || t == GGML_TYPE_I64;
}

static bool can_convert(ggml_type from, ggml_type to) { return from == to || (is_supported(from) && is_supported(to)); }

ggml_tensor * ggml_dup(ggml_context * ctx, ggml_tensor * a) {
    ggml_tensor * t = ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, a->ne, GGML_OP_DUP, a);
    ggml_format_name(t, "%s (copy)", a->name);
    return t;
}

ggml_tensor * ggml_dup_inplace(ggml_context * ctx, ggml_tensor * a) {
    return ggml_new_inplace_op_tensor(ctx, a, GGML_OP_DUP, a);
}

ggml_tensor * ggml_cpy(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_nelements(a) == ggml_nelements(b), "ggml_cpy", a, b);
    GGML_CHECK_OP(can_convert(a->type, b->type), "ggml_cpy", a, b);
    ggml_tensor * t = ggml_new_inplace_op_tensor(ctx, b, GGML_OP_CPY, a, b);
    if (b->name[0]) {
        ggml_format_name(t, "%s (copy of %s)", b->name, a->name);
    } else {
        ggml_format_name(t, "%s (copy)", a->name);
    }
    return t;
}

ggml_tensor * ggml_cast(ggml_context * ctx, ggml_tensor * a, ggml_type type) {
    GGML_CHECK_OP(can_convert(a->type, type), "ggml_cast", a);
    ggml_tensor * b = ggml_new_tensor(ctx, type, GGML_MAX_DIMS, a->ne);
    ggml_format_name(b, "%s (copy)", a->name);
    return ggml_new_inplace_op_tensor(ctx, b, GGML_OP_CPY, a, b);
}

ggml_tensor * ggml_cont_4d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3) {
    GGML_CHECK_OP(ggml_nelements(a) == ne0 * ne1 * ne2 * ne3, "ggml_cont", a);
    const int64_t ne[4] = {ne0, ne1, ne2, ne3};
    ggml_tensor * t = ggml_new_op_tensor(ctx, a->type, 4, ne, GGML_OP_CONT, a);
    ggml_format_name(t, "%s (cont)", a->name);
    return t;
}

ggml_tensor * ggml_cont(ggml_context * ctx, ggml_tensor * a) {
    return ggml_cont_4d(ctx, a, a->ne[0], a->ne[1], a->ne[2], a->ne[3]);
}
ggml_tensor * ggml_cont_1d(ggml_context * ctx, ggml_tensor * a, int64_t ne0) { return ggml_cont_4d(ctx, a, ne0, 1, 1, 1); }
ggml_tensor * ggml_cont_2d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1) {
    return ggml_cont_4d(ctx, a, ne0, ne1, 1, 1);
}
ggml_tensor * ggml_cont_3d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2) {
    return ggml_cont_4d(ctx, a, ne0, ne1, ne2, 1);
}

// ---------------------------------------------------------------------------------------------
// gradients: the gradient flows back through the copy, reshaped and converted to the source

static void copy_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_grad_like(s.ctx, s.grad, s.node->src[0]));
}

extern const ggml_op_traits ggml_op_traits_dup;
extern const ggml_op_traits ggml_op_traits_cpy;
extern const ggml_op_traits ggml_op_traits_cont;

const ggml_op_traits ggml_op_traits_dup = {"DUP", "x", copy_backward};
const ggml_op_traits ggml_op_traits_cpy = {"CPY", "x->y", copy_backward};
const ggml_op_traits ggml_op_traits_cont = {"CONT", "cont(x)", copy_backward};
