// Ops that only reinterpret memory: reshape, view, permute, transpose. They have no kernel; their
// gradients undo the reinterpretation (reshape back, inverse permutation, accumulate into zeros).

#include "ops/elementwise.h"

// ---------------------------------------------------------------------------------------------
// reshape (a must be contiguous)

static ggml_tensor * reshape_impl(ggml_context * ctx, ggml_tensor * a, int n_dims, const int64_t * ne) {
    int64_t n = 1;
    for (int i = 0; i < n_dims; ++i) n *= ne[i];
    GGML_CHECK_OP(ggml_is_contiguous(a), "ggml_reshape", a);
    GGML_CHECK_OP(ggml_nelements(a) == n, "ggml_reshape", a);
    ggml_tensor * t = ggml_new_view_tensor(ctx, a, n_dims, ne, 0);
    ggml_format_name(t, "%s (reshaped)", a->name);
    t->op = GGML_OP_RESHAPE;
    t->src[0] = a;
    return t;
}

ggml_tensor * ggml_reshape(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_is_contiguous(a) && ggml_nelements(a) == ggml_nelements(b), "ggml_reshape", a, b);
    return reshape_impl(ctx, a, GGML_MAX_DIMS, b->ne);
}
ggml_tensor * ggml_reshape_1d(ggml_context * ctx, ggml_tensor * a, int64_t ne0) {
    const int64_t ne[1] = {ne0};
    return reshape_impl(ctx, a, 1, ne);
}
ggml_tensor * ggml_reshape_2d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1) {
    const int64_t ne[2] = {ne0, ne1};
    return reshape_impl(ctx, a, 2, ne);
}
ggml_tensor * ggml_reshape_3d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2) {
    const int64_t ne[3] = {ne0, ne1, ne2};
    return reshape_impl(ctx, a, 3, ne);
}
ggml_tensor * ggml_reshape_4d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3) {
    const int64_t ne[4] = {ne0, ne1, ne2, ne3};
    return reshape_impl(ctx, a, 4, ne);
}

// ---------------------------------------------------------------------------------------------
// views: op_params hold the byte offset into a (size_t)

static ggml_tensor * view_impl(ggml_context * ctx, ggml_tensor * a, int n_dims, const int64_t * ne,
                               const size_t * nb, size_t offset) {
    for (int i = 0; i < n_dims; ++i) GGML_CHECK_OP(ne[i] >= 0, "ggml_view", a);
    ggml_tensor * t = ggml_new_view_tensor(ctx, a, n_dims, ne, offset);
    for (int i = 1; i < n_dims; ++i) t->nb[i] = nb[i];
    for (int i = n_dims; i < GGML_MAX_DIMS; ++i) t->nb[i] = t->nb[i - 1] * t->ne[i - 1];
    const ggml_tensor * root = t->view_src;
    GGML_CHECK_OP(ggml_is_empty(t) || t->view_offs + ggml_nbytes(t) <= ggml_nbytes(root), "ggml_view", a);
    ggml_format_name(t, "%s (view)", a->name);
    ggml_set_op_params(t, &offset, sizeof(offset));
    t->op = GGML_OP_VIEW;
    t->src[0] = a;
    return t;
}

ggml_tensor * ggml_view_1d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, size_t offset) {
    const int64_t ne[1] = {ne0};
    return view_impl(ctx, a, 1, ne, nullptr, offset);
}
ggml_tensor * ggml_view_2d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, size_t nb1, size_t offset) {
    const int64_t ne[2] = {ne0, ne1};
    const size_t nb[2] = {0, nb1};
    return view_impl(ctx, a, 2, ne, nb, offset);
}
ggml_tensor * ggml_view_3d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, size_t nb1,
                           size_t nb2, size_t offset) {
    const int64_t ne[3] = {ne0, ne1, ne2};
    const size_t nb[3] = {0, nb1, nb2};
    return view_impl(ctx, a, 3, ne, nb, offset);
}
ggml_tensor * ggml_view_4d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3,
                           size_t nb1, size_t nb2, size_t nb3, size_t offset) {
    const int64_t ne[4] = {ne0, ne1, ne2, ne3};
    const size_t nb[4] = {0, nb1, nb2, nb3};
    return view_impl(ctx, a, 4, ne, nb, offset);
}

// ---------------------------------------------------------------------------------------------
// permute / transpose: result dim axis[i] is a's dim i

static ggml_tensor * permute_impl(ggml_context * ctx, ggml_tensor * a, const int * axis, ggml_op op, const char * suffix) {
    bool seen[GGML_MAX_DIMS] = {};
    for (int i = 0; i < GGML_MAX_DIMS; ++i) {
        GGML_CHECK_OP(axis[i] >= 0 && axis[i] < GGML_MAX_DIMS && !seen[axis[i]], "ggml_permute", a);
        seen[axis[i]] = true;
    }
    ggml_tensor * t = ggml_view_tensor(ctx, a);
    ggml_format_name(t, "%s (%s)", a->name, suffix);
    for (int i = 0; i < GGML_MAX_DIMS; ++i) {
        t->ne[axis[i]] = a->ne[i];
        t->nb[axis[i]] = a->nb[i];
    }
    t->op = op;
    t->src[0] = a;
    ggml_set_op_params(t, axis, GGML_MAX_DIMS * sizeof(int));
    return t;
}

ggml_tensor * ggml_permute(ggml_context * ctx, ggml_tensor * a, int axis0, int axis1, int axis2, int axis3) {
    const int axis[4] = {axis0, axis1, axis2, axis3};
    return permute_impl(ctx, a, axis, GGML_OP_PERMUTE, "permuted");
}

ggml_tensor * ggml_transpose(ggml_context * ctx, ggml_tensor * a) {
    const int axis[4] = {1, 0, 2, 3};
    return permute_impl(ctx, a, axis, GGML_OP_TRANSPOSE, "transposed");
}

// ---------------------------------------------------------------------------------------------
// gradients

static void reshape_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_grad_like(s.ctx, s.grad, s.node->src[0]));
}

// the gradient lands in the viewed region of a tensor of zeros shaped like the source
static void view_backward(const ggml_backward_step & s) {
    if (!s.needs[0]) return;
    ggml_tensor * a = s.node->src[0];
    size_t offset;
    memcpy(&offset, s.node->op_params, sizeof(offset));
    ggml_tensor * g = s.grad->type == a->type ? s.grad : ggml_cast(s.ctx, s.grad, a->type);
    s.add(0, ggml_acc_into_zeros(s.ctx, a, g, s.node->nb[1], s.node->nb[2], s.node->nb[3], offset));
}

static void permute_backward(const ggml_backward_step & s) {
    if (!s.needs[0]) return;
    int inverse[GGML_MAX_DIMS];
    for (int i = 0; i < GGML_MAX_DIMS; ++i) inverse[s.node->op_params[i]] = i;
    s.add(0, ggml_permute(s.ctx, s.grad, inverse[0], inverse[1], inverse[2], inverse[3]));
}

static void transpose_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_transpose(s.ctx, s.grad));
}

extern const ggml_op_traits ggml_op_traits_reshape;
extern const ggml_op_traits ggml_op_traits_view;
extern const ggml_op_traits ggml_op_traits_permute;
extern const ggml_op_traits ggml_op_traits_transpose;

const ggml_op_traits ggml_op_traits_reshape   = {"RESHAPE", "reshape(x)", reshape_backward};
const ggml_op_traits ggml_op_traits_view      = {"VIEW", "view(x)", view_backward};
const ggml_op_traits ggml_op_traits_permute   = {"PERMUTE", "permute(x)", permute_backward};
const ggml_op_traits ggml_op_traits_transpose = {"TRANSPOSE", "transpose(x)", transpose_backward};
