// Matrix products: mul_mat (per batch, dst = aᵀ·b: dst[i, j] = Σ_k a[k, i] b[k, j]) and out_prod
// (per batch, dst[i, j] = Σ_k a[i, k] b[j, k]). a's dims 2 and 3 broadcast over b's: batch
// (i2, i3) of dst uses batch (i2 / r2, i3 / r3) of a, with r = b's extent / a's extent.
//
// The kernels that compute them belong to the backends (the CPU's: src/cpu/kernels/mul_mat.cpp).

#include "core/ggml-impl.h"
#include "ops/elementwise.h"

extern const ggml_op_traits ggml_op_traits_mul_mat;
extern const ggml_op_traits ggml_op_traits_out_prod;

// ---------------------------------------------------------------------------------------------
// constructors

// Whether a's dims 2 and 3 broadcast over b's.
static bool batches_broadcast(const ggml_tensor * a, const ggml_tensor * b) {
    for (int d = 2; d < 4; ++d) {
        if (a->ne[d] == 0 ? b->ne[d] != 0 : b->ne[d] % a->ne[d] != 0) return false;
    }
    return true;
}

ggml_tensor * ggml_mul_mat(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_is_float_type(a->type) && ggml_is_float_type(b->type), "ggml_mul_mat", a, b);
    GGML_CHECK_OP(a->ne[0] == b->ne[0], "ggml_mul_mat", a, b);
    GGML_CHECK_OP(batches_broadcast(a, b), "ggml_mul_mat", a, b);
    const int64_t ne[4] = {a->ne[1], b->ne[1], b->ne[2], b->ne[3]};
    return ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, ne, GGML_OP_MUL_MAT, a, b);
}

void ggml_mul_mat_set_prec(ggml_tensor * a, ggml_prec prec) {
    GGML_CHECK_OP(a->op == GGML_OP_MUL_MAT, "ggml_mul_mat_set_prec", a);
    ggml_set_op_params_i32(a, 0, (int32_t) prec); // F32 products always accumulate in F32
}

ggml_tensor * ggml_out_prod(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_is_float_type(a->type) && ggml_is_float_type(b->type), "ggml_out_prod", a, b);
    GGML_CHECK_OP(a->ne[1] == b->ne[1], "ggml_out_prod", a, b);
    GGML_CHECK_OP(batches_broadcast(a, b), "ggml_out_prod", a, b);
    const int64_t ne[4] = {a->ne[0], b->ne[0], b->ne[2], b->ne[3]};
    return ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, ne, GGML_OP_OUT_PROD, a, b);
}

// ---------------------------------------------------------------------------------------------
// gradients

// t has the batch dims of the product's result; sums the consecutive groups of batches that
// shared one batch of `like` (the broadcast operand) so the result has like's shape.
static ggml_tensor * sum_broadcast_batches(ggml_context * ctx, ggml_tensor * t, const ggml_tensor * like) {
    if (ggml_are_same_shape(t, like)) return t;
    // t is a fresh contiguous product result, so dims 0 and 1 merge into one
    const int64_t d  = t->ne[0] * t->ne[1];
    const int64_t e2 = t->ne[2], f2 = like->ne[2], r2 = e2 / f2;
    const int64_t e3 = t->ne[3], f3 = like->ne[3], r3 = e3 / f3;
    ggml_tensor * u = t; // contiguous, viewed as [d, e2, f3 * r3]
    if (r3 > 1) {
        // batch i3 = g*r3 + r: dims [d, e2, g, r]
        ggml_tensor * groups = ggml_view_4d(ctx, u, d, e2, f3, r3, t->nb[2], t->nb[3] * r3, t->nb[3], 0);
        ggml_tensor * shape  = ggml_view_4d(ctx, u, d, e2, f3, 1, t->nb[2], t->nb[3], t->nb[3] * f3, 0);
        u = ggml_repeat_back(ctx, groups, shape); // contiguous [d, e2, f3, 1]
    }
    if (r2 > 1) {
        const size_t row = (size_t) d * sizeof(float);
        // batch i2 = g*r2 + r: dims [d, g, r, i3]
        ggml_tensor * groups = ggml_view_4d(ctx, u, d, f2, r2, f3, row * r2, row, row * e2, 0);
        ggml_tensor * shape  = ggml_view_4d(ctx, u, d, f2, 1, f3, row, row * f2, row * f2, 0);
        u = ggml_repeat_back(ctx, groups, shape); // contiguous [d, f2, 1, f3]
    }
    return ggml_reshape_4d(ctx, u, like->ne[0], like->ne[1], like->ne[2], like->ne[3]);
}

static void mul_mat_backward(const ggml_backward_step & s) {
    ggml_tensor * a = s.node->src[0]; // [K, M, .]
    ggml_tensor * b = s.node->src[1]; // [K, N, .]
    if (s.needs[0]) {
        // da[k, i] = Σ_j b[k, j] grad[i, j]
        s.add(0, sum_broadcast_batches(s.ctx, ggml_out_prod(s.ctx, b, s.grad), a));
    }
    if (s.needs[1]) {
        // db[k, j] = Σ_i a[k, i] grad[i, j]: an out_prod with grad read transposed, so neither
        // operand is copied
        s.add(1, ggml_out_prod(s.ctx, a, ggml_transpose(s.ctx, s.grad)));
    }
}

static void out_prod_backward(const ggml_backward_step & s) {
    ggml_tensor * a = s.node->src[0]; // [M, K, .]
    ggml_tensor * b = s.node->src[1]; // [N, K, .]
    if (s.needs[0]) {
        // da[i, k] = Σ_j grad[i, j] b[j, k]
        s.add(0, sum_broadcast_batches(s.ctx, ggml_out_prod(s.ctx, s.grad, ggml_transpose(s.ctx, b)), a));
    }
    if (s.needs[1]) {
        // db[j, k] = Σ_i grad[i, j] a[i, k]
        if (a->ne[2] == b->ne[2] && a->ne[3] == b->ne[3]) {
            s.add(1, ggml_out_prod(s.ctx, ggml_transpose(s.ctx, s.grad), ggml_transpose(s.ctx, a)));
        } else {
            // a is broadcast: only mul_mat broadcasts its first operand the way a is
            s.add(1, ggml_cont(s.ctx, ggml_transpose(s.ctx, ggml_mul_mat(s.ctx, a, s.grad))));
        }
    }
}

const ggml_op_traits ggml_op_traits_mul_mat = {"MUL_MAT", "X*Y", mul_mat_backward};

const ggml_op_traits ggml_op_traits_out_prod = {"OUT_PROD", "X×Y", out_prod_backward};
