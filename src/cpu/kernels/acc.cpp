// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/acc.cpp.
//
// acc: a copy of a with b added into the region of a described by (nb1, nb2, nb3, offset), the
// strides and byte offset of a view of a. op_params (i32): nb1, nb2, nb3, offset, inplace,
// zero_base (internal: a only gives the shape, the rest of the result is zero).

#include "cpu/elementwise.h"
#include "cpu/kernel-table.h"



// Phase 1 (unless in place): dst = a, or zeros. Phase 2, after every thread finished phase 1:
// add b's rows into dst's region, rows split between threads.
static void acc_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const size_t nb1 = (size_t) dst->op_params[0], nb2 = (size_t) dst->op_params[1], nb3 = (size_t) dst->op_params[2];
    const size_t offset = (size_t) dst->op_params[3];
    const bool inplace = dst->op_params[4] != 0, zero_base = dst->op_params[5] != 0;
    const size_t esize = ggml_type_size(dst->type);

    if (!inplace || zero_base) {
        int64_t r0, r1;
        ggml_split_rows(ggml_nrows(dst), p->ith, p->nth, r0, r1);
        for (int64_t ir = r0; ir < r1; ++ir) {
            int64_t i1, i2, i3;
            ggml_row_index(dst, ir, i1, i2, i3);
            char * d = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
            if (zero_base) {
                memset(d, 0, esize * dst->ne[0]);
            } else if (d != ggml_element_ptr(a, 0, i1, i2, i3)) {
                memcpy(d, ggml_element_ptr(a, 0, i1, i2, i3), esize * dst->ne[0]);
            }
        }
        if (p->nth > 1) p->barrier(p->barrier_ctx);
    }

    int64_t r0, r1;
    ggml_split_rows(ggml_nrows(b), p->ith, p->nth, r0, r1);
    for (int64_t ir = r0; ir < r1; ++ir) {
        int64_t i1, i2, i3;
        ggml_row_index(b, ir, i1, i2, i3);
        char * d = (char *) dst->data + offset + i1 * nb1 + i2 * nb2 + i3 * nb3;
        const char * s = (const char *) ggml_element_ptr(b, 0, i1, i2, i3);
        for (int64_t i0 = 0; i0 < b->ne[0]; ++i0) {
            char * de = d + i0 * esize;
            ggml_store_float(de, dst->type, ggml_load_float(de, dst->type) + ggml_load_float(s + i0 * b->nb[0], b->type));
        }
    }
}

extern const cpu_kernel cpu_kernel_acc = {acc_forward, nullptr, true, nullptr};
