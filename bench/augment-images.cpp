// Writes a transformed copy of an IDX image file: every image through the augmentation of
// `mnist-train --augment` (ggml_opt_augment_image with the draws of one epoch), rounded back to
// 8-bit pixels. Training on the copy without --augment sees data like the augmented run's at no
// transform cost, which separates the two parts of what --augment costs an epoch: the transform
// itself, and the products doing more work on images whose blank borders have moved (the CPU
// GEMM skips the steps where a whole panel of pixels is zero). bench/augment-cost.sh uses it.
//
//   augment-images IN.idx OUT.idx [SEED]
//
// IN holds uncompressed unsigned-byte images (magic 0x00000803); OUT is written atomically.
// The ranges are those of --augment: translate 2, rotate 10, scale 0.1, shear 10. The time the
// transforms took (one thread, images in order, conversions excluded) goes to standard output.

#include "ggml-atomic-file.h"
#include "ggml-opt-augment.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static int fail(const char * msg) {
    fprintf(stderr, "augment-images: %s\n", msg);
    return 1;
}

static uint32_t be32(const unsigned char * p) {
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

int main(int argc, char ** argv) {
    if (argc < 3 || argc > 4) {
        return fail("usage: augment-images IN.idx OUT.idx [SEED]");
    }
    char * end = nullptr;
    errno = 0;
    const unsigned long long seed = argc == 4 ? strtoull(argv[3], &end, 10) : 1;
    if (argc == 4 && (errno != 0 || end == argv[3] || *end != '\0')) {
        return fail("SEED must be a non-negative integer");
    }

    FILE * in = fopen(argv[1], "rb");
    if (!in) {
        fprintf(stderr, "augment-images: cannot open %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    unsigned char header[16];
    const bool have_header = fread(header, 1, sizeof(header), in) == sizeof(header);
    const uint32_t n = have_header ? be32(header + 4) : 0, h = have_header ? be32(header + 8) : 0,
                   w = have_header ? be32(header + 12) : 0;
    if (!have_header || be32(header) != 0x00000803u || w < 2 || h < 2 || w > 4096 || h > 4096) {
        fclose(in);
        return fail("the input is not an IDX file of unsigned-byte images (magic 0x00000803, 2..4096 pixels a side)");
    }
    // the size from the file, before anything is allocated from the header's counts
    const size_t npix = (size_t) w * h;
    long size = -1;
    if (fseek(in, 0, SEEK_END) == 0) size = ftell(in);
    if (size < 0 || fseek(in, (long) sizeof(header), SEEK_SET) != 0) {
        fclose(in);
        return fail("cannot find the input's size");
    }
    if ((uint64_t) size - sizeof(header) != (uint64_t) npix * n) {
        fclose(in);
        return fail("the input's size does not match its header (a truncated or padded file)");
    }
    std::vector<unsigned char> pixels(npix * n);
    const bool complete = fread(pixels.data(), 1, pixels.size(), in) == pixels.size();
    fclose(in);
    if (!complete) {
        return fail("cannot read the input");
    }

    ggml_opt_augment_params p = ggml_opt_augment_default_params();
    p.width = w;
    p.height = h;
    p.translate = 2.0f;
    p.rotate = 10.0f;
    p.scale = 0.1f;
    p.shear = 10.0f;
    p.seed = seed;
    p.epoch = 1;
    char err[256];
    if (!ggml_opt_augment_params_check(&p, err, sizeof(err))) {
        return fail(err);
    }
    std::vector<float> images(pixels.size());
    for (size_t k = 0; k < pixels.size(); ++k) images[k] = pixels[k] / 255.0f;
    const auto t0 = std::chrono::steady_clock::now();
    ggml_opt_augment_images(&p, images.data(), n, 0); // image i gets the draws of position i
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t k = 0; k < pixels.size(); ++k) {
        pixels[k] = (unsigned char) std::lround(std::fmin(std::fmax(images[k], 0.0f), 1.0f) * 255.0f);
    }
    printf("augment-images: %u images in %.3f s, %.2f us per image (1 thread)\n", n, seconds, n ? seconds / n * 1e6 : 0.0);

    ggml_atomic_file * out = ggml_atomic_file_open(argv[2], err, sizeof(err));
    if (!out) {
        return fail(err);
    }
    FILE * f = ggml_atomic_file_stream(out);
    fwrite(header, 1, sizeof(header), f);
    fwrite(pixels.data(), 1, pixels.size(), f);
    if (!ggml_atomic_file_commit(out, err, sizeof(err))) {
        return fail(err);
    }
    return 0;
}
