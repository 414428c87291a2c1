// Augmentation: a transformed image equals a reference written here for fixed parameters (the
// inverse map solved from the forward matrix, bilinear sampling as a sum of tent weights over
// every input pixel); identity parameters give the input back bit for bit; shifts and rotations
// move a marked pixel where the header says; draws stay in their ranges and depend only on
// (seed, epoch, index), so any thread count and any split into batches give the same bytes;
// ranges outside the documented intervals are refused; and ggml_opt_epoch_transform trains on
// the transformed batches and evaluates the untransformed validation batches.

#include "opt-helpers.h"

#include "ggml-cpu.h"
#include "ggml-opt-augment.h"

#include <cstring>
#include <random>
#include <vector>


static std::vector<float> random_image(int64_t w, int64_t h, uint32_t seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> img(w * h);
    for (float & v : img) v = u(gen);
    return img;
}

// The reference: forward matrix as the product R * H * S, its inverse by Cramer's rule, and the
// interpolated value as sum_ij src(i, j) * tent(qx - i) * tent(qy - j), tent(t) = max(0, 1 - |t|).
static std::vector<float> reference_transform(const std::vector<float> & src, int64_t w, int64_t h,
                                              const ggml_opt_augment_sample & s, const float * dx, const float * dy) {
    const double pi = std::acos(-1.0);
    const double a = s.angle * pi / 180, t = std::tan(s.shear * pi / 180);
    const double R[2][2] = { { std::cos(a), std::sin(a) }, { -std::sin(a), std::cos(a) } };
    const double H[2][2] = { { 1, t }, { 0, 1 } };
    const double S[2][2] = { { s.scale, 0 }, { 0, s.scale } };
    double RH[2][2] = {}, M[2][2] = {};
    for (int i = 0; i < 2; ++i) for (int j = 0; j < 2; ++j) for (int k = 0; k < 2; ++k) RH[i][j] += R[i][k] * H[k][j];
    for (int i = 0; i < 2; ++i) for (int j = 0; j < 2; ++j) for (int k = 0; k < 2; ++k) M[i][j] += RH[i][k] * S[k][j];
    const double cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
    std::vector<float> dst(w * h);
    for (int64_t y = 0; y < h; ++y) {
        for (int64_t x = 0; x < w; ++x) {
            // solve M (q - c) = p - c - t for q
            const double bx = x - cx - s.tx, by = y - cy - s.ty;
            const double det = M[0][0] * M[1][1] - M[0][1] * M[1][0];
            double qx = (bx * M[1][1] - M[0][1] * by) / det + cx;
            double qy = (M[0][0] * by - bx * M[1][0]) / det + cy;
            if (dx) qx += dx[y * w + x];
            if (dy) qy += dy[y * w + x];
            double v = 0;
            for (int64_t j = 0; j < h; ++j) {
                for (int64_t i = 0; i < w; ++i) {
                    v += src[j * w + i] * std::max(0.0, 1 - std::fabs(qx - i)) * std::max(0.0, 1 - std::fabs(qy - j));
                }
            }
            dst[y * w + x] = (float) v;
        }
    }
    return dst;
}

static double max_abs_diff(const std::vector<float> & a, const std::vector<float> & b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, (double) std::fabs(a[i] - b[i]));
    return m;
}

static void test_against_reference() {
    const int64_t w = 28, h = 28;
    const std::vector<float> src = random_image(w, h, 1);
    const ggml_opt_augment_sample samples[] = {
        { 12.5f, 1.0f, 0.0f, 0.0f, 0.0f },
        { 0.0f, 0.85f, 0.0f, 0.0f, 0.0f },
        { 0.0f, 1.0f, -17.0f, 0.0f, 0.0f },
        { 0.0f, 1.0f, 0.0f, 2.3f, -1.7f },
        { -33.0f, 1.15f, 8.0f, -3.25f, 0.6f },
        { 170.0f, 0.6f, 45.0f, 9.0f, 4.0f },
    };
    std::vector<float> dst(w * h);
    for (const ggml_opt_augment_sample & s : samples) {
        ggml_opt_augment_image(src.data(), dst.data(), w, h, &s, nullptr, nullptr);
        CHECK(max_abs_diff(dst, reference_transform(src, w, h, s, nullptr, nullptr)) < 1e-5);
    }
    // with an elastic field (any field: the sampling must follow it)
    std::vector<float> dx = random_image(w, h, 2), dy = random_image(w, h, 3);
    for (size_t i = 0; i < dx.size(); ++i) { dx[i] = 4 * dx[i] - 2; dy[i] = 3 * dy[i] - 1.5f; }
    ggml_opt_augment_image(src.data(), dst.data(), w, h, &samples[4], dx.data(), dy.data());
    CHECK(max_abs_diff(dst, reference_transform(src, w, h, samples[4], dx.data(), dy.data())) < 1e-5);
    // a digit-like image: zero except for a box off the centre (most output pixels read zeros)
    std::vector<float> sparse(w * h, 0.0f);
    for (int64_t y = 6; y < 19; ++y) for (int64_t x = 9; x < 24; ++x) sparse[y * w + x] = src[y * w + x];
    for (const ggml_opt_augment_sample & s : samples) {
        ggml_opt_augment_image(sparse.data(), dst.data(), w, h, &s, nullptr, nullptr);
        CHECK(max_abs_diff(dst, reference_transform(sparse, w, h, s, nullptr, nullptr)) < 1e-5);
        ggml_opt_augment_image(sparse.data(), dst.data(), w, h, &s, dx.data(), dy.data());
        CHECK(max_abs_diff(dst, reference_transform(sparse, w, h, s, dx.data(), dy.data())) < 1e-5);
    }
    std::vector<float> blank(w * h, 0.0f);
    ggml_opt_augment_image(blank.data(), dst.data(), w, h, &samples[4], dx.data(), dy.data());
    CHECK(max_abs_diff(dst, blank) == 0);
    // a non-square image
    const std::vector<float> src2 = random_image(20, 12, 4);
    std::vector<float> dst2(20 * 12);
    ggml_opt_augment_image(src2.data(), dst2.data(), 20, 12, &samples[4], nullptr, nullptr);
    CHECK(max_abs_diff(dst2, reference_transform(src2, 20, 12, samples[4], nullptr, nullptr)) < 1e-5);
}

static void test_identity() {
    const std::vector<float> src = random_image(28, 28, 5);
    std::vector<float> dst(src.size());
    const ggml_opt_augment_sample id = { 0.0f, 1.0f, 0.0f, 0.0f, 0.0f };
    ggml_opt_augment_image(src.data(), dst.data(), 28, 28, &id, nullptr, nullptr);
    CHECK(memcmp(src.data(), dst.data(), src.size() * sizeof(float)) == 0);

    // all ranges 0: every drawn transform is the identity, also through the batch function
    ggml_opt_augment_params p = ggml_opt_augment_default_params();
    p.seed = 99; p.epoch = 3;
    CHECK(!ggml_opt_augment_enabled(&p));
    std::vector<float> batch;
    for (int i = 0; i < 4; ++i) {
        const std::vector<float> img = random_image(28, 28, 10 + i);
        batch.insert(batch.end(), img.begin(), img.end());
    }
    std::vector<float> out = batch;
    ggml_opt_augment_images(&p, out.data(), 4, 17);
    CHECK(memcmp(out.data(), batch.data(), batch.size() * sizeof(float)) == 0);
}

// One bright pixel in a 29x29 image (centre (14, 14)): where does it go?
static int64_t moved_peak(const ggml_opt_augment_sample & s, int64_t x, int64_t y) {
    std::vector<float> src(29 * 29, 0.0f), dst(29 * 29);
    src[y * 29 + x] = 1.0f;
    ggml_opt_augment_image(src.data(), dst.data(), 29, 29, &s, nullptr, nullptr);
    int64_t best = 0;
    for (int64_t i = 1; i < 29 * 29; ++i) if (dst[i] > dst[best]) best = i;
    return dst[best] > 0.99f ? best : -1;
}

static void test_directions() {
    CHECK(moved_peak({ 0.0f, 1.0f, 0.0f, 3.0f, 2.0f }, 10, 5) == 7 * 29 + 13);   // right 3, down 2
    CHECK(moved_peak({ 90.0f, 1.0f, 0.0f, 0.0f, 0.0f }, 19, 14) == 9 * 29 + 14); // right of centre -> above it
    CHECK(moved_peak({ 0.0f, 2.0f, 0.0f, 0.0f, 0.0f }, 16, 14) == 14 * 29 + 18); // twice as far from the centre
    CHECK(moved_peak({ 45.0f, 1.0f, 0.0f, 0.0f, 0.0f }, 14, 14) == 14 * 29 + 14); // the centre stays
    // shear: x' = x + tan(shear) * y (relative to the centre)
    CHECK(moved_peak({ 0.0f, 1.0f, 45.0f, 0.0f, 0.0f }, 14, 17) == 17 * 29 + 17);
}

static ggml_opt_augment_params full_params() {
    ggml_opt_augment_params p = ggml_opt_augment_default_params();
    p.translate = 3; p.rotate = 15; p.scale = 0.2f; p.shear = 12; p.elastic = 2; p.elastic_grid = 6;
    p.seed = 1234; p.epoch = 2;
    return p;
}

static void test_draws() {
    ggml_opt_augment_params p = full_params();
    std::vector<float> dx(784), dy(784);
    bool in_range = true, elastic_in_range = true, varies = false;
    ggml_opt_augment_sample first = {};
    for (int64_t i = 0; i < 500; ++i) {
        ggml_opt_augment_sample s;
        ggml_opt_augment_draw(&p, i, &s, dx.data(), dy.data());
        in_range = in_range && std::fabs(s.angle) <= 15 && std::fabs(s.scale - 1) <= 0.2f + 1e-6f &&
                   std::fabs(s.shear) <= 12 && std::fabs(s.tx) <= 3 && std::fabs(s.ty) <= 3;
        for (int k = 0; k < 784; ++k) elastic_in_range = elastic_in_range && std::fabs(dx[k]) <= 2 && std::fabs(dy[k]) <= 2;
        if (i == 0) first = s; else varies = varies || s.angle != first.angle;
    }
    CHECK(in_range);
    CHECK(elastic_in_range);
    CHECK(varies);

    // the same (seed, epoch, index) gives the same draw; changing any of them changes it
    ggml_opt_augment_sample a, b;
    ggml_opt_augment_draw(&p, 7, &a, dx.data(), dy.data());
    ggml_opt_augment_draw(&p, 7, &b, dx.data(), dy.data());
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    ggml_opt_augment_params q = p; q.epoch = 3;
    ggml_opt_augment_draw(&q, 7, &b, dx.data(), dy.data());
    CHECK(a.angle != b.angle);
    q = p; q.seed = 1235;
    ggml_opt_augment_draw(&q, 7, &b, dx.data(), dy.data());
    CHECK(a.angle != b.angle);
    ggml_opt_augment_draw(&p, 8, &b, dx.data(), dy.data());
    CHECK(a.angle != b.angle);

    // elastic off: zero fields
    q = p; q.elastic = 0;
    ggml_opt_augment_draw(&q, 7, &b, dx.data(), dy.data());
    bool zero = true;
    for (int k = 0; k < 784; ++k) zero = zero && dx[k] == 0 && dy[k] == 0;
    CHECK(zero);
}

static void test_thread_and_batch_independence() {
    const int64_t n = 37;
    std::vector<float> batch;
    for (int64_t i = 0; i < n; ++i) {
        const std::vector<float> img = random_image(28, 28, 100 + (uint32_t) i);
        batch.insert(batch.end(), img.begin(), img.end());
    }
    ggml_opt_augment_params p = full_params();
    std::vector<float> one = batch;
    ggml_opt_augment_images(&p, one.data(), n, 50);
    CHECK(max_abs_diff(one, batch) > 0.1);
    // the threads of CPU backends of several sizes share the batch
    for (int nth : { 1, 2, 3, 8 }) {
        ggml_backend_t cpu = ggml_backend_cpu_init();
        ggml_backend_cpu_set_n_threads(cpu, nth);
        ggml_opt_augment_params pt = p;
        pt.backend = cpu;
        std::vector<float> out = batch;
        ggml_opt_augment_images(&pt, out.data(), n, 50);
        CHECK(memcmp(out.data(), one.data(), one.size() * sizeof(float)) == 0);
        ggml_backend_free(cpu);
    }
    // the same images in two batches of another size
    std::vector<float> split = batch;
    ggml_opt_augment_images(&p, split.data(), 20, 50);
    ggml_opt_augment_images(&p, split.data() + 20 * 784, n - 20, 70);
    CHECK(memcmp(split.data(), one.data(), one.size() * sizeof(float)) == 0);
}

// Forwards to ggml_opt_augment_batch_transform under another address, so that a batch takes
// the generic path (gather the batch, then transform it) instead of the one-pass one.
static void augment_via_generic_path(void * ud, float * data, float * labels, int64_t ne_datapoint, int64_t ne_label,
                                     int64_t ndata_batch, int64_t ibatch) {
    ggml_opt_augment_batch_transform(ud, data, labels, ne_datapoint, ne_label, ndata_batch, ibatch);
}

// ggml_opt_augment_get_batch (each image from the dataset through its transform into the batch)
// against the batch gathered first and transformed in place.
static void test_get_batch() {
    const int64_t ndata = 12, nbatch = 4, shard = 2;
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 784, 10, ndata, shard);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    float * y = ggml_get_data_f32(ggml_opt_dataset_labels(ds));
    for (int64_t i = 0; i < ndata; ++i) {
        const std::vector<float> img = random_image(28, 28, 200 + (uint32_t) i);
        std::copy(img.begin(), img.end(), x + i * 784);
        for (int k = 0; k < 10; ++k) y[i * 10 + k] = (float) (i * 10 + k);
    }
    ggml_backend_t cpu = ggml_backend_cpu_init();
    ggml_backend_cpu_set_n_threads(cpu, 2);
    ggml_init_params ip = { 4 * ggml_tensor_overhead(), nullptr, true };
    ggml_context * ctx = ggml_init(ip);
    ggml_tensor * data = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 784, nbatch);
    ggml_tensor * labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 10, nbatch);
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, cpu);
    ggml_opt_augment_params p = full_params();
    p.backend = cpu;
    for (int64_t ibatch = 0; ibatch < ndata / nbatch; ++ibatch) {
        std::vector<float> want(784 * nbatch), want_labels(10 * nbatch), got(784 * nbatch), got_labels(10 * nbatch);
        ggml_opt_dataset_get_batch_host(ds, want.data(), want.size() * sizeof(float), want_labels.data(), ibatch);
        ggml_opt_augment_images(&p, want.data(), nbatch, ibatch * nbatch);
        ggml_opt_augment_get_batch(&p, ds, data, labels, ibatch);
        ggml_backend_tensor_get(data, got.data(), 0, ggml_nbytes(data));
        ggml_backend_tensor_get(labels, got_labels.data(), 0, ggml_nbytes(labels));
        CHECK(memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
        CHECK(got_labels == want_labels);
        // ggml_opt_dataset_get_batch_transform with the augmentation as its callback
        std::fill(got.begin(), got.end(), 0.0f);
        ggml_backend_tensor_set(data, got.data(), 0, ggml_nbytes(data));
        ggml_opt_dataset_get_batch_transform(ds, data, labels, ibatch, ggml_opt_augment_batch_transform, &p);
        ggml_backend_tensor_get(data, got.data(), 0, ggml_nbytes(data));
        CHECK(memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
        // and the generic path (gather, then the callback) itself
        std::fill(got.begin(), got.end(), 0.0f);
        ggml_backend_tensor_set(data, got.data(), 0, ggml_nbytes(data));
        ggml_opt_dataset_get_batch_transform(ds, data, labels, ibatch, augment_via_generic_path, &p);
        ggml_backend_tensor_get(data, got.data(), 0, ggml_nbytes(data));
        CHECK(memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
    }
    ggml_backend_buffer_free(buf);
    ggml_free(ctx);
    ggml_backend_free(cpu);
    ggml_opt_dataset_free(ds);
}

static void test_check() {
    ggml_opt_augment_params p = full_params();
    char err[256] = "";
    CHECK(ggml_opt_augment_params_check(&p, err, sizeof err));
    p.rotate = 181;
    CHECK(!ggml_opt_augment_params_check(&p, err, sizeof err) && strstr(err, "rotate") != nullptr);
    p = full_params(); p.scale = -0.1f;
    CHECK(!ggml_opt_augment_params_check(&p, err, sizeof err) && strstr(err, "scale") != nullptr);
    p = full_params(); p.translate = 15;
    CHECK(!ggml_opt_augment_params_check(&p, err, sizeof err) && strstr(err, "translate") != nullptr);
    p = full_params(); p.elastic_grid = 1;
    CHECK(!ggml_opt_augment_params_check(&p, err, sizeof err) && strstr(err, "elastic_grid") != nullptr);
    p = full_params(); p.shear = NAN;
    CHECK(!ggml_opt_augment_params_check(&p, nullptr, 0));
}

// --- ggml_opt_epoch_transform on outputs = x + w, labels 2x - 1 ---

struct seen_batches {
    std::vector<int64_t> ibatch;
    bool labels_given = true;
};

static void shift_by_ten(void * ud, float * data, float * labels, int64_t ne_datapoint, int64_t ne_label,
                         int64_t ndata_batch, int64_t ibatch) {
    seen_batches * seen = (seen_batches *) ud;
    seen->ibatch.push_back(ibatch);
    seen->labels_given = seen->labels_given && labels != nullptr && ne_label == 1;
    for (int64_t i = 0; i < ne_datapoint * ndata_batch; ++i) data[i] += 10.0f;
}

static ggml_opt_optimizer_params fast_pars(void *) {
    ggml_opt_optimizer_params p = ggml_opt_get_default_optimizer_params(nullptr);
    p.adamw.alpha = 0.05f;
    return p;
}

static void test_epoch_transform(ggml_backend_sched_t sched) {
    const int64_t ndata = 8, split = 6;
    float w[2];
    double loss_val[2];
    seen_batches seen;
    for (int variant = 0; variant < 2; ++variant) {
        opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, 3.0f);
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 1, ndata, 1);
        float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
        float * y = ggml_get_data_f32(ggml_opt_dataset_labels(ds));
        for (int64_t i = 0; i < ndata; ++i) {
            // variant 1 stores the training part already shifted
            x[i] = (float) i + (variant == 1 && i < split ? 10.0f : 0.0f);
            y[i] = 2.0f * i - 1.0f;
        }
        ggml_opt_params params = m.opt_params(sched, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR);
        params.get_opt_pars = fast_pars;
        ggml_opt_context_t ctx = ggml_opt_init(params);
        ggml_opt_result_t rt = ggml_opt_result_init(), rv = ggml_opt_result_init();
        for (int epoch = 0; epoch < 2; ++epoch) {
            if (variant == 0) {
                ggml_opt_epoch_transform(ctx, ds, rt, rv, split, nullptr, nullptr, shift_by_ten, &seen);
            } else {
                ggml_opt_epoch(ctx, ds, rt, rv, split, nullptr, nullptr);
            }
        }
        w[variant] = opth::get_f32(m.w);
        double unc;
        ggml_opt_result_loss(rv, &loss_val[variant], &unc);
        ggml_opt_result_free(rt);
        ggml_opt_result_free(rv);
        ggml_opt_free(ctx);
        ggml_opt_dataset_free(ds);
    }
    CHECK(w[0] != 3.0f);
    CHECK(memcmp(&w[0], &w[1], sizeof(float)) == 0);
    CHECK(loss_val[0] == loss_val[1]);
    CHECK((seen.ibatch == std::vector<int64_t>{ 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5 }));
    CHECK(seen.labels_given);
}

// --- ggml_opt_epoch_transform with the augmentation: its one-pass path against the generic one ---


// outputs = inputs + w over 4x4 images, w one value per pixel; the trained w depends on every
// transformed training image, so equal bytes of w mean equal batches.
static void test_epoch_transform_augment(ggml_backend_sched_t sched) {
    const int64_t side = 4, ne = side * side, ndata = 12, split = 8, nbatch = 2;
    std::vector<float> w_after[3];
    for (int variant = 0; variant < 3; ++variant) { // 0: one pass, 1: generic, 2: no transform
        ggml_backend_t backend = ggml_backend_sched_get_backend(sched, 0);
        ggml_context * ctx_static  = opth::new_meta_context(4, 0);
        ggml_context * ctx_compute = opth::new_meta_context(GGML_DEFAULT_GRAPH_SIZE, 4);
        ggml_tensor * inputs = ggml_new_tensor_2d(ctx_static, GGML_TYPE_F32, ne, nbatch);
        ggml_tensor * w = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, ne);
        ggml_set_param(w);
        ggml_tensor * outputs = ggml_add(ctx_compute, inputs, w);
        ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx_static, backend);
        std::vector<float> w0(ne, 0.5f);
        ggml_backend_tensor_set(w, w0.data(), 0, ne * sizeof(float));

        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, ne, ne, ndata, 1);
        const std::vector<float> images = random_image(ne, ndata, 7);
        memcpy(ggml_get_data_f32(ggml_opt_dataset_data(ds)), images.data(), images.size() * sizeof(float));
        std::fill_n(ggml_get_data_f32(ggml_opt_dataset_labels(ds)), ne * ndata, 1.0f);

        ggml_opt_params params = ggml_opt_default_params(sched, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR);
        params.ctx_compute  = ctx_compute;
        params.inputs       = inputs;
        params.outputs      = outputs;
        params.get_opt_pars = fast_pars;
        ggml_opt_context_t ctx = ggml_opt_init(params);

        ggml_opt_augment_params ap = full_params();
        ap.width = ap.height = side;
        ap.translate = 1.0f;
        ap.elastic_grid = 2.0f;
        ap.backend = backend;
        ggml_opt_result_t rt = ggml_opt_result_init(), rv = ggml_opt_result_init();
        for (int64_t epoch = 1; epoch <= 2; ++epoch) {
            ap.epoch = epoch;
            ggml_opt_batch_transform tf = variant == 0 ? ggml_opt_augment_batch_transform
                                        : variant == 1 ? augment_via_generic_path : nullptr;
            ggml_opt_epoch_transform(ctx, ds, rt, rv, split, nullptr, nullptr, tf, &ap);
        }
        w_after[variant].resize(ne);
        ggml_backend_tensor_get(w, w_after[variant].data(), 0, ne * sizeof(float));
        ggml_opt_result_free(rt);
        ggml_opt_result_free(rv);
        ggml_opt_free(ctx);
        ggml_opt_dataset_free(ds);
        ggml_backend_buffer_free(buf);
        ggml_free(ctx_static);
        ggml_free(ctx_compute);
    }
    CHECK(memcmp(w_after[0].data(), w_after[1].data(), w_after[0].size() * sizeof(float)) == 0);
    CHECK(memcmp(w_after[0].data(), w_after[2].data(), w_after[0].size() * sizeof(float)) != 0);
    CHECK(w_after[0][0] != 0.5f);
}

int main() {
    test_against_reference();
    test_identity();
    test_directions();
    test_draws();
    test_thread_and_batch_independence();
    test_get_batch();
    test_check();
    opth::cpu_sched cpu;
    test_epoch_transform(cpu.sched);
    test_epoch_transform_augment(cpu.sched);
    return opth::finish();
}
