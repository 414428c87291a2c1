// The direct convolution kernels (conv2d-kernels.h) for AVX2 + FMA: 8 pixels per vector, masks
// as lane-wide integer vectors (maskload never faults on masked-off lanes), and block sizes
// that fit 16 registers.

#include "cpu/conv2d.h"

#if defined(__AVX2__) && defined(__FMA__)

#include <cfloat>
#include <immintrin.h>

#include "cpu/conv2d-kernels.h"

namespace {

struct avx2 {
    typedef __m256  vec;
    typedef __m256i mask;
    static constexpr int lanes = 8, max_channels = 8, pair_channels = 4, grad_channels = 3;

    static vec  zero() { return _mm256_setzero_ps(); }
    static vec  set1(float x) { return _mm256_set1_ps(x); }
    static vec  fmadd(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
    static vec  add(vec a, vec b) { return _mm256_add_ps(a, b); }
    static vec  load(const float * p) { return _mm256_load_ps(p); }
    static void store(float * p, vec v) { _mm256_store_ps(p, v); }
    static vec  load_masked(mask m, const float * p) { return _mm256_maskload_ps(p, m); }
    static void store_masked(float * p, mask m, vec v) { _mm256_maskstore_ps(p, m, v); }
    static mask between(int64_t lo, int64_t hi) {
        lo = lo < 0 ? 0 : lo > lanes ? lanes : lo;
        hi = hi < 0 ? 0 : hi > lanes ? lanes : hi;
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        return _mm256_and_si256(_mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int) lo - 1)),
                                _mm256_cmpgt_epi32(_mm256_set1_epi32((int) hi), lane));
    }
    static mask both(mask a, mask b) { return _mm256_and_si256(a, b); }
    static mask none() { return _mm256_setzero_si256(); }
    static mask all() { return _mm256_set1_epi32(-1); }
    // _mm256_max_ps(v, r) is std::max(r, v): r unless v is greater (NaNs and ties keep r)
    static vec pool_2x2(vec top, vec bottom) {
        const __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
        const __m256i odd  = _mm256_setr_epi32(1, 3, 5, 7, 1, 3, 5, 7);
        vec r = _mm256_max_ps(_mm256_permutevar8x32_ps(top, even), _mm256_set1_ps(-FLT_MAX));
        r = _mm256_max_ps(_mm256_permutevar8x32_ps(top, odd), r);
        r = _mm256_max_ps(_mm256_permutevar8x32_ps(bottom, even), r);
        return _mm256_max_ps(_mm256_permutevar8x32_ps(bottom, odd), r);
    }
    static vec relu(vec x) { return _mm256_max_ps(x, _mm256_setzero_ps()); } // x > 0 ? x : +0
};

} // namespace

const cgml_conv2d_kernels cgml_conv2d_kernels_avx2 = kernels<avx2>();

#else

const cgml_conv2d_kernels cgml_conv2d_kernels_avx2 = {nullptr, nullptr, nullptr};

#endif
