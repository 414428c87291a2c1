#pragma once

// Packing for the AVX-512 GEMM kernels (gemm-avx512.cpp, gemm-sparse-avx512.cpp): panels of
// MR = 16*NV rows of A and NR <= 16 columns of B in the layout of gemm-blocked.h. Rows or columns
// contiguous along k (mul_mat's operands, transposed views) are packed through 16 x 16 in-register
// transposes. Internal linkage only, like gemm-blocked.h: include from -avx512.cpp files.

#include "cpu/gemm-blocked.h"

#include <immintrin.h>

// GCC 12 reports the intrinsics' own undefined pass-through operands as uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace {

template <int NV, int NR>
struct avx512_packing {
    static constexpr int MR = 16 * NV;

    // The lanes of each of the NV vectors that hold one of the first mr rows.
    static inline void row_masks(int mr, __mmask16 (&mask)[NV]) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; ++v) {
            const int rows = mr - 16 * v;
            mask[v] = rows >= 16 ? (__mmask16) 0xffff : rows <= 0 ? (__mmask16) 0 : (__mmask16) ((1u << rows) - 1);
        }
    }

    static void pack_a(const cgml_gemm_args & g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float * dst) {
        if (g.a_si == 1) {
            pack_a_i_contiguous(g, i0, mc, k0, kc, dst);
        } else if (g.a_sk == 1) {
            pack_a_k_contiguous(g, i0, mc, k0, kc, dst);
        } else {
            gemm_pack_a_generic<MR>(g, i0, mc, k0, kc, dst);
        }
    }
    static void pack_b(const cgml_gemm_args & g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float * dst) {
        if (g.b_sj == 1) {
            pack_b_j_contiguous(g, k0, kc, j0, nc, dst);
        } else if (g.b_sk == 1) {
            pack_b_k_contiguous(g, k0, kc, j0, nc, dst);
        } else {
            gemm_pack_b_generic<NR>(g, k0, kc, j0, nc, dst);
        }
    }

    // Columns of A contiguous along i (out_prod's first operand): each step copies MR rows.
    static void pack_a_i_contiguous(const cgml_gemm_args & g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float * dst) {
        for (int64_t p = 0; p < mc; p += MR) {
            const int     mr = (int) gb_min(MR, mc - p);
            float *       d  = dst + p * kc;
            const float * s  = g.A + (i0 + p) + k0 * g.a_sk;
            __mmask16 mask[NV];
            row_masks(mr, mask);
            for (int64_t k = 0; k < kc; ++k) {
                for (int v = 0; v < NV; ++v) {
                    _mm512_store_ps(d + k * MR + 16 * v, _mm512_maskz_loadu_ps(mask[v], s + k * g.a_sk + 16 * v));
                }
            }
        }
    }

    // Rows of B contiguous along j (out_prod's second operand): each step copies NR columns.
    static void pack_b_j_contiguous(const cgml_gemm_args & g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float * dst) {
        for (int64_t q = 0; q < nc; q += NR) {
            const int       nr   = (int) gb_min(NR, nc - q);
            const __mmask16 mask = (__mmask16) ((1u << nr) - 1); // NR <= 16
            float *         d    = dst + q * kc;
            const float *   s    = g.B + k0 * g.b_sk + (j0 + q);
            for (int64_t k = 0; k < kc; ++k) {
                _mm512_mask_storeu_ps(d + k * NR, (__mmask16) ((1u << NR) - 1), _mm512_maskz_loadu_ps(mask, s + k * g.b_sk));
            }
        }
    }

    // Rows of A contiguous along k (mul_mat's first operand): 16 rows x 16 steps at a time are
    // loaded as 16 vectors and transposed in registers.
    static void pack_a_k_contiguous(const cgml_gemm_args & g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float * dst) {
        for (int64_t p = 0; p < mc; p += MR) {
            const int     mr = (int) gb_min(MR, mc - p);
            float *       d  = dst + p * kc;
            const float * s  = g.A + (i0 + p) * g.a_si + k0;
            for (int64_t k = 0; k < kc; k += 16) {
                // the last step may be short: masked loads, and only its rows are stored
                const int       nk   = (int) gb_min(16, kc - k);
                const __mmask16 kmsk = (__mmask16) ((1u << nk) - 1);
                for (int h = 0; h < NV; ++h) {
                    __m512 r[16];
                    for (int ii = 0; ii < 16; ++ii) {
                        const int row = h * 16 + ii;
                        r[ii] = row < mr ? _mm512_maskz_loadu_ps(kmsk, s + row * g.a_si + k) : _mm512_setzero_ps();
                    }
                    transpose16(r);
                    for (int kk = 0; kk < nk; ++kk) _mm512_store_ps(d + (k + kk) * MR + h * 16, r[kk]);
                }
            }
        }
    }

    // Columns of B contiguous along k (mul_mat's second operand), transposed like pack_a's rows.
    static void pack_b_k_contiguous(const cgml_gemm_args & g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float * dst) {
        for (int64_t q = 0; q < nc; q += NR) {
            const int     nr = (int) gb_min(NR, nc - q);
            float *       d  = dst + q * kc;
            const float * s  = g.B + k0 + (j0 + q) * g.b_sj;
            for (int64_t k = 0; k < kc; k += 16) {
                const int       nk   = (int) gb_min(16, kc - k);
                const __mmask16 kmsk = (__mmask16) ((1u << nk) - 1);
                __m512 r[16];
                for (int jj = 0; jj < 16; ++jj) {
                    r[jj] = jj < nr ? _mm512_maskz_loadu_ps(kmsk, s + jj * g.b_sj + k) : _mm512_setzero_ps();
                }
                transpose16(r);
                for (int kk = 0; kk < nk; ++kk) {
                    _mm512_mask_storeu_ps(d + (k + kk) * NR, (__mmask16) ((1u << NR) - 1), r[kk]); // NR <= 16
                }
            }
        }
    }

    // r[i][j] -> r[j][i] for a 16 x 16 block: pairs of rows interleave (32-bit, then 64-bit
    // units within 128-bit lanes), then the 128-bit lanes are gathered across four rows.
    static inline void transpose16(__m512 r[16]) {
        __m512 t[16];
        for (int i = 0; i < 8; ++i) {
            t[2 * i]     = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
        }
        // u[g][q]: in 128-bit lane L, column 4L + q of rows 4g .. 4g+3
        __m512 u[4][4];
        for (int gr = 0; gr < 4; ++gr) {
            const __m512d a = _mm512_castps_pd(t[4 * gr]), b = _mm512_castps_pd(t[4 * gr + 2]);
            const __m512d c = _mm512_castps_pd(t[4 * gr + 1]), e = _mm512_castps_pd(t[4 * gr + 3]);
            u[gr][0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
            u[gr][1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
            u[gr][2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, e));
            u[gr][3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, e));
        }
        for (int q = 0; q < 4; ++q) {
            const __m512 x  = _mm512_shuffle_f32x4(u[0][q], u[1][q], 0x88); // lanes 0, 2 of groups 0, 1
            const __m512 y  = _mm512_shuffle_f32x4(u[0][q], u[1][q], 0xDD); // lanes 1, 3
            const __m512 x2 = _mm512_shuffle_f32x4(u[2][q], u[3][q], 0x88);
            const __m512 y2 = _mm512_shuffle_f32x4(u[2][q], u[3][q], 0xDD);
            r[q]      = _mm512_shuffle_f32x4(x, x2, 0x88);
            r[8 + q]  = _mm512_shuffle_f32x4(x, x2, 0xDD);
            r[4 + q]  = _mm512_shuffle_f32x4(y, y2, 0x88);
            r[12 + q] = _mm512_shuffle_f32x4(y, y2, 0xDD);
        }
    }
};

} // namespace
