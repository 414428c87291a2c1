// ggml_opt_epoch: one pass over a dataset, training on its front and evaluating on its back,
// optionally with every training batch transformed before it is uploaded.

#include "opt/opt-impl.h"

#include "ggml-opt-augment.h"

#include <cinttypes>


void ggml_opt_epoch(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
                    ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
                    ggml_opt_epoch_callback callback_eval) {
    ggml_opt_epoch_transform(opt_ctx, dataset, result_train, result_eval, idata_split, callback_train, callback_eval,
                             nullptr, nullptr);
}

// The epoch of all three entry points: false (with the reason logged) when a step's memory
// cannot be allocated; the batches before it are done.
static bool run_epoch(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
                      ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
                      ggml_opt_epoch_callback callback_eval, ggml_opt_batch_transform transform, void * transform_userdata) {
    GGML_ASSERT(opt_ctx && dataset);
    if (!ggml_opt_static_graphs(opt_ctx)) {
        GGML_ABORT("ggml_opt_epoch: needs a context with static graphs (ctx_compute, inputs and outputs given to ggml_opt_init)");
    }
    ggml_tensor * inputs = ggml_opt_inputs(opt_ctx);
    ggml_tensor * labels = ggml_opt_labels(opt_ctx);
    ggml_tensor * data   = ggml_opt_dataset_data(dataset);

    // Everything is checked before the first batch.
    const int64_t ndata        = ggml_opt_dataset_ndata(dataset);
    const int64_t ne_datapoint = data->ne[0];
    if (ggml_nelements(inputs) % ne_datapoint != 0) {
        GGML_ABORT("ggml_opt_epoch: the inputs hold %" PRId64 " elements, not a whole number of datapoints of %" PRId64,
                   ggml_nelements(inputs), ne_datapoint);
    }
    const int64_t ndata_batch = ggml_nelements(inputs) / ne_datapoint;
    if (ndata % ndata_batch != 0) {
        GGML_ABORT("ggml_opt_epoch: the dataset size %" PRId64 " is not a multiple of the batch size %" PRId64, ndata, ndata_batch);
    }
    if (idata_split < 0) idata_split = ndata;
    if (idata_split > ndata || idata_split % ndata_batch != 0) {
        GGML_ABORT("ggml_opt_epoch: idata_split=%" PRId64 " must be a multiple of the batch size %" PRId64
                   " and at most the dataset size %" PRId64, idata_split, ndata_batch, ndata);
    }
    if (labels && !ggml_opt_dataset_labels(dataset)) {
        GGML_ABORT("ggml_opt_epoch: the loss needs labels but the dataset has none");
    }
    if (transform && !ggml_opt_dataset_is_f32(dataset)) {
        GGML_ABORT("ggml_opt_epoch_transform: a batch transform needs an F32 dataset");
    }
    const int64_t nbatches     = ndata / ndata_batch;
    const int64_t ibatch_split = idata_split / ndata_batch;

    int64_t t_start_us = ggml_time_us();
    for (int64_t ibatch = 0; ibatch < ibatch_split; ++ibatch) {
        if (!ggml_opt_alloc_checked(opt_ctx, /*backward =*/ true)) return false;
        ggml_opt_dataset_get_batch_transform(dataset, inputs, labels, ibatch, transform, transform_userdata);
        ggml_opt_eval(opt_ctx, result_train);
        if (callback_train) {
            callback_train(true, opt_ctx, dataset, result_train, ibatch + 1, ibatch_split, t_start_us);
        }
    }

    t_start_us = ggml_time_us();
    for (int64_t ibatch = ibatch_split; ibatch < nbatches; ++ibatch) {
        if (!ggml_opt_alloc_checked(opt_ctx, /*backward =*/ false)) return false;
        ggml_opt_dataset_get_batch(dataset, inputs, labels, ibatch);
        ggml_opt_eval(opt_ctx, result_eval);
        if (callback_eval) {
            callback_eval(false, opt_ctx, dataset, result_eval, ibatch + 1 - ibatch_split, nbatches - ibatch_split, t_start_us);
        }
    }
    return true;
}

void ggml_opt_epoch_transform(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
                              ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
                              ggml_opt_epoch_callback callback_eval, ggml_opt_batch_transform transform,
                              void * transform_userdata) {
    if (!run_epoch(opt_ctx, dataset, result_train, result_eval, idata_split, callback_train, callback_eval, transform,
                   transform_userdata)) {
        GGML_ABORT("ggml_opt_epoch: out of memory (see the message above)");
    }
}

bool ggml_opt_epoch_checked(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
                            ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
                            ggml_opt_epoch_callback callback_eval) {
    return run_epoch(opt_ctx, dataset, result_train, result_eval, idata_split, callback_train, callback_eval, nullptr, nullptr);
}
