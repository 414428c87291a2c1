// ggml_get_type_traits_cpu: per-type conversion from float and a plain dot product.

#include "core/ggml-impl.h"
#include "ggml-cpu.h"

static void f32_from_float(const float * x, void * y, int64_t n) { memcpy(y, x, (size_t) n * sizeof(float)); }
static void f16_from_float(const float * x, void * y, int64_t n) { ggml_fp32_to_fp16_row(x, (ggml_fp16_t *) y, n); }

// Accumulates in double so that the result is the correctly rounded sum for short vectors.
static void f32_vec_dot(int n, float * s, size_t bs, const void * x, size_t bx, const void * y, size_t by, int nrc) {
    (void) bs; (void) bx; (void) by;
    GGML_ASSERT(nrc == 1);
    const float * a = (const float *) x;
    const float * b = (const float *) y;
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += (double) a[i] * (double) b[i];
    *s = (float) sum;
}

static void f16_vec_dot(int n, float * s, size_t bs, const void * x, size_t bx, const void * y, size_t by, int nrc) {
    (void) bs; (void) bx; (void) by;
    GGML_ASSERT(nrc == 1);
    const ggml_fp16_t * a = (const ggml_fp16_t *) x;
    const ggml_fp16_t * b = (const ggml_fp16_t *) y;
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += (double) ggml_fp16_to_fp32(a[i]) * (double) ggml_fp16_to_fp32(b[i]);
    *s = (float) sum;
}

const ggml_type_traits_cpu * ggml_get_type_traits_cpu(ggml_type type) {
    static const ggml_type_traits_cpu f32  = {f32_from_float, f32_vec_dot, GGML_TYPE_F32, 1};
    static const ggml_type_traits_cpu f16  = {f16_from_float, f16_vec_dot, GGML_TYPE_F16, 1};
    static const ggml_type_traits_cpu none = {nullptr, nullptr, GGML_TYPE_COUNT, 1};
    switch (type) {
        case GGML_TYPE_F32: return &f32;
        case GGML_TYPE_F16: return &f16;
        default:            return &none;
    }
}
