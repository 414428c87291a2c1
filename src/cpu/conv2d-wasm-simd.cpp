// The direct convolution kernels (conv2d-kernels.h) for WebAssembly SIMD (128-bit): 4 pixels per
// vector and block sizes for 16 registers, as for AVX2. WebAssembly has neither masked loads nor
// a fused multiply-add: a mask is a lane-wide integer vector, a masked load a whole load with the
// lanes outside cleared (see load_masked), a masked store one or two lane stores, and a
// multiply-add is a multiply and an add.
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
    typedef v128_t mask; // all ones in the lanes that are in
    static constexpr int lanes = 4, max_channels = 8, pair_channels = 4, grad_channels = 3;

    static vec  zero() { return wasm_f32x4_splat(0.0f); }
    static vec  set1(float x) { return wasm_f32x4_splat(x); }
    static vec  fmadd(vec a, vec b, vec c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
    static vec  add(vec a, vec b) { return wasm_f32x4_add(a, b); }
    static vec  load(const float * p) { return wasm_v128_load(p); }
    static void store(float * p, vec v) { wasm_v128_store(p, v); }
    // A vector partly outside its row is loaded whole and the lanes outside are cleared: a
    // load inside the module's linear memory cannot fault, whatever lies there. Only a vector
    // that would reach past the end of the memory (which only grows, so the size read here
    // stays a safe bound) is gathered lane by lane.
    static vec load_masked(mask m, const float * p) {
        const uintptr_t end = (uintptr_t) __builtin_wasm_memory_size(0) * 65536u;
        if (__builtin_expect((uintptr_t) p + lanes * sizeof(float) <= end, 1)) return wasm_v128_and(wasm_v128_load(p), m);
        alignas(16) float t[lanes] = {0.0f, 0.0f, 0.0f, 0.0f};
        const int bits = wasm_i32x4_bitmask(m);
        for (int j = 0; j < lanes; ++j)
            if (bits >> j & 1) t[j] = p[j];
        return wasm_v128_load(t);
    }
    // Stores only the lanes that are in (another thread may be writing the rest): the masks the
    // kernels store under are a row's first lanes, which take one or two lane stores.
    static void store_masked(float * p, mask m, vec v) {
        switch (wasm_i32x4_bitmask(m)) {
            case 0xf: wasm_v128_store(p, v); return;
            case 0x0: return;
            case 0x1: wasm_v128_store32_lane(p, v, 0); return;
            case 0x3: wasm_v128_store64_lane(p, v, 0); return;
            case 0x7:
                wasm_v128_store64_lane(p, v, 0);
                wasm_v128_store32_lane(p + 2, v, 2);
                return;
            default: {
                const int bits = wasm_i32x4_bitmask(m);
                alignas(16) float t[lanes];
                wasm_v128_store(t, v);
                for (int j = 0; j < lanes; ++j)
                    if (bits >> j & 1) p[j] = t[j];
            }
        }
    }
    static mask between(int64_t lo, int64_t hi) {
        lo = lo < 0 ? 0 : lo > lanes ? lanes : lo;
        hi = hi < lo ? lo : hi > lanes ? lanes : hi;
        const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
        return wasm_v128_and(wasm_i32x4_ge(lane, wasm_i32x4_splat((int32_t) lo)), wasm_i32x4_lt(lane, wasm_i32x4_splat((int32_t) hi)));
    }
    static mask both(mask a, mask b) { return wasm_v128_and(a, b); }
    static mask none() { return wasm_i32x4_splat(0); }
    static mask all() { return wasm_i32x4_splat(-1); }
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
