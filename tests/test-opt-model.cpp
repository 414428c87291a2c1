// The training loop on a model whose every step can be worked out by hand: outputs = x + w with
// one parameter w. With a SUM loss each datapoint contributes 1 to dL/dw; AdamW with alpha 1,
// betas 0 and eps 0 then moves w by exactly -sign(grad) = -1 per optimizer step, and SGD with
// alpha 1 by -grad. The datapoints are x = 0, 1, ..., 5 and w starts at 3.

#include "opt-helpers.h"

#include <cstring>
#include <vector>

using opth::near;

static constexpr int64_t NDATA = 6;
static constexpr float   W0    = 3.0f;

static ggml_opt_optimizer_params exact_step_pars(void *) {
    ggml_opt_optimizer_params p = ggml_opt_get_default_optimizer_params(nullptr);
    p.adamw.alpha = 1.0f;
    p.adamw.beta1 = 0.0f;
    p.adamw.beta2 = 0.0f;
    p.adamw.eps   = 0.0f;
    p.adamw.wd    = 0.0f;
    p.sgd.alpha   = 1.0f;
    p.sgd.wd      = 0.0f;
    return p;
}

static ggml_opt_context_t make_context(ggml_backend_sched_t sched, opth::one_param_model & m, ggml_opt_optimizer_type optim,
                                       ggml_opt_loss_type loss, int32_t opt_period,
                                       ggml_opt_get_optimizer_params pars = exact_step_pars) {
    ggml_opt_params params = m.opt_params(sched, loss);
    params.optimizer    = optim;
    params.opt_period   = opt_period;
    params.get_opt_pars = pars;
    ggml_opt_context_t ctx = ggml_opt_init(params);
    CHECK(ggml_opt_context_optimizer_type(ctx) == optim);
    CHECK(ggml_opt_static_graphs(ctx));
    return ctx;
}

// x_i = i, no labels
static ggml_opt_dataset_t make_dataset() {
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, NDATA, 1);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    for (int64_t i = 0; i < NDATA; ++i) x[i] = (float) i;
    return ds;
}

static void step(ggml_opt_context_t ctx, opth::one_param_model & m, bool backward, const std::vector<float> & x,
                 ggml_opt_result_t result) {
    ggml_opt_alloc(ctx, backward);
    ggml_backend_tensor_set(m.inputs, x.data(), 0, x.size() * sizeof(float));
    ggml_opt_eval(ctx, result);
}

static void check_no_accuracy(ggml_opt_result_t r) {
    double acc, acc_unc;
    ggml_opt_result_accuracy(r, &acc, &acc_unc);
    CHECK(std::isnan(acc) && std::isnan(acc_unc));
}

// Gradients summed over a long accumulation period: after k batches of one datapoint, k.
static void test_accumulated_gradients(ggml_backend_sched_t sched, ggml_opt_optimizer_type optim) {
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
    ggml_opt_context_t ctx = make_context(sched, m, optim, GGML_OPT_LOSS_TYPE_SUM, 1000);
    ggml_tensor * acc = ggml_opt_grad_acc(ctx, m.w);
    CHECK(acc != nullptr);
    bool ok = acc != nullptr;
    for (int64_t i = 0; ok && i < NDATA; ++i) {
        step(ctx, m, true, {(float) i}, nullptr);
        ok = opth::get_f32(acc) == (float) (i + 1);
    }
    CHECK(ok);
    CHECK(opth::get_f32(m.w) == W0); // no optimizer step within the period
    ggml_opt_free(ctx);
}

// Forward-only passes, then forward + backward passes, low level or through ggml_opt_epoch.
static void test_forward_backward(ggml_backend_sched_t sched, ggml_opt_optimizer_type optim, bool high_level, bool shuffle) {
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
    ggml_opt_context_t ctx = make_context(sched, m, optim, GGML_OPT_LOSS_TYPE_SUM, 1);
    ggml_opt_dataset_t ds = make_dataset();
    ggml_opt_result_t r = ggml_opt_result_init();

    {
        int64_t n;
        double loss, unc;
        ggml_opt_result_ndata(r, &n);
        ggml_opt_result_loss(r, &loss, &unc);
        CHECK(n == 0 && loss == 0.0 && std::isnan(unc));
        check_no_accuracy(r);
    }

    if (shuffle) ggml_opt_dataset_shuffle(ctx, ds, -1);
    if (high_level) {
        ggml_opt_epoch(ctx, ds, nullptr, r, 0, nullptr, nullptr); // everything evaluated
    } else {
        for (int64_t i = 0; i < NDATA; ++i) step(ctx, m, false, {(float) i}, r);
    }
    // losses x + 3 = 3..8: sum 33; per-batch population variance 35/12, scaled by n/(n-1) = 3.5
    {
        CHECK(opth::get_f32(m.w) == W0);
        int64_t n;
        double loss, unc;
        ggml_opt_result_ndata(r, &n);
        ggml_opt_result_loss(r, &loss, &unc);
        CHECK(n == NDATA);
        CHECK(near(loss, 33.0, 1e-10));
        CHECK(near(unc, std::sqrt(3.5), 1e-10));
        check_no_accuracy(r);
        if (!high_level) CHECK(opth::get_f32(ggml_opt_loss(ctx)) == 8.0f); // the last batch
    }

    ggml_opt_result_reset(r);
    if (high_level) {
        ggml_opt_epoch(ctx, ds, r, nullptr, -1, nullptr, nullptr); // everything trained
    } else {
        for (int64_t i = 0; i < NDATA; ++i) step(ctx, m, true, {(float) i}, r);
    }
    // before step i, w = 3 - i: unshuffled every loss is i + 3 - i = 3 (sum 18, spread 0);
    // shuffled the losses differ but still add up to sum(x) + 6*3 - (0+...+5) = 18
    {
        CHECK(opth::get_f32(m.w) == W0 - NDATA);
        int64_t n;
        double loss, unc;
        ggml_opt_result_ndata(r, &n);
        ggml_opt_result_loss(r, &loss, &unc);
        CHECK(n == NDATA);
        CHECK(near(loss, 18.0, 1e-10));
        if (!shuffle) CHECK(unc == 0.0);
        check_no_accuracy(r);
    }

    // ggml_opt_reset(ctx, true) restarts the optimizer; the model keeps its weight
    ggml_opt_reset(ctx, true);
    ggml_opt_result_reset(r);
    step(ctx, m, true, {0.0f}, r);
    CHECK(opth::get_f32(m.w) == W0 - NDATA - 1);

    ggml_opt_result_free(r);
    ggml_opt_dataset_free(ds);
    ggml_opt_free(ctx);
}

// Training on [0, 4) and evaluating on [4, 6) for 4 epochs: epoch e starts at w = 3 - 4(e-1);
// the training losses are all w_start (sum 28 - 16e, spread 0), the validation losses
// 4 + w_end and 5 + w_end with w_end = 3 - 4e (sum 15 - 8e, SUM uncertainty sqrt(0.5)).
static void test_idata_split(ggml_backend_sched_t sched, ggml_opt_optimizer_type optim, bool high_level) {
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
    ggml_opt_context_t ctx = make_context(sched, m, optim, GGML_OPT_LOSS_TYPE_SUM, 1);
    ggml_opt_dataset_t ds = make_dataset();
    ggml_opt_result_t rt = ggml_opt_result_init(), rv = ggml_opt_result_init();
    const int64_t split = 4;

    for (int epoch = 1; epoch <= 4; ++epoch) {
        if (high_level) {
            ggml_opt_epoch(ctx, ds, rt, rv, split, nullptr, nullptr);
        } else {
            for (int64_t i = 0; i < split; ++i) step(ctx, m, true, {(float) i}, rt);
            for (int64_t i = split; i < NDATA; ++i) step(ctx, m, false, {(float) i}, rv);
        }
        CHECK(opth::get_f32(m.w) == W0 - split * epoch);

        int64_t n;
        double loss, unc;
        ggml_opt_result_ndata(rt, &n);
        ggml_opt_result_loss(rt, &loss, &unc);
        CHECK(n == split);
        CHECK(near(loss, 28.0 - 16.0 * epoch, 1e-10));
        CHECK(near(unc, 0.0, 1e-10));
        check_no_accuracy(rt);

        ggml_opt_result_ndata(rv, &n);
        ggml_opt_result_loss(rv, &loss, &unc);
        CHECK(n == NDATA - split);
        CHECK(near(loss, 15.0 - 8.0 * epoch, 1e-10));
        CHECK(near(unc, std::sqrt(0.5), 1e-10));
        check_no_accuracy(rv);

        ggml_opt_result_reset(rt);
        ggml_opt_result_reset(rv);
    }

    ggml_opt_result_free(rt);
    ggml_opt_result_free(rv);
    ggml_opt_dataset_free(ds);
    ggml_opt_free(ctx);
}

// One optimizer step per 6 datapoints, in physical batches of 1 or 2.
static void test_gradient_accumulation(ggml_backend_sched_t sched, ggml_opt_optimizer_type optim, int64_t nphys,
                                       ggml_opt_loss_type loss_type) {
    const bool mean = loss_type == GGML_OPT_LOSS_TYPE_MEAN;
    const int32_t period = (int32_t) (NDATA / nphys);
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), nphys, W0);
    ggml_opt_context_t ctx = make_context(sched, m, optim, loss_type, period);
    ggml_opt_result_t r = ggml_opt_result_init();

    // each datapoint adds 1 to the summed gradient (1/6 for MEAN: divided by period * batch = 6)
    const double per_datapoint = mean ? 1.0 / NDATA : 1.0;
    // the step: AdamW -1; SGD -(accumulated gradient) = -6 for SUM, -1 for MEAN
    const double w_step = optim == GGML_OPT_OPTIMIZER_TYPE_ADAMW ? 1.0 : NDATA * per_datapoint;

    double w_start = W0;
    for (int epoch = 1; epoch <= 3; ++epoch) {
        bool grads_ok = true;
        for (int64_t b = 0; b < NDATA / nphys; ++b) {
            std::vector<float> x;
            for (int64_t j = 0; j < nphys; ++j) x.push_back((float) (b * nphys + j));
            step(ctx, m, true, x, r);
            const double want = per_datapoint * (double) ((b + 1) * nphys);
            grads_ok = grads_ok && near(opth::get_f32(ggml_opt_grad_acc(ctx, m.w)), want, 1e-6);
            if (b + 1 < NDATA / nphys) grads_ok = grads_ok && opth::get_f32(m.w) == (float) w_start;
        }
        CHECK(grads_ok);
        const double w_end = w_start - w_step;
        CHECK(near(opth::get_f32(m.w), w_end, 1e-6));

        // every loss of the epoch used w_start: sum over x of (x + w_start) = 15 + 6 w_start
        int64_t n;
        double loss;
        ggml_opt_result_ndata(r, &n);
        ggml_opt_result_loss(r, &loss, nullptr);
        CHECK(n == NDATA);
        const double sum = 15.0 + NDATA * w_start;
        CHECK(near(loss, mean ? sum / NDATA : sum, 1e-5));
        check_no_accuracy(r);

        ggml_opt_result_reset(r);
        w_start = opth::get_f32(m.w); // AdamW's step is 1 only up to rounding for MEAN
    }

    ggml_opt_result_free(r);
    ggml_opt_free(ctx);
}

// --- ggml_opt_epoch against ggml_opt_fit: a model whose result depends on the data order ---

static int64_t g_epoch_seen = 0;
static ggml_opt_optimizer_params fit_pars(void * ud) {
    g_epoch_seen = *(int64_t *) ud;
    ggml_opt_optimizer_params p = ggml_opt_get_default_optimizer_params(nullptr);
    p.adamw.alpha = 0.05f;
    p.sgd.alpha   = 0.05f;
    return p;
}

// outputs = x + w against labels y_i = 2 x_i - 1 (mean squared error)
static ggml_opt_dataset_t make_labelled_dataset() {
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 1, NDATA, 1);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    float * y = ggml_get_data_f32(ggml_opt_dataset_labels(ds));
    for (int64_t i = 0; i < NDATA; ++i) {
        x[i] = (float) i;
        y[i] = 2.0f * i - 1.0f;
    }
    return ds;
}

static void test_epoch_vs_fit(ggml_backend_sched_t sched, ggml_opt_optimizer_type optim) {
    const int64_t nepoch = 3, nbatch_logical = 2;
    const float val_split = 0.3f; // 3 logical batches: 2 train (4 datapoints), 1 validation

    float w_epoch, w_fit;
    {
        opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
        ggml_opt_dataset_t ds = make_labelled_dataset();
        int64_t epoch = 1;
        ggml_opt_params params = m.opt_params(sched, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR);
        params.opt_period      = 2;
        params.optimizer       = optim;
        params.get_opt_pars    = fit_pars;
        params.get_opt_pars_ud = &epoch;
        ggml_opt_context_t ctx = ggml_opt_init(params);
        ggml_opt_result_t rt = ggml_opt_result_init(), rv = ggml_opt_result_init();
        ggml_opt_dataset_shuffle(ctx, ds, -1);
        for (; epoch <= nepoch; ++epoch) {
            ggml_opt_dataset_shuffle(ctx, ds, 4);
            ggml_opt_epoch(ctx, ds, rt, rv, 4, nullptr, nullptr);
        }
        int64_t n;
        ggml_opt_result_ndata(rt, &n);
        CHECK(n == 4 * nepoch);
        ggml_opt_result_ndata(rv, &n);
        CHECK(n == 2 * nepoch);
        w_epoch = opth::get_f32(m.w);
        ggml_opt_result_free(rt);
        ggml_opt_result_free(rv);
        ggml_opt_free(ctx);
        ggml_opt_dataset_free(ds);
    }
    {
        opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
        ggml_opt_dataset_t ds = make_labelled_dataset();
        g_epoch_seen = 0;
        ggml_opt_fit(sched, m.ctx_compute, m.inputs, m.outputs, ds, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR, optim,
                     fit_pars, nepoch, nbatch_logical, val_split, /*silent =*/ true);
        CHECK(g_epoch_seen == nepoch);
        w_fit = opth::get_f32(m.w);
        ggml_opt_dataset_free(ds);
    }
    CHECK(w_epoch != W0);
    CHECK(memcmp(&w_epoch, &w_fit, sizeof(float)) == 0);
}

// --- linear regression ---

static ggml_opt_optimizer_params regression_pars(void *) {
    ggml_opt_optimizer_params p = ggml_opt_get_default_optimizer_params(nullptr);
    p.adamw.alpha = 0.1f;
    return p;
}

static void test_regression(ggml_backend_sched_t sched) {
    const int64_t n = 201;
    const double a_true = 1.2, b_true = 3.4;

    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 1, n, n);
    float * xs = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    float * ys = ggml_get_data_f32(ggml_opt_dataset_labels(ds));
    // noise: sums of 12 uniforms from an LCG, centred: roughly normal with standard deviation 0.1
    uint32_t state = 12345;
    auto uniform = [&] { state = state * 1664525u + 1013904223u; return (state >> 8) / 16777216.0; };
    for (int64_t i = 0; i < n; ++i) {
        double noise = -6.0;
        for (int k = 0; k < 12; ++k) noise += uniform();
        xs[i] = (float) (-100.0 + 200.0 * i / (n - 1));
        ys[i] = (float) (a_true * xs[i] + b_true + 0.1 * noise);
    }

    ggml_context * ctx_static  = opth::new_meta_context(4, 0);
    ggml_context * ctx_compute = opth::new_meta_context(GGML_DEFAULT_GRAPH_SIZE, 4);
    ggml_tensor * x = ggml_new_tensor_2d(ctx_static, GGML_TYPE_F32, 1, n);
    ggml_tensor * a = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, 1);
    ggml_tensor * b = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, 1);
    ggml_set_param(a);
    ggml_set_param(b);
    ggml_tensor * f = ggml_add(ctx_compute, ggml_mul(ctx_compute, x, a), b);
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx_static, ggml_backend_sched_get_backend(sched, 0));
    opth::set_f32(a, 1.0f);
    opth::set_f32(b, 3.0f);

    ggml_opt_fit(sched, ctx_compute, x, f, ds, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR, GGML_OPT_OPTIMIZER_TYPE_ADAMW,
                 regression_pars, 100, n, 0.0f, /*silent =*/ true);

    const double a_fit = opth::get_f32(a), b_fit = opth::get_f32(b);
    CHECK(near(a_fit, a_true, 1e-2));
    CHECK(near(b_fit, b_true, 1e-2));
    if (!near(a_fit, a_true, 1e-2) || !near(b_fit, b_true, 1e-2)) {
        fprintf(stderr, "regression: a = %.6f, b = %.6f\n", a_fit, b_fit);
    }

    ggml_backend_buffer_free(buf);
    ggml_free(ctx_static);
    ggml_free(ctx_compute);
    ggml_opt_dataset_free(ds);
}


// --- graphs passed anew before every step (no static graphs) ---

// As test_forward_backward's training part, with opt_period 1 or 2. Steps of d per optimizer
// step (AdamW: 1; SGD: the accumulated gradient, opt_period) after every opt_period batches;
// the losses x_i + w sum to 15 + 6*3 - d*(opt_period * (0 + 1 + ... + (6/opt_period - 1))).
static void test_non_static(ggml_backend_sched_t sched, ggml_opt_optimizer_type optim, int32_t opt_period) {
    ggml_context * ctx_static = opth::new_meta_context(2, 0);
    ggml_tensor * w = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, 1);
    ggml_set_param(w);
    ggml_set_name(w, "w");
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx_static, ggml_backend_sched_get_backend(sched, 0));
    opth::set_f32(w, W0);

    ggml_opt_params params = ggml_opt_default_params(sched, GGML_OPT_LOSS_TYPE_SUM);
    params.optimizer    = optim;
    params.opt_period   = opt_period;
    params.get_opt_pars = exact_step_pars;
    ggml_opt_context_t ctx = ggml_opt_init(params);
    CHECK(!ggml_opt_static_graphs(ctx));
    ggml_opt_result_t r = ggml_opt_result_init();

    for (int64_t i = 0; i < NDATA; ++i) {
        ggml_context * ctx_compute = opth::new_meta_context(GGML_DEFAULT_GRAPH_SIZE, 4);
        ggml_tensor * inputs = ggml_new_tensor_2d(ctx_compute, GGML_TYPE_F32, 1, 1);
        ggml_tensor * outputs = ggml_add(ctx_compute, inputs, w);
        ggml_cgraph * gf = ggml_new_graph(ctx_compute); // gradients are the context's business
        ggml_build_forward_expand(gf, outputs);
        ggml_opt_prepare_alloc(ctx, ctx_compute, gf, inputs, outputs);
        ggml_opt_alloc(ctx, true);
        const float x = (float) i;
        ggml_backend_tensor_set(inputs, &x, 0, sizeof x); // allocated by the scheduler
        ggml_opt_eval(ctx, r);
        ggml_free(ctx_compute);
    }

    const double d = optim == GGML_OPT_OPTIMIZER_TYPE_ADAMW ? 1.0 : (double) opt_period;
    const int64_t nsteps = NDATA / opt_period;
    double want_loss = 15.0 + NDATA * W0;
    for (int64_t s = 0; s < nsteps; ++s) want_loss -= d * opt_period * s;
    double loss, unc;
    ggml_opt_result_loss(r, &loss, &unc);
    CHECK(near(opth::get_f32(w), W0 - d * nsteps, 1e-6));
    CHECK(near(loss, want_loss, 1e-6));

    ggml_opt_result_free(r);
    ggml_opt_free(ctx);
    ggml_backend_buffer_free(buf);
    ggml_free(ctx_static);
}

// --- losses that compare with labels ---

// Cross-entropy on logits = inputs + w (w = 0): predictions, accuracy and the loss against a
// softmax written out in double; with opt_period 2 the graph's loss is halved and the result
// undoes it. Mean squared error likewise.
static void test_label_losses(ggml_backend_sched_t sched, int32_t opt_period) {
    const int64_t nclass = 2, nb = 4;
    const float logits[nb][nclass] = {{2.0f, 0.0f}, {0.0f, 1.0f}, {0.5f, 1.5f}, {3.0f, -1.0f}};
    const float onehot[nb][nclass] = {{1, 0}, {0, 1}, {1, 0}, {1, 0}}; // row 2 is predicted wrong

    ggml_context * ctx_static  = opth::new_meta_context(4, 0);
    ggml_context * ctx_compute = opth::new_meta_context(GGML_DEFAULT_GRAPH_SIZE, 4);
    ggml_tensor * inputs = ggml_new_tensor_2d(ctx_static, GGML_TYPE_F32, nclass, nb);
    ggml_tensor * w = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, nclass);
    ggml_set_param(w);
    ggml_tensor * outputs = ggml_add(ctx_compute, inputs, w);
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx_static, ggml_backend_sched_get_backend(sched, 0));
    const float zeros[nclass] = {0.0f, 0.0f};
    ggml_backend_tensor_set(w, zeros, 0, sizeof zeros);

    for (ggml_opt_loss_type loss_type : {GGML_OPT_LOSS_TYPE_CROSS_ENTROPY, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR}) {
        ggml_opt_params params = ggml_opt_default_params(sched, loss_type);
        params.ctx_compute = ctx_compute;
        params.inputs      = inputs;
        params.outputs     = outputs;
        params.opt_period  = opt_period;
        ggml_opt_context_t ctx = ggml_opt_init(params);
        ggml_opt_result_t r = ggml_opt_result_init();

        ggml_opt_alloc(ctx, false);
        ggml_backend_tensor_set(inputs, logits, 0, sizeof logits);
        CHECK(ggml_opt_labels(ctx) != nullptr);
        ggml_backend_tensor_set(ggml_opt_labels(ctx), onehot, 0, sizeof onehot);
        ggml_opt_eval(ctx, r);

        double want = 0.0;
        for (int64_t i = 0; i < nb; ++i) {
            if (loss_type == GGML_OPT_LOSS_TYPE_CROSS_ENTROPY) {
                const double z = std::exp((double) logits[i][0]) + std::exp((double) logits[i][1]);
                for (int64_t c = 0; c < nclass; ++c) want -= onehot[i][c] * std::log(std::exp((double) logits[i][c]) / z);
            } else {
                for (int64_t c = 0; c < nclass; ++c) want += std::pow((double) logits[i][c] - onehot[i][c], 2.0) / nclass;
            }
        }
        want /= nb;
        double loss, unc, acc, acc_unc;
        ggml_opt_result_loss(r, &loss, &unc);
        ggml_opt_result_accuracy(r, &acc, &acc_unc);
        CHECK(near(loss, want, 1e-5));
        CHECK(near(opth::get_f32(ggml_opt_loss(ctx)), want / opt_period, 1e-5));
        CHECK(std::isnan(unc)); // one batch

        if (loss_type == GGML_OPT_LOSS_TYPE_CROSS_ENTROPY) {
            int32_t pred[nb] = {-1, -1, -1, -1};
            ggml_opt_result_pred(r, pred);
            CHECK(pred[0] == 0 && pred[1] == 1 && pred[2] == 1 && pred[3] == 0);
            int64_t ncorrect = -1;
            ggml_backend_tensor_get(ggml_opt_ncorrect(ctx), &ncorrect, 0, sizeof ncorrect);
            CHECK(ncorrect == 3);
            CHECK(near(acc, 0.75, 1e-12));
            CHECK(near(acc_unc, std::sqrt(0.75 * 0.25 / 3.0), 1e-12));
        } else {
            CHECK(ggml_opt_pred(ctx) == nullptr && ggml_opt_ncorrect(ctx) == nullptr);
            CHECK(std::isnan(acc) && std::isnan(acc_unc));
        }
        ggml_opt_result_free(r);
        ggml_opt_free(ctx);
    }

    ggml_backend_buffer_free(buf);
    ggml_free(ctx_static);
    ggml_free(ctx_compute);
}

// --- the validation split of ggml_opt_fit ---

// 60,000 datapoints in logical batches of 1,000 with val_split 0.05: 57 optimizer steps of
// exactly -1 each (AdamW as above, SUM loss), the remaining 3 batches only evaluated.
static void test_fit_split(ggml_backend_sched_t sched) {
    const int64_t n = 60000, nbatch = 1000;
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, n, nbatch);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    for (int64_t i = 0; i < n; ++i) x[i] = (float) (i % 7);
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), nbatch, 100.0f);
    ggml_opt_fit(sched, m.ctx_compute, m.inputs, m.outputs, ds, GGML_OPT_LOSS_TYPE_SUM, GGML_OPT_OPTIMIZER_TYPE_ADAMW,
                 exact_step_pars, 1, nbatch, 0.05f, /*silent =*/ true);
    CHECK(opth::get_f32(m.w) == 100.0f - 57.0f);
    ggml_opt_dataset_free(ds);
}

// --- AdamW's bias correction ---

// A constant gradient g = 1 with beta1 0.5 and beta2 0.75: after t steps m = 1 - 0.5^t and
// v = 1 - 0.75^t, so the corrected moments are exactly 1 and each step moves w by alpha = 1,
// but only if the iteration count starts at 1 and advances once per step. ggml_opt_reset(ctx,
// true) zeroes the moments and restarts the count, so the steps after it are 1 again.
static ggml_opt_optimizer_params bias_pars(void *) {
    ggml_opt_optimizer_params p = exact_step_pars(nullptr);
    p.adamw.beta1 = 0.5f;
    p.adamw.beta2 = 0.75f;
    return p;
}

static void test_adamw_bias_correction(ggml_backend_sched_t sched) {
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
    ggml_opt_context_t ctx = make_context(sched, m, GGML_OPT_OPTIMIZER_TYPE_ADAMW, GGML_OPT_LOSS_TYPE_SUM, 1, bias_pars);
    bool ok = true;
    for (int round = 0; round < 2; ++round) {
        for (int t = 1; t <= 5; ++t) {
            const float before = opth::get_f32(m.w);
            step(ctx, m, true, {0.0f}, nullptr);
            ok = ok && near(before - opth::get_f32(m.w), 1.0, 1e-5);
        }
        ggml_opt_reset(ctx, /*optimizer =*/ true);
    }
    CHECK(ok);
    ggml_opt_free(ctx);
}

// Keeping forward activations alive (gradient checkpointing) changes memory use, not results.
static void test_checkpointing(ggml_backend_sched_t sched) {
    opth::one_param_model m(ggml_backend_sched_get_backend(sched, 0), 1, W0);
    ggml_opt_params params = m.opt_params(sched, GGML_OPT_LOSS_TYPE_SUM);
    params.get_opt_pars             = exact_step_pars;
    params.grad_checkpoint_interval = 1;
    ggml_opt_context_t ctx = ggml_opt_init(params);
    ggml_opt_result_t r = ggml_opt_result_init();
    for (int64_t i = 0; i < NDATA; ++i) step(ctx, m, true, {(float) i}, r);
    double loss;
    ggml_opt_result_loss(r, &loss, nullptr);
    CHECK(opth::get_f32(m.w) == W0 - NDATA);
    CHECK(near(loss, 18.0, 1e-10));
    ggml_opt_result_free(r);
    ggml_opt_free(ctx);
}

int main() {
    opth::cpu_sched cpu;
    for (ggml_opt_optimizer_type optim : {GGML_OPT_OPTIMIZER_TYPE_ADAMW, GGML_OPT_OPTIMIZER_TYPE_SGD}) {
        test_accumulated_gradients(cpu.sched, optim);
        test_forward_backward(cpu.sched, optim, false, false);
        test_forward_backward(cpu.sched, optim, true, false);
        test_forward_backward(cpu.sched, optim, true, true);
        test_idata_split(cpu.sched, optim, false);
        test_idata_split(cpu.sched, optim, true);
        for (int64_t nphys : {1, 2}) {
            test_gradient_accumulation(cpu.sched, optim, nphys, GGML_OPT_LOSS_TYPE_SUM);
            test_gradient_accumulation(cpu.sched, optim, nphys, GGML_OPT_LOSS_TYPE_MEAN);
        }
        test_epoch_vs_fit(cpu.sched, optim);
        test_non_static(cpu.sched, optim, 1);
        test_non_static(cpu.sched, optim, 2);
    }
    test_label_losses(cpu.sched, 1);
    test_label_losses(cpu.sched, 2);
    test_fit_split(cpu.sched);
    test_adamw_bias_correction(cpu.sched);
    test_checkpointing(cpu.sched);
    test_regression(cpu.sched);
    return opth::finish();
}
