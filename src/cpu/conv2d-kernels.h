#pragma once

// The direct convolution kernels of conv2d.h, written once for any vector width. Included by
// conv2d-avx512.cpp and conv2d-avx2.cpp, each with its own vector type V:
//
//   struct V {
//       typedef ... vec; typedef ... mask;
//       static constexpr int lanes;          // floats per vector
//       static constexpr int max_channels;   // accumulators of one output vector (register budget)
//       static constexpr int pair_channels;  // channels up to which two output vectors share a pass
//       static constexpr int grad_channels;  // gradient channels of one kernel-gradient block (x 3 taps)
//       static vec  zero(); static vec set1(float); static vec fmadd(vec a, vec b, vec c);  // a*b + c
//       static vec  add(vec, vec); static vec load(const float *); static void store(float *, vec); // aligned
//       static vec  load_masked(mask, const float *);   // masked-off lanes read as 0 and never fault
//       static void store_masked(float *, mask, vec);
//       static mask between(int64_t lo, int64_t hi);    // lanes j with lo <= j < hi
//       static mask both(mask, mask); static mask none(); static mask all();
//       static vec  pool_2x2(vec top, vec bottom);      // lane j < lanes/2: max of the window in lanes 2j, 2j+1
//       static vec  relu(vec);                          // x > 0 ? x : +0
//   };
//
// Vectors run along image rows, one segment of V::lanes pixels each; lanes a tap cannot read
// (padding, the row's end) are masked off in the loads, so inputs are read in place with no
// padded copy and no im2col matrix.

#include "cpu/conv2d.h"

#include <algorithm>
#include <utility>

// Everything here has internal linkage: each instruction set's file gets its own copy, compiled
// with its own flags, so the linker never merges an AVX-512 build of a helper into code that
// runs on a CPU without AVX-512 (which is also why there are no std::vector instantiations).
namespace {

// Pointer arithmetic that may step before the start of a row: the lanes there are masked off.
inline const float * offset(const float * p, int64_t d) { return (const float *) ((intptr_t) p + d * (intptr_t) sizeof(float)); }

// Per row segment s (pixels x = s*lanes + j of an output row of width out_w): the lanes inside the
// row, and for each horizontal tap kx the lanes whose input pixel x + kx*dw - pw is inside [0, in_w).
template <class V> struct segment_masks {
    int64_t           n_seg;
    typename V::mask * row; // [s]
    typename V::mask * tap; // [kx * n_seg + s]
    segment_masks(int64_t out_w, int64_t in_w, const cgml_conv_taps & t) : n_seg((out_w + V::lanes - 1) / V::lanes) {
        row = new typename V::mask[n_seg * (1 + t.KW)];
        tap = row + n_seg;
        for (int64_t s = 0; s < n_seg; ++s) {
            const int64_t x0 = s * V::lanes;
            row[s] = V::between(0, out_w - x0);
            for (int64_t kx = 0; kx < t.KW; ++kx) {
                const int64_t shift = kx * t.dw - t.pw; // input pixel of lane j: x0 + j + shift
                tap[kx * n_seg + s] = V::both(row[s], V::between(-x0 - shift, in_w - x0 - shift));
            }
        }
    }
    ~segment_masks() { delete[] row; }
    segment_masks(const segment_masks &) = delete;
    segment_masks & operator=(const segment_masks &) = delete;
};

// One output vector: segment s of row y of one sample.
struct position {
    const float * sample; // the sample's input
    float *       out;    // the vector's first pixel in output channel co0
    int64_t       y, s;
};

// NP output vectors for NC output channels starting at co0: NP*NC accumulators, one input vector
// per (tap, position), one broadcast weight per (tap, channel). Two positions when there are few
// channels, so that enough FMA chains stay in flight. (Loop bounds and strides are copied into
// locals and the small loops unrolled, so the accumulators stay in registers; KWC > 0 is the
// kernel width known at compile time.) CO: the output channels w holds per tap.
template <class V, int NC, int NP, int KWC>
__attribute__((always_inline)) inline void accumulate_block(const cgml_conv_image & in, const float * w, int64_t CO,
                                                            const cgml_conv_taps & t, const segment_masks<V> & m,
                                                            const position * pos, typename V::vec (&acc)[NP][NC]) {
    typedef typename V::mask mask;
    const int64_t KW = KWC > 0 ? KWC : t.KW, KH = t.KH, dw = t.dw, dh = t.dh, IH = in.H;
    const int64_t in_row = in.row, in_plane = in.plane, n_seg = m.n_seg;
    // with the kernel width known, each position's tap masks are loaded once, not once per row
    constexpr int KWM = KWC > 0 ? KWC : 1;
    mask tap_fixed[NP][KWM];
    if (KWC > 0) {
#pragma GCC unroll 2
        for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
            for (int kx = 0; kx < KWM; ++kx) tap_fixed[p][kx] = m.tap[kx * n_seg + pos[p].s];
    }
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p)
#pragma GCC unroll 16
        for (int c = 0; c < NC; ++c) acc[p][c] = V::zero();
    for (int64_t ci = 0; ci < in.C; ++ci) {
        for (int64_t ky = 0; ky < KH; ++ky) {
            // a position whose tap row lies outside the input reads nothing (an all-zero mask)
            const float * row[NP];
            const mask * tap_mask[NP];
            mask valid[NP];
            bool any = false;
#pragma GCC unroll 2
            for (int p = 0; p < NP; ++p) {
                const int64_t iy = pos[p].y + ky * dh - t.ph;
                const bool inside = iy >= 0 && iy < IH;
                any |= inside;
                valid[p] = inside ? V::all() : V::none();
                row[p] = offset(pos[p].sample + ci * in_plane + (inside ? iy : 0) * in_row, pos[p].s * V::lanes - t.pw);
                tap_mask[p] = m.tap + pos[p].s;
            }
            if (!any) continue;
            const float * wt = w + ((ci * KH + ky) * KW) * CO;
#pragma GCC unroll 4
            for (int64_t kx = 0; kx < KW; ++kx, wt += CO) {
                typename V::vec v[NP];
#pragma GCC unroll 2
                for (int p = 0; p < NP; ++p) {
                    const mask tm = KWC > 0 ? tap_fixed[p][kx] : tap_mask[p][kx * n_seg];
                    v[p] = V::load_masked(V::both(tm, valid[p]), offset(row[p], kx * dw));
                }
#pragma GCC unroll 16
                for (int c = 0; c < NC; ++c) {
                    const typename V::vec wc = V::set1(wt[c]);
#pragma GCC unroll 2
                    for (int p = 0; p < NP; ++p) acc[p][c] = V::fmadd(v[p], wc, acc[p][c]);
                }
            }
        }
    }
}

template <class V, int NC, int NP, int KWC>
void correlate_block(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t,
                     const segment_masks<V> & m, const position * pos) {
    typename V::vec acc[NP][NC];
    accumulate_block<V, NC, NP, KWC>(in, w, out.C, t, m, pos, acc);
    // (the output pointer and plane in locals: the stores could alias the structs they sit in)
    const int64_t out_plane = out.plane;
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) {
        const typename V::mask store_mask = m.row[pos[p].s];
        float * o = pos[p].out;
#pragma GCC unroll 16
        for (int c = 0; c < NC; ++c) V::store_masked(o + c * out_plane, store_mask, acc[p][c]);
    }
}

template <class V> using correlate_fn = void (*)(const cgml_conv_image &, const cgml_conv_image &, const float *,
                                                 const cgml_conv_taps &, const segment_masks<V> &, const position *);

// correlate_block for NC = 1 .. sizeof(I)
template <class V, int NP, int KWC, class I> struct correlate_table;
template <class V, int NP, int KWC, int... I> struct correlate_table<V, NP, KWC, std::integer_sequence<int, I...>> {
    static constexpr correlate_fn<V> fns[sizeof...(I)] = {&correlate_block<V, I + 1, NP, KWC>...};
};

template <class V>
void correlate(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t, int64_t r0,
               int64_t r1) {
    // 3 taps wide (the common case) with the tap loop unrolled, any other width at run time
    typedef std::make_integer_sequence<int, V::max_channels> singles;
    typedef std::make_integer_sequence<int, V::pair_channels> pairs;
    const correlate_fn<V> * single_fns = t.KW == 3 ? correlate_table<V, 1, 3, singles>::fns : correlate_table<V, 1, 0, singles>::fns;
    const correlate_fn<V> * pair_fns = t.KW == 3 ? correlate_table<V, 2, 3, pairs>::fns : correlate_table<V, 2, 0, pairs>::fns;
    const segment_masks<V> m(out.W, in.W, t);
    // Output vectors q in [r0*n_seg, r1*n_seg): row r = q / n_seg (sample r / H, row r % H),
    // segment q % n_seg. A cursor steps through them in order, so blocks (a few hundred cycles for
    // small channel counts) pay no integer divisions.
    struct cursor {
        int64_t n, y, s;
        void next(int64_t n_seg, int64_t H) {
            if (++s == n_seg) {
                s = 0;
                if (++y == H) {
                    y = 0;
                    ++n;
                }
            }
        }
    };
    auto position_at = [&](const cursor & c, int64_t co0) {
        return position{in.data + c.n * in.sample, out.data + c.n * out.sample + co0 * out.plane + c.y * out.row + c.s * V::lanes, c.y, c.s};
    };
    const int64_t q1 = r1 * m.n_seg;
    for (int64_t co0 = 0; co0 < out.C; co0 += V::max_channels) {
        const int64_t nc = std::min<int64_t>(V::max_channels, out.C - co0);
        int64_t q = r0 * m.n_seg;
        cursor c = {r0 / out.H, r0 % out.H, 0};
        if (nc <= V::pair_channels) {
            for (; q + 1 < q1; q += 2) {
                position pos[2];
                pos[0] = position_at(c, co0);
                c.next(m.n_seg, out.H);
                pos[1] = position_at(c, co0);
                c.next(m.n_seg, out.H);
                pair_fns[nc - 1](in, out, w + co0, t, m, pos);
            }
        }
        for (; q < q1; ++q) {
            const position pos = position_at(c, co0);
            c.next(m.n_seg, out.H);
            single_fns[nc - 1](in, out, w + co0, t, m, &pos);
        }
    }
}

// The two output rows of one pooling window row (pos[0] and pos[1]: rows 2py and 2py + 1, one
// segment) for NC channels, pooled, biased and rectified into out (pooled.plane apart per
// channel) under the mask store; the output itself is never stored.
template <class V, int NC, int KWC>
void correlate_pool_block(const cgml_conv_image & in, const cgml_conv_image & pooled, const float * w, const float * bias,
                          int64_t CO, const cgml_conv_taps & t, const segment_masks<V> & m, const position * pos, float * out,
                          typename V::mask store) {
    typename V::vec acc[2][NC];
    accumulate_block<V, NC, 2, KWC>(in, w, CO, t, m, pos, acc);
    const int64_t plane = pooled.plane;
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c) {
        V::store_masked(out + c * plane, store, V::relu(V::add(V::pool_2x2(acc[0][c], acc[1][c]), V::set1(bias[c]))));
    }
}

template <class V> using correlate_pool_fn = void (*)(const cgml_conv_image &, const cgml_conv_image &, const float *, const float *,
                                                      int64_t, const cgml_conv_taps &, const segment_masks<V> &, const position *,
                                                      float *, typename V::mask);

// correlate_pool_block for NC = 1 .. sizeof(I)
template <class V, int KWC, class I> struct correlate_pool_table;
template <class V, int KWC, int... I> struct correlate_pool_table<V, KWC, std::integer_sequence<int, I...>> {
    static constexpr correlate_pool_fn<V> fns[sizeof...(I)] = {&correlate_pool_block<V, I + 1, KWC>...};
};

template <class V>
void correlate_pool_bias_relu(const cgml_conv_image & in, const cgml_conv_image & pooled, const float * w, const float * bias,
                              const cgml_conv_taps & t, int64_t conv_w, int64_t conv_c, int64_t r0, int64_t r1) {
    // two rows per block, so at most pair_channels channels at a time
    typedef std::make_integer_sequence<int, V::pair_channels> pairs;
    const correlate_pool_fn<V> * fns = t.KW == 3 ? correlate_pool_table<V, 3, pairs>::fns : correlate_pool_table<V, 0, pairs>::fns;
    const segment_masks<V> m(conv_w, in.W, t);
    constexpr int64_t half = V::lanes / 2; // pooled pixels per segment
    for (int64_t co0 = 0; co0 < conv_c; co0 += V::pair_channels) {
        const int64_t nc = std::min<int64_t>(V::pair_channels, conv_c - co0);
        for (int64_t r = r0; r < r1; ++r) {
            const int64_t n = r / pooled.H, py = r % pooled.H;
            const float * sample = in.data + n * in.sample;
            float * out_row = pooled.data + n * pooled.sample + co0 * pooled.plane + py * pooled.row;
            for (int64_t s = 0; s < m.n_seg && s * half < pooled.W; ++s) {
                const position pos[2] = {{sample, nullptr, 2 * py, s}, {sample, nullptr, 2 * py + 1, s}};
                fns[nc - 1](in, pooled, w + co0, bias + co0, conv_c, t, m, pos, out_row + s * half,
                            V::between(0, std::min<int64_t>(half, pooled.W - s * half)));
            }
        }
    }
}

// NT horizontal taps (kx0 ...) of kernel row ky of input channel ci, against CB gradient
// channels (co0 ...) of samples [n0, n1): NT*CB vector accumulators over all their rows and
// segments, then added to the partial sums (the first V::lanes of each CGML_CONV_LANES-float slot).
template <class V, int NT, int CB>
void kernel_grad_block(const cgml_conv_image & in, const cgml_conv_image & grad, const cgml_conv_taps & t, const segment_masks<V> & m,
                       int64_t n0, int64_t n1, int64_t ci, int64_t ky, int64_t kx0, int64_t co0, float * partial) {
    typedef typename V::vec vec;
    typedef typename V::mask mask;
    const int64_t OH = grad.H, IH = in.H, n_seg = m.n_seg, dw = t.dw;
    const int64_t in_row = in.row, g_row = grad.row, g_plane = grad.plane;
    const int64_t iy0 = ky * t.dh - t.ph, x_shift = kx0 * dw - t.pw;
    const mask * row_mask = m.row;
    const mask * tap_mask = m.tap + kx0 * n_seg;
    vec acc[NT][CB];
#pragma GCC unroll 4
    for (int k = 0; k < NT; ++k)
#pragma GCC unroll 8
        for (int c = 0; c < CB; ++c) acc[k][c] = V::zero();
    // output rows whose tap row iy = y + iy0 lies inside the input
    const int64_t y0 = std::max<int64_t>(0, -iy0), y1 = std::min<int64_t>(OH, IH - iy0);
    for (int64_t n = n0; n < n1; ++n) {
        const float * plane = in.data + n * in.sample + ci * in.plane;
        const float * gsample = grad.data + n * grad.sample + co0 * g_plane;
        for (int64_t y = y0; y < y1; ++y) {
            const float * irow = plane + (y + iy0) * in_row;
            const float * grow = gsample + y * g_row;
            for (int64_t s = 0; s < n_seg; ++s) {
                vec v[NT];
#pragma GCC unroll 4
                for (int k = 0; k < NT; ++k) v[k] = V::load_masked(tap_mask[k * n_seg + s], offset(irow, s * V::lanes + x_shift + k * dw));
#pragma GCC unroll 8
                for (int c = 0; c < CB; ++c) {
                    const vec g = V::load_masked(row_mask[s], grow + c * g_plane + s * V::lanes);
#pragma GCC unroll 4
                    for (int k = 0; k < NT; ++k) acc[k][c] = V::fmadd(v[k], g, acc[k][c]);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < NT; ++k) {
        float * p = partial + (((ci * t.KH + ky) * t.KW + kx0 + k) * grad.C + co0) * CGML_CONV_LANES;
#pragma GCC unroll 8
        for (int c = 0; c < CB; ++c, p += CGML_CONV_LANES) V::store(p, V::add(V::load(p), acc[k][c]));
    }
}

template <class V> using kernel_grad_fn = void (*)(const cgml_conv_image &, const cgml_conv_image &, const cgml_conv_taps &,
                                                   const segment_masks<V> &, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                                   float *);

// kernel_grad_block for CB = 1 .. sizeof(I)
template <class V, int NT, class I> struct kernel_grad_table;
template <class V, int NT, int... I> struct kernel_grad_table<V, NT, std::integer_sequence<int, I...>> {
    static constexpr kernel_grad_fn<V> fns[sizeof...(I)] = {&kernel_grad_block<V, NT, I + 1>...};
};

template <class V>
void kernel_grad(const cgml_conv_image & in, const cgml_conv_image & grad, const cgml_conv_taps & t, int64_t n0, int64_t n1,
                 float * partial) {
    // blocks of 3 taps x V::grad_channels: the accumulators, 3 input vectors and one gradient vector fill the registers
    typedef std::make_integer_sequence<int, V::grad_channels> channels;
    static const kernel_grad_fn<V> * const by_taps[3] = {kernel_grad_table<V, 1, channels>::fns, kernel_grad_table<V, 2, channels>::fns,
                                                         kernel_grad_table<V, 3, channels>::fns};
    const segment_masks<V> m(grad.W, in.W, t);
    // a few samples at a time: their inputs and gradients stay in the L2 cache while every block
    // of taps and channels sweeps them, and the accumulators stay in registers across them
    const int64_t sample_floats = in.C * in.H * in.W + grad.C * grad.H * grad.W;
    const int64_t chunk = std::max<int64_t>(1, (128 * 1024 / 4) / std::max<int64_t>(1, sample_floats));
    for (int64_t nc0 = n0; nc0 < n1; nc0 += chunk) {
        const int64_t nc1 = std::min(n1, nc0 + chunk);
        for (int64_t co0 = 0; co0 < grad.C; co0 += V::grad_channels) {
            const int64_t cb = std::min<int64_t>(V::grad_channels, grad.C - co0);
            for (int64_t ci = 0; ci < in.C; ++ci) {
                for (int64_t ky = 0; ky < t.KH; ++ky) {
                    for (int64_t kx0 = 0; kx0 < t.KW; kx0 += 3) {
                        const int64_t nt = std::min<int64_t>(3, t.KW - kx0);
                        by_taps[nt - 1][cb - 1](in, grad, t, m, nc0, nc1, ci, ky, kx0, co0, partial);
                    }
                }
            }
        }
    }
}

template <class V> constexpr cgml_conv2d_kernels kernels() {
    return {&correlate<V>, &kernel_grad<V>, &correlate_pool_bias_relu<V>};
}

} // namespace
