// Copies: dup, cpy (into an existing tensor), cont / cont_Nd (to a new contiguous tensor) and
// cast. Elements are copied in logical order (dim 0 fastest), so shapes may differ as long as the
// element counts match; either side may be non-contiguous. Types: any to any of the supported
// types (floats to integers truncate toward zero, like a C cast).

#include "ops/elementwise.h"

#include <limits>

static bool is_supported(ggml_type t) {
    return ggml_is_float_type(t) || t == GGML_TYPE_I8 || t == GGML_TYPE_I16 || t == GGML_TYPE_I32 || t == GGML_TYPE_I64;
}

static bool can_convert(ggml_type from, ggml_type to) { return from == to || (is_supported(from) && is_supported(to)); }

ggml_tensor * ggml_dup(ggml_context * ctx, ggml_tensor * a) {
    ggml_tensor * t = ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, a->ne, GGML_OP_DUP, a);
    ggml_format_name(t, "%s (copy)", a->name);
    return t;
}

ggml_tensor * ggml_dup_inplace(ggml_context * ctx, ggml_tensor * a) {
    return ggml_new_inplace_op_tensor(ctx, a, GGML_OP_DUP, a);
}

ggml_tensor * ggml_cpy(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b) {
    GGML_CHECK_OP(ggml_nelements(a) == ggml_nelements(b), "ggml_cpy", a, b);
    GGML_CHECK_OP(can_convert(a->type, b->type), "ggml_cpy", a, b);
    ggml_tensor * t = ggml_new_inplace_op_tensor(ctx, b, GGML_OP_CPY, a, b);
    if (b->name[0]) {
        ggml_format_name(t, "%s (copy of %s)", b->name, a->name);
    } else {
        ggml_format_name(t, "%s (copy)", a->name);
    }
    return t;
}

ggml_tensor * ggml_cast(ggml_context * ctx, ggml_tensor * a, ggml_type type) {
    GGML_CHECK_OP(can_convert(a->type, type), "ggml_cast", a);
    ggml_tensor * b = ggml_new_tensor(ctx, type, GGML_MAX_DIMS, a->ne);
    ggml_format_name(b, "%s (copy)", a->name);
    return ggml_new_inplace_op_tensor(ctx, b, GGML_OP_CPY, a, b);
}

ggml_tensor * ggml_cont_4d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3) {
    GGML_CHECK_OP(ggml_nelements(a) == ne0 * ne1 * ne2 * ne3, "ggml_cont", a);
    const int64_t ne[4] = {ne0, ne1, ne2, ne3};
    ggml_tensor * t = ggml_new_op_tensor(ctx, a->type, 4, ne, GGML_OP_CONT, a);
    ggml_format_name(t, "%s (cont)", a->name);
    return t;
}

ggml_tensor * ggml_cont(ggml_context * ctx, ggml_tensor * a) {
    return ggml_cont_4d(ctx, a, a->ne[0], a->ne[1], a->ne[2], a->ne[3]);
}
ggml_tensor * ggml_cont_1d(ggml_context * ctx, ggml_tensor * a, int64_t ne0) { return ggml_cont_4d(ctx, a, ne0, 1, 1, 1); }
ggml_tensor * ggml_cont_2d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1) {
    return ggml_cont_4d(ctx, a, ne0, ne1, 1, 1);
}
ggml_tensor * ggml_cont_3d(ggml_context * ctx, ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2) {
    return ggml_cont_4d(ctx, a, ne0, ne1, ne2, 1);
}

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

// ---------------------------------------------------------------------------------------------
// gradients: the gradient flows back through the copy, reshaped and converted to the source

static void copy_backward(const ggml_backward_step & s) {
    if (s.needs[0]) s.add(0, ggml_grad_like(s.ctx, s.grad, s.node->src[0]));
}

extern const ggml_op_traits ggml_op_traits_dup;
extern const ggml_op_traits ggml_op_traits_cpy;
extern const ggml_op_traits ggml_op_traits_cont;

const ggml_op_traits ggml_op_traits_dup  = {"DUP",  "x",      copy_forward, copy_backward, nullptr, true};
const ggml_op_traits ggml_op_traits_cpy  = {"CPY",  "x->y", copy_forward, copy_backward, nullptr, true};
const ggml_op_traits ggml_op_traits_cont = {"CONT", "cont(x)", copy_forward, copy_backward, nullptr, true};
