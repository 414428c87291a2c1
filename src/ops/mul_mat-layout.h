#pragma once

// How the matrix products (src/ops/mul_mat.cpp) lay out their operands, shared by the kernels
// that run them: per batch, dst(i, j) = Σ_k A(i, k) B(k, j) with
//   mul_mat:  dst = aᵀ·b, A(i, k) = a[k, i], B(k, j) = b[k, j]
//   out_prod: A(i, k) = a[i, k], B(k, j) = b[j, k]
// a's dims 2 and 3 broadcast over b's: batch (i2, i3) of dst uses batch (i2 / r2, i3 / r3) of a,
// with r = b's extent / a's extent.

#include "core/ggml-impl.h"

struct product_layout {
    int64_t M, N, K;
    size_t  a_si, a_sk, b_sk, b_sj; // byte strides of A(i, k) and B(k, j)
};

inline product_layout product_layout_of(const ggml_tensor * dst) {
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

// Byte offsets of batch ib's operands and result (ib = i2 + i3 * dst->ne[2]).
inline void product_batch_offsets(const ggml_tensor * dst, int64_t ib, size_t & oa, size_t & ob, size_t & oc) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const int64_t i2 = ib % dst->ne[2], i3 = ib / dst->ne[2];
    const int64_t r2 = dst->ne[2] / a->ne[2], r3 = dst->ne[3] / a->ne[3];
    oa = (size_t) (i2 / r2) * a->nb[2] + (size_t) (i3 / r3) * a->nb[3];
    ob = (size_t) i2 * b->nb[2] + (size_t) i3 * b->nb[3];
    oc = (size_t) i2 * dst->nb[2] + (size_t) i3 * dst->nb[3];
}
