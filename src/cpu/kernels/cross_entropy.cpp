// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/cross_entropy.cpp.
//
// Cross-entropy loss between logits and target probabilities (GGML_OP_CROSS_ENTROPY_LOSS) and
// its gradient with respect to the logits (GGML_OP_CROSS_ENTROPY_LOSS_BACK).
//
//   loss = -(1/nrows) * sum_rows sum_i b_i * log_softmax(a)_i
//   d loss / d a = c * (softmax(a) - b) / nrows       (c: gradient of the loss, a scalar)
//
// Rows are dimension 0 (the classes); dims 1..3 all count as rows. The gradient formula holds
// for targets whose rows sum to 1 (probability distributions), as in ggml.

#include "core/ggml-impl.h"
#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"

#include <algorithm>
#include <cmath>


namespace {

inline const char * row_ptr(const ggml_tensor * t, int64_t r) {
    int64_t i1, i2, i3;
    ggml_row_index(t, r, i1, i2, i3);
    return (const char *) ggml_element_ptr(t, 0, i1, i2, i3);
}

inline float at(const char * row, size_t stride, int64_t i) { return *(const float *) (row + i * stride); }

// The row's maximum and sum exp(x - max): single-precision exponentials (each within an ulp,
// and at most 1 for the largest), summed in double.
void shifted_exp_sum(const char * x, size_t sx, int64_t n, float & max, double & sum) {
    max = -INFINITY;
    for (int64_t i = 0; i < n; ++i) max = std::max(max, at(x, sx, i));
    sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(at(x, sx, i) - max);
}

// Each thread's partial sum sits in its own cache line of the scratch buffer.
constexpr size_t PARTIAL_STRIDE = 64 / sizeof(double);

size_t cross_entropy_work_size(const ggml_tensor *, int n_threads, int) {
    return (size_t) n_threads * PARTIAL_STRIDE * sizeof(double);
}

void cross_entropy_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const int64_t nc = a->ne[0];
    const int64_t nr = ggml_nrows(a);
    int64_t r0, r1;
    ggml_split_rows(nr, params->ith, params->nth, r0, r1);

    // sum_i b_i * log_softmax_i with log_softmax_i = (a_i - max) - log_sum
    double partial = 0.0;
    for (int64_t r = r0; r < r1; ++r) {
        const char * x = row_ptr(a, r);
        const char * t = row_ptr(b, r);
        float max;
        double sum;
        shifted_exp_sum(x, a->nb[0], nc, max, sum);
        const double log_sum = std::log(sum);
        double row = 0.0;
        for (int64_t i = 0; i < nc; ++i) {
            const double bi = at(t, b->nb[0], i);
            if (bi != 0.0) row += bi * ((double) (at(x, a->nb[0], i) - max) - log_sum);
        }
        partial += row;
    }

    if (params->nth == 1) {
        *(float *) dst->data = (float) (-partial / (double) nr);
        return;
    }
    GGML_ASSERT(params->wdata && params->wsize >= (size_t) params->nth * PARTIAL_STRIDE * sizeof(double));
    GGML_ASSERT(params->barrier);
    double * partials = (double *) params->wdata;
    partials[params->ith * PARTIAL_STRIDE] = partial;
    params->barrier(params->barrier_ctx);
    if (params->ith == 0) {
        double total = 0.0;
        for (int k = 0; k < params->nth; ++k) total += partials[k * PARTIAL_STRIDE];
        *(float *) dst->data = (float) (-total / (double) nr);
    }
}

// src0 = logits, src1 = targets, src2 = gradient of the loss.
void cross_entropy_back_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const ggml_tensor * c = dst->src[2];
    const int64_t nc = a->ne[0];
    const int64_t nr = ggml_nrows(a);
    const float factor = *(const float *) c->data / (float) nr;
    int64_t r0, r1;
    ggml_split_rows(nr, params->ith, params->nth, r0, r1);
    for (int64_t r = r0; r < r1; ++r) {
        const char * x = row_ptr(a, r);
        const char * t = row_ptr(b, r);
        char * g = (char *) row_ptr(dst, r);
        // softmax = exp(x - max) / sum: the exponentials go into the output row first, so each is
        // computed once
        float max = -INFINITY;
        for (int64_t i = 0; i < nc; ++i) max = std::max(max, at(x, a->nb[0], i));
        double sum = 0.0;
        for (int64_t i = 0; i < nc; ++i) {
            const float e = std::exp(at(x, a->nb[0], i) - max);
            *(float *) (g + i * dst->nb[0]) = e;
            sum += e;
        }
        const float inv_sum = (float) (1.0 / sum);
        for (int64_t i = 0; i < nc; ++i) {
            float * gi = (float *) (g + i * dst->nb[0]);
            *gi = factor * (*gi * inv_sum - at(t, b->nb[0], i));
        }
    }
}

} // namespace

extern const cpu_kernel cpu_kernel_cross_entropy_loss = {cross_entropy_forward, cross_entropy_work_size, true, nullptr};
extern const cpu_kernel cpu_kernel_cross_entropy_loss_back = {cross_entropy_back_forward, nullptr, true, nullptr};
