// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/im2col.cpp.
//
// im2col (GGML_OP_IM2COL), its backward (GGML_OP_IM2COL_BACK) and ggml_conv_2d built on them.
//
// 2-D: kernel a [KW, KH, IC, OC] (only its shape is used), data b [IW, IH, IC, N]
//      -> [IC*KH*KW, OW, OH, N]; element (ikw + KW*(ikh + KH*iic), ow, oh, n) holds
//      b[ow*s0 + ikw*d0 - p0, oh*s1 + ikh*d1 - p1, iic, n], or 0 outside the input.
// 1-D: kernel a [KW, IC, OC], data b [IW, IC, N] -> [IC*KW, OW, N]; the same with KH = IH = OH = 1.
// Output sizes follow the convolution rule OW = (IW + 2*p0 - d0*(KW - 1) - 1) / s0 + 1.
//
// op_params of both ops: [0] s0, [1] s1, [2] p0, [3] p1, [4] d0, [5] d1, [6] is_2D (int32).

#include "core/ggml-impl.h"
#include "cpu/kernel-table.h"

#include <algorithm>
#include <vector>

namespace {

// The shapes and strides of one im2col, with the 1-D case mapped onto the 2-D one.
struct im2col_geometry {
    int s0, s1, p0, p1, d0, d1;
    bool is_2d;
    int64_t KW, KH, IC;
    int64_t IW, IH, N;
    int64_t OW, OH;
    // byte strides of the image tensor (input of im2col, output of im2col_back) along W, H, C, N
    size_t img_w, img_h, img_c, img_n;
    // byte strides of the column tensor (output of im2col, input of im2col_back) along K, OW, OH, N
    size_t col_k, col_w, col_h, col_n;
};

im2col_geometry make_geometry(const ggml_tensor * op, const ggml_tensor * kernel, const ggml_tensor * img,
                              const ggml_tensor * cols) {
    im2col_geometry g;
    g.s0 = op->op_params[0]; g.s1 = op->op_params[1];
    g.p0 = op->op_params[2]; g.p1 = op->op_params[3];
    g.d0 = op->op_params[4]; g.d1 = op->op_params[5];
    g.is_2d = op->op_params[6] != 0;
    g.KW = kernel->ne[0];
    g.IW = img->ne[0];
    g.OW = cols->ne[1];
    g.img_w = img->nb[0];
    g.col_k = cols->nb[0];
    g.col_w = cols->nb[1];
    if (g.is_2d) {
        g.KH = kernel->ne[1];
        g.IH = img->ne[1]; g.IC = img->ne[2]; g.N = img->ne[3];
        g.OH = cols->ne[2];
        g.img_h = img->nb[1]; g.img_c = img->nb[2]; g.img_n = img->nb[3];
        g.col_h = cols->nb[2]; g.col_n = cols->nb[3];
    } else {
        g.s1 = 1; g.p1 = 0; g.d1 = 1; // callers pass anything (often 0) for the unused dimension
        g.KH = 1;
        g.IH = 1; g.IC = img->ne[1]; g.N = img->ne[2];
        g.OH = 1;
        g.img_h = 0; g.img_c = img->nb[1]; g.img_n = img->nb[2];
        g.col_h = 0; g.col_n = cols->nb[2];
    }
    return g;
}

template <typename T> inline void store(char * p, float v);
template <> inline void store<float>(char * p, float v) { *(float *) p = v; }
template <> inline void store<ggml_fp16_t>(char * p, float v) { *(ggml_fp16_t *) p = ggml_fp32_to_fp16(v); }

// Fills output rows (ow, oh, n) in [r0, r1): each row is one receptive field, written in order.
template <typename DstT, typename SrcT>
void im2col_rows(const im2col_geometry & g, const ggml_tensor * img, ggml_tensor * cols, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t ow = r % g.OW, oh = (r / g.OW) % g.OH, n = r / (g.OW * g.OH);
        char * out = (char *) cols->data + ow * g.col_w + oh * g.col_h + n * g.col_n;
        const int64_t iw0 = ow * g.s0 - g.p0, ih0 = oh * g.s1 - g.p1;
        int64_t k = 0;
        for (int64_t ic = 0; ic < g.IC; ++ic) {
            const char * plane = (const char *) img->data + ic * g.img_c + n * g.img_n;
            for (int64_t kh = 0; kh < g.KH; ++kh) {
                const int64_t ih = ih0 + kh * g.d1;
                if (ih < 0 || ih >= g.IH) {
                    for (int64_t kw = 0; kw < g.KW; ++kw, ++k) store<DstT>(out + k * g.col_k, 0.0f);
                    continue;
                }
                const char * row = plane + ih * g.img_h;
                for (int64_t kw = 0; kw < g.KW; ++kw, ++k) {
                    const int64_t iw = iw0 + kw * g.d0;
                    float v = 0.0f;
                    if (iw >= 0 && iw < g.IW) {
                        v = sizeof(SrcT) == sizeof(float) ? *(const float *) (row + iw * g.img_w)
                                                          : ggml_fp16_to_fp32(*(const ggml_fp16_t *) (row + iw * g.img_w));
                    }
                    store<DstT>(out + k * g.col_k, v);
                }
            }
        }
    }
}

// The F32 case with unit element strides (what convolutions produce): typed pointers, counters
// instead of divisions per row, and no bounds checks for kernel rows inside the image.
void im2col_rows_f32_dense(const im2col_geometry & g, const ggml_tensor * img, ggml_tensor * cols, int64_t r0, int64_t r1) {
    if (r0 >= r1) return;
    int64_t ow = r0 % g.OW, oh = (r0 / g.OW) % g.OH, n = r0 / (g.OW * g.OH);
    const int64_t span = (g.KW - 1) * g.d0; // distance from a kernel row's first tap to its last
    const bool three_taps = g.KW == 3 && g.d0 == 1;
    for (int64_t r = r0; r < r1; ++r) {
        float * out = (float *) ((char *) cols->data + ow * g.col_w + oh * g.col_h + n * g.col_n);
        const int64_t iw0 = ow * g.s0 - g.p0, ih0 = oh * g.s1 - g.p1;
        const bool row_inside = iw0 >= 0 && iw0 + span < g.IW;
        for (int64_t ic = 0; ic < g.IC; ++ic) {
            const char * plane = (const char *) img->data + ic * g.img_c + n * g.img_n;
            for (int64_t kh = 0; kh < g.KH; ++kh, out += g.KW) {
                const int64_t ih = ih0 + kh * g.d1;
                if (ih < 0 || ih >= g.IH) {
                    for (int64_t kw = 0; kw < g.KW; ++kw) out[kw] = 0.0f;
                    continue;
                }
                const float * row = (const float *) (plane + ih * g.img_h);
                if (row_inside && three_taps) { // the 3x3 kernels of the MNIST CNN: no loop at all
                    out[0] = row[iw0];
                    out[1] = row[iw0 + 1];
                    out[2] = row[iw0 + 2];
                } else if (row_inside) {
                    for (int64_t kw = 0; kw < g.KW; ++kw) out[kw] = row[iw0 + kw * g.d0];
                } else {
                    for (int64_t kw = 0; kw < g.KW; ++kw) {
                        const int64_t iw = iw0 + kw * g.d0;
                        out[kw] = iw >= 0 && iw < g.IW ? row[iw] : 0.0f;
                    }
                }
            }
        }
        if (++ow == g.OW) {
            ow = 0;
            if (++oh == g.OH) { oh = 0; ++n; }
        }
    }
}

void im2col_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const im2col_geometry g = make_geometry(dst, dst->src[0], dst->src[1], dst);
    const ggml_tensor * img = dst->src[1];
    int64_t r0, r1;
    ggml_split_rows(g.OW * g.OH * g.N, params->ith, params->nth, r0, r1);
    const bool src_f32 = img->type == GGML_TYPE_F32;
    if (dst->type == GGML_TYPE_F32 && src_f32 && g.col_k == sizeof(float) && g.img_w == sizeof(float)) {
        im2col_rows_f32_dense(g, img, dst, r0, r1);
    } else if (dst->type == GGML_TYPE_F32) {
        if (src_f32) im2col_rows<float, float>(g, img, dst, r0, r1);
        else         im2col_rows<float, ggml_fp16_t>(g, img, dst, r0, r1);
    } else {
        if (src_f32) im2col_rows<ggml_fp16_t, float>(g, img, dst, r0, r1);
        else         im2col_rows<ggml_fp16_t, ggml_fp16_t>(g, img, dst, r0, r1);
    }
}

// The taps of one axis: for each input position, the (kernel offset, output position) pairs whose
// window reads it. Computed once per call, so the inner loops need no divisions or bounds checks.
struct axis_taps {
    std::vector<int32_t> start; // taps of position i: [start[i], start[i + 1])
    std::vector<int64_t> k, o;
    axis_taps(int64_t in, int64_t kernel, int64_t out, int s, int p, int d) {
        for (int64_t i = 0; i < in; ++i) {
            start.push_back((int32_t) k.size());
            for (int64_t kk = 0; kk < kernel; ++kk) {
                const int64_t t = i + p - kk * d; // = o*s when tap kk of output o reads position i
                if (t < 0 || t % s != 0 || t / s >= out) continue;
                k.push_back(kk);
                o.push_back(t / s);
            }
        }
        start.push_back((int32_t) k.size());
    }
};

// Sums, for every input element, the gradients of the column entries that copied it. Work is
// split by sample (or, with fewer samples than threads, by channel plane of each sample), so no
// two threads write the same element; channels are the inner loop, so a sample's columns are
// read a cache line at a time.
template <typename GradT>
void im2col_back_unit(const im2col_geometry & g, const axis_taps & tw, const axis_taps & th, const std::vector<int64_t> & w_off,
                      const ggml_tensor * grad, ggml_tensor * dst, int64_t n, int64_t ic0, int64_t ic1) {
    const int64_t nc = ic1 - ic0;
    float sums[64];
    const size_t ic_stride = (size_t) (g.KH * g.KW) * g.col_k;
    char * sample = (char *) dst->data + n * g.img_n;
    const char * gsample = (const char *) grad->data + n * g.col_n + ic0 * ic_stride;
    if (nc == 1) { // one channel: the sum stays in a register
        for (int64_t ih = 0; ih < g.IH; ++ih) {
            for (int64_t iw = 0; iw < g.IW; ++iw) {
                float sum = 0.0f;
                for (int32_t a = th.start[ih]; a < th.start[ih + 1]; ++a) {
                    const char * grow = gsample + th.o[a] * g.col_h + th.k[a] * g.KW * g.col_k;
                    for (int32_t b = tw.start[iw]; b < tw.start[iw + 1]; ++b) {
                        const char * gp = grow + w_off[b];
                        sum += sizeof(GradT) == sizeof(float) ? *(const float *) gp : ggml_fp16_to_fp32(*(const ggml_fp16_t *) gp);
                    }
                }
                *(float *) (sample + ic0 * g.img_c + ih * g.img_h + iw * g.img_w) = sum;
            }
        }
        return;
    }
    for (int64_t c0 = 0; c0 < nc; c0 += 64) {
        const int64_t cn = std::min<int64_t>(64, nc - c0);
        for (int64_t ih = 0; ih < g.IH; ++ih) {
            for (int64_t iw = 0; iw < g.IW; ++iw) {
                for (int64_t c = 0; c < cn; ++c) sums[c] = 0.0f;
                for (int32_t a = th.start[ih]; a < th.start[ih + 1]; ++a) {
                    const char * grow = gsample + c0 * ic_stride + th.o[a] * g.col_h + th.k[a] * g.KW * g.col_k;
                    for (int32_t b = tw.start[iw]; b < tw.start[iw + 1]; ++b) {
                        const char * gp = grow + w_off[b];
                        for (int64_t c = 0; c < cn; ++c, gp += ic_stride) {
                            sums[c] += sizeof(GradT) == sizeof(float) ? *(const float *) gp : ggml_fp16_to_fp32(*(const ggml_fp16_t *) gp);
                        }
                    }
                }
                char * out = sample + (ic0 + c0) * g.img_c + ih * g.img_h + iw * g.img_w;
                for (int64_t c = 0; c < cn; ++c) *(float *) (out + c * g.img_c) = sums[c];
            }
        }
    }
}

void im2col_back_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * grad = dst->src[1];
    const im2col_geometry g = make_geometry(dst, dst->src[0], dst, grad);
    const axis_taps tw(g.IW, g.KW, g.OW, g.s0, g.p0, g.d0);
    const axis_taps th(g.IH, g.KH, g.OH, g.s1, g.p1, g.d1);
    std::vector<int64_t> w_off(tw.k.size()); // byte offset of each W tap within a row of columns
    for (size_t j = 0; j < tw.k.size(); ++j) w_off[j] = tw.k[j] * (int64_t) g.col_k + tw.o[j] * (int64_t) g.col_w;

    const bool by_sample = g.N >= params->nth;
    const int64_t per_sample = by_sample ? 1 : g.IC;
    int64_t q0, q1;
    ggml_split_rows(g.N * per_sample, params->ith, params->nth, q0, q1);
    for (int64_t q = q0; q < q1; ++q) {
        const int64_t n = q / per_sample;
        const int64_t ic0 = by_sample ? 0 : q % per_sample, ic1 = by_sample ? g.IC : ic0 + 1;
        if (grad->type == GGML_TYPE_F32) im2col_back_unit<float>(g, tw, th, w_off, grad, dst, n, ic0, ic1);
        else                             im2col_back_unit<ggml_fp16_t>(g, tw, th, w_off, grad, dst, n, ic0, ic1);
    }
}

} // namespace

extern const cpu_kernel cpu_kernel_im2col = {im2col_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_im2col_back = {im2col_back_forward, nullptr, true, nullptr};
