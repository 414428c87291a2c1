// Learning-rate schedules for get_opt_pars: warmup, then constant, cosine, linear or step decay,
// driven by the optimization context's step count (see include/ggml-opt.h).

#include "opt/opt-impl.h"

#include <cmath>
#include <cstring>

int64_t ggml_opt_get_step(ggml_opt_context_t opt_ctx) {
    GGML_ASSERT(opt_ctx);
    return opt_ctx->iter - 1;
}

ggml_opt_lr_schedule ggml_opt_lr_schedule_default(void) {
    ggml_opt_lr_schedule s;
    memset(&s, 0, sizeof(s));
    s.type         = GGML_OPT_LR_SCHEDULE_CONSTANT;
    s.base         = ggml_opt_get_default_optimizer_params(nullptr);
    s.lr           = s.base.adamw.alpha;
    s.lr_min       = 0.0f;
    s.warmup_steps = 0;
    s.total_steps  = 0;
    s.decay_steps  = 1;
    s.decay_factor = 0.1f;
    s.opt_ctx      = nullptr;
    return s;
}

float ggml_opt_lr_schedule_value(const ggml_opt_lr_schedule * sched, int64_t step) {
    GGML_ASSERT(sched);
    const double lr = sched->lr, lr_min = sched->lr_min;
    if (step < 0) step = 0;
    if (step < sched->warmup_steps) {
        return (float) (lr * double(step + 1) / double(sched->warmup_steps));
    }
    const int64_t after = step - sched->warmup_steps;
    const int64_t span  = sched->total_steps - sched->warmup_steps;
    const double  t     = span > 0 ? std::min(1.0, double(after) / double(span)) : 1.0;
    switch (sched->type) {
        case GGML_OPT_LR_SCHEDULE_CONSTANT:
            return (float) lr;
        case GGML_OPT_LR_SCHEDULE_COSINE:
            return (float) (lr_min + (lr - lr_min) * 0.5 * (1.0 + std::cos(M_PI * t)));
        case GGML_OPT_LR_SCHEDULE_LINEAR:
            return (float) (lr + (lr_min - lr) * t);
        case GGML_OPT_LR_SCHEDULE_STEP: {
            const int64_t every = sched->decay_steps > 0 ? sched->decay_steps : 1;
            const double  value = lr * std::pow((double) sched->decay_factor, double(after / every));
            return (float) std::max(lr_min, value);
        }
    }
    GGML_ABORT("ggml_opt_lr_schedule_value: unknown schedule type %d", (int) sched->type);
}

ggml_opt_optimizer_params ggml_opt_get_scheduled_params(void * userdata) {
    const ggml_opt_lr_schedule * sched = (const ggml_opt_lr_schedule *) userdata;
    GGML_ASSERT(sched && "ggml_opt_get_scheduled_params: userdata must point to a struct ggml_opt_lr_schedule");
    ggml_opt_optimizer_params p = sched->base;
    const float lr = ggml_opt_lr_schedule_value(sched, sched->opt_ctx ? ggml_opt_get_step(sched->opt_ctx) : 0);
    p.adamw.alpha = lr;
    p.sgd.alpha   = lr;
    return p;
}

static const char * const SCHEDULE_NAMES[] = { "constant", "cosine", "linear", "step" };

const char * ggml_opt_lr_schedule_name(ggml_opt_lr_schedule_type type) {
    const int i = (int) type;
    return i >= 0 && i < 4 ? SCHEDULE_NAMES[i] : "unknown";
}

bool ggml_opt_lr_schedule_parse(const char * name, ggml_opt_lr_schedule_type * type) {
    if (!name || !type) return false;
    for (int i = 0; i < 4; ++i) {
        if (strcmp(name, SCHEDULE_NAMES[i]) == 0) {
            *type = (ggml_opt_lr_schedule_type) i;
            return true;
        }
    }
    return false;
}
