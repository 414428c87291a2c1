// IDX parsing and the MNIST dataset, on bytes in memory: no file or zlib access, so the
// WebAssembly build shares it (file reading and gunzip are in mnist-data.cpp).

#include "mnist-common.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

static uint32_t read_be32(const uint8_t * p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

// IDX: two zero bytes, type 0x08 (unsigned byte), number of dimensions, then big-endian u32 sizes.
static bool idx_header(const std::string & fname, const std::vector<uint8_t> & bytes, uint32_t ndims_expected,
                       std::vector<uint32_t> & dims, std::string & err) {
    const uint32_t magic_expected = 0x00000800u | ndims_expected;
    if (bytes.size() < 4) {
        err = fname + ": file too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)";
        return false;
    }
    const uint32_t magic = read_be32(bytes.data());
    if (magic != magic_expected) {
        char msg[128];
        snprintf(msg, sizeof(msg), ": bad IDX magic 0x%08x, expected 0x%08x (%s file)", magic, magic_expected,
                 ndims_expected == 3 ? "image" : "label");
        err = fname + msg;
        return false;
    }
    const size_t header = 4 + 4*size_t(ndims_expected);
    if (bytes.size() < header) {
        err = fname + ": truncated IDX header";
        return false;
    }
    dims.clear();
    uint64_t payload = 1;
    for (uint32_t i = 0; i < ndims_expected; ++i) {
        dims.push_back(read_be32(bytes.data() + 4 + 4*i));
        payload *= dims.back();
    }
    if (bytes.size() - header != payload) {
        err = fname + ": size mismatch: header announces " + std::to_string(payload) + " bytes of data, file has " +
              std::to_string(bytes.size() - header);
        return false;
    }
    return true;
}

bool mnist_images_parse(const std::string & fname, std::vector<uint8_t> && bytes, mnist_images & images, std::string & err) {
    std::vector<uint32_t> dims;
    if (!idx_header(fname, bytes, 3, dims, err)) {
        return false;
    }
    if (dims[1] != MNIST_HW || dims[2] != MNIST_HW) {
        err = fname + ": images are " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) + ", expected " +
              std::to_string(MNIST_HW) + "x" + std::to_string(MNIST_HW);
        return false;
    }
    if (dims[0] == 0) {
        err = fname + ": no images";
        return false;
    }
    images.n = dims[0];
    // drop the header in place and keep the buffer: no second 47 MB copy of the pixels
    bytes.erase(bytes.begin(), bytes.begin() + 16);
    images.pixels = std::move(bytes);
    return true;
}

bool mnist_labels_parse(const std::string & fname, std::vector<uint8_t> && bytes, mnist_labels & labels, std::string & err) {
    std::vector<uint32_t> dims;
    if (!idx_header(fname, bytes, 1, dims, err)) {
        return false;
    }
    if (dims[0] == 0) {
        err = fname + ": no labels";
        return false;
    }
    for (size_t i = 8; i < bytes.size(); ++i) {
        if (bytes[i] >= MNIST_NCLASSES) {
            err = fname + ": label " + std::to_string(bytes[i]) + " at index " + std::to_string(i - 8) + " is not a digit 0-9";
            return false;
        }
    }
    labels.n = dims[0];
    bytes.erase(bytes.begin(), bytes.begin() + 8);
    labels.values = std::move(bytes);
    return true;
}

bool mnist_data_check(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard, std::string & err) {
    if (images.n != labels.n) {
        err = "image and label counts differ: " + std::to_string(images.n) + " images, " + std::to_string(labels.n) + " labels";
        return false;
    }
    if (ndata_shard > 0 && images.n % ndata_shard != 0) {
        err = "the number of images (" + std::to_string(images.n) + ") must be a multiple of " + std::to_string(ndata_shard);
        return false;
    }
    return true;
}

ggml_opt_dataset_t mnist_dataset_from(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard,
                                      int64_t n) {
    if (n < 0) n = images.n;
    GGML_ASSERT(n <= images.n && n <= labels.n);
    ggml_opt_dataset_t dataset = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, MNIST_NINPUT, MNIST_NCLASSES,
                                                       n, ndata_shard);
    GGML_ASSERT(dataset != nullptr);
    float * data = (float *) ggml_get_data(ggml_opt_dataset_data(dataset));
    for (int64_t i = 0; i < n*MNIST_NINPUT; ++i) {
        data[i] = images.pixels[i] / 255.0f;
    }
    float * onehot = (float *) ggml_get_data(ggml_opt_dataset_labels(dataset));
    std::fill(onehot, onehot + n*MNIST_NCLASSES, 0.0f);
    for (int64_t i = 0; i < n; ++i) {
        onehot[i*MNIST_NCLASSES + labels.values[i]] = 1.0f;
    }
    return dataset;
}
