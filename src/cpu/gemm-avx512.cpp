// AVX-512 (F, BW, DQ, VL) GEMM kernels. The main tile, 32 x 14, keeps C in 28 zmm accumulators
// (two vectors of A per k, fourteen broadcasts of B): enough independent FMA chains to keep both
// FMA pipes busy through their latency. Packing: gemm-avx512-pack.h.

#include "cpu/gemm.h"

#if defined(__AVX512F__)

#include "cpu/gemm-avx512-pack.h"
#include "cpu/gemm-blocked.h"

#include <immintrin.h>

namespace {

// NV vectors of 16 rows by NR columns: 32 x 14 for large products, 48 x 8 for products with 8 or
// 16 columns (convolutions' channels), 16 x 16 for products with few rows.
template <int NV, int NR_>
struct avx512_tile : avx512_packing<NV, NR_> {
    static constexpr int     MR = 16 * NV, NR = NR_;
    using avx512_packing<NV, NR_>::row_masks;
    using avx512_packing<NV, NR_>::transpose16;
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
