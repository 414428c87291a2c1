// One training or evaluation step: ggml_opt_alloc picks and allocates the graph, ggml_opt_eval
// sets the optimizer's parameters, runs it and records the batch in a result.

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"
#include "ggml-backend.h"

#include <cinttypes>
#include <cmath>

void ggml_opt_alloc(ggml_opt_context_t opt_ctx, bool backward) {
    if (!ggml_opt_alloc_checked(opt_ctx, backward)) GGML_ABORT("ggml_opt_alloc: out of memory (see the message above)");
}

bool ggml_opt_alloc_checked(ggml_opt_context_t opt_ctx, bool backward) {
    ggml_opt_context * oc = opt_ctx;
    if (oc->eval_ready) GGML_ABORT("ggml_opt_alloc: called twice without ggml_opt_eval in between");
    if (backward && oc->build_type < GGML_OPT_BUILD_TYPE_GRAD) {
        GGML_ABORT("ggml_opt_alloc: backward pass requested from a context built for the forward pass only");
    }

    // The optimizer steps on the last batch of each accumulation period.
    ggml_opt_build_type type = GGML_OPT_BUILD_TYPE_FORWARD;
    if (backward) {
        const bool last_of_period = (oc->opt_i + 1) % oc->opt_period == 0;
        type = oc->build_type == GGML_OPT_BUILD_TYPE_OPT && last_of_period ? GGML_OPT_BUILD_TYPE_OPT : GGML_OPT_BUILD_TYPE_GRAD;
    }

    if (!oc->static_graphs) {
        ggml_opt_build(oc, type);
    }
    if (oc->out_of_memory) return false;

    // A new accumulation period starts from zero gradients. Contexts that only compute gradients
    // keep summing them until ggml_opt_reset.
    if (backward && oc->build_type == GGML_OPT_BUILD_TYPE_OPT && oc->opt_i == 0) {
        ggml_opt_reset_static_tensors(oc, /*momenta =*/ false);
    }

    ggml_cgraph * graph = type == GGML_OPT_BUILD_TYPE_OPT ? oc->gb_opt : type == GGML_OPT_BUILD_TYPE_GRAD ? oc->gb_grad : oc->gf;
    GGML_ASSERT(graph);

    if (oc->allocated_graph == graph) {
        oc->eval_ready = true; // static graphs: the allocation from the previous step still holds
        return true;
    }

    ggml_backend_sched_reset(oc->backend_sched);
    if (oc->static_graphs) {
        ggml_free(oc->ctx_copy);
        const ggml_init_params params = { ggml_opt_graph_copy_mem_size(graph), nullptr, /*no_alloc =*/ true };
        oc->ctx_copy = ggml_init(params);
        oc->allocated_graph_copy = ggml_opt_graph_copy(oc->ctx_copy, graph);
    } else {
        oc->allocated_graph_copy = graph;
    }
    if (!ggml_backend_sched_alloc_graph(oc->backend_sched, oc->allocated_graph_copy)) {
        GGML_LOG_ERROR("ggml_opt: out of memory: the backend scheduler could not allocate the %s graph (%d nodes)\n",
                       type == GGML_OPT_BUILD_TYPE_OPT ? "optimizer" : type == GGML_OPT_BUILD_TYPE_GRAD ? "gradient" : "forward",
                       graph->n_nodes);
        oc->allocated_graph = nullptr;
        return false;
    }
    oc->allocated_graph = graph;
    oc->eval_ready = true;
    return true;
}

// Writes this step's hyperparameters into the optimizer's parameter tensor.
static void set_optimizer_step_params(ggml_opt_context * oc) {
    const ggml_opt_optimizer_params pars = oc->get_opt_pars(oc->get_opt_pars_ud);
    char msg[256];
    if (ggml_opt_check_optimizer_params(oc->optimizer, pars, msg, sizeof msg)[0]) {
        GGML_ABORT("ggml_opt_eval: %s (from get_opt_pars)", msg);
    }
    switch (oc->optimizer) {
        case GGML_OPT_OPTIMIZER_TYPE_ADAMW: {
            // bias corrections 1/(1 - beta^t) for step t = iter
            const float beta1h = (float) (1.0 / (1.0 - std::pow((double) pars.adamw.beta1, (double) oc->iter)));
            const float beta2h = (float) (1.0 / (1.0 - std::pow((double) pars.adamw.beta2, (double) oc->iter)));
            const float values[7] = { pars.adamw.alpha, pars.adamw.beta1, pars.adamw.beta2, pars.adamw.eps,
                                      pars.adamw.wd, beta1h, beta2h };
            ggml_backend_tensor_set(oc->opt_step_params, values, 0, sizeof(values));
            break;
        }
        case GGML_OPT_OPTIMIZER_TYPE_SGD: {
            const float values[2] = { pars.sgd.alpha, pars.sgd.wd };
            ggml_backend_tensor_set(oc->opt_step_params, values, 0, sizeof(values));
            break;
        }
        default:
            GGML_ABORT("ggml_opt_eval: unknown optimizer type %d", (int) oc->optimizer);
    }
}

static void record_result(ggml_opt_context * oc, ggml_opt_result * result) {
    if (result->ndata == 0 && result->loss.empty()) {
        result->loss_per_datapoint = oc->loss_per_datapoint;
        result->opt_period         = oc->opt_period;
    } else if (result->loss_per_datapoint != oc->loss_per_datapoint || result->opt_period != oc->opt_period) {
        GGML_ABORT("ggml_opt_eval: the result already holds batches of a different loss type or opt_period; "
                   "use one result per context or ggml_opt_result_reset");
    }

    const int64_t ndata = oc->outputs->ne[1];
    if (result->ndata != ndata * (int64_t) result->loss.size()) {
        GGML_ABORT("ggml_opt_eval: batch of %" PRId64 " datapoints added to a result of batches of %" PRId64
                   " (all batches of a result must have the same size)",
                   ndata, result->loss.empty() ? (int64_t) 0 : result->ndata / (int64_t) result->loss.size());
    }
    result->ndata += ndata;

    GGML_ASSERT(ggml_is_scalar(oc->loss) && oc->loss->type == GGML_TYPE_F32);
    float loss;
    ggml_backend_tensor_get(oc->loss, &loss, 0, sizeof(loss));
    result->loss.push_back(loss);

    if (oc->pred) {
        GGML_ASSERT(oc->pred->type == GGML_TYPE_I32 && ggml_nelements(oc->pred) == ndata);
        const size_t old = result->pred.size();
        result->pred.resize(old + ndata);
        ggml_backend_tensor_get(oc->pred, result->pred.data() + old, 0, ggml_nbytes(oc->pred));
    }

    if (!oc->ncorrect || result->ncorrect < 0) {
        result->ncorrect = -1; // accuracy undefined from here on
        return;
    }
    GGML_ASSERT(ggml_is_scalar(oc->ncorrect) && oc->ncorrect->type == GGML_TYPE_I64);
    int64_t ncorrect;
    ggml_backend_tensor_get(oc->ncorrect, &ncorrect, 0, sizeof(ncorrect));
    result->ncorrect += ncorrect;
}

void ggml_opt_eval(ggml_opt_context_t opt_ctx, ggml_opt_result_t result) {
    ggml_opt_context * oc = opt_ctx;
    if (!oc->eval_ready) GGML_ABORT("ggml_opt_eval: no graph allocated; call ggml_opt_alloc before every ggml_opt_eval");

    const bool optimizer_step = oc->allocated_graph == oc->gb_opt;
    const bool backward       = optimizer_step || oc->allocated_graph == oc->gb_grad;
    if (optimizer_step) set_optimizer_step_params(oc);

    const ggml_status status = ggml_backend_sched_graph_compute(oc->backend_sched, oc->allocated_graph_copy);
    if (status != GGML_STATUS_SUCCESS) {
        GGML_ABORT("ggml_opt_eval: computing the graph failed: %s", ggml_status_to_string(status));
    }
    if (optimizer_step) oc->iter++;
    if (backward) oc->opt_i = (oc->opt_i + 1) % oc->opt_period;
    oc->eval_ready = false;

    if (result) record_result(oc, result);

    if (!oc->static_graphs) {
        // the graphs lived in the caller's ctx_compute and are rebuilt for the next step
        oc->gf                   = nullptr;
        oc->gb_grad              = nullptr;
        oc->gb_opt               = nullptr;
        oc->allocated_graph      = nullptr;
        oc->allocated_graph_copy = nullptr;
    }
}
