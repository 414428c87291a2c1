// CPU kernels; the operator definitions (constructors, shape rules, gradients) are in
// src/ops/conv_2d.cpp.
//
// The direct 2-D convolution (GGML_OP_CONV_2D, built by ggml_conv_2d_direct) and its two
// gradients (GGML_OP_CONV_2D_BACK_INPUT, GGML_OP_CONV_2D_BACK_KERNEL).
//
//   kernel K [KW, KH, IC, OC], input X [IW, IH, IC, N] -> Y [OW, OH, OC, N]
//   Y[ow, oh, oc, n] = sum over ic, kh, kw of K[kw, kh, ic, oc] * X[ow*s0 + kw*d0 - p0, oh*s1 + kh*d1 - p1, ic, n]
//   (X is zero outside the image; OW = (IW + 2*p0 - d0*(KW - 1) - 1) / s0 + 1, OH alike)
//
//   BACK_INPUT  (src0 = K, src1 = dY) -> dX[iw, ih, ic, n] = sum of K[kw, kh, ic, oc] * dY[ow, oh, oc, n]
//                                        over the (ow, oh, kw, kh, oc) whose tap reads (iw, ih)
//   BACK_KERNEL (src0 = X, src1 = dY) -> dK[kw, kh, ic, oc] = sum over n, oh, ow of X[tap] * dY[ow, oh, oc, n]
//
// op_params of all three: [0] s0, [1] s1, [2] p0, [3] p1, [4] d0, [5] d1 (int32).
//
// With unit strides and F32 rows the vector kernels of src/cpu/conv2d-kernels.h for the
// instruction set in the compute params run: the input gradient is then the correlation of dY
// with the flipped kernel, the same kernel as the forward pass. Otherwise (and for instruction
// sets without vector convolution kernels) the reference loops of src/reference/ run, which take
// any strides, paddings and dilations.

#include "core/ggml-impl.h"
#include "cpu/conv2d.h"
#include "cpu/elementwise.h"
#include "cpu/fused.h"
#include "cpu/kernel-table.h"
#include "ops/conv_2d-params.h"
#include "reference/reference-kernels.h"

#include <algorithm>

const cgml_conv2d_kernels * cgml_conv2d_kernels_for(cpu_isa isa) {
    const cgml_conv2d_kernels * k = nullptr;
    switch (isa) {
        case CPU_ISA_AVX512: k = &cgml_conv2d_kernels_avx512; break;
        case CPU_ISA_AVX2:   k = &cgml_conv2d_kernels_avx2; break;
        case CPU_ISA_SCALAR:
#if defined(__wasm_simd128__)
            // WebAssembly builds with SIMD: the portable instruction set has vector kernels too
            k = &cgml_conv2d_kernels_wasm_simd;
#endif
            break;
    }
    return k && k->correlate ? k : nullptr;
}

namespace {

// Element (i0, i1, i2, i3) of a float tensor, as float.
inline float at(const ggml_tensor * t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    return ggml_load_float(ggml_element_ptr(t, i0, i1, i2, i3), t->type);
}

// ---------------------------------------------------------------------------------------------
// the fast path's plumbing

// The vector kernels of the instruction set the kernel runs with.
const cgml_conv2d_kernels * fast_kernels(const ggml_compute_params * params) { return cgml_conv2d_kernels_for((cpu_isa) params->isa); }

bool rows_contiguous_f32(const ggml_tensor * t) {
    if (t->type != GGML_TYPE_F32 || t->nb[0] != sizeof(float)) return false;
    for (int d = 1; d < 4; ++d) if (t->nb[d] % sizeof(float)) return false;
    return true;
}

// Whether the vector kernels can compute dst (whichever instruction set they are built for).
bool fast_path_layout(const ggml_tensor * dst) {
    const conv_params c = params_of(dst);
    return c.s0 == 1 && c.s1 == 1 && rows_contiguous_f32(dst) && rows_contiguous_f32(dst->src[1]) &&
           ggml_is_float_type(dst->src[0]->type) && (dst->op != GGML_OP_CONV_2D_BACK_KERNEL || rows_contiguous_f32(dst->src[0]));
}

bool fast_path_applies(const ggml_tensor * dst, int isa) { return cgml_conv2d_kernels_for((cpu_isa) isa) && fast_path_layout(dst); }

cgml_conv_image image_of(const ggml_tensor * t) {
    return {(float *) t->data, t->ne[0], t->ne[1], t->ne[2], t->ne[3], (int64_t) (t->nb[1] / sizeof(float)),
            (int64_t) (t->nb[2] / sizeof(float)), (int64_t) (t->nb[3] / sizeof(float))};
}

// Thread 0 lays out the kernel in the work buffer as w[((ci*KH + ky)*KW + kx)*CO + co] =
// K[flip ? KW-1-kx : kx, flip ? KH-1-ky : ky, ...], ci/co being the input/output channels of the
// correlation (IC/OC forward, OC/IC for dX); every thread returns once it is there.
const float * packed_kernel(const ggml_compute_params * params, const ggml_tensor * kernel, bool flip) {
    float * w = (float *) params->wdata;
    const int64_t KW = kernel->ne[0], KH = kernel->ne[1], IC = kernel->ne[2], OC = kernel->ne[3];
    if (params->ith == 0) {
        const int64_t CI = flip ? OC : IC, CO = flip ? IC : OC;
        for (int64_t ci = 0; ci < CI; ++ci)
            for (int64_t ky = 0; ky < KH; ++ky)
                for (int64_t kx = 0; kx < KW; ++kx)
                    for (int64_t co = 0; co < CO; ++co) {
                        const int64_t kw = flip ? KW - 1 - kx : kx, kh = flip ? KH - 1 - ky : ky;
                        w[((ci * KH + ky) * KW + kx) * CO + co] = flip ? at(kernel, kw, kh, co, ci) : at(kernel, kw, kh, ci, co);
                    }
    }
    params->barrier(params->barrier_ctx);
    return w;
}

// The correlation kernel on this thread's rows of dst.
void correlate_with_kernel(const ggml_compute_params * params, ggml_tensor * dst, const ggml_tensor * kernel, const ggml_tensor * src,
                           const cgml_conv_taps & taps, bool flip) {
    const float * w = packed_kernel(params, kernel, flip);
    int64_t r0, r1;
    ggml_split_rows(dst->ne[1] * dst->ne[3], params->ith, params->nth, r0, r1);
    fast_kernels(params)->correlate(image_of(src), image_of(dst), w, taps, r0, r1);
}

size_t packed_kernel_size(const ggml_tensor * dst, int, int isa) {
    const ggml_tensor * kernel = dst->src[0];
    return fast_path_applies(dst, isa) ? (size_t) ggml_nelements(kernel) * sizeof(float) : 0;
}

// ---------------------------------------------------------------------------------------------
// forward: Y = conv(K, X)

void conv_2d_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * kernel = dst->src[0];
    const ggml_tensor * x = dst->src[1];
    const conv_params c = params_of(dst);
    if (fast_path_applies(dst, params->isa)) {
        correlate_with_kernel(params, dst, kernel, x, {kernel->ne[0], kernel->ne[1], c.d0, c.d1, c.p0, c.p1}, false);
        return;
    }
    ggml_reference_conv_2d(params, dst);
}

// ---------------------------------------------------------------------------------------------
// dX: each input pixel gathers the gradients of the outputs whose taps read it

void conv_2d_back_input_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * kernel = dst->src[0];
    const ggml_tensor * grad = dst->src[1];
    const conv_params c = params_of(dst);
    if (fast_path_applies(dst, params->isa)) {
        // dX[iw] = sum of K[kw] dY[iw + p0 - kw*d0]: with kx = KW-1-kw, a correlation of dY with
        // the flipped kernel whose tap kx reads dY[iw + kx*d0 - ((KW-1)*d0 - p0)]
        const int64_t KW = kernel->ne[0], KH = kernel->ne[1];
        correlate_with_kernel(params, dst, kernel, grad, {KW, KH, c.d0, c.d1, (KW - 1) * c.d0 - c.p0, (KH - 1) * c.d1 - c.p1}, true);
        return;
    }
    ggml_reference_conv_2d_back_input(params, dst);
}

// ---------------------------------------------------------------------------------------------
// dK: every kernel element is a sum over all samples and output positions

// The samples are summed in a fixed number of groups, each into its own lane-wise partials, and the
// groups are added up in order: the rounding then depends on the batch only, never on how many
// threads share the work (a split by thread made the trained weights differ between thread counts).
constexpr int64_t BACK_KERNEL_SAMPLE_GROUPS = 8;

int64_t back_kernel_groups(const ggml_tensor * dst) {
    return std::min<int64_t>(BACK_KERNEL_SAMPLE_GROUPS, std::max<int64_t>(dst->src[0]->ne[3], 1));
}

size_t back_kernel_work_size(const ggml_tensor * dst, int n_threads, int isa) {
    (void) n_threads;
    if (!fast_path_applies(dst, isa)) return 0;
    return (size_t) back_kernel_groups(dst) * (size_t) ggml_nelements(dst) * CGML_CONV_LANES * sizeof(float) + 64;
}

void conv_2d_back_kernel_forward(const ggml_compute_params * params, ggml_tensor * dst) {
    const ggml_tensor * x = dst->src[0];
    const ggml_tensor * grad = dst->src[1];
    const conv_params c = params_of(dst);
    const int64_t n_el = ggml_nelements(dst);
    if (fast_path_applies(dst, params->isa)) {
        // the threads take turns over the sample groups, each group summed into its own lane-wise
        // partials; then the threads share out the kernel elements and add up the groups' partials
        // of each in group order
        float * base = (float *) (((uintptr_t) params->wdata + 63) & ~(uintptr_t) 63);
        const int64_t per_group = n_el * CGML_CONV_LANES;
        const int64_t ngroups   = back_kernel_groups(dst);
        for (int64_t g = params->ith; g < ngroups; g += params->nth) {
            float * partial = base + g * per_group;
            std::fill(partial, partial + per_group, 0.0f);
            int64_t n0, n1;
            ggml_split_rows(x->ne[3], (int) g, (int) ngroups, n0, n1);
            fast_kernels(params)->kernel_grad(image_of(x), image_of(grad), {dst->ne[0], dst->ne[1], c.d0, c.d1, c.p0, c.p1}, n0, n1,
                                        partial);
        }
        params->barrier(params->barrier_ctx);
        // partials are indexed ((ic*KH + kh)*KW + kw)*OC + oc
        const int64_t KW = dst->ne[0], KH = dst->ne[1], OC = dst->ne[3];
        int64_t e0, e1;
        ggml_split_rows(n_el, params->ith, params->nth, e0, e1);
        for (int64_t e = e0; e < e1; ++e) {
            const int64_t oc = e % OC, kw = (e / OC) % KW, kh = (e / (OC * KW)) % KH, ic = e / (OC * KW * KH);
            float sum = 0.0f;
            for (int64_t g = 0; g < ngroups; ++g) {
                const float * p = base + g * per_group + e * CGML_CONV_LANES;
                for (int j = 0; j < CGML_CONV_LANES; ++j) sum += p[j];
            }
            *(float *) ggml_element_ptr(dst, kw, kh, ic, oc) = sum;
        }
        return;
    }
    ggml_reference_conv_2d_back_kernel(params, dst);
}

} // namespace


// ---------------------------------------------------------------------------------------------
// a convolution, 2x2 max pooling, a per-channel bias and ReLU as one pass (see cpu/fused.h)

bool ggml_conv_pool_bias_relu_available(int isa) {
    const cgml_conv2d_kernels * k = cgml_conv2d_kernels_for((cpu_isa) isa);
    return k && k->correlate_pool_bias_relu;
}

bool ggml_conv_pool_bias_relu_accept(ggml_tensor * const * nodes) {
    ggml_tensor * conv = nodes[0];
    ggml_tensor * pool = nodes[1];
    ggml_tensor * add  = nodes[2];
    ggml_tensor * relu = nodes[3];
    if (!fast_path_layout(conv)) return false;
    // op_params of POOL_2D: op, k0, k1, s0, s1, p0, p1
    const int32_t * pp = pool->op_params;
    if (pp[0] != GGML_OP_POOL_MAX || pp[1] != 2 || pp[2] != 2 || pp[3] != 2 || pp[4] != 2 || pp[5] != 0 || pp[6] != 0) return false;
    const ggml_tensor * bias = add->src[1];
    const int64_t C = conv->ne[2];
    if (pool->ne[0] != conv->ne[0] / 2 || pool->ne[1] != conv->ne[1] / 2 || pool->type != GGML_TYPE_F32 ||
        bias->type != GGML_TYPE_F32 || bias->ne[0] != 1 || bias->ne[1] != 1 || bias->ne[2] != C || bias->ne[3] != 1 ||
        !ggml_is_contiguous(bias) || !ggml_are_same_shape(add, pool) || !ggml_are_same_shape(relu, pool) ||
        relu->type != GGML_TYPE_F32 || !ggml_is_contiguous(relu)) {
        return false;
    }
    // The ReLU's result is written while the convolution still reads its input and the bias.
    return !ggml_fused_memory_overlaps(relu, conv->src[1]) && !ggml_fused_memory_overlaps(relu, bias);
}

void ggml_conv_pool_bias_relu_forward(const ggml_compute_params * params, ggml_tensor * conv, ggml_tensor * relu) {
    const ggml_tensor * kernel = conv->src[0];
    const ggml_tensor * x = conv->src[1];
    const ggml_tensor * bias = relu->src[0]->src[1];
    const conv_params c = params_of(conv);
    const float * w = packed_kernel(params, kernel, false);
    int64_t r0, r1;
    ggml_split_rows(relu->ne[1] * relu->ne[3], params->ith, params->nth, r0, r1);
    fast_kernels(params)->correlate_pool_bias_relu(image_of(x), image_of(relu), w, (const float *) bias->data,
                                                   {kernel->ne[0], kernel->ne[1], c.d0, c.d1, c.p0, c.p1}, conv->ne[0], conv->ne[2], r0, r1);
}

extern const cpu_kernel cpu_kernel_conv_2d = {conv_2d_forward, packed_kernel_size, true, nullptr};
extern const cpu_kernel cpu_kernel_conv_2d_back_input = {conv_2d_back_input_forward, packed_kernel_size, true, nullptr};
extern const cpu_kernel cpu_kernel_conv_2d_back_kernel = {conv_2d_back_kernel_forward, back_kernel_work_size, true, nullptr};
