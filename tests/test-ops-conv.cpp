// im2col (2-D and 1-D), im2col_back, conv_2d, conv_2d_direct and its two gradient ops, pool_2d
// and pool_2d_back against direct loops in double precision: a plain 2-D convolution, plain
// pooling windows. Shapes include odd sizes and stride, padding and dilation variants; inputs
// include strided views and F16 data. The direct convolution runs with its fast kernels and with
// its reference loops.

#include "ggml.h"
#include "nn-test-helpers.h"
#include "op-harness.h"

#include "core/ggml-impl.h"
#include "cpu/conv2d.h"
#include "cpu/fused.h"
#include "cpu/graph-exec.h"
#include "ggml-cpu.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

using nnt::conv_case;
using nnt::conv_label;
using nnt::conv_out;

const std::vector<conv_case> k_conv_cases = {
    {5, 5, 1, 1, 3, 3, 1, 1, 1, 0, 0, 1, 1},
    {28, 28, 1, 3, 3, 3, 8, 1, 1, 1, 1, 1, 1},   // MNIST first layer (small batch)
    {14, 14, 8, 2, 3, 3, 16, 1, 1, 1, 1, 1, 1},  // MNIST second layer
    {7, 9, 3, 2, 3, 2, 4, 2, 1, 1, 0, 1, 1},     // odd sizes, stride 2 along W
    {11, 8, 2, 1, 3, 3, 3, 2, 3, 2, 1, 2, 1},    // padding 2, dilation 2
    {6, 7, 2, 2, 1, 1, 5, 1, 1, 0, 0, 1, 1},     // 1x1 kernel
    {9, 10, 3, 1, 4, 3, 2, 3, 2, 1, 2, 1, 2},    // even kernel, strides 3/2, dilation along H
    {5, 4, 1, 1, 5, 4, 2, 1, 1, 0, 0, 1, 1},     // kernel as large as the input
};

// x[iw, ih, ic, n] or 0 outside the image; x holds logical order (iw fastest).
double pixel(const std::vector<double> & x, const conv_case & c, int64_t iw, int64_t ih, int64_t ic, int64_t n) {
    if (iw < 0 || iw >= c.IW || ih < 0 || ih >= c.IH) return 0.0;
    return x[((n * c.IC + ic) * c.IH + ih) * c.IW + iw];
}

std::vector<double> ref_im2col(const std::vector<double> & x, const conv_case & c) {
    const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
    std::vector<double> out;
    for (int64_t n = 0; n < c.N; ++n)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow)
                for (int64_t ic = 0; ic < c.IC; ++ic)
                    for (int64_t kh = 0; kh < c.KH; ++kh)
                        for (int64_t kw = 0; kw < c.KW; ++kw)
                            out.push_back(pixel(x, c, ow * c.s0 + kw * c.d0 - c.p0, oh * c.s1 + kh * c.d1 - c.p1, ic, n));
    return out;
}

// The direct convolution: out[ow, oh, oc, n] = sum k[kw, kh, ic, oc] * x[ow*s0 + kw*d0 - p0, ...].
std::vector<double> ref_conv_2d(const std::vector<double> & k, const std::vector<double> & x, const conv_case & c) {
    const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
    std::vector<double> out;
    for (int64_t n = 0; n < c.N; ++n)
        for (int64_t oc = 0; oc < c.OC; ++oc)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    double sum = 0;
                    for (int64_t ic = 0; ic < c.IC; ++ic)
                        for (int64_t kh = 0; kh < c.KH; ++kh)
                            for (int64_t kw = 0; kw < c.KW; ++kw)
                                sum += k[((oc * c.IC + ic) * c.KH + kh) * c.KW + kw] *
                                       pixel(x, c, ow * c.s0 + kw * c.d0 - c.p0, oh * c.s1 + kh * c.d1 - c.p1, ic, n);
                    out.push_back(sum);
                }
    return out;
}

void test_im2col_2d() {
    uint32_t seed = 1;
    for (const conv_case & c : k_conv_cases) {
        for (ggml_type dst_type : {GGML_TYPE_F32, GGML_TYPE_F16}) {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
            ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.IC, c.N);
            oph::fill_random(x, seed++);
            ggml_tensor * cols = oph::compute(ctx, ggml_im2col(ctx, k, x, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true, dst_type));
            const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
            oph::check(cols->ne[0] == c.KW * c.KH * c.IC && cols->ne[1] == OW && cols->ne[2] == OH && cols->ne[3] == c.N &&
                           cols->type == dst_type,
                       conv_label("im2col shape", c).c_str());
            const double tol = dst_type == GGML_TYPE_F16 ? 1e-3 : 0.0;
            oph::check_close(conv_label(dst_type == GGML_TYPE_F16 ? "im2col F16" : "im2col", c).c_str(), cols,
                             ref_im2col(oph::read(x), c), tol, tol);
            ggml_free(ctx);
        }
    }

    // strided data (every other float, padded planes) and F16 data
    {
        const conv_case c = {7, 6, 2, 2, 3, 3, 1, 1, 2, 1, 1, 1, 1};
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
        ggml_tensor * base = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 2 * 7 * 6 * 2 * 2 + 64);
        oph::fill_random(base, 77);
        ggml_tensor * x = nnt::strided_view(ctx, base, {7, 6, 2, 2}, {8, 56, 56 * 6 + 16, (56 * 6 + 16) * 2});
        ggml_tensor * cols = oph::compute(ctx, ggml_im2col(ctx, k, x, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true, GGML_TYPE_F32));
        oph::check_close(conv_label("im2col of a strided view", c).c_str(), cols, ref_im2col(oph::read(x), c), 0, 0);

        ggml_tensor * xh = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, c.IW, c.IH, c.IC, c.N);
        oph::fill_random(xh, 78);
        ggml_tensor * colsh = oph::compute(ctx, ggml_im2col(ctx, k, xh, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true, GGML_TYPE_F32));
        oph::check_close(conv_label("im2col of F16 data", c).c_str(), colsh, ref_im2col(oph::read(xh), c), 0, 0);
        ggml_free(ctx);
    }
}

void test_im2col_1d() {
    struct case1d { int64_t IW, IC, N, KW; int s0, p0, d0; };
    uint32_t seed = 50;
    for (const case1d & c : std::vector<case1d>{{10, 1, 1, 3, 1, 0, 1}, {13, 3, 2, 4, 2, 2, 1}, {9, 2, 3, 3, 1, 1, 2}}) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, c.KW, c.IC, 5);
        ggml_tensor * x = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, c.IW, c.IC, c.N);
        oph::fill_random(x, seed++);
        ggml_tensor * cols = oph::compute(ctx, ggml_im2col(ctx, k, x, c.s0, 0, c.p0, 0, c.d0, 0, false, GGML_TYPE_F32));
        const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0);
        const std::vector<double> xv = oph::read(x);
        std::vector<double> ref;
        for (int64_t n = 0; n < c.N; ++n)
            for (int64_t ow = 0; ow < OW; ++ow)
                for (int64_t ic = 0; ic < c.IC; ++ic)
                    for (int64_t kw = 0; kw < c.KW; ++kw) {
                        const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0;
                        ref.push_back(iw < 0 || iw >= c.IW ? 0.0 : xv[(n * c.IC + ic) * c.IW + iw]);
                    }
        char what[96];
        snprintf(what, sizeof what, "im2col 1-D IW %lld IC %lld N %lld K %lld s %d p %d d %d", (long long) c.IW, (long long) c.IC,
                 (long long) c.N, (long long) c.KW, c.s0, c.p0, c.d0);
        oph::check(cols->ne[0] == c.KW * c.IC && cols->ne[1] == OW && cols->ne[2] == c.N && cols->ne[3] == 1, what);
        oph::check_close(what, cols, ref, 0, 0);

        // backward: every column entry adds its gradient to the pixel it copied
        ggml_tensor * g = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, cols->ne[0], cols->ne[1], cols->ne[2], 1);
        oph::fill_random(g, seed++);
        ggml_tensor * dx = oph::compute(ctx, ggml_im2col_back(ctx, k, g, x->ne, c.s0, 0, c.p0, 0, c.d0, 0, false));
        const std::vector<double> gv = oph::read(g);
        std::vector<double> dref(xv.size(), 0.0);
        size_t j = 0;
        for (int64_t n = 0; n < c.N; ++n)
            for (int64_t ow = 0; ow < OW; ++ow)
                for (int64_t ic = 0; ic < c.IC; ++ic)
                    for (int64_t kw = 0; kw < c.KW; ++kw, ++j) {
                        const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0;
                        if (iw >= 0 && iw < c.IW) dref[(n * c.IC + ic) * c.IW + iw] += gv[j];
                    }
        oph::check_close((std::string(what) + " back").c_str(), dx, dref, 1e-6, 1e-5);
        ggml_free(ctx);
    }
}

void test_im2col_back() {
    uint32_t seed = 100;
    for (const conv_case & c : k_conv_cases) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
        const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
        ggml_tensor * g = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW * c.KH * c.IC, OW, OH, c.N);
        oph::fill_random(g, seed++);
        int64_t ne[4] = {c.IW, c.IH, c.IC, c.N};
        ggml_tensor * dx = oph::compute(ctx, ggml_im2col_back(ctx, k, g, ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true));
        // scatter-add: the transpose of the im2col copy
        const std::vector<double> gv = oph::read(g);
        std::vector<double> ref((size_t) (c.IW * c.IH * c.IC * c.N), 0.0);
        size_t j = 0;
        for (int64_t n = 0; n < c.N; ++n)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow)
                    for (int64_t ic = 0; ic < c.IC; ++ic)
                        for (int64_t kh = 0; kh < c.KH; ++kh)
                            for (int64_t kw = 0; kw < c.KW; ++kw, ++j) {
                                const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0, ih = oh * c.s1 + kh * c.d1 - c.p1;
                                if (iw < 0 || iw >= c.IW || ih < 0 || ih >= c.IH) continue;
                                ref[((n * c.IC + ic) * c.IH + ih) * c.IW + iw] += gv[j];
                            }
        oph::check_close(conv_label("im2col_back", c).c_str(), dx, ref, 1e-6, 1e-5);
        // ggml's own gradient rule passes (gradient, kernel): the same result
        ggml_tensor * dx2 = oph::compute(ctx, ggml_im2col_back(ctx, g, k, ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true));
        oph::check_close(conv_label("im2col_back (gradient, kernel)", c).c_str(), dx2, ref, 1e-6, 1e-5);
        // an F16 gradient (the columns of an F16 im2col): same sums of the rounded values
        ggml_tensor * gh = ggml_new_tensor(ctx, GGML_TYPE_F16, 4, g->ne);
        oph::write(gh, gv);
        ggml_tensor * dxh = oph::compute(ctx, ggml_im2col_back(ctx, k, gh, ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true));
        oph::check_close(conv_label("im2col_back of an F16 gradient", c).c_str(), dxh, ref, 3e-3, 3e-3);
        ggml_free(ctx);
    }
}

void test_conv_2d() {
    uint32_t seed = 200;
    for (const conv_case & c : k_conv_cases) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
        ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.IC, c.N);
        oph::fill_random(k, seed++);
        oph::fill_random(x, seed++);
        ggml_tensor * y = oph::compute(ctx, ggml_conv_2d(ctx, k, x, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
        const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
        oph::check(y->ne[0] == OW && y->ne[1] == OH && y->ne[2] == c.OC && y->ne[3] == c.N, conv_label("conv_2d shape", c).c_str());
        oph::check_close(conv_label("conv_2d", c).c_str(), y, ref_conv_2d(oph::read(k), oph::read(x), c), 1e-5, 1e-4);
        ggml_free(ctx);
    }

    // an F16 kernel makes im2col produce F16 columns, as in ggml: the data is rounded to F16
    {
        const conv_case c = {9, 7, 3, 2, 3, 3, 4, 1, 2, 1, 1, 1, 1};
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, c.KW, c.KH, c.IC, c.OC);
        ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.IC, c.N);
        oph::fill_random(k, 250);
        oph::fill_random(x, 251);
        ggml_tensor * y = oph::compute(ctx, ggml_conv_2d(ctx, k, x, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
        std::vector<double> xr = oph::read(x);
        for (double & v : xr) v = ggml_fp16_to_fp32(ggml_fp32_to_fp16((float) v));
        oph::check_close(conv_label("conv_2d with an F16 kernel", c).c_str(), y, ref_conv_2d(oph::read(k), xr, c), 1e-3, 1e-3);
        ggml_free(ctx);
    }
}

// ---------------------------------------------------------------------------------------------
// the direct convolution and its gradients

// dX of the convolution for output gradient g: every tap adds K * g to the pixel it read.
std::vector<double> ref_conv_back_input(const std::vector<double> & k, const std::vector<double> & g, const conv_case & c) {
    const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
    std::vector<double> dx((size_t) (c.IW * c.IH * c.IC * c.N), 0.0);
    for (int64_t n = 0; n < c.N; ++n)
        for (int64_t oc = 0; oc < c.OC; ++oc)
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow)
                    for (int64_t ic = 0; ic < c.IC; ++ic)
                        for (int64_t kh = 0; kh < c.KH; ++kh)
                            for (int64_t kw = 0; kw < c.KW; ++kw) {
                                const int64_t iw = ow * c.s0 + kw * c.d0 - c.p0, ih = oh * c.s1 + kh * c.d1 - c.p1;
                                if (iw < 0 || iw >= c.IW || ih < 0 || ih >= c.IH) continue;
                                dx[((n * c.IC + ic) * c.IH + ih) * c.IW + iw] +=
                                    k[((oc * c.IC + ic) * c.KH + kh) * c.KW + kw] * g[((n * c.OC + oc) * OH + oh) * OW + ow];
                            }
    return dx;
}

// dK of the convolution for output gradient g: each kernel element sums input * gradient over
// all samples and output positions.
std::vector<double> ref_conv_back_kernel(const std::vector<double> & x, const std::vector<double> & g, const conv_case & c) {
    const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
    std::vector<double> dk((size_t) (c.KW * c.KH * c.IC * c.OC), 0.0);
    for (int64_t oc = 0; oc < c.OC; ++oc)
        for (int64_t ic = 0; ic < c.IC; ++ic)
            for (int64_t kh = 0; kh < c.KH; ++kh)
                for (int64_t kw = 0; kw < c.KW; ++kw) {
                    double sum = 0;
                    for (int64_t n = 0; n < c.N; ++n)
                        for (int64_t oh = 0; oh < OH; ++oh)
                            for (int64_t ow = 0; ow < OW; ++ow)
                                sum += pixel(x, c, ow * c.s0 + kw * c.d0 - c.p0, oh * c.s1 + kh * c.d1 - c.p1, ic, n) *
                                       g[((n * c.OC + oc) * OH + oh) * OW + ow];
                    dk[((oc * c.IC + ic) * c.KH + kh) * c.KW + kw] = sum;
                }
    return dk;
}

// The kernels under test: the fast ones where the CPU has them, then the reference loops.
std::vector<oph::kernel_choice> direct_conv_kernels() {
    std::vector<oph::kernel_choice> kernels;
    for (cpu_isa isa : {CPU_ISA_AVX512, CPU_ISA_AVX2}) {
        if (cpu_isa_supported(isa)) kernels.push_back({false, isa});
    }
#if defined(__wasm_simd128__)
    kernels.push_back({false, CPU_ISA_SCALAR}); // WebAssembly builds: the SIMD128 kernels (conv2d-wasm-simd.cpp)
#endif
    kernels.push_back({true, CPU_ISA_SCALAR});
    return kernels;
}

std::string isa_label(const char * what, const conv_case & c, const oph::kernel_choice & k) {
    return conv_label(what, c) + " (" + k.name() + ")";
}

// Forward, input gradient and kernel gradient of one case; x and g may be strided views. The
// kernel gradient sums N*OH*OW products per weight in float: long sums get a wider absolute
// tolerance (kernel_atol), as their rounding grows with the terms, not with the (cancelling) sum.
void check_direct_conv(ggml_context * ctx, const conv_case & c, ggml_tensor * k, ggml_tensor * x, ggml_tensor * g, const oph::kernel_choice & isa,
                       const char * variant, double kernel_atol = 1e-5) {
    const std::string tag = std::string(variant);
    ggml_tensor * y = oph::compute(ctx, ggml_conv_2d_direct(ctx, k, x, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
    const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
    oph::check(y->ne[0] == OW && y->ne[1] == OH && y->ne[2] == c.OC && y->ne[3] == c.N && y->type == GGML_TYPE_F32,
               isa_label(("conv_2d_direct shape" + tag).c_str(), c, isa).c_str());
    const std::vector<double> kv = oph::read(k), xv = oph::read(x), gv = oph::read(g);
    oph::check_close(isa_label(("conv_2d_direct" + tag).c_str(), c, isa).c_str(), y, ref_conv_2d(kv, xv, c), 1e-5, 1e-4);

    ggml_tensor * dx = oph::compute(ctx, ggml_conv_2d_back_input(ctx, k, g, x->ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
    oph::check(ggml_are_same_shape(dx, x), isa_label(("conv_2d_back_input shape" + tag).c_str(), c, isa).c_str());
    oph::check_close(isa_label(("conv_2d_back_input" + tag).c_str(), c, isa).c_str(), dx, ref_conv_back_input(kv, gv, c), 1e-5, 1e-4);

    ggml_tensor * dk = oph::compute(ctx, ggml_conv_2d_back_kernel(ctx, x, g, k->ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
    oph::check(ggml_are_same_shape(dk, k), isa_label(("conv_2d_back_kernel shape" + tag).c_str(), c, isa).c_str());
    oph::check_close(isa_label(("conv_2d_back_kernel" + tag).c_str(), c, isa).c_str(), dk, ref_conv_back_kernel(xv, gv, c), kernel_atol,
                     1e-4);
}

void test_conv_2d_direct() {
    std::vector<conv_case> cases = k_conv_cases;
    cases.push_back({40, 5, 3, 2, 3, 3, 21, 1, 1, 1, 1, 1, 1});  // rows of 3 vectors, 16 + 5 output channels
    cases.push_back({17, 6, 2, 3, 5, 2, 6, 1, 1, 3, 0, 2, 1});   // 5 taps per row (3 + 2), dilation 2, padding 3
    cases.push_back({28, 28, 8, 2, 3, 3, 16, 1, 1, 1, 1, 1, 1}); // the MNIST second layer at full size
    const oph::kernel_choice saved = oph::kernels();
    for (const oph::kernel_choice & isa : direct_conv_kernels()) {
        oph::set_kernels(isa);
        uint32_t seed = 500;
        for (const conv_case & c : cases) {
            ggml_context * ctx = oph::new_context();
            const nnt::conv_tensors t = nnt::new_conv_tensors(ctx, c, seed);
            check_direct_conv(ctx, c, t.k, t.x, t.out, isa, "");
            ggml_free(ctx);
        }
        // The MNIST first layer on 9 samples: kernels that take the batch a few samples at a time
        // (the WebAssembly kernel gradient: 4 per chunk at this size) meet a last, partial chunk.
        {
            const conv_case c = {28, 28, 1, 9, 3, 3, 8, 1, 1, 1, 1, 1, 1};
            ggml_context * ctx = oph::new_context();
            uint32_t seed = 550;
            const nnt::conv_tensors t = nnt::new_conv_tensors(ctx, c, seed);
            check_direct_conv(ctx, c, t.k, t.x, t.out, isa, " on 9 samples", 2e-4);
            ggml_free(ctx);
        }

        // strided data: padded rows and planes (rows still contiguous), and every other float
        {
            const conv_case c = {9, 6, 3, 2, 3, 3, 5, 1, 1, 1, 1, 1, 1};
            ggml_context * ctx = oph::new_context();
            ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
            oph::fill_random(k, 600);
            ggml_tensor * base = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4096);
            oph::fill_random(base, 601);
            ggml_tensor * gbase = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4096);
            oph::fill_random(gbase, 602);
            ggml_tensor * x = nnt::strided_view(ctx, base, {9, 6, 3, 2}, {4, 48, 48 * 6 + 8, (48 * 6 + 8) * 3 + 4});
            ggml_tensor * g = nnt::strided_view(ctx, gbase, {9, 6, 5, 2}, {4, 44, 44 * 6 + 4, (44 * 6 + 4) * 5 + 12});
            check_direct_conv(ctx, c, k, x, g, isa, " of padded rows");
            ggml_tensor * xs = nnt::strided_view(ctx, base, {9, 6, 3, 2}, {8, 80, 480, 1440});
            ggml_tensor * gs = nnt::strided_view(ctx, gbase, {9, 6, 5, 2}, {8, 80, 480, 2400});
            check_direct_conv(ctx, c, k, xs, gs, isa, " of every other float");
            ggml_free(ctx);
        }

        // an F16 kernel: the weights are widened, the data stays F32 (unlike ggml_conv_2d)
        {
            const conv_case c = {9, 7, 3, 2, 3, 3, 4, 1, 1, 1, 1, 1, 1};
            ggml_context * ctx = oph::new_context();
            ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, c.KW, c.KH, c.IC, c.OC);
            ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.IC, c.N);
            ggml_tensor * g = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.OC, c.N);
            oph::fill_random(k, 610);
            oph::fill_random(x, 611);
            oph::fill_random(g, 612);
            ggml_tensor * y = oph::compute(ctx, ggml_conv_2d_direct(ctx, k, x, 1, 1, 1, 1, 1, 1));
            oph::check_close(isa_label("conv_2d_direct with an F16 kernel", c, isa).c_str(), y, ref_conv_2d(oph::read(k), oph::read(x), c),
                             1e-5, 1e-4);
            ggml_tensor * dx = oph::compute(ctx, ggml_conv_2d_back_input(ctx, k, g, x->ne, 1, 1, 1, 1, 1, 1));
            oph::check_close(isa_label("conv_2d_back_input with an F16 kernel", c, isa).c_str(), dx,
                             ref_conv_back_input(oph::read(k), oph::read(g), c), 1e-5, 1e-4);
            ggml_free(ctx);
        }
    }
    oph::set_kernels(saved);
}

// ---------------------------------------------------------------------------------------------
// convolution -> 2x2 max pooling -> per-channel bias -> ReLU, which the CPU executor runs as one
// pass when nothing else reads the intermediate results

// relu(max of each 2x2 window of the convolution + bias[oc]) in double, pooled [OW/2, OH/2, OC, N].
std::vector<double> ref_conv_pool_bias_relu(const std::vector<double> & k, const std::vector<double> & x,
                                            const std::vector<double> & bias, const conv_case & c) {
    const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
    const std::vector<double> y = ref_conv_2d(k, x, c);
    std::vector<double> out;
    for (int64_t n = 0; n < c.N; ++n)
        for (int64_t oc = 0; oc < c.OC; ++oc)
            for (int64_t py = 0; py < OH / 2; ++py)
                for (int64_t px = 0; px < OW / 2; ++px) {
                    double m = -DBL_MAX;
                    for (int64_t dy = 0; dy < 2; ++dy)
                        for (int64_t dx = 0; dx < 2; ++dx) {
                            m = std::max(m, y[((n * c.OC + oc) * OH + 2 * py + dy) * OW + 2 * px + dx]);
                        }
                    out.push_back(std::max(0.0, m + bias[oc]));
                }
    return out;
}

struct chain {
    ggml_tensor * conv, * pool, * sum, * relu;
    ggml_cgraph * graph;
};

chain build_chain(ggml_context * ctx, ggml_tensor * k, ggml_tensor * x, ggml_tensor * bias, const conv_case & c) {
    chain ch;
    ch.conv = ggml_conv_2d_direct(ctx, k, x, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1);
    ch.pool = ggml_pool_2d(ctx, ch.conv, GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0);
    ch.sum  = ggml_add(ctx, ch.pool, bias);
    ch.relu = ggml_relu(ctx, ch.sum);
    ch.graph = ggml_new_graph(ctx);
    ggml_build_forward_expand(ch.graph, ch.relu);
    return ch;
}

int node_index(const ggml_cgraph * g, const ggml_tensor * t) {
    for (int i = 0; i < g->n_nodes; ++i) if (g->nodes[i] == t) return i;
    return -1;
}

// The graph on the CPU's graph executor with instruction set isa.
ggml_status compute_with(ggml_cgraph * graph, int nth, cpu_isa isa) {
    const size_t wsize = ggml_cpu_graph_work_size(graph, nth, isa);
    std::vector<uint8_t> work(wsize);
    return ggml_cpu_graph_run_shared(graph, nth, isa, work.data(), wsize, nullptr, nullptr);
}

bool bits_equal(const ggml_tensor * a, const ggml_tensor * b) {
    return ggml_nbytes(a) == ggml_nbytes(b) && memcmp(a->data, b->data, ggml_nbytes(a)) == 0;
}

void test_conv_pool_bias_relu() {
    const std::vector<conv_case> cases = {
        {28, 28, 1, 3, 3, 3, 8, 1, 1, 1, 1, 1, 1},   // MNIST first layer
        {14, 14, 8, 2, 3, 3, 16, 1, 1, 1, 1, 1, 1},  // MNIST second layer
        {15, 9, 2, 2, 3, 3, 5, 1, 1, 1, 1, 1, 1},    // odd output sizes: the last column and row are dropped
        {37, 6, 3, 1, 3, 3, 21, 1, 1, 1, 1, 1, 1},   // three segments per row, 8 + 8 + 5 channels
        {17, 8, 2, 2, 5, 2, 3, 1, 1, 2, 0, 1, 1},    // 5 x 2 kernel, unpadded rows
        {12, 10, 1, 1, 3, 3, 2, 1, 1, 2, 2, 2, 2},   // dilation 2
        {3, 3, 1, 2, 3, 3, 4, 1, 1, 1, 1, 1, 1},     // one pooled pixel per plane
    };
    // every instruction set: those with vector convolution kernels fuse the chain; the portable
    // one outside WebAssembly runs the reference loops, unfused
    for (cpu_isa isa : CPU_ISAS) {
        if (!cpu_isa_supported(isa)) continue;
        const oph::kernel_choice choice = {false, isa};
        uint32_t seed = 700;
        for (const conv_case & c : cases) {
            for (bool with_nan : {false, true}) {
                ggml_context * ctx = oph::new_context();
                const nnt::conv_tensors t = nnt::new_conv_tensors(ctx, c, seed);
                ggml_tensor * bias = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 1, 1, c.OC, 1);
                oph::fill_random(bias, seed++);
                // a NaN pixel makes NaN outputs, which lose in the pooling's max
                if (with_nan) ((float *) t.x->data)[c.IW * (c.IH / 2) + c.IW / 2] = NAN;

                const chain fused = build_chain(ctx, t.k, t.x, bias, c);
                const chain plain = build_chain(ctx, t.k, t.x, bias, c);
                ggml_set_output(plain.conv); // read afterwards: no fusion
                const bool fast = cgml_conv2d_kernels_for(isa) != nullptr;
                const std::string what = isa_label(with_nan ? "conv+pool+bias+relu with a NaN" : "conv+pool+bias+relu", c, choice);
                oph::check(ggml_conv_pool_bias_relu_fusable(fused.graph, node_index(fused.graph, fused.conv), isa) == fast,
                           (what + ": fused where the vector kernels run").c_str());
                oph::check(!ggml_conv_pool_bias_relu_fusable(plain.graph, node_index(plain.graph, plain.conv), isa),
                           (what + ": not fused with the convolution an output").c_str());

                for (int nth = 1; nth <= 3; ++nth) {
                    const std::string tag = what + " threads " + std::to_string(nth);
                    oph::check(compute_with(fused.graph, nth, isa) == GGML_STATUS_SUCCESS, tag.c_str());
                    oph::check(compute_with(plain.graph, nth, isa) == GGML_STATUS_SUCCESS, tag.c_str());
                    // bit for bit what the four ops compute one after the other
                    oph::check(bits_equal(fused.relu, plain.relu), (tag + ": same bits as unfused").c_str());
                    if (!with_nan) {
                        oph::check_close(tag.c_str(), fused.relu,
                                         ref_conv_pool_bias_relu(oph::read(t.k), oph::read(t.x), oph::read(bias), c), 1e-5, 1e-4);
                    }
                }
                ggml_free(ctx);
            }
        }
    }

    // where the intermediate results are needed, or the chain is not the one the kernel computes
    if (!cpu_isa_supported(CPU_ISA_AVX2)) return;
    const conv_case c = {10, 8, 2, 1, 3, 3, 4, 1, 1, 1, 1, 1, 1};
    uint32_t seed = 800;
    auto fusable = [&](const char * what, const std::function<void(ggml_context *, chain &, const nnt::conv_tensors &)> & change,
                       bool expected) {
        ggml_context * ctx = oph::new_context();
        const nnt::conv_tensors t = nnt::new_conv_tensors(ctx, c, seed);
        ggml_tensor * bias = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 1, 1, c.OC, 1);
        chain ch = build_chain(ctx, t.k, t.x, bias, c);
        change(ctx, ch, t);
        oph::check(ggml_conv_pool_bias_relu_fusable(ch.graph, node_index(ch.graph, ch.conv), CPU_ISA_AVX2) == expected, what);
        ggml_free(ctx);
    };
    using T = const nnt::conv_tensors &;
    fusable("the chain alone", [](ggml_context *, chain &, T) {}, true);
    fusable("the pool's result an output", [](ggml_context *, chain & ch, T) { ggml_set_output(ch.pool); }, false);
    fusable("the sum read by another node", [](ggml_context * ctx, chain & ch, T) {
        ggml_build_forward_expand(ch.graph, ggml_scale(ctx, ch.sum, 2.0f));
    }, false);
    fusable("the convolution read by a later node (a gradient graph)", [](ggml_context * ctx, chain & ch, T) {
        ggml_build_forward_expand(ch.graph, ggml_pool_2d_back(ctx, ch.relu, ch.conv, GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0));
    }, false);
    fusable("a view of the chain, the rest of the graph reading the pool", [](ggml_context * ctx, chain & ch, T) {
        ggml_build_forward_expand(ch.graph, ggml_scale(ctx, ch.pool, 2.0f));
        ggml_cgraph * g = ggml_new_graph(ctx);
        *g = ggml_graph_view(ch.graph, 0, node_index(ch.graph, ch.relu) + 1);
        ch.graph = g;
    }, false);
    fusable("3x3 pooling", [](ggml_context * ctx, chain & ch, T) {
        ch.pool->op_params[1] = ch.pool->op_params[2] = 3;
        (void) ctx;
    }, false);
    fusable("a bias per pixel", [](ggml_context * ctx, chain & ch, T) {
        ggml_tensor * b = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, ch.pool->ne);
        ch.sum->src[1] = b;
    }, false);
    fusable("the ReLU's result over the convolution's input", [](ggml_context *, chain & ch, T t) {
        ch.relu->data = (char *) t.x->data + 64;
    }, false);
}

// ---------------------------------------------------------------------------------------------
// pooling

struct pool_case {
    int64_t IW, IH, C, N;
    int k0, k1, s0, s1;
    float p0, p1;
};

const std::vector<pool_case> k_pool_cases = {
    {28, 28, 8, 2, 2, 2, 2, 2, 0, 0},   // MNIST
    {14, 14, 3, 1, 2, 2, 2, 2, 0, 0},
    {7, 5, 2, 3, 2, 2, 2, 2, 0, 0},     // odd sizes: the last column/row is dropped
    {8, 4, 2, 1, 2, 2, 2, 2, 0, 0},     // rows of exactly four 2x2 windows (one vector step)
    {11, 6, 2, 2, 2, 2, 2, 2, 0, 0},    // five windows: the vector path's overlapping last step
    {12, 3, 1, 1, 2, 2, 2, 2, 0, 0},    // six windows, odd input height
    {9, 8, 2, 1, 3, 3, 2, 2, 1, 1},     // padded
    {6, 7, 1, 2, 3, 2, 1, 2, 0, 1},     // overlapping windows along W
    {5, 6, 2, 1, 2, 3, 3, 1, 0, 0},     // stride larger than the window along W
    {5, 5, 1, 1, 2, 2, 2, 2, 0.5f, 0.5f}, // float padding: sizes use 0.5, the windows use 0
    {1, 1, 3, 2, 1, 1, 1, 1, 0, 0},
};

int64_t pool_out(int64_t in, int k, int s, float p) { return (int64_t) ((in + 2 * p - k) / s + 1); }

std::string pool_label(const char * what, const pool_case & c, ggml_op_pool op) {
    char buf[200];
    snprintf(buf, sizeof buf, "%s %s in [%lld,%lld,%lld,%lld] k %d,%d s %d,%d p %g,%g", what, op == GGML_OP_POOL_MAX ? "max" : "avg",
             (long long) c.IW, (long long) c.IH, (long long) c.C, (long long) c.N, c.k0, c.k1, c.s0, c.s1, (double) c.p0,
             (double) c.p1);
    return buf;
}

// Direct pooling. For each output, also records the input index max pooling picked (-1: none).
std::vector<double> ref_pool(const std::vector<double> & x, const pool_case & c, ggml_op_pool op, std::vector<int64_t> * argmax) {
    const int64_t OW = pool_out(c.IW, c.k0, c.s0, c.p0), OH = pool_out(c.IH, c.k1, c.s1, c.p1);
    const int pad0 = (int) c.p0, pad1 = (int) c.p1;
    std::vector<double> out;
    for (int64_t q = 0; q < c.C * c.N; ++q)
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
                double acc = op == GGML_OP_POOL_MAX ? -FLT_MAX : 0.0;
                int64_t best = -1;
                for (int ky = 0; ky < c.k1; ++ky)
                    for (int kx = 0; kx < c.k0; ++kx) {
                        const int64_t iw = ow * c.s0 - pad0 + kx, ih = oh * c.s1 - pad1 + ky;
                        if (iw < 0 || iw >= c.IW || ih < 0 || ih >= c.IH) continue;
                        const int64_t idx = (q * c.IH + ih) * c.IW + iw;
                        if (op == GGML_OP_POOL_AVG) acc += x[idx];
                        else if (x[idx] > acc) { acc = x[idx]; best = idx; }
                    }
                if (op == GGML_OP_POOL_AVG) acc /= (double) (c.k0 * c.k1);
                out.push_back(acc);
                if (argmax) argmax->push_back(best);
            }
    return out;
}

void test_pool_2d() {
    uint32_t seed = 300;
    for (const pool_case & c : k_pool_cases) {
        for (ggml_op_pool op : {GGML_OP_POOL_MAX, GGML_OP_POOL_AVG}) {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.C, c.N);
            nnt::fill_distinct(x, seed++, 1.0 / (double) ggml_nelements(x)); // values in [-0.5, 0.5)
            ggml_tensor * y = oph::compute(ctx, ggml_pool_2d(ctx, x, op, c.k0, c.k1, c.s0, c.s1, c.p0, c.p1));
            const int64_t OW = pool_out(c.IW, c.k0, c.s0, c.p0), OH = pool_out(c.IH, c.k1, c.s1, c.p1);
            oph::check(y->ne[0] == OW && y->ne[1] == OH && y->ne[2] == c.C && y->ne[3] == c.N && y->type == GGML_TYPE_F32,
                       pool_label("pool_2d shape", c, op).c_str());
            std::vector<int64_t> argmax;
            oph::check_close(pool_label("pool_2d", c, op).c_str(), y, ref_pool(oph::read(x), c, op, &argmax), 1e-7, 1e-6);

            // backward: max routes each gradient to its window's maximum, avg spreads it evenly
            ggml_tensor * g = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, OW, OH, c.C, c.N);
            oph::fill_random(g, seed++);
            ggml_tensor * dx = oph::compute(ctx, ggml_pool_2d_back(ctx, g, x, op, c.k0, c.k1, c.s0, c.s1, c.p0, c.p1));
            const std::vector<double> gv = oph::read(g);
            std::vector<double> ref((size_t) ggml_nelements(x), 0.0);
            size_t j = 0;
            const int pad0 = (int) c.p0, pad1 = (int) c.p1;
            for (int64_t q = 0; q < c.C * c.N; ++q)
                for (int64_t oh = 0; oh < OH; ++oh)
                    for (int64_t ow = 0; ow < OW; ++ow, ++j) {
                        if (op == GGML_OP_POOL_MAX) {
                            if (argmax[j] >= 0) ref[argmax[j]] += gv[j];
                            continue;
                        }
                        for (int ky = 0; ky < c.k1; ++ky)
                            for (int kx = 0; kx < c.k0; ++kx) {
                                const int64_t iw = ow * c.s0 - pad0 + kx, ih = oh * c.s1 - pad1 + ky;
                                if (iw < 0 || iw >= c.IW || ih < 0 || ih >= c.IH) continue;
                                ref[(q * c.IH + ih) * c.IW + iw] += gv[j] / (c.k0 * c.k1);
                            }
                    }
            oph::check_close(pool_label("pool_2d_back", c, op).c_str(), dx, ref, 1e-6, 1e-5);
            ggml_free(ctx);
        }
    }

    // ties: max pooling's backward routes the gradient to the first maximum in scan order
    // (a padded window, and the 2x2 stride-2 windows of the MNIST CNN at even and odd sizes)
    for (const pool_case & c : {pool_case{7, 6, 2, 1, 3, 2, 2, 2, 1, 0}, pool_case{8, 6, 3, 2, 2, 2, 2, 2, 0, 0},
                                pool_case{7, 5, 2, 1, 2, 2, 2, 2, 0, 0}}) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.C, c.N);
        oph::fill_random(x, 450, 0.0, 3.0);
        std::vector<double> xv = oph::read(x);
        for (double & v : xv) v = std::floor(v);
        oph::write(x, xv);
        std::vector<int64_t> argmax;
        const std::vector<double> yref = ref_pool(xv, c, GGML_OP_POOL_MAX, &argmax);
        ggml_tensor * g = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, pool_out(c.IW, c.k0, c.s0, c.p0), pool_out(c.IH, c.k1, c.s1, c.p1),
                                             c.C, c.N);
        oph::fill_random(g, 451);
        ggml_tensor * dx = oph::compute(ctx, ggml_pool_2d_back(ctx, g, x, GGML_OP_POOL_MAX, c.k0, c.k1, c.s0, c.s1, c.p0, c.p1));
        const std::vector<double> gv = oph::read(g);
        std::vector<double> ref(xv.size(), 0.0);
        for (size_t j = 0; j < argmax.size(); ++j) if (argmax[j] >= 0) ref[argmax[j]] += gv[j];
        oph::check_close(pool_label("pool_2d_back with ties", c, GGML_OP_POOL_MAX).c_str(), dx, ref, 1e-6, 1e-5);
        ggml_free(ctx);
    }

    // strided and F16 inputs
    {
        const pool_case c = {6, 5, 3, 2, 2, 2, 2, 2, 0, 0};
        ggml_context * ctx = oph::new_context();
        ggml_tensor * base = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 2 * 6 * 5 * 3 * 2);
        oph::fill_random(base, 400);
        ggml_tensor * x = nnt::strided_view(ctx, base, {6, 5, 3, 2}, {8, 48, 240, 720});
        for (ggml_op_pool op : {GGML_OP_POOL_MAX, GGML_OP_POOL_AVG}) {
            ggml_tensor * y = oph::compute(ctx, ggml_pool_2d(ctx, x, op, c.k0, c.k1, c.s0, c.s1, c.p0, c.p1));
            oph::check_close(pool_label("pool_2d of a strided view", c, op).c_str(), y, ref_pool(oph::read(x), c, op, nullptr), 1e-7,
                             1e-6);
        }
        ggml_tensor * xh = ggml_new_tensor_4d(ctx, GGML_TYPE_F16, 6, 5, 3, 2);
        oph::fill_random(xh, 401);
        ggml_tensor * yh = oph::compute(ctx, ggml_pool_2d(ctx, xh, GGML_OP_POOL_AVG, 2, 2, 2, 2, 0, 0));
        oph::check_close(pool_label("pool_2d of F16 data", c, GGML_OP_POOL_AVG).c_str(), yh,
                         ref_pool(oph::read(xh), c, GGML_OP_POOL_AVG, nullptr), 1e-6, 1e-5);
        ggml_free(ctx);
    }
}

void test_misuse() {
    nnt::expect_abort("im2col with mismatched channels", [](ggml_context * ctx) {
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 3, 3, 2, 4);
        ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 8, 8, 3, 1);
        ggml_im2col(ctx, k, x, 1, 1, 0, 0, 1, 1, true, GGML_TYPE_F32);
    }, "ggml_im2col");
    nnt::expect_abort("conv_2d with a kernel larger than the input", [](ggml_context * ctx) {
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 5, 5, 1, 4);
        ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 4, 4, 1, 1);
        ggml_conv_2d(ctx, k, x, 1, 1, 0, 0, 1, 1);
    }, "[4, 4, 1, 1]");
    nnt::expect_abort("conv_2d_direct with mismatched channels", [](ggml_context * ctx) {
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 3, 3, 2, 4);
        ggml_conv_2d_direct(ctx, k, ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 8, 8, 3, 1), 1, 1, 1, 1, 1, 1);
    }, "ggml_conv_2d_direct");
    nnt::expect_abort("conv_2d_direct of F16 data", [](ggml_context * ctx) {
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 3, 3, 1, 4);
        ggml_conv_2d_direct(ctx, k, ggml_new_tensor_4d(ctx, GGML_TYPE_F16, 8, 8, 1, 1), 1, 1, 1, 1, 1, 1);
    }, "ggml_conv_2d_direct");
    nnt::expect_abort("conv_2d_back_input with a gradient of the wrong shape", [](ggml_context * ctx) {
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 3, 3, 1, 4);
        const int64_t ne[4] = {8, 8, 1, 1};
        ggml_conv_2d_back_input(ctx, k, ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 8, 8, 3, 1), ne, 1, 1, 1, 1, 1, 1);
    }, "ggml_conv_2d_back_input");
    nnt::expect_abort("pool_2d with a window larger than the input", [](ggml_context * ctx) {
        ggml_pool_2d(ctx, ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 2, 2), GGML_OP_POOL_MAX, 3, 3, 1, 1, 0, 0);
    }, "ggml_pool_2d");
    nnt::expect_abort("pool_2d_back with a wrong gradient shape", [](ggml_context * ctx) {
        ggml_tensor * x = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 8, 8);
        ggml_pool_2d_back(ctx, ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 3, 4), x, GGML_OP_POOL_AVG, 2, 2, 2, 2, 0, 0);
    }, "ggml_pool_2d_back");
}

} // namespace

int main() {
    test_im2col_2d();
    test_im2col_1d();
    test_im2col_back();
    test_conv_2d();
    test_conv_2d_direct();
    test_conv_pool_bias_relu();
    test_pool_2d();
    test_misuse();
    return oph::finish();
}
