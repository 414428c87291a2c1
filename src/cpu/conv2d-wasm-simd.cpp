// The direct convolution kernels (conv2d-kernels.h) for WebAssembly SIMD (128-bit): 4 pixels per
// vector and block sizes for 16 registers, as for AVX2. WebAssembly has neither masked loads nor
// a fused multiply-add: a mask is a range of lanes (every mask the kernels build is one), a
// vector partly outside it is loaded lane by lane so that nothing outside the row is touched,
// and a multiply-add is a multiply and an add.
//
// Built only where the compiler targets wasm SIMD (emcc -msimd128).

#include "cpu/conv2d.h"

#if defined(__wasm_simd128__)

#include <cfloat>
#include <wasm_simd128.h>

#include "cpu/conv2d-kernels.h"

namespace {

struct wasm_simd {
    typedef v128_t vec;
    struct mask {
        int lo, hi; // lanes lo <= j < hi
    };
    static constexpr int lanes = 4, max_channels = 8, pair_channels = 4, grad_channels = 3;

    static vec  zero() { return wasm_f32x4_splat(0.0f); }
    static vec  set1(float x) { return wasm_f32x4_splat(x); }
    static vec  fmadd(vec a, vec b, vec c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
    static vec  add(vec a, vec b) { return wasm_f32x4_add(a, b); }
    static vec  load(const float * p) { return wasm_v128_load(p); }
    static void store(float * p, vec v) { wasm_v128_store(p, v); }
    static vec  load_masked(mask m, const float * p) {
        if (m.lo == 0 && m.hi == lanes) return wasm_v128_load(p);
        alignas(16) float t[lanes] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int j = m.lo; j < m.hi; ++j) t[j] = p[j];
        return wasm_v128_load(t);
    }
    static void store_masked(float * p, mask m, vec v) {
        if (m.lo == 0 && m.hi == lanes) {
            wasm_v128_store(p, v);
            return;
        }
        alignas(16) float t[lanes];
        wasm_v128_store(t, v);
        for (int j = m.lo; j < m.hi; ++j) p[j] = t[j];
    }
    static mask between(int64_t lo, int64_t hi) {
        lo = lo < 0 ? 0 : lo > lanes ? lanes : lo;
        hi = hi < lo ? lo : hi > lanes ? lanes : hi;
        return {(int) lo, (int) hi};
    }
    static mask both(mask a, mask b) {
        const int lo = a.lo > b.lo ? a.lo : b.lo, hi = a.hi < b.hi ? a.hi : b.hi;
        return {lo, hi < lo ? lo : hi};
    }
    static mask none() { return {0, 0}; }
    static mask all() { return {0, lanes}; }
    // wasm_f32x4_pmax(r, v) is std::max(r, v): r unless v is greater (NaNs and ties keep r)
    static vec pool_2x2(vec top, vec bottom) {
        vec r = wasm_f32x4_pmax(wasm_f32x4_splat(-FLT_MAX), wasm_i32x4_shuffle(top, top, 0, 2, 0, 2));
        r = wasm_f32x4_pmax(r, wasm_i32x4_shuffle(top, top, 1, 3, 1, 3));
        r = wasm_f32x4_pmax(r, wasm_i32x4_shuffle(bottom, bottom, 0, 2, 0, 2));
        return wasm_f32x4_pmax(r, wasm_i32x4_shuffle(bottom, bottom, 1, 3, 1, 3));
    }
    static vec relu(vec x) { return wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), x); } // x > 0 ? x : +0
};

} // namespace

const cgml_conv2d_kernels cgml_conv2d_kernels_wasm_simd = kernels<wasm_simd>();

#else

const cgml_conv2d_kernels cgml_conv2d_kernels_wasm_simd = {nullptr, nullptr, nullptr};

#endif
