// Learning-rate schedules against values worked out by hand, the schedule driving real optimizer
// steps, and training checkpoints: a save/load round trip continues exactly, mismatches are
// refused with a message naming what differs and change nothing.

#include "opt-helpers.h"

#include <cstring>
#include <string>
#include <vector>

using opth::near;

static float lr_at(ggml_opt_lr_schedule_type type, int64_t step) {
    ggml_opt_lr_schedule s = ggml_opt_lr_schedule_default();
    s.type = type;
    s.lr = 1.0f;
    s.lr_min = 0.1f;
    s.warmup_steps = 4;
    s.total_steps = 14;
    s.decay_steps = 3;
    s.decay_factor = 0.5f;
    return ggml_opt_lr_schedule_value(&s, step);
}

static void test_schedule_values() {
    for (ggml_opt_lr_schedule_type t : {GGML_OPT_LR_SCHEDULE_CONSTANT, GGML_OPT_LR_SCHEDULE_COSINE, GGML_OPT_LR_SCHEDULE_LINEAR,
                                        GGML_OPT_LR_SCHEDULE_STEP}) {
        CHECK(near(lr_at(t, 0), 0.25, 1e-7)); // warmup: (s+1)/4
        CHECK(near(lr_at(t, 2), 0.75, 1e-7));
        CHECK(near(lr_at(t, 4), 1.0, 1e-7));  // first step after the warmup: the peak
    }
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_CONSTANT, 100), 1.0, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_COSINE, 9), 0.55, 1e-6));   // halfway: the mean of lr and lr_min
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_COSINE, 14), 0.1, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_COSINE, 1000), 0.1, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_LINEAR, 6), 0.82, 1e-6));   // 1 + (0.1 - 1)*2/10
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_LINEAR, 14), 0.1, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_STEP, 6), 1.0, 1e-7));      // decays at 4 + 3k
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_STEP, 7), 0.5, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_STEP, 10), 0.25, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_STEP, 13), 0.125, 1e-7));
    CHECK(near(lr_at(GGML_OPT_LR_SCHEDULE_STEP, 16), 0.1, 1e-7));     // the floor

    ggml_opt_lr_schedule_type t;
    CHECK(ggml_opt_lr_schedule_parse("cosine", &t) && t == GGML_OPT_LR_SCHEDULE_COSINE);
    CHECK(!ggml_opt_lr_schedule_parse("exp", &t));
    CHECK(std::string(ggml_opt_lr_schedule_name(GGML_OPT_LR_SCHEDULE_STEP)) == "step");
}

// outputs = inputs + w with w of shape [n] named `name`, a SUM loss: dL/dw = 1 per datapoint.
struct vec_model {
    ggml_context * ctx_static = nullptr, * ctx_compute = nullptr;
    ggml_backend_buffer_t buf = nullptr;
    ggml_tensor * inputs = nullptr, * w = nullptr, * outputs = nullptr;
    vec_model(ggml_backend_t backend, int64_t n, const char * name, float w0) {
        ctx_static  = opth::new_meta_context(4, 0);
        ctx_compute = opth::new_meta_context(GGML_DEFAULT_GRAPH_SIZE, 4);
        inputs = ggml_new_tensor_2d(ctx_static, GGML_TYPE_F32, n, 1);
        w = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, n);
        ggml_set_name(w, name);
        ggml_set_param(w);
        outputs = ggml_add(ctx_compute, inputs, w);
        buf = ggml_backend_alloc_ctx_tensors(ctx_static, backend);
        std::vector<float> v(n, w0);
        ggml_backend_tensor_set(w, v.data(), 0, n * sizeof(float));
    }
    ~vec_model() { ggml_backend_buffer_free(buf); ggml_free(ctx_static); ggml_free(ctx_compute); }
    float w0() const { return opth::get_f32(w); }
};

static ggml_opt_context_t make_ctx(ggml_backend_sched_t sched, vec_model & m, ggml_opt_optimizer_type optim,
                                   ggml_opt_lr_schedule * s) {
    ggml_opt_params p = ggml_opt_default_params(sched, GGML_OPT_LOSS_TYPE_SUM);
    p.ctx_compute = m.ctx_compute;
    p.inputs = m.inputs;
    p.outputs = m.outputs;
    p.optimizer = optim;
    p.get_opt_pars = ggml_opt_get_scheduled_params;
    p.get_opt_pars_ud = s;
    ggml_opt_context_t ctx = ggml_opt_init(p);
    s->opt_ctx = ctx;
    return ctx;
}

static void train_steps(ggml_opt_context_t ctx, ggml_opt_dataset_t ds, int n) {
    for (int i = 0; i < n; ++i) {
        ggml_opt_alloc(ctx, true);
        ggml_opt_dataset_get_batch(ds, ggml_opt_inputs(ctx), nullptr, i % 6);
        ggml_opt_eval(ctx, nullptr);
    }
}

static ggml_opt_dataset_t make_dataset(int64_t n) {
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, n, 0, 6, 1);
    float * x = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    for (int64_t i = 0; i < 6 * n; ++i) x[i] = (float) i;
    return ds;
}

// SGD with gradient 1 moves w by exactly -lr(step) per step: the schedule's values, in order.
static void test_schedule_drives_steps(ggml_backend_sched_t sched) {
    vec_model m(ggml_backend_sched_get_backend(sched, 0), 1, "w", 10.0f);
    ggml_opt_lr_schedule s = ggml_opt_lr_schedule_default();
    s.type = GGML_OPT_LR_SCHEDULE_LINEAR;
    s.lr = 1.0f; s.lr_min = 0.0f; s.warmup_steps = 2; s.total_steps = 6;
    ggml_opt_context_t ctx = make_ctx(sched, m, GGML_OPT_OPTIMIZER_TYPE_SGD, &s);
    ggml_opt_dataset_t ds = make_dataset(1);
    // lr: 0.5, 1, 1, 0.75, 0.5, 0.25 -> w = 10 - 4
    train_steps(ctx, ds, 6);
    CHECK(ggml_opt_get_step(ctx) == 6);
    CHECK(near(m.w0(), 6.0, 1e-6));
    ggml_opt_dataset_free(ds);
    ggml_opt_free(ctx);
}

static void test_checkpoint(ggml_backend_sched_t sched) {
    const char * path = "test-opt-checkpoint.gguf";
    ggml_backend_t backend = ggml_backend_sched_get_backend(sched, 0);
    ggml_opt_lr_schedule s = ggml_opt_lr_schedule_default();
    s.type = GGML_OPT_LR_SCHEDULE_COSINE; s.lr = 0.1f; s.total_steps = 10;
    ggml_opt_dataset_t ds = make_dataset(3);
    char err[512];

    // reference: 7 steps in one go, the data shuffled once
    float w_ref;
    {
        vec_model m(backend, 3, "w", 1.0f);
        ggml_opt_context_t ctx = make_ctx(sched, m, GGML_OPT_OPTIMIZER_TYPE_ADAMW, &s);
        ggml_opt_dataset_shuffle(ctx, ds, -1);
        train_steps(ctx, ds, 3);
        ggml_opt_checkpoint_info info = { 0, 3, s };
        CHECK(ggml_opt_checkpoint_save(ctx, ds, &info, nullptr, path, err, sizeof err));
        ggml_opt_dataset_shuffle(ctx, ds, -1);
        train_steps(ctx, ds, 4);
        w_ref = m.w0();
        ggml_opt_free(ctx);
    }
    // a fresh context from the checkpoint continues exactly
    {
        vec_model m(backend, 3, "w", 5.0f);
        ggml_opt_context_t ctx = make_ctx(sched, m, GGML_OPT_OPTIMIZER_TYPE_ADAMW, &s);
        ggml_opt_checkpoint_info info;
        const bool ok = ggml_opt_checkpoint_load(ctx, ds, &info, path, err, sizeof err);
        CHECK(ok);
        if (!ok) fprintf(stderr, "%s\n", err);
        CHECK(info.epoch == 0 && info.batch == 3 && info.schedule.type == GGML_OPT_LR_SCHEDULE_COSINE && info.schedule.lr == 0.1f);
        CHECK(ggml_opt_get_step(ctx) == 3);
        ggml_opt_dataset_shuffle(ctx, ds, -1);
        train_steps(ctx, ds, 4);
        CHECK(m.w0() == w_ref);
        ggml_opt_free(ctx);
    }
    // mismatches: refused, named, nothing changed
    struct refusal { int64_t n; const char * name; ggml_opt_optimizer_type optim; const char * want; };
    for (const refusal & r : {refusal{4, "w", GGML_OPT_OPTIMIZER_TYPE_ADAMW, "tensor w has shape"},
                              refusal{3, "v", GGML_OPT_OPTIMIZER_TYPE_ADAMW, "tensor v is missing"},
                              refusal{3, "w", GGML_OPT_OPTIMIZER_TYPE_SGD, "trained with adamw"}}) {
        vec_model m(backend, r.n, r.name, 5.0f);
        ggml_opt_context_t ctx = make_ctx(sched, m, r.optim, &s);
        ggml_opt_checkpoint_info info;
        CHECK(!ggml_opt_checkpoint_load(ctx, ds, &info, path, err, sizeof err));
        const bool named = strstr(err, r.want) != nullptr;
        CHECK(named);
        if (!named) fprintf(stderr, "message: %s (expected '%s')\n", err, r.want);
        CHECK(m.w0() == 5.0f && ggml_opt_get_step(ctx) == 0);
        ggml_opt_free(ctx);
    }
    // another dataset size
    {
        ggml_opt_dataset_t ds12 = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 3, 0, 12, 1);
        vec_model m(backend, 3, "w", 5.0f);
        ggml_opt_context_t ctx = make_ctx(sched, m, GGML_OPT_OPTIMIZER_TYPE_ADAMW, &s);
        ggml_opt_checkpoint_info info;
        CHECK(!ggml_opt_checkpoint_load(ctx, ds12, &info, path, err, sizeof err) && strstr(err, "6 datapoints"));
        ggml_opt_free(ctx);
        ggml_opt_dataset_free(ds12);
    }
    // a truncated file
    {
        FILE * f = fopen(path, "rb");
        std::vector<char> bytes(200);
        const size_t n = fread(bytes.data(), 1, bytes.size(), f);
        fclose(f);
        f = fopen(path, "wb");
        fwrite(bytes.data(), 1, n, f);
        fclose(f);
        vec_model m(backend, 3, "w", 5.0f);
        ggml_opt_context_t ctx = make_ctx(sched, m, GGML_OPT_OPTIMIZER_TYPE_ADAMW, &s);
        ggml_opt_checkpoint_info info;
        CHECK(!ggml_opt_checkpoint_load(ctx, ds, &info, path, err, sizeof err) && strstr(err, "truncated"));
        CHECK(m.w0() == 5.0f);
        ggml_opt_free(ctx);
    }
    remove(path);
    ggml_opt_dataset_free(ds);
}

int main() {
    test_schedule_values();
    opth::cpu_sched cpu;
    test_schedule_drives_steps(cpu.sched);
    test_checkpoint(cpu.sched);
    return opth::finish();
}
