// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/softmax.cpp.
//
// Row-wise softmax (GGML_OP_SOFT_MAX) and its backward (GGML_OP_SOFT_MAX_BACK).
//
// op_params of both: [0] scale (float), [1] max_bias (float). The public API only builds plain
// softmax (scale 1, no ALiBi bias), so the kernels support exactly that.

#include "core/ggml-impl.h"
#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"

#include <algorithm>
#include <cfloat>
#include <cmath>


namespace {


// Pointer to element 0 of row r (rows numbered over dims 1..3) of t.
inline char * row_ptr(const ggml_tensor * t, int64_t r) {
    int64_t i1, i2, i3;
    ggml_row_index(t, r, i1, i2, i3);
    return (char *) ggml_element_ptr(t, 0, i1, i2, i3);
}


// y = softmax(scale * x) per row; the exponentials are summed in double so that long rows lose
// no precision. The max is subtracted first so no exponential overflows.
void soft_max_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * src = dst->src[0];
    const float scale = ggml_get_op_params_f32(dst, 0);
    const int64_t nc = src->ne[0];
    const size_t sx = src->nb[0], sy = dst->nb[0];
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(src), params->ith, params->nth, r0, r1);
    for (int64_t r = r0; r < r1; ++r) {
        const char * x = row_ptr(src, r);
        char * y = row_ptr(dst, r);
        float max = -INFINITY;
        for (int64_t i = 0; i < nc; ++i) max = std::max(max, scale * *(const float *) (x + i * sx));
        double sum = 0.0;
        for (int64_t i = 0; i < nc; ++i) {
            const float e = std::exp(scale * *(const float *) (x + i * sx) - max);
            *(float *) (y + i * sy) = e;
            sum += e;
        }
        const float inv = (float) (1.0 / sum);
        for (int64_t i = 0; i < nc; ++i) *(float *) (y + i * sy) *= inv;
    }
}

// dx = scale * y * (dy - sum_j y_j dy_j), per row; src0 = dy, src1 = y.
void soft_max_back_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * dy_t = dst->src[0];
    const ggml_tensor * y_t = dst->src[1];
    const float scale = ggml_get_op_params_f32(dst, 0);
    const int64_t nc = dst->ne[0];
    const size_t sdy = dy_t->nb[0], sy = y_t->nb[0], sdx = dst->nb[0];
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(dst), params->ith, params->nth, r0, r1);
    for (int64_t r = r0; r < r1; ++r) {
        const char * dy = row_ptr(dy_t, r);
        const char * y = row_ptr(y_t, r);
        char * dx = row_ptr(dst, r);
        double dot = 0.0;
        for (int64_t i = 0; i < nc; ++i) dot += (double) *(const float *) (y + i * sy) * *(const float *) (dy + i * sdy);
        const float fdot = (float) dot;
        for (int64_t i = 0; i < nc; ++i) {
            const float yi = *(const float *) (y + i * sy);
            const float dyi = *(const float *) (dy + i * sdy);
            *(float *) (dx + i * sdx) = scale * yi * (dyi - fdot);
        }
    }
}

} // namespace

extern const cpu_kernel cpu_kernel_soft_max = {soft_max_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_soft_max_back = {soft_max_back_forward, nullptr, true, nullptr};
