// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/reduce.cpp.
//
// Reductions: sum (all elements), sum_rows and mean (along dim 0), argmax (per row) and
// count_equal (number of equal I32 elements). Sums accumulate in double.

#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"


// ---------------------------------------------------------------------------------------------
// kernels

static double row_sum(const ggml_tensor * a, int64_t i1, int64_t i2, int64_t i3) {
    const char * row = (const char *) ggml_element_ptr(a, 0, i1, i2, i3);
    double total = 0.0;
    if (a->type == GGML_TYPE_F32) {
        for (int64_t i0 = 0; i0 < a->ne[0]; ++i0) total += *(const float *) (row + i0 * a->nb[0]);
    } else {
        for (int64_t i0 = 0; i0 < a->ne[0]; ++i0) total += ggml_load_float(row + i0 * a->nb[0], a->type);
    }
    return total;
}

static void sum_forward(const ggml_compute_params *, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    double total = 0.0;
    for (int64_t i3 = 0; i3 < a->ne[3]; ++i3)
        for (int64_t i2 = 0; i2 < a->ne[2]; ++i2)
            for (int64_t i1 = 0; i1 < a->ne[1]; ++i1) total += row_sum(a, i1, i2, i3);
    ggml_store_float(dst->data, dst->type, (float) total);
}

// dst[0, i1, i2, i3] = sum of row (i1, i2, i3) times `factor`
static void row_reduce(const ggml_compute_params * p, ggml_tensor * dst, double factor) {
    const ggml_tensor * a = dst->src[0];
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(a), p->ith, p->nth, r0, r1);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(a, ir, i1, i2, i3);
        ggml_store_float(ggml_element_ptr(dst, 0, i1, i2, i3), dst->type, (float) (row_sum(a, i1, i2, i3) * factor));
    }
}

static void sum_rows_forward(const ggml_compute_params * p, ggml_tensor * dst) { row_reduce(p, dst, 1.0); }
static void mean_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    row_reduce(p, dst, 1.0 / (double) dst->src[0]->ne[0]);
}

// the first index of the largest value in each row
static void argmax_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    int64_t r0, r1;
    ggml_split_rows(a->ne[1], p->ith, p->nth, r0, r1);
    for (int64_t i1 = r0; i1 < r1; ++i1) {
        int32_t best = 0;
        float best_value = ggml_load_float(ggml_element_ptr(a, 0, i1, 0, 0), a->type);
        for (int64_t i0 = 1; i0 < a->ne[0]; ++i0) {
            const float v = ggml_load_float(ggml_element_ptr(a, i0, i1, 0, 0), a->type);
            if (v > best_value) {
                best_value = v;
                best = (int32_t) i0;
            }
        }
        *(int32_t *) ggml_element_ptr(dst, i1, 0, 0, 0) = best;
    }
}

static void count_equal_forward(const ggml_compute_params *, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    int64_t n = 0;
    for (int64_t i3 = 0; i3 < a->ne[3]; ++i3)
        for (int64_t i2 = 0; i2 < a->ne[2]; ++i2)
            for (int64_t i1 = 0; i1 < a->ne[1]; ++i1)
                for (int64_t i0 = 0; i0 < a->ne[0]; ++i0) {
                    n += *(const int32_t *) ggml_element_ptr(a, i0, i1, i2, i3) ==
                         *(const int32_t *) ggml_element_ptr(b, i0, i1, i2, i3);
                }
    *(int64_t *) dst->data = n;
}


extern const cpu_kernel cpu_kernel_sum = {sum_forward, nullptr, false, nullptr};
extern const cpu_kernel cpu_kernel_sum_rows = {sum_rows_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_mean = {mean_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_argmax = {argmax_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_count_equal = {count_equal_forward, nullptr, false, nullptr};
