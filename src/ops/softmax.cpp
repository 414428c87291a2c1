// Row-wise softmax (GGML_OP_SOFT_MAX) and its backward (GGML_OP_SOFT_MAX_BACK).
//
// op_params of both: [0] scale (float), [1] max_bias (float). The public API only builds plain
// softmax (scale 1, no ALiBi bias), so backends need support exactly that.

#include "core/ggml-impl.h"
#include "ops/elementwise.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

extern const ggml_op_traits ggml_op_traits_soft_max;
extern const ggml_op_traits ggml_op_traits_soft_max_back;

namespace {
ggml_tensor * soft_max_impl(ggml_context * ctx, ggml_tensor * a, bool inplace) {
    GGML_CHECK_OP(a->type == GGML_TYPE_F32, "ggml_soft_max", a);
    ggml_tensor * result = inplace ? ggml_new_inplace_op_tensor(ctx, a, GGML_OP_SOFT_MAX, a)
                                   : ggml_new_op_tensor(ctx, a->type, GGML_MAX_DIMS, a->ne, GGML_OP_SOFT_MAX, a);
    const float params[2] = {1.0f, 0.0f};
    ggml_set_op_params(result, params, sizeof(params));
    return result;
}
void soft_max_backward(const ggml_backward_step & s) {
    const float scale = ggml_get_op_params_f32(s.node, 0);
    const float max_bias = ggml_get_op_params_f32(s.node, 1);
    if (s.needs[0]) s.add(0, ggml_soft_max_ext_back(s.ctx, s.grad, s.node, scale, max_bias));
}

} // namespace

ggml_tensor * ggml_soft_max(ggml_context * ctx, ggml_tensor * a) { return soft_max_impl(ctx, a, false); }
ggml_tensor * ggml_soft_max_inplace(ggml_context * ctx, ggml_tensor * a) { return soft_max_impl(ctx, a, true); }

ggml_tensor * ggml_soft_max_ext_back(ggml_context * ctx, ggml_tensor * a, ggml_tensor * b, float scale, float max_bias) {
    GGML_CHECK_OP(a->type == GGML_TYPE_F32 && b->type == GGML_TYPE_F32, "ggml_soft_max_ext_back", a, b);
    GGML_CHECK_OP(ggml_are_same_shape(a, b), "ggml_soft_max_ext_back", a, b);
    if (scale != 1.0f || max_bias != 0.0f) {
        GGML_ABORT("ggml_soft_max_ext_back: only scale = 1 and max_bias = 0 are supported (got scale = %g, max_bias = %g)",
                   (double) scale, (double) max_bias);
    }
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, GGML_MAX_DIMS, a->ne, GGML_OP_SOFT_MAX_BACK, a, b);
    const float params[2] = {scale, max_bias};
    ggml_set_op_params(result, params, sizeof(params));
    return result;
}

const ggml_op_traits ggml_op_traits_soft_max = {"SOFT_MAX", "soft_max(x)", soft_max_backward};
const ggml_op_traits ggml_op_traits_soft_max_back = {"SOFT_MAX_BACK", "soft_max_back(x)", nullptr};
