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
// The kernels that compute these ops belong to the backends (the CPU's: src/cpu/kernels/conv_2d.cpp).

#include "core/ggml-impl.h"
#include "ops/conv_2d-params.h"

#include <algorithm>

extern const ggml_op_traits ggml_op_traits_conv_2d;
extern const ggml_op_traits ggml_op_traits_conv_2d_back_input;
extern const ggml_op_traits ggml_op_traits_conv_2d_back_kernel;

namespace {


void check_conv_args(const char * op, const conv_params & c, const int64_t * kernel_ne, const int64_t * input_ne, const ggml_tensor * a,
                     const ggml_tensor * b) {
    GGML_CHECK_OP(c.s0 > 0 && c.s1 > 0 && c.d0 > 0 && c.d1 > 0 && c.p0 >= 0 && c.p1 >= 0, op, a, b);
    GGML_CHECK_OP(kernel_ne[2] == input_ne[2] && "kernel and data channel counts differ", op, a, b);
    const conv_shape sh = shape_of(kernel_ne, input_ne, c);
    GGML_CHECK_OP(sh.OW > 0 && sh.OH > 0 && "data smaller than the dilated kernel", op, a, b);
}
// ---------------------------------------------------------------------------------------------
// gradient rule

void conv_2d_backward(const ggml_backward_step & s) {
    ggml_tensor * kernel = s.node->src[0];
    ggml_tensor * x = s.node->src[1];
    const conv_params c = params_of(s.node);
    if (s.needs[0]) s.add(0, ggml_conv_2d_back_kernel(s.ctx, x, s.grad, kernel->ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
    if (s.needs[1]) s.add(1, ggml_conv_2d_back_input(s.ctx, kernel, s.grad, x->ne, c.s0, c.s1, c.p0, c.p1, c.d0, c.d1));
}

// Whether t has the shape of the convolution's output for these kernel and input shapes.
bool is_output_of(const ggml_tensor * t, const int64_t * kernel_ne, const int64_t * input_ne, const conv_params & c) {
    const conv_shape sh = shape_of(kernel_ne, input_ne, c);
    return t->ne[0] == sh.OW && t->ne[1] == sh.OH && t->ne[2] == sh.OC && t->ne[3] == sh.N;
}

} // namespace

ggml_tensor * ggml_conv_2d_direct(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, int s0, int s1, int p0, int p1, int d0, int d1) {
    const conv_params c = {s0, s1, p0, p1, d0, d1};
    GGML_CHECK_OP(ggml_is_float_type(a->type) && b->type == GGML_TYPE_F32, "ggml_conv_2d_direct", a, b);
    check_conv_args("ggml_conv_2d_direct", c, a->ne, b->ne, a, b);
    const conv_shape sh = shape_of(a->ne, b->ne, c);
    const int64_t ne[4] = {sh.OW, sh.OH, sh.OC, sh.N};
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, ne, GGML_OP_CONV_2D, a, b);
    set_params(result, c);
    return result;
}

ggml_tensor * ggml_conv_2d_back_input(ggml_context * ctx, ggml_tensor * kernel, ggml_tensor * grad, const int64_t * input_ne, int s0,
                                      int s1, int p0, int p1, int d0, int d1) {
    const conv_params c = {s0, s1, p0, p1, d0, d1};
    GGML_CHECK_OP(ggml_is_float_type(kernel->type) && grad->type == GGML_TYPE_F32, "ggml_conv_2d_back_input", kernel, grad);
    check_conv_args("ggml_conv_2d_back_input", c, kernel->ne, input_ne, kernel, grad);
    GGML_CHECK_OP(is_output_of(grad, kernel->ne, input_ne, c) && "the gradient does not have the convolution's output shape",
                  "ggml_conv_2d_back_input", kernel, grad);
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, input_ne, GGML_OP_CONV_2D_BACK_INPUT, kernel, grad);
    set_params(result, c);
    return result;
}

ggml_tensor * ggml_conv_2d_back_kernel(ggml_context * ctx, ggml_tensor * input, ggml_tensor * grad, const int64_t * kernel_ne, int s0,
                                       int s1, int p0, int p1, int d0, int d1) {
    const conv_params c = {s0, s1, p0, p1, d0, d1};
    GGML_CHECK_OP(ggml_is_float_type(input->type) && grad->type == GGML_TYPE_F32, "ggml_conv_2d_back_kernel", input, grad);
    check_conv_args("ggml_conv_2d_back_kernel", c, kernel_ne, input->ne, input, grad);
    GGML_CHECK_OP(is_output_of(grad, kernel_ne, input->ne, c) && "the gradient does not have the convolution's output shape",
                  "ggml_conv_2d_back_kernel", input, grad);
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, kernel_ne, GGML_OP_CONV_2D_BACK_KERNEL, input, grad);
    set_params(result, c);
    return result;
}

const ggml_op_traits ggml_op_traits_conv_2d = {"CONV_2D", "conv_2d(k,x)", conv_2d_backward};
const ggml_op_traits ggml_op_traits_conv_2d_back_input = {"CONV_2D_BACK_INPUT", "conv_2d_back_input(k,dy)", nullptr};
const ggml_op_traits ggml_op_traits_conv_2d_back_kernel = {"CONV_2D_BACK_KERNEL", "conv_2d_back_kernel(x,dy)", nullptr};
