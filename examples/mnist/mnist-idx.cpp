// IDX parsing and the MNIST dataset, on bytes in memory or from a caller's read function: no file
// or zlib access, so the WebAssembly build shares it (file reading and gunzip are in mnist-data.cpp).

#include "mnist-common.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

static uint32_t read_be32(const uint8_t * p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

static constexpr size_t idx_header_size(uint32_t ndims) {
    return 4 + 4*size_t(ndims);
}

// IDX: two zero bytes, type 0x08 (unsigned byte), number of dimensions, then big-endian u32 sizes.
// `bytes` holds the first `size` bytes of the file, or all of them when it is shorter.
static bool idx_header(const std::string & fname, const uint8_t * bytes, size_t size, uint32_t ndims_expected,
                       std::vector<uint32_t> & dims, std::string & err) {
    const uint32_t magic_expected = 0x00000800u | ndims_expected;
    if (size < 4) {
        err = fname + ": file too short for an IDX header (" + std::to_string(size) + " bytes)";
        return false;
    }
    const uint32_t magic = read_be32(bytes);
    if (magic != magic_expected) {
        char msg[128];
        snprintf(msg, sizeof(msg), ": bad IDX magic 0x%08x, expected 0x%08x (%s file)", magic, magic_expected,
                 ndims_expected == 3 ? "image" : "label");
        err = fname + msg;
        return false;
    }
    if (size < idx_header_size(ndims_expected)) {
        err = fname + ": truncated IDX header";
        return false;
    }
    dims.clear();
    for (uint32_t i = 0; i < ndims_expected; ++i) {
        dims.push_back(read_be32(bytes + 4 + 4*i));
    }
    return true;
}

// The data after the header (`have` bytes) must be exactly what the dimensions announce.
static bool idx_payload(const std::string & fname, const std::vector<uint32_t> & dims, uint64_t have, std::string & err) {
    uint64_t payload = 1;
    for (uint32_t d : dims) {
        payload *= d;
    }
    if (have != payload) {
        err = fname + ": size mismatch: header announces " + std::to_string(payload) + " bytes of data, file has " +
              (have > payload ? std::string("more") : std::to_string(have));
        return false;
    }
    return true;
}

static bool images_shape(const std::string & fname, const std::vector<uint32_t> & dims, std::string & err) {
    if (dims[1] != MNIST_HW || dims[2] != MNIST_HW) {
        err = fname + ": images are " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) + ", expected " +
              std::to_string(MNIST_HW) + "x" + std::to_string(MNIST_HW);
        return false;
    }
    if (dims[0] == 0) {
        err = fname + ": no images";
        return false;
    }
    return true;
}

// Reads an IDX file of ndims dimensions from a stream: the header first, then exactly the bytes it
// announces (the buffer grows with the data actually read, so a header that lies costs nothing),
// then one probe for trailing data, which is never read to its end (/dev/zero has no end).
// shape_ok (optional) vets the dimensions before anything is allocated.
typedef bool (*idx_shape_check)(const std::string & name, const std::vector<uint32_t> & dims, std::string & err);

static bool idx_read(const std::string & name, const mnist_read_fn & read, uint32_t ndims, idx_shape_check shape_ok,
                     std::vector<uint32_t> & dims, std::vector<uint8_t> & payload, std::string & err) {
    uint8_t header[16];
    const int64_t nheader = read(header, idx_header_size(ndims), err);
    if (nheader < 0 || !idx_header(name, header, size_t(nheader), ndims, dims, err) ||
        (shape_ok && !shape_ok(name, dims, err))) {
        return false;
    }
    uint64_t announced = 1;
    for (uint32_t d : dims) {
        announced *= d; // at most 2^32 * 28 * 28 for images (checked first), 2^32 for labels
    }
    payload.clear();
    const uint64_t chunk = 1 << 20;
    while (payload.size() < announced) {
        const size_t have = payload.size();
        const size_t want = size_t(std::min<uint64_t>(chunk, announced - have));
        payload.resize(have + want);
        const int64_t got = read(payload.data() + have, want, err);
        if (got < 0) {
            return false;
        }
        payload.resize(have + size_t(got));
        if (size_t(got) < want) {
            return idx_payload(name, dims, payload.size(), err);
        }
    }
    uint8_t probe[1];
    const int64_t extra = read(probe, sizeof(probe), err);
    if (extra < 0) {
        return false;
    }
    return idx_payload(name, dims, announced + uint64_t(extra), err);
}

// An mnist_read_fn over bytes in memory.
static mnist_read_fn memory_reader(const std::vector<uint8_t> & bytes, size_t & pos) {
    return [&bytes, &pos](uint8_t * dst, size_t size, std::string &) -> int64_t {
        const size_t n = std::min(size, bytes.size() - pos);
        std::copy(bytes.begin() + pos, bytes.begin() + pos + n, dst);
        pos += n;
        return int64_t(n);
    };
}

bool mnist_images_read(const std::string & name, const mnist_read_fn & read, mnist_images & images, std::string & err) {
    std::vector<uint32_t> dims;
    std::vector<uint8_t>  pixels;
    if (!idx_read(name, read, 3, images_shape, dims, pixels, err)) {
        return false;
    }
    images.n      = dims[0];
    images.pixels = std::move(pixels);
    return true;
}

bool mnist_labels_read(const std::string & name, const mnist_read_fn & read, mnist_labels & labels, std::string & err) {
    std::vector<uint32_t> dims;
    std::vector<uint8_t>  values;
    if (!idx_read(name, read, 1, nullptr, dims, values, err)) {
        return false;
    }
    if (dims[0] == 0) {
        err = name + ": no labels";
        return false;
    }
    for (size_t i = 0; i < values.size(); ++i) {
        if (values[i] >= MNIST_NCLASSES) {
            err = name + ": label " + std::to_string(values[i]) + " at index " + std::to_string(i) + " is not a digit 0-9";
            return false;
        }
    }
    labels.n      = dims[0];
    labels.values = std::move(values);
    return true;
}

bool mnist_images_parse(const std::string & name, std::vector<uint8_t> && bytes, mnist_images & images, std::string & err) {
    size_t pos = 0;
    const bool ok = mnist_images_read(name, memory_reader(bytes, pos), images, err);
    bytes.clear();
    return ok;
}

bool mnist_labels_parse(const std::string & name, std::vector<uint8_t> && bytes, mnist_labels & labels, std::string & err) {
    size_t pos = 0;
    const bool ok = mnist_labels_read(name, memory_reader(bytes, pos), labels, err);
    bytes.clear();
    return ok;
}

static bool counts_check(int64_t nimages, int64_t nlabels, int64_t ndata_shard, std::string & err) {
    if (nimages != nlabels) {
        err = "image and label counts differ: " + std::to_string(nimages) + " images, " + std::to_string(nlabels) + " labels";
        return false;
    }
    if (ndata_shard > 0 && nimages % ndata_shard != 0) {
        err = "the number of images (" + std::to_string(nimages) + ") must be a multiple of " + std::to_string(ndata_shard);
        return false;
    }
    return true;
}

bool mnist_data_check(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard, std::string & err) {
    return counts_check(images.n, labels.n, ndata_shard, err);
}

static void pixels_to_f32(const uint8_t * pixels, uint64_t n, float * out) {
    for (uint64_t i = 0; i < n; ++i) {
        out[i] = pixels[i] / 255.0f;
    }
}

// A dataset of n images with the first n labels one-hot encoded; the caller fills in the pixels.
static ggml_opt_dataset_t dataset_with_labels(const mnist_labels & labels, int64_t ndata_shard, int64_t n) {
    GGML_ASSERT(n <= labels.n);
    ggml_opt_dataset_t dataset = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, MNIST_NINPUT, MNIST_NCLASSES,
                                                       n, ndata_shard);
    GGML_ASSERT(dataset != nullptr);
    float * onehot = (float *) ggml_get_data(ggml_opt_dataset_labels(dataset));
    std::fill(onehot, onehot + n*MNIST_NCLASSES, 0.0f);
    for (int64_t i = 0; i < n; ++i) {
        onehot[i*MNIST_NCLASSES + labels.values[i]] = 1.0f;
    }
    return dataset;
}

ggml_opt_dataset_t mnist_dataset_from(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard,
                                      int64_t n) {
    if (n < 0) n = images.n;
    GGML_ASSERT(n <= images.n);
    ggml_opt_dataset_t dataset = dataset_with_labels(labels, ndata_shard, n);
    pixels_to_f32(images.pixels.data(), uint64_t(n)*MNIST_NINPUT, (float *) ggml_get_data(ggml_opt_dataset_data(dataset)));
    return dataset;
}

ggml_opt_dataset_t mnist_dataset_read(const std::string & name, const mnist_read_fn & read, const mnist_labels & labels,
                                      int64_t ndata_shard, std::string & err) {
    uint8_t header[idx_header_size(3)];
    const int64_t nheader = read(header, sizeof(header), err);
    std::vector<uint32_t> dims;
    if (nheader < 0 || !idx_header(name, header, size_t(nheader), 3, dims, err) || !images_shape(name, dims, err) ||
        !counts_check(dims[0], labels.n, ndata_shard, err)) {
        return nullptr;
    }
    // Allocated before the pixels are read, but for no more images than the (checked) label file holds.
    ggml_opt_dataset_t dataset = dataset_with_labels(labels, ndata_shard, dims[0]);
    float * data = (float *) ggml_get_data(ggml_opt_dataset_data(dataset));
    const uint64_t npixels = uint64_t(dims[0])*MNIST_NINPUT;

    // Converted a chunk at a time, so the raw bytes (47 MB for the training set) never sit in memory
    // next to their F32 copy. Bytes beyond the announced pixels are only counted, for the message.
    // One byte past the announced pixels is enough to know the file is too long: trailing data is
    // never read to its end (it may have none, /dev/zero).
    std::vector<uint8_t> chunk(1 << 16);
    uint64_t have = 0;
    int64_t  got  = 0;
    while (have <= npixels &&
           (got = read(chunk.data(), size_t(std::min<uint64_t>(chunk.size(), npixels - have + 1)), err)) > 0) {
        pixels_to_f32(chunk.data(), std::min<uint64_t>(uint64_t(got), npixels - have), data + have);
        have += uint64_t(got);
    }
    if (got < 0 || !idx_payload(name, dims, have, err)) {
        ggml_opt_dataset_free(dataset);
        return nullptr;
    }
    return dataset;
}
