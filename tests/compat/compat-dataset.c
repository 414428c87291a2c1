/* Dataset iteration over every shard size 1..ndata, as a ggml client does it: every shard size
 * gives a dataset, each batch of one shard holds intact consecutive datapoints in order, and the
 * ndata % shard datapoints after the last whole shard are never handed out. */

#include "compat-check.h"

#include "ggml.h"
#include "ggml-opt.h"

enum { NDATA = 10, NE = 3 };

int main(void) {
    for (int64_t shard = 1; shard <= NDATA; ++shard) {
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, NE, 1, NDATA, shard);
        COMPAT_CHECK(ds != NULL);
        if (!ds) continue;
        float * data = ggml_get_data_f32(ggml_opt_dataset_data(ds));
        float * labels = ggml_get_data_f32(ggml_opt_dataset_labels(ds));
        for (int i = 0; i < NDATA; ++i) {
            for (int k = 0; k < NE; ++k) data[i * NE + k] = (float) (100 * i + k);
            labels[i] = (float) i;
        }
        COMPAT_EQ(ggml_opt_dataset_ndata(ds), NDATA);

        float batch[NDATA * NE], batch_labels[NDATA];
        const int64_t nbatches = NDATA / shard;
        int64_t seen = 0;
        for (int64_t ib = 0; ib < nbatches; ++ib) {
            ggml_opt_dataset_get_batch_host(ds, batch, (size_t) (shard * NE) * sizeof(float), batch_labels, ib);
            for (int64_t j = 0; j < shard; ++j) {
                const int64_t i = ib * shard + j;
                COMPAT_CHECK(batch_labels[j] == (float) i);
                for (int k = 0; k < NE; ++k) COMPAT_CHECK(batch[j * NE + k] == (float) (100 * i + k));
                seen++;
            }
        }
        COMPAT_EQ(seen, nbatches * shard);
        ggml_opt_dataset_free(ds);
    }
    return compat_result("compat-dataset");
}
