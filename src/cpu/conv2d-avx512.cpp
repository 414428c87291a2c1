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

// One output vector: 16 pixels (segment s) of row y of one sample.
struct position {
    const float * sample; // the sample's input
    float *       out;    // the vector's first pixel in output channel co0
    int64_t       y, s;
};

// NP output vectors for NC output channels starting at co0: NP*NC accumulators, one input vector
// per (tap, position), one broadcast weight per (tap, channel). Two positions when there are at
// most 8 channels, so that 16 FMA chains stay in flight. (Loop bounds and strides are copied
// into locals and the small loops unrolled, so the accumulators stay in registers; KWC > 0 is
// the kernel width known at compile time.)
template <int NC, int NP, int KWC>
void correlate_block(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t,
                     const segment_masks & m, const position * pos) {
    const int64_t KW = KWC > 0 ? KWC : t.KW, KH = t.KH, dw = t.dw, dh = t.dh, CO = out.C, IH = in.H;
    const int64_t in_row = in.row, in_plane = in.plane, n_seg = m.n_seg;
    __m512 acc[NP][NC];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 16
        for (int c = 0; c < NC; ++c) acc[p][c] = _mm512_setzero_ps();
    for (int64_t ci = 0; ci < in.C; ++ci) {
        for (int64_t ky = 0; ky < KH; ++ky) {
            // a position whose tap row lies outside the input reads nothing (an all-zero mask)
            const float * row[NP];
            const __mmask16 * tap_mask[NP];
            __mmask16 valid[NP];
            bool any = false;
#pragma GCC unroll 2
            for (int p = 0; p < NP; ++p) {
                const int64_t iy = pos[p].y + ky * dh - t.ph;
                const bool inside = iy >= 0 && iy < IH;
                any |= inside;
                valid[p] = inside ? (__mmask16) 0xffff : (__mmask16) 0;
                row[p] = offset(pos[p].sample + ci * in_plane + (inside ? iy : 0) * in_row, pos[p].s * L - t.pw);
                tap_mask[p] = m.tap.data() + pos[p].s;
            }
            if (!any) continue;
            const float * wt = w + ((ci * KH + ky) * KW) * CO;
#pragma GCC unroll 4
            for (int64_t kx = 0; kx < KW; ++kx, wt += CO) {
                __m512 v[NP];
#pragma GCC unroll 2
                for (int p = 0; p < NP; ++p) v[p] = _mm512_maskz_loadu_ps(tap_mask[p][kx * n_seg] & valid[p], offset(row[p], kx * dw));
#pragma GCC unroll 16
                for (int c = 0; c < NC; ++c) {
                    const __m512 wc = _mm512_set1_ps(wt[c]);
#pragma GCC unroll 2
                    for (int p = 0; p < NP; ++p) acc[p][c] = _mm512_fmadd_ps(v[p], wc, acc[p][c]);
                }
            }
        }
    }
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) {
        const __mmask16 store_mask = m.row[pos[p].s];
#pragma GCC unroll 16
        for (int c = 0; c < NC; ++c) _mm512_mask_storeu_ps(pos[p].out + c * out.plane, store_mask, acc[p][c]);
    }
}

typedef void (*correlate_fn)(const cgml_conv_image &, const cgml_conv_image &, const float *, const cgml_conv_taps &,
                             const segment_masks &, const position *);

template <int NP, int KWC, int... NC> struct correlate_table {
    static constexpr correlate_fn fns[sizeof...(NC)] = {&correlate_block<NC, NP, KWC>...};
};

void correlate(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t, int64_t r0,
               int64_t r1) {
    // 3 taps wide (the common case) with the tap loop unrolled, any other width at run time
    using singles = correlate_table<1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16>;
    using pairs = correlate_table<2, 0, 1, 2, 3, 4, 5, 6, 7, 8>;
    using singles3 = correlate_table<1, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16>;
    using pairs3 = correlate_table<2, 3, 1, 2, 3, 4, 5, 6, 7, 8>;
    const correlate_fn * single_fns = t.KW == 3 ? singles3::fns : singles::fns;
    const correlate_fn * pair_fns = t.KW == 3 ? pairs3::fns : pairs::fns;
    const segment_masks m(out.W, in.W, t);
    // output vectors q in [r0*n_seg, r1*n_seg): row r = q / n_seg (sample r / H, row r % H), segment q % n_seg
    auto position_of = [&](int64_t q, int64_t co0) {
        const int64_t r = q / m.n_seg, s = q % m.n_seg, n = r / out.H, y = r % out.H;
        return position{in.data + n * in.sample, out.data + n * out.sample + co0 * out.plane + y * out.row + s * L, y, s};
    };
    const int64_t q1 = r1 * m.n_seg;
    for (int64_t co0 = 0; co0 < out.C; co0 += 16) {
        const int64_t nc = std::min<int64_t>(16, out.C - co0);
        int64_t q = r0 * m.n_seg;
        if (nc <= 8) {
            for (; q + 1 < q1; q += 2) {
                const position pos[2] = {position_of(q, co0), position_of(q + 1, co0)};
                pair_fns[nc - 1](in, out, w + co0, t, m, pos);
            }
        }
        for (; q < q1; ++q) {
            const position pos = position_of(q, co0);
            single_fns[nc - 1](in, out, w + co0, t, m, &pos);
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
#pragma GCC unroll 8
        for (int c = 0; c < CB; ++c) acc[k][c] = _mm512_setzero_ps();
    const float * plane = in.data + n * in.sample + ci * in.plane;
    const float * gsample = grad.data + n * grad.sample + co0 * g_plane;
    // output rows whose tap row iy = y + iy0 lies inside the input
    const int64_t y0 = std::max<int64_t>(0, -iy0), y1 = std::min<int64_t>(OH, IH - iy0);
    for (int64_t y = y0; y < y1; ++y) {
        const float * irow = plane + (y + iy0) * in_row;
        const float * grow = gsample + y * g_row;
        for (int64_t s = 0; s < n_seg; ++s) {
            __m512 v[NT];
#pragma GCC unroll 4
            for (int k = 0; k < NT; ++k) v[k] = _mm512_maskz_loadu_ps(tap_mask[k * n_seg + s], offset(irow, s * L + x_shift + k * dw));
#pragma GCC unroll 8
            for (int c = 0; c < CB; ++c) {
                const __m512 g = _mm512_maskz_loadu_ps(row_mask[s], grow + c * g_plane + s * L);
#pragma GCC unroll 4
                for (int k = 0; k < NT; ++k) acc[k][c] = _mm512_fmadd_ps(v[k], g, acc[k][c]);
            }
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < NT; ++k) {
        float * p = partial + (((ci * t.KH + ky) * t.KW + kx0 + k) * grad.C + co0) * L;
#pragma GCC unroll 8
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
    // 3 taps x 8 channels: 24 accumulators, 3 input vectors and one gradient vector in registers
    using row1 = kernel_grad_row<1, 1, 2, 3, 4, 5, 6, 7, 8>;
    using row2 = kernel_grad_row<2, 1, 2, 3, 4, 5, 6, 7, 8>;
    using row3 = kernel_grad_row<3, 1, 2, 3, 4, 5, 6, 7, 8>;
    static const kernel_grad_fn * const by_taps[3] = {row1::fns, row2::fns, row3::fns};
    const segment_masks m(grad.W, in.W, t);
    for (int64_t n = n0; n < n1; ++n) {
        for (int64_t co0 = 0; co0 < grad.C; co0 += 8) {
            const int64_t cb = std::min<int64_t>(8, grad.C - co0);
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
