// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/copy.cpp.
//
// Copies: dup, cpy (into an existing tensor), cont / cont_Nd (to a new contiguous tensor) and
// cast. Elements are copied in logical order (dim 0 fastest), so shapes may differ as long as the
// element counts match; either side may be non-contiguous. Types: any to any of the supported
// types (floats to integers truncate toward zero, like a C cast).

#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"

#include <limits>


// ---------------------------------------------------------------------------------------------
// kernel

static double load_number(const char * p, ggml_type t) {
    switch (t) {
        case GGML_TYPE_I8:  return *(const int8_t *) p;
        case GGML_TYPE_I16: return *(const int16_t *) p;
        case GGML_TYPE_I32: return *(const int32_t *) p;
        case GGML_TYPE_I64: return (double) *(const int64_t *) p;
        default:            return ggml_load_float(p, t);
    }
}

// Out-of-range values saturate and NaN becomes 0: a plain cast would be undefined behaviour.
template <typename T>
static T to_integer(double v) {
    if (!(v == v)) return 0;
    if (v <= (double) std::numeric_limits<T>::min()) return std::numeric_limits<T>::min();
    if (v >= (double) std::numeric_limits<T>::max()) return std::numeric_limits<T>::max();
    return (T) v;
}

static void store_number(char * p, ggml_type t, double v) {
    switch (t) {
        case GGML_TYPE_I8:  *(int8_t *) p = to_integer<int8_t>(v); break;
        case GGML_TYPE_I16: *(int16_t *) p = to_integer<int16_t>(v); break;
        case GGML_TYPE_I32: *(int32_t *) p = to_integer<int32_t>(v); break;
        case GGML_TYPE_I64: *(int64_t *) p = to_integer<int64_t>(v); break;
        default:            ggml_store_float(p, t, (float) v); break;
    }
}

static void copy_element(const char * s, ggml_type st, char * d, ggml_type dt, size_t esize) {
    if (st == dt) {
        memcpy(d, s, esize);
    } else if (ggml_is_float_type(st) && ggml_is_float_type(dt)) {
        ggml_store_float(d, dt, ggml_load_float(s, st));
    } else {
        store_number(d, dt, load_number(s, st));
    }
}

// One row of n elements of a same-type copy with element strides ss and ds (bytes): the bits move
// unchanged, as whole words.
template <typename T>
static void copy_row_strided(const char * s, size_t ss, char * d, size_t ds, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        T v;
        memcpy(&v, s + i * ss, sizeof(T));
        memcpy(d + i * ds, &v, sizeof(T));
    }
}

// dst <- src element by element in logical order; each thread copies a range of src's rows.
static void copy_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * src = dst->src[0];
    if (src->data == dst->data && ggml_are_same_stride(src, dst) && src->type == dst->type) return; // dup in place
    const size_t esize = ggml_type_size(dst->type);
    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(src), p->ith, p->nth, r0, r1);
    if (r0 >= r1) return;

    if (ggml_are_same_shape(src, dst)) {
        const int64_t n0 = src->ne[0];
        const size_t ss = src->nb[0], ds = dst->nb[0];
        const bool same_type = src->type == dst->type;
        // permuted copies of small tensors have many short rows: no divisions per row
        int64_t i1, i2, i3;
        ggml_row_index(src, r0, i1, i2, i3);
        for (int64_t ir = r0; ir < r1; ++ir) {
            const char * s = (const char *) ggml_element_ptr(src, 0, i1, i2, i3);
            char *       d = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
            if (same_type && ss == esize && ds == esize) {
                memcpy(d, s, esize * n0);
            } else if (same_type && esize == 4) {
                copy_row_strided<uint32_t>(s, ss, d, ds, n0);
            } else if (same_type && esize == 2) {
                copy_row_strided<uint16_t>(s, ss, d, ds, n0);
            } else {
                for (int64_t i0 = 0; i0 < n0; ++i0) copy_element(s + i0 * ss, src->type, d + i0 * ds, dst->type, esize);
            }
            ggml_next_row(src, i1, i2, i3);
        }
        return;
    }

    // shapes differ: walk dst's indices alongside, starting at the first element of row r0
    int64_t d0, d1, d2, d3;
    ggml_unravel_index(dst, r0 * src->ne[0], &d0, &d1, &d2, &d3);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(src, ir, i1, i2, i3);
        const char * s = (const char *) ggml_element_ptr(src, 0, i1, i2, i3);
        for (int64_t i0 = 0; i0 < src->ne[0]; ++i0) {
            copy_element(s + i0 * src->nb[0], src->type, (char *) ggml_element_ptr(dst, d0, d1, d2, d3), dst->type, esize);
            if (++d0 == dst->ne[0]) {
                d0 = 0;
                if (++d1 == dst->ne[1]) {
                    d1 = 0;
                    if (++d2 == dst->ne[2]) {
                        d2 = 0;
                        ++d3;
                    }
                }
            }
        }
    }
}


extern const cpu_kernel cpu_kernel_dup = {copy_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_cpy = {copy_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_cont = {copy_forward, nullptr, true, nullptr};
