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

bool mnist_images_load(const std::string & fname, mnist_images & images, std::string & err) {
    std::vector<uint8_t> bytes;
    return mnist_read_file(fname, bytes, err) && mnist_images_parse(fname, std::move(bytes), images, err);
}

bool mnist_labels_load(const std::string & fname, mnist_labels & labels, std::string & err) {
    std::vector<uint8_t> bytes;
    return mnist_read_file(fname, bytes, err) && mnist_labels_parse(fname, std::move(bytes), labels, err);
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
