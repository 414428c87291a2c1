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
    // The generic packing moves one float at a time. Panels contiguous along their width are
    // copied a vector per step; operands read along k (a row of A or a column of B contiguous
    // in k, as FC's weights and images are) are packed 4 steps at a time through 4 x 4
    // transposes. Partial panels take the generic code.
    static void pack_a(const cgml_gemm_args & g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float * dst) {
        if (g.a_si == 1 && mc % MR == 0) {
            for (int64_t p = 0; p < mc; p += MR) {
                const float * s = g.A + i0 + p + k0 * g.a_sk;
                float *       d = dst + p * kc;
                for (int64_t k = 0; k < kc; ++k, s += g.a_sk, d += MR) {
                    wasm_v128_store(d, wasm_v128_load(s));
                    wasm_v128_store(d + 4, wasm_v128_load(s + 4));
                }
            }
            return;
        }
        if (g.a_sk != 1 || g.a_si == 1) {
            gemm_pack_a_generic<MR>(g, i0, mc, k0, kc, dst);
            return;
        }
        for (int64_t p = 0; p < mc; p += MR) {
            if (mc - p < MR) {
                gemm_pack_a_generic<MR>(g, i0 + p, mc - p, k0, kc, dst + p * kc);
                continue;
            }
            const float * s = g.A + (i0 + p) * g.a_si + k0;
            pack_along_k<2>(s, g.a_si, kc, dst + p * kc);
        }
    }
    static void pack_b(const cgml_gemm_args & g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float * dst) {
        if (g.b_sj == 1 && nc % NR == 0) {
            for (int64_t q = 0; q < nc; q += NR) {
                const float * s = g.B + k0 * g.b_sk + j0 + q;
                float *       d = dst + q * kc;
                for (int64_t k = 0; k < kc; ++k, s += g.b_sk, d += NR) wasm_v128_store(d, wasm_v128_load(s));
            }
            return;
        }
        if (g.b_sk != 1 || g.b_sj == 1) {
            gemm_pack_b_generic<NR>(g, k0, kc, j0, nc, dst);
            return;
        }
        for (int64_t q = 0; q < nc; q += NR) {
            if (nc - q < NR) {
                gemm_pack_b_generic<NR>(g, k0, kc, j0 + q, nc - q, dst + q * kc);
                continue;
            }
            pack_along_k<1>(g.B + k0 + (j0 + q) * g.b_sj, g.b_sj, kc, dst + q * kc);
        }
    }
    // 4*G lines of kc floats (line l at src + l*stride) into a panel whose step k holds the
    // lines' k-th floats in order.
    template <int G> static void pack_along_k(const float * src, int64_t stride, int64_t kc, float * dst) {
        constexpr int W = 4 * G;
        int64_t k = 0;
        for (; k + 4 <= kc; k += 4) {
#pragma clang loop unroll(full)
            for (int h = 0; h < G; ++h) {
                const float * s = src + 4 * h * stride + k;
                const v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + stride);
                const v128_t r2 = wasm_v128_load(s + 2 * stride), r3 = wasm_v128_load(s + 3 * stride);
                const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
                const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
                float * d = dst + k * W + 4 * h;
                wasm_v128_store(d, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
                wasm_v128_store(d + W, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
                wasm_v128_store(d + 2 * W, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
                wasm_v128_store(d + 3 * W, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
            }
        }
        for (; k < kc; ++k) {
            for (int l = 0; l < W; ++l) dst[k * W + l] = src[l * stride + k];
        }
    }
    static void scan_a(const float * panel, int64_t kc, gemm_steps & s, int64_t p) { scan_panel<2>(panel, kc, s, p); }
    static void scan_b(const float * panel, int64_t kc, gemm_steps & s, int64_t p) { scan_panel<1>(panel, kc, s, p); }

    // gemm_scan_panel for a panel 4*G floats wide, a vector at a time: a step is nonzero when
    // any lane differs from zero (NaN does), the panel finite when x - x == 0 in every lane.
    template <int G> static void scan_panel(const float * panel, int64_t kc, gemm_steps & s, int64_t p) {
        uint16_t * idx = s.idx + p * s.kc;
        int32_t    n   = 0;
        const v128_t zero = wasm_f32x4_splat(0.0f);
        v128_t finite = wasm_i32x4_splat(-1);
        for (int64_t k = 0; k < kc; ++k) {
            v128_t nonzero = wasm_i32x4_splat(0);
#pragma clang loop unroll(full)
            for (int h = 0; h < G; ++h) {
                const v128_t x = wasm_v128_load(panel + k * 4 * G + 4 * h);
                nonzero = wasm_v128_or(nonzero, wasm_f32x4_ne(x, zero));
                finite = wasm_v128_and(finite, wasm_f32x4_eq(wasm_f32x4_sub(x, x), zero));
            }
            idx[n] = (uint16_t) k;
            n += wasm_v128_any_true(nonzero);
        }
        s.count[p]  = n;
        s.finite[p] = wasm_i32x4_all_true(finite);
    }

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
