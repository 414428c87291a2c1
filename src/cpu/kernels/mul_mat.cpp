// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/mul_mat.cpp.
//
// Matrix products: mul_mat (per batch, dst = aᵀ·b: dst[i, j] = Σ_k a[k, i] b[k, j]) and out_prod
// (per batch, dst[i, j] = Σ_k a[i, k] b[j, k]). a's dims 2 and 3 broadcast over b's: batch
// (i2, i3) of dst uses batch (i2 / r2, i3 / r3) of a, with r = b's extent / a's extent.
//
// F32 operands go through the blocked GEMM (src/cpu/gemm.h), which reads any strides while
// packing; other float types use the reference loops below.

#include "core/ggml-impl.h"
#include "cpu/elementwise.h"
#include "cpu/gemm.h"
#include "cpu/kernel-table.h"


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


extern const cpu_kernel cpu_kernel_mul_mat = {product_forward, product_work_size, true, nullptr};
extern const cpu_kernel cpu_kernel_out_prod = {product_forward, product_work_size, true, nullptr};
