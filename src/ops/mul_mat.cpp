// Matrix products: mul_mat (per batch, dst = aᵀ·b: dst[i, j] = Σ_k a[k, i] b[k, j]) and out_prod
// (per batch, dst[i, j] = Σ_k a[i, k] b[j, k]). a's dims 2 and 3 broadcast over b's: batch
// (i2, i3) of dst uses batch (i2 / r2, i3 / r3) of a, with r = b's extent / a's extent.
//
// F32 operands go through the blocked GEMM (src/cpu/gemm.h), which reads any strides while
// packing; other float types use the reference loops below.

#include "core/ggml-impl.h"
#include "cpu/gemm.h"
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
// both products as one strided GEMM per batch: dst(i, j) = Σ_k A(i, k) B(k, j)

struct product_layout {
    int64_t M, N, K;
    size_t  a_si, a_sk, b_sk, b_sj; // byte strides
};

static product_layout layout_of(const ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    product_layout l;
    l.M = dst->ne[0];
    l.N = dst->ne[1];
    if (dst->op == GGML_OP_MUL_MAT) {
        l.K = a->ne[0];
        l.a_si = a->nb[1]; l.a_sk = a->nb[0];
        l.b_sk = b->nb[0]; l.b_sj = b->nb[1];
    } else {
        l.K = a->ne[1];
        l.a_si = a->nb[0]; l.a_sk = a->nb[1];
        l.b_sk = b->nb[1]; l.b_sj = b->nb[0];
    }
    return l;
}

// Byte offsets of batch ib's operands and result.
static void batch_offsets(const ggml_tensor * dst, int64_t ib, size_t & oa, size_t & ob, size_t & oc) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const int64_t i2 = ib % dst->ne[2], i3 = ib / dst->ne[2];
    const int64_t r2 = dst->ne[2] / a->ne[2], r3 = dst->ne[3] / a->ne[3];
    oa = (size_t) (i2 / r2) * a->nb[2] + (size_t) (i3 / r3) * a->nb[3];
    ob = (size_t) i2 * b->nb[2] + (size_t) i3 * b->nb[3];
    oc = (size_t) i2 * dst->nb[2] + (size_t) i3 * dst->nb[3];
}

// The reference kernel: one dot product per element of dst; columns of dst split among threads.
static void product_reference(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const product_layout l = layout_of(dst);
    const int64_t n_cols = l.N * dst->ne[2] * dst->ne[3];
    const int64_t c0 = n_cols * params->ith / params->nth;
    const int64_t c1 = n_cols * (params->ith + 1) / params->nth;
    for (int64_t col = c0; col < c1; ++col) {
        const int64_t j = col % l.N, ib = col / l.N;
        size_t oa, ob, oc;
        batch_offsets(dst, ib, oa, ob, oc);
        const char * pa = (const char *) a->data + oa;
        const char * pb = (const char *) b->data + ob + (size_t) j * l.b_sj;
        char *       pc = (char *) dst->data + oc + (size_t) j * dst->nb[1];
        for (int64_t i = 0; i < l.M; ++i) {
            float sum = 0.0f;
            for (int64_t k = 0; k < l.K; ++k) {
                sum += ggml_load_float(pa + i * l.a_si + k * l.a_sk, a->type) * ggml_load_float(pb + k * l.b_sk, b->type);
            }
            *(float *) (pc + i * dst->nb[0]) = sum;
        }
    }
}

static bool gemm_applies(const ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    if (cgml_gemm_active_isa() == CGML_GEMM_REFERENCE) return false;
    if (a->type != GGML_TYPE_F32 || b->type != GGML_TYPE_F32 || dst->nb[0] != sizeof(float)) return false;
    for (int d = 0; d < 4; ++d) {
        if (a->nb[d] % sizeof(float) || b->nb[d] % sizeof(float) || dst->nb[d] % sizeof(float)) return false;
    }
    return true;
}

// No plan scratch, as in ggml for products that need no conversion: programs size contexts by
// ggml's formulas, which leave no room for it. The GEMM packs into buffers that each thread keeps
// (see cgml_gemm_f32), so the packing memory is allocated once per thread, not per compute.
static size_t product_work_size(const ggml_tensor * dst, int n_threads) {
    (void) dst; (void) n_threads;
    return 0;
}

static void product_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    if (!gemm_applies(dst)) {
        product_reference(params, dst);
        return;
    }
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const product_layout l = layout_of(dst);
    const int ith = params->ith, nth = params->nth;

    const size_t per_thread = cgml_gemm_thread_work_size(l.M, l.N, l.K);
    void * wdata = params->wdata && params->wsize >= per_thread * nth ? (char *) params->wdata + per_thread * ith : nullptr;

    auto args = [&](int64_t ib) {
        size_t oa, ob, oc;
        batch_offsets(dst, ib, oa, ob, oc);
        cgml_gemm_args g;
        g.M = l.M; g.N = l.N; g.K = l.K;
        g.A = (const float *) ((const char *) a->data + oa);
        g.a_si = (int64_t) (l.a_si / sizeof(float)); g.a_sk = (int64_t) (l.a_sk / sizeof(float));
        g.B = (const float *) ((const char *) b->data + ob);
        g.b_sk = (int64_t) (l.b_sk / sizeof(float)); g.b_sj = (int64_t) (l.b_sj / sizeof(float));
        g.C = (float *) ((char *) dst->data + oc);
        g.ldc = (int64_t) (dst->nb[1] / sizeof(float));
        return g;
    };

    const int64_t n_batches = dst->ne[2] * dst->ne[3];
    if (n_batches >= nth && (n_batches % nth == 0 || n_batches >= 4 * nth)) {
        // many batches: whole products per thread, no packing repeated across threads
        for (int64_t ib = n_batches * ith / nth; ib < n_batches * (ith + 1) / nth; ++ib) {
            cgml_gemm_f32(args(ib), 0, 1, wdata, per_thread);
        }
    } else {
        for (int64_t ib = 0; ib < n_batches; ++ib) cgml_gemm_f32(args(ib), ith, nth, wdata, per_thread);
    }
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

const ggml_op_traits ggml_op_traits_mul_mat = {
    "MUL_MAT", "X*Y", product_forward, mul_mat_backward, product_work_size, true,
};

const ggml_op_traits ggml_op_traits_out_prod = {
    "OUT_PROD", "X×Y", product_forward, out_prod_backward, product_work_size, true,
};
