// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/pool.cpp.
//
// 2-D pooling over dims 0 and 1 (GGML_OP_POOL_2D) and its backward (GGML_OP_POOL_2D_BACK).
//
// op_params of both: [0] ggml_op_pool, [1] k0, [2] k1, [3] s0, [4] s1, [5] p0, [6] p1 (int32).
// As in ggml, the padding is a float only in the output size rule
//   out = (int64_t) ((in + 2*p - k) / s + 1)      (evaluated in float)
// and is stored (and applied) truncated to an integer. Windows skip positions outside the
// input; average pooling divides by the full window size k0*k1 (padding counts as zeros). Max
// pooling starts from -FLT_MAX and keeps the first maximum in scan order, which is also the
// position its backward routes the gradient to.

#include "core/ggml-impl.h"
#include "cpu/kernel-table.h"
#include "ops/pool-params.h"

#include <algorithm>
#include <cfloat>

#if defined(__SSE2__)
#    include <immintrin.h>
#endif

namespace {

template <typename T> inline float load(const char * p);
template <> inline float load<float>(const char * p) { return *(const float *) p; }
template <> inline float load<ggml_fp16_t>(const char * p) { return ggml_fp16_to_fp32(*(const ggml_fp16_t *) p); }

// The common 2x2 window with stride 2 and no padding on contiguous F32 planes: rows are read
// directly, with no window clipping. Same comparisons and summation order as the general loops.
// (Float padding below 1 gives an extra, clipped output column or row; that case is excluded.)
bool is_pool_2x2(const pool_params & pp, const ggml_tensor * x, const ggml_tensor * pooled, const ggml_tensor * other) {
    return pp.k0 == 2 && pp.k1 == 2 && pp.s0 == 2 && pp.s1 == 2 && pp.p0 == 0 && pp.p1 == 0 &&
           2 * pooled->ne[0] <= x->ne[0] && 2 * pooled->ne[1] <= x->ne[1] &&
           x->type == GGML_TYPE_F32 && ggml_is_contiguous(x) && ggml_is_contiguous(other);
}

#if defined(__SSE2__)
// The four corners of four 2x2 windows whose top rows start at r0 and bottom rows at r1 (input
// columns 0 .. 7): a top-left, b top-right, e bottom-left, f bottom-right, one window per lane.
struct windows_2x2 {
    __m128 a, b, e, f;
};

inline windows_2x2 load_windows_2x2(const float * r0, const float * r1) {
    const __m128 r0lo = _mm_loadu_ps(r0), r0hi = _mm_loadu_ps(r0 + 4);
    const __m128 r1lo = _mm_loadu_ps(r1), r1hi = _mm_loadu_ps(r1 + 4);
    return {_mm_shuffle_ps(r0lo, r0hi, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(r0lo, r0hi, _MM_SHUFFLE(3, 1, 3, 1)),
            _mm_shuffle_ps(r1lo, r1hi, _MM_SHUFFLE(2, 0, 2, 0)), _mm_shuffle_ps(r1lo, r1hi, _MM_SHUFFLE(3, 1, 3, 1))};
}

// Four 2x2 windows with the scalar loop's operations in its order: max keeps the running value
// on ties and NaNs (_mm_max_ps returns its second operand then, as std::max(res, v) returns res),
// the average sums from 0 left to right.
template <bool IS_MAX>
inline __m128 pool_2x2_4windows(const float * r0, const float * r1) {
    const windows_2x2 w = load_windows_2x2(r0, r1);
    if (IS_MAX) {
        return _mm_max_ps(w.f, _mm_max_ps(w.e, _mm_max_ps(w.b, _mm_max_ps(w.a, _mm_set1_ps(-FLT_MAX)))));
    }
    const __m128 sum = _mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_add_ps(_mm_setzero_ps(), w.a), w.b), w.e), w.f);
    return _mm_div_ps(sum, _mm_set1_ps(4.0f));
}

// One output row of OW >= 4 windows, four at a time; the last OW % 4 windows are computed as the
// row's last four (recomputing a few with the same result) instead of by a scalar tail.
template <bool IS_MAX>
void pool_2x2_row(const float * r0, const float * r1, float * out, int64_t OW) {
    int64_t ox = 0;
    for (; ox + 4 <= OW; ox += 4) _mm_storeu_ps(out + ox, pool_2x2_4windows<IS_MAX>(r0 + 2 * ox, r1 + 2 * ox));
    if (ox < OW) _mm_storeu_ps(out + OW - 4, pool_2x2_4windows<IS_MAX>(r0 + 2 * (OW - 4), r1 + 2 * (OW - 4)));
}
#endif

void pool_2d_2x2(const ggml_compute_params * params, ggml_tensor * dst, const pool_params & pp) {
    const ggml_tensor * src = dst->src[0];
    const int64_t IW = src->ne[0], IH = src->ne[1], OW = dst->ne[0], OH = dst->ne[1];
    const bool is_max = pp.op == GGML_OP_POOL_MAX;
    int64_t q0, q1;
    ggml_split_rows(src->ne[2] * src->ne[3], params->ith, params->nth, q0, q1);
    for (int64_t q = q0; q < q1; ++q) {
        const float * plane = (const float *) src->data + q * IW * IH;
        float * out = (float *) dst->data + q * OW * OH;
        for (int64_t oy = 0; oy < OH; ++oy, out += OW) {
            const float * r0 = plane + 2 * oy * IW;
            const float * r1 = r0 + IW;
#if defined(__SSE2__)
            if (OW >= 4) {
                if (is_max) pool_2x2_row<true>(r0, r1, out, OW);
                else        pool_2x2_row<false>(r0, r1, out, OW);
                continue;
            }
#endif
            if (is_max) {
                for (int64_t ox = 0; ox < OW; ++ox) {
                    float res = std::max(-FLT_MAX, r0[2 * ox]);
                    res = std::max(res, r0[2 * ox + 1]);
                    res = std::max(res, r1[2 * ox]);
                    out[ox] = std::max(res, r1[2 * ox + 1]);
                }
            } else {
                for (int64_t ox = 0; ox < OW; ++ox) {
                    out[ox] = (((0.0f + r0[2 * ox]) + r0[2 * ox + 1]) + r1[2 * ox]) + r1[2 * ox + 1];
                    out[ox] /= 4.0f;
                }
            }
        }
    }
}

// One (channel, sample) plane per unit of work: planes are independent in both directions.
template <typename SrcT>
void pool_2d_planes(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * src = dst->src[0];
    const pool_params pp = get_pool_params(dst);
    if (is_pool_2x2(pp, src, dst, dst)) {
        pool_2d_2x2(params, dst, pp);
        return;
    }
    const int64_t IW = src->ne[0], IH = src->ne[1], C = src->ne[2];
    const int64_t OW = dst->ne[0], OH = dst->ne[1];
    const size_t sw = src->nb[0], sh = src->nb[1], dw = dst->nb[0], dh = dst->nb[1];
    const float area = (float) (pp.k0 * pp.k1);
    int64_t q0, q1;
    ggml_split_rows(C * src->ne[3], params->ith, params->nth, q0, q1);
    for (int64_t q = q0; q < q1; ++q) {
        const int64_t ic = q % C, in = q / C;
        const char * plane = (const char *) src->data + ic * src->nb[2] + in * src->nb[3];
        char * out_plane = (char *) dst->data + ic * dst->nb[2] + in * dst->nb[3];
        for (int64_t oy = 0; oy < OH; ++oy) {
            const int64_t iy0 = oy * pp.s1 - pp.p1;
            const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min<int64_t>(pp.k1, IH - iy0);
            for (int64_t ox = 0; ox < OW; ++ox) {
                const int64_t ix0 = ox * pp.s0 - pp.p0;
                const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min<int64_t>(pp.k0, IW - ix0);
                float res;
                if (pp.op == GGML_OP_POOL_MAX) {
                    res = -FLT_MAX;
                    for (int64_t ky = ky0; ky < ky1; ++ky) {
                        const char * row = plane + (iy0 + ky) * sh;
                        for (int64_t kx = kx0; kx < kx1; ++kx) res = std::max(res, load<SrcT>(row + (ix0 + kx) * sw));
                    }
                } else {
                    res = 0.0f;
                    for (int64_t ky = ky0; ky < ky1; ++ky) {
                        const char * row = plane + (iy0 + ky) * sh;
                        for (int64_t kx = kx0; kx < kx1; ++kx) res += load<SrcT>(row + (ix0 + kx) * sw);
                    }
                    res /= area;
                }
                *(float *) (out_plane + ox * dw + oy * dh) = res;
            }
        }
    }
}

void pool_2d_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    if (dst->src[0]->type == GGML_TYPE_F32) pool_2d_planes<float>(params, dst);
    else                                    pool_2d_planes<ggml_fp16_t>(params, dst);
}

#if defined(__SSE2__)
// Max-pooling gradient of four 2x2 windows (input columns c .. c+7 of rows x0 and x1, gradients
// g), without branches (where the maximum sits is unpredictable): the same strict comparisons in
// the same scan order as the scalar loop, so the first maximum gets the gradient and the others
// exact zeros.
inline void pool_max_back_2x2_4windows(const float * x0, const float * x1, __m128 g, float * d0, float * d1) {
    const windows_2x2 w = load_windows_2x2(x0, x1);
    const __m128 a = w.a, b = w.b, e = w.e, f = w.f;
    __m128 best = _mm_set1_ps(-FLT_MAX);
    const __m128 ma = _mm_cmpgt_ps(a, best);
    best = _mm_or_ps(_mm_and_ps(ma, a), _mm_andnot_ps(ma, best));
    const __m128 mb = _mm_cmpgt_ps(b, best);
    best = _mm_or_ps(_mm_and_ps(mb, b), _mm_andnot_ps(mb, best));
    const __m128 me = _mm_cmpgt_ps(e, best);
    best = _mm_or_ps(_mm_and_ps(me, e), _mm_andnot_ps(me, best));
    const __m128 mf = _mm_cmpgt_ps(f, best);
    // the last position that beat the running maximum is the first maximum
    const __m128 wf = mf;
    const __m128 we = _mm_andnot_ps(wf, me);
    const __m128 wb = _mm_andnot_ps(_mm_or_ps(wf, me), mb);
    const __m128 wa = _mm_andnot_ps(_mm_or_ps(_mm_or_ps(wf, me), mb), ma);
    const __m128 ga = _mm_and_ps(wa, g), gb = _mm_and_ps(wb, g), ge = _mm_and_ps(we, g), gf = _mm_and_ps(wf, g);
    _mm_storeu_ps(d0, _mm_unpacklo_ps(ga, gb));
    _mm_storeu_ps(d0 + 4, _mm_unpackhi_ps(ga, gb));
    _mm_storeu_ps(d1, _mm_unpacklo_ps(ge, gf));
    _mm_storeu_ps(d1 + 4, _mm_unpackhi_ps(ge, gf));
}

// The max-pooling gradient of one pair of input rows (OW windows), four windows at a time. The
// last OW % 4 windows are done as the last four windows of the row, recomputing a few (with the
// same result): scalar code would branch on every comparison, and in the narrow rows of small
// images (7 or 14 windows) those mispredictions dominated. Rows of fewer than four windows go
// through padded copies.
void pool_max_back_2x2_row(const float * x0, const float * x1, const char * grow, size_t gs0, float * d0, float * d1, int64_t OW) {
    auto grad_at = [&](int64_t ox) { return *(const float *) (grow + ox * gs0); };
    auto four_windows = [&](int64_t ox) {
        const __m128 g = gs0 == sizeof(float) ? _mm_loadu_ps((const float *) (grow + ox * gs0))
                                              : _mm_setr_ps(grad_at(ox), grad_at(ox + 1), grad_at(ox + 2), grad_at(ox + 3));
        pool_max_back_2x2_4windows(x0 + 2 * ox, x1 + 2 * ox, g, d0 + 2 * ox, d1 + 2 * ox);
    };
    if (OW >= 4) {
        int64_t ox = 0;
        for (; ox + 4 <= OW; ox += 4) four_windows(ox);
        if (ox < OW) four_windows(OW - 4);
        return;
    }
    // padding windows hold -FLT_MAX, which beats nothing, so they route their zero gradient nowhere
    float px0[8], px1[8], pg[4] = {0.0f, 0.0f, 0.0f, 0.0f}, pd0[8], pd1[8];
    for (int j = 0; j < 8; ++j) {
        px0[j] = j < 2 * OW ? x0[j] : -FLT_MAX;
        px1[j] = j < 2 * OW ? x1[j] : -FLT_MAX;
    }
    for (int j = 0; j < OW; ++j) pg[j] = grad_at(j);
    pool_max_back_2x2_4windows(px0, px1, _mm_loadu_ps(pg), pd0, pd1);
    for (int j = 0; j < 2 * OW; ++j) {
        d0[j] = pd0[j];
        d1[j] = pd1[j];
    }
}
#endif

// pool_2d_back for the 2x2, stride 2 case (see is_pool_2x2): windows do not overlap, so every
// input element is written once, by the window that covers it; uncovered edges stay zero.
void pool_2d_back_2x2(const ggml_compute_params * params, ggml_tensor * dst, const pool_params & pp) {
    const ggml_tensor * grad = dst->src[0];
    const ggml_tensor * x = dst->src[1];
    const int64_t IW = dst->ne[0], IH = dst->ne[1], C = dst->ne[2], OW = grad->ne[0], OH = grad->ne[1];
    const size_t gs0 = grad->nb[0], gs1 = grad->nb[1];
    const bool is_max = pp.op == GGML_OP_POOL_MAX;
    int64_t q0, q1;
    ggml_split_rows(dst->ne[2] * dst->ne[3], params->ith, params->nth, q0, q1);
    for (int64_t q = q0; q < q1; ++q) {
        const float * xplane = (const float *) x->data + q * IW * IH;
        // the gradient may be a strided view (it often comes back through a permute)
        const char * gplane = (const char *) grad->data + (q % C) * grad->nb[2] + (q / C) * grad->nb[3];
        float * dplane = (float *) dst->data + q * IW * IH;
        if (IW != 2 * OW || IH != 2 * OH) memset(dplane, 0, IW * IH * sizeof(float));
        for (int64_t oy = 0; oy < OH; ++oy) {
            const char * grow = gplane + oy * gs1;
            const float * x0 = xplane + 2 * oy * IW;
            const float * x1 = x0 + IW;
            float * d0 = dplane + 2 * oy * IW;
            float * d1 = d0 + IW;
            int64_t ox = 0;
#if defined(__SSE2__)
            if (is_max) {
                pool_max_back_2x2_row(x0, x1, grow, gs0, d0, d1, OW);
                ox = OW;
            }
#endif
            for (; ox < OW; ++ox) {
                const int64_t c = 2 * ox;
                const float gv = *(const float *) (grow + ox * gs0);
                if (is_max) {
                    // the first maximum in scan order gets the gradient, as in the general loop
                    float best = -FLT_MAX;
                    int which = -1;
                    if (x0[c] > best)     { best = x0[c];     which = 0; }
                    if (x0[c + 1] > best) { best = x0[c + 1]; which = 1; }
                    if (x1[c] > best)     { best = x1[c];     which = 2; }
                    if (x1[c + 1] > best) { best = x1[c + 1]; which = 3; }
                    d0[c]     = which == 0 ? gv : 0.0f;
                    d0[c + 1] = which == 1 ? gv : 0.0f;
                    d1[c]     = which == 2 ? gv : 0.0f;
                    d1[c + 1] = which == 3 ? gv : 0.0f;
                } else {
                    const float share = gv / 4.0f;
                    d0[c] = share;
                    d0[c + 1] = share;
                    d1[c] = share;
                    d1[c + 1] = share;
                }
            }
        }
    }
}

// src0 = gradient of the pooled result, src1 = the pooling's input. Each thread zeroes and fills
// whole planes of dst, so the scatter of overlapping windows never crosses threads.
template <typename SrcT>
void pool_2d_back_planes(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * grad = dst->src[0];
    const ggml_tensor * x = dst->src[1];
    const pool_params pp = get_pool_params(dst);
    if (is_pool_2x2(pp, x, grad, dst)) {
        pool_2d_back_2x2(params, dst, pp);
        return;
    }
    const int64_t IW = dst->ne[0], IH = dst->ne[1], C = dst->ne[2];
    const int64_t OW = grad->ne[0], OH = grad->ne[1];
    // strides as locals: the stores through float pointers below could otherwise alias them
    const size_t d0 = dst->nb[0], d1 = dst->nb[1], x0 = x->nb[0], x1 = x->nb[1], g0 = grad->nb[0], g1 = grad->nb[1];
    const float area = (float) (pp.k0 * pp.k1);
    const bool is_max = pp.op == GGML_OP_POOL_MAX;
    int64_t q0, q1;
    ggml_split_rows(C * dst->ne[3], params->ith, params->nth, q0, q1);
    for (int64_t q = q0; q < q1; ++q) {
        const int64_t ic = q % C, in = q / C;
        char * dplane = (char *) dst->data + ic * dst->nb[2] + in * dst->nb[3];
        const char * xplane = (const char *) x->data + ic * x->nb[2] + in * x->nb[3];
        const char * gplane = (const char *) grad->data + ic * grad->nb[2] + in * grad->nb[3];
        for (int64_t iy = 0; iy < IH; ++iy) {
            char * drow = dplane + iy * d1;
            if (d0 == sizeof(float)) memset(drow, 0, IW * sizeof(float));
            else for (int64_t ix = 0; ix < IW; ++ix) *(float *) (drow + ix * d0) = 0.0f;
        }
        for (int64_t oy = 0; oy < OH; ++oy) {
            const int64_t iy0 = oy * pp.s1 - pp.p1;
            const int64_t ky0 = std::max<int64_t>(0, -iy0), ky1 = std::min<int64_t>(pp.k1, IH - iy0);
            for (int64_t ox = 0; ox < OW; ++ox) {
                const int64_t ix0 = ox * pp.s0 - pp.p0;
                const int64_t kx0 = std::max<int64_t>(0, -ix0), kx1 = std::min<int64_t>(pp.k0, IW - ix0);
                const float g = *(const float *) (gplane + ox * g0 + oy * g1);
                if (is_max) {
                    // Where the maximum sits is unpredictable, so it is tracked with masks rather
                    // than branches: best_off is the byte offset of the maximum in dst's plane.
                    float best = -FLT_MAX;
                    int64_t best_off = -1;
                    for (int64_t ky = ky0; ky < ky1; ++ky) {
                        const char * row = xplane + (iy0 + ky) * x1;
                        for (int64_t kx = kx0; kx < kx1; ++kx) {
                            const float v = load<SrcT>(row + (ix0 + kx) * x0);
                            const int64_t mask = -(int64_t) (v > best);
                            const int64_t off = (int64_t) ((iy0 + ky) * d1 + (ix0 + kx) * d0);
                            best_off = (best_off & ~mask) | (off & mask);
                            best = std::max(best, v);
                        }
                    }
                    if (best_off >= 0) *(float *) (dplane + best_off) += g;
                } else {
                    const float share = g / area;
                    for (int64_t ky = ky0; ky < ky1; ++ky) {
                        char * drow = dplane + (iy0 + ky) * d1;
                        for (int64_t kx = kx0; kx < kx1; ++kx) *(float *) (drow + (ix0 + kx) * d0) += share;
                    }
                }
            }
        }
    }
}

void pool_2d_back_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    if (dst->src[1]->type == GGML_TYPE_F32) pool_2d_back_planes<float>(params, dst);
    else                                    pool_2d_back_planes<ggml_fp16_t>(params, dst);
}
} // namespace

extern const cpu_kernel cpu_kernel_pool_2d = {pool_2d_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_pool_2d_back = {pool_2d_back_forward, nullptr, true, nullptr};
