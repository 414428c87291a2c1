// libFuzzer target: arbitrary bytes as an IDX file, plain or gzip, through every reader the MNIST
// programs use (the whole-file readers and the streaming dataset reader). Each must accept or
// reject without a memory error, and hold no more than the header announces.
//
// Build and run with tests/fuzz/run-mnist-fuzzers.sh; the corpus is replayed by ctest.

#include "mnist-common.h"
#include "fuzz-input-file.h"

#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    const std::string path = fuzz_input_file(data, size);
    std::string err;

    mnist_images images;
    if (mnist_images_load(path, images, err)) {
        if (images.n <= 0 || images.pixels.size() != size_t(images.n)*MNIST_NINPUT) abort();
        // the streaming reader mnist-train uses, with labels of the same count; the dataset is
        // allocated from the labels' count, so only for counts a real run could have
        if (images.n <= 100000) {
            mnist_labels same_count;
            same_count.n = images.n;
            same_count.values.assign(size_t(images.n), 0);
            ggml_opt_dataset_t ds = mnist_dataset_load(path, same_count, 1, err);
            if (!ds) abort(); // the whole-file reader accepted it
            ggml_opt_dataset_free(ds);
        }
    } else if (err.empty()) {
        abort(); // a rejection always says why
    }

    mnist_labels labels;
    err.clear();
    if (mnist_labels_load(path, labels, err)) {
        if (labels.n <= 0 || labels.values.size() != size_t(labels.n)) abort();
        for (uint8_t v : labels.values) if (v >= MNIST_NCLASSES) abort();
    } else if (err.empty()) {
        abort();
    }

    // the in-memory parser the browser build uses
    err.clear();
    mnist_images mem;
    mnist_images_parse("fuzz", std::vector<uint8_t>(data, data + size), mem, err);
    return 0;
}
