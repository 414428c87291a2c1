// AVX2 + FMA GEMM kernel: a 16 x 6 tile of C in 12 ymm accumulators (two vectors of A per k,
// six broadcasts of B), leaving registers for the A vectors and one broadcast. Like the AVX-512
// kernels it skips the steps at which one packed panel is zero (see gemm_steps).

#include "cpu/gemm.h"

#if defined(__AVX2__) && defined(__FMA__)

#include "cpu/gemm-blocked.h"

#include <immintrin.h>

namespace {

struct avx2_kernel : gemm_generic_packing<16, 6> {
    static constexpr int64_t MC = 256, KC = 256, NC = 6 * 256;
    static constexpr bool    SKIPS_ZEROS = true;

    static void micro(int64_t kc, const float * __restrict a, const float * __restrict b, const gemm_tile_dst & d) {
        tile<false>(kc, nullptr, a, b, d);
    }
    static void micro_steps(int64_t n, const uint16_t * steps, const float * __restrict a, const float * __restrict b,
                            const gemm_tile_dst & d) {
        tile<true>(n, steps, a, b, d);
    }
    static void scan_a(const float * panel, int64_t kc, gemm_steps & s, int64_t p) { gemm_scan_panel<MR>(panel, kc, s, p); }
    static void scan_b(const float * panel, int64_t kc, gemm_steps & s, int64_t p) { gemm_scan_panel<NR>(panel, kc, s, p); }

    // kc steps of the packed panels, or with STEPS the kc steps listed in steps.
    template <bool STEPS>
    static void tile(int64_t kc, const uint16_t * steps, const float * __restrict a, const float * __restrict b,
                     const gemm_tile_dst & d) {
        __m256 c0[NR], c1[NR];
#pragma GCC unroll 6
        for (int j = 0; j < NR; ++j) {
            c0[j] = _mm256_setzero_ps();
            c1[j] = _mm256_setzero_ps();
        }
        for (int64_t t = 0; t < kc; ++t) {
            const float * ak = a;
            const float * bk = b;
            if (STEPS) {
                ak = a + steps[t] * MR;
                bk = b + steps[t] * NR;
            }
            const __m256 a0 = _mm256_load_ps(ak);
            const __m256 a1 = _mm256_load_ps(ak + 8);
#pragma GCC unroll 6
            for (int j = 0; j < NR; ++j) {
                const __m256 bj = _mm256_broadcast_ss(bk + j);
                c0[j] = _mm256_fmadd_ps(a0, bj, c0[j]);
                c1[j] = _mm256_fmadd_ps(a1, bj, c1[j]);
            }
            if (!STEPS) {
                a += MR;
                b += NR;
            }
        }
        if (d.mr == MR && !d.rows) {
#pragma GCC unroll 6
            for (int j = 0; j < NR; ++j) {
                if (j < d.nr) {
                    float * cj = d.c + j * d.ldc;
                    __m256  v0 = c0[j], v1 = c1[j];
                    if (d.accumulate) {
                        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(cj));
                        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(cj + 8));
                    }
                    _mm256_storeu_ps(cj, v0);
                    _mm256_storeu_ps(cj + 8, v1);
                }
            }
        } else {
            // partial rows or a transposed C: spill the tile and copy what exists
            alignas(32) float tile[NR][MR];
#pragma GCC unroll 6
            for (int j = 0; j < NR; ++j) {
                _mm256_store_ps(tile[j], c0[j]);
                _mm256_store_ps(tile[j] + 8, c1[j]);
            }
            gemm_store_tile(tile, d);
        }
    }
};

} // namespace

static const cgml_gemm_kernel avx2_tiles[] = {gemm_describe<avx2_kernel>(1.0f)};

const cgml_gemm_kernel_set cgml_gemm_kernels_avx2 = {avx2_tiles, 1};

#else

const cgml_gemm_kernel_set cgml_gemm_kernels_avx2 = {nullptr, 0};

#endif
