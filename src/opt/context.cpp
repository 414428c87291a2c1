// Optimization contexts: creation from ggml_opt_params, reset, accessors, and the forward graph
// handed over before each step when graphs are not static.

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"
#include "ggml-backend.h"

// ---------------------------------------------------------------------------------------------
// lifetime

ggml_opt_context_t ggml_opt_init(ggml_opt_params params) {
    if (!params.backend_sched) GGML_ABORT("ggml_opt_init: backend_sched is NULL");
    if (params.opt_period < 1) GGML_ABORT("ggml_opt_init: opt_period must be >= 1, got %d", params.opt_period);
    if (params.loss_type < GGML_OPT_LOSS_TYPE_MEAN || params.loss_type > GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR) {
        GGML_ABORT("ggml_opt_init: unknown loss type %d", (int) params.loss_type);
    }
    if (params.build_type != GGML_OPT_BUILD_TYPE_FORWARD && params.build_type != GGML_OPT_BUILD_TYPE_GRAD &&
        params.build_type != GGML_OPT_BUILD_TYPE_OPT) {
        GGML_ABORT("ggml_opt_init: unknown build type %d", (int) params.build_type);
    }
    if (params.optimizer != GGML_OPT_OPTIMIZER_TYPE_ADAMW && params.optimizer != GGML_OPT_OPTIMIZER_TYPE_SGD) {
        GGML_ABORT("ggml_opt_init: unknown optimizer type %d", (int) params.optimizer);
    }
    if (params.build_type == GGML_OPT_BUILD_TYPE_OPT && !params.get_opt_pars) {
        GGML_ABORT("ggml_opt_init: get_opt_pars is NULL (use ggml_opt_get_default_optimizer_params)");
    }
    if (params.grad_checkpoint_interval < 0) {
        GGML_ABORT("ggml_opt_init: grad_checkpoint_interval must be >= 0, got %d", params.grad_checkpoint_interval);
    }

    ggml_opt_context * oc = new ggml_opt_context;
    oc->backend_sched            = params.backend_sched;
    oc->ctx_compute              = params.ctx_compute;
    oc->inputs                   = params.inputs;
    oc->outputs                  = params.outputs;
    oc->loss_type                = params.loss_type;
    oc->build_type               = params.build_type;
    oc->opt_period               = params.opt_period;
    oc->grad_checkpoint_interval = params.grad_checkpoint_interval;
    oc->get_opt_pars             = params.get_opt_pars;
    oc->get_opt_pars_ud          = params.get_opt_pars_ud;
    oc->optimizer                = params.optimizer;
    ggml_opt_prng_seed(oc->rng, params.seed);

    oc->static_graphs = params.ctx_compute != nullptr;
    if (!oc->static_graphs) {
        if (params.inputs || params.outputs) {
            GGML_ABORT("ggml_opt_init: inputs and outputs are given without ctx_compute; "
                       "set all three for static graphs, or none and use ggml_opt_prepare_alloc");
        }
        return oc;
    }
    if (!params.inputs || !params.outputs) {
        GGML_ABORT("ggml_opt_init: static graphs need inputs and outputs along with ctx_compute");
    }

    oc->gf = ggml_new_graph_custom(oc->ctx_compute, GGML_DEFAULT_GRAPH_SIZE, /*grads =*/ true);
    ggml_build_forward_expand(oc->gf, oc->outputs);
    ggml_opt_build(oc, oc->build_type);
    return oc;
}

void ggml_opt_free(ggml_opt_context_t opt_ctx) {
    if (!opt_ctx) return;
    ggml_backend_buffer_free(opt_ctx->buf_static);
    ggml_free(opt_ctx->ctx_static);
    ggml_free(opt_ctx->ctx_copy);
    delete opt_ctx;
}

void ggml_opt_reset(ggml_opt_context_t opt_ctx, bool optimizer) {
    GGML_ASSERT(opt_ctx);
    if (opt_ctx->buf_static) ggml_opt_reset_static_tensors(opt_ctx, optimizer);
    if (optimizer) opt_ctx->iter = 1;
    opt_ctx->opt_i = 0;
}

// ---------------------------------------------------------------------------------------------
// accessors

bool ggml_opt_static_graphs(ggml_opt_context_t opt_ctx) { return opt_ctx->static_graphs; }
ggml_tensor * ggml_opt_inputs(ggml_opt_context_t opt_ctx) { return opt_ctx->inputs; }
ggml_tensor * ggml_opt_outputs(ggml_opt_context_t opt_ctx) { return opt_ctx->outputs; }
ggml_tensor * ggml_opt_labels(ggml_opt_context_t opt_ctx) { return opt_ctx->labels; }
ggml_tensor * ggml_opt_loss(ggml_opt_context_t opt_ctx) { return opt_ctx->loss; }
ggml_tensor * ggml_opt_pred(ggml_opt_context_t opt_ctx) { return opt_ctx->pred; }
ggml_tensor * ggml_opt_ncorrect(ggml_opt_context_t opt_ctx) { return opt_ctx->ncorrect; }

ggml_tensor * ggml_opt_grad_acc(ggml_opt_context_t opt_ctx, ggml_tensor * node) {
    ggml_cgraph * g = opt_ctx->gb_opt ? opt_ctx->gb_opt : opt_ctx->gb_grad;
    return g ? ggml_graph_get_grad_acc(g, node) : nullptr;
}

ggml_opt_optimizer_type ggml_opt_context_optimizer_type(ggml_opt_context_t opt_ctx) { return opt_ctx->optimizer; }

void ggml_opt_prepare_alloc(ggml_opt_context_t opt_ctx, ggml_context * ctx_compute, ggml_cgraph * gf,
                            ggml_tensor * inputs, ggml_tensor * outputs) {
    if (opt_ctx->static_graphs) GGML_ABORT("ggml_opt_prepare_alloc: the context has static graphs (built by ggml_opt_init)");
    if (!ctx_compute || !gf || !inputs || !outputs) {
        GGML_ABORT("ggml_opt_prepare_alloc: ctx_compute, gf, inputs and outputs must all be given");
    }
    opt_ctx->ctx_compute = ctx_compute;
    opt_ctx->gf          = gf;
    opt_ctx->inputs      = inputs;
    opt_ctx->outputs     = outputs;
}
