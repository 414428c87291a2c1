// WebAssembly SIMD (128-bit) GEMM kernel: an 8 x 4 tile of C in 8 v128 accumulators (two
// vectors of A per k, four broadcasts of B). Browsers map wasm SIMD onto 16 vector registers and
// V8 keeps one of them for itself; with the two A vectors, the broadcasts and a product's
// temporary, an 8 x 4 tile is the largest that stays in registers. (An 8 x 6 tile spilled
// four accumulators to the stack at every step and ran at 70% of this one's speed on MNIST's
// products under V8.) There is no fused multiply-add in the baseline instruction set, so each
// step is a multiply and an add. Like the AVX kernels it skips the steps at which one packed
// panel is zero (see gemm_steps): most of MNIST's pixels are.
//
// Built only where the compiler targets wasm SIMD (emcc -msimd128); gemm.cpp then uses it for
// the portable instruction set.

#include "cpu/gemm.h"

#if defined(__wasm_simd128__)

#include "cpu/gemm-blocked.h"

#include <wasm_simd128.h>

namespace {

struct wasm_simd_kernel : gemm_generic_packing<8, 4> {
    static constexpr int64_t MC = 128, KC = 256, NC = 4 * 384;
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
        v128_t c0[NR], c1[NR];
#pragma clang loop unroll(full)
        for (int j = 0; j < NR; ++j) {
            c0[j] = wasm_f32x4_splat(0.0f);
            c1[j] = wasm_f32x4_splat(0.0f);
        }
        for (int64_t t = 0; t < kc; ++t) {
            const float * ak = a;
            const float * bk = b;
            if (STEPS) {
                ak = a + steps[t] * MR;
                bk = b + steps[t] * NR;
            }
            const v128_t a0 = wasm_v128_load(ak);
            const v128_t a1 = wasm_v128_load(ak + 4);
#pragma clang loop unroll(full)
            for (int j = 0; j < NR; ++j) {
                const v128_t bj = wasm_v128_load32_splat(bk + j);
                c0[j] = wasm_f32x4_add(c0[j], wasm_f32x4_mul(a0, bj));
                c1[j] = wasm_f32x4_add(c1[j], wasm_f32x4_mul(a1, bj));
            }
            if (!STEPS) {
                a += MR;
                b += NR;
            }
        }
        if (d.mr == MR && !d.rows) {
#pragma clang loop unroll(full)
            for (int j = 0; j < NR; ++j) {
                if (j < d.nr) {
                    float * cj = d.c + j * d.ldc;
                    v128_t  v0 = c0[j], v1 = c1[j];
                    if (d.accumulate) {
                        v0 = wasm_f32x4_add(v0, wasm_v128_load(cj));
                        v1 = wasm_f32x4_add(v1, wasm_v128_load(cj + 4));
                    }
                    wasm_v128_store(cj, v0);
                    wasm_v128_store(cj + 4, v1);
                }
            }
        } else {
            // partial rows or a transposed C: spill the tile and copy what exists
            alignas(16) float tile[NR][MR];
#pragma clang loop unroll(full)
            for (int j = 0; j < NR; ++j) {
                wasm_v128_store(tile[j], c0[j]);
                wasm_v128_store(tile[j] + 4, c1[j]);
            }
            gemm_store_tile(tile, d);
        }
    }
};

} // namespace

static const cgml_gemm_kernel wasm_simd_tiles[] = {gemm_describe<wasm_simd_kernel>(1.0f)};

const cgml_gemm_kernel_set cgml_gemm_kernels_wasm_simd = {wasm_simd_tiles, 1};

#else

const cgml_gemm_kernel_set cgml_gemm_kernels_wasm_simd = {nullptr, 0};

#endif
