#pragma once

// Reference kernels: plain loops, right for any strides, paddings and float types and fast for
// none, written to be read. They belong to no backend: the CPU backend runs them where its
// vector kernels do not apply (F16 products, strided convolutions, the instruction sets without
// vector convolution kernels), and tests run them as the second implementation that a backend's
// fast paths are compared with.
//
//   ggml_forward_fn ref = ggml_reference_kernel_of(node->op);   // NULL: none for this op
//   ggml_compute_params params = {ith, nth, nullptr, 0, barrier, barrier_ctx, 0};
//   if (ref) ref(&params, node);                               // on each of nth threads
//
// They need no scratch, no barrier and no instruction set; threads split the output by ith/nth.

#include "core/ggml-impl.h"

// MUL_MAT and OUT_PROD (src/ops/mul_mat-layout.h): one dot product per element of dst.
void ggml_reference_product(const ggml_compute_params * params, ggml_tensor * dst);

// CONV_2D, CONV_2D_BACK_INPUT and CONV_2D_BACK_KERNEL (see src/cpu/kernels/conv_2d.cpp for the
// formulas): each output element gathers the taps that contribute to it.
void ggml_reference_conv_2d(const ggml_compute_params * params, ggml_tensor * dst);
void ggml_reference_conv_2d_back_input(const ggml_compute_params * params, ggml_tensor * dst);
void ggml_reference_conv_2d_back_kernel(const ggml_compute_params * params, ggml_tensor * dst);

// The reference kernel of op, or NULL for the ops that have none here (their CPU kernels are
// plain loops already).
inline ggml_forward_fn ggml_reference_kernel_of(ggml_op op) {
    switch (op) {
        case GGML_OP_MUL_MAT:
        case GGML_OP_OUT_PROD:            return ggml_reference_product;
        case GGML_OP_CONV_2D:             return ggml_reference_conv_2d;
        case GGML_OP_CONV_2D_BACK_INPUT:  return ggml_reference_conv_2d_back_input;
        case GGML_OP_CONV_2D_BACK_KERNEL: return ggml_reference_conv_2d_back_kernel;
        default:                          return nullptr;
    }
}
