// IDX file reading (plain or gzip), the training dataset and the terminal digit printer.

#include "mnist-common.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unistd.h>

// Files are read through zlib's gz* functions, which pass plain files through unchanged.
using gz_file = std::unique_ptr<gzFile_s, int (*)(gzFile)>;

static gz_file gz_open(const std::string & fname, std::string & err) {
    gz_file f(gzopen(fname.c_str(), "rb"), gzclose);
    if (!f) {
        err = fname + ": cannot open: " + std::strerror(errno);
    }
    return f;
}

// An mnist_read_fn on an open file, with zlib's errors in this program's words.
static int64_t gz_read(gzFile f, const std::string & fname, uint8_t * dst, size_t size, std::string & err) {
    const int n = gzread(f, dst, (unsigned) size);
    int errnum = Z_OK;
    std::string msg = gzerror(f, &errnum);
    // gzerror prefixes its message with the path the file was opened with
    if (msg.compare(0, fname.size() + 2, fname + ": ") == 0) {
        msg.erase(0, fname.size() + 2);
    }
    switch (errnum) {
        case Z_OK:         return n;
        case Z_ERRNO:      err = fname + ": read error"; break;
        case Z_BUF_ERROR:  err = fname + ": truncated gzip data"; break; // the file ends inside the gzip stream
        case Z_DATA_ERROR: err = fname + ": corrupt gzip data (" + msg + ")"; break;
        default:           err = fname + ": " + msg; break;
    }
    return -1;
}

// An mnist_read_fn on an open file.
static mnist_read_fn gz_reader(gzFile f, const std::string & fname) {
    return [f, &fname](uint8_t * dst, size_t size, std::string & e) { return gz_read(f, fname, dst, size, e); };
}

bool mnist_images_load(const std::string & fname, mnist_images & images, std::string & err) {
    gz_file f = gz_open(fname, err);
    return f && mnist_images_read(fname, gz_reader(f.get(), fname), images, err);
}

bool mnist_labels_load(const std::string & fname, mnist_labels & labels, std::string & err) {
    gz_file f = gz_open(fname, err);
    return f && mnist_labels_read(fname, gz_reader(f.get(), fname), labels, err);
}

ggml_opt_dataset_t mnist_dataset_load(const std::string & fname_images, const mnist_labels & labels, int64_t ndata_shard,
                                      std::string & err) {
    gz_file f = gz_open(fname_images, err);
    if (!f) {
        return nullptr;
    }
    return mnist_dataset_read(fname_images, gz_reader(f.get(), fname_images), labels, ndata_shard, err);
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
