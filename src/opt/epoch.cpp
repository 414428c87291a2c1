// ggml_opt_epoch: one pass over a dataset, training on its front and evaluating on its back,
// optionally with every training batch transformed on a worker thread.

#include "opt/opt-impl.h"

#include "ggml-opt-augment.h"

#include <cinttypes>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

// Fetches and transforms the training batches one ahead of the computation: slot ibatch % 2 is
// filled by the worker while the caller uploads and computes the other one.
class batch_prefetcher {
public:
    batch_prefetcher(ggml_opt_dataset_t dataset, int64_t ndata_batch, int64_t nbatches,
                     ggml_opt_batch_transform transform, void * userdata)
        : dataset_(dataset), ndata_batch_(ndata_batch), nbatches_(nbatches), transform_(transform), userdata_(userdata) {
        ggml_tensor * data   = ggml_opt_dataset_data(dataset);
        ggml_tensor * labels = ggml_opt_dataset_labels(dataset);
        ne_datapoint_ = data->ne[0];
        ne_label_     = labels ? labels->ne[0] : 0;
        for (slot & s : slots_) {
            s.data.resize(ne_datapoint_ * ndata_batch);
            s.labels.resize(ne_label_ * ndata_batch);
        }
        worker_ = std::thread(&batch_prefetcher::run, this);
    }

    ~batch_prefetcher() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        worker_.join();
    }

    // Waits for batch ibatch (batches are taken in order), uploads it and frees its slot.
    void upload(int64_t ibatch, ggml_tensor * inputs, ggml_tensor * labels) {
        slot & s = slots_[ibatch % 2];
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return s.ready && s.ibatch == ibatch; });
        lock.unlock();
        ggml_backend_tensor_set(inputs, s.data.data(), 0, s.data.size() * sizeof(float));
        if (labels) {
            ggml_backend_tensor_set(labels, s.labels.data(), 0, s.labels.size() * sizeof(float));
        }
        lock.lock();
        s.ready = false;
        lock.unlock();
        cv_.notify_all();
    }

private:
    struct slot {
        std::vector<float> data, labels;
        int64_t ibatch = -1;
        bool    ready  = false;
    };

    void run() {
        for (int64_t ibatch = 0; ibatch < nbatches_; ++ibatch) {
            slot & s = slots_[ibatch % 2];
            {
                std::unique_lock<std::mutex> lock(mutex_);
                cv_.wait(lock, [&] { return stop_ || !s.ready; });
                if (stop_) return;
            }
            ggml_opt_dataset_get_batch_host(dataset_, s.data.data(), s.data.size() * sizeof(float),
                                            ne_label_ ? s.labels.data() : nullptr, ibatch);
            transform_(userdata_, s.data.data(), ne_label_ ? s.labels.data() : nullptr, ne_datapoint_, ne_label_,
                       ndata_batch_, ibatch);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                s.ibatch = ibatch;
                s.ready  = true;
            }
            cv_.notify_all();
        }
    }

    ggml_opt_dataset_t       dataset_;
    int64_t                  ndata_batch_, nbatches_, ne_datapoint_ = 0, ne_label_ = 0;
    ggml_opt_batch_transform transform_;
    void                   * userdata_;
    slot                     slots_[2];
    std::mutex               mutex_;
    std::condition_variable  cv_;
    bool                     stop_ = false;
    std::thread              worker_;
};

} // namespace

void ggml_opt_epoch(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
                    ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
                    ggml_opt_epoch_callback callback_eval) {
    ggml_opt_epoch_transform(opt_ctx, dataset, result_train, result_eval, idata_split, callback_train, callback_eval,
                             nullptr, nullptr);
}

void ggml_opt_epoch_transform(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
                              ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
                              ggml_opt_epoch_callback callback_eval, ggml_opt_batch_transform transform,
                              void * transform_userdata) {
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
    if (transform && (data->type != GGML_TYPE_F32 || (ggml_opt_dataset_labels(dataset) &&
                                                      ggml_opt_dataset_labels(dataset)->type != GGML_TYPE_F32))) {
        GGML_ABORT("ggml_opt_epoch_transform: a batch transform needs an F32 dataset");
    }
    const int64_t nbatches     = ndata / ndata_batch;
    const int64_t ibatch_split = idata_split / ndata_batch;

    int64_t t_start_us = ggml_time_us();
    {
        std::unique_ptr<batch_prefetcher> prefetch;
        if (transform && ibatch_split > 0) {
            prefetch.reset(new batch_prefetcher(dataset, ndata_batch, ibatch_split, transform, transform_userdata));
        }
        for (int64_t ibatch = 0; ibatch < ibatch_split; ++ibatch) {
            ggml_opt_alloc(opt_ctx, /*backward =*/ true);
            if (prefetch) {
                prefetch->upload(ibatch, inputs, labels);
            } else {
                ggml_opt_dataset_get_batch(dataset, inputs, labels, ibatch);
            }
            ggml_opt_eval(opt_ctx, result_train);
            if (callback_train) {
                callback_train(true, opt_ctx, dataset, result_train, ibatch + 1, ibatch_split, t_start_us);
            }
        }
    }

    t_start_us = ggml_time_us();
    for (int64_t ibatch = ibatch_split; ibatch < nbatches; ++ibatch) {
        ggml_opt_alloc(opt_ctx, /*backward =*/ false);
        ggml_opt_dataset_get_batch(dataset, inputs, labels, ibatch);
        ggml_opt_eval(opt_ctx, result_eval);
        if (callback_eval) {
            callback_eval(false, opt_ctx, dataset, result_eval, ibatch + 1 - ibatch_split, nbatches - ibatch_split, t_start_us);
        }
    }
}
