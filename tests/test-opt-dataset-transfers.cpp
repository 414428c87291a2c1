// Batches reach their tensors in as few transfers as the shard layout allows: two buffer types
// that count set_tensor calls, one host and one device-like (not host). Checked over shuffled and
// unshuffled passes with shards of 1 and 2 datapoints: every batch holds the same bytes as
// ggml_opt_dataset_get_batch_host; a device-like tensor takes exactly one transfer per batch; a
// host tensor takes one per run of shards that are also consecutive in the dataset, the runs being
// counted here from the datapoints the batch actually holds.

#include "backend/backend-impl.h"
#include "opt-helpers.h"
#include "test-buffer-type.h"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

ggml_backend_buffer_type g_host_buft   = test_buffer_type::make(/*host =*/ true);
ggml_backend_buffer_type g_device_buft = test_buffer_type::make(/*host =*/ false);

constexpr int64_t NDATA = 24, NE_DATA = 3, NE_LABEL = 2;

ggml_opt_dataset_t make_dataset(int64_t shard) { return opth::numbered_dataset(NDATA, NE_DATA, NE_LABEL, shard); }

// Runs of shards in a batch that follow each other in the dataset, from the datapoints it holds.
int64_t shard_runs(const std::vector<float> & data, int64_t nbatch, int64_t shard) {
    int64_t runs = 0;
    for (int64_t s = 0; s < nbatch / shard; ++s) {
        const int64_t first = (int64_t) data[s * shard * NE_DATA] / 16;
        const int64_t prev_last = s == 0 ? -2 : (int64_t) data[(s * shard - 1) * NE_DATA] / 16;
        runs += first != prev_last + 1;
    }
    return runs;
}

void check_passes(ggml_backend_buffer_type_t buft, bool host, int64_t shard, int64_t nbatch, ggml_opt_context_t opt_ctx) {
    ggml_context * ctx = opth::new_meta_context(2, 0);
    ggml_tensor * data_batch   = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, NE_DATA, nbatch);
    ggml_tensor * labels_batch = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, NE_LABEL, nbatch);
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors_from_buft(ctx, buft);
    ggml_opt_dataset_t ds = make_dataset(shard);

    bool same_bytes = true, counts_ok = true, shuffled_apart = false;
    std::vector<float> data(NE_DATA * nbatch), labels(NE_LABEL * nbatch);
    std::vector<float> hdata(NE_DATA * nbatch), hlabels(NE_LABEL * nbatch);
    for (int pass = 0; pass < 4; ++pass) {
        if (pass > 0) ggml_opt_dataset_shuffle(opt_ctx, ds, -1); // pass 0 in order: one run per batch
        for (int64_t ib = 0; ib < NDATA / nbatch; ++ib) {
            test_buffer_type::g_set_calls = 0;
            ggml_opt_dataset_get_batch(ds, data_batch, labels_batch, ib);
            const int sets = test_buffer_type::g_set_calls;
            ggml_backend_tensor_get(data_batch, data.data(), 0, ggml_nbytes(data_batch));
            ggml_backend_tensor_get(labels_batch, labels.data(), 0, ggml_nbytes(labels_batch));
            ggml_opt_dataset_get_batch_host(ds, hdata.data(), hdata.size() * sizeof(float), hlabels.data(), ib);
            same_bytes = same_bytes && memcmp(data.data(), hdata.data(), data.size() * sizeof(float)) == 0 &&
                         memcmp(labels.data(), hlabels.data(), labels.size() * sizeof(float)) == 0;

            const int64_t runs = shard_runs(hdata, nbatch, shard);
            shuffled_apart = shuffled_apart || runs > 1;
            const int64_t want = host ? 2 * runs : 2; // data and labels
            if (sets != want) {
                counts_ok = false;
                fprintf(stderr, "%s buffer, shard %lld, batch %lld of %lld: %d transfers, want %lld (%lld runs)\n",
                        host ? "host" : "device", (long long) shard, (long long) ib, (long long) nbatch, sets,
                        (long long) want, (long long) runs);
            }
        }
    }
    CHECK(same_bytes);
    CHECK(counts_ok);
    CHECK(shuffled_apart); // the shuffles did split batches into several runs

    ggml_opt_dataset_free(ds);
    ggml_backend_buffer_free(buf);
    ggml_free(ctx);
}

} // namespace

int main() {
    opth::cpu_sched cpu;
    ggml_opt_params params = ggml_opt_default_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
    params.seed = 7;
    ggml_opt_context_t opt_ctx = ggml_opt_init(params);
    for (int64_t shard : {1, 2}) {
        for (int64_t nbatch : {int64_t(6), int64_t(12)}) {
            check_passes(&g_device_buft, false, shard, nbatch, opt_ctx);
            check_passes(&g_host_buft, true, shard, nbatch, opt_ctx);
        }
    }
    ggml_opt_free(opt_ctx);
    return opth::finish();
}
