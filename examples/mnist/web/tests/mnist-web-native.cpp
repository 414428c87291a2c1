// Native reference for the browser tests: prints, for the given test images, the label and the
// ten probabilities that the native build computes with the web demo's prediction code.
//
//   mnist-web-native MODEL.gguf TEST_IMAGES TEST_LABELS INDEX...
//   -> one line per index: "INDEX LABEL PREDICTED P0 ... P9"
//
// For the FC model the probabilities are also checked against a plain double-precision forward
// pass over the weights read straight from the file; a difference above 1e-5 fails (exit 1).

#include "mnist-web-core.h"

#include "gguf.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// relu(W1 x + b1) -> W2 h + b2 -> softmax, in double precision. W1 is [784, 500] in ggml order
// (ne[0] = 784 innermost), so row j of the product reads W1[j*784 .. j*784+783].
static bool fc_reference(const std::string & fname, const float * x, double * probs) {
    ggml_context * ctx = nullptr;
    gguf_init_params params = { /*no_alloc =*/ false, &ctx };
    gguf_context * gguf = gguf_init_from_file(fname.c_str(), params);
    if (!gguf) return false;
    const float * w1 = (const float *) ggml_get_data(ggml_get_tensor(ctx, "fc1.weight"));
    const float * b1 = (const float *) ggml_get_data(ggml_get_tensor(ctx, "fc1.bias"));
    const float * w2 = (const float *) ggml_get_data(ggml_get_tensor(ctx, "fc2.weight"));
    const float * b2 = (const float *) ggml_get_data(ggml_get_tensor(ctx, "fc2.bias"));
    std::vector<double> h(MNIST_NHIDDEN);
    for (int j = 0; j < MNIST_NHIDDEN; ++j) {
        double s = b1[j];
        for (int i = 0; i < MNIST_NINPUT; ++i) s += (double) w1[(size_t) j*MNIST_NINPUT + i] * x[i];
        h[j] = s > 0.0 ? s : 0.0;
    }
    double logits[MNIST_NCLASSES], lmax = -INFINITY, sum = 0.0;
    for (int k = 0; k < MNIST_NCLASSES; ++k) {
        double s = b2[k];
        for (int j = 0; j < MNIST_NHIDDEN; ++j) s += (double) w2[(size_t) k*MNIST_NHIDDEN + j] * h[j];
        logits[k] = s;
        lmax = std::fmax(lmax, s);
    }
    for (int k = 0; k < MNIST_NCLASSES; ++k) sum += std::exp(logits[k] - lmax);
    for (int k = 0; k < MNIST_NCLASSES; ++k) probs[k] = std::exp(logits[k] - lmax) / sum;
    gguf_free(gguf);
    ggml_free(ctx);
    return true;
}

int main(int argc, char ** argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s MODEL.gguf TEST_IMAGES TEST_LABELS INDEX...\n", argv[0]);
        return 1;
    }
    std::string err;
    mnist_images images;
    mnist_labels labels;
    if (!mnist_images_load(argv[2], images, err) || !mnist_labels_load(argv[3], labels, err)) {
        fprintf(stderr, "error: %s\n", err.c_str());
        return 1;
    }
    mnist_web_predictor predictor;
    if (!predictor.load(argv[1], err)) {
        fprintf(stderr, "error: %s\n", err.c_str());
        return 1;
    }
    int failures = 0;
    for (int a = 4; a < argc; ++a) {
        const long index = strtol(argv[a], nullptr, 10);
        if (index < 0 || index >= images.n) {
            fprintf(stderr, "error: index %s out of range\n", argv[a]);
            return 1;
        }
        float x[MNIST_NINPUT], probs[MNIST_NCLASSES];
        for (int i = 0; i < MNIST_NINPUT; ++i) x[i] = images.pixels[(size_t) index*MNIST_NINPUT + i] / 255.0f;
        const int digit = predictor.predict(x, probs);
        printf("%ld %d %d", index, labels.values[index], digit);
        for (float p : probs) printf(" %.9g", p);
        printf("\n");

        if (predictor.arch() == "mnist-fc") {
            double ref[MNIST_NCLASSES];
            if (!fc_reference(argv[1], x, ref)) {
                fprintf(stderr, "error: cannot read %s\n", argv[1]);
                return 1;
            }
            for (int k = 0; k < MNIST_NCLASSES; ++k) {
                if (std::fabs(ref[k] - probs[k]) > 1e-5) {
                    fprintf(stderr, "image %ld: p[%d] = %.9g, double-precision reference %.9g\n", index, k, probs[k], ref[k]);
                    ++failures;
                }
            }
        }
    }
    return failures == 0 ? 0 : 1;
}
