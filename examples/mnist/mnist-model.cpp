// The MNIST models: backends, weights, forward graphs, training and evaluation.

#include "mnist-common.h"

#include "ggml-alloc.h"
#include "ggml-cpu.h"

#include <cmath>
#include <cstring>
#include <random>

mnist_model::~mnist_model() {
    ggml_free(ctx_static);
    ggml_free(ctx_compute);
    if (buf_static) {
        ggml_backend_buffer_free(buf_static);
    }
    if (backend_sched) {
        ggml_backend_sched_free(backend_sched);
    }
    for (ggml_backend_t backend : backends) {
        ggml_backend_free(backend);
    }
}

bool mnist_arch_is_known(const std::string & arch) {
    return arch == "mnist-fc" || arch == "mnist-cnn";
}

int mnist_default_batch_physical(const std::string & arch, int nbatch_logical) {
    if (arch == "mnist-cnn") return MNIST_NBATCH_PHYSICAL_CNN;
    return nbatch_logical > 0 ? nbatch_logical : MNIST_NBATCH_PHYSICAL;
}

std::vector<mnist_tensor_spec> mnist_arch_tensors(const std::string & arch) {
    if (arch == "mnist-fc") {
        return {
            {"fc1.weight", {MNIST_NINPUT,  MNIST_NHIDDEN,  1, 1}},
            {"fc1.bias",   {MNIST_NHIDDEN, 1,              1, 1}},
            {"fc2.weight", {MNIST_NHIDDEN, MNIST_NCLASSES, 1, 1}},
            {"fc2.bias",   {MNIST_NCLASSES, 1,             1, 1}},
        };
    }
    if (arch == "mnist-cnn") {
        // After two 2x2 poolings the dense layer sees (28/4)^2 positions with 2*NCB channels each.
        const int64_t ndense = (MNIST_HW/4)*(MNIST_HW/4)*(MNIST_CNN_NCB*2);
        return {
            {"conv1.kernel", {3, 3, 1,               MNIST_CNN_NCB}},
            {"conv1.bias",   {1, 1, MNIST_CNN_NCB,   1}},
            {"conv2.kernel", {3, 3, MNIST_CNN_NCB,   MNIST_CNN_NCB*2}},
            {"conv2.bias",   {1, 1, MNIST_CNN_NCB*2, 1}},
            {"dense.weight", {ndense, MNIST_NCLASSES, 1, 1}},
            {"dense.bias",   {MNIST_NCLASSES, 1, 1, 1}},
        };
    }
    return {};
}

bool mnist_model_init_backends(mnist_model & model, const std::string & backend_name, int n_threads,
                               int nbatch_logical, int nbatch_physical) {
    model.nbatch_logical  = nbatch_logical;
    model.nbatch_physical = nbatch_physical;

    std::vector<ggml_backend_dev_t> devices;
    if (!backend_name.empty()) {
        ggml_backend_dev_t dev = ggml_backend_dev_by_name(backend_name.c_str());
        if (dev == nullptr) {
            fprintf(stderr, "error: backend %s not found, available:\n", backend_name.c_str());
            for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
                ggml_backend_dev_t d = ggml_backend_dev_get(i);
                fprintf(stderr, "  - %s (%s)\n", ggml_backend_dev_name(d), ggml_backend_dev_description(d));
            }
            return false;
        }
        devices.push_back(dev);
    }
    if (devices.empty() && ggml_backend_dev_count() > 0) {
        devices.push_back(ggml_backend_dev_get(0));
    }
    // The CPU runs whatever the primary device lacks; the scheduler wants it last. Other devices
    // are not started: a CPU run must not pay for initialising a GPU.
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (cpu && (devices.empty() || devices[0] != cpu)) {
        devices.push_back(cpu);
    }
    if (devices.empty()) {
        fprintf(stderr, "error: no backend devices available\n");
        return false;
    }
    for (ggml_backend_dev_t dev : devices) {
        ggml_backend_t backend = ggml_backend_dev_init(dev, nullptr);
        if (!backend) {
            fprintf(stderr, "error: failed to initialise backend %s\n", ggml_backend_dev_name(dev));
            return false;
        }
        if (n_threads > 0 && ggml_backend_is_cpu(backend)) {
            ggml_backend_cpu_set_n_threads(backend, n_threads);
        }
        model.backends.push_back(backend);
    }

    model.backend_sched = ggml_backend_sched_new(model.backends.data(), nullptr, (int) model.backends.size(),
                                                 GGML_DEFAULT_GRAPH_SIZE, false, true);
    fprintf(stderr, "%s: using %s (%s) as primary backend\n", __func__,
            ggml_backend_name(model.backends[0]), ggml_backend_dev_description(devices[0]));
    if (model.backends.size() > 1) {
        fprintf(stderr, "%s: unsupported operations fall back to, in order:\n", __func__);
        for (size_t i = 1; i < model.backends.size(); ++i) {
            fprintf(stderr, "%s:  - %s (%s)\n", __func__, ggml_backend_name(model.backends[i]),
                    ggml_backend_dev_description(devices[i]));
        }
    }

    {
        struct ggml_init_params params = { 64*ggml_tensor_overhead(), nullptr, /*no_alloc =*/ true };
        model.ctx_static = ggml_init(params);
    }
    {
        // forward, backward and optimizer-step graphs, for training and then for evaluation
        struct ggml_init_params params = {
            2*GGML_DEFAULT_GRAPH_SIZE*ggml_tensor_overhead() + 8*ggml_graph_overhead(), nullptr, /*no_alloc =*/ true };
        model.ctx_compute = ggml_init(params);
    }
    return true;
}

// Creates the input and the weights of model.arch in ctx_static and allocates them on the primary backend.
bool mnist_model_create_tensors(mnist_model & model, std::string & err) {
    if (model.nbatch_physical == 0) {
        model.nbatch_physical = mnist_default_batch_physical(model.arch);
    }
    if (model.nbatch_logical == 0) {
        model.nbatch_logical = model.nbatch_physical;
    }
    model.images = ggml_new_tensor_2d(model.ctx_static, GGML_TYPE_F32, MNIST_NINPUT, model.nbatch_physical);
    ggml_set_name(model.images, "images");
    ggml_set_input(model.images);

    for (const mnist_tensor_spec & spec : mnist_arch_tensors(model.arch)) {
        ggml_tensor * t = ggml_new_tensor(model.ctx_static, GGML_TYPE_F32, 4, spec.ne);
        ggml_set_name(t, spec.name);
        ggml_set_param(t);
        const std::string name = spec.name;
        if      (name == "fc1.weight")   model.fc1_weight   = t;
        else if (name == "fc1.bias")     model.fc1_bias     = t;
        else if (name == "fc2.weight")   model.fc2_weight   = t;
        else if (name == "fc2.bias")     model.fc2_bias     = t;
        else if (name == "conv1.kernel") model.conv1_kernel = t;
        else if (name == "conv1.bias")   model.conv1_bias   = t;
        else if (name == "conv2.kernel") model.conv2_kernel = t;
        else if (name == "conv2.bias")   model.conv2_bias   = t;
        else if (name == "dense.weight") model.dense_weight = t;
        else if (name == "dense.bias")   model.dense_bias   = t;
    }

    model.buf_static = ggml_backend_alloc_ctx_tensors(model.ctx_static, model.backends[0]);
    if (!model.buf_static) {
        err = "failed to allocate the model weights on " + std::string(ggml_backend_name(model.backends[0]));
        return false;
    }
    return true;
}

// Uniform doubles in (0, 1) from a 64-bit Mersenne Twister, whose output sequence the C++
// standard fixes; std::normal_distribution is not portable, so the Gaussian is ours.
struct mnist_gaussian {
    std::mt19937_64 gen;
    bool   have_spare = false;
    double spare      = 0.0;

    explicit mnist_gaussian(uint64_t seed) : gen(seed) {}

    double uniform() {
        return ((gen() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    }

    double next() {
        if (have_spare) {
            have_spare = false;
            return spare;
        }
        const double r   = std::sqrt(-2.0*std::log(uniform()));
        const double phi = 2.0*M_PI*uniform();
        spare      = r*std::sin(phi);
        have_spare = true;
        return r*std::cos(phi);
    }
};

static bool ends_with(const std::string & s, const char * suffix) {
    const size_t n = strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// Glorot's bound sqrt(6/(fan_in + fan_out)). Kernels are [KW, KH, C_in, C_out], dense weights
// [n_in, n_out]; a kernel's fans count every tap of its window, as Keras does.
static double glorot_limit(const mnist_tensor_spec & spec) {
    const std::string name = spec.name;
    double fan_in, fan_out;
    if (ends_with(name, ".kernel")) {
        const double receptive = double(spec.ne[0])*double(spec.ne[1]);
        fan_in  = receptive*double(spec.ne[2]);
        fan_out = receptive*double(spec.ne[3]);
    } else {
        fan_in  = double(spec.ne[0]);
        fan_out = double(spec.ne[1]);
    }
    return std::sqrt(6.0/(fan_in + fan_out));
}

struct mnist_init_params mnist_init_default(const std::string & arch) {
    mnist_init_params init;
    init.type = arch == "mnist-cnn" ? MNIST_INIT_GLOROT : MNIST_INIT_NORMAL;
    return init;
}

bool mnist_model_init_random(mnist_model & model, const std::string & arch, uint64_t seed,
                             const mnist_init_params & init, std::string & err) {
    if (!mnist_arch_is_known(arch)) {
        err = "unknown architecture '" + arch + "' (expected mnist-fc or mnist-cnn)";
        return false;
    }
    if (init.type == MNIST_INIT_NORMAL && !(init.std > 0.0 && std::isfinite(init.std))) {
        err = "the initial weights' standard deviation must be a positive number";
        return false;
    }
    model.arch = arch;
    if (!mnist_model_create_tensors(model, err)) {
        return false;
    }
    mnist_gaussian rng(seed);
    for (const mnist_tensor_spec & spec : mnist_arch_tensors(arch)) {
        ggml_tensor * t = ggml_get_tensor(model.ctx_static, spec.name);
        std::vector<float> values(ggml_nelements(t), 0.0f);
        if (init.type == MNIST_INIT_NORMAL) {
            for (float & v : values) {
                v = (float) (init.std*rng.next());
            }
        } else if (!ends_with(spec.name, ".bias")) {
            const double limit = glorot_limit(spec);
            for (float & v : values) {
                v = (float) (limit*(2.0*rng.uniform() - 1.0));
            }
        }
        ggml_backend_tensor_set(t, values.data(), 0, ggml_nbytes(t));
    }
    return mnist_model_check_finite(model, "initial weights", err);
}

bool mnist_model_init_random(mnist_model & model, const std::string & arch, uint64_t seed, std::string & err) {
    return mnist_model_init_random(model, arch, seed, mnist_init_params(), err);
}

void mnist_model_build(mnist_model & model) {
    ggml_context * ctx = model.ctx_compute;
    const int64_t N = model.nbatch_physical;

    if (model.arch == "mnist-fc") {
        ggml_tensor * hidden = ggml_relu(ctx, ggml_add(ctx, ggml_mul_mat(ctx, model.fc1_weight, model.images), model.fc1_bias));
        model.logits = ggml_add(ctx, ggml_mul_mat(ctx, model.fc2_weight, hidden), model.fc2_bias);
    } else if (model.arch == "mnist-cnn") {
        ggml_tensor * x = ggml_reshape_4d(ctx, model.images, MNIST_HW, MNIST_HW, 1, N);

        // Direct convolutions (same results as ggml_conv_2d, without im2col's column matrices).
        // Each layer pools before adding the bias and applying ReLU: max-pooling commutes with
        // both (a per-channel constant and a monotonic function), so the layer computes the same
        // function as conv -> bias -> ReLU -> pool while the element-wise ops and their
        // gradients touch a quarter of the values.
        // [28, 28, 1, N] -> [28, 28, NCB, N] -> [14, 14, NCB, N]
        x = ggml_conv_2d_direct(ctx, model.conv1_kernel, x, 1, 1, 1, 1, 1, 1);
        x = ggml_pool_2d(ctx, x, GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0);
        x = ggml_relu(ctx, ggml_add(ctx, x, model.conv1_bias));

        // -> [14, 14, 2*NCB, N] -> [7, 7, 2*NCB, N]
        x = ggml_conv_2d_direct(ctx, model.conv2_kernel, x, 1, 1, 1, 1, 1, 1);
        x = ggml_pool_2d(ctx, x, GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0);
        x = ggml_relu(ctx, ggml_add(ctx, x, model.conv2_bias));

        // The dense weight's rows are stored channels innermost (index c + NC*(w + 7*h)), the
        // layout of a TensorFlow-trained dense layer, while x is [7, 7, NC, N]. The weight, not the
        // activations, is brought into x's order: 7840 values per graph instead of 784 per image.
        const int64_t NC = MNIST_CNN_NCB*2, HW = MNIST_HW/4;
        ggml_tensor * w = ggml_reshape_4d(ctx, model.dense_weight, NC, HW, HW, MNIST_NCLASSES); // [c, w, h, class]
        w = ggml_cont(ctx, ggml_permute(ctx, w, 2, 0, 1, 3));                                  // [w, h, c, class]
        w = ggml_reshape_2d(ctx, w, HW*HW*NC, MNIST_NCLASSES);
        x = ggml_reshape_2d(ctx, x, HW*HW*NC, N);

        model.logits = ggml_add(ctx, ggml_mul_mat(ctx, w, x), model.dense_bias);
    } else {
        GGML_ABORT("unknown architecture %s", model.arch.c_str());
    }
    ggml_set_name(model.logits, "logits");
    ggml_set_output(model.logits);
    GGML_ASSERT(model.logits->ne[0] == MNIST_NCLASSES && model.logits->ne[1] == N);
}

bool mnist_train_check(const mnist_model & model, int64_t ndata, const mnist_train_params & params, std::string & err) {
    if (params.nepoch < 1) {
        err = "--epochs must be at least 1";
        return false;
    }
    if (model.nbatch_physical < 1 || model.nbatch_logical < 1 || model.nbatch_logical % model.nbatch_physical != 0) {
        err = "the logical batch (" + std::to_string(model.nbatch_logical) + ") must be a positive multiple of the physical batch (" +
              std::to_string(model.nbatch_physical) + ")";
        return false;
    }
    if (model.nbatch_physical % MNIST_NDATA_SHARD != 0) {
        err = "the physical batch (" + std::to_string(model.nbatch_physical) + ") must be a multiple of the shard size " +
              std::to_string(MNIST_NDATA_SHARD);
        return false;
    }
    if (ndata % model.nbatch_logical != 0) {
        err = "the number of training images (" + std::to_string(ndata) + ") must be a multiple of the logical batch (" +
              std::to_string(model.nbatch_logical) + ")";
        return false;
    }
    if (!(params.val_split >= 0.0f && params.val_split < 1.0f)) {
        err = "--val-split must be in [0, 1)";
        return false;
    }
    const int64_t nbatches = ndata / model.nbatch_logical;
    const int64_t ntrain   = (int64_t) std::floor((1.0 - params.val_split)*nbatches + 1e-6);
    if (ntrain < 1) {
        err = "the validation split leaves no training batch";
        return false;
    }
    return true;
}

ggml_opt_result_t mnist_model_eval(mnist_model & model, ggml_opt_dataset_t dataset) {
    struct ggml_opt_params op = ggml_opt_default_params(model.backend_sched, GGML_OPT_LOSS_TYPE_CROSS_ENTROPY);
    op.ctx_compute = model.ctx_compute;
    op.inputs      = model.images;
    op.outputs     = model.logits;
    op.build_type  = GGML_OPT_BUILD_TYPE_FORWARD;
    ggml_opt_context_t opt_ctx = ggml_opt_init(op);

    ggml_opt_result_t result = ggml_opt_result_init();

    const int64_t t_start_us = ggml_time_us();
    const bool ok = ggml_opt_epoch_checked(opt_ctx, dataset, nullptr, result, /*idata_split =*/ 0, nullptr, nullptr);
    const int64_t t_total_us = ggml_time_us() - t_start_us;
    ggml_opt_free(opt_ctx);
    if (!ok) {
        ggml_opt_result_free(result);
        return nullptr;
    }

    const int64_t ndata = ggml_opt_dataset_ndata(dataset);
    fprintf(stdout, "%s: model evaluation on %d images took %.2lf ms, %.2lf us/image\n", __func__,
            (int) ndata, t_total_us/1000.0, (double) t_total_us/ndata);
    return result;
}

std::string mnist_out_of_memory(const mnist_model & model) {
    return std::string("out of memory on ") + ggml_backend_name(model.backends[0]) +
           " (the message above says for what; a smaller --batch-physical needs less)";
}
