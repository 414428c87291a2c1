// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/opt_step.cpp.
//
// Optimizer steps that update a parameter in place (GGML_OP_OPT_STEP_ADAMW, GGML_OP_OPT_STEP_SGD).
// The result is a view of the parameter; computing it performs the update.
//
// AdamW, params F32 [7] = alpha, beta1, beta2, eps, wd, beta1h, beta2h:
//   m = beta1*m + (1 - beta1)*g
//   v = beta2*v + (1 - beta2)*g^2
//   a = a*(1 - alpha*wd) - alpha * (m*beta1h) / (sqrt(v*beta2h) + eps)
// where beta1h = 1/(1 - beta1^t) and beta2h = 1/(1 - beta2^t) are the bias corrections for step t.
// SGD, params F32 [2] = alpha, wd:
//   a = a*(1 - alpha*wd) - alpha*g

#include "core/ggml-impl.h"
#include "cpu/kernel-table.h"

#include <algorithm>
#include <cmath>

#if defined(__SSE2__)
#    include <immintrin.h>
#endif


namespace {

// Element i (in logical order) of t, honouring strides.
inline float & elem(const ggml_tensor * t, int64_t i) {
    int64_t i0, i1, i2, i3;
    ggml_unravel_index(t, i, &i0, &i1, &i2, &i3);
    return *(float *) ggml_element_ptr(t, i0, i1, i2, i3);
}

bool all_contiguous(const ggml_tensor * dst) {
    for (int i = 0; i < GGML_MAX_SRC && dst->src[i]; ++i) {
        if (!ggml_is_contiguous(dst->src[i])) return false;
    }
    return true;
}

void adamw_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    ggml_tensor * w_t = dst->src[0];
    const ggml_tensor * g_t = dst->src[1];
    ggml_tensor * m_t = dst->src[2];
    ggml_tensor * v_t = dst->src[3];
    const float * p = (const float *) dst->src[4]->data;
    const float alpha = p[0], beta1 = p[1], beta2 = p[2], eps = p[3], wd = p[4], beta1h = p[5], beta2h = p[6];
    const float keep = 1.0f - alpha * wd;

    int64_t i0, i1;
    ggml_split_rows(ggml_nelements(w_t), params->ith, params->nth, i0, i1);
    auto update = [&](float & w, float g, float & m, float & v) {
        m = m * beta1 + g * (1.0f - beta1);
        v = v * beta2 + g * g * (1.0f - beta2);
        const float mh = m * beta1h;
        const float vh = std::sqrt(v * beta2h) + eps;
        w = w * keep - alpha * mh / vh;
    };
    if (all_contiguous(dst)) {
        float * w = (float *) w_t->data;
        const float * g = (const float *) g_t->data;
        float * m = (float *) m_t->data;
        float * v = (float *) v_t->data;
        int64_t i = i0;
#if defined(__SSE2__)
        // Four at a time with the same operations in the same order as update(): the compiler
        // does not vectorize the scalar loop itself, because std::sqrt may set errno.
        const __m128 b1 = _mm_set1_ps(beta1), b1c = _mm_set1_ps(1.0f - beta1);
        const __m128 b2 = _mm_set1_ps(beta2), b2c = _mm_set1_ps(1.0f - beta2);
        const __m128 b1h = _mm_set1_ps(beta1h), b2h = _mm_set1_ps(beta2h), epsv = _mm_set1_ps(eps);
        const __m128 keepv = _mm_set1_ps(keep), alphav = _mm_set1_ps(alpha);
        for (; i + 4 <= i1; i += 4) {
            const __m128 gv = _mm_loadu_ps(g + i);
            const __m128 mv = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(m + i), b1), _mm_mul_ps(gv, b1c));
            const __m128 vv = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(v + i), b2), _mm_mul_ps(_mm_mul_ps(gv, gv), b2c));
            _mm_storeu_ps(m + i, mv);
            _mm_storeu_ps(v + i, vv);
            const __m128 mh = _mm_mul_ps(mv, b1h);
            const __m128 vh = _mm_add_ps(_mm_sqrt_ps(_mm_mul_ps(vv, b2h)), epsv);
            const __m128 wv = _mm_sub_ps(_mm_mul_ps(_mm_loadu_ps(w + i), keepv), _mm_div_ps(_mm_mul_ps(alphav, mh), vh));
            _mm_storeu_ps(w + i, wv);
        }
#endif
        for (; i < i1; ++i) update(w[i], g[i], m[i], v[i]);
    } else {
        for (int64_t i = i0; i < i1; ++i) update(elem(w_t, i), elem(g_t, i), elem(m_t, i), elem(v_t, i));
    }
}

void sgd_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    ggml_tensor * w_t = dst->src[0];
    const ggml_tensor * g_t = dst->src[1];
    const float * p = (const float *) dst->src[2]->data;
    const float alpha = p[0], wd = p[1];
    const float keep = 1.0f - alpha * wd;

    int64_t i0, i1;
    ggml_split_rows(ggml_nelements(w_t), params->ith, params->nth, i0, i1);
    if (all_contiguous(dst)) {
        float * w = (float *) w_t->data;
        const float * g = (const float *) g_t->data;
        for (int64_t i = i0; i < i1; ++i) w[i] = w[i] * keep - alpha * g[i];
    } else {
        for (int64_t i = i0; i < i1; ++i) {
            float & w = elem(w_t, i);
            w = w * keep - alpha * elem(g_t, i);
        }
    }
}

} // namespace

extern const cpu_kernel cpu_kernel_opt_step_adamw = {adamw_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_opt_step_sgd = {sgd_forward, nullptr, true, nullptr};
