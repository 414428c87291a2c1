// Datasets: all datapoints and labels in two host tensors, handed out batch by batch in an order
// of shards that ggml_opt_dataset_shuffle permutes.

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-opt-augment.h"

#include <cinttypes>
#include <cstring>
#include <vector>

ggml_opt_dataset_t ggml_opt_dataset_init(ggml_type type_data, ggml_type type_label, int64_t ne_datapoint,
                                         int64_t ne_label, int64_t ndata, int64_t ndata_shard) {
    // As in ggml, a shard size need not divide ndata: the dataset has ndata / ndata_shard whole
    // shards, and the datapoints past the last whole shard are never shuffled or handed out.
    if (ndata <= 0 || ne_datapoint <= 0 || ne_label < 0 || ndata_shard <= 0) {
        GGML_LOG_ERROR("ggml_opt_dataset_init: unusable sizes: ne_datapoint=%" PRId64 " ne_label=%" PRId64
                       " ndata=%" PRId64 " ndata_shard=%" PRId64 " (need ndata > 0, ne_datapoint > 0,"
                       " ne_label >= 0 and ndata_shard > 0)\n",
                       ne_datapoint, ne_label, ndata, ndata_shard);
        return nullptr;
    }

    ggml_opt_dataset * ds = new ggml_opt_dataset;
    ds->ndata       = ndata;
    ds->ndata_shard = ndata_shard;

    const ggml_init_params params = { 2 * ggml_tensor_overhead(), nullptr, /*no_alloc =*/ true };
    ds->ctx = ggml_init(params);
    ds->data = ggml_new_tensor_2d(ds->ctx, type_data, ne_datapoint, ndata);
    ggml_set_name(ds->data, "dataset_data");
    ds->nbs_data = ds->data->nb[1] * ndata_shard;
    if (ne_label > 0) {
        ds->labels = ggml_new_tensor_2d(ds->ctx, type_label, ne_label, ndata);
        ggml_set_name(ds->labels, "dataset_labels");
        ds->nbs_labels = ds->labels->nb[1] * ndata_shard;
    }

    ds->buf = ggml_backend_alloc_ctx_tensors_from_buft(ds->ctx, ggml_backend_cpu_buffer_type());
    if (!ds->buf) {
        GGML_LOG_ERROR("ggml_opt_dataset_init: could not allocate %zu bytes for %" PRId64 " datapoints\n",
                       ggml_nbytes(ds->data) + (ds->labels ? ggml_nbytes(ds->labels) : 0), ndata);
        ggml_free(ds->ctx);
        delete ds;
        return nullptr;
    }

    const int64_t nshards = ndata / ndata_shard;
    ds->permutation.resize(nshards);
    for (int64_t i = 0; i < nshards; ++i) ds->permutation[i] = i;
    return ds;
}

void ggml_opt_dataset_free(ggml_opt_dataset_t dataset) {
    if (!dataset) return;
    ggml_backend_buffer_free(dataset->buf);
    ggml_free(dataset->ctx);
    delete dataset;
}

int64_t ggml_opt_dataset_ndata(ggml_opt_dataset_t dataset) { return dataset->ndata; }
ggml_tensor * ggml_opt_dataset_data(ggml_opt_dataset_t dataset) { return dataset->data; }
ggml_tensor * ggml_opt_dataset_labels(ggml_opt_dataset_t dataset) { return dataset->labels; }

void ggml_opt_dataset_shuffle(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, int64_t idata) {
    GGML_ASSERT(opt_ctx && dataset);
    if (idata > dataset->ndata) {
        GGML_ABORT("ggml_opt_dataset_shuffle: idata=%" PRId64 " exceeds the dataset size %" PRId64, idata, dataset->ndata);
    }
    if (idata < 0) {
        ggml_opt_prng_shuffle(opt_ctx->rng, dataset->permutation.data(), (int64_t) dataset->permutation.size());
        return;
    }
    if (idata % dataset->ndata_shard != 0) {
        GGML_ABORT("ggml_opt_dataset_shuffle: idata=%" PRId64 " is not a multiple of the shard size %" PRId64,
                   idata, dataset->ndata_shard);
    }
    ggml_opt_prng_shuffle(opt_ctx->rng, dataset->permutation.data(), idata / dataset->ndata_shard);
}

// Number of shards in a batch of nbytes bytes of data, checked against the dataset.
static int64_t shards_per_batch(const ggml_opt_dataset * ds, size_t nb_data_batch, int64_t ibatch, const char * func) {
    if (nb_data_batch == 0 || nb_data_batch % ds->nbs_data != 0) {
        GGML_ABORT("%s: a batch of %zu bytes is not a whole number of shards of %" PRId64 " datapoints (%zu bytes each)",
                   func, nb_data_batch, ds->ndata_shard, ds->nbs_data);
    }
    const int64_t nshards = (int64_t) (nb_data_batch / ds->nbs_data);
    if (ibatch < 0 || (ibatch + 1) * nshards > (int64_t) ds->permutation.size()) {
        GGML_ABORT("%s: batch %" PRId64 " of %" PRId64 " datapoints is outside the dataset of %" PRId64 " datapoints",
                   func, ibatch, nshards * ds->ndata_shard, ds->ndata);
    }
    return nshards;
}

// The shards order[0..nshards) of src (nbs bytes each), one after the other into out.
static void gather_shards(char * out, const char * src, size_t nbs, const int64_t * order, int64_t nshards) {
    for (int64_t i = 0; i < nshards; ++i) memcpy(out + i * nbs, src + order[i] * nbs, nbs);
}

// A tensor whose bytes the CPU can write directly.
static bool in_host_memory(const ggml_tensor * t) {
    return t->buffer && ggml_backend_buffer_is_host(t->buffer) && t->data;
}

bool ggml_opt_dataset_is_f32(const ggml_opt_dataset * dataset) {
    return dataset->data->type == GGML_TYPE_F32 && (!dataset->labels || dataset->labels->type == GGML_TYPE_F32);
}

// Copies the shards order[0..nshards) of src (nbs bytes each) into dst one after the other.
// Shards that follow each other in src as well go over in one transfer. Host memory takes one
// transfer per such run; any other memory (a device behind staging copies) gets the batch gathered
// here first and takes it in a single transfer, however the shards are shuffled.
static void set_shards(ggml_tensor * dst, const char * src, size_t nbs, const int64_t * order, int64_t nshards,
                       std::vector<char> & gathered) {
    int64_t nruns = 0;
    for (int64_t i = 0; i < nshards; ++i) nruns += i == 0 || order[i] != order[i - 1] + 1;

    // (a tensor without memory takes the path below, where ggml_backend_tensor_set reports it)
    const bool host = !dst->buffer || ggml_backend_buffer_is_host(dst->buffer);
    if (nruns > 1 && !host) {
        gathered.resize((size_t) nshards * nbs); // grows once, then every batch reuses it
        gather_shards(gathered.data(), src, nbs, order, nshards);
        ggml_backend_tensor_set(dst, gathered.data(), 0, gathered.size());
        return;
    }
    for (int64_t i = 0; i < nshards;) {
        int64_t n = 1;
        while (i + n < nshards && order[i + n] == order[i] + n) ++n;
        ggml_backend_tensor_set(dst, src + order[i] * nbs, i * nbs, n * nbs);
        i += n;
    }
}

// The checks of a batch into tensors: returns the number of shards in it.
static int64_t check_batch_tensors(const ggml_opt_dataset * dataset, const ggml_tensor * data_batch,
                                   const ggml_tensor * labels_batch, int64_t ibatch, const char * func) {
    GGML_ASSERT(dataset && data_batch);
    GGML_CHECK_OP(ggml_is_contiguous(data_batch), func, data_batch);
    GGML_CHECK_OP(data_batch->type == dataset->data->type, func, data_batch, dataset->data);
    if (labels_batch && !dataset->labels) {
        GGML_ABORT("%s: labels requested from a dataset without labels", func);
    }

    const int64_t nshards = shards_per_batch(dataset, ggml_nbytes(data_batch), ibatch, func);
    if (labels_batch) {
        GGML_CHECK_OP(ggml_is_contiguous(labels_batch), func, labels_batch);
        GGML_CHECK_OP(labels_batch->type == dataset->labels->type, func, labels_batch, dataset->labels);
        GGML_CHECK_OP(ggml_nbytes(labels_batch) == (size_t) nshards * dataset->nbs_labels, func, labels_batch, data_batch);
    }
    return nshards;
}

void ggml_opt_dataset_get_batch(ggml_opt_dataset_t dataset, ggml_tensor * data_batch, ggml_tensor * labels_batch, int64_t ibatch) {
    const int64_t nshards = check_batch_tensors(dataset, data_batch, labels_batch, ibatch, "ggml_opt_dataset_get_batch");
    const int64_t * order = dataset->permutation.data() + ibatch * nshards;
    set_shards(data_batch, (const char *) dataset->data->data, dataset->nbs_data, order, nshards, dataset->gathered);
    if (labels_batch) {
        set_shards(labels_batch, (const char *) dataset->labels->data, dataset->nbs_labels, order, nshards, dataset->gathered);
    }
}

void ggml_opt_dataset_get_batch_host(ggml_opt_dataset_t dataset, void * data_batch, size_t nb_data_batch,
                                     void * labels_batch, int64_t ibatch) {
    GGML_ASSERT(dataset && data_batch);
    if (labels_batch && !dataset->labels) {
        GGML_ABORT("ggml_opt_dataset_get_batch_host: labels requested from a dataset without labels");
    }
    const int64_t nshards = shards_per_batch(dataset, nb_data_batch, ibatch, "ggml_opt_dataset_get_batch_host");

    const char * data   = (const char *) dataset->data->data;
    const char * labels = dataset->labels ? (const char *) dataset->labels->data : nullptr;
    for (int64_t i = 0; i < nshards; ++i) {
        const int64_t ishard = dataset->permutation[ibatch * nshards + i];
        memcpy((char *) data_batch + i * dataset->nbs_data, data + ishard * dataset->nbs_data, dataset->nbs_data);
        if (labels_batch) {
            memcpy((char *) labels_batch + i * dataset->nbs_labels, labels + ishard * dataset->nbs_labels,
                   dataset->nbs_labels);
        }
    }
}

// Gathers one array of a batch into host memory (the tensor's own when it has host memory, the
// staging vector otherwise) and returns where.
static char * gather_host(ggml_tensor * dst, const char * src, size_t nbs, const int64_t * order, int64_t nshards,
                          std::vector<char> & staging) {
    char * out = nullptr;
    if (in_host_memory(dst)) {
        out = (char *) dst->data;
    } else {
        staging.resize((size_t) nshards * nbs); // grows once, then every batch reuses it
        out = staging.data();
    }
    gather_shards(out, src, nbs, order, nshards);
    return out;
}

void ggml_opt_dataset_get_batch_transform(ggml_opt_dataset_t dataset, ggml_tensor * data_batch, ggml_tensor * labels_batch,
                                          int64_t ibatch, ggml_opt_batch_transform transform, void * userdata) {
    if (!transform) {
        ggml_opt_dataset_get_batch(dataset, data_batch, labels_batch, ibatch);
        return;
    }
    if (transform == ggml_opt_augment_batch_transform) {
        // the same bytes without gathering the batch first
        ggml_opt_augment_get_batch((const ggml_opt_augment_params *) userdata, dataset, data_batch, labels_batch, ibatch);
        return;
    }
    const char * func = "ggml_opt_dataset_get_batch_transform";
    const int64_t nshards = check_batch_tensors(dataset, data_batch, labels_batch, ibatch, func);
    if (!ggml_opt_dataset_is_f32(dataset)) GGML_ABORT("%s: a batch transform needs an F32 dataset", func);
    const int64_t * order = dataset->permutation.data() + ibatch * nshards;
    char * data = gather_host(data_batch, (const char *) dataset->data->data, dataset->nbs_data, order, nshards,
                              dataset->gathered);
    char * labels = labels_batch ? gather_host(labels_batch, (const char *) dataset->labels->data, dataset->nbs_labels,
                                               order, nshards, dataset->gathered_labels)
                                 : nullptr;
    transform(userdata, (float *) data, (float *) labels, dataset->data->ne[0], labels ? dataset->labels->ne[0] : 0,
              nshards * dataset->ndata_shard, ibatch);
    if (data != data_batch->data) ggml_backend_tensor_set(data_batch, data, 0, ggml_nbytes(data_batch));
    if (labels && labels != labels_batch->data) ggml_backend_tensor_set(labels_batch, labels, 0, ggml_nbytes(labels_batch));
}

void ggml_opt_augment_get_batch(const ggml_opt_augment_params * params, ggml_opt_dataset_t dataset, ggml_tensor * data_batch,
                                ggml_tensor * labels_batch, int64_t ibatch) {
    const char * func = "ggml_opt_augment_get_batch";
    GGML_ASSERT(params);
    const int64_t nshards = check_batch_tensors(dataset, data_batch, labels_batch, ibatch, func);
    if (!ggml_opt_dataset_is_f32(dataset)) GGML_ABORT("%s: a batch transform needs an F32 dataset", func);
    const int64_t ne = dataset->data->ne[0];
    if (ne != params->width * params->height) {
        GGML_ABORT("%s: datapoints of %" PRId64 " values are not %" PRId64 "x%" PRId64 " images", func, ne, params->width,
                   params->height);
    }
    const int64_t * order = dataset->permutation.data() + ibatch * nshards;
    const int64_t   n     = nshards * dataset->ndata_shard;
    dataset->sources.resize((size_t) n);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t k = order[i / dataset->ndata_shard] * dataset->ndata_shard + i % dataset->ndata_shard;
        dataset->sources[i] = (const float *) dataset->data->data + k * ne;
    }
    const bool host = in_host_memory(data_batch);
    if (!host) dataset->gathered.resize((size_t) n * ne * sizeof(float));
    float * out = host ? (float *) data_batch->data : (float *) dataset->gathered.data();
    ggml_opt_augment_images_from(params, dataset->sources.data(), out, n, ibatch * n);
    if (!host) ggml_backend_tensor_set(data_batch, out, 0, ggml_nbytes(data_batch));
    if (labels_batch) {
        set_shards(labels_batch, (const char *) dataset->labels->data, dataset->nbs_labels, order, nshards,
                   dataset->gathered_labels);
    }
}
