// Misuse of the training API aborts with a message naming the function and the condition;
// hyperparameters out of range are rejected naming the value; bad sizes given to ggml_opt_fit
// are reported before any work and nothing is trained. Aborting cases run in a child process.

#include "opt-helpers.h"

#include "death-test.h"

#include <functional>
#include <string>

static void expect_abort(const char * what, const std::function<void()> & fn, const std::vector<std::string> & needles) {
    std::string err;
    const bool died = death::dies(fn, err);
    bool ok = died;
    for (const std::string & n : needles) ok = ok && err.find(n) != std::string::npos;
    CHECK(ok);
    if (!ok) fprintf(stderr, "case '%s': died=%d, message: %s\n", what, died, err.c_str());
}

static ggml_opt_optimizer_params g_pars;
static ggml_opt_optimizer_params fixed_pars(void *) { return g_pars; }

// One optimizer step of the one-parameter model with the hyperparameters in g_pars.
static void one_step(ggml_opt_optimizer_type optim) {
    opth::cpu_sched cpu;
    opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 1, 0.0f);
    ggml_opt_params params = m.opt_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
    params.optimizer    = optim;
    params.get_opt_pars = fixed_pars;
    ggml_opt_context_t ctx = ggml_opt_init(params);
    ggml_opt_alloc(ctx, true);
    ggml_opt_eval(ctx, nullptr);
    ggml_opt_free(ctx);
}

static void test_optimizer_params() {
    const ggml_opt_optimizer_params defaults = ggml_opt_get_default_optimizer_params(nullptr);
    CHECK(defaults.adamw.alpha == 1e-3f && defaults.adamw.beta1 == 0.9f && defaults.adamw.beta2 == 0.999f &&
          defaults.adamw.eps == 1e-8f && defaults.adamw.wd == 0.0f && defaults.sgd.alpha == 1e-3f && defaults.sgd.wd == 0.0f);
    ggml_opt_optimizer_params constant = defaults;
    constant.sgd.alpha = 0.25f;
    CHECK(ggml_opt_get_constant_optimizer_params(&constant).sgd.alpha == 0.25f);
    CHECK(std::string(ggml_opt_optimizer_name(GGML_OPT_OPTIMIZER_TYPE_ADAMW)) == "adamw");
    CHECK(std::string(ggml_opt_optimizer_name(GGML_OPT_OPTIMIZER_TYPE_SGD)) == "sgd");

    // the defaults are accepted
    g_pars = defaults;
    std::string err;
    CHECK(!death::dies([] { one_step(GGML_OPT_OPTIMIZER_TYPE_ADAMW); }, err));
    CHECK(!death::dies([] { one_step(GGML_OPT_OPTIMIZER_TYPE_SGD); }, err));

    struct bad_case { const char * what; ggml_opt_optimizer_type optim; std::function<void(ggml_opt_optimizer_params &)> set; const char * needle; };
    const bad_case cases[] = {
        {"adamw alpha 0",     GGML_OPT_OPTIMIZER_TYPE_ADAMW, [](ggml_opt_optimizer_params & p) { p.adamw.alpha = 0.0f; },  "alpha"},
        {"adamw alpha nan",   GGML_OPT_OPTIMIZER_TYPE_ADAMW, [](ggml_opt_optimizer_params & p) { p.adamw.alpha = NAN; },   "alpha"},
        {"adamw beta1 1",     GGML_OPT_OPTIMIZER_TYPE_ADAMW, [](ggml_opt_optimizer_params & p) { p.adamw.beta1 = 1.0f; },  "beta1"},
        {"adamw beta2 -0.1",  GGML_OPT_OPTIMIZER_TYPE_ADAMW, [](ggml_opt_optimizer_params & p) { p.adamw.beta2 = -0.1f; }, "beta2"},
        {"adamw eps -1",      GGML_OPT_OPTIMIZER_TYPE_ADAMW, [](ggml_opt_optimizer_params & p) { p.adamw.eps = -1.0f; },   "eps"},
        {"adamw wd 1.5",      GGML_OPT_OPTIMIZER_TYPE_ADAMW, [](ggml_opt_optimizer_params & p) { p.adamw.wd = 1.5f; },     "wd"},
        {"sgd alpha -1",      GGML_OPT_OPTIMIZER_TYPE_SGD,   [](ggml_opt_optimizer_params & p) { p.sgd.alpha = -1.0f; },   "alpha"},
        {"sgd wd 2",          GGML_OPT_OPTIMIZER_TYPE_SGD,   [](ggml_opt_optimizer_params & p) { p.sgd.wd = 2.0f; },       "wd"},
    };
    for (const bad_case & c : cases) {
        g_pars = defaults;
        c.set(g_pars);
        const ggml_opt_optimizer_type optim = c.optim;
        expect_abort(c.what, [optim] { one_step(optim); }, {"ggml_opt_eval", c.needle});
    }
}

static void test_call_order() {
    auto with_context = [](const std::function<void(ggml_opt_context_t, opth::one_param_model &)> & fn) {
        return [fn] {
            opth::cpu_sched cpu;
            opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 1, 0.0f);
            ggml_opt_params params = m.opt_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
            ggml_opt_context_t ctx = ggml_opt_init(params);
            fn(ctx, m);
        };
    };
    expect_abort("eval without alloc", with_context([](ggml_opt_context_t ctx, opth::one_param_model &) {
        ggml_opt_eval(ctx, nullptr);
    }), {"ggml_opt_eval", "ggml_opt_alloc"});
    expect_abort("alloc twice", with_context([](ggml_opt_context_t ctx, opth::one_param_model &) {
        ggml_opt_alloc(ctx, false);
        ggml_opt_alloc(ctx, false);
    }), {"ggml_opt_alloc", "twice"});
    expect_abort("prepare_alloc on static graphs", with_context([](ggml_opt_context_t ctx, opth::one_param_model & m) {
        ggml_opt_prepare_alloc(ctx, m.ctx_compute, nullptr, m.inputs, m.outputs);
    }), {"ggml_opt_prepare_alloc", "static"});
    expect_abort("opt_period 0", [] {
        opth::cpu_sched cpu;
        ggml_opt_params params = ggml_opt_default_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
        params.opt_period = 0;
        ggml_opt_init(params);
    }, {"ggml_opt_init", "opt_period"});
    expect_abort("non-static alloc without prepare_alloc", [] {
        opth::cpu_sched cpu;
        ggml_opt_context_t ctx = ggml_opt_init(ggml_opt_default_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM));
        ggml_opt_alloc(ctx, true);
    }, {"ggml_opt_prepare_alloc"});
    expect_abort("backward on a forward-only context", [] {
        opth::cpu_sched cpu;
        opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 1, 0.0f);
        ggml_opt_params params = m.opt_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
        params.build_type  = GGML_OPT_BUILD_TYPE_FORWARD;
        ggml_opt_alloc(ggml_opt_init(params), true);
    }, {"ggml_opt_alloc", "forward"});
}

static void test_dataset_misuse() {
    expect_abort("batch not a multiple of the shard", [] {
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 2, 0, 6, 2);
        std::vector<float> batch(2 * 3);
        ggml_opt_dataset_get_batch_host(ds, batch.data(), batch.size() * sizeof(float), nullptr, 0);
    }, {"ggml_opt_dataset_get_batch_host", "shard"});
    expect_abort("batch past the end", [] {
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 2, 0, 6, 1);
        std::vector<float> batch(2 * 2);
        ggml_opt_dataset_get_batch_host(ds, batch.data(), batch.size() * sizeof(float), nullptr, 3);
    }, {"ggml_opt_dataset_get_batch_host", "outside"});
    expect_abort("labels from a dataset without labels", [] {
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 2, 0, 6, 1);
        std::vector<float> batch(2), labels(2);
        ggml_opt_dataset_get_batch_host(ds, batch.data(), batch.size() * sizeof(float), labels.data(), 0);
    }, {"ggml_opt_dataset_get_batch_host", "labels"});
    expect_abort("shuffle part of a shard", [] {
        opth::cpu_sched cpu;
        ggml_opt_context_t ctx = ggml_opt_init(ggml_opt_default_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM));
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, 6, 2);
        ggml_opt_dataset_shuffle(ctx, ds, 3);
    }, {"ggml_opt_dataset_shuffle", "shard"});
    expect_abort("epoch split not a multiple of the batch", [] {
        opth::cpu_sched cpu;
        opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 2, 0.0f);
        ggml_opt_params params = m.opt_params(cpu.sched, GGML_OPT_LOSS_TYPE_SUM);
        ggml_opt_context_t ctx = ggml_opt_init(params);
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, 6, 1);
        ggml_opt_epoch(ctx, ds, nullptr, nullptr, 3, nullptr, nullptr);
    }, {"ggml_opt_epoch", "idata_split"});
}

static std::string g_log;
static void capture_log(ggml_log_level, const char * text, void *) { g_log += text; }

// Bad sizes for ggml_opt_fit: one message, no training, no abort.
static void test_fit_rejects() {
    opth::cpu_sched cpu;
    ggml_log_set(capture_log, nullptr);
    struct fit_case { const char * what; int64_t ndata; int64_t nphys; int64_t nlogical; float val_split; bool labels;
                      ggml_opt_loss_type loss; const char * needle; };
    const fit_case cases[] = {
        {"ndata % logical",       7, 1, 2, 0.0f,  false, GGML_OPT_LOSS_TYPE_SUM,  "multiple of the logical batch"},
        {"logical % physical",    6, 2, 3, 0.0f,  false, GGML_OPT_LOSS_TYPE_SUM,  "multiple of the physical"},
        {"val_split 1",           6, 1, 1, 1.0f,  false, GGML_OPT_LOSS_TYPE_SUM,  "val_split"},
        {"nothing left to train", 6, 1, 3, 0.6f,  false, GGML_OPT_LOSS_TYPE_SUM,  "no training data"},
        {"no labels for MSE",     6, 1, 1, 0.0f,  false, GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR, "labels"},
    };
    for (const fit_case & c : cases) {
        opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), c.nphys, 5.0f);
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, c.labels ? 1 : 0, c.ndata, 1);
        g_log.clear();
        ggml_opt_fit(cpu.sched, m.ctx_compute, m.inputs, m.outputs, ds, c.loss, GGML_OPT_OPTIMIZER_TYPE_ADAMW,
                     ggml_opt_get_default_optimizer_params, 2, c.nlogical, c.val_split, true);
        const bool ok = opth::get_f32(m.w) == 5.0f && g_log.find("ggml_opt_fit") != std::string::npos &&
                        g_log.find(c.needle) != std::string::npos;
        CHECK(ok);
        if (!ok) fprintf(stderr, "case '%s': log: %s\n", c.what, g_log.c_str());
        ggml_opt_dataset_free(ds);
    }

    // out-of-range hyperparameters are found before the first epoch
    {
        opth::one_param_model m(ggml_backend_sched_get_backend(cpu.sched, 0), 1, 5.0f);
        ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 1, 0, 6, 1);
        g_pars = ggml_opt_get_default_optimizer_params(nullptr);
        g_pars.sgd.alpha = 0.0f;
        g_log.clear();
        ggml_opt_fit(cpu.sched, m.ctx_compute, m.inputs, m.outputs, ds, GGML_OPT_LOSS_TYPE_SUM, GGML_OPT_OPTIMIZER_TYPE_SGD,
                     fixed_pars, 1, 1, 0.0f, true);
        CHECK(opth::get_f32(m.w) == 5.0f && g_log.find("SGD alpha") != std::string::npos);
        ggml_opt_dataset_free(ds);
    }
    ggml_log_set(nullptr, nullptr);
}

int main() {
    test_optimizer_params();
    test_call_order();
    test_dataset_misuse();
    test_fit_rejects();
    return opth::finish();
}
