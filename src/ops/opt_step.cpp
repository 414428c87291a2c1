// Optimizer steps that update a parameter in place (GGML_OP_OPT_STEP_ADAMW, GGML_OP_OPT_STEP_SGD).
// The result is a view of the parameter; computing it performs the update.
//
// AdamW, params F32 [7] = alpha, beta1, beta2, eps, wd, beta1h, beta2h:
//   m = beta1*m + (1 - beta1)*g
//   v = beta2*v + (1 - beta2)*g^2
//   a = a*(1 - alpha*wd) - alpha * (m*beta1h) / (sqrt(v*beta2h) + eps)
// where beta1h = 1/(1 - beta1^t) and beta2h = 1/(1 - beta2^t) are the bias corrections for step t.
// SGD, params F32 [2] = alpha, wd:
//   a = a*(1 - alpha*wd) - alpha*g

#include "core/ggml-impl.h"

extern const ggml_op_traits ggml_op_traits_opt_step_adamw;
extern const ggml_op_traits ggml_op_traits_opt_step_sgd;

ggml_tensor * ggml_opt_step_adamw(ggml_context * ctx, ggml_tensor * a, ggml_tensor * grad, ggml_tensor * m, ggml_tensor * v,
                                  ggml_tensor * adamw_params) {
    const char * op = "ggml_opt_step_adamw";
    GGML_CHECK_OP(a->flags & GGML_TENSOR_FLAG_PARAM, op, a);
    GGML_CHECK_OP(a->type == GGML_TYPE_F32 && grad->type == GGML_TYPE_F32 && m->type == GGML_TYPE_F32 && v->type == GGML_TYPE_F32,
                  op, a, grad, m);
    GGML_CHECK_OP(ggml_are_same_shape(a, grad) && ggml_are_same_shape(a, m) && ggml_are_same_shape(a, v), op, a, grad, m);
    GGML_CHECK_OP(adamw_params->type == GGML_TYPE_F32 && ggml_nelements(adamw_params) == 7 && ggml_is_contiguous(adamw_params),
                  op, a, adamw_params);
    ggml_tensor * result = ggml_new_inplace_op_tensor(ctx, a, GGML_OP_OPT_STEP_ADAMW, a, grad, m);
    result->src[3] = v;
    result->src[4] = adamw_params;
    return result;
}

ggml_tensor * ggml_opt_step_sgd(ggml_context * ctx, ggml_tensor * a, ggml_tensor * grad, ggml_tensor * sgd_params) {
    const char * op = "ggml_opt_step_sgd";
    GGML_CHECK_OP(a->flags & GGML_TENSOR_FLAG_PARAM, op, a);
    GGML_CHECK_OP(a->type == GGML_TYPE_F32 && grad->type == GGML_TYPE_F32, op, a, grad);
    GGML_CHECK_OP(ggml_are_same_shape(a, grad), op, a, grad);
    GGML_CHECK_OP(sgd_params->type == GGML_TYPE_F32 && ggml_nelements(sgd_params) == 2 && ggml_is_contiguous(sgd_params),
                  op, a, sgd_params);
    return ggml_new_inplace_op_tensor(ctx, a, GGML_OP_OPT_STEP_SGD, a, grad, sgd_params);
}

const ggml_op_traits ggml_op_traits_opt_step_adamw = {"OPT_STEP_ADAMW", "adamw(x)", nullptr};
const ggml_op_traits ggml_op_traits_opt_step_sgd = {"OPT_STEP_SGD", "sgd(x)", nullptr};
