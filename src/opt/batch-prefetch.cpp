// A worker thread that fetches and transforms the next training batch into the second of two
// host buffers while the caller computes the current one (see include/ggml-opt-augment.h).

#include "ggml-opt-augment.h"

#include "ggml-backend.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace {

struct batch_slot {
    std::vector<float> data, labels;
    int64_t ibatch = -1; // the batch the slot holds, -1: none
};

} // namespace

struct ggml_opt_batch_prefetch {
    ggml_opt_dataset_t       dataset;
    ggml_opt_batch_transform transform;
    void                   * userdata;
    int64_t                  ndata_batch, ne_datapoint, ne_label;
    batch_slot               slots[2];

    std::mutex              mutex;
    std::condition_variable cv;
    batch_slot            * job = nullptr; // the slot the worker is to fill (or is filling)
    int64_t                 job_batch = -1;
    bool                    stop = false;
    std::thread             worker;

    void prepare(batch_slot & s, int64_t ibatch) {
        ggml_opt_dataset_get_batch_host(dataset, s.data.data(), s.data.size() * sizeof(float),
                                        ne_label > 0 ? s.labels.data() : nullptr, ibatch);
        if (transform) {
            transform(userdata, s.data.data(), ne_label > 0 ? s.labels.data() : nullptr, ne_datapoint, ne_label,
                      ndata_batch, ibatch);
        }
        s.ibatch = ibatch;
    }

    void run() {
        std::unique_lock<std::mutex> lock(mutex);
        for (;;) {
            cv.wait(lock, [&] { return stop || job != nullptr; });
            if (stop) return;
            lock.unlock();
            prepare(*job, job_batch);
            lock.lock();
            job = nullptr;
            cv.notify_all();
        }
    }

    // Blocks until the worker has no batch in hand.
    void wait_idle() {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return job == nullptr; });
    }
};

ggml_opt_batch_prefetch_t ggml_opt_batch_prefetch_init(ggml_opt_dataset_t dataset, int64_t ndata_batch,
                                                       ggml_opt_batch_transform transform, void * userdata) {
    GGML_ASSERT(dataset && ndata_batch > 0);
    const ggml_tensor * data   = ggml_opt_dataset_data(dataset);
    const ggml_tensor * labels = ggml_opt_dataset_labels(dataset);
    GGML_ASSERT(data->type == GGML_TYPE_F32 && (!labels || labels->type == GGML_TYPE_F32));
    ggml_opt_batch_prefetch * pf = new ggml_opt_batch_prefetch;
    pf->dataset      = dataset;
    pf->transform    = transform;
    pf->userdata     = userdata;
    pf->ndata_batch  = ndata_batch;
    pf->ne_datapoint = data->ne[0];
    pf->ne_label     = labels ? labels->ne[0] : 0;
    for (batch_slot & s : pf->slots) {
        s.data.resize((size_t) (pf->ne_datapoint * ndata_batch));
        s.labels.resize((size_t) (pf->ne_label * ndata_batch));
    }
    pf->worker = std::thread(&ggml_opt_batch_prefetch::run, pf);
    return pf;
}

void ggml_opt_batch_prefetch_free(ggml_opt_batch_prefetch_t pf) {
    if (!pf) return;
    pf->wait_idle();
    {
        std::lock_guard<std::mutex> lock(pf->mutex);
        pf->stop = true;
    }
    pf->cv.notify_all();
    pf->worker.join();
    delete pf;
}

void ggml_opt_batch_prefetch_reset(ggml_opt_batch_prefetch_t pf) {
    pf->wait_idle();
    pf->slots[0].ibatch = pf->slots[1].ibatch = -1;
}

void ggml_opt_batch_prefetch_upload(ggml_opt_batch_prefetch_t pf, int64_t ibatch, int64_t next, ggml_tensor * inputs,
                                    ggml_tensor * labels) {
    pf->wait_idle();
    batch_slot * ready = pf->slots[0].ibatch == ibatch ? &pf->slots[0] : pf->slots[1].ibatch == ibatch ? &pf->slots[1] : nullptr;
    if (!ready) {
        // not prefetched (the first batch, or a jump): made here, the same bytes as the worker's
        ready = &pf->slots[0];
        pf->prepare(*ready, ibatch);
    }
    GGML_ASSERT(ggml_nbytes(inputs) == ready->data.size() * sizeof(float));
    ggml_backend_tensor_set(inputs, ready->data.data(), 0, ggml_nbytes(inputs));
    if (labels && pf->ne_label > 0) {
        GGML_ASSERT(ggml_nbytes(labels) == ready->labels.size() * sizeof(float));
        ggml_backend_tensor_set(labels, ready->labels.data(), 0, ggml_nbytes(labels));
    }
    if (next >= 0 && next != ibatch) {
        std::lock_guard<std::mutex> lock(pf->mutex);
        pf->job       = ready == &pf->slots[0] ? &pf->slots[1] : &pf->slots[0];
        pf->job_batch = next;
        pf->job->ibatch = -1;
        pf->cv.notify_all();
    }
}
