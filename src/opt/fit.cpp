// ggml_opt_fit: the whole training loop in one call.

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace {

struct fit_plan {
    int64_t opt_period;  // physical batches per optimizer step
    int64_t idata_split; // datapoints used for training
};

// Checks the sizes against each other and works out the split; false (after logging what is
// wrong) when they do not fit.
bool plan_fit(ggml_tensor * inputs, ggml_tensor * outputs, ggml_opt_dataset_t dataset, ggml_opt_loss_type loss_type,
              ggml_opt_optimizer_type optimizer, ggml_opt_get_optimizer_params get_opt_pars, int64_t nepoch,
              int64_t nbatch_logical, float val_split, fit_plan & plan) {
    const int64_t ndata           = ggml_opt_dataset_ndata(dataset);
    const int64_t ne_datapoint    = ggml_opt_dataset_data(dataset)->ne[0];
    const int64_t nbatch_physical = inputs->ne[1];

    if (inputs->ne[0] != ne_datapoint || ggml_nelements(inputs) != ne_datapoint * nbatch_physical) {
        GGML_LOG_ERROR("ggml_opt_fit: inputs must have shape [%" PRId64 ", nbatch] to match the dataset's datapoints, "
                       "got [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "]\n", ne_datapoint,
                       inputs->ne[0], inputs->ne[1], inputs->ne[2], inputs->ne[3]);
        return false;
    }
    const bool needs_labels = loss_type == GGML_OPT_LOSS_TYPE_CROSS_ENTROPY || loss_type == GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR;
    ggml_tensor * labels = ggml_opt_dataset_labels(dataset);
    if (needs_labels && !labels) {
        GGML_LOG_ERROR("ggml_opt_fit: the %s loss needs labels but the dataset has none\n",
                       loss_type == GGML_OPT_LOSS_TYPE_CROSS_ENTROPY ? "cross-entropy" : "mean squared error");
        return false;
    }
    if (needs_labels && (outputs->ne[0] != labels->ne[0] || ggml_nelements(outputs) != outputs->ne[0] * nbatch_physical)) {
        GGML_LOG_ERROR("ggml_opt_fit: outputs must have shape [%" PRId64 ", %" PRId64 "] to match the labels, "
                       "got [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "]\n", labels->ne[0], nbatch_physical,
                       outputs->ne[0], outputs->ne[1], outputs->ne[2], outputs->ne[3]);
        return false;
    }
    if (nbatch_logical <= 0 || nbatch_logical % nbatch_physical != 0) {
        GGML_LOG_ERROR("ggml_opt_fit: the logical batch size %" PRId64 " must be a positive multiple of the physical "
                       "batch size %" PRId64 " (the inputs' second dimension)\n", nbatch_logical, nbatch_physical);
        return false;
    }
    if (ndata % nbatch_logical != 0) {
        GGML_LOG_ERROR("ggml_opt_fit: the dataset size %" PRId64 " is not a multiple of the logical batch size %" PRId64 "\n",
                       ndata, nbatch_logical);
        return false;
    }
    if (!(val_split >= 0.0f && val_split < 1.0f)) {
        GGML_LOG_ERROR("ggml_opt_fit: val_split must be in [0, 1), got %g\n", (double) val_split);
        return false;
    }
    if (nepoch < 0) {
        GGML_LOG_ERROR("ggml_opt_fit: nepoch must be >= 0, got %" PRId64 "\n", nepoch);
        return false;
    }

    // Training gets (1 - val_split) of the logical batches, rounded down. The relative slack
    // absorbs the error of val_split's float representation, so that 0.05 of 60 batches
    // leaves 57 for training rather than 56.
    const int64_t nbatches_logical = ndata / nbatch_logical;
    const double  train_batches    = (1.0 - (double) val_split) * (double) nbatches_logical;
    const int64_t ntrain_logical   = (int64_t) std::floor(train_batches * (1.0 + 1e-6));
    if (ntrain_logical < 1) {
        GGML_LOG_ERROR("ggml_opt_fit: val_split %g leaves no training data (%" PRId64 " logical batches of %" PRId64 ")\n",
                       (double) val_split, nbatches_logical, nbatch_logical);
        return false;
    }

    int64_t epoch = 1;
    const ggml_opt_optimizer_params pars = get_opt_pars(&epoch);
    char msg[256];
    if (ggml_opt_check_optimizer_params(optimizer, pars, msg, sizeof msg)[0]) {
        GGML_LOG_ERROR("ggml_opt_fit: %s (from get_opt_pars for epoch 1)\n", msg);
        return false;
    }

    plan.opt_period  = nbatch_logical / nbatch_physical;
    plan.idata_split = ntrain_logical * nbatch_logical;
    return true;
}

} // namespace

void ggml_opt_fit(ggml_backend_sched_t backend_sched, ggml_context * ctx_compute, ggml_tensor * inputs,
                  ggml_tensor * outputs, ggml_opt_dataset_t dataset, ggml_opt_loss_type loss_type,
                  ggml_opt_optimizer_type optimizer, ggml_opt_get_optimizer_params get_opt_pars, int64_t nepoch,
                  int64_t nbatch_logical, float val_split, bool silent) {
    if (!backend_sched || !ctx_compute || !inputs || !outputs || !dataset || !get_opt_pars) {
        GGML_ABORT("ggml_opt_fit: backend_sched, ctx_compute, inputs, outputs, dataset and get_opt_pars must all be given");
    }
    ggml_time_init();
    const int64_t t_start_us = ggml_time_us();

    fit_plan plan;
    if (!plan_fit(inputs, outputs, dataset, loss_type, optimizer, get_opt_pars, nepoch, nbatch_logical, val_split, plan)) {
        return;
    }
    const int64_t ndata = ggml_opt_dataset_ndata(dataset);

    int64_t epoch = 1;
    ggml_opt_params params = ggml_opt_default_params(backend_sched, loss_type);
    params.ctx_compute     = ctx_compute;
    params.inputs          = inputs;
    params.outputs         = outputs;
    params.opt_period      = (int32_t) plan.opt_period;
    params.get_opt_pars    = get_opt_pars;
    params.get_opt_pars_ud = &epoch;
    params.optimizer       = optimizer;
    ggml_opt_context_t opt_ctx = ggml_opt_init(params);

    // Shuffling only changes anything when the data spans more than one logical batch. The
    // first shuffle also decides which datapoints are held out for validation.
    if (nbatch_logical < ndata) {
        ggml_opt_dataset_shuffle(opt_ctx, dataset, -1);
    }

    ggml_opt_result_t result_train = ggml_opt_result_init();
    ggml_opt_result_t result_val   = ggml_opt_result_init();
    ggml_opt_epoch_callback callback = silent ? nullptr : ggml_opt_epoch_callback_progress_bar;

    for (; epoch <= nepoch; ++epoch) {
        if (nbatch_logical < plan.idata_split) {
            ggml_opt_dataset_shuffle(opt_ctx, dataset, plan.idata_split);
        }
        ggml_opt_result_reset(result_train);
        ggml_opt_result_reset(result_val);

        if (!silent) fprintf(stderr, "ggml_opt_fit: epoch %04" PRId64 "/%04" PRId64 ":\n", epoch, nepoch);
        ggml_opt_epoch(opt_ctx, dataset, result_train, result_val, plan.idata_split, callback, callback);
        if (!silent) fprintf(stderr, "\n");
    }

    if (!silent) {
        fprintf(stderr, "ggml_opt_fit: training took %s\n", ggml_opt_format_hms(ggml_time_us() - t_start_us).c_str());
    }

    ggml_opt_free(opt_ctx);
    ggml_opt_result_free(result_train);
    ggml_opt_result_free(result_val);
}
