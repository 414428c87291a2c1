// Training with a learning-rate schedule, checkpoints, exact resume, early stopping, the best
// epoch's weights, a JSON-lines log and a stop request (from a signal), all through ggml-opt.h.

#include "mnist-common.h"

#include "ggml-cpu.h"
#include "gguf.h"

#include <cinttypes>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace {

void print_duration(const char * what, int64_t t_us) {
    const int64_t s = t_us / 1000000;
    fprintf(stderr, "mnist_model_train: %s took %02d:%02d:%02d\n", what, int(s / 3600), int((s / 60) % 60), int(s % 60));
}

// The run's settings that a checkpoint must agree with, and the early-stopping state, as keys
// beside ggml_opt_checkpoint_save's own.
struct run_state {
    double  best_val_loss     = std::numeric_limits<double>::infinity();
    int64_t best_epoch        = 0;
    int64_t epochs_since_best = 0;
};

gguf_context * run_keys(const mnist_model & model, const mnist_train_params & params, const run_state & rs) {
    gguf_context * g = gguf_init_empty();
    gguf_set_val_str(g, "general.architecture", model.arch.c_str());
    gguf_set_val_i32(g, "mnist.batch_logical", model.nbatch_logical);
    gguf_set_val_i32(g, "mnist.batch_physical", model.nbatch_physical);
    gguf_set_val_f32(g, "mnist.val_split", params.val_split);
    gguf_set_val_u64(g, "mnist.seed", params.seed);
    gguf_set_val_f64(g, "mnist.best_val_loss", rs.best_val_loss);
    gguf_set_val_i64(g, "mnist.best_epoch", rs.best_epoch);
    gguf_set_val_i64(g, "mnist.epochs_since_best", rs.epochs_since_best);
    return g;
}

// Checks the run's keys of a checkpoint against this run and reads the early-stopping state.
bool check_run_keys(const std::string & fname, const mnist_model & model, const mnist_train_params & params, run_state & rs,
                    std::string & err) {
    const gguf_init_params gp = { /*no_alloc =*/ true, nullptr };
    gguf_context * g = gguf_init_from_file(fname.c_str(), gp);
    if (!g) {
        FILE * f = fopen(fname.c_str(), "rb");
        err = f ? fname + ": not a valid GGUF file (corrupted or truncated checkpoint?)" : fname + ": cannot open the checkpoint";
        if (f) fclose(f);
        return false;
    }
    auto find = [&](const char * key, gguf_type type) -> int64_t {
        const int64_t id = gguf_find_key(g, key);
        if (id < 0 || gguf_get_kv_type(g, id) != type) {
            err = fname + ": key " + key + " is missing or has the wrong type (not an mnist-train checkpoint?)";
            return -1;
        }
        return id;
    };
    bool ok = false;
    int64_t id;
    do {
        if ((id = find("general.architecture", GGUF_TYPE_STRING)) < 0) break;
        if (model.arch != gguf_get_val_str(g, id)) {
            err = fname + ": a checkpoint of " + gguf_get_val_str(g, id) + ", not of " + model.arch;
            break;
        }
        if ((id = find("mnist.batch_logical", GGUF_TYPE_INT32)) < 0) break;
        if (gguf_get_val_i32(g, id) != model.nbatch_logical) {
            err = fname + ": the checkpoint was trained with --batch-logical " + std::to_string(gguf_get_val_i32(g, id)) +
                  ", this run uses " + std::to_string(model.nbatch_logical);
            break;
        }
        if ((id = find("mnist.batch_physical", GGUF_TYPE_INT32)) < 0) break;
        if (gguf_get_val_i32(g, id) != model.nbatch_physical) {
            err = fname + ": the checkpoint was trained with --batch-physical " + std::to_string(gguf_get_val_i32(g, id)) +
                  ", this run uses " + std::to_string(model.nbatch_physical);
            break;
        }
        if ((id = find("mnist.val_split", GGUF_TYPE_FLOAT32)) < 0) break;
        if (gguf_get_val_f32(g, id) != params.val_split) {
            err = fname + ": the checkpoint was trained with --val-split " + std::to_string(gguf_get_val_f32(g, id)) +
                  ", this run uses " + std::to_string(params.val_split);
            break;
        }
        if ((id = find("mnist.seed", GGUF_TYPE_UINT64)) < 0) break;
        if (params.seed_given && gguf_get_val_u64(g, id) != params.seed) {
            err = fname + ": the checkpoint was trained with --seed " + std::to_string(gguf_get_val_u64(g, id)) +
                  "; leave --seed out when resuming";
            break;
        }
        if ((id = find("mnist.best_val_loss", GGUF_TYPE_FLOAT64)) < 0) break;
        rs.best_val_loss = gguf_get_val_f64(g, id);
        if ((id = find("mnist.best_epoch", GGUF_TYPE_INT64)) < 0) break;
        rs.best_epoch = gguf_get_val_i64(g, id);
        if ((id = find("mnist.epochs_since_best", GGUF_TYPE_INT64)) < 0) break;
        rs.epochs_since_best = gguf_get_val_i64(g, id);
        ok = true;
    } while (false);
    gguf_free(g);
    return ok;
}

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[64];
    snprintf(buf, sizeof(buf), "%.9g", v);
    return buf;
}

// The log's lines of the epochs up to `epochs` (those a resumed run keeps).
std::string log_lines_upto(const std::string & fname, int64_t epochs) {
    // a log holds a line per epoch: anything beyond a few MiB is not one of ours
    constexpr size_t MAX_LOG_BYTES = 16u << 20;
    std::string text, out;
    FILE * f = fopen(fname.c_str(), "rb");
    if (!f) return out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && text.size() < MAX_LOG_BYTES) text.append(buf, n);
    fclose(f);
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        long long epoch = 0;
        if (sscanf(line.c_str(), "{\"epoch\":%lld", &epoch) == 1 && epoch <= epochs) out += line + "\n";
        pos = end + 1;
    }
    return out;
}

struct weights_copy {
    std::vector<std::vector<uint8_t>> data;
    void take(const mnist_model & model) {
        const std::vector<mnist_tensor_spec> specs = mnist_arch_tensors(model.arch);
        data.resize(specs.size());
        for (size_t i = 0; i < specs.size(); ++i) {
            const ggml_tensor * t = ggml_get_tensor(model.ctx_static, specs[i].name);
            data[i].resize(ggml_nbytes(t));
            ggml_backend_tensor_get(t, data[i].data(), 0, data[i].size());
        }
    }
    void restore(const mnist_model & model) const {
        const std::vector<mnist_tensor_spec> specs = mnist_arch_tensors(model.arch);
        for (size_t i = 0; i < specs.size() && i < data.size(); ++i) {
            ggml_backend_tensor_set(ggml_get_tensor(model.ctx_static, specs[i].name), data[i].data(), 0, data[i].size());
        }
    }
};

} // namespace

mnist_train_status mnist_model_train(mnist_model & model, ggml_opt_dataset_t dataset, const mnist_train_params & params,
                                     std::string & err) {
    const int64_t t_start_us = ggml_time_us();

    ggml_opt_lr_schedule sched = ggml_opt_lr_schedule_default();
    sched.type            = params.schedule;
    sched.lr              = params.lr > 0.0f ? params.lr : sched.base.adamw.alpha;
    sched.lr_min          = params.lr_min;
    sched.warmup_steps    = params.warmup_steps;
    sched.base.adamw.wd   = params.weight_decay;
    sched.base.sgd.wd     = params.weight_decay;

    struct ggml_opt_params op = ggml_opt_default_params(model.backend_sched, GGML_OPT_LOSS_TYPE_CROSS_ENTROPY);
    op.ctx_compute     = model.ctx_compute;
    op.inputs          = model.images;
    op.outputs         = model.logits;
    op.opt_period      = model.nbatch_logical / model.nbatch_physical;
    op.get_opt_pars    = ggml_opt_get_scheduled_params;
    op.get_opt_pars_ud = &sched;
    op.optimizer       = params.optimizer;
    op.seed            = params.seed;
    std::unique_ptr<ggml_opt_context, decltype(&ggml_opt_free)> ctx_holder(ggml_opt_init(op), ggml_opt_free);
    ggml_opt_context_t opt_ctx = ctx_holder.get();
    sched.opt_ctx = opt_ctx;

    const int64_t ndata           = ggml_opt_dataset_ndata(dataset);
    const int64_t nbatches        = ndata / model.nbatch_logical;
    const int64_t steps_per_epoch = (int64_t) std::floor((1.0 - params.val_split)*nbatches + 1e-6);
    const int64_t idata_split     = steps_per_epoch * model.nbatch_logical;
    const int64_t opt_period      = op.opt_period;
    const int64_t nphys_split     = idata_split / model.nbatch_physical;
    const int64_t nphys           = ndata / model.nbatch_physical;
    const bool    has_val         = idata_split < ndata;

    run_state rs;
    int64_t epochs_done = 0, steps_done = 0; // steps done in epoch epochs_done + 1
    if (!params.resume.empty()) {
        if (!check_run_keys(params.resume, model, params, rs, err)) return MNIST_TRAIN_FAILED;
        ggml_opt_checkpoint_info info;
        char msg[512];
        if (!ggml_opt_checkpoint_load(opt_ctx, dataset, &info, params.resume.c_str(), msg, sizeof(msg))) {
            err = msg;
            return MNIST_TRAIN_FAILED;
        }
        if (!params.schedule_given) {
            sched         = info.schedule;
            sched.opt_ctx = opt_ctx;
        }
        epochs_done = info.epoch;
        steps_done  = info.batch;
        if (steps_done > steps_per_epoch) {
            err = params.resume + ": the checkpoint is at step " + std::to_string(steps_done) + " of an epoch of " +
                  std::to_string(steps_per_epoch) + " steps";
            return MNIST_TRAIN_FAILED;
        }
        fprintf(stderr, "%s: resuming from %s after %" PRId64 " epochs and %" PRId64 " steps (optimizer step %" PRId64 ")\n",
                __func__, params.resume.c_str(), epochs_done, steps_done, ggml_opt_get_step(opt_ctx));
    } else if (model.nbatch_logical < ndata) {
        // As ggml_opt_fit: one shuffle of everything picks the validation images, then only the
        // training part is reshuffled before each epoch.
        ggml_opt_dataset_shuffle(opt_ctx, dataset, -1);
    }
    // The schedule spans the epochs of this run (which a resume may change).
    sched.total_steps = (int64_t) params.nepoch * steps_per_epoch;
    if (params.schedule_given || params.resume.empty()) {
        sched.decay_steps = (int64_t) std::max(1, params.decay_epochs) * steps_per_epoch;
    }

    auto save = [&](const std::string & fname, int64_t epoch, int64_t batch) -> bool {
        ggml_opt_checkpoint_info info;
        info.epoch    = epoch;
        info.batch    = batch;
        info.schedule = sched;
        gguf_context * extra = run_keys(model, params, rs);
        char msg[512];
        const bool ok = ggml_opt_checkpoint_save(opt_ctx, dataset, &info, extra, fname.c_str(), msg, sizeof(msg));
        gguf_free(extra);
        if (!ok) err = msg;
        return ok;
    };
    auto interrupted = [&](int64_t epoch, int64_t batch) -> mnist_train_status {
        const std::string & target = params.checkpoint.empty() ? params.interrupt_checkpoint : params.checkpoint;
        if (!save(target, epoch, batch)) return MNIST_TRAIN_FAILED;
        err = target;
        return MNIST_TRAIN_INTERRUPTED;
    };
    auto stop_requested = [&]() {
        return (params.stop && *params.stop) || (params.stop_after_steps > 0 && ggml_opt_get_step(opt_ctx) >= params.stop_after_steps);
    };

    std::unique_ptr<ggml_opt_result, decltype(&ggml_opt_result_free)> result_train(ggml_opt_result_init(), ggml_opt_result_free);
    std::unique_ptr<ggml_opt_result, decltype(&ggml_opt_result_free)> result_val(ggml_opt_result_init(), ggml_opt_result_free);
    std::string log_text = params.log.empty() || params.resume.empty() ? std::string() : log_lines_upto(params.log, epochs_done);
    weights_copy best;
    bool have_best = false;

    ggml_tensor * inputs = ggml_opt_inputs(opt_ctx);
    ggml_tensor * labels = ggml_opt_labels(opt_ctx);
    // The transform of an image depends only on (seed, epoch, its position in the epoch), so the
    // thread count, stopping mid-epoch and resuming all give the same images. The threads of the
    // CPU backend share each batch's transforms between two graph computes.
    ggml_opt_augment_params augment = params.augment;
    const bool augmented = ggml_opt_augment_enabled(&augment);
    for (ggml_backend_t backend : model.backends) {
        if (ggml_backend_is_cpu(backend)) augment.backend = backend;
    }
    for (int64_t epoch = epochs_done + 1; epoch <= params.nepoch; ++epoch) {
        const int64_t t_epoch_us = ggml_time_us();
        const float lr_first = ggml_opt_lr_schedule_value(&sched, ggml_opt_get_step(opt_ctx));
        fprintf(stderr, "%s: epoch %04" PRId64 "/%04d: lr %.3g\n", __func__, epoch, params.nepoch, lr_first);
        // the last epochs may train on the images as they are: the augmentation's regularization
        // costs a small model capacity it needs on the real distribution at the end
        const bool augment_now = augmented && epoch <= params.nepoch - params.augment_off_epochs;
        augment.epoch = epoch;
        if (steps_done == 0 && model.nbatch_logical < idata_split) {
            ggml_opt_dataset_shuffle(opt_ctx, dataset, idata_split);
        }
        ggml_opt_result_reset(result_train.get());
        ggml_opt_result_reset(result_val.get());

        int64_t t_phase_us = ggml_time_us();
        const int64_t ibatch_first = steps_done * opt_period;
        for (int64_t step = steps_done; step < steps_per_epoch; ++step) {
            for (int64_t k = 0; k < opt_period; ++k) {
                const int64_t ibatch = step * opt_period + k;
                if (!ggml_opt_alloc_checked(opt_ctx, /*backward =*/ true)) {
                    err = mnist_out_of_memory(model);
                    return MNIST_TRAIN_FAILED;
                }
                if (augment_now) {
                    ggml_opt_augment_get_batch(&augment, dataset, inputs, labels, ibatch);
                } else {
                    ggml_opt_dataset_get_batch(dataset, inputs, labels, ibatch);
                }
                ggml_opt_eval(opt_ctx, result_train.get());
                ggml_opt_epoch_callback_progress_bar(true, opt_ctx, dataset, result_train.get(), ibatch + 1 - ibatch_first,
                                                     nphys_split - ibatch_first, t_phase_us);
            }
            const bool every = params.checkpoint_every > 0 && ggml_opt_get_step(opt_ctx) % params.checkpoint_every == 0;
            if (every && !params.checkpoint.empty() && !save(params.checkpoint, epoch - 1, step + 1)) return MNIST_TRAIN_FAILED;
            // a stop at the epoch's last step waits for the validation: the checkpoint is then the epoch's
            if (stop_requested() && step + 1 < steps_per_epoch) {
                fprintf(stderr, "\n");
                return interrupted(epoch - 1, step + 1);
            }
        }
        steps_done = 0;

        t_phase_us = ggml_time_us();
        for (int64_t ibatch = nphys_split; ibatch < nphys; ++ibatch) {
            if (!ggml_opt_alloc_checked(opt_ctx, /*backward =*/ false)) {
                err = mnist_out_of_memory(model);
                return MNIST_TRAIN_FAILED;
            }
            ggml_opt_dataset_get_batch(dataset, inputs, labels, ibatch);
            ggml_opt_eval(opt_ctx, result_val.get());
            ggml_opt_epoch_callback_progress_bar(false, opt_ctx, dataset, result_val.get(), ibatch + 1 - nphys_split,
                                                 nphys - nphys_split, t_phase_us);
        }

        if (params.eval_each_epoch) {
            // forward passes of the training context: the weights as they are after this epoch
            std::unique_ptr<ggml_opt_result, decltype(&ggml_opt_result_free)> result_eval(ggml_opt_result_init(), ggml_opt_result_free);
            if (!ggml_opt_epoch_checked(opt_ctx, params.eval_each_epoch, nullptr, result_eval.get(), 0, nullptr, nullptr)) {
                err = mnist_out_of_memory(model);
                return MNIST_TRAIN_FAILED;
            }
            double acc, acc_unc;
            ggml_opt_result_accuracy(result_eval.get(), &acc, &acc_unc);
            fprintf(stdout, "%s: epoch %" PRId64 ": eval_acc=%.2lf+-%.2lf%% t=%.3lf s\n", __func__, epoch, 100.0*acc, 100.0*acc_unc,
                    (ggml_time_us() - params.t_start_us) / 1e6);
            fflush(stdout);
        }

        double train_loss, train_loss_unc, train_acc, train_acc_unc;
        double val_loss = NAN, val_loss_unc = NAN, val_acc = NAN, val_acc_unc = NAN;
        ggml_opt_result_loss(result_train.get(), &train_loss, &train_loss_unc);
        ggml_opt_result_accuracy(result_train.get(), &train_acc, &train_acc_unc);
        if (has_val) {
            ggml_opt_result_loss(result_val.get(), &val_loss, &val_loss_unc);
            ggml_opt_result_accuracy(result_val.get(), &val_acc, &val_acc_unc);
        }

        // early stopping and the best epoch, on the validation loss
        bool stop_early = false;
        if (has_val && std::isfinite(val_loss)) {
            if (val_loss < rs.best_val_loss) {
                rs.best_val_loss     = val_loss;
                rs.best_epoch        = epoch;
                rs.epochs_since_best = 0;
                if (params.keep_best) {
                    best.take(model);
                    have_best = true;
                }
            } else {
                rs.epochs_since_best++;
            }
            stop_early = params.early_stop > 0 && rs.epochs_since_best >= params.early_stop;
        }

        if (!params.log.empty()) {
            const float lr_last = ggml_opt_lr_schedule_value(&sched, std::max<int64_t>(0, ggml_opt_get_step(opt_ctx) - 1));
            log_text += "{\"epoch\":" + std::to_string(epoch) + ",\"step\":" + std::to_string(ggml_opt_get_step(opt_ctx)) +
                        ",\"train_loss\":" + json_number(train_loss) + ",\"train_loss_unc\":" + json_number(train_loss_unc) +
                        ",\"train_acc\":" + json_number(train_acc) + ",\"train_acc_unc\":" + json_number(train_acc_unc) +
                        ",\"val_loss\":" + json_number(val_loss) + ",\"val_loss_unc\":" + json_number(val_loss_unc) +
                        ",\"val_acc\":" + json_number(val_acc) + ",\"val_acc_unc\":" + json_number(val_acc_unc) +
                        ",\"lr\":" + json_number(lr_last) + ",\"seconds\":" + json_number((ggml_time_us() - t_epoch_us) / 1e6) +
                        "}\n";
            if (!mnist_text_write(params.log, log_text, err)) return MNIST_TRAIN_FAILED;
        }

        if (!params.checkpoint.empty() && !save(params.checkpoint, epoch, 0)) return MNIST_TRAIN_FAILED;
        // after the last epoch the training is complete: the model is evaluated and saved instead
        if (stop_requested() && epoch < params.nepoch) return interrupted(epoch, 0);
        if (stop_early) {
            fprintf(stderr, "%s: early stop: the validation loss has not improved for %" PRId64 " epochs (best: epoch %" PRId64
                    ", %.5f)\n", __func__, rs.epochs_since_best, rs.best_epoch, rs.best_val_loss);
            break;
        }
    }
    print_duration("training", ggml_time_us() - t_start_us);

    if (params.keep_best && have_best) {
        best.restore(model);
        fprintf(stderr, "%s: keeping the weights of epoch %" PRId64 " (validation loss %.5f)\n", __func__, rs.best_epoch,
                rs.best_val_loss);
    } else if (params.keep_best && rs.best_epoch > 0) {
        fprintf(stderr, "%s: the best epoch (%" PRId64 ") came before the resume; keeping the last weights\n", __func__,
                rs.best_epoch);
    }
    return MNIST_TRAIN_DONE;
}
