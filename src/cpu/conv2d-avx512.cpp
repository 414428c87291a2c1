// The direct convolution kernels (conv2d-kernels.h) for AVX-512: 16 pixels per vector, masks
// in mask registers, 16 output channels per pass.

#include "cpu/conv2d.h"

#if defined(__AVX512F__)

#include <cfloat>
#include <immintrin.h>

// GCC 12 reports the intrinsics' own undefined pass-through operands as uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include "cpu/conv2d-kernels.h"

namespace {

struct avx512 {
    typedef __m512    vec;
    typedef __mmask16 mask;
    static constexpr int lanes = 16, max_channels = 16, pair_channels = 8, grad_channels = 8;

    static vec  zero() { return _mm512_setzero_ps(); }
    static vec  set1(float x) { return _mm512_set1_ps(x); }
    static vec  fmadd(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
    static vec  add(vec a, vec b) { return _mm512_add_ps(a, b); }
    static vec  load(const float * p) { return _mm512_load_ps(p); }
    static void store(float * p, vec v) { _mm512_store_ps(p, v); }
    static vec  load_masked(mask m, const float * p) { return _mm512_maskz_loadu_ps(m, p); }
    static void store_masked(float * p, mask m, vec v) { _mm512_mask_storeu_ps(p, m, v); }
    static mask between(int64_t lo, int64_t hi) {
        lo = lo < 0 ? 0 : lo;
        hi = hi > lanes ? lanes : hi;
        if (hi <= lo) return 0;
        return (mask) (((1u << hi) - 1u) & ~((1u << lo) - 1u));
    }
    static mask both(mask a, mask b) { return a & b; }
    static mask none() { return 0; }
    static mask all() { return 0xffff; }
    // _mm512_max_ps(v, r) is std::max(r, v): r unless v is greater (NaNs and ties keep r)
    static vec pool_2x2(vec top, vec bottom) {
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
        const __m512i odd  = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7, 9, 11, 13, 15);
        vec r = _mm512_max_ps(_mm512_permutexvar_ps(even, top), _mm512_set1_ps(-FLT_MAX));
        r = _mm512_max_ps(_mm512_permutexvar_ps(odd, top), r);
        r = _mm512_max_ps(_mm512_permutexvar_ps(even, bottom), r);
        return _mm512_max_ps(_mm512_permutexvar_ps(odd, bottom), r);
    }
    static vec relu(vec x) { return _mm512_max_ps(x, _mm512_setzero_ps()); } // x > 0 ? x : +0
};

} // namespace

const cgml_conv2d_kernels cgml_conv2d_kernels_avx512 = kernels<avx512>();

#else

const cgml_conv2d_kernels cgml_conv2d_kernels_avx512 = {nullptr, nullptr, nullptr};

#endif
