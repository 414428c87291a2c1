// The web demo's model, data and training code; see mnist-web-core.h.

#include "mnist-web-core.h"

#include "ggml-alloc.h"

#include <algorithm>
#include <cmath>
#include <cstring>

bool mnist_web_set_parse(const uint8_t * images, size_t images_size, const uint8_t * labels, size_t labels_size,
                         mnist_web_set & set, std::string & err) {
    return mnist_images_parse("images", std::vector<uint8_t>(images, images + images_size), set.images, err) &&
           mnist_labels_parse("labels", std::vector<uint8_t>(labels, labels + labels_size), set.labels, err) &&
           mnist_data_check(set.images, set.labels, /*ndata_shard =*/ 0, err);
}

// ---------------------------------------------------------------------------------------------

static const std::string no_arch;

const std::string & mnist_web_predictor::arch() const {
    return model_ ? model_->arch : no_arch;
}

bool mnist_web_predictor::load(const std::string & fname, std::string & err) {
    // Single-threaded: the browser build has no threads, and one image is too small to split.
    std::unique_ptr<mnist_model> model(new mnist_model);
    if (!mnist_model_init_backends(*model, "CPU", 1, 1, 1)) {
        err = "cannot initialise the CPU backend";
        return false;
    }
    if (!mnist_model_load(*model, fname, err)) {
        return false;
    }
    mnist_model_build(*model);
    graph_ = ggml_new_graph(model->ctx_compute);
    ggml_build_forward_expand(graph_, model->logits);
    model_ = std::move(model);
    return true;
}

int mnist_web_predictor::predict(const float * pixels, float * probs) {
    GGML_ASSERT(model_ && "load a model first");
    ggml_backend_sched_reset(model_->backend_sched);
    if (!ggml_backend_sched_alloc_graph(model_->backend_sched, graph_)) {
        GGML_ABORT("mnist_web_predictor: cannot allocate the graph");
    }
    ggml_backend_tensor_set(model_->images, pixels, 0, MNIST_NINPUT*sizeof(float));
    ggml_backend_sched_graph_compute(model_->backend_sched, graph_);

    float logits[MNIST_NCLASSES];
    ggml_backend_tensor_get(model_->logits, logits, 0, sizeof(logits));

    // Softmax in double precision, shifted by the maximum so that exp cannot overflow.
    int best = 0;
    for (int i = 1; i < MNIST_NCLASSES; ++i) {
        if (logits[i] > logits[best]) best = i;
    }
    double e[MNIST_NCLASSES], sum = 0.0;
    for (int i = 0; i < MNIST_NCLASSES; ++i) {
        e[i] = std::exp((double) logits[i] - logits[best]);
        sum += e[i];
    }
    for (int i = 0; i < MNIST_NCLASSES; ++i) {
        probs[i] = (float) (e[i]/sum);
    }
    return best;
}

bool mnist_web_predictor::feature_maps(const float * pixels, float * out) const {
    if (!model_ || model_->arch != "mnist-cnn") return false;
    const int nc = MNIST_CNN_NCB, hw = MNIST_HW;
    std::vector<float> kernel(9*nc), bias(nc);
    ggml_backend_tensor_get(model_->conv1_kernel, kernel.data(), 0, kernel.size()*sizeof(float));
    ggml_backend_tensor_get(model_->conv1_bias, bias.data(), 0, bias.size()*sizeof(float));
    // The kernel is [3 (x), 3 (y), 1, nc]; the convolution is a cross-correlation, as in ggml.
    for (int c = 0; c < nc; ++c) {
        for (int y = 0; y < hw; ++y) {
            for (int x = 0; x < hw; ++x) {
                float v = bias[c];
                for (int ky = 0; ky < 3; ++ky) {
                    for (int kx = 0; kx < 3; ++kx) {
                        const int sy = y + ky - 1, sx = x + kx - 1;
                        if (sy >= 0 && sy < hw && sx >= 0 && sx < hw) v += kernel[c*9 + ky*3 + kx]*pixels[sy*hw + sx];
                    }
                }
                out[(c*hw + y)*hw + x] = std::max(0.0f, v);
            }
        }
    }
    return true;
}

// ---------------------------------------------------------------------------------------------

mnist_web_trainer * mnist_web_trainer::active_ = nullptr;

mnist_web_trainer::~mnist_web_trainer() {
    release();
}

void mnist_web_trainer::release() {
    if (opt_ctx_)  ggml_opt_free(opt_ctx_);
    if (train_ds_) ggml_opt_dataset_free(train_ds_);
    if (test_ds_)  ggml_opt_dataset_free(test_ds_);
    opt_ctx_  = nullptr;
    train_ds_ = nullptr;
    test_ds_  = nullptr;
    test_n_   = 0;
    model_.reset();
}

bool mnist_web_trainer::start(const mnist_web_set & train, int64_t n_train, const std::string & arch,
                              const std::string & init_gguf, int nbatch_logical, int nbatch_physical, int n_threads,
                              uint64_t seed, std::string & err) {
    release();
    if (nbatch_physical < 1 || nbatch_logical % nbatch_physical != 0 || nbatch_physical % MNIST_NDATA_SHARD != 0) {
        err = "the logical batch must be a multiple of the physical batch, itself a multiple of 10";
        return false;
    }
    if (n_train < nbatch_logical || n_train > train.n() || n_train % nbatch_logical != 0) {
        err = "the number of training images must be a multiple of the logical batch and at most " +
              std::to_string(train.n());
        return false;
    }
    std::unique_ptr<mnist_model> model(new mnist_model);
    if (init_gguf.empty() && arch != "mnist-fc" && arch != "mnist-cnn") {
        err = "unknown model architecture '" + arch + "' (mnist-fc or mnist-cnn)";
        return false;
    }
    if (!mnist_model_init_backends(*model, "CPU", std::max(1, n_threads), nbatch_logical, nbatch_physical)) {
        err = "cannot initialise the CPU backend";
        return false;
    }
    const bool ok = init_gguf.empty() ? mnist_model_init_random(*model, arch, seed, mnist_init_default(arch), err)
                                      : mnist_model_load(*model, init_gguf, err);
    if (!ok) {
        return false;
    }
    mnist_model_build(*model);

    struct ggml_opt_params op = ggml_opt_default_params(model->backend_sched, GGML_OPT_LOSS_TYPE_CROSS_ENTROPY);
    op.ctx_compute = model->ctx_compute;
    op.inputs      = model->images;
    op.outputs     = model->logits;
    op.opt_period  = nbatch_logical / nbatch_physical;
    op.seed        = seed;
    opt_ctx_  = ggml_opt_init(op);
    train_ds_ = mnist_dataset_from(train.images, train.labels, MNIST_NDATA_SHARD, n_train);
    model_    = std::move(model);
    return true;
}

void mnist_web_trainer::on_batch(bool train, ggml_opt_context_t, ggml_opt_dataset_t, ggml_opt_result_t result,
                                 int64_t ibatch, int64_t ibatch_max, int64_t) {
    mnist_web_trainer * self = active_;
    if (!self || !self->cb_) return;
    double loss = NAN, acc = NAN, unc = 0.0;
    ggml_opt_result_loss(result, &loss, &unc);
    ggml_opt_result_accuracy(result, &acc, &unc);
    self->cb_(self->cb_ud_, train, ibatch, ibatch_max, loss, acc);
}

void mnist_web_trainer::epoch(mnist_web_batch_callback cb, void * user_data, double & loss, double & accuracy) {
    GGML_ASSERT(opt_ctx_ && "start training first");
    ggml_opt_dataset_shuffle(opt_ctx_, train_ds_, -1);
    ggml_opt_result_t result = ggml_opt_result_init();
    active_ = this;
    cb_     = cb;
    cb_ud_  = user_data;
    ggml_opt_epoch(opt_ctx_, train_ds_, result, nullptr, ggml_opt_dataset_ndata(train_ds_), on_batch, nullptr);
    active_ = nullptr;
    double unc = 0.0;
    ggml_opt_result_loss(result, &loss, &unc);
    ggml_opt_result_accuracy(result, &accuracy, &unc);
    ggml_opt_result_free(result);
}

double mnist_web_trainer::test_accuracy(const mnist_web_set & test, int64_t n) {
    GGML_ASSERT(opt_ctx_ && "start training first");
    if (test_ds_ == nullptr || test_n_ != n) {
        if (test_ds_) ggml_opt_dataset_free(test_ds_);
        test_ds_ = mnist_dataset_from(test.images, test.labels, MNIST_NDATA_SHARD, n);
        test_n_  = n;
    }
    ggml_opt_result_t result = ggml_opt_result_init();
    ggml_opt_epoch(opt_ctx_, test_ds_, nullptr, result, 0, nullptr, nullptr);
    double acc = NAN, unc = 0.0;
    ggml_opt_result_accuracy(result, &acc, &unc);
    ggml_opt_result_free(result);
    return acc;
}

bool mnist_web_trainer::save(const std::string & fname, std::string & err) const {
    if (!model_) {
        err = "no model is being trained";
        return false;
    }
    return mnist_model_save(*model_, fname, err);
}
