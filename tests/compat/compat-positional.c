/* Positional initialisation in ggml's field order, as C clients of ggml write it, must fill the
 * fields ggml's would: the SGD learning rate lands in sgd.alpha, and an SGD optimizer given as
 * the last of ggml's ggml_opt_params fields is the optimizer the context uses. */

#include "compat-check.h"

#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-opt.h"

int main(void) {
    /* brace elision, as the C clients of ggml write it */
    struct ggml_opt_optimizer_params op = { 1e-3f, .9f, .999f, 1e-8f, 0, 2e-3f, 0 };
    COMPAT_CHECK(op.adamw.alpha == 1e-3f && op.adamw.beta1 == .9f && op.adamw.beta2 == .999f);
    COMPAT_CHECK(op.adamw.eps == 1e-8f && op.adamw.wd == 0);
    COMPAT_CHECK(op.sgd.alpha == 2e-3f && op.sgd.wd == 0);

    ggml_backend_t cpu = ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, NULL);
    ggml_backend_t backends[1] = { cpu };
    ggml_backend_sched_t sched = ggml_backend_sched_new(backends, NULL, 1, GGML_DEFAULT_GRAPH_SIZE, false, true);

    struct ggml_opt_params params = {
        sched, NULL, NULL, NULL, GGML_OPT_LOSS_TYPE_SUM, GGML_OPT_BUILD_TYPE_OPT, 1,
        ggml_opt_get_constant_optimizer_params, &op, GGML_OPT_OPTIMIZER_TYPE_SGD,
    };
    COMPAT_EQ(params.optimizer, GGML_OPT_OPTIMIZER_TYPE_SGD);
    COMPAT_CHECK(params.get_opt_pars_ud == &op);
    COMPAT_EQ(params.grad_checkpoint_interval, 0);

    ggml_opt_context_t opt_ctx = ggml_opt_init(params);
    COMPAT_EQ(ggml_opt_context_optimizer_type(opt_ctx), GGML_OPT_OPTIMIZER_TYPE_SGD);
    ggml_opt_free(opt_ctx);

    /* and designated initialisation leaves everything else zero, as with ggml */
    struct ggml_opt_params d = { .backend_sched = sched, .loss_type = GGML_OPT_LOSS_TYPE_MEAN,
                                 .build_type = GGML_OPT_BUILD_TYPE_FORWARD, .opt_period = 1 };
    COMPAT_EQ(d.optimizer, GGML_OPT_OPTIMIZER_TYPE_ADAMW);
    COMPAT_CHECK(d.get_opt_pars == NULL);

    ggml_backend_sched_free(sched);
    ggml_backend_free(cpu);
    return compat_result("compat-positional");
}
