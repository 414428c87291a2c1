// mnist-eval: evaluates a GGUF model on IDX test files and shows one prediction.

#include "mnist-common.h"
#include "mnist-output.h"

#include <random>

static const char * USAGE =
    "usage: mnist-eval MODEL.gguf TEST_IMAGES TEST_LABELS [BACKEND] [options]\n"
    "\n"
    "  MODEL.gguf           a model written by mnist-train\n"
    "  TEST_IMAGES/LABELS   IDX files, plain or gzip-compressed\n"
    "  BACKEND              device to use first (CPU, CUDA0, ...); the others are fallbacks\n"
    "\n"
    "options:\n"
    "  --threads N          CPU threads (default: the CPUs this process may use)\n"
    "  --seed N             picks the test image that is shown (default: random)\n"
    "  --batch-physical N   images per graph evaluation (default 500 for mnist-fc, 100 for mnist-cnn)\n"
    "  --predictions PATH   write every predicted digit there, one per line\n"
    "  --help               show this help\n";

// One line whatever the message holds (paths and strings from files are shown escaped).
static int fail(const std::string & msg) {
    fprintf(stderr, "error: %s\n", mnist_escape(msg).c_str());
    return 1;
}

int main(int argc, char ** argv) {
    ggml_time_init();
    mnist_remove_temps_on_signals();

    mnist_options opts;
    const std::vector<std::string> allowed = { "threads", "seed", "batch-physical", "predictions" };
    switch (mnist_options_parse(argc, argv, allowed, USAGE, opts)) {
        case MNIST_OPTIONS_HELP:  return 0;
        case MNIST_OPTIONS_ERROR: return 1;
        case MNIST_OPTIONS_OK:    break;
    }
    if (opts.positional.size() < 3 || opts.positional.size() > 4) {
        fputs(USAGE, stderr);
        return 1;
    }
    const std::string fname_model  = opts.positional[0];
    const std::string fname_images = opts.positional[1];
    const std::string fname_labels = opts.positional[2];
    const std::string backend_name = opts.positional.size() > 3 ? opts.positional[3] : "";

    std::string err;
    if (!mnist_outputs_check({ opts.predictions }, { fname_model, fname_images, fname_labels }, err)) {
        return fail(err);
    }
    mnist_images images;
    mnist_labels labels;
    if (!mnist_images_load(fname_images, images, err) || !mnist_labels_load(fname_labels, labels, err) ||
        !mnist_data_check(images, labels, MNIST_NDATA_SHARD, err)) {
        return fail(err);
    }

    // a given batch is checked against the data before anything is allocated for it
    if (opts.batch_physical > 0 && (opts.batch_physical % MNIST_NDATA_SHARD != 0 || images.n % opts.batch_physical != 0)) {
        return fail("the number of test images (" + std::to_string(images.n) + ") must be a multiple of the physical batch (" +
                    std::to_string(opts.batch_physical) + "), which must be a multiple of " + std::to_string(MNIST_NDATA_SHARD));
    }

    const uint64_t seed = opts.has_seed ? opts.seed : mnist_random_seed();
    std::mt19937_64 gen(seed);
    const int64_t iex = (int64_t) (gen() % (uint64_t) images.n);
    mnist_image_print(stdout, images, iex);

    const int64_t t_start_us = ggml_time_us();
    mnist_model model;
    if (!mnist_model_init_backends(model, backend_name, opts.threads, opts.batch_physical, opts.batch_physical)) {
        return 1;
    }
    if (!mnist_model_load(model, fname_model, err)) {
        return fail(err);
    }
    const int nbatch = model.nbatch_physical; // the architecture's default unless given
    if (nbatch % MNIST_NDATA_SHARD != 0 || images.n % nbatch != 0) {
        return fail("the number of test images (" + std::to_string(images.n) + ") must be a multiple of the physical batch (" +
                    std::to_string(nbatch) + "), which must be a multiple of " + std::to_string(MNIST_NDATA_SHARD));
    }
    fprintf(stdout, "%s: loaded model in %.2lf ms\n", __func__, (ggml_time_us() - t_start_us)/1000.0);

    mnist_model_build(model);

    ggml_opt_dataset_t dataset = mnist_dataset_from(images, labels, MNIST_NDATA_SHARD);
    ggml_opt_result_t  result  = mnist_model_eval(model, dataset);
    if (!result) {
        ggml_opt_dataset_free(dataset);
        return fail(mnist_out_of_memory(model));
    }

    std::vector<int32_t> pred(images.n);
    ggml_opt_result_pred(result, pred.data());
    fprintf(stdout, "%s: predicted digit is %d\n", __func__, pred[iex]);

    double loss, loss_unc;
    ggml_opt_result_loss(result, &loss, &loss_unc);
    fprintf(stdout, "%s: test_loss=%.6lf+-%.6lf\n", __func__, loss, loss_unc);

    double acc, acc_unc;
    ggml_opt_result_accuracy(result, &acc, &acc_unc);
    fprintf(stdout, "%s: test_acc=%.2lf+-%.2lf%%\n", __func__, 100.0*acc, 100.0*acc_unc);

    int rc = 0;
    if (!opts.predictions.empty() && !mnist_predictions_write(opts.predictions, pred, err)) {
        rc = fail(err);
    }
    ggml_opt_result_free(result);
    ggml_opt_dataset_free(dataset);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        rc = fail("cannot write to standard output");
    }
    return rc;
}
