// 2-D pooling over dims 0 and 1 (GGML_OP_POOL_2D) and its backward (GGML_OP_POOL_2D_BACK).
//
// op_params of both: [0] ggml_op_pool, [1] k0, [2] k1, [3] s0, [4] s1, [5] p0, [6] p1 (int32).
// As in ggml, the padding is a float only in the output size rule
//   out = (int64_t) ((in + 2*p - k) / s + 1)      (evaluated in float)
// and is stored (and applied) truncated to an integer. Windows skip positions outside the
// input; average pooling divides by the full window size k0*k1 (padding counts as zeros). Max
// pooling starts from -FLT_MAX and keeps the first maximum in scan order, which is also the
// position its backward routes the gradient to.

#include "core/ggml-impl.h"
#include "ops/pool-params.h"

#include <algorithm>

extern const ggml_op_traits ggml_op_traits_pool_2d;
extern const ggml_op_traits ggml_op_traits_pool_2d_back;

namespace {

int64_t pool_output_size(int64_t in, int k, int s, float p) { return (int64_t) ((in + 2 * p - k) / s + 1); }

void check_pool_args(const char * op_name, const ggml_tensor * a, ggml_op_pool op, int k0, int k1, int s0, int s1) {
    GGML_CHECK_OP(op == GGML_OP_POOL_MAX || op == GGML_OP_POOL_AVG, op_name, a);
    GGML_CHECK_OP(k0 > 0 && k1 > 0 && s0 > 0 && s1 > 0, op_name, a);
}

void pool_2d_backward(const ggml_backward_step & s) {
    if (!s.needs[0]) return;
    const pool_params pp = get_pool_params(s.node);
    s.add(0, ggml_pool_2d_back(s.ctx, s.grad, s.node->src[0], pp.op, pp.k0, pp.k1, pp.s0, pp.s1, (float) pp.p0, (float) pp.p1));
}

} // namespace

ggml_tensor * ggml_pool_2d(ggml_context * ctx, ggml_tensor * a, ggml_op_pool op, int k0, int k1, int s0, int s1,
                           float p0, float p1) {
    check_pool_args("ggml_pool_2d", a, op, k0, k1, s0, s1);
    GGML_CHECK_OP(a->type == GGML_TYPE_F32 || a->type == GGML_TYPE_F16, "ggml_pool_2d", a);
    const int64_t ne[4] = {pool_output_size(a->ne[0], k0, s0, p0), pool_output_size(a->ne[1], k1, s1, p1), a->ne[2], a->ne[3]};
    GGML_CHECK_OP(ne[0] > 0 && ne[1] > 0 && "window larger than the padded input", "ggml_pool_2d", a);
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, 4, ne, GGML_OP_POOL_2D, a);
    set_pool_params(result, op, k0, k1, s0, s1, p0, p1);
    return result;
}

ggml_tensor * ggml_pool_2d_back(ggml_context * ctx, ggml_tensor * a, ggml_tensor * af, ggml_op_pool op, int k0, int k1,
                                int s0, int s1, float p0, float p1) {
    check_pool_args("ggml_pool_2d_back", a, op, k0, k1, s0, s1);
    GGML_CHECK_OP(a->type == GGML_TYPE_F32 && (af->type == GGML_TYPE_F32 || af->type == GGML_TYPE_F16),
                  "ggml_pool_2d_back", a, af);
    GGML_CHECK_OP(a->ne[0] == pool_output_size(af->ne[0], k0, s0, p0) && a->ne[1] == pool_output_size(af->ne[1], k1, s1, p1) &&
                  a->ne[2] == af->ne[2] && a->ne[3] == af->ne[3] && "gradient shape does not match the pooled input",
                  "ggml_pool_2d_back", a, af);
    ggml_tensor * result = ggml_new_op_tensor(ctx, GGML_TYPE_F32, GGML_MAX_DIMS, af->ne, GGML_OP_POOL_2D_BACK, a, af);
    set_pool_params(result, op, k0, k1, s0, s1, p0, p1);
    return result;
}

const ggml_op_traits ggml_op_traits_pool_2d = {"POOL_2D", "pool_2d(x)", pool_2d_backward};
const ggml_op_traits ggml_op_traits_pool_2d_back = {"POOL_2D_BACK", "pool_2d_back(x)", nullptr};
