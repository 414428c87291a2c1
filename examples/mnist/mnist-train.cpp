// mnist-train: trains mnist-fc or mnist-cnn on IDX files and saves the model as GGUF.

#include "mnist-common.h"
#include "mnist-output.h"

#include <cstring>
#include <memory>
#include <unistd.h>

static const char * USAGE =
    "usage: mnist-train ARCH OUT.gguf TRAIN_IMAGES TRAIN_LABELS [BACKEND] [options]\n"
    "\n"
    "  ARCH                 mnist-fc or mnist-cnn\n"
    "  OUT.gguf             model file to write (only written when training succeeds)\n"
    "  TRAIN_IMAGES/LABELS  IDX files, plain or gzip-compressed\n"
    "  BACKEND              device to use first (CPU, CUDA0, ...); the others are fallbacks\n"
    "\n"
    "options:\n"
    "  --epochs N           passes over the training data (default 30)\n"
    "  --seed N             seed for the initial weights and the shuffling; the same seed\n"
    "                       gives a byte-identical model file (default: random)\n"
    "  --threads N          CPU threads (default: the CPUs this process may use)\n"
    "  --val-split F        fraction of the data held out for validation, in [0, 1) (default 0.05)\n"
    "  --batch-logical N    images per optimizer step (default 1000)\n"
    "  --batch-physical N   images per graph evaluation; divides the logical batch\n"
    "                       (default: the logical batch for mnist-fc, 100 for mnist-cnn)\n"
    "  --optimizer NAME     adamw or sgd (default adamw)\n"
    "  --lr F               learning rate (default: the optimizer's, 0.001)\n"
    "  --init NAME          initial weights: normal (N(0, S), ggml's example) or glorot\n"
    "                       (uniform +-sqrt(6/(fan_in+fan_out)), zero biases: the Keras defaults).\n"
    "                       Default: normal for mnist-fc, glorot for mnist-cnn, whose small\n"
    "                       convolutions learn too slowly from N(0, 0.01) to reach the accuracy\n"
    "                       of ggml's TensorFlow-trained CNN in 30 epochs\n"
    "  --init-std S         standard deviation S of --init normal (default 0.01);\n"
    "                       --init normal --init-std 0.01 is exactly ggml's example\n"
    "  --eval-images PATH   after training, evaluate on these images ...\n"
    "  --eval-labels PATH   ... and labels\n"
    "  --predictions PATH   write the evaluation's predicted digits there, one per line\n"
    "  --eval-each-epoch    evaluate on --eval-images after every epoch too: one line per epoch\n"
    "                       with the accuracy and the seconds since the program started\n"
    "\n"
    "training for real:\n"
    "  --lr-schedule NAME   constant, cosine, linear or step (default constant); cosine and linear\n"
    "                       go from --lr to --lr-min over all epochs after the warmup\n"
    "  --warmup N           optimizer steps of linear warmup from 0 to --lr (default 0)\n"
    "  --lr-min F           final learning rate of cosine/linear, floor of step (default 0)\n"
    "  --decay-epochs N     step: the learning rate drops 10x every N epochs (default 10)\n"
    "  --weight-decay F     decoupled weight decay per step, in [0, 1] (default 0)\n"
    "  --early-stop N       stop when the validation loss has not improved for N epochs\n"
    "  --keep-best          save the weights of the epoch with the lowest validation loss\n"
    "  --log PATH           one JSON line per epoch: losses, accuracies, learning rate, seconds\n"
    "  --checkpoint PATH    training state (weights, optimizer moments, data order, position),\n"
    "                       written atomically after every epoch\n"
    "  --checkpoint-every N also every N optimizer steps\n"
    "  --resume PATH        continue from a checkpoint; the result equals an uninterrupted run.\n"
    "                       --epochs may change, and so may the schedule options (they then\n"
    "                       replace the checkpoint's); architecture, optimizer, batch sizes,\n"
    "                       data set, --val-split and --seed must match the checkpoint\n"
    "  --stop-after N       stop as if interrupted once the optimizer has made N steps in all\n"
    "                       (time-boxed jobs; tests of the resume)\n"
    "  Ctrl-C (SIGINT) or SIGTERM: the current step ends, the checkpoint (without --checkpoint:\n"
    "  OUT.gguf.ckpt) is written, and mnist-train exits with status 130; after the training, the\n"
    "  evaluation and the model's save finish first (the model is then complete), then status 130.\n"
    "  A second signal ends the process at once and removes the temporary file of a save under way\n"
    "\n"
    "augmentation (training batches only, a new random transform per image and epoch, drawn from\n"
    "the seed; off by default):\n"
    "  --augment            turn on: translate 2, rotate 10, scale 0.1, shear 10, no elastic\n"
    "  --aug-translate PX   maximum shift per axis in pixels, [0, 14]\n"
    "  --aug-rotate DEG     maximum rotation in degrees, [0, 180]\n"
    "  --aug-scale F        size factor in [1-F, 1+F], F in [0, 0.9]\n"
    "  --aug-shear DEG      maximum horizontal shear in degrees, [0, 60]\n"
    "  --aug-elastic PX     elastic distortion: maximum displacement in pixels, [0, 7] (0: off)\n"
    "  --aug-elastic-grid PX  its wavelength: control points PX pixels apart, [2, 28] (default 7)\n"
    "  --aug-off-epochs N   train the last N epochs on the images as they are (default 0)\n"
    "  --recipe NAME        default (the defaults above) or best (the measured best training, see\n"
    "                       README): --augment --batch-logical 100 --lr-schedule cosine and, for\n"
    "                       mnist-fc, --lr 0.001, for mnist-cnn, --lr 0.005 --warmup 300\n"
    "                       --val-split 0 --weight-decay 0.03, ranges 1 px, 5 deg, 0.05, 5 deg and\n"
    "                       --aug-off-epochs 5.\n"
    "                       Options after it override it\n"
    "  --help               show this help\n";

// One line whatever the message holds (paths and strings from files are shown escaped).
static int fail(const std::string & msg) {
    fprintf(stderr, "error: %s\n", mnist_escape(msg).c_str());
    return 1;
}

int main(int argc, char ** argv) {
    ggml_time_init();
    const int64_t t_start_us = ggml_time_us();

    mnist_options opts;
    const std::vector<std::string> allowed = {
        "epochs", "seed", "threads", "val-split", "batch-logical", "batch-physical", "optimizer", "lr",
        "init", "init-std", "eval-images", "eval-labels", "predictions", "lr-schedule", "warmup", "lr-min",
        "decay-epochs", "weight-decay", "early-stop", "keep-best", "log", "checkpoint", "checkpoint-every", "resume",
        "stop-after",
        "eval-each-epoch", "augment", "aug-translate", "aug-rotate", "aug-scale", "aug-shear", "aug-elastic", "aug-elastic-grid", "aug-off-epochs", "recipe",
    };
    switch (mnist_options_parse(argc, argv, allowed, USAGE, opts)) {
        case MNIST_OPTIONS_HELP:  return 0;
        case MNIST_OPTIONS_ERROR: return 1;
        case MNIST_OPTIONS_OK:    break;
    }
    if (opts.positional.size() < 4 || opts.positional.size() > 5) {
        fputs(USAGE, stderr);
        return 1;
    }
    const std::string arch         = opts.positional[0];
    const std::string fname_out    = opts.positional[1];
    const std::string fname_images = opts.positional[2];
    const std::string fname_labels = opts.positional[3];
    const std::string backend_name = opts.positional.size() > 4 ? opts.positional[4] : "";

    if (!mnist_arch_is_known(arch)) {
        return fail("unknown architecture '" + arch + "' (expected mnist-fc or mnist-cnn)");
    }
    if (opts.batch_physical == 0) {
        opts.batch_physical = mnist_default_batch_physical(arch, opts.batch_logical);
    }
    if (opts.eval_images.empty() != opts.eval_labels.empty()) {
        return fail("--eval-images and --eval-labels go together");
    }
    if (opts.eval_each_epoch && opts.eval_images.empty()) {
        return fail("--eval-each-epoch needs --eval-images and --eval-labels");
    }
    if (!opts.predictions.empty() && opts.eval_images.empty()) {
        return fail("--predictions needs --eval-images and --eval-labels");
    }
    std::string err;
    if (!mnist_outputs_check({ fname_out, opts.predictions, opts.checkpoint, opts.log }, { fname_images, fname_labels, opts.eval_images, opts.eval_labels },
                             err)) {
        return fail(err);
    }
    if (!opts.resume.empty()) {
        if (opts.resume == fname_out || opts.resume == opts.log) {
            return fail(opts.resume + ": used for two purposes");
        }
        // The checkpoint resumed from is an input of the other outputs. --checkpoint may name it:
        // it is read before it is first replaced.
        if (!mnist_outputs_check({ fname_out, opts.predictions, opts.log }, { opts.resume }, err)) {
            return fail(err);
        }
    }

    mnist_init_params init = mnist_init_default(arch);
    if (!opts.init.empty()) {
        init.type = opts.init == "glorot" ? MNIST_INIT_GLOROT : MNIST_INIT_NORMAL;
    }
    if (opts.init_std > 0.0) {
        if (init.type != MNIST_INIT_NORMAL) {
            return fail("--init-std applies to --init normal only");
        }
        init.std = opts.init_std;
    }

    mnist_labels labels;
    if (!mnist_labels_load(fname_labels, labels, err)) {
        return fail(err);
    }
    // Streamed into the dataset: the raw image bytes (47 MB) never sit next to their F32 copy (188 MB).
    std::unique_ptr<ggml_opt_dataset, decltype(&ggml_opt_dataset_free)> dataset(
        mnist_dataset_load(fname_images, labels, MNIST_NDATA_SHARD, err), ggml_opt_dataset_free);
    if (!dataset) {
        return fail(err);
    }
    mnist_images eval_images;
    mnist_labels eval_labels;
    if (!opts.eval_images.empty()) {
        if (!mnist_images_load(opts.eval_images, eval_images, err) || !mnist_labels_load(opts.eval_labels, eval_labels, err) ||
            !mnist_data_check(eval_images, eval_labels, MNIST_NDATA_SHARD, err)) {
            return fail(err);
        }
        if (eval_images.n % opts.batch_physical != 0) {
            return fail("the number of evaluation images (" + std::to_string(eval_images.n) +
                        ") must be a multiple of the physical batch (" + std::to_string(opts.batch_physical) + ")");
        }
    }

    mnist_train_params params;
    params.nepoch    = opts.epochs;
    params.val_split = opts.val_split;
    params.optimizer = opts.optimizer == "sgd" ? GGML_OPT_OPTIMIZER_TYPE_SGD : GGML_OPT_OPTIMIZER_TYPE_ADAMW;
    params.lr        = opts.lr;
    params.seed      = opts.has_seed ? opts.seed : mnist_random_seed();
    params.seed_given = opts.has_seed;
    ggml_opt_lr_schedule_parse(opts.lr_schedule.c_str(), &params.schedule);
    params.warmup_steps = opts.warmup;
    params.lr_min       = opts.lr_min;
    if (opts.decay_epochs > 0) params.decay_epochs = opts.decay_epochs;
    params.weight_decay = opts.weight_decay;
    for (const char * name : {"lr", "lr-schedule", "warmup", "lr-min", "decay-epochs", "weight-decay"}) {
        params.schedule_given = params.schedule_given || opts.was_given(name);
    }
    params.early_stop       = opts.early_stop;
    params.keep_best        = opts.keep_best;
    params.log              = opts.log;
    params.checkpoint       = opts.checkpoint;
    params.checkpoint_every = opts.checkpoint_every;
    params.resume           = opts.resume;
    params.interrupt_checkpoint = fname_out + ".ckpt";
    params.stop_after_steps     = opts.stop_after;
    if (params.checkpoint_every > 0 && params.checkpoint.empty()) {
        return fail("--checkpoint-every needs --checkpoint");
    }
    if ((params.early_stop > 0 || params.keep_best) && !(params.val_split > 0.0f)) {
        return fail("--early-stop and --keep-best need a validation split (--val-split > 0)");
    }
    if (!params.resume.empty() && (opts.was_given("init") || opts.was_given("init-std"))) {
        return fail("--init and --init-std do not apply with --resume: the weights come from the checkpoint");
    }
    params.augment      = opts.augment;
    params.augment.seed = params.seed;
    params.augment_off_epochs = opts.aug_off_epochs;

    mnist_model model;
    if (!mnist_model_init_backends(model, backend_name, opts.threads, opts.batch_logical, opts.batch_physical)) {
        return 1;
    }
    if (!mnist_train_check(model, ggml_opt_dataset_ndata(dataset.get()), params, err)) {
        return fail(err);
    }
    fprintf(stderr, "%s: seed %llu, initial weights %s\n", __func__, (unsigned long long) params.seed,
            init.type == MNIST_INIT_GLOROT ? "glorot" : ("normal, std " + std::to_string(init.std)).c_str());
    if (ggml_opt_augment_enabled(&params.augment)) {
        const ggml_opt_augment_params & a = params.augment;
        fprintf(stderr, "%s: augmentation: translate %g px, rotate %g deg, scale %g, shear %g deg, elastic %g px (grid %g px)\n",
                __func__, a.translate, a.rotate, a.scale, a.shear, a.elastic, a.elastic_grid);
        if (params.augment_off_epochs > 0) {
            fprintf(stderr, "%s: no augmentation in the last %lld epochs\n", __func__, (long long) params.augment_off_epochs);
        }
    }

    if (!mnist_model_init_random(model, arch, params.seed, init, err)) {
        return fail(err);
    }
    mnist_model_build(model);

    std::unique_ptr<ggml_opt_dataset, decltype(&ggml_opt_dataset_free)> eval_each(nullptr, ggml_opt_dataset_free);
    if (opts.eval_each_epoch) {
        eval_each.reset(mnist_dataset_from(eval_images, eval_labels, MNIST_NDATA_SHARD));
        params.eval_each_epoch = eval_each.get();
        params.t_start_us      = t_start_us;
    }
    params.stop = mnist_signals_install();
    const mnist_train_status status = mnist_model_train(model, dataset.get(), params, err);
    if (status == MNIST_TRAIN_FAILED) {
        return fail(err);
    }
    auto signal_name = [&]() { return *params.stop == SIGTERM ? "SIGTERM" : *params.stop == SIGINT ? "SIGINT" : "--stop-after"; };
    if (status == MNIST_TRAIN_INTERRUPTED) {
        const char * why = signal_name();
        fprintf(stderr, "%s: stopped by %s; the training state is saved in %s\n", __func__, why, err.c_str());
        fprintf(stderr, "%s: to continue, run the same command with --resume %s\n", __func__, err.c_str());
        return 130;
    }
    dataset.reset(); // before the evaluation set is built
    eval_each.reset();

    std::vector<int32_t> predictions;
    if (!eval_images.pixels.empty()) {
        ggml_opt_dataset_t eval_set = mnist_dataset_from(eval_images, eval_labels, MNIST_NDATA_SHARD);
        ggml_opt_result_t  result   = mnist_model_eval(model, eval_set);
        if (!result) {
            ggml_opt_dataset_free(eval_set);
            return fail(mnist_out_of_memory(model));
        }
        double acc, acc_unc;
        ggml_opt_result_accuracy(result, &acc, &acc_unc);
        fprintf(stdout, "%s: eval_acc=%.2lf+-%.2lf%%\n", __func__, 100.0*acc, 100.0*acc_unc);
        if (!opts.predictions.empty()) {
            predictions.resize(eval_images.n);
            ggml_opt_result_pred(result, predictions.data());
        }
        ggml_opt_result_free(result);
        ggml_opt_dataset_free(eval_set);
    }

    // Both outputs or neither, and a file that existed before is never lost.
    mnist_staged_file model_file, pred_file;
    std::vector<mnist_staged_file *> staged = { &model_file };
    bool saved = model_file.open(fname_out, err) && mnist_model_save(model, fname_out, err, &model_file);
    if (saved && !opts.predictions.empty()) {
        staged.push_back(&pred_file);
        saved = pred_file.open(opts.predictions, err) && mnist_predictions_write(opts.predictions, predictions, err, &pred_file);
    }
    if (!saved || !mnist_commit_all(staged, err)) {
        return fail(err);
    }
    fprintf(stderr, "%s: model saved to %s\n", __func__, mnist_escape(fname_out).c_str());
    if (fflush(stdout) != 0 || ferror(stdout)) {
        return fail("cannot write to standard output");
    }
    if (*params.stop) {
        // the signal came after the training: the evaluation and the save (short) were let finish
        fprintf(stderr, "%s: stopped by %s after the training; the model in %s is complete\n", __func__, signal_name(),
                mnist_escape(fname_out).c_str());
        return 130;
    }
    return 0;
}
