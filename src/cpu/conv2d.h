#pragma once

// Direct 2-D convolution kernels with unit stride on the CPU, for F32 images whose rows are
// contiguous. The conv_2d operators (src/ops/conv_2d.cpp) use them for the forward pass, the
// input gradient (a correlation with the flipped kernel) and the kernel gradient, and keep
// their plain loops for everything else (and for tests, via cgml_gemm_force_isa).
//
// Usage, on each of nth threads (the operator splits the work):
//   cgml_conv_image in = {...}, out = {...};
//   cgml_conv_taps taps = {KW, KH, dw, dh, pw, ph};
//   if (cgml_conv2d_correlate_f32) cgml_conv2d_correlate_f32(in, out, weights, taps, r0, r1);
//
// The function pointers are NULL where the compiler could not build the kernels.

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

// out[x, y, co, n] = sum over ci, ky, kx of w[((ci*KH + ky)*KW + kx)*out.C + co] * in[tap (kx, ky)]
// for the output rows (y, n) numbered r = n*out.H + y in [r0, r1). in.N == out.N.
extern void (*const cgml_conv2d_correlate_f32)(const cgml_conv_image & in, const cgml_conv_image & out, const float * w,
                                               const cgml_conv_taps & taps, int64_t r0, int64_t r1);

// The kernel gradient's partial sums over samples [n0, n1):
//   partial[((ci*KH + ky)*KW + kx)*grad.C + co][lane] += in[tap (kx, ky) of (x, y)] * grad[x, y, co, n]
// summed over y, n and over the x that map to each of the 16 lanes (x mod 16); the caller adds
// the lanes up. partial holds KW*KH*in.C*grad.C*16 floats, 64-byte aligned.
extern void (*const cgml_conv2d_kernel_grad_f32)(const cgml_conv_image & in, const cgml_conv_image & grad,
                                                 const cgml_conv_taps & taps, int64_t n0, int64_t n1, float * partial);

constexpr int CGML_CONV_LANES = 16;
