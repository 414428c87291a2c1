#pragma once

// mnist-common: everything the MNIST programs share.
//
//   mnist_labels labels; std::string err;
//   if (!mnist_labels_load(path_labels, labels, err)) { ... }
//   ggml_opt_dataset_t dataset = mnist_dataset_load(path_images, labels, /*ndata_shard =*/ 10, err);
//   // or, keeping the images as bytes: mnist_images_load(...), then mnist_dataset_from(images, labels, 10)
//
//   mnist_model model;
//   mnist_model_init_backends(model, "CPU", n_threads, nbatch_logical, nbatch_physical);
//   mnist_model_init_random(model, "mnist-fc", seed);       // or mnist_model_load(model, "model.gguf", err)
//   mnist_model_build(model);                               // images -> logits graph
//   mnist_model_train(model, dataset, train_params);
//   mnist_model_save(model, "model.gguf", err);
//
// Tensor shapes follow ggml's convention (ne[0] innermost). An image batch is [784, N], logits are
// [10, N]. The CNN sees images as [28, 28, 1, N].

#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-opt.h"
#include "ggml-opt-augment.h"

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#define MNIST_NTRAIN 60000
#define MNIST_NTEST  10000

// The logical batch is the number of images per optimizer step; the physical batch is the number
// of images per graph evaluation (gradients of several physical batches are accumulated). The
// default physical batch depends on the architecture: see mnist_default_batch_physical.
#define MNIST_NBATCH_LOGICAL  1000
#define MNIST_NBATCH_PHYSICAL  500
#define MNIST_NBATCH_PHYSICAL_CNN 100

#define MNIST_HW       28
#define MNIST_NINPUT   (MNIST_HW*MNIST_HW)
#define MNIST_NCLASSES 10
#define MNIST_NHIDDEN  500

// Channels of the first CNN layer; the second has twice as many.
#define MNIST_CNN_NCB 8

// Datapoints per dataset shard: the unit in which training data is shuffled.
#define MNIST_NDATA_SHARD 10

static_assert(MNIST_NBATCH_LOGICAL % MNIST_NBATCH_PHYSICAL == 0, "logical batch must be a multiple of the physical batch");
static_assert(MNIST_NBATCH_LOGICAL % MNIST_NBATCH_PHYSICAL_CNN == 0, "logical batch must be a multiple of the physical batch");

// ---------------------------------------------------------------------------------------------
// Data (mnist-data.cpp: files; mnist-idx.cpp: IDX parsing and datasets)

struct mnist_images {
    int64_t              n = 0;
    std::vector<uint8_t> pixels; // n * MNIST_NINPUT, row-major 28x28 per image
};

struct mnist_labels {
    int64_t              n = 0;
    std::vector<uint8_t> values; // n labels in 0..9
};

// Reads up to size bytes into dst and returns how many: fewer only at the end of the data, -1 (with
// err set) on an error.
typedef std::function<int64_t(uint8_t * dst, size_t size, std::string & err)> mnist_read_fn;

// IDX readers: check magic, dimensions, counts against the file size and label range. The header is
// checked before the data is read, the buffer grows only with data actually read, and trailing
// bytes are detected without reading them to their end: memory stays within what the header
// announces plus 1 MB, whatever the file (gzip bombs, /dev/zero).
bool mnist_images_load(const std::string & fname, mnist_images & images, std::string & err); // plain or gzip
bool mnist_labels_load(const std::string & fname, mnist_labels & labels, std::string & err);
bool mnist_images_read(const std::string & name, const mnist_read_fn & read, mnist_images & images, std::string & err);
bool mnist_labels_read(const std::string & name, const mnist_read_fn & read, mnist_labels & labels, std::string & err);
// The same checks on IDX bytes already in memory (name is used in messages).
bool mnist_images_parse(const std::string & name, std::vector<uint8_t> && bytes, mnist_images & images, std::string & err);
bool mnist_labels_parse(const std::string & name, std::vector<uint8_t> && bytes, mnist_labels & labels, std::string & err);

// Checks that images and labels belong together and fit the dataset's shard size.
bool mnist_data_check(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard, std::string & err);

// Dataset with F32 pixels scaled to [0, 1] and one-hot F32 labels; only the first n images when n >= 0.
ggml_opt_dataset_t mnist_dataset_from(const mnist_images & images, const mnist_labels & labels, int64_t ndata_shard,
                                      int64_t n = -1);

// The dataset of mnist_dataset_from, with the checks of mnist_images_parse and mnist_data_check, read
// from an IDX image stream: only a small chunk of the raw bytes is in memory at a time, never the
// whole file next to its F32 copy. Returns nullptr with err set on bad input.
ggml_opt_dataset_t mnist_dataset_read(const std::string & name, const mnist_read_fn & read, const mnist_labels & labels,
                                      int64_t ndata_shard, std::string & err);
// The same from an IDX image file, plain or gzip-compressed.
ggml_opt_dataset_t mnist_dataset_load(const std::string & fname_images, const mnist_labels & labels, int64_t ndata_shard,
                                      std::string & err);

// Prints one image: 24-bit colour blocks on a colour terminal, '#'/'_' otherwise.
void mnist_image_print(FILE * f, const mnist_images & images, int64_t iex);

// ---------------------------------------------------------------------------------------------
// Model (mnist-model.cpp, mnist-model-io.cpp)

struct mnist_model {
    std::string arch; // "mnist-fc" or "mnist-cnn"

    ggml_backend_sched_t        backend_sched = nullptr;
    std::vector<ggml_backend_t> backends;     // backends[0] is the primary one
    int nbatch_logical  = MNIST_NBATCH_LOGICAL;
    int nbatch_physical = MNIST_NBATCH_PHYSICAL;

    struct ggml_tensor * images = nullptr; // input  [784, nbatch_physical]
    struct ggml_tensor * logits = nullptr; // output [10,  nbatch_physical]

    struct ggml_tensor * fc1_weight = nullptr;
    struct ggml_tensor * fc1_bias   = nullptr;
    struct ggml_tensor * fc2_weight = nullptr;
    struct ggml_tensor * fc2_bias   = nullptr;

    struct ggml_tensor * conv1_kernel = nullptr;
    struct ggml_tensor * conv1_bias   = nullptr;
    struct ggml_tensor * conv2_kernel = nullptr;
    struct ggml_tensor * conv2_bias   = nullptr;
    struct ggml_tensor * dense_weight = nullptr;
    struct ggml_tensor * dense_bias   = nullptr;

    struct ggml_context * ctx_static  = nullptr; // weights and the input, allocated on backends[0]
    struct ggml_context * ctx_compute = nullptr; // graph intermediates, allocated by the optimizer
    ggml_backend_buffer_t buf_static  = nullptr;

    mnist_model() = default;
    mnist_model(const mnist_model &) = delete;
    mnist_model & operator=(const mnist_model &) = delete;
    ~mnist_model();
};

// One tensor a model file must hold: name and shape (all F32).
struct mnist_tensor_spec {
    const char * name;
    int64_t      ne[4];
};

bool mnist_arch_is_known(const std::string & arch);
// Images per graph evaluation unless told otherwise. mnist-fc: when training (nbatch_logical > 0),
// the whole logical batch, one graph per optimizer step: no pass that adds up the gradients of
// several batches, and the products, which skip blank pixels, pack the weights once per 1000
// images instead of per 500 (training runs about 10 % faster than in batches of 500); when
// evaluating, 500, the batch of the PyTorch scripts, whose losses' standard errors then match.
// mnist-cnn: 100; its first convolution writes 25 KB per image while training: 100 images' worth
// stays in cache from one op to the next, 500 images' worth goes to memory (training runs about
// 25 % faster).
int mnist_default_batch_physical(const std::string & arch, int nbatch_logical = 0);
// The tensors of an architecture, in file order.
std::vector<mnist_tensor_spec> mnist_arch_tensors(const std::string & arch);

// Creates the backends: the named device first (empty name: the first device), every other
// device as a fallback. An unknown name prints the available devices and returns false.
// n_threads <= 0 keeps the CPU backend's default. A batch size of 0 is the architecture's default,
// resolved when the tensors are created (the logical batch then equals the physical one).
bool mnist_model_init_backends(mnist_model & model, const std::string & backend_name, int n_threads,
                               int nbatch_logical, int nbatch_physical);

// Creates the input and the (uninitialised) weights of model.arch on the primary backend.
bool mnist_model_create_tensors(mnist_model & model, std::string & err);

// How the initial weights are drawn.
//   NORMAL: every weight and bias from N(0, std); std 0.01 is ggml's MNIST example.
//   GLOROT: kernels and dense weights uniform in +-sqrt(6/(fan_in + fan_out)), biases zero, the
//           Keras defaults that ggml's TensorFlow-trained CNN started from. N(0, 0.01) is far too
//           small for the CNN's convolutions (fan-in 9 and 72): their activations and gradients
//           start tiny and 30 epochs at lr 1e-3 do not make up for it.
enum mnist_init_type {
    MNIST_INIT_NORMAL,
    MNIST_INIT_GLOROT,
};

struct mnist_init_params {
    enum mnist_init_type type = MNIST_INIT_NORMAL;
    double               std  = 0.01; // NORMAL only
};

// The default per architecture: NORMAL 0.01 for mnist-fc (as ggml's example), GLOROT for mnist-cnn.
struct mnist_init_params mnist_init_default(const std::string & arch);

// Random weights from a portable generator: the same seed and init give the same weights.
bool mnist_model_init_random(mnist_model & model, const std::string & arch, uint64_t seed,
                             const mnist_init_params & init, std::string & err);
// The same with weights from N(0, 0.01), ggml's example.
bool mnist_model_init_random(mnist_model & model, const std::string & arch, uint64_t seed, std::string & err);

// Loads a GGUF model; refuses a wrong architecture or any tensor with a wrong name, type or shape.
bool mnist_model_load(mnist_model & model, const std::string & fname, std::string & err);

class mnist_staged_file;

// Fails (err: what, the tensor and the first bad index) when a weight is NaN or infinite.
bool mnist_model_check_finite(const mnist_model & model, const std::string & what, std::string & err);

// Writes the GGUF model atomically (no partial file on failure); refuses (and writes nothing) when
// a weight is not finite. With stage, writes into that open staged file instead, for the caller to
// commit together with its other outputs (mnist_commit_all).
bool mnist_model_save(const mnist_model & model, const std::string & fname, std::string & err,
                      mnist_staged_file * stage = nullptr);

// Builds the forward graph from model.images to model.logits in model.ctx_compute.
void mnist_model_build(mnist_model & model);

struct mnist_train_params {
    int      nepoch    = 30;
    float    val_split = 0.05f;
    enum ggml_opt_optimizer_type optimizer = GGML_OPT_OPTIMIZER_TYPE_ADAMW;
    float    lr        = -1.0f; // < 0: the optimizer's default
    uint64_t seed      = 0;     // shuffling order

    // learning-rate schedule (see ggml_opt_lr_schedule); total steps: nepoch epochs
    enum ggml_opt_lr_schedule_type schedule = GGML_OPT_LR_SCHEDULE_CONSTANT;
    int64_t  warmup_steps = 0;
    float    lr_min       = 0.0f;
    int      decay_epochs = 10;   // step schedule: epochs between two decays by 10x
    float    weight_decay = 0.0f;

    int      early_stop = 0;     // stop when the validation loss has not improved for this many epochs; 0: never
    bool     keep_best  = false; // end with the weights of the epoch with the lowest validation loss

    std::string checkpoint;           // written after every epoch (and every checkpoint_every steps); empty: none
    int64_t     checkpoint_every = 0;
    std::string resume;               // checkpoint to continue from
    std::string log;                  // one JSON line per epoch

    // Polled after every optimizer step: when it turns non-zero, training writes the checkpoint
    // (checkpoint, or interrupt_checkpoint when that is empty) and stops.
    const volatile sig_atomic_t * stop = nullptr;
    bool        schedule_given = false; // on resume: the options above replace the checkpoint's schedule
    bool        seed_given     = false; // on resume: --seed must then be the checkpoint's
    std::string interrupt_checkpoint;
    int64_t     stop_after_steps = 0; // > 0: stop as if interrupted once the optimizer has made this many steps
    struct ggml_opt_augment_params augment = ggml_opt_augment_default_params(); // training batches only; seed and epoch are set per run
    int64_t augment_off_epochs = 0; // the last this many epochs train on the images as they are
    ggml_opt_dataset_t eval_each_epoch = nullptr; // when set: evaluated after every epoch, one line on stdout
    int64_t            t_start_us      = 0;       // the time the lines count from (ggml_time_us)
};

// Checks batch sizes and the validation split against the dataset before any work starts.
bool mnist_train_check(const mnist_model & model, int64_t ndata, const mnist_train_params & params, std::string & err);

enum mnist_train_status {
    MNIST_TRAIN_DONE,
    MNIST_TRAIN_INTERRUPTED, // *params.stop was set: a checkpoint was written (its name is in err)
    MNIST_TRAIN_FAILED,      // err says why; no output was changed
};

// Trains (or, with params.resume, continues training) the model. On resume the checkpoint
// must match the model, optimizer, batch sizes, dataset and validation split; the number of
// epochs and the schedule may change (the schedule's total steps follow nepoch).
mnist_train_status mnist_model_train(mnist_model & model, ggml_opt_dataset_t dataset, const mnist_train_params & params,
                                     std::string & err);

// Evaluates every datapoint; the caller frees the result. ndata must be a multiple of the physical batch.
// NULL when the graphs do not fit in the primary device's memory (the reason is logged).
ggml_opt_result_t mnist_model_eval(mnist_model & model, ggml_opt_dataset_t dataset);

// The error line for a step whose memory could not be allocated.
std::string mnist_out_of_memory(const mnist_model & model);

// ---------------------------------------------------------------------------------------------
// Command line (mnist-options.cpp)

struct mnist_options {
    std::vector<std::string> positional;

    int         epochs         = 30;
    bool        has_seed       = false;
    uint64_t    seed           = 0;
    int         threads        = 0; // 0: backend default
    float       val_split      = 0.05f;
    int         batch_logical  = MNIST_NBATCH_LOGICAL;
    int         batch_physical = 0; // 0: mnist_default_batch_physical(arch)
    std::string optimizer      = "adamw";
    float       lr             = -1.0f;
    std::string init;                  // "normal" or "glorot"; empty: the architecture's default
    double      init_std       = -1.0; // < 0: 0.01
    std::string predictions;           // file to write one predicted digit per line
    std::string eval_images;           // mnist-train: evaluate on this set after training
    std::string eval_labels;

    // training for real (mnist-train)
    std::string lr_schedule      = "constant";
    int64_t     warmup           = 0;     // optimizer steps
    float       lr_min           = 0.0f;
    int         decay_epochs     = 0;     // step schedule: 0 means 10 epochs
    float       weight_decay     = 0.0f;
    int         early_stop       = 0;     // 0: never
    bool        keep_best        = false;
    std::string checkpoint;
    int64_t     checkpoint_every = 0;     // optimizer steps; 0: only after every epoch
    std::string resume;
    std::string log;
    int64_t     stop_after       = 0;     // optimizer steps; 0: never

    std::vector<std::string> given; // the option names on the command line, in order
    bool was_given(const std::string & name) const;
    bool        eval_each_epoch = false; // mnist-train: evaluate after every epoch, not only at the end
    struct ggml_opt_augment_params augment = ggml_opt_augment_default_params(); // --augment, --aug-*, --recipe
    int         aug_off_epochs  = 0;     // --aug-off-epochs: no augmentation in the last N epochs
};

// The ranges --augment turns on (the options after it override them).
struct ggml_opt_augment_params mnist_augment_default();

enum mnist_options_result {
    MNIST_OPTIONS_OK,
    MNIST_OPTIONS_HELP,  // --help was printed: exit 0
    MNIST_OPTIONS_ERROR, // a message was printed: exit 1
};

// Parses argv[1..]; `allowed` lists the option names (without "--") this program accepts.
mnist_options_result mnist_options_parse(int argc, char ** argv, const std::vector<std::string> & allowed,
                                         const char * usage, mnist_options & opts);

// A seed from the operating system, for runs without --seed.
uint64_t mnist_random_seed();

// Installs the SIGINT/SIGTERM handlers of a training run (mnist-signals.cpp) and returns the flag
// the first signal sets to its number: mnist_train_params::stop. A second signal removes the
// pending temporary files (ggml_atomic_file_remove_pending) and ends the process.
const volatile sig_atomic_t * mnist_signals_install();

// Writes text to a file atomically (mnist_write_atomically).
bool mnist_text_write(const std::string & fname, const std::string & text, std::string & err);

// Writes one predicted digit per line (atomically, or into stage as mnist_model_save does).
bool mnist_predictions_write(const std::string & fname, const std::vector<int32_t> & pred, std::string & err,
                             mnist_staged_file * stage = nullptr);
