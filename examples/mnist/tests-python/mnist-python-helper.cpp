// Gives the Python parity tests what the C++ side computes and writes.
//
//   mnist-python-helper logits MODEL.gguf IMAGES N OUT.f32
//       the model's logits for the first N images (N a multiple of 100), written as N x 10
//       little-endian floats, image by image
//   mnist-python-helper rewrite IN.gguf OUT.gguf
//       reads a GGUF file and writes its keys and tensors, in file order, with the C++ writer

#include "mnist-common.h"

#include "gguf.h"

#include <cstring>

static int fail(const std::string & msg) {
    fprintf(stderr, "error: %s\n", msg.c_str());
    return 1;
}

static int cmd_logits(const std::string & fname_model, const std::string & fname_images, long n, const std::string & fname_out) {
    const int nbatch = 100;
    std::string err;
    mnist_images images;
    if (!mnist_images_load(fname_images, images, err)) {
        return fail(err);
    }
    if (n <= 0 || n % nbatch != 0 || n > images.n) {
        return fail("N must be a positive multiple of " + std::to_string(nbatch) + " and at most " + std::to_string(images.n));
    }

    mnist_model model;
    if (!mnist_model_init_backends(model, "CPU", /*n_threads =*/ 0, nbatch, nbatch)) {
        return 1;
    }
    if (!mnist_model_load(model, fname_model, err)) {
        return fail(err);
    }
    mnist_model_build(model);

    // Plain graph evaluation on the backend scheduler, independent of the training code path.
    struct ggml_cgraph * gf = ggml_new_graph(model.ctx_compute);
    ggml_build_forward_expand(gf, model.logits);
    ggml_backend_sched_reset(model.backend_sched);
    if (!ggml_backend_sched_alloc_graph(model.backend_sched, gf)) {
        return fail("could not allocate the forward graph");
    }

    std::vector<float> pixels((size_t) nbatch*MNIST_NINPUT);
    std::vector<float> logits((size_t) n*MNIST_NCLASSES);
    for (long i0 = 0; i0 < n; i0 += nbatch) {
        // the same scaling as the training and evaluation datasets
        for (size_t j = 0; j < pixels.size(); ++j) {
            pixels[j] = images.pixels[(size_t) i0*MNIST_NINPUT + j] / 255.0f;
        }
        ggml_backend_tensor_set(model.images, pixels.data(), 0, pixels.size()*sizeof(float));
        if (ggml_backend_sched_graph_compute(model.backend_sched, gf) != GGML_STATUS_SUCCESS) {
            return fail("the forward graph failed");
        }
        ggml_backend_tensor_get(model.logits, logits.data() + (size_t) i0*MNIST_NCLASSES, 0,
                                (size_t) nbatch*MNIST_NCLASSES*sizeof(float));
    }

    FILE * f = fopen(fname_out.c_str(), "wb");
    if (!f) {
        return fail(fname_out + ": cannot open for writing");
    }
    const bool ok = fwrite(logits.data(), sizeof(float), logits.size(), f) == logits.size();
    if (fclose(f) != 0 || !ok) {
        return fail(fname_out + ": write failed");
    }
    return 0;
}

static int cmd_rewrite(const std::string & fname_in, const std::string & fname_out) {
    struct ggml_context * ctx_data = nullptr;
    struct gguf_init_params params = { /*no_alloc =*/ false, &ctx_data };
    struct gguf_context * in = gguf_init_from_file(fname_in.c_str(), params);
    if (!in) {
        return fail(fname_in + ": not a valid GGUF file");
    }
    struct gguf_context * out = gguf_init_empty();
    gguf_set_kv(out, in);
    for (int64_t i = 0; i < gguf_get_n_tensors(in); ++i) {
        gguf_add_tensor(out, ggml_get_tensor(ctx_data, gguf_get_tensor_name(in, i)));
    }
    const bool ok = gguf_write_to_file(out, fname_out.c_str(), /*only_meta =*/ false);
    gguf_free(out);
    gguf_free(in);
    ggml_free(ctx_data);
    return ok ? 0 : fail(fname_out + ": write failed");
}

int main(int argc, char ** argv) {
    if (argc == 6 && strcmp(argv[1], "logits") == 0) {
        return cmd_logits(argv[2], argv[3], strtol(argv[4], nullptr, 10), argv[5]);
    }
    if (argc == 4 && strcmp(argv[1], "rewrite") == 0) {
        return cmd_rewrite(argv[2], argv[3]);
    }
    fprintf(stderr, "usage: %s logits MODEL.gguf IMAGES N OUT.f32\n"
                    "       %s rewrite IN.gguf OUT.gguf\n", argv[0], argv[0]);
    return 1;
}
