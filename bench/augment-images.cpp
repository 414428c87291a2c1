// Writes a transformed copy of an MNIST image file: every image through the augmentation of
// `mnist-train --augment` (its ranges, mnist_augment_default, with the draws of one epoch),
// rounded back to 8-bit pixels. Training on the copy without --augment sees data like the
// augmented run's at no transform cost, which separates the two parts of what --augment costs an
// epoch: the transform itself, and the products doing more work on images whose blank borders
// have moved (the CPU GEMM skips the steps where a whole panel of pixels is zero).
// bench/augment-cost.sh uses it.
//
//   augment-images IN OUT [SEED]
//
// IN is an IDX image file, plain or gzip, read with the MNIST programs' checks; OUT is written
// atomically as plain IDX. The time the transforms took (one thread, images in order,
// conversions excluded) goes to standard output.

#include "ggml-atomic-file.h"
#include "ggml-opt-augment.h"
#include "mnist-common.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static int fail(const std::string & msg) {
    fprintf(stderr, "augment-images: %s\n", msg.c_str());
    return 1;
}

int main(int argc, char ** argv) {
    if (argc < 3 || argc > 4) {
        return fail("usage: augment-images IN OUT [SEED]");
    }
    char * end = nullptr;
    errno = 0;
    const unsigned long long seed = argc == 4 ? strtoull(argv[3], &end, 10) : 1;
    if (argc == 4 && (errno != 0 || end == argv[3] || *end != '\0' || argv[3][0] == '-')) {
        return fail("SEED must be a non-negative integer");
    }

    mnist_images images;
    std::string err;
    if (!mnist_images_load(argv[1], images, err)) {
        return fail(err);
    }

    ggml_opt_augment_params p = mnist_augment_default();
    p.seed = seed;
    p.epoch = 1;
    std::vector<float> data(images.pixels.size());
    for (size_t k = 0; k < data.size(); ++k) data[k] = images.pixels[k] / 255.0f;
    const auto t0 = std::chrono::steady_clock::now();
    ggml_opt_augment_images(&p, data.data(), images.n, 0); // image i gets the draws of position i
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t k = 0; k < data.size(); ++k) {
        images.pixels[k] = (uint8_t) std::lround(std::fmin(std::fmax(data[k], 0.0f), 1.0f) * 255.0f);
    }
    printf("augment-images: %lld images in %.3f s, %.2f us per image (1 thread)\n", (long long) images.n, seconds,
           images.n ? seconds / images.n * 1e6 : 0.0);

    // the IDX header: magic 0x00000803 (unsigned bytes, 3 dimensions), then n, rows, columns
    const uint32_t dims[4] = { 0x00000803u, (uint32_t) images.n, MNIST_HW, MNIST_HW };
    unsigned char header[16];
    for (int d = 0; d < 4; ++d) {
        for (int b = 0; b < 4; ++b) header[4 * d + b] = (unsigned char) (dims[d] >> (24 - 8 * b));
    }
    char msg[512];
    ggml_atomic_file * out = ggml_atomic_file_open(argv[2], msg, sizeof(msg));
    if (!out) {
        return fail(msg);
    }
    FILE * f = ggml_atomic_file_stream(out);
    fwrite(header, 1, sizeof(header), f);
    fwrite(images.pixels.data(), 1, images.pixels.size(), f);
    if (!ggml_atomic_file_commit(out, msg, sizeof(msg))) {
        return fail(msg);
    }
    return 0;
}
