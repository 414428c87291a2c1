// IDX file reading (plain or gzip), the training dataset and the terminal digit printer.

#include "mnist-common.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

static bool is_gzip(const std::vector<uint8_t> & bytes) {
    return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

static bool gunzip(const std::string & fname, const std::vector<uint8_t> & in, std::vector<uint8_t> & out, std::string & err) {
    z_stream zs;
    std::memset(&zs, 0, sizeof(zs));
    // 16 + MAX_WBITS: expect a gzip header.
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        err = fname + ": cannot initialise zlib";
        return false;
    }
    out.clear();
    std::vector<uint8_t> chunk(1 << 20);
    zs.next_in  = const_cast<Bytef *>(in.data());
    zs.avail_in = (uInt) in.size();
    int ret = Z_OK;
    while (ret != Z_STREAM_END) {
        zs.next_out  = chunk.data();
        zs.avail_out = (uInt) chunk.size();
        ret = inflate(&zs, Z_NO_FLUSH);
        if (ret == Z_BUF_ERROR) {
            err = fname + ": truncated gzip data";
            inflateEnd(&zs);
            return false;
        }
        if (ret != Z_OK && ret != Z_STREAM_END) {
            err = fname + ": corrupt gzip data (" + (zs.msg ? zs.msg : "zlib error " + std::to_string(ret)) + ")";
            inflateEnd(&zs);
            return false;
        }
        out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
        if (ret == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
            err = fname + ": truncated gzip data";
            inflateEnd(&zs);
            return false;
        }
    }
    inflateEnd(&zs);
    return true;
}

bool mnist_read_file(const std::string & fname, std::vector<uint8_t> & bytes, std::string & err) {
    FILE * f = fopen(fname.c_str(), "rb");
    if (!f) {
        err = fname + ": cannot open: " + std::strerror(errno);
        return false;
    }
    std::vector<uint8_t> raw;
    uint8_t buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        raw.insert(raw.end(), buf, buf + n);
    }
    const bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        err = fname + ": read error";
        return false;
    }
    if (is_gzip(raw)) {
        return gunzip(fname, raw, bytes, err);
    }
    bytes = std::move(raw);
    return true;
}

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

bool mnist_images_load(const std::string & fname, mnist_images & images, std::string & err) {
    std::vector<uint8_t> bytes;
    if (!mnist_read_file(fname, bytes, err)) {
        return false;
    }
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

bool mnist_labels_load(const std::string & fname, mnist_labels & labels, std::string & err) {
    std::vector<uint8_t> bytes;
    if (!mnist_read_file(fname, bytes, err)) {
        return false;
    }
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

ggml_opt_dataset_t mnist_dataset_from(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard) {
    ggml_opt_dataset_t dataset = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, MNIST_NINPUT, MNIST_NCLASSES,
                                                       images.n, ndata_shard);
    float * data = (float *) ggml_get_data(ggml_opt_dataset_data(dataset));
    for (size_t i = 0; i < images.pixels.size(); ++i) {
        data[i] = images.pixels[i] / 255.0f;
    }
    float * onehot = (float *) ggml_get_data(ggml_opt_dataset_labels(dataset));
    std::fill(onehot, onehot + labels.n*MNIST_NCLASSES, 0.0f);
    for (int64_t i = 0; i < labels.n; ++i) {
        onehot[i*MNIST_NCLASSES + labels.values[i]] = 1.0f;
    }
    return dataset;
}

static bool use_colour(FILE * f) {
    const char * no_colour = getenv("NO_COLOR");
    if (no_colour && no_colour[0] != '\0') {
        return false;
    }
    return isatty(fileno(f));
}

void mnist_image_print(FILE * f, const mnist_images & images, int64_t iex) {
    GGML_ASSERT(iex >= 0 && iex < images.n);
    const uint8_t * px = images.pixels.data() + iex*MNIST_NINPUT;
    const bool colour = use_colour(f);
    for (int row = 0; row < MNIST_HW; ++row) {
        for (int col = 0; col < MNIST_HW; ++col) {
            const int v = px[row*MNIST_HW + col];
            if (colour) {
                // two spaces per pixel keep the digit roughly square
                fprintf(f, "\033[48;2;%d;%d;%dm  ", v, v, v);
            } else {
                fprintf(f, "%c ", v >= 128 ? '#' : '_');
            }
        }
        fprintf(f, colour ? "\033[0m\n" : "\n");
    }
    fprintf(f, "\n");
}
