// libFuzzer target: arbitrary bytes as a model file, loaded the way mnist-eval loads one and
// evaluated on a few images. Loading must accept or reject without a memory error; an accepted
// model must evaluate to finite or NaN logits without crashing.
//
// Build and run with tests/fuzz/run-mnist-fuzzers.sh; the corpus is replayed by ctest.

#include "mnist-common.h"
#include "fuzz-input-file.h"

#include <cstdio>
#include <string>
#include <unistd.h>

static void quiet_log(ggml_log_level, const char *, void *) {}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const std::string path = fuzz_input_file(data, size);

    ggml_log_set(quiet_log, nullptr);
    std::string err;
    mnist_model model;
    if (!mnist_model_init_backends(model, "CPU", 1, 10, 10)) abort();
    if (!mnist_model_load(model, path, err)) {
        if (err.empty() || err.find('\n') != std::string::npos) abort(); // one line that says why
        return 0;
    }
    mnist_model_build(model);

    mnist_images images;
    mnist_labels labels;
    images.n = labels.n = 10;
    images.pixels.assign(10*MNIST_NINPUT, 0);
    for (size_t i = 0; i < images.pixels.size(); ++i) images.pixels[i] = uint8_t(i*37 % 256);
    for (int i = 0; i < 10; ++i) labels.values.push_back(uint8_t(i));
    ggml_opt_dataset_t ds     = mnist_dataset_from(images, labels, MNIST_NDATA_SHARD);
    ggml_opt_result_t  result = mnist_model_eval(model, ds);
    int32_t pred[10];
    ggml_opt_result_pred(result, pred);
    for (int32_t p : pred) if (p < 0 || p >= MNIST_NCLASSES) abort();
    ggml_opt_result_free(result);
    ggml_opt_dataset_free(ds);
    return 0;
}
