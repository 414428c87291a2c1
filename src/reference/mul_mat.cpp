// Reference matrix products (see reference-kernels.h).

#include "ops/mul_mat-layout.h"
#include "reference/reference-kernels.h"

// Columns of dst split among threads.
void ggml_reference_product(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const product_layout l = product_layout_of(dst);
    const int64_t n_cols = l.N * dst->ne[2] * dst->ne[3];
    const int64_t c0 = n_cols * params->ith / params->nth;
    const int64_t c1 = n_cols * (params->ith + 1) / params->nth;
    for (int64_t col = c0; col < c1; ++col) {
        const int64_t j = col % l.N, ib = col / l.N;
        size_t oa, ob, oc;
        product_batch_offsets(dst, ib, oa, ob, oc);
        const char * pa = (const char *) a->data + oa;
        const char * pb = (const char *) b->data + ob + (size_t) j * l.b_sj;
        char *       pc = (char *) dst->data + oc + (size_t) j * dst->nb[1];
        for (int64_t i = 0; i < l.M; ++i) {
            float sum = 0.0f;
            for (int64_t k = 0; k < l.K; ++k) {
                sum += ggml_load_float(pa + i * l.a_si + k * l.a_sk, a->type) * ggml_load_float(pb + k * l.b_sk, b->type);
            }
            *(float *) (pc + i * dst->nb[0]) = sum;
        }
    }
}
