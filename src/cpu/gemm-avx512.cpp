// AVX-512 (F, BW, DQ, VL) GEMM kernels. The main tile, 32 x 14, keeps C in 28 zmm accumulators
// (two vectors of A per k, fourteen broadcasts of B): enough independent FMA chains to keep both
// FMA pipes busy through their latency. Packing of k-contiguous rows (mul_mat's operands,
// transposed views) uses 16 x 16 in-register transposes.

#include "cpu/gemm.h"

#if defined(__AVX512F__)

#include "cpu/gemm-blocked.h"

#include <immintrin.h>

// GCC 12 reports the intrinsics' own undefined pass-through operands as uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace {

// NV vectors of 16 rows by NR columns: 32 x 14 for large products, 48 x 8 for products with 8 or
// 16 columns (convolutions' channels), 16 x 16 for products with few rows.
template <int NV, int NR_>
struct avx512_tile {
    static constexpr int     MR = 16 * NV, NR = NR_;
    static constexpr int64_t MC = MR * ((512 + MR - 1) / MR), KC = 256, NC = NR * (2048 / NR);

    static constexpr bool DIRECT_A = true, SKIPS_ZEROS = true;

    static void micro(int64_t kc, const float * __restrict a, const float * __restrict b, const gemm_tile_dst & d) {
        tile<false, false>(kc, nullptr, a, MR, b, d);
    }
    // A read in place (rows contiguous, step a_step between k): for products with so few columns
    // that packing A would cost more than it saves.
    static void micro_direct(int64_t kc, const float * a, int64_t a_step, const float * __restrict b,
                             const gemm_tile_dst & d) {
        tile<true, false>(kc, nullptr, a, a_step, b, d);
    }
    // Only the n listed steps of the packed panels (the others are zero in one of them).
    static void micro_steps(int64_t n, const uint16_t * steps, const float * __restrict a, const float * __restrict b,
                            const gemm_tile_dst & d) {
        tile<false, true>(n, steps, a, MR, b, d);
    }

    static void scan_a(const float * panel, int64_t kc, gemm_steps & s, int64_t p) { scan_panel<MR>(panel, kc, s, p); }
    static void scan_b(const float * panel, int64_t kc, gemm_steps & s, int64_t p) { scan_panel<NR>(panel, kc, s, p); }

    // Lists the steps of a packed panel W floats wide that hold a nonzero (NaN counts as one)
    // and records whether the panel is finite.
    template <int W>
    static void scan_panel(const float * panel, int64_t kc, gemm_steps & s, int64_t p) {
        constexpr int NVW = (W + 15) / 16;
        uint16_t * idx = s.idx + p * s.kc;
        int32_t    n   = 0;
        __mmask16  bad = 0;
        for (int64_t k = 0; k < kc; ++k) {
            __mmask16 nonzero = 0;
#pragma GCC unroll 3
            for (int v = 0; v < NVW; ++v) {
                const __mmask16 lanes = W - 16 * v >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << (W - 16 * v)) - 1);
                const __m512    x     = _mm512_maskz_loadu_ps(lanes, panel + k * W + 16 * v);
                nonzero |= _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_NEQ_UQ);
                bad |= _mm512_fpclass_ps_mask(x, 0x99); // quiet or signalling NaN, +inf, -inf
            }
            idx[n] = (uint16_t) k;
            n += nonzero != 0;
        }
        s.count[p]  = n;
        s.finite[p] = bad == 0;
    }

    // The lanes of each of the NV vectors that hold one of the first mr rows.
    static inline void row_masks(int mr, __mmask16 (&mask)[NV]) {
#pragma GCC unroll 3
        for (int v = 0; v < NV; ++v) {
            const int rows = mr - 16 * v;
            mask[v] = rows >= 16 ? (__mmask16) 0xffff : rows <= 0 ? (__mmask16) 0 : (__mmask16) ((1u << rows) - 1);
        }
    }

    // kc steps of A (packed, or in place when DIRECT) and packed B; with STEPS, the kc steps
    // listed in steps instead.
    template <bool DIRECT, bool STEPS>
    static void tile(int64_t kc, const uint16_t * steps, const float * __restrict a, int64_t a_step,
                     const float * __restrict b, const gemm_tile_dst & d) {
        __mmask16 mask[NV];
        row_masks(d.mr, mask);
        // the C tile is read (later k blocks) or written at the end: start fetching it now
        if (!d.rows) {
            for (int j = 0; j < d.nr; ++j) {
                _mm_prefetch((const char *) (d.c + j * d.ldc), _MM_HINT_T0);
                _mm_prefetch((const char *) (d.c + j * d.ldc + MR - 1), _MM_HINT_T0);
            }
        }
        __m512 acc[NV][NR];
#pragma GCC unroll 16
        for (int j = 0; j < NR; ++j) {
#pragma GCC unroll 3
            for (int v = 0; v < NV; ++v) acc[v][j] = _mm512_setzero_ps();
        }
        for (int64_t t = 0; t < kc; ++t) {
            const float * ak = a;
            const float * bk = b;
            if (STEPS) {
                const int64_t k = steps[t];
                ak = a + k * MR;
                bk = b + k * NR;
            }
            __m512 av[NV];
#pragma GCC unroll 3
            for (int v = 0; v < NV; ++v) {
                if (DIRECT) {
                    // unpacked rows are a_step apart: too far for the hardware prefetcher to follow
                    _mm_prefetch((const char *) (ak + 8 * a_step + 16 * v), _MM_HINT_T0);
                    av[v] = _mm512_maskz_loadu_ps(mask[v], ak + 16 * v);
                } else {
                    av[v] = _mm512_load_ps(ak + 16 * v);
                }
            }
#pragma GCC unroll 16
            for (int j = 0; j < NR; ++j) {
                const __m512 bj = _mm512_set1_ps(bk[j]);
#pragma GCC unroll 3
                for (int v = 0; v < NV; ++v) acc[v][j] = _mm512_fmadd_ps(av[v], bj, acc[v][j]);
            }
            if (!STEPS) {
                a += a_step;
                b += NR;
            }
        }
        if (d.rows) {
            store_rows(acc, d);
            return;
        }
#pragma GCC unroll 16
        for (int j = 0; j < NR; ++j) {
            if (j < d.nr) {
                float * cj = d.c + j * d.ldc;
#pragma GCC unroll 3
                for (int v = 0; v < NV; ++v) {
                    __m512 x = acc[v][j];
                    if (d.accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(mask[v], cj + 16 * v));
                    _mm512_mask_storeu_ps(cj + 16 * v, mask[v], x);
                }
            }
        }
    }

    // The tile to a transposed C (row i of the tile contiguous): each vector's 16 rows by the
    // NR columns are transposed in registers into 16 rows of NR.
    static void store_rows(const __m512 (&acc)[NV][NR], const gemm_tile_dst & d) {
        const __mmask16 cols = (__mmask16) ((1u << d.nr) - 1); // NR <= 16
        for (int v = 0; v < NV && 16 * v < d.mr; ++v) {
            __m512 r[16];
#pragma GCC unroll 16
            for (int j = 0; j < 16; ++j) r[j] = j < NR ? acc[v][j] : _mm512_setzero_ps();
            transpose16(r);
            const int rows = d.mr - 16 * v < 16 ? d.mr - 16 * v : 16;
            for (int i = 0; i < rows; ++i) {
                float * ci = d.c + (16 * v + i) * d.ldc;
                __m512  x  = r[i];
                if (d.accumulate) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(cols, ci));
                _mm512_mask_storeu_ps(ci, cols, x);
            }
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

// Products with at most 16 rows whose operands both run along k (mul_mat of a few weight rows
// by many inputs): a register tile would be mostly padding and packing B would cost more than
// the product, so each element of C is a dot product of two contiguous vectors instead. R rows
// by NJ columns of C accumulate 16 steps of k per FMA and are summed across lanes at the end.
template <int R, int NJ>
void dot_block(const cgml_gemm_args & g, int64_t i0, int64_t j0) {
    __m512 acc[R][NJ];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
        for (int c = 0; c < NJ; ++c) acc[r][c] = _mm512_setzero_ps();
    }
    const float * a = g.A + i0 * g.a_si;
    const float * b = g.B + j0 * g.b_sj;
    for (int64_t k = 0; k < g.K; k += 16) {
        const __mmask16 m = g.K - k >= 16 ? (__mmask16) 0xffff : (__mmask16) ((1u << (g.K - k)) - 1);
        __m512 bv[NJ];
#pragma GCC unroll 8
        for (int c = 0; c < NJ; ++c) bv[c] = _mm512_maskz_loadu_ps(m, b + c * g.b_sj + k);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
            const __m512 av = _mm512_maskz_loadu_ps(m, a + r * g.a_si + k);
#pragma GCC unroll 8
            for (int c = 0; c < NJ; ++c) acc[r][c] = _mm512_fmadd_ps(av, bv[c], acc[r][c]);
        }
    }
#pragma GCC unroll 8
    for (int c = 0; c < NJ; ++c) {
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) g.C[(i0 + r) + (j0 + c) * g.ldc] = _mm512_reduce_add_ps(acc[r][c]);
    }
}

template <int NJ>
void dot_columns(const cgml_gemm_args & g, int64_t j0) {
    // rows in near-equal chunks of at most 5: 5 x 4 accumulators plus the loaded vectors fit;
    // the chunks share the NJ columns of B while they are in L1
    const int64_t n_chunks = (g.M + 4) / 5;
    for (int64_t c = 0; c < n_chunks; ++c) {
        const int64_t i0 = g.M * c / n_chunks, i1 = g.M * (c + 1) / n_chunks;
        switch (i1 - i0) {
            case 1: dot_block<1, NJ>(g, i0, j0); break;
            case 2: dot_block<2, NJ>(g, i0, j0); break;
            case 3: dot_block<3, NJ>(g, i0, j0); break;
            case 4: dot_block<4, NJ>(g, i0, j0); break;
            default: dot_block<5, NJ>(g, i0, j0); break;
        }
    }
}

void gemm_small_m(const cgml_gemm_args & g, int64_t n0, int64_t n1) {
    int64_t j = n0;
    for (; j + 4 <= n1; j += 4) dot_columns<4>(g, j);
    for (; j < n1; ++j) dot_columns<1>(g, j);
}

const cgml_gemm_kernel avx512_tiles[] = {
    gemm_describe<avx512_tile<2, 14>>(1.0f),
    gemm_describe<avx512_tile<3, 8>>(1.0f),
    gemm_describe<avx512_tile<1, 16>>(0.8f), // one load per FMA: load ports, not FMAs, set its pace
};

} // namespace

const cgml_gemm_kernel_set cgml_gemm_kernels_avx512 = {avx512_tiles, 3};
void (*const cgml_gemm_small_m_avx512)(const cgml_gemm_args &, int64_t, int64_t) = gemm_small_m;

#else

const cgml_gemm_kernel_set cgml_gemm_kernels_avx512 = {nullptr, 0};
void (*const cgml_gemm_small_m_avx512)(const cgml_gemm_args &, int64_t, int64_t) = nullptr;

#endif
