// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/mul_mat.cpp, the operand layout in src/ops/mul_mat-layout.h.
//
// Matrix products: mul_mat (per batch, dst = aᵀ·b: dst[i, j] = Σ_k a[k, i] b[k, j]) and out_prod
// (per batch, dst[i, j] = Σ_k a[i, k] b[j, k]).
//
// F32 operands go through the blocked GEMM (src/cpu/gemm.h) of the instruction set in the
// compute params, which reads any strides while packing; other float types run the reference
// loops (src/reference/).

#include "core/ggml-impl.h"
#include "cpu/gemm.h"
#include "cpu/kernel-table.h"
#include "ops/mul_mat-layout.h"
#include "reference/reference-kernels.h"

static bool gemm_applies(const ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    if (a->type != GGML_TYPE_F32 || b->type != GGML_TYPE_F32 || dst->nb[0] != sizeof(float)) return false;
    for (int d = 0; d < 4; ++d) {
        if (a->nb[d] % sizeof(float) || b->nb[d] % sizeof(float) || dst->nb[d] % sizeof(float)) return false;
    }
    return true;
}

// No plan scratch, as in ggml for products that need no conversion: programs size contexts by
// ggml's formulas, which leave no room for it. The GEMM packs into buffers that each thread keeps
// (see cgml_gemm_f32), so the packing memory is allocated once per thread, not per compute.
static size_t product_work_size(const ggml_tensor * dst, int n_threads, int isa) {
    (void) dst; (void) n_threads; (void) isa;
    return 0;
}

static void product_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    if (!gemm_applies(dst)) {
        ggml_reference_product(params, dst);
        return;
    }
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const product_layout l = product_layout_of(dst);
    const cpu_isa isa = (cpu_isa) params->isa;
    const int ith = params->ith, nth = params->nth;

    const size_t per_thread = cgml_gemm_thread_work_size(l.M, l.N, l.K);
    void * wdata = params->wdata && params->wsize >= per_thread * nth ? (char *) params->wdata + per_thread * ith : nullptr;

    auto args = [&](int64_t ib) {
        size_t oa, ob, oc;
        product_batch_offsets(dst, ib, oa, ob, oc);
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
            cgml_gemm_f32(args(ib), isa, 0, 1, wdata, per_thread);
        }
    } else {
        for (int64_t ib = 0; ib < n_batches; ++ib) cgml_gemm_f32(args(ib), isa, ith, nth, wdata, per_thread);
    }
}


extern const cpu_kernel cpu_kernel_mul_mat = {product_forward, product_work_size, true, nullptr};
extern const cpu_kernel cpu_kernel_out_prod = {product_forward, product_work_size, true, nullptr};
