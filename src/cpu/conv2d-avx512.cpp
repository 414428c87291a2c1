// AVX-512 direct convolution kernels (unit stride). Vectors run along image rows, 16 pixels
// per segment; the lanes a tap cannot read (padding, the row's end) are masked off in the loads,
// so inputs are read in place with no padded copy and no im2col matrix.

#include "cpu/conv2d.h"

#if defined(__AVX512F__)

#include <immintrin.h>

#include <algorithm>
#include <vector>

namespace {

constexpr int64_t L = CGML_CONV_LANES;

// Lanes j in [lo, hi) of a 16-lane vector, clamped to the vector.
inline __mmask16 lane_range(int64_t lo, int64_t hi) {
    lo = std::max<int64_t>(lo, 0);
    hi = std::min<int64_t>(hi, L);
    if (hi <= lo) return 0;
    return (__mmask16) (((1u << hi) - 1u) & ~((1u << lo) - 1u));
}

// Per row segment s (pixels x = 16s + j of an output row of width out_w): the lanes inside the
// row, and for each horizontal tap kx the lanes whose input pixel x + kx*dw - pw is inside [0, in_w).
struct segment_masks {
    int64_t               n_seg;
    std::vector<__mmask16> row;  // [s]
    std::vector<__mmask16> tap;  // [kx * n_seg + s]
    segment_masks(int64_t out_w, int64_t in_w, const cgml_conv_taps & t) : n_seg((out_w + L - 1) / L) {
        row.resize(n_seg);
        tap.resize(t.KW * n_seg);
        for (int64_t s = 0; s < n_seg; ++s) {
            const int64_t x0 = s * L;
            row[s] = lane_range(0, out_w - x0);
            for (int64_t kx = 0; kx < t.KW; ++kx) {
                const int64_t shift = kx * t.dw - t.pw; // input pixel of lane j: x0 + j + shift
                tap[kx * n_seg + s] = row[s] & lane_range(-x0 - shift, in_w - x0 - shift);
            }
        }
    }
};

// Pointer arithmetic that may step before the start of a row: the lanes there are masked off.
inline const float * offset(const float * p, int64_t d) { return (const float *) ((intptr_t) p + d * (intptr_t) sizeof(float)); }

// One segment of one output row for NC output channels starting at co0: NC accumulators, one
// input vector per tap, one broadcast weight per (tap, channel). (Loop bounds and strides are
// copied into locals and the channel loops unrolled, so the accumulators stay in registers.)
template <int NC>
void correlate_segment(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t,
                       const segment_masks & m, int64_t n, int64_t y, int64_t s, int64_t co0) {
    const int64_t KW = t.KW, KH = t.KH, dw = t.dw, dh = t.dh, CO = out.C, IH = in.H;
    const int64_t in_row = in.row, in_plane = in.plane, n_seg = m.n_seg;
    const int64_t x_shift = s * L - t.pw;
    const __mmask16 * tap_mask = m.tap.data() + s;
    __m512 acc[NC];
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c) acc[c] = _mm512_setzero_ps();
    const float * sample = in.data + n * in.sample;
    for (int64_t ci = 0; ci < in.C; ++ci) {
        for (int64_t ky = 0; ky < KH; ++ky) {
            const int64_t iy = y + ky * dh - t.ph;
            if (iy < 0 || iy >= IH) continue;
            const float * row = sample + ci * in_plane + iy * in_row;
            const float * wt = w + ((ci * KH + ky) * KW) * CO + co0;
            for (int64_t kx = 0; kx < KW; ++kx, wt += CO) {
                const __m512 v = _mm512_maskz_loadu_ps(tap_mask[kx * n_seg], offset(row, x_shift + kx * dw));
#pragma GCC unroll 16
                for (int c = 0; c < NC; ++c) acc[c] = _mm512_fmadd_ps(v, _mm512_set1_ps(wt[c]), acc[c]);
            }
        }
    }
    float * dst = out.data + n * out.sample + co0 * out.plane + y * out.row + s * L;
    const __mmask16 store_mask = m.row[s];
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c) _mm512_mask_storeu_ps(dst + c * out.plane, store_mask, acc[c]);
}

typedef void (*correlate_fn)(const cgml_conv_image &, const cgml_conv_image &, const float *, const cgml_conv_taps &,
                             const segment_masks &, int64_t, int64_t, int64_t, int64_t);

template <int... NC> struct correlate_table {
    static constexpr correlate_fn fns[sizeof...(NC)] = {&correlate_segment<NC>...};
};

void correlate(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t, int64_t r0,
               int64_t r1) {
    // up to 16 channels per pass: 16 independent FMA chains, and the inputs are loaded once per 16 channels
    using table = correlate_table<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16>;
    const segment_masks m(out.W, in.W, t);
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t n = r / out.H, y = r % out.H;
        for (int64_t s = 0; s < m.n_seg; ++s) {
            for (int64_t co0 = 0; co0 < out.C; co0 += 16) {
                const int64_t nc = std::min<int64_t>(16, out.C - co0);
                table::fns[nc - 1](in, out, w, t, m, n, y, s, co0);
            }
        }
    }
}

// NT horizontal taps (kx0 ...) of kernel row ky of input channel ci, against CB gradient
// channels (co0 ...) of sample n: NT*CB vector accumulators over all rows and segments, then
// added to the partial sums.
template <int NT, int CB>
void kernel_grad_block(const cgml_conv_image & in, const cgml_conv_image & grad, const cgml_conv_taps & t, const segment_masks & m,
                       int64_t n, int64_t ci, int64_t ky, int64_t kx0, int64_t co0, float * partial) {
    const int64_t OH = grad.H, IH = in.H, n_seg = m.n_seg, dw = t.dw;
    const int64_t in_row = in.row, g_row = grad.row, g_plane = grad.plane;
    const int64_t iy0 = ky * t.dh - t.ph, x_shift = kx0 * dw - t.pw;
    const __mmask16 * row_mask = m.row.data();
    const __mmask16 * tap_mask = m.tap.data() + kx0 * n_seg;
    __m512 acc[NT][CB];
#pragma GCC unroll 4
    for (int k = 0; k < NT; ++k)
#pragma GCC unroll 4
        for (int c = 0; c < CB; ++c) acc[k][c] = _mm512_setzero_ps();
    const float * plane = in.data + n * in.sample + ci * in.plane;
    const float * gsample = grad.data + n * grad.sample + co0 * g_plane;
    // output rows whose tap row iy = y + iy0 lies inside the input
    const int64_t y0 = std::max<int64_t>(0, -iy0), y1 = std::min<int64_t>(OH, IH - iy0);
    for (int64_t y = y0; y < y1; ++y) {
        const float * irow = plane + (y + iy0) * in_row;
        const float * grow = gsample + y * g_row;
        for (int64_t s = 0; s < n_seg; ++s) {
            __m512 g[CB];
#pragma GCC unroll 4
            for (int c = 0; c < CB; ++c) g[c] = _mm512_maskz_loadu_ps(row_mask[s], grow + c * g_plane + s * L);
#pragma GCC unroll 4
            for (int k = 0; k < NT; ++k) {
                const __m512 v = _mm512_maskz_loadu_ps(tap_mask[k * n_seg + s], offset(irow, s * L + x_shift + k * dw));
#pragma GCC unroll 4
                for (int c = 0; c < CB; ++c) acc[k][c] = _mm512_fmadd_ps(v, g[c], acc[k][c]);
            }
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < NT; ++k) {
        float * p = partial + (((ci * t.KH + ky) * t.KW + kx0 + k) * grad.C + co0) * L;
#pragma GCC unroll 4
        for (int c = 0; c < CB; ++c) _mm512_store_ps(p + c * L, _mm512_add_ps(_mm512_load_ps(p + c * L), acc[k][c]));
    }
}

typedef void (*kernel_grad_fn)(const cgml_conv_image &, const cgml_conv_image &, const cgml_conv_taps &, const segment_masks &,
                               int64_t, int64_t, int64_t, int64_t, int64_t, float *);

template <int NT, int... CB> struct kernel_grad_row {
    static constexpr kernel_grad_fn fns[sizeof...(CB)] = {&kernel_grad_block<NT, CB>...};
};

void kernel_grad(const cgml_conv_image & in, const cgml_conv_image & grad, const cgml_conv_taps & t, int64_t n0, int64_t n1,
                 float * partial) {
    // 3 taps x 4 channels: 12 accumulators, 4 gradient and 3 input vectors in registers
    static const kernel_grad_fn * const by_taps[3] = {kernel_grad_row<1, 1, 2, 3, 4>::fns, kernel_grad_row<2, 1, 2, 3, 4>::fns,
                                                      kernel_grad_row<3, 1, 2, 3, 4>::fns};
    const segment_masks m(grad.W, in.W, t);
    for (int64_t n = n0; n < n1; ++n) {
        for (int64_t co0 = 0; co0 < grad.C; co0 += 4) {
            const int64_t cb = std::min<int64_t>(4, grad.C - co0);
            for (int64_t ci = 0; ci < in.C; ++ci) {
                for (int64_t ky = 0; ky < t.KH; ++ky) {
                    for (int64_t kx0 = 0; kx0 < t.KW; kx0 += 3) {
                        const int64_t nt = std::min<int64_t>(3, t.KW - kx0);
                        by_taps[nt - 1][cb - 1](in, grad, t, m, n, ci, ky, kx0, co0, partial);
                    }
                }
            }
        }
    }
}

} // namespace

void (*const cgml_conv2d_correlate_f32)(const cgml_conv_image &, const cgml_conv_image &, const float *, const cgml_conv_taps &,
                                        int64_t, int64_t) = correlate;
void (*const cgml_conv2d_kernel_grad_f32)(const cgml_conv_image &, const cgml_conv_image &, const cgml_conv_taps &, int64_t,
                                          int64_t, float *) = kernel_grad;

#else

void (*const cgml_conv2d_correlate_f32)(const cgml_conv_image &, const cgml_conv_image &, const float *, const cgml_conv_taps &,
                                        int64_t, int64_t) = nullptr;
void (*const cgml_conv2d_kernel_grad_f32)(const cgml_conv_image &, const cgml_conv_image &, const cgml_conv_taps &, int64_t,
                                          int64_t, float *) = nullptr;

#endif
