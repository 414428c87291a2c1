// Datasets: batches of every shard and batch size over 6 datapoints keep data and labels
// together, keep the order without shuffling and hold every datapoint exactly once per pass;
// shuffling follows the documented generator (checked against an implementation written here
// from the description in ggml-opt.h and splitmix64's published outputs); get_batch_host equals
// get_batch; shard sizes that do not divide the dataset leave the rest out, as in ggml;
// unusable sizes are rejected.

#include "opt-helpers.h"
#include "opt/opt-prng.h"

#include <cstring>
#include <vector>

static constexpr int64_t NDATA = 6, NE_DATA = 2, NE_LABEL = 3;

static ggml_opt_dataset_t make_dataset(int64_t shard) { return opth::numbered_dataset(NDATA, NE_DATA, NE_LABEL, shard); }

static ggml_opt_context_t make_context(ggml_backend_sched_t sched, uint64_t seed) {
    ggml_opt_params params = ggml_opt_default_params(sched, GGML_OPT_LOSS_TYPE_SUM);
    params.seed = seed;
    return ggml_opt_init(params);
}

// Datapoint indices in the order one pass of get_batch hands them out; -1 where data and
// labels disagree or a datapoint is garbled.
static std::vector<int64_t> pass_order(ggml_opt_dataset_t ds, ggml_tensor * data_batch, ggml_tensor * labels_batch,
                                       int64_t nbatch, int64_t nusable, bool & host_matches) {
    std::vector<int64_t> order;
    std::vector<float> data(NE_DATA * nbatch), labels(NE_LABEL * nbatch);
    std::vector<float> hdata(NE_DATA * nbatch), hlabels(NE_LABEL * nbatch);
    for (int64_t ib = 0; ib < nusable / nbatch; ++ib) {
        ggml_opt_dataset_get_batch(ds, data_batch, labels_batch, ib);
        ggml_backend_tensor_get(data_batch, data.data(), 0, ggml_nbytes(data_batch));
        ggml_backend_tensor_get(labels_batch, labels.data(), 0, ggml_nbytes(labels_batch));

        ggml_opt_dataset_get_batch_host(ds, hdata.data(), hdata.size() * sizeof(float), hlabels.data(), ib);
        host_matches = host_matches && data == hdata && labels == hlabels;

        for (int64_t j = 0; j < nbatch; ++j) {
            const int64_t i = (int64_t) data[j * NE_DATA] / 16;
            bool ok = i >= 0 && i < NDATA;
            for (int64_t k = 0; k < NE_DATA; ++k) ok = ok && data[j * NE_DATA + k] == (float) (16 * i + k);
            for (int64_t k = 0; k < NE_LABEL; ++k) ok = ok && labels[j * NE_LABEL + k] == (float) (1000 + 16 * i + k);
            order.push_back(ok ? i : -1);
        }
    }
    return order;
}

// Every datapoint intact and at most once; exactly once when the pass covers the dataset.
static bool each_once(const std::vector<int64_t> & order, bool complete) {
    if (complete && (int64_t) order.size() != NDATA) return false;
    std::vector<int> seen(NDATA, 0);
    for (int64_t i : order) {
        if (i < 0 || i >= NDATA) return false;
        seen[i]++;
    }
    for (int n : seen) if (n > 1 || (complete && n != 1)) return false;
    return true;
}

static void test_shards_and_batches(ggml_backend_sched_t sched) {
    ggml_opt_context_t opt_ctx = make_context(sched, GGML_OPT_DEFAULT_SEED);
    ggml_context * ctx = opth::new_meta_context(2 * NDATA, 0);
    ggml_backend_t backend = ggml_backend_sched_get_backend(sched, 0);
    std::vector<ggml_tensor *> data_batch(NDATA + 1), labels_batch(NDATA + 1);
    for (int64_t nb = 1; nb <= NDATA; ++nb) {
        data_batch[nb]   = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, NE_DATA, nb);
        labels_batch[nb] = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, NE_LABEL, nb);
    }
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, backend);

    int ncases = 0;
    for (bool shuffle : {false, true}) {
        for (int64_t shard = 1; shard <= NDATA; ++shard) {
            // As in ggml, a shard size that does not divide the dataset leaves NDATA / shard whole
            // shards; the datapoints after them are never shuffled in or handed out.
            const int64_t nusable = (NDATA / shard) * shard;
            ggml_opt_dataset_t ds = make_dataset(shard);
            for (int64_t nb = shard; nb <= nusable; nb += shard) {
                if (shuffle) ggml_opt_dataset_shuffle(opt_ctx, ds, -1);
                bool host_matches = true;
                const std::vector<int64_t> order = pass_order(ds, data_batch[nb], labels_batch[nb], nb, nusable, host_matches);
                ncases++;
                CHECK((int64_t) order.size() == (nusable / nb) * nb); // whole batches only
                CHECK(each_once(order, nusable == NDATA && NDATA % nb == 0));
                bool only_whole_shards = true;
                for (int64_t i : order) only_whole_shards = only_whole_shards && i < nusable;
                CHECK(only_whole_shards);
                CHECK(host_matches);
                if (!shuffle) {
                    bool in_order = true;
                    for (int64_t i = 0; i < (int64_t) order.size(); ++i) in_order = in_order && order[i] == i;
                    CHECK(in_order);
                } else {
                    // shards stay whole: datapoints within a shard are consecutive
                    bool whole = true;
                    for (size_t i = 0; i < order.size(); ++i) {
                        if (i % shard != 0) whole = whole && order[i] == order[i - 1] + 1;
                        else whole = whole && order[i] % shard == 0;
                    }
                    CHECK(whole);
                }
            }
            ggml_opt_dataset_free(ds);
        }
    }
    CHECK(ncases == 2 * 14); // shard 1: batches 1..6; 2: 2, 4, 6; 3: 3, 6; 4: 4; 5: 5; 6: 6

    ggml_backend_buffer_free(buf);
    ggml_free(ctx);
    ggml_opt_free(opt_ctx);
}

// --- the documented generator, written out again from its description ---

static uint64_t ref_splitmix64(uint64_t & x) {
    x += 0x9e3779b97f4a7c15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

struct ref_xoshiro {
    uint64_t s[4];
    explicit ref_xoshiro(uint64_t seed) { for (uint64_t & w : s) w = ref_splitmix64(seed); }
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t next() {
        const uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
        return r;
    }
    uint64_t below(uint64_t n) {
        const uint64_t threshold = (~n + 1) % n; // (2^64 - n) mod n
        for (;;) { const uint64_t r = next(); if (r >= threshold) return r % n; }
    }
};

static void test_generator(ggml_backend_sched_t sched) {
    // splitmix64's published first outputs for seed 1234567
    {
        uint64_t x = 1234567;
        CHECK(ref_splitmix64(x) == 6457827717110365317ull);
        CHECK(ref_splitmix64(x) == 3203168211198807973ull);
        CHECK(ref_splitmix64(x) == 9817491932198370423ull);
        CHECK(ref_splitmix64(x) == 4593380528125082431ull);
        ggml_opt_prng rng;
        ggml_opt_prng_seed(rng, 1234567);
        CHECK(rng.s[0] == 6457827717110365317ull && rng.s[1] == 3203168211198807973ull &&
              rng.s[2] == 9817491932198370423ull && rng.s[3] == 4593380528125082431ull);
    }

    // the shard order after shuffles equals Fisher-Yates driven by the reference generator
    const int64_t n = 40;
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, n, 1);
    CHECK(ggml_opt_dataset_labels(ds) == nullptr);
    float * data = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    for (int64_t i = 0; i < n; ++i) data[i] = (float) i;

    const uint64_t seed = 987654321;
    ggml_opt_context_t opt_ctx = make_context(sched, seed);
    ggml_opt_dataset_shuffle(opt_ctx, ds, -1);
    ggml_opt_dataset_shuffle(opt_ctx, ds, 24); // only the first 24 positions

    std::vector<int64_t> want(n);
    for (int64_t i = 0; i < n; ++i) want[i] = i;
    ref_xoshiro ref(seed);
    for (int64_t len : {n, (int64_t) 24}) {
        for (int64_t i = len - 1; i > 0; --i) std::swap(want[i], want[ref.below((uint64_t) i + 1)]);
    }
    std::vector<float> got(n);
    ggml_opt_dataset_get_batch_host(ds, got.data(), n * sizeof(float), nullptr, 0);
    bool same = true;
    for (int64_t i = 0; i < n; ++i) same = same && got[i] == (float) want[i];
    CHECK(same);

    // the same seed gives the same order; another seed another one
    auto order_for = [&](uint64_t s) {
        ggml_opt_dataset_t d = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, n, 1);
        float * p = ggml_get_data_f32(ggml_opt_dataset_data(d));
        for (int64_t i = 0; i < n; ++i) p[i] = (float) i;
        ggml_opt_context_t c = make_context(sched, s);
        ggml_opt_dataset_shuffle(c, d, -1);
        ggml_opt_dataset_shuffle(c, d, -1);
        std::vector<float> o(n);
        ggml_opt_dataset_get_batch_host(d, o.data(), n * sizeof(float), nullptr, 0);
        ggml_opt_free(c);
        ggml_opt_dataset_free(d);
        return o;
    };
    CHECK(order_for(seed) == order_for(seed));
    CHECK(order_for(GGML_OPT_DEFAULT_SEED) == order_for(ggml_opt_default_params(sched, GGML_OPT_LOSS_TYPE_SUM).seed));
    CHECK(order_for(1) != order_for(2));

    ggml_opt_free(opt_ctx);
    ggml_opt_dataset_free(ds);
}

static void test_unusable_sizes() {
    CHECK(ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 1, 0, 1) == nullptr);   // empty
    CHECK(ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 0, 1, 6, 1) == nullptr);   // empty datapoints
    CHECK(ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 1, 6, 0) == nullptr);   // empty shards
    CHECK(ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, -1, 6, 1) == nullptr);  // negative label size
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_I32, 3, 2, 6, 2);
    CHECK(ds != nullptr);
    CHECK(ggml_opt_dataset_ndata(ds) == 6);
    ggml_tensor * d = ggml_opt_dataset_data(ds);
    ggml_tensor * l = ggml_opt_dataset_labels(ds);
    CHECK(d->type == GGML_TYPE_F32 && d->ne[0] == 3 && d->ne[1] == 6);
    CHECK(l->type == GGML_TYPE_I32 && l->ne[0] == 2 && l->ne[1] == 6);
    ggml_opt_dataset_free(ds);
}

int main() {
    ggml_log_set([](ggml_log_level, const char *, void *) {}, nullptr); // rejections are expected here
    opth::cpu_sched cpu;
    test_shards_and_batches(cpu.sched);
    test_generator(cpu.sched);
    test_unusable_sizes();
    return opth::finish();
}
