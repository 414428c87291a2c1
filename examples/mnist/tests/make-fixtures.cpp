// Writes small IDX and GGUF files, valid and broken, into a directory for the bad-input tests.
//
//   mnist-make-fixtures DIR

#include "mnist-common.h"

#include "gguf.h"

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static std::string g_dir;

static void put_be32(std::vector<uint8_t> & out, uint32_t v) {
    out.push_back(uint8_t(v >> 24));
    out.push_back(uint8_t(v >> 16));
    out.push_back(uint8_t(v >> 8));
    out.push_back(uint8_t(v));
}

static std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows, uint32_t cols) {
    std::vector<uint8_t> out;
    put_be32(out, 0x00000803);
    put_be32(out, n);
    put_be32(out, rows);
    put_be32(out, cols);
    for (uint32_t i = 0; i < n*rows*cols; ++i) {
        out.push_back(uint8_t((i*37u + i/cols*11u) % 256u));
    }
    return out;
}

static std::vector<uint8_t> idx_labels(uint32_t n) {
    std::vector<uint8_t> out;
    put_be32(out, 0x00000801);
    put_be32(out, n);
    for (uint32_t i = 0; i < n; ++i) {
        out.push_back(uint8_t(i % 10));
    }
    return out;
}

static void write_file(const std::string & name, const std::vector<uint8_t> & bytes) {
    const std::string path = g_dir + "/" + name;
    FILE * f = fopen(path.c_str(), "wb");
    const bool written = f && (bytes.empty() || fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size());
    if (!f || fclose(f) != 0 || !written) {
        fprintf(stderr, "cannot write %s\n", path.c_str());
        exit(1);
    }
}

static std::vector<uint8_t> gzip(const std::vector<uint8_t> & in) {
    z_stream zs;
    std::memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        exit(1);
    }
    std::vector<uint8_t> out(deflateBound(&zs, in.size()) + 64);
    zs.next_in   = const_cast<Bytef *>(in.data());
    zs.avail_in  = (uInt) in.size();
    zs.next_out  = out.data();
    zs.avail_out = (uInt) out.size();
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        exit(1);
    }
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// A model file whose tensors follow `specs`, except where the caller changed them.
struct fixture_tensor {
    std::string    name;
    enum ggml_type type;
    int64_t        ne[4];
};

static void write_model(const std::string & name, const char * arch, const std::vector<fixture_tensor> & tensors) {
    struct ggml_init_params params = { 16*1024*1024, nullptr, false };
    struct ggml_context * ctx = ggml_init(params);
    struct gguf_context * gguf = gguf_init_empty();
    if (arch) {
        gguf_set_val_str(gguf, "general.architecture", arch);
    }
    for (const fixture_tensor & ft : tensors) {
        ggml_tensor * t = ggml_new_tensor(ctx, ft.type, 4, ft.ne);
        ggml_set_name(t, ft.name.c_str());
        std::memset(t->data, 0, ggml_nbytes(t));
        gguf_add_tensor(gguf, t);
    }
    const std::string path = g_dir + "/" + name;
    if (!gguf_write_to_file(gguf, path.c_str(), false)) {
        fprintf(stderr, "cannot write %s\n", path.c_str());
        exit(1);
    }
    gguf_free(gguf);
    ggml_free(ctx);
}

static std::vector<fixture_tensor> arch_tensors(const std::string & arch) {
    std::vector<fixture_tensor> out;
    for (const mnist_tensor_spec & spec : mnist_arch_tensors(arch)) {
        out.push_back({spec.name, GGML_TYPE_F32, {spec.ne[0], spec.ne[1], spec.ne[2], spec.ne[3]}});
    }
    return out;
}

int main(int argc, char ** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 1;
    }
    g_dir = argv[1];

    // valid data: 20 images, plain and gzip-compressed
    const std::vector<uint8_t> images = idx_images(20, MNIST_HW, MNIST_HW);
    const std::vector<uint8_t> labels = idx_labels(20);
    write_file("images", images);
    write_file("labels", labels);
    write_file("images.gz", gzip(images));
    write_file("labels.gz", gzip(labels));

    // broken data
    write_file("empty", {});
    write_file("images-bad-magic", labels);
    std::vector<uint8_t> truncated(images.begin(), images.end() - 100);
    write_file("images-truncated", truncated);
    write_file("images-wrong-dims", idx_images(20, 32, 32));
    write_file("images-15", idx_images(15, MNIST_HW, MNIST_HW));
    write_file("labels-15", idx_labels(15));
    write_file("labels-30", idx_labels(30));
    std::vector<uint8_t> bad_label = labels;
    bad_label[8 + 7] = 12;
    write_file("labels-bad-value", bad_label);
    const std::vector<uint8_t> gz = gzip(images);
    write_file("images-gz-truncated.gz", std::vector<uint8_t>(gz.begin(), gz.begin() + gz.size()/2));
    std::vector<uint8_t> gz_corrupt = gz;
    for (size_t i = 20; i < 60 && i < gz_corrupt.size(); ++i) {
        gz_corrupt[i] ^= 0x5a;
    }
    write_file("images-gz-corrupt.gz", gz_corrupt);

    // models
    write_model("model-fc-zero.gguf", "mnist-fc", arch_tensors("mnist-fc"));
    write_model("model-cnn-zero.gguf", "mnist-cnn", arch_tensors("mnist-cnn"));
    write_model("model-wrong-arch.gguf", "mnist-rnn", arch_tensors("mnist-fc"));
    write_model("model-no-arch.gguf", nullptr, arch_tensors("mnist-fc"));
    write_model("model-arch-mismatch.gguf", "mnist-cnn", arch_tensors("mnist-fc"));
    {
        std::vector<fixture_tensor> t = arch_tensors("mnist-fc");
        t.pop_back();
        write_model("model-missing-tensor.gguf", "mnist-fc", t);
    }
    {
        std::vector<fixture_tensor> t = arch_tensors("mnist-fc");
        t[1].type = GGML_TYPE_F16;
        write_model("model-wrong-type.gguf", "mnist-fc", t);
    }
    {
        std::vector<fixture_tensor> t = arch_tensors("mnist-fc");
        t[0].ne[1] = 400;
        write_model("model-wrong-shape.gguf", "mnist-fc", t);
    }
    {
        std::vector<fixture_tensor> t = arch_tensors("mnist-cnn");
        t[2].ne[2] = 4;
        write_model("model-cnn-wrong-shape.gguf", "mnist-cnn", t);
    }
    {
        std::vector<fixture_tensor> t = arch_tensors("mnist-fc");
        t.push_back({"fc3.weight", GGML_TYPE_F32, {10, 10, 1, 1}});
        write_model("model-extra-tensor.gguf", "mnist-fc", t);
    }
    // strings that would forge output if printed raw, and an architecture with a NUL byte
    write_model("model-arch-forged.gguf", "x\nmain: test_acc=99.99+-0.01%\x1b[2J", arch_tensors("mnist-fc"));
    {
        std::vector<fixture_tensor> t = arch_tensors("mnist-fc");
        t.push_back({"fc3\n\x1b[31mforged", GGML_TYPE_F32, {10, 1, 1, 1}});
        write_model("model-tensor-forged.gguf", "mnist-fc", t);
        write_model("model-arch-nul.gguf", "mnist-fc@x", arch_tensors("mnist-fc"));
        const std::string path = g_dir + "/model-arch-nul.gguf";
        FILE * f = fopen(path.c_str(), "r+b");
        std::vector<uint8_t> bytes(1 << 16);
        const size_t n = f ? fread(bytes.data(), 1, bytes.size(), f) : 0;
        const std::string marker = "mnist-fc@x";
        for (size_t i = 0; i + marker.size() <= n; ++i) {
            if (memcmp(bytes.data() + i, marker.data(), marker.size()) == 0) {
                fseek(f, long(i + 8), SEEK_SET);
                fputc(0, f);
                break;
            }
        }
        if (!f || fclose(f) != 0) {
            fprintf(stderr, "cannot patch %s\n", path.c_str());
            return 1;
        }
    }
    const char * text = "this is not a model\n";
    write_file("model-not-gguf.gguf", std::vector<uint8_t>(text, text + strlen(text)));
    return 0;
}
