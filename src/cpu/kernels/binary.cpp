// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/binary.cpp.
//
// Binary element-wise ops: add, sub, mul, div (b broadcast over a) and add1 (a + scalar b).

#include "cpu/elementwise.h"
#include "cpu/fused.h"
#include "cpu/kernel-table.h"


// ---------------------------------------------------------------------------------------------
// kernels

// d[i] = value(i) for i in [i0, i1), and r[i] = max(d[i], 0) when r is given. The fused case
// goes through a small local block, so every loop vectorises although d, r and the inputs may
// alias (a ReLU in place on the sum, a sum in place on its input): each block reads its inputs
// before writing, at the same indices, as the unfused ops would.
template <typename V>
static inline void store_run(float * d, float * r, int64_t i0, int64_t i1, V value) {
    if (!r) {
        for (int64_t i = i0; i < i1; ++i) d[i] = value(i);
        return;
    }
    constexpr int64_t BLOCK = 64;
    float v[BLOCK];
    for (int64_t i = i0; i < i1; i += BLOCK) {
        const int64_t n = i1 - i < BLOCK ? i1 - i : BLOCK;
        for (int64_t j = 0; j < n; ++j) v[j] = value(i + j);
        for (int64_t j = 0; j < n; ++j) d[i + j] = v[j];
        for (int64_t j = 0; j < n; ++j) r[i + j] = v[j] > 0.0f ? v[j] : 0.0f;
    }
}

// Fast paths for contiguous F32 tensors, where rows can be merged: b of a's shape (one flat
// array), or b constant over whole planes of dims 0 and 1 (a per-channel bias over images, whose
// 28-float rows would otherwise each pay the index arithmetic). Returns false when neither applies.
//
// relu_out (NULL, or a contiguous F32 tensor of dst's shape, dst then contiguous F32 too) also
// receives max(result, 0) at the same index, written while the result is still in a register:
// an op followed by a ReLU of it costs one pass instead of two (see ggml_add_relu_fusable).
template <typename F>
static bool binary_forward_contiguous(const ggml_compute_params * params, ggml_tensor * dst, const ggml_tensor * a,
                                      const ggml_tensor * b, F f, float * relu_out) {
    if (dst->type != GGML_TYPE_F32 || a->type != GGML_TYPE_F32 || b->type != GGML_TYPE_F32 ||
        !ggml_is_contiguous(dst) || !ggml_is_contiguous(a) || !ggml_is_contiguous(b)) {
        return false;
    }
    float *       df = (float *) dst->data;
    const float * af = (const float *) a->data;
    const float * bf = (const float *) b->data;
    if (ggml_are_same_shape(a, b)) {
        int64_t e0, e1;
        ggml_split_rows(ggml_nelements(dst), params->ith, params->nth, e0, e1);
        store_run(df, relu_out, e0, e1, [&](int64_t i) { return f(af[i], bf[i]); });
        return true;
    }
    if (b->ne[0] == 1 && b->ne[1] == 1) {
        const int64_t plane   = dst->ne[0] * dst->ne[1];
        const int64_t nplanes = dst->ne[2] * dst->ne[3];
        int64_t q0, q1;
        ggml_split_rows(nplanes, params->ith, params->nth, q0, q1);
        for (int64_t q = q0; q < q1; ++q) {
            const int64_t i2 = q % dst->ne[2];
            const int64_t i3 = q / dst->ne[2];
            const float   y  = bf[(i2 % b->ne[2]) + (i3 % b->ne[3]) * b->ne[2]];
            store_run(df, relu_out, q * plane, (q + 1) * plane, [&](int64_t i) { return f(af[i], y); });
        }
        return true;
    }
    return false;
}

// dst = f(src0, src1) where src1 repeats over src0's shape; work is split between threads by rows.
// relu_out: as in binary_forward_contiguous.
template <typename F>
static void binary_forward(const ggml_compute_params * params, ggml_tensor * dst, F f, float * relu_out = nullptr) {
    const ggml_tensor * a = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    if (binary_forward_contiguous(params, dst, a, b, f, relu_out)) return;
    const ggml_row_pieces pieces(dst, params->ith, params->nth);
    const int64_t b_ne0 = b->ne[0];
    const bool all_f32 = dst->type == GGML_TYPE_F32 && a->type == GGML_TYPE_F32 && b->type == GGML_TYPE_F32 &&
                         dst->nb[0] == sizeof(float) && a->nb[0] == sizeof(float) && b->nb[0] == sizeof(float);
    for (int64_t p = pieces.p0; p < pieces.p1; ++p) {
        int64_t ir, c0, c1, i1, i2, i3;
        pieces.get(dst, p, ir, c0, c1);
        ggml_row_index(dst, ir, i1, i2, i3);
        char *       d  = (char *) ggml_element_ptr(dst, 0, i1, i2, i3);
        const char * pa = (const char *) ggml_element_ptr(a, 0, i1, i2, i3);
        const char * pb = (const char *) ggml_element_ptr(b, 0, i1 % b->ne[1], i2 % b->ne[2], i3 % b->ne[3]);
        if (all_f32) {
            float *       df = (float *) d;
            const float * af = (const float *) pa;
            const float * bf = (const float *) pb;
            // a fused ReLU's output is contiguous like dst: the same element offset
            float * rf = relu_out ? relu_out + (df - (float *) dst->data) : nullptr;
            if (b_ne0 == dst->ne[0]) {
                store_run(df, rf, c0, c1, [&](int64_t i0) { return f(af[i0], bf[i0]); });
            } else if (b_ne0 == 1) {
                const float y = bf[0];
                store_run(df, rf, c0, c1, [&](int64_t i0) { return f(af[i0], y); });
            } else {
                store_run(df, rf, c0, c1, [&](int64_t i0) { return f(af[i0], bf[i0 % b_ne0]); });
            }
        } else {
            for (int64_t i0 = c0; i0 < c1; ++i0) {
                const float x = ggml_load_float(pa + i0 * a->nb[0], a->type);
                const float y = ggml_load_float(pb + (i0 % b_ne0) * b->nb[0], b->type);
                ggml_store_float(d + i0 * dst->nb[0], dst->type, f(x, y));
            }
        }
    }
}

// a function object, not a function pointer, so the kernels inline the addition and vectorise
static const auto add_f = [](float x, float y) { return x + y; };
static void add_forward(const ggml_compute_params * p, ggml_tensor * dst) { binary_forward(p, dst, add_f); }

bool ggml_add_relu_fusable(const ggml_tensor * add, const ggml_tensor * relu) {
    if (add->op != GGML_OP_ADD || relu->op != GGML_OP_UNARY || ggml_get_unary_op(relu) != GGML_UNARY_OP_RELU) return false;
    if (relu->src[0] != add) return false;
    const ggml_tensor * a = add->src[0];
    const ggml_tensor * b = add->src[1];
    // all F32 with unit element strides (the kernel's fast paths), results contiguous; the ReLU
    // may be in place (it then overwrites the sum element by element, as unfused)
    if (!(add->type == GGML_TYPE_F32 && relu->type == GGML_TYPE_F32 && a->type == GGML_TYPE_F32 && b->type == GGML_TYPE_F32 &&
          ggml_is_contiguous(add) && ggml_is_contiguous(relu) && ggml_are_same_shape(add, relu) &&
          a->nb[0] == sizeof(float) && b->nb[0] == sizeof(float))) {
        return false;
    }
    // Unfused, the ReLU runs after the whole sum, so its output may reuse an input's memory. Fused,
    // it writes while other elements of the inputs are still to be read: only its own result's
    // memory, or memory the inputs do not use, is safe.
    if (relu->data == add->data) return true;
    return !ggml_fused_memory_overlaps(relu, a) && !ggml_fused_memory_overlaps(relu, b);
}

void ggml_add_relu_forward(const ggml_compute_params * params, ggml_tensor * add, ggml_tensor * relu) {
    binary_forward(params, add, add_f, (float *) relu->data);
}
static void sub_forward(const ggml_compute_params * p, ggml_tensor * dst) { binary_forward(p, dst, [](float x, float y) { return x - y; }); }
static void mul_forward(const ggml_compute_params * p, ggml_tensor * dst) { binary_forward(p, dst, [](float x, float y) { return x * y; }); }
static void div_forward(const ggml_compute_params * p, ggml_tensor * dst) { binary_forward(p, dst, [](float x, float y) { return x / y; }); }

static void add1_forward(const ggml_compute_params * p, ggml_tensor * dst) {
    const ggml_tensor * b = dst->src[1];
    const float y = ggml_load_float(b->data, b->type);
    ggml_map_unary(p, dst, dst->src[0], [y](float x) { return x + y; });
}


extern const cpu_kernel cpu_kernel_add = {add_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_sub = {sub_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_mul = {mul_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_div = {div_forward, nullptr, true, nullptr};
extern const cpu_kernel cpu_kernel_add1 = {add1_forward, nullptr, true, nullptr};
