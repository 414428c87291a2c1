#pragma once

// mnist-web-core: the small API behind the web demo, plain C++ so that the native test helper
// runs exactly the same code as the WebAssembly build.
//
//   mnist_web_predictor fc;
//   if (!fc.load("mnist-fc.gguf", err)) { ... }         // once per model
//   float probs[10]; int digit = fc.predict(pixels784, probs);  // pixels in [0, 1], row-major 28x28
//
//   mnist_web_trainer trainer;                            // training with ggml_opt_epoch
//   trainer.start(train, n_train, "mnist-cnn", "" /* or a GGUF to continue from */, 1000, 100, 1, seed, err);
//   trainer.epoch(on_batch, user_data);                   // one pass; calls on_batch after each batch
//   double acc = trainer.test_accuracy(test_images, test_labels);
//   trainer.save("trained.gguf", err);

#include "mnist-common.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

// One set of IDX images and labels held in memory (parsed from uncompressed IDX bytes).
struct mnist_web_set {
    mnist_images images;
    mnist_labels labels;
    int64_t n() const { return images.n; }
};

// Parses uncompressed IDX image and label files with the checks of the native programs.
bool mnist_web_set_parse(const uint8_t * images, size_t images_size, const uint8_t * labels, size_t labels_size,
                         mnist_web_set & set, std::string & err);

// A model with a physical batch of one image, loaded once and evaluated on demand.
class mnist_web_predictor {
public:
    bool load(const std::string & fname, std::string & err);
    bool loaded() const { return model_ != nullptr; }
    const std::string & arch() const;
    // Writes the softmax of the logits into probs[10] and returns the most probable digit.
    int predict(const float * pixels, float * probs);
    // CNN only: the first convolution's MNIST_CNN_NCB maps (3x3, padding 1, bias, ReLU) at 28x28,
    // before pooling, written channel by channel into out[MNIST_CNN_NCB*784]. False for FC.
    bool feature_maps(const float * pixels, float * out) const;

private:
    std::unique_ptr<mnist_model> model_;
    ggml_cgraph * graph_ = nullptr;
};

// Progress after each batch of an epoch: phase (true: training), batches done and total,
// running loss and accuracy of the epoch so far.
typedef void (*mnist_web_batch_callback)(void * user_data, bool train, int64_t ibatch, int64_t nbatch,
                                         double loss, double accuracy);

// Trains a model (mnist-fc or mnist-cnn), from scratch or from a GGUF file, one epoch at a time.
class mnist_web_trainer {
public:
    ~mnist_web_trainer();
    // n_train images of `train` are used (a multiple of nbatch_logical).
    // arch is used when init_gguf is empty; n_threads > 1 needs a threaded build.
    bool start(const mnist_web_set & train, int64_t n_train, const std::string & arch, const std::string & init_gguf,
               int nbatch_logical, int nbatch_physical, int n_threads, uint64_t seed, std::string & err);
    // One shuffled pass over the training images; returns the epoch's training loss and accuracy.
    void epoch(mnist_web_batch_callback cb, void * user_data, double & loss, double & accuracy);
    // Accuracy on the first n images of `test` (a multiple of the physical batch).
    double test_accuracy(const mnist_web_set & test, int64_t n);
    bool save(const std::string & fname, std::string & err) const;

private:
    void release();

    std::unique_ptr<mnist_model> model_;
    ggml_opt_context_t opt_ctx_   = nullptr;
    ggml_opt_dataset_t train_ds_  = nullptr;
    ggml_opt_dataset_t test_ds_   = nullptr;
    int64_t            test_n_    = 0;
    mnist_web_batch_callback cb_  = nullptr;
    void *             cb_ud_     = nullptr;

    static void on_batch(bool train, ggml_opt_context_t, ggml_opt_dataset_t, ggml_opt_result_t result,
                         int64_t ibatch, int64_t ibatch_max, int64_t);
    static mnist_web_trainer * active_;
};
