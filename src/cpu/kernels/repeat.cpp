// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/repeat.cpp.
//
// repeat (tile a to b's shape) and repeat_back (sum a's tiles into b's shape); each is the
// other's gradient.

#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"


static void repeat_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(dst), p->ith, p->nth, r0, r1);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(dst, ir, i1, i2, i3);
        const char * src = (const char *) ggml_element_ptr(a, 0, i1 % a->ne[1], i2 % a->ne[2], i3 % a->ne[3]);
        char *       d   = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
        for (int64_t i0 = 0; i0 < dst->ne[0]; ++i0) {
            const float v = ggml_load_float(src + (i0 % a->ne[0]) * a->nb[0], a->type);
            ggml_store_float(d + i0 * dst->nb[0], dst->type, v);
        }
    }
}

// Adds the nt0 tiles of one row of a (each dst_ne0 long) into acc.
static void add_row_tiles(const ggml_tensor * a, const char * row, int64_t nt0, int64_t dst_ne0, double * acc) {
    if (a->type == GGML_TYPE_F32 && a->nb[0] == sizeof(float)) {
        const float * r = (const float *) row;
        if (dst_ne0 == 1) {
            double total = 0.0; // a whole row sums into one element (e.g. a bias over an image)
            for (int64_t i = 0; i < nt0; ++i) total += r[i];
            acc[0] += total;
            return;
        }
        for (int64_t t0 = 0; t0 < nt0; ++t0, r += dst_ne0) {
            for (int64_t i0 = 0; i0 < dst_ne0; ++i0) acc[i0] += r[i0];
        }
        return;
    }
    for (int64_t t0 = 0; t0 < nt0; ++t0) {
        for (int64_t i0 = 0; i0 < dst_ne0; ++i0) acc[i0] += ggml_load_float(row + (i0 + t0 * dst_ne0) * a->nb[0], a->type);
    }
}

// Sum of n contiguous floats in double, with eight independent partial sums so the loop vectorizes.
static double sum_floats(const float * x, int64_t n) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; ++j) part[j] += x[i + j];
    }
    double total = 0.0;
    for (; i < n; ++i) total += x[i];
    for (int j = 0; j < 8; ++j) total += part[j];
    return total;
}

// dst with ne0 = ne1 = 1 from contiguous F32 tensors (the bias gradient of a convolution): each
// element of dst is the sum of whole planes of a, read as flat arrays instead of 28-float rows.
static bool repeat_back_planes(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    if (a->type != GGML_TYPE_F32 || dst->type != GGML_TYPE_F32 || dst->ne[0] != 1 || dst->ne[1] != 1 ||
        !ggml_is_contiguous(a) || !ggml_is_contiguous(dst)) {
        return false;
    }
    const int64_t plane = a->ne[0] * a->ne[1];
    const int64_t nt2 = a->ne[2] / dst->ne[2], nt3 = a->ne[3] / dst->ne[3];
    int64_t r0, r1;
    ggml_split_rows(dst->ne[2] * dst->ne[3], p->ith, p->nth, r0, r1);
    for (int64_t ir = r0; ir < r1; ++ir) {
        const int64_t i2 = ir % dst->ne[2], i3 = ir / dst->ne[2];
        double total = 0.0;
        for (int64_t t3 = 0; t3 < nt3; ++t3) {
            for (int64_t t2 = 0; t2 < nt2; ++t2) {
                const int64_t q = (i2 + t2 * dst->ne[2]) + (i3 + t3 * dst->ne[3]) * a->ne[2];
                total += sum_floats((const float *) a->data + q * plane, plane);
            }
        }
        ((float *) dst->data)[ir] = (float) total;
    }
    return true;
}

// dst a single row, as long as a's rows (the bias gradient of a dense layer: [n] from [n, batch]),
// contiguous F32: split by columns, since splitting by rows would leave one thread all the work.
static bool repeat_back_columns(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    if (a->type != GGML_TYPE_F32 || dst->type != GGML_TYPE_F32 || ggml_nrows(dst) != 1 || a->ne[0] != dst->ne[0] ||
        !ggml_is_contiguous(a) || !ggml_is_contiguous(dst)) {
        return false;
    }
    const int64_t ne0 = a->ne[0], nrows = ggml_nrows(a);
    constexpr int64_t LINE = 16; // floats per cache line: threads never share one of dst's lines
    int64_t l0, l1;
    ggml_split_rows((ne0 + LINE - 1) / LINE, p->ith, p->nth, l0, l1);
    const int64_t c0 = std::min(ne0, l0 * LINE), c1 = std::min(ne0, l1 * LINE);
    if (c0 >= c1) return true;
    std::vector<double> acc(c1 - c0, 0.0);
    const float * x = (const float *) a->data;
    for (int64_t r = 0; r < nrows; ++r) {
        const float * row = x + r * ne0 + c0;
        for (int64_t i = 0; i < c1 - c0; ++i) acc[i] += row[i];
    }
    float * d = (float *) dst->data;
    for (int64_t i = c0; i < c1; ++i) d[i] = (float) acc[i - c0];
    return true;
}

// Each thread owns rows of dst and sums every tile's matching row into them: no shared writes.
static void repeat_back_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    if (repeat_back_planes(p, dst) || repeat_back_columns(p, dst)) return;
    const ggml_tensor * a = dst->src[0];
    const int64_t nt0 = a->ne[0] / dst->ne[0], nt1 = a->ne[1] / dst->ne[1];
    const int64_t nt2 = a->ne[2] / dst->ne[2], nt3 = a->ne[3] / dst->ne[3];
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(dst), p->ith, p->nth, r0, r1);
    std::vector<double> acc(dst->ne[0]);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(dst, ir, i1, i2, i3);
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t t3 = 0; t3 < nt3; ++t3)
            for (int64_t t2 = 0; t2 < nt2; ++t2)
                for (int64_t t1 = 0; t1 < nt1; ++t1) {
                    const char * row = (const char *) ggml_element_ptr(a, 0, i1 + t1 * dst->ne[1], i2 + t2 * dst->ne[2],
                                                                       i3 + t3 * dst->ne[3]);
                    add_row_tiles(a, row, nt0, dst->ne[0], acc.data());
                }
        char * d = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
        for (int64_t i0 = 0; i0 < dst->ne[0]; ++i0) ggml_store_float(d + i0 * dst->nb[0], dst->type, (float) acc[i0]);
    }
}


extern const cpu_kernel cpu_kernel_repeat = {repeat_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_repeat_back = {repeat_back_forward, nullptr, true, nullptr};
