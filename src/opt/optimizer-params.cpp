// Optimizer hyperparameters: defaults, the constant-parameters callback, names, and the range
// checks applied before each optimizer step.

#include "opt/opt-impl.h"

#include <cstdio>

ggml_opt_optimizer_params ggml_opt_get_default_optimizer_params(void * userdata) {
    (void) userdata;
    ggml_opt_optimizer_params p;
    p.adamw.alpha = 1e-3f;
    p.adamw.beta1 = 0.9f;
    p.adamw.beta2 = 0.999f;
    p.adamw.eps   = 1e-8f;
    p.adamw.wd    = 0.0f;
    p.sgd.alpha   = 1e-3f;
    p.sgd.wd      = 0.0f;
    return p;
}

ggml_opt_optimizer_params ggml_opt_get_constant_optimizer_params(void * userdata) {
    GGML_ASSERT(userdata && "ggml_opt_get_constant_optimizer_params: userdata must point to a ggml_opt_optimizer_params");
    return *(const ggml_opt_optimizer_params *) userdata;
}

const char * ggml_opt_optimizer_name(ggml_opt_optimizer_type optimizer) {
    switch (optimizer) {
        case GGML_OPT_OPTIMIZER_TYPE_ADAMW: return "adamw";
        case GGML_OPT_OPTIMIZER_TYPE_SGD:   return "sgd";
        default:                            return "undefined";
    }
}

// The comparisons are written so that NaN fails them.
const char * ggml_opt_check_optimizer_params(ggml_opt_optimizer_type optimizer, const ggml_opt_optimizer_params & p,
                                             char * buf, size_t size) {
    buf[0] = '\0';
    switch (optimizer) {
        case GGML_OPT_OPTIMIZER_TYPE_ADAMW:
            if (!(p.adamw.alpha > 0.0f))                          snprintf(buf, size, "AdamW alpha must be > 0, got %g", p.adamw.alpha);
            else if (!(p.adamw.beta1 >= 0.0f && p.adamw.beta1 < 1.0f)) snprintf(buf, size, "AdamW beta1 must be in [0, 1), got %g", p.adamw.beta1);
            else if (!(p.adamw.beta2 >= 0.0f && p.adamw.beta2 < 1.0f)) snprintf(buf, size, "AdamW beta2 must be in [0, 1), got %g", p.adamw.beta2);
            else if (!(p.adamw.eps >= 0.0f))                      snprintf(buf, size, "AdamW eps must be >= 0, got %g", p.adamw.eps);
            else if (!(p.adamw.wd >= 0.0f && p.adamw.wd <= 1.0f)) snprintf(buf, size, "AdamW wd must be in [0, 1], got %g", p.adamw.wd);
            break;
        case GGML_OPT_OPTIMIZER_TYPE_SGD:
            if (!(p.sgd.alpha > 0.0f))                            snprintf(buf, size, "SGD alpha must be > 0, got %g", p.sgd.alpha);
            else if (!(p.sgd.wd >= 0.0f && p.sgd.wd <= 1.0f))     snprintf(buf, size, "SGD wd must be in [0, 1], got %g", p.sgd.wd);
            break;
        default:
            snprintf(buf, size, "unknown optimizer type %d", (int) optimizer);
            break;
    }
    return buf;
}

ggml_opt_params ggml_opt_default_params(ggml_backend_sched_t backend_sched, ggml_opt_loss_type loss_type) {
    ggml_opt_params p;
    p.backend_sched            = backend_sched;
    p.ctx_compute              = nullptr;
    p.inputs                   = nullptr;
    p.outputs                  = nullptr;
    p.loss_type                = loss_type;
    p.build_type               = GGML_OPT_BUILD_TYPE_OPT;
    p.opt_period               = 1;
    p.get_opt_pars             = ggml_opt_get_default_optimizer_params;
    p.get_opt_pars_ud          = nullptr;
    p.grad_checkpoint_interval = 0;
    p.optimizer                = GGML_OPT_OPTIMIZER_TYPE_ADAMW;
    p.seed                     = GGML_OPT_DEFAULT_SEED;
    return p;
}
