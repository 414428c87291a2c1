// The direct convolution kernels of conv2d.h for WebAssembly SIMD (128-bit). The correlation
// (forward pass and input gradient) and the kernel gradient are this file's own: they work on
// zero-padded copies of each sample (see correlate_padded), which V8 runs much faster than the
// generic masked kernels (examples/mnist/web/README.md has the figures). The fused convolution +
// pooling of evaluation takes the generic kernel of conv2d-kernels.h with the vector type below:
// 4 pixels per vector and block sizes for 16 registers, as for AVX2. WebAssembly has neither
// masked loads nor a fused multiply-add: a mask is a lane-wide integer vector, a masked load a
// whole load with the lanes outside cleared (see load_masked), a masked store one or two lane
// stores, and a multiply-add is a multiply and an add.
//
// Built only where the compiler targets wasm SIMD (emcc -msimd128).

#include "cpu/conv2d.h"

#if defined(__wasm_simd128__)

#include <array>
#include <cfloat>
#include <utility>
#include <vector>
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

// ---------------------------------------------------------------------------------------------
// The correlation on a zero-padded copy of each sample. The generic kernel reads its input in
// place under lane masks: in V8's code the masks, the row checks and the accumulators did not fit
// the 16 vector registers together, and a block spilled. Here each sample's input is first copied
// into a buffer with the padding written out as zeros (rows above and below, columns left and
// right up to the last segment's farthest tap), so every tap is one plain load and a block keeps
// only its accumulators, one input vector per position and one broadcast weight in registers.

// One sample's input, padded: tap (kx, ky) of output (x, y) reads data[ci*plane + (y + ky*dh)*rs
// + x + kx*dw]; every such position exists and holds the input or zero.
struct padded_sample {
    float * data;
    int64_t rs, rows, plane;
};

// n floats from src to dst, a vector at a time (the copies' rows are 14 or 28 floats: a call to
// memcpy per row cost more than the copy)
inline void copy_floats(float * dst, const float * src, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(dst + i, wasm_v128_load(src + i));
    for (; i < n; ++i) dst[i] = src[i];
}

// n floats of zeros at dst, n a multiple of 4
inline void zero_vectors(float * dst, int64_t n) {
    for (int64_t i = 0; i < n; i += 4) wasm_v128_store(dst + i, wasm_f32x4_splat(0.0f));
}

void pad_sample(const cgml_conv_image & in, int64_t n, const cgml_conv_taps & t, padded_sample & p) {
    const float * sample = in.data + n * in.sample;
    // padded column px holds input column px - pw, padded row py input row py - ph
    const int64_t x0 = std::max<int64_t>(0, t.pw), x1 = std::min<int64_t>(p.rs, in.W + t.pw); // columns with input
    for (int64_t c = 0; c < in.C; ++c) {
        for (int64_t py = 0; py < p.rows; ++py) {
            float * dst = p.data + c * p.plane + py * p.rs;
            zero_vectors(dst, p.rs);
            const int64_t iy = py - t.ph;
            if (iy >= 0 && iy < in.H && x0 < x1) copy_floats(dst + x0, sample + c * in.plane + iy * in.row + (x0 - t.pw), x1 - x0);
        }
    }
}

// The padded geometry for an output of out_w x out_h: rows of whole vectors (for the zeroing)
// long enough for the last segment's farthest tap.
padded_sample padded_geometry(int64_t out_w, int64_t out_h, const cgml_conv_taps & t) {
    const int64_t n_seg = (out_w + 3) / 4;
    padded_sample ps;
    ps.data = nullptr;
    ps.rs = (n_seg * 4 + (t.KW - 1) * t.dw + 3) / 4 * 4;
    ps.rows = out_h + (t.KH - 1) * t.dh;
    ps.plane = ps.rs * ps.rows;
    return ps;
}

// NP output vectors (offsets off[p] into the padded sample) for NC output channels: the sums over
// the n_taps taps (input channel, ky, kx) in weight order, tap k reading the padded sample at
// tap_off[k] from the vector's offset, its NC weights at w + k*CO. One flat loop over the taps
// with 32-bit offsets: with the tap loops unrolled, clang kept all nine input vectors of a
// channel's taps live at once and computed every address in 64-bit multiplies, and V8 spilled.
template <int NC, int NP>
__attribute__((always_inline)) inline void padded_accumulate(const float * data, const int32_t * tap_off, int32_t n_taps,
                                                             const float * w, int32_t CO, const int64_t * off, v128_t (&acc)[NP][NC]) {
    const float * base[NP];
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) {
        base[p] = data + off[p];
#pragma GCC unroll 8
        for (int c = 0; c < NC; ++c) acc[p][c] = wasm_f32x4_splat(0.0f);
    }
    for (int32_t k = 0; k < n_taps; ++k, w += CO) {
        const int32_t d = tap_off[k];
        v128_t v[NP];
#pragma GCC unroll 2
        for (int p = 0; p < NP; ++p) v[p] = wasm_v128_load(base[p] + d);
#pragma GCC unroll 8
        for (int c = 0; c < NC; ++c) {
            const v128_t wc = wasm_v128_load32_splat(w + c);
#pragma GCC unroll 2
            for (int p = 0; p < NP; ++p) acc[p][c] = wasm_f32x4_add(wasm_f32x4_mul(v[p], wc), acc[p][c]);
        }
    }
}

// Where one output vector goes: its first pixel in channel co0 and its lanes inside the row.
struct padded_target {
    float * out;
    int     lanes;
};

inline void store_lanes(float * p, v128_t v, int lanes) {
    switch (lanes) {
        case 4: wasm_v128_store(p, v); return;
        case 3: wasm_v128_store64_lane(p, v, 0); wasm_v128_store32_lane(p + 2, v, 2); return;
        case 2: wasm_v128_store64_lane(p, v, 0); return;
        case 1: wasm_v128_store32_lane(p, v, 0); return;
        default: return;
    }
}

template <int NC, int NP>
void padded_block(const float * data, const int32_t * tap_off, int32_t n_taps, const float * w, int32_t CO, const int64_t * off,
                  const padded_target * dst, int64_t out_plane) {
    v128_t acc[NP][NC];
    padded_accumulate<NC, NP>(data, tap_off, n_taps, w, CO, off, acc);
#pragma GCC unroll 2
    for (int p = 0; p < NP; ++p) {
        float * o = dst[p].out;
        const int lanes = dst[p].lanes;
#pragma GCC unroll 8
        for (int c = 0; c < NC; ++c) store_lanes(o + c * out_plane, acc[p][c], lanes);
    }
}

typedef void (*padded_fn)(const float *, const int32_t *, int32_t, const float *, int32_t, const int64_t *, const padded_target *,
                          int64_t);

// Channels per block of two output vectors (one vector at a time only for a row range's odd end):
// 4 x 2 accumulators beat 8 x 1 (9 loads per 8 multiply-adds) by 6% of a CNN epoch.
constexpr int PAIR_NC = 4;

// padded_block for 1 .. PAIR_NC channels, NP output vectors each
template <int NP, int... I> constexpr std::array<padded_fn, sizeof...(I)> padded_row(std::integer_sequence<int, I...>) {
    return {{&padded_block<I + 1, NP>...}};
}
constexpr std::array<padded_fn, PAIR_NC> padded_pairs = padded_row<2>(std::make_integer_sequence<int, PAIR_NC>());
constexpr std::array<padded_fn, PAIR_NC> padded_singles = padded_row<1>(std::make_integer_sequence<int, PAIR_NC>());

void correlate_padded(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & t, int64_t r0,
                      int64_t r1) {
    if (r0 >= r1) return;
    constexpr int L = 4;
    const int64_t n_seg = (out.W + L - 1) / L;
    padded_sample ps = padded_geometry(out.W, out.H, t);
    // (a vector load at the last tap of the last segment ends inside the plane; the padded copy is
    // a few KiB per sample, rewritten for each sample this thread touches)
    std::vector<float> buf((size_t) (ps.plane * in.C));
    ps.data = buf.data();
    // the taps in weight order ((ci*KH + ky)*KW + kx) as offsets into the padded sample
    const int32_t n_taps = (int32_t) (in.C * t.KH * t.KW), CO = (int32_t) out.C;
    std::vector<int32_t> tap_off_v((size_t) n_taps);
    int32_t * tap_off = tap_off_v.data();
    for (int64_t ci = 0, k = 0; ci < in.C; ++ci)
        for (int64_t ky = 0; ky < t.KH; ++ky)
            for (int64_t kx = 0; kx < t.KW; ++kx, ++k) tap_off[k] = (int32_t) (ci * ps.plane + ky * t.dh * ps.rs + kx * t.dw);
    const int64_t out_plane = out.plane;
    // per output vector q = y*n_seg + s of a sample: its offset in the padded sample and in the
    // output plane, and its lanes inside the row (no divisions in the loops below)
    const int64_t nq = out.H * n_seg;
    std::vector<int64_t> offsets((size_t) (2 * nq));
    std::vector<int> lanes_v((size_t) nq);
    int64_t * poff = offsets.data();
    int64_t * ooff = poff + nq;
    int * lanes = lanes_v.data();
    for (int64_t y = 0, q = 0; y < out.H; ++y)
        for (int64_t s = 0; s < n_seg; ++s, ++q) {
            poff[q] = y * ps.rs + s * L;
            ooff[q] = y * out.row + s * L;
            lanes[q] = (int) std::min<int64_t>(L, out.W - s * L);
        }
    for (int64_t n = r0 / out.H; n * out.H < r1; ++n) {
        const int64_t y0 = std::max<int64_t>(r0 - n * out.H, 0), y1 = std::min<int64_t>(r1 - n * out.H, out.H);
        pad_sample(in, n, t, ps);
        float * out_sample = out.data + n * out.sample;
        const int64_t q0 = y0 * n_seg, q1 = y1 * n_seg;
        for (int64_t co0 = 0; co0 < out.C;) {
            const int64_t left = out.C - co0;
            float * o = out_sample + co0 * out_plane;
            int64_t q = q0;
            // two output vectors per block (8 accumulators, 6 loads per 8 multiply-adds)
            const int64_t nc = std::min<int64_t>(PAIR_NC, left);
            for (; q + 1 < q1; q += 2) {
                const padded_target d[2] = {{o + ooff[q], lanes[q]}, {o + ooff[q + 1], lanes[q + 1]}};
                padded_pairs[nc - 1](ps.data, tap_off, n_taps, w + co0, CO, poff + q, d, out_plane);
            }
            for (; q < q1; ++q) {
                const padded_target d = {o + ooff[q], lanes[q]};
                padded_singles[nc - 1](ps.data, tap_off, n_taps, w + co0, CO, poff + q, &d, out_plane);
            }
            co0 += nc;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The kernel gradient on padded copies of each sample's input (as for the correlation), the
// output gradient read in place: the pixel loops take plain loads and 32-bit pointer steps. In a
// row's last segment the lanes past the row's end are masked in the input and in the gradient,
// so that they add exact zeros as in the generic kernel, whatever the values there (an infinite
// or NaN input times a zero gradient would not).

// A gradient vector at p with the lanes outside m cleared: in place, the lanes past a row's end
// belong to the next row. A vector that would reach past the end of the module's memory (which
// only grows, so the size read once per call stays a safe bound) is gathered lane by lane.
inline v128_t load_grad_tail(const float * p, v128_t m, uintptr_t mem_end) {
    if (__builtin_expect((uintptr_t) (p + 4) <= mem_end, 1)) return wasm_v128_and(wasm_v128_load(p), m);
    alignas(16) float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    const int bits = wasm_i32x4_bitmask(m);
    for (int j = 0; j < 4; ++j)
        if (bits >> j & 1) t[j] = p[j];
    return wasm_v128_load(t);
}

// One segment of NT taps x CB gradient channels; TAIL: the row's last segment, masked by m.
template <int NT, int CB, bool TAIL>
__attribute__((always_inline)) inline void grad_segment(const float * ip, const float * gp, int32_t dw, int32_t g_plane, v128_t m,
                                                        uintptr_t mem_end, v128_t (&acc)[NT][CB]) {
    v128_t v[NT];
#pragma GCC unroll 3
    for (int k = 0; k < NT; ++k) {
        v[k] = wasm_v128_load(ip + k * dw);
        if (TAIL) v[k] = wasm_v128_and(v[k], m);
    }
#pragma GCC unroll 4
    for (int c = 0; c < CB; ++c) {
        const v128_t gv = TAIL ? load_grad_tail(gp + c * g_plane, m, mem_end) : wasm_v128_load(gp + c * g_plane);
#pragma GCC unroll 3
        for (int k = 0; k < NT; ++k) acc[k][c] = wasm_f32x4_add(wasm_f32x4_mul(v[k], gv), acc[k][c]);
    }
}

// NT taps (kx0 .. kx0+NT-1 of kernel row ky of input channel ci) x CB gradient channels over the
// samples of one chunk: their padded inputs (sample stride in_sample) and their gradients in
// place (strides g_sample, g_plane, gs). tail_mask: the lanes of a row's last segment inside it.
template <int NT, int CB>
void padded_grad_block(const float * in, int64_t in_sample, const float * g, int64_t g_sample, int64_t g_plane, int64_t n_samples,
                       int64_t OH, int64_t n_seg, int64_t rs, int64_t gs, int64_t dw, v128_t tail_mask, uintptr_t mem_end,
                       float * partial, int64_t partial_step) {
    v128_t acc[NT][CB];
#pragma GCC unroll 3
    for (int k = 0; k < NT; ++k)
#pragma GCC unroll 4
        for (int c = 0; c < CB; ++c) acc[k][c] = wasm_f32x4_splat(0.0f);
    const int32_t dw32 = (int32_t) dw, gp = (int32_t) g_plane, full = (int32_t) n_seg - 1;
    for (int64_t n = 0; n < n_samples; ++n) {
        const float * irow = in + n * in_sample;
        const float * grow = g + n * g_sample;
        for (int64_t y = 0; y < OH; ++y, irow += rs, grow += gs) {
            // the full segments unmasked, then the last one with its input and gradient masked
            for (int32_t s = 0; s < full; ++s) grad_segment<NT, CB, false>(irow + 4 * s, grow + 4 * s, dw32, gp, tail_mask, mem_end, acc);
            grad_segment<NT, CB, true>(irow + 4 * full, grow + 4 * full, dw32, gp, tail_mask, mem_end, acc);
        }
    }
#pragma GCC unroll 3
    for (int k = 0; k < NT; ++k)
#pragma GCC unroll 4
        for (int c = 0; c < CB; ++c) {
            float * p = partial + k * partial_step + c * CGML_CONV_LANES;
            wasm_v128_store(p, wasm_f32x4_add(wasm_v128_load(p), acc[k][c]));
        }
}

typedef void (*padded_grad_fn)(const float *, int64_t, const float *, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                               int64_t, v128_t, uintptr_t, float *, int64_t);

constexpr int GRAD_NT = 3, GRAD_CB = 3; // 9 accumulators, 3 input vectors and a gradient vector

template <int NT, int... I> constexpr std::array<padded_grad_fn, sizeof...(I)> grad_row(std::integer_sequence<int, I...>) {
    return {{&padded_grad_block<NT, I + 1>...}};
}
template <int... T> constexpr std::array<std::array<padded_grad_fn, GRAD_CB>, sizeof...(T)> grad_fns_of(std::integer_sequence<int, T...>) {
    return {{grad_row<T + 1>(std::make_integer_sequence<int, GRAD_CB>())...}};
}
constexpr std::array<std::array<padded_grad_fn, GRAD_CB>, GRAD_NT> padded_grad_fns = grad_fns_of(std::make_integer_sequence<int, GRAD_NT>());

void kernel_grad_padded(const cgml_conv_image & in, const cgml_conv_image & grad, const cgml_conv_taps & t, int64_t n0, int64_t n1,
                        float * partial) {
    if (n0 >= n1) return;
    constexpr int L = 4;
    const int64_t OW = grad.W, OH = grad.H, GC = grad.C, n_seg = (OW + L - 1) / L;
    padded_sample ps = padded_geometry(OW, OH, t);
    const int64_t in_sample = ps.plane * in.C;
    const uintptr_t mem_end = (uintptr_t) __builtin_wasm_memory_size(0) * 65536u;
    // a few samples at a time, so that their copies and gradients stay in the L2 cache while every
    // block of taps and channels sweeps them
    const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(n1 - n0, (128 * 1024 / 4) / (in_sample + GC * OH * OW)));
    std::vector<float> buf_v((size_t) (chunk * in_sample));
    float * buf = buf_v.data();
    const v128_t tail_mask = wasm_i32x4_lt(wasm_i32x4_make(0, 1, 2, 3), wasm_i32x4_splat((int32_t) (OW - (n_seg - 1) * L)));
    for (int64_t c0 = n0; c0 < n1; c0 += chunk) {
        const int64_t nc = std::min(chunk, n1 - c0);
        for (int64_t j = 0; j < nc; ++j) {
            ps.data = buf + j * in_sample;
            pad_sample(in, c0 + j, t, ps);
        }
        const float * g = grad.data + c0 * grad.sample;
        for (int64_t co0 = 0; co0 < GC; co0 += GRAD_CB) {
            const int64_t cb = std::min<int64_t>(GRAD_CB, GC - co0);
            for (int64_t ci = 0; ci < in.C; ++ci)
                for (int64_t ky = 0; ky < t.KH; ++ky)
                    for (int64_t kx0 = 0; kx0 < t.KW; kx0 += GRAD_NT) {
                        const int64_t nt = std::min<int64_t>(GRAD_NT, t.KW - kx0);
                        const float * ip = buf + ci * ps.plane + ky * t.dh * ps.rs + kx0 * t.dw;
                        float * p = partial + (((ci * t.KH + ky) * t.KW + kx0) * GC + co0) * CGML_CONV_LANES;
                        padded_grad_fns[nt - 1][cb - 1](ip, in_sample, g + co0 * grad.plane, grad.sample, grad.plane, nc, OH, n_seg,
                                                        ps.rs, grad.row, t.dw, tail_mask, mem_end, p, GC * CGML_CONV_LANES);
                    }
        }
    }
}

} // namespace

const cgml_conv2d_kernels cgml_conv2d_kernels_wasm_simd = {&correlate_padded, &kernel_grad_padded,
                                                           &correlate_pool_bias_relu<wasm_simd>};

#else

const cgml_conv2d_kernels cgml_conv2d_kernels_wasm_simd = {nullptr, nullptr, nullptr};

#endif
