// The graphs an optimization context builds around the user's forward graph: the loss, the
// backward pass and the optimizer steps, and the tensors that persist across steps (gradient
// accumulators, optimizer moments, step parameters).

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"

// The loss (and for cross-entropy the predictions) on top of the outputs, in ctx.
static void build_loss(ggml_opt_context * oc, ggml_context * ctx) {
    ggml_tensor * out = oc->outputs;
    const float period_scale = 1.0f / (float) oc->opt_period;
    switch (oc->loss_type) {
        case GGML_OPT_LOSS_TYPE_MEAN: {
            ggml_tensor * sum = ggml_set_name(ggml_sum(ctx, out), "loss_sum");
            oc->loss = ggml_scale(ctx, sum, 1.0f / ((float) oc->opt_period * (float) ggml_nelements(out)));
            ggml_set_name(oc->loss, "loss_mean");
            oc->loss_per_datapoint = true;
            break;
        }
        case GGML_OPT_LOSS_TYPE_SUM:
            oc->loss = ggml_set_name(ggml_sum(ctx, out), "loss_sum");
            oc->loss_per_datapoint = false;
            break;
        case GGML_OPT_LOSS_TYPE_CROSS_ENTROPY:
            oc->labels = ggml_set_name(ggml_dup_tensor(ctx, out), "labels");
            ggml_set_input(oc->labels);
            oc->loss = ggml_set_name(ggml_cross_entropy_loss(ctx, out, oc->labels), "loss_cross_entropy");
            if (oc->opt_period > 1) {
                oc->loss = ggml_set_name(ggml_scale(ctx, oc->loss, period_scale), "loss_cross_entropy_scaled");
            }
            oc->loss_per_datapoint = true;
            break;
        case GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR: {
            oc->labels = ggml_set_name(ggml_dup_tensor(ctx, out), "labels");
            ggml_set_input(oc->labels);
            ggml_tensor * err = ggml_set_name(ggml_sub(ctx, out, oc->labels), "loss_error");
            ggml_tensor * sq  = ggml_set_name(ggml_sqr(ctx, err), "loss_squared_error");
            ggml_tensor * sum = ggml_set_name(ggml_sum(ctx, sq), "loss_sum_squared_error");
            oc->loss = ggml_scale(ctx, sum, 1.0f / ((float) oc->opt_period * (float) ggml_nelements(out)));
            ggml_set_name(oc->loss, "loss_mean_squared_error");
            oc->loss_per_datapoint = true;
            break;
        }
        default:
            GGML_ABORT("ggml_opt_init: unknown loss type %d", (int) oc->loss_type);
    }
    ggml_set_output(oc->loss);
    ggml_set_loss(oc->loss);
    ggml_build_forward_expand(oc->gf, oc->loss);

    if (oc->loss_type == GGML_OPT_LOSS_TYPE_CROSS_ENTROPY) {
        oc->pred = ggml_set_name(ggml_argmax(ctx, out), "pred");
        ggml_set_output(oc->pred);
        ggml_build_forward_expand(oc->gf, oc->pred);

        ggml_tensor * label_class = ggml_set_name(ggml_argmax(ctx, oc->labels), "label_class");
        oc->ncorrect = ggml_set_name(ggml_count_equal(ctx, oc->pred, label_class), "ncorrect");
        ggml_set_output(oc->ncorrect);
        ggml_build_forward_expand(oc->gf, oc->ncorrect);
    } else {
        oc->pred     = nullptr;
        oc->ncorrect = nullptr;
    }
}

// Creates the tensors that persist across steps (once; they must all exist before the static
// buffer is allocated).
static void create_static_tensors(ggml_opt_context * oc, bool accumulate, bool need_momenta) {
    const int n_nodes = oc->gf->n_nodes;
    oc->grad_accs.assign(n_nodes, nullptr);
    oc->grad_m.assign(n_nodes, nullptr);
    oc->grad_v.assign(n_nodes, nullptr);
    if (oc->build_type < GGML_OPT_BUILD_TYPE_GRAD) return;

    for (int i = 0; i < n_nodes; ++i) {
        ggml_tensor * node = oc->gf->nodes[i];
        const bool is_param = node->flags & GGML_TENSOR_FLAG_PARAM;
        if (node->flags & GGML_TENSOR_FLAG_LOSS) {
            oc->grad_accs[i] = ggml_new_tensor(oc->ctx_static, GGML_TYPE_F32, GGML_MAX_DIMS, node->ne);
            ggml_format_name(oc->grad_accs[i], "grad for %s", node->name);
            oc->grad_acc_loss = oc->grad_accs[i];
        } else if (accumulate && is_param) {
            oc->grad_accs[i] = ggml_new_tensor(oc->ctx_static, GGML_TYPE_F32, GGML_MAX_DIMS, node->ne);
            ggml_format_name(oc->grad_accs[i], "grad acc for %s", node->name);
        }
        if (need_momenta && is_param) {
            oc->grad_m[i] = ggml_new_tensor(oc->ctx_static, GGML_TYPE_F32, GGML_MAX_DIMS, node->ne);
            oc->grad_v[i] = ggml_new_tensor(oc->ctx_static, GGML_TYPE_F32, GGML_MAX_DIMS, node->ne);
            ggml_format_name(oc->grad_m[i], "AdamW m for %s", node->name);
            ggml_format_name(oc->grad_v[i], "AdamW v for %s", node->name);
        }
    }
    if (oc->build_type == GGML_OPT_BUILD_TYPE_OPT) {
        const int64_t n = oc->optimizer == GGML_OPT_OPTIMIZER_TYPE_ADAMW ? 7 : 2;
        oc->opt_step_params = ggml_new_tensor_1d(oc->ctx_static, GGML_TYPE_F32, n);
        ggml_format_name(oc->opt_step_params, "%s_params", ggml_opt_optimizer_name(oc->optimizer));
        ggml_set_input(oc->opt_step_params);
    }
}

// Out of memory is recorded, not fatal: ggml_opt_alloc_checked reports it to the caller.
static void allocate_static_buffer(ggml_opt_context * oc) {
    if (ggml_get_first_tensor(oc->ctx_static)) {
        ggml_backend_t backend = ggml_backend_sched_get_backend(oc->backend_sched, 0);
        oc->buf_static = ggml_backend_alloc_ctx_tensors(oc->ctx_static, backend);
        if (!oc->buf_static) {
            GGML_LOG_ERROR("ggml_opt: out of memory on %s for the optimizer's persistent tensors "
                           "(gradient accumulators, optimizer moments)\n", ggml_backend_name(backend));
            oc->out_of_memory = true;
            return;
        }
    }
    ggml_opt_reset_static_tensors(oc, /*momenta =*/ true);
}

// Keeps every interval-th F32 forward activation alive through the backward pass.
static void mark_checkpoints(ggml_opt_context * oc) {
    const int interval = oc->grad_checkpoint_interval;
    if (interval <= 0) return;
    for (int i = interval - 1; i < oc->gf->n_nodes; i += interval) {
        ggml_tensor * node = oc->gf->nodes[i];
        if (node->type != GGML_TYPE_F32 || (node->flags & (GGML_TENSOR_FLAG_INPUT | GGML_TENSOR_FLAG_OUTPUT))) continue;
        node->flags |= GGML_TENSOR_FLAG_OUTPUT;
    }
}

void ggml_opt_build(ggml_opt_context * oc, ggml_opt_build_type upto) {
    GGML_ASSERT(upto <= oc->build_type);
    GGML_ASSERT(oc->ctx_compute && oc->gf && "ggml_opt_alloc: no forward graph; call ggml_opt_prepare_alloc first");
    GGML_ASSERT(oc->inputs && oc->outputs);
    if (oc->static_graphs && !oc->inputs->data) {
        GGML_ABORT("ggml_opt_init: with static graphs the inputs ('%s') must already be allocated "
                   "(ggml_backend_alloc_ctx_tensors on their context)", oc->inputs->name);
    }

    // Without static graphs gradients always go through accumulators, as the graphs (and their
    // gradient tensors) are rebuilt for every step; with static graphs only when a step spans
    // several batches or gradients are all the context computes.
    const bool accumulate = oc->build_type >= GGML_OPT_BUILD_TYPE_GRAD &&
        !(oc->static_graphs && oc->build_type == GGML_OPT_BUILD_TYPE_OPT && oc->opt_period == 1);
    const bool need_momenta = oc->build_type == GGML_OPT_BUILD_TYPE_OPT && oc->optimizer == GGML_OPT_OPTIMIZER_TYPE_ADAMW;

    oc->gb_grad = nullptr;
    oc->gb_opt  = nullptr;
    ggml_set_input(oc->inputs);
    ggml_set_output(oc->outputs);

    int n_param = 0;
    for (int i = 0; i < oc->gf->n_nodes; ++i) {
        const ggml_tensor * node = oc->gf->nodes[i];
        n_param += (node->flags & GGML_TENSOR_FLAG_PARAM) ? 1 : 0;
        if (node->flags & GGML_TENSOR_FLAG_LOSS) {
            GGML_ABORT("ggml_opt_init: the forward graph already has a loss ('%s'); the context adds its own", node->name);
        }
    }
    if (oc->build_type >= GGML_OPT_BUILD_TYPE_GRAD && n_param == 0) {
        GGML_ABORT("ggml_opt_init: the forward graph has no parameters (ggml_set_param) to train");
    }

    const bool first_build = oc->ctx_static == nullptr;
    if (first_build) {
        // loss gradient, per parameter an accumulator and two moments, step parameters, and
        // with static graphs the loss tensors, labels and predictions
        const size_t n_tensors = 1 + 3 * (size_t) n_param + 1 + (oc->static_graphs ? 12 : 0);
        const ggml_init_params params = { n_tensors * ggml_tensor_overhead(), nullptr, /*no_alloc =*/ true };
        oc->ctx_static = ggml_init(params);
    }

    build_loss(oc, oc->static_graphs ? oc->ctx_static : oc->ctx_compute);

    if (first_build) {
        // everything persistent depends only on gf, so it is created and allocated at once
        create_static_tensors(oc, accumulate, need_momenta);
        allocate_static_buffer(oc);
    } else if ((int) oc->grad_accs.size() != oc->gf->n_nodes) {
        GGML_ABORT("ggml_opt_alloc: the forward graph has %d nodes but the first one had %d; "
                   "every graph passed to ggml_opt_prepare_alloc must have the same structure",
                   oc->gf->n_nodes, (int) oc->grad_accs.size());
    }

    if (upto == GGML_OPT_BUILD_TYPE_FORWARD) return;

    mark_checkpoints(oc);

    oc->gb_grad = ggml_graph_dup(oc->ctx_compute, oc->gf, /*force_grads =*/ true);
    ggml_build_backward_expand(oc->ctx_compute, oc->gb_grad, oc->grad_accs.data());

    if (upto == GGML_OPT_BUILD_TYPE_GRAD) return;

    oc->gb_opt = ggml_graph_dup(oc->ctx_compute, oc->gb_grad, /*force_grads =*/ true);
    for (int i = oc->gf->n_nodes - 1; i >= 0; --i) {
        ggml_tensor * node = oc->gf->nodes[i];
        if (!(node->flags & GGML_TENSOR_FLAG_PARAM)) continue;
        ggml_tensor * grad = ggml_graph_get_grad(oc->gb_opt, node);
        if (!grad) continue; // the parameter does not influence the loss
        ggml_tensor * step = nullptr;
        switch (oc->optimizer) {
            case GGML_OPT_OPTIMIZER_TYPE_ADAMW:
                step = ggml_opt_step_adamw(oc->ctx_compute, node, grad, oc->grad_m[i], oc->grad_v[i], oc->opt_step_params);
                break;
            case GGML_OPT_OPTIMIZER_TYPE_SGD:
                step = ggml_opt_step_sgd(oc->ctx_compute, node, grad, oc->opt_step_params);
                break;
            default:
                GGML_ABORT("ggml_opt_init: unknown optimizer type %d", (int) oc->optimizer);
        }
        ggml_format_name(step, "%s step for %s", ggml_opt_optimizer_name(oc->optimizer), node->name);
        ggml_build_forward_expand(oc->gb_opt, step);
    }
}

void ggml_opt_reset_static_tensors(ggml_opt_context * oc, bool momenta) {
    if (oc->out_of_memory) return; // nothing allocated to reset
    for (ggml_tensor * acc : oc->grad_accs) {
        if (!acc) continue;
        if (acc == oc->grad_acc_loss) {
            const float one = 1.0f;
            ggml_backend_tensor_set(acc, &one, 0, sizeof(one));
        } else {
            ggml_set_zero(acc);
        }
    }
    if (!momenta) return;
    for (ggml_tensor * m : oc->grad_m) if (m) ggml_set_zero(m);
    for (ggml_tensor * v : oc->grad_v) if (v) ggml_set_zero(v);
}
