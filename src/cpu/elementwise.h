#pragma once

// Helpers shared by the CPU's element-wise kernels (binary, unary, math, copy, reduce, ...):
// walking rows, mapping a function over a tensor honouring strides.
//
// Usage inside a kernel:
//   ggml_map_unary(params, dst, dst->src[0], [](float x) { return x * x; });

#include "core/ggml-impl.h"

#include <algorithm>
#include <vector>

// Row ir of a tensor with dims 1..3 flattened: the indices (i1, i2, i3).
inline void ggml_row_index(const ggml_tensor * t, int64_t ir, int64_t & i1, int64_t & i2, int64_t & i3) {
    i3 = ir / (t->ne[2] * t->ne[1]);
    i2 = (ir - i3 * t->ne[2] * t->ne[1]) / t->ne[1];
    i1 = ir - i3 * t->ne[2] * t->ne[1] - i2 * t->ne[1];
}

// The row after (i1, i2, i3), without divisions: for loops over consecutive rows.
inline void ggml_next_row(const ggml_tensor * t, int64_t & i1, int64_t & i2, int64_t & i3) {
    if (++i1 == t->ne[1]) {
        i1 = 0;
        if (++i2 == t->ne[2]) {
            i2 = 0;
            ++i3;
        }
    }
}

// Work for element-wise kernels: (row, column range) pieces. Rows are split between threads;
// when there are fewer rows than threads, each row is cut into nth column ranges as well, so a
// long vector still uses every thread.
struct ggml_row_pieces {
    int64_t per_row; // pieces per row
    int64_t p0, p1;  // this thread's pieces

    ggml_row_pieces(const ggml_tensor * t, int ith, int nth) {
        const int64_t nr = ggml_nrows(t);
        per_row = (nr >= nth || t->ne[0] < 2 * nth) ? 1 : nth;
        ggml_split_rows(nr * per_row, ith, nth, p0, p1);
    }
    // the row of piece p and its columns [c0, c1)
    void get(const ggml_tensor * t, int64_t p, int64_t & ir, int64_t & c0, int64_t & c1) const {
        ir = p / per_row;
        const int64_t part = p % per_row;
        c0 = t->ne[0] * part / per_row;
        c1 = t->ne[0] * (part + 1) / per_row;
    }
};

// dst[i] = f(src[i]) for same-shaped float tensors, any strides; work is split between threads.
template <typename F>
void ggml_map_unary(const ggml_compute_params * params, ggml_tensor * dst, const ggml_tensor * src, F f) {
    // Contiguous F32 tensors are one flat array: no per-row index arithmetic, and short rows
    // (28 floats in the MNIST CNN) do not cut the vector loop into tails.
    if (dst->type == GGML_TYPE_F32 && src->type == GGML_TYPE_F32 && ggml_is_contiguous(dst) &&
        ggml_is_contiguous(src)) {
        int64_t e0, e1;
        ggml_split_rows(ggml_nelements(dst), params->ith, params->nth, e0, e1);
        float *       df = (float *) dst->data;
        const float * sf = (const float *) src->data;
        for (int64_t i = e0; i < e1; ++i) df[i] = f(sf[i]);
        return;
    }
    const ggml_row_pieces pieces(dst, params->ith, params->nth);
    const bool fast = dst->type == GGML_TYPE_F32 && src->type == GGML_TYPE_F32 &&
                      dst->nb[0] == sizeof(float) && src->nb[0] == sizeof(float);
    for (int64_t p = pieces.p0; p < pieces.p1; ++p) {
        int64_t ir, c0, c1, i1, i2, i3;
        pieces.get(dst, p, ir, c0, c1);
        ggml_row_index(dst, ir, i1, i2, i3);
        char *       d = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
        const char * s = (const char *) ggml_element_ptr(src, 0, i1, i2, i3);
        if (fast) {
            float *       df = (float *) d;
            const float * sf = (const float *) s;
            for (int64_t i0 = c0; i0 < c1; ++i0) df[i0] = f(sf[i0]);
        } else {
            for (int64_t i0 = c0; i0 < c1; ++i0) {
                ggml_store_float(d + i0 * dst->nb[0], dst->type, f(ggml_load_float(s + i0 * src->nb[0], src->type)));
            }
        }
    }
}
