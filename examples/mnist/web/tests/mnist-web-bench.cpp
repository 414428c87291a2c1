// Training speed of the web demo's code outside the browser: the WebAssembly build of this
// program runs under node (the same kernels, thread pool and trainer as the page's worker), the
// native build on the host, so the two can be compared and profiled (node --cpu-prof).
//
//   mnist-web-bench ARCH TRAIN_IMAGES TRAIN_LABELS N_TRAIN THREADS [EPOCHS]
//   -> one line per epoch: "ARCH n=N_TRAIN threads=T epoch E: S s, S' s per 60000, loss L"
//
// IDX files uncompressed. The batches are the page's (logical 1000, physical 500 for FC and 100
// for the CNN).

#include "mnist-web-core.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static bool read_all(const char * fname, std::vector<uint8_t> & out) {
    FILE * f = fopen(fname, "rb");
    if (!f) return false;
    uint8_t buf[1 << 16];
    size_t  n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.insert(out.end(), buf, buf + n);
    fclose(f);
    return true;
}

int main(int argc, char ** argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: mnist-web-bench mnist-fc|mnist-cnn TRAIN_IMAGES TRAIN_LABELS N_TRAIN THREADS [EPOCHS]\n");
        return 1;
    }
    const std::string arch = argv[1];
    const int n_train = atoi(argv[4]), threads = atoi(argv[5]), epochs = argc > 6 ? atoi(argv[6]) : 1;
    std::vector<uint8_t> images, labels;
    if (!read_all(argv[2], images) || !read_all(argv[3], labels)) {
        fprintf(stderr, "mnist-web-bench: cannot read %s or %s\n", argv[2], argv[3]);
        return 1;
    }
    std::string   err;
    mnist_web_set train;
    if (!mnist_web_set_parse(images.data(), images.size(), labels.data(), labels.size(), train, err)) {
        fprintf(stderr, "mnist-web-bench: %s\n", err.c_str());
        return 1;
    }
    mnist_web_trainer trainer;
    const int physical = arch == "mnist-cnn" ? 100 : 500;
    if (!trainer.start(train, n_train, arch, "", 1000, physical, threads, 1, err)) {
        fprintf(stderr, "mnist-web-bench: %s\n", err.c_str());
        return 1;
    }
    for (int e = 1; e <= epochs; ++e) {
        double loss = 0, acc = 0;
        const auto t0 = std::chrono::steady_clock::now();
        trainer.epoch(nullptr, nullptr, loss, acc);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        printf("%s n=%d threads=%d epoch %d: %.3f s, %.3f s per 60000, loss %.4f\n", arch.c_str(), n_train, threads, e, s,
               s * 60000.0 / n_train, loss);
        fflush(stdout);
    }
    return 0;
}
