#pragma once

// Direct 2-D convolution kernels with unit stride on the CPU, for F32 images whose rows are
// contiguous. The conv_2d operators (src/cpu/kernels/conv_2d.cpp) use them for the forward pass, the
// input gradient (a correlation with the flipped kernel) and the kernel gradient, and run the
// reference loops (src/reference/) for everything else.
//
// Usage, on each of nth threads (the operator splits the work and takes the kernels of the
// instruction set in its compute params):
//   cgml_conv_image in = {...}, out = {...};
//   cgml_conv_taps taps = {KW, KH, dw, dh, pw, ph};
//   cgml_conv2d_kernels_for((cpu_isa) params->isa)->correlate(in, out, weights, taps, r0, r1);

#include "cpu/cpu-isa.h"

#include <cstdint>

// A stack of images [W, H, C, N]; strides in floats, element (x, 0, 0, 0) at data[x].
struct cgml_conv_image {
    float * data;
    int64_t W, H, C, N;
    int64_t row, plane, sample;
};

// Taps of a kernel KW x KH with dilations (dw, dh): tap (kx, ky) of output (x, y) reads the input
// at (x + kx*dw - pw, y + ky*dh - ph); positions outside the input read as zero.
struct cgml_conv_taps {
    int64_t KW, KH;
    int64_t dw, dh, pw, ph;
};

struct cgml_conv2d_kernels {
    // out[x, y, co, n] = sum over ci, ky, kx of w[((ci*KH + ky)*KW + kx)*out.C + co] * in[tap (kx, ky)]
    // for the output rows (y, n) numbered r = n*out.H + y in [r0, r1). in.N == out.N.
    void (*correlate)(const cgml_conv_image & in, const cgml_conv_image & out, const float * w, const cgml_conv_taps & taps,
                      int64_t r0, int64_t r1);
    // The kernel gradient's partial sums over samples [n0, n1):
    //   partial[(((ci*KH + ky)*KW + kx)*grad.C + co)*CGML_CONV_LANES + lane] +=
    //       in[tap (kx, ky) of (x, y)] * grad[x, y, co, n]
    // summed over y, n and over the x that map to each lane; the caller zeroes the partials
    // (64-byte aligned, KW*KH*in.C*grad.C*CGML_CONV_LANES floats) and adds the lanes up.
    void (*kernel_grad)(const cgml_conv_image & in, const cgml_conv_image & grad, const cgml_conv_taps & taps, int64_t n0,
                        int64_t n1, float * partial);
    // The correlation (conv_w x conv_h output pixels, conv_c channels, weights as for correlate),
    // then 2x2 max pooling with stride 2, a per-channel bias and ReLU, without writing the
    // correlation's output:
    //   pooled[px, py, co, n] = relu(max of the 2x2 window at (2px, 2py) of the output + bias[co])
    // with the max and the ReLU of the pooling and unary kernels (NaNs lose, -0 becomes +0), for
    // the pooled rows R = n*pooled.H + py in [r0, r1). pooled.W = conv_w / 2, pooled.H = conv_h / 2.
    void (*correlate_pool_bias_relu)(const cgml_conv_image & in, const cgml_conv_image & pooled, const float * w,
                                     const float * bias, const cgml_conv_taps & taps, int64_t conv_w, int64_t conv_c,
                                     int64_t r0, int64_t r1);
};

// Lanes per partial sum: the widest vector (AVX-512); narrower kernels leave the rest at zero.
constexpr int CGML_CONV_LANES = 16;

// Per instruction set; all members NULL where the compiler could not build the kernels.
extern const cgml_conv2d_kernels cgml_conv2d_kernels_avx512;
extern const cgml_conv2d_kernels cgml_conv2d_kernels_avx2;
// WebAssembly SIMD128 (conv2d-wasm-simd.cpp): the portable instruction set of wasm builds with -msimd128.
extern const cgml_conv2d_kernels cgml_conv2d_kernels_wasm_simd;

// The kernels of isa, or NULL where it has none (the portable instruction set outside WebAssembly,
// or kernels the compiler could not build).
const cgml_conv2d_kernels * cgml_conv2d_kernels_for(cpu_isa isa);
