// im2col (GGML_OP_IM2COL), its backward (GGML_OP_IM2COL_BACK) and ggml_conv_2d built on them.
//
// 2-D: kernel a [KW, KH, IC, OC] (only its shape is used), data b [IW, IH, IC, N]
//      -> [IC*KH*KW, OW, OH, N]; element (ikw + KW*(ikh + KH*iic), ow, oh, n) holds
//      b[ow*s0 + ikw*d0 - p0, oh*s1 + ikh*d1 - p1, iic, n], or 0 outside the input.
// 1-D: kernel a [KW, IC, OC], data b [IW, IC, N] -> [IC*KW, OW, N]; the same with KH = IH = OH = 1.
// Output sizes follow the convolution rule OW = (IW + 2*p0 - d0*(KW - 1) - 1) / s0 + 1.
//
// op_params of both ops: [0] s0, [1] s1, [2] p0, [3] p1, [4] d0, [5] d1, [6] is_2D (int32).

#include "core/ggml-impl.h"

#include <algorithm>
#include <vector>

extern const ggml_op_traits ggml_op_traits_im2col;
extern const ggml_op_traits ggml_op_traits_im2col_back;

namespace {

int64_t conv_output_size(int64_t in, int64_t k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }

void im2col_backward(const ggml_backward_step & s) {
    if (!s.needs[1]) return;
    const int32_t * p = s.node->op_params;
    ggml_tensor * img = s.node->src[1];
    s.add(1, ggml_im2col_back(s.ctx, s.node->src[0], s.grad, img->ne, p[0], p[1], p[2], p[3], p[4], p[5], p[6] != 0));
}

void set_conv_params(ggml_tensor * t, int s0, int s1, int p0, int p1, int d0, int d1, bool is_2d) {
    const int32_t params[7] = {s0, s1, p0, p1, d0, d1, is_2d ? 1 : 0};
    ggml_set_op_params(t, params, sizeof(params));
}

} // namespace

ggml_tensor * ggml_im2col(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, int s0, int s1, int p0, int p1, int d0,
                          int d1, bool is_2D, ggml_type dst_type) {
    GGML_CHECK_OP(dst_type == GGML_TYPE_F32 || dst_type == GGML_TYPE_F16, "ggml_im2col", a, b);
    GGML_CHECK_OP(b->type == GGML_TYPE_F32 || b->type == GGML_TYPE_F16, "ggml_im2col", a, b);
    GGML_CHECK_OP(s0 > 0 && d0 > 0 && p0 >= 0 && (!is_2D || (s1 > 0 && d1 > 0 && p1 >= 0)), "ggml_im2col", a, b);
    if (is_2D) {
        GGML_CHECK_OP(a->ne[2] == b->ne[2] && "kernel and data channel counts differ", "ggml_im2col", a, b);
    } else {
        GGML_CHECK_OP(a->ne[1] == b->ne[1] && "kernel and data channel counts differ", "ggml_im2col", a, b);
        GGML_CHECK_OP(b->ne[3] == 1, "ggml_im2col", a, b);
    }
    const int64_t OW = conv_output_size(b->ne[0], a->ne[0], s0, p0, d0);
    const int64_t OH = is_2D ? conv_output_size(b->ne[1], a->ne[1], s1, p1, d1) : 1;
    GGML_CHECK_OP(OW > 0 && OH > 0 && "data smaller than the dilated kernel", "ggml_im2col", a, b);
    const int64_t ne[4] = {
        is_2D ? a->ne[0] * a->ne[1] * a->ne[2] : a->ne[0] * a->ne[1],
        OW,
        is_2D ? OH : b->ne[2],
        is_2D ? b->ne[3] : 1,
    };
    ggml_tensor * result = ggml_new_op_tensor(ctx, dst_type, 4, ne, GGML_OP_IM2COL, a, b);
    set_conv_params(result, s0, s1, p0, p1, d0, d1, is_2D);
    return result;
}

// Whether grad has the shape of im2col(kernel, image of shape ne).
static bool is_im2col_result_of(const ggml_tensor * kernel, const ggml_tensor * grad, const int64_t * ne, int s0, int s1,
                                int p0, int p1, int d0, int d1, bool is_2D) {
    const int64_t KW = kernel->ne[0], KH = is_2D ? kernel->ne[1] : 1;
    const int64_t IC = is_2D ? ne[2] : ne[1], N = is_2D ? ne[3] : ne[2];
    if ((is_2D ? kernel->ne[2] : kernel->ne[1]) != IC) return false;
    const int64_t OW = conv_output_size(ne[0], KW, s0, p0, d0);
    const int64_t OH = is_2D ? conv_output_size(ne[1], KH, s1, p1, d1) : 1;
    if (grad->ne[0] != KW * KH * IC || grad->ne[1] != OW) return false;
    return is_2D ? grad->ne[2] == OH && grad->ne[3] == N : grad->ne[2] == N && grad->ne[3] == 1 && ne[3] == 1;
}

// ggml documents a = kernel, b = gradient, while its own gradient rule passes them the other way
// round; both orders are accepted (told apart by shape) and stored as src0 = kernel, src1 = gradient.
ggml_tensor * ggml_im2col_back(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, int64_t * ne, int s0, int s1, int p0,
                               int p1, int d0, int d1, bool is_2D) {
    GGML_CHECK_OP(s0 > 0 && d0 > 0 && p0 >= 0 && (!is_2D || (s1 > 0 && d1 > 0 && p1 >= 0)), "ggml_im2col_back", a, b);
    ggml_tensor * kernel = a;
    ggml_tensor * grad = b;
    if (!is_im2col_result_of(a, b, ne, s0, s1, p0, p1, d0, d1, is_2D) &&
        is_im2col_result_of(b, a, ne, s0, s1, p0, p1, d0, d1, is_2D)) {
        kernel = b;
        grad = a;
    }
    GGML_CHECK_OP(is_im2col_result_of(kernel, grad, ne, s0, s1, p0, p1, d0, d1, is_2D) &&
                  "the gradient's shape is not that of im2col(kernel, input of shape ne)", "ggml_im2col_back", kernel, grad);
    GGML_CHECK_OP(grad->type == GGML_TYPE_F32 || grad->type == GGML_TYPE_F16, "ggml_im2col_back", kernel, grad);
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, ne, GGML_OP_IM2COL_BACK, kernel, grad);
    set_conv_params(result, s0, s1, p0, p1, d0, d1, is_2D);
    return result;
}

// The composition ggml uses, so that graphs (and their gradients) have the same structure:
// im2col, one matrix product against the flattened kernel, then back to [OW, OH, OC, N].
ggml_tensor * ggml_conv_2d(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, int s0, int s1, int p0, int p1, int d0,
                           int d1) {
    ggml_tensor * cols = ggml_im2col(ctx, a, b, s0, s1, p0, p1, d0, d1, true, a->type); // [IC*KH*KW, OW, OH, N]
    ggml_tensor * out = ggml_mul_mat(ctx,
                                     ggml_reshape_2d(ctx, cols, cols->ne[0], cols->ne[3] * cols->ne[2] * cols->ne[1]),
                                     ggml_reshape_2d(ctx, a, a->ne[0] * a->ne[1] * a->ne[2], a->ne[3])); // [OW*OH*N, OC]
    out = ggml_reshape_4d(ctx, out, cols->ne[1], cols->ne[2], cols->ne[3], a->ne[3]);                  // [OW, OH, N, OC]
    return ggml_cont(ctx, ggml_permute(ctx, out, 0, 1, 3, 2));                                         // [OW, OH, OC, N]
}

const ggml_op_traits ggml_op_traits_im2col = {"IM2COL", "im2col(x)", im2col_backward};
const ggml_op_traits ggml_op_traits_im2col_back = {"IM2COL_BACK", "im2col_back(x)", nullptr};
