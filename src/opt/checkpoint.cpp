// Training checkpoints: an optimization context's complete state (parameters, AdamW moments,
// step count, shuffle generator, dataset order) plus the caller's position and schedule, in one
// GGUF file. The format is described in include/ggml-opt.h.

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"
#include "gguf.h"

#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr uint32_t CHECKPOINT_VERSION = 1;

bool failf(char * err, size_t err_size, const char * fmt, ...) {
    if (err && err_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

std::string shape_str(const int64_t * ne) {
    char buf[96];
    snprintf(buf, sizeof(buf), "[%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "]", ne[0], ne[1], ne[2], ne[3]);
    return buf;
}

// The parameters of the forward graph with their AdamW moments (NULL without AdamW), in graph order.
struct param_slot {
    ggml_tensor * param;
    ggml_tensor * m;
    ggml_tensor * v;
};

std::vector<param_slot> params_of(const ggml_opt_context * oc) {
    std::vector<param_slot> out;
    for (int i = 0; i < oc->gf->n_nodes; ++i) {
        ggml_tensor * node = oc->gf->nodes[i];
        if (!(node->flags & GGML_TENSOR_FLAG_PARAM)) continue;
        const bool adamw = oc->optimizer == GGML_OPT_OPTIMIZER_TYPE_ADAMW && i < (int) oc->grad_m.size();
        out.push_back({node, adamw ? oc->grad_m[i] : nullptr, adamw ? oc->grad_v[i] : nullptr});
    }
    return out;
}

std::string moment_name(const ggml_tensor * param, const char * which) {
    return std::string(param->name) + (which[0] == 'm' ? ".adamw_m" : ".adamw_v");
}

const char * PERMUTATION = "opt.dataset.permutation";

} // namespace

bool ggml_opt_checkpoint_save(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, const ggml_opt_checkpoint_info * info,
                              const gguf_context * extra, const char * fname, char * err, size_t err_size) {
    if (!opt_ctx || !dataset || !info || !fname) return failf(err, err_size, "ggml_opt_checkpoint_save: NULL argument");
    ggml_opt_context * oc = opt_ctx;
    if (!oc->gf) return failf(err, err_size, "%s: the context has no graph to save", fname);
    if (oc->opt_i != 0) {
        return failf(err, err_size, "%s: gradients of %d physical batches are accumulated but not applied yet; "
                     "save after an optimizer step", fname, (int) oc->opt_i);
    }
    const std::vector<param_slot> params = params_of(oc);

    // host copies of every tensor, which may live on any backend
    size_t nbytes = ggml_tensor_overhead() * (3 * params.size() + 1) + dataset->permutation.size() * sizeof(int64_t) + GGML_MEM_ALIGN;
    for (const param_slot & p : params) nbytes += 3 * (ggml_nbytes(p.param) + GGML_MEM_ALIGN);
    const ggml_init_params ip = { nbytes, nullptr, /*no_alloc =*/ false };
    ggml_context * ctx_host = ggml_init(ip);

    gguf_context * g = gguf_init_empty();
    if (extra) gguf_set_kv(g, extra);
    gguf_set_val_u32(g, "opt.checkpoint.version", CHECKPOINT_VERSION);
    gguf_set_val_str(g, "opt.optimizer", ggml_opt_optimizer_name(oc->optimizer));
    gguf_set_val_i64(g, "opt.step", oc->iter - 1);
    gguf_set_val_i32(g, "opt.opt_period", oc->opt_period);
    gguf_set_val_i64(g, "opt.epoch", info->epoch);
    gguf_set_val_i64(g, "opt.batch", info->batch);
    gguf_set_arr_data(g, "opt.prng.state", GGUF_TYPE_UINT64, oc->rng.s, 4);
    gguf_set_val_i64(g, "opt.dataset.ndata", dataset->ndata);
    gguf_set_val_i64(g, "opt.dataset.ndata_shard", dataset->ndata_shard);
    const ggml_opt_lr_schedule & s = info->schedule;
    gguf_set_val_str(g, "opt.lr_schedule.type", ggml_opt_lr_schedule_name(s.type));
    gguf_set_val_f32(g, "opt.lr_schedule.lr", s.lr);
    gguf_set_val_f32(g, "opt.lr_schedule.lr_min", s.lr_min);
    gguf_set_val_f32(g, "opt.lr_schedule.decay_factor", s.decay_factor);
    gguf_set_val_i64(g, "opt.lr_schedule.warmup_steps", s.warmup_steps);
    gguf_set_val_i64(g, "opt.lr_schedule.total_steps", s.total_steps);
    gguf_set_val_i64(g, "opt.lr_schedule.decay_steps", s.decay_steps);
    gguf_set_val_f32(g, "opt.adamw.beta1", s.base.adamw.beta1);
    gguf_set_val_f32(g, "opt.adamw.beta2", s.base.adamw.beta2);
    gguf_set_val_f32(g, "opt.adamw.eps", s.base.adamw.eps);
    gguf_set_val_f32(g, "opt.adamw.wd", s.base.adamw.wd);
    gguf_set_val_f32(g, "opt.sgd.wd", s.base.sgd.wd);

    auto add_copy = [&](const ggml_tensor * t, const std::string & name) {
        ggml_tensor * copy = ggml_new_tensor(ctx_host, t->type, GGML_MAX_DIMS, t->ne);
        ggml_set_name(copy, name.c_str());
        ggml_backend_tensor_get(t, copy->data, 0, ggml_nbytes(t));
        gguf_add_tensor(g, copy);
    };
    for (const param_slot & p : params) add_copy(p.param, p.param->name);
    for (const param_slot & p : params) {
        if (!p.m) continue;
        add_copy(p.m, moment_name(p.param, "m"));
        add_copy(p.v, moment_name(p.param, "v"));
    }
    ggml_tensor * perm = ggml_new_tensor_1d(ctx_host, GGML_TYPE_I64, (int64_t) dataset->permutation.size());
    ggml_set_name(perm, PERMUTATION);
    memcpy(perm->data, dataset->permutation.data(), ggml_nbytes(perm));
    gguf_add_tensor(g, perm);

    const bool ok = gguf_write_to_file(g, fname, /*only_meta =*/ false);
    gguf_free(g);
    ggml_free(ctx_host);
    return ok ? true : failf(err, err_size, "%s: failed to write the checkpoint", fname);
}

namespace {

// Typed key readers: false (with err set) when the key is missing or of another type.
struct key_reader {
    const gguf_context * g;
    const char * fname;
    char * err;
    size_t err_size;

    int64_t find(const char * key, gguf_type type) {
        const int64_t id = gguf_find_key(g, key);
        if (id < 0) {
            failf(err, err_size, "%s: key %s is missing (not a training checkpoint?)", fname, key);
            return -1;
        }
        if (gguf_get_kv_type(g, id) != type) {
            failf(err, err_size, "%s: key %s has type %s, expected %s", fname, key, gguf_type_name(gguf_get_kv_type(g, id)),
                  gguf_type_name(type));
            return -1;
        }
        return id;
    }
    bool i64(const char * key, int64_t & v) { const int64_t id = find(key, GGUF_TYPE_INT64); if (id < 0) return false; v = gguf_get_val_i64(g, id); return true; }
    bool i32(const char * key, int32_t & v) { const int64_t id = find(key, GGUF_TYPE_INT32); if (id < 0) return false; v = gguf_get_val_i32(g, id); return true; }
    bool u32(const char * key, uint32_t & v) { const int64_t id = find(key, GGUF_TYPE_UINT32); if (id < 0) return false; v = gguf_get_val_u32(g, id); return true; }
    bool f32(const char * key, float & v) { const int64_t id = find(key, GGUF_TYPE_FLOAT32); if (id < 0) return false; v = gguf_get_val_f32(g, id); return true; }
    bool str(const char * key, std::string & v) { const int64_t id = find(key, GGUF_TYPE_STRING); if (id < 0) return false; v = gguf_get_val_str(g, id); return true; }
};

bool check_tensor(const ggml_context * ctx_file, const char * fname, const std::string & name, ggml_type type, const int64_t * ne,
                  char * err, size_t err_size) {
    const ggml_tensor * t = ggml_get_tensor(const_cast<ggml_context *>(ctx_file), name.c_str());
    if (!t) return failf(err, err_size, "%s: tensor %s is missing", fname, name.c_str());
    if (t->type != type) {
        return failf(err, err_size, "%s: tensor %s has type %s, expected %s", fname, name.c_str(), ggml_type_name(t->type),
                     ggml_type_name(type));
    }
    for (int d = 0; d < GGML_MAX_DIMS; ++d) {
        if (t->ne[d] != ne[d]) {
            return failf(err, err_size, "%s: tensor %s has shape %s, expected %s", fname, name.c_str(), shape_str(t->ne).c_str(),
                         shape_str(ne).c_str());
        }
    }
    return true;
}

bool load_checked(ggml_opt_context * oc, ggml_opt_dataset * ds, ggml_opt_checkpoint_info * info, const gguf_context * g,
                  ggml_context * ctx_file, const char * fname, char * err, size_t err_size) {
    key_reader k = {g, fname, err, err_size};
    uint32_t version;
    if (!k.u32("opt.checkpoint.version", version)) return false;
    if (version != CHECKPOINT_VERSION) {
        return failf(err, err_size, "%s: checkpoint version %u, this build reads version %u", fname, version, CHECKPOINT_VERSION);
    }
    std::string optimizer, sched_type;
    int64_t step, epoch, batch, ndata, ndata_shard;
    int32_t opt_period;
    ggml_opt_checkpoint_info in;
    memset(&in, 0, sizeof(in));
    in.schedule = ggml_opt_lr_schedule_default();
    ggml_opt_lr_schedule & s = in.schedule;
    if (!k.str("opt.optimizer", optimizer) || !k.i64("opt.step", step) || !k.i32("opt.opt_period", opt_period) ||
        !k.i64("opt.epoch", epoch) || !k.i64("opt.batch", batch) || !k.i64("opt.dataset.ndata", ndata) ||
        !k.i64("opt.dataset.ndata_shard", ndata_shard) || !k.str("opt.lr_schedule.type", sched_type) ||
        !k.f32("opt.lr_schedule.lr", s.lr) || !k.f32("opt.lr_schedule.lr_min", s.lr_min) ||
        !k.f32("opt.lr_schedule.decay_factor", s.decay_factor) || !k.i64("opt.lr_schedule.warmup_steps", s.warmup_steps) ||
        !k.i64("opt.lr_schedule.total_steps", s.total_steps) || !k.i64("opt.lr_schedule.decay_steps", s.decay_steps) ||
        !k.f32("opt.adamw.beta1", s.base.adamw.beta1) || !k.f32("opt.adamw.beta2", s.base.adamw.beta2) ||
        !k.f32("opt.adamw.eps", s.base.adamw.eps) || !k.f32("opt.adamw.wd", s.base.adamw.wd) || !k.f32("opt.sgd.wd", s.base.sgd.wd)) {
        return false;
    }
    if (!ggml_opt_lr_schedule_parse(sched_type.c_str(), &s.type)) {
        return failf(err, err_size, "%s: unknown learning-rate schedule '%s'", fname, sched_type.c_str());
    }
    if (optimizer != ggml_opt_optimizer_name(oc->optimizer)) {
        return failf(err, err_size, "%s: the checkpoint was trained with %s, this run uses %s", fname, optimizer.c_str(),
                     ggml_opt_optimizer_name(oc->optimizer));
    }
    if (opt_period != oc->opt_period) {
        return failf(err, err_size, "%s: the checkpoint sums %d physical batches per optimizer step, this run %d", fname,
                     (int) opt_period, (int) oc->opt_period);
    }
    if (ndata != ds->ndata || ndata_shard != ds->ndata_shard) {
        return failf(err, err_size, "%s: the checkpoint's dataset has %" PRId64 " datapoints in shards of %" PRId64
                     ", this one %" PRId64 " in shards of %" PRId64, fname, ndata, ndata_shard, ds->ndata, ds->ndata_shard);
    }
    if (step < 0 || epoch < 0 || batch < 0) return failf(err, err_size, "%s: negative step, epoch or batch", fname);
    const int64_t prng_id = k.find("opt.prng.state", GGUF_TYPE_ARRAY);
    if (prng_id < 0) return false;
    if (gguf_get_arr_type(g, prng_id) != GGUF_TYPE_UINT64 || gguf_get_arr_n(g, prng_id) != 4) {
        return failf(err, err_size, "%s: key opt.prng.state must hold 4 u64", fname);
    }
    ggml_opt_prng rng;
    memcpy(rng.s, gguf_get_arr_data(g, prng_id), sizeof(rng.s));
    if ((rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3]) == 0) return failf(err, err_size, "%s: the generator state is all zero", fname);

    // every tensor: name, type and shape, and nothing else in the file
    const std::vector<param_slot> params = params_of(oc);
    std::vector<std::string> expected;
    for (const param_slot & p : params) {
        if (!check_tensor(ctx_file, fname, p.param->name, p.param->type, p.param->ne, err, err_size)) return false;
        expected.push_back(p.param->name);
    }
    for (const param_slot & p : params) {
        if (!p.m) continue;
        for (const char * which : {"m", "v"}) {
            const std::string name = moment_name(p.param, which);
            if (!check_tensor(ctx_file, fname, name, GGML_TYPE_F32, p.param->ne, err, err_size)) return false;
            expected.push_back(name);
        }
    }
    const int64_t perm_ne[GGML_MAX_DIMS] = { (int64_t) ds->permutation.size(), 1, 1, 1 };
    if (!check_tensor(ctx_file, fname, PERMUTATION, GGML_TYPE_I64, perm_ne, err, err_size)) return false;
    expected.push_back(PERMUTATION);
    for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
        const std::string name = gguf_get_tensor_name(g, i);
        bool known = false;
        for (const std::string & e : expected) known = known || e == name;
        if (!known) return failf(err, err_size, "%s: unexpected tensor %s (a checkpoint of another model?)", fname, name.c_str());
    }
    const ggml_tensor * perm = ggml_get_tensor(ctx_file, PERMUTATION);
    const int64_t * order = (const int64_t *) perm->data;
    std::vector<bool> seen(ds->permutation.size(), false);
    for (size_t i = 0; i < ds->permutation.size(); ++i) {
        if (order[i] < 0 || order[i] >= (int64_t) seen.size() || seen[order[i]]) {
            return failf(err, err_size, "%s: tensor %s is not a permutation of the dataset's shards", fname, PERMUTATION);
        }
        seen[order[i]] = true;
    }

    // all checked: apply
    for (const param_slot & p : params) {
        ggml_backend_tensor_set(p.param, ggml_get_tensor(ctx_file, p.param->name)->data, 0, ggml_nbytes(p.param));
        if (!p.m) continue;
        ggml_backend_tensor_set(p.m, ggml_get_tensor(ctx_file, moment_name(p.param, "m").c_str())->data, 0, ggml_nbytes(p.m));
        ggml_backend_tensor_set(p.v, ggml_get_tensor(ctx_file, moment_name(p.param, "v").c_str())->data, 0, ggml_nbytes(p.v));
    }
    memcpy(ds->permutation.data(), order, ds->permutation.size() * sizeof(int64_t));
    oc->rng   = rng;
    oc->iter  = step + 1;
    oc->opt_i = 0;
    in.epoch  = epoch;
    in.batch  = batch;
    *info = in;
    return true;
}

} // namespace

bool ggml_opt_checkpoint_load(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, ggml_opt_checkpoint_info * info,
                              const char * fname, char * err, size_t err_size) {
    if (!opt_ctx || !dataset || !info || !fname) return failf(err, err_size, "ggml_opt_checkpoint_load: NULL argument");
    if (!opt_ctx->gf) return failf(err, err_size, "%s: the context has no graph to load into", fname);
    FILE * probe = fopen(fname, "rb");
    if (!probe) return failf(err, err_size, "%s: cannot open the checkpoint: %s", fname, strerror(errno));
    fclose(probe);

    ggml_context * ctx_file = nullptr;
    const gguf_init_params gp = { /*no_alloc =*/ false, &ctx_file };
    gguf_context * g = gguf_init_from_file(fname, gp);
    if (!g) return failf(err, err_size, "%s: not a valid GGUF file (corrupted or truncated checkpoint?)", fname);
    const bool ok = load_checked(opt_ctx, dataset, info, g, ctx_file, fname, err, err_size);
    gguf_free(g);
    ggml_free(ctx_file);
    return ok;
}
