// Reference direct 2-D convolutions and their gradients (see reference-kernels.h; the formulas
// are in src/cpu/kernels/conv_2d.cpp).

#include "ops/conv_2d-params.h"
#include "reference/reference-kernels.h"

// Element (i0, i1, i2, i3) of a float tensor, as float.
static float at(const ggml_tensor * t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    return ggml_load_float(ggml_element_ptr(t, i0, i1, i2, i3), t->type);
}

// Y = conv(K, X): rows (oh, oc, n) of Y split among threads.
void ggml_reference_conv_2d(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * kernel = dst->src[0];
    const ggml_tensor * x = dst->src[1];
    const conv_params c = params_of(dst);
    const conv_shape sh = shape_of(kernel->ne, x->ne, c);
    int64_t r0, r1;
    ggml_split_rows(sh.N * sh.OC * sh.OH, params->ith, params->nth, r0, r1);
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t oh = r % sh.OH, oc = (r / sh.OH) % sh.OC, n = r / (sh.OH * sh.OC);
        float * out = (float *) ggml_element_ptr(dst, 0, oh, oc, n);
        for (int64_t ow = 0; ow < sh.OW; ++ow) out[ow] = 0.0f;
        for (int64_t ic = 0; ic < sh.IC; ++ic) {
            for (int64_t kh = 0; kh < sh.KH; ++kh) {
                const int64_t ih = oh * c.s1 + kh * c.d1 - c.p1;
                if (ih < 0 || ih >= sh.IH) continue;
                for (int64_t kw = 0; kw < sh.KW; ++kw) {
                    const float w = at(kernel, kw, kh, ic, oc);
                    for (int64_t ow = 0; ow < sh.OW; ++ow) {
                        const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0;
                        if (iw >= 0 && iw < sh.IW) out[ow] += w * at(x, iw, ih, ic, n);
                    }
                }
            }
        }
    }
}

// dX: each input pixel gathers the gradients of the outputs whose taps read it; rows (ih, ic, n)
// of dX split among threads.
void ggml_reference_conv_2d_back_input(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * kernel = dst->src[0];
    const ggml_tensor * grad = dst->src[1];
    const conv_params c = params_of(dst);
    const conv_shape sh = shape_of(kernel->ne, dst->ne, c);
    int64_t r0, r1;
    ggml_split_rows(sh.N * sh.IC * sh.IH, params->ith, params->nth, r0, r1);
    for (int64_t r = r0; r < r1; ++r) {
        const int64_t ih = r % sh.IH, ic = (r / sh.IH) % sh.IC, n = r / (sh.IH * sh.IC);
        float * out = (float *) ggml_element_ptr(dst, 0, ih, ic, n);
        for (int64_t iw = 0; iw < sh.IW; ++iw) out[iw] = 0.0f;
        for (int64_t oc = 0; oc < sh.OC; ++oc) {
            for (int64_t kh = 0; kh < sh.KH; ++kh) {
                const int64_t t = ih + c.p1 - kh * c.d1; // = oh*s1 for the output row whose tap kh reads row ih
                if (t < 0 || t % c.s1 != 0 || t / c.s1 >= sh.OH) continue;
                const int64_t oh = t / c.s1;
                for (int64_t kw = 0; kw < sh.KW; ++kw) {
                    const float w = at(kernel, kw, kh, ic, oc);
                    for (int64_t ow = 0; ow < sh.OW; ++ow) {
                        const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0;
                        if (iw >= 0 && iw < sh.IW) out[iw] += w * at(grad, ow, oh, oc, n);
                    }
                }
            }
        }
    }
}

// dK: every kernel element is a sum over all samples and output positions; elements split among
// threads.
void ggml_reference_conv_2d_back_kernel(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * x = dst->src[0];
    const ggml_tensor * grad = dst->src[1];
    const conv_params c = params_of(dst);
    const int64_t n_el = ggml_nelements(dst);
    const conv_shape sh = shape_of(dst->ne, x->ne, c);
    int64_t e0, e1;
    ggml_split_rows(n_el, params->ith, params->nth, e0, e1);
    for (int64_t e = e0; e < e1; ++e) {
        const int64_t kw = e % sh.KW, kh = (e / sh.KW) % sh.KH, ic = (e / (sh.KW * sh.KH)) % sh.IC, oc = e / (sh.KW * sh.KH * sh.IC);
        float sum = 0.0f;
        for (int64_t n = 0; n < sh.N; ++n) {
            for (int64_t oh = 0; oh < sh.OH; ++oh) {
                const int64_t ih = oh * c.s1 + kh * c.d1 - c.p1;
                if (ih < 0 || ih >= sh.IH) continue;
                for (int64_t ow = 0; ow < sh.OW; ++ow) {
                    const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0;
                    if (iw >= 0 && iw < sh.IW) sum += at(x, iw, ih, ic, n) * at(grad, ow, oh, oc, n);
                }
            }
        }
        *(float *) ggml_element_ptr(dst, kw, kh, ic, oc) = sum;
    }
}
