#pragma once

// ggml-opt.h: training on top of the graph and backend APIs: datasets, optimization contexts,
// results, epochs and a one-call fit.
//
// Usage:
//   // 1. Put every datapoint (and label) into a dataset: two flat tensors in host memory.
//   ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, 784, 10, 60000, 1);
//   memcpy(ggml_get_data(ggml_opt_dataset_data(ds)),   images, ...);
//   memcpy(ggml_get_data(ggml_opt_dataset_labels(ds)), labels, ...);
//
//   // 2. Build the model in two no_alloc contexts: ctx_static holds the parameters and the
//   //    input [784, nbatch] (allocate it with ggml_backend_alloc_ctx_tensors), ctx_compute
//   //    holds everything else (allocated by the optimizer on every step).
//   ggml_tensor * logits = ...;  // [10, nbatch], computed from inputs and the parameters
//
//   // 3. Train: 30 epochs, 500 datapoints per optimizer step, 5% held out for validation.
//   ggml_opt_fit(sched, ctx_compute, inputs, logits, ds, GGML_OPT_LOSS_TYPE_CROSS_ENTROPY,
//                GGML_OPT_OPTIMIZER_TYPE_ADAMW, ggml_opt_get_default_optimizer_params,
//                30, 500, 0.05f, false);
//
// For more control, create a context with ggml_opt_init and call ggml_opt_epoch, or drive
// ggml_opt_alloc / ggml_opt_eval yourself batch by batch.
//
// Shuffling is reproducible on every platform: a Fisher-Yates shuffle driven by xoshiro256**
// (Blackman and Vigna), whose four state words are the first four splitmix64 outputs for the
// 64-bit seed (the splitmix64 counter starts at the seed).
// A draw below n uses rejection sampling (no modulo bias): draws r from the generator until
// r >= (2^64 - n) mod n, then returns r mod n. The shuffle walks i = n-1 down to 1 and swaps
// element i with the element at a draw below i+1. The seed is ggml_opt_params::seed
// (GGML_OPT_DEFAULT_SEED unless changed; ggml_opt_fit always uses the default).
//
// Names, signatures, enum values and struct layouts are ggml's; ggml_opt_params::seed and
// ::grad_checkpoint_interval are our additions and sit at the end of the struct, so positional
// and designated initialisation in ggml's field order fill the same fields as with ggml.

#include "ggml.h"
#include "ggml-backend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gguf_context;

#ifdef __cplusplus
extern "C" {
#endif

#define GGML_OPT_DEFAULT_SEED 1234

struct ggml_opt_dataset;
struct ggml_opt_context;
struct ggml_opt_result;

typedef struct ggml_opt_dataset * ggml_opt_dataset_t;
typedef struct ggml_opt_context * ggml_opt_context_t;
typedef struct ggml_opt_result  * ggml_opt_result_t;

// ====== Loss ======

// What the optimizer minimises. MEAN and SUM reduce the model's outputs themselves (for models
// that compute their own per-datapoint loss); the other two compare the outputs with labels.
enum ggml_opt_loss_type {
    GGML_OPT_LOSS_TYPE_MEAN,               // sum of outputs / (opt_period * number of outputs)
    GGML_OPT_LOSS_TYPE_SUM,                // sum of outputs
    GGML_OPT_LOSS_TYPE_CROSS_ENTROPY,      // outputs are logits, labels are probabilities
    GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR, // mean of (outputs - labels)^2
};

// ====== Dataset ======

// A dataset of ndata datapoints of ne_datapoint elements each, and optionally as many labels of
// ne_label elements (ne_label = 0: no labels). Datapoints are shuffled and copied in shards of
// ndata_shard consecutive datapoints. As in ggml, the dataset has ndata / ndata_shard whole shards;
// when ndata_shard does not divide ndata, the datapoints after the last whole shard are never
// shuffled or returned by get_batch. Returns NULL, with a message, when the sizes are not usable
// (ndata, ne_datapoint or ndata_shard not positive, negative ne_label); ggml asserts instead.
GGML_API ggml_opt_dataset_t ggml_opt_dataset_init(
        enum ggml_type type_data,
        enum ggml_type type_label,
        int64_t        ne_datapoint,
        int64_t        ne_label,
        int64_t        ndata,
        int64_t        ndata_shard);
GGML_API void ggml_opt_dataset_free(ggml_opt_dataset_t dataset);

// The tensors holding everything, in host memory (write into them with ggml_get_data).
GGML_API int64_t              ggml_opt_dataset_ndata (ggml_opt_dataset_t dataset);
GGML_API struct ggml_tensor * ggml_opt_dataset_data  (ggml_opt_dataset_t dataset); // [ne_datapoint, ndata]
GGML_API struct ggml_tensor * ggml_opt_dataset_labels(ggml_opt_dataset_t dataset); // [ne_label, ndata], NULL without labels

// Reorders the shards with the context's generator: all of them when idata < 0, otherwise only
// those holding the first idata datapoints (idata must be a multiple of the shard size).
GGML_API void ggml_opt_dataset_shuffle(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset, int64_t idata);

// Copies batch number ibatch into data_batch (and labels_batch, which may be NULL to skip the
// labels). The batch size is the number of datapoints data_batch holds (ggml_nelements /
// ne_datapoint, i.e. its second dimension for a [ne_datapoint, nbatch] tensor); it must be a
// multiple of the shard size. The tensors may live in any backend's memory.
GGML_API void ggml_opt_dataset_get_batch(
        ggml_opt_dataset_t   dataset,
        struct ggml_tensor * data_batch,
        struct ggml_tensor * labels_batch,
        int64_t              ibatch);
// The same into host memory: nb_data_batch bytes of data at data_batch, labels (if not NULL)
// at labels_batch.
GGML_API void ggml_opt_dataset_get_batch_host(
        ggml_opt_dataset_t   dataset,
        void               * data_batch,
        size_t               nb_data_batch,
        void               * labels_batch,
        int64_t              ibatch);

// ====== Model / Context ======

// How far a context's graphs go: forward only, forward + gradients, or forward + gradients +
// optimizer step.
enum ggml_opt_build_type {
    GGML_OPT_BUILD_TYPE_FORWARD = 10,
    GGML_OPT_BUILD_TYPE_GRAD    = 20,
    GGML_OPT_BUILD_TYPE_OPT     = 30,
};

enum ggml_opt_optimizer_type {
    GGML_OPT_OPTIMIZER_TYPE_ADAMW,
    GGML_OPT_OPTIMIZER_TYPE_SGD,

    GGML_OPT_OPTIMIZER_TYPE_COUNT
};

// Hyperparameters of both optimizers; the context uses the part of its optimizer type.
// Out-of-range values abort the step that would use them, naming the value.
struct ggml_opt_optimizer_params {
    struct {
        float alpha; // learning rate, > 0
        float beta1; // decay of the first moment, in [0, 1)
        float beta2; // decay of the second moment, in [0, 1)
        float eps;   // added to the root of the second moment, >= 0
        float wd;    // decoupled weight decay per step, in [0, 1]; 0 disables it
    } adamw;
    struct {
        float alpha; // learning rate, > 0
        float wd;    // weight decay per step, in [0, 1]
    } sgd;
};

// Called before every optimizer step to get the hyperparameters (schedules go here).
typedef struct ggml_opt_optimizer_params (*ggml_opt_get_optimizer_params)(void * userdata);

// AdamW: alpha 1e-3, beta1 0.9, beta2 0.999, eps 1e-8, wd 0; SGD: alpha 1e-3, wd 0.
// userdata is ignored.
GGML_API struct ggml_opt_optimizer_params ggml_opt_get_default_optimizer_params(void * userdata);

// Returns *(struct ggml_opt_optimizer_params *) userdata: fixed hyperparameters.
GGML_API struct ggml_opt_optimizer_params ggml_opt_get_constant_optimizer_params(void * userdata);

struct ggml_opt_params {
    ggml_backend_sched_t backend_sched; // runs and allocates the graphs

    // Static graphs: set all three and the graphs are built once, here. The inputs must then
    // already be allocated (in a buffer of their own). Leave them NULL to pass a new forward
    // graph before every step with ggml_opt_prepare_alloc instead.
    struct ggml_context * ctx_compute;
    struct ggml_tensor  * inputs;
    struct ggml_tensor  * outputs;

    enum ggml_opt_loss_type  loss_type;
    enum ggml_opt_build_type build_type;

    int32_t opt_period; // physical batches whose gradients are summed per optimizer step, >= 1

    ggml_opt_get_optimizer_params get_opt_pars;    // hyperparameters for each step
    void *                        get_opt_pars_ud; // passed to get_opt_pars

    enum ggml_opt_optimizer_type optimizer; // AdamW keeps two moments per parameter, SGD none

    // Our additions, after ggml's fields so that positional initialisation in ggml's order
    // fills the same fields as with ggml (these are then zero: no checkpointing, seed 0).
    uint64_t seed; // of the generator used by ggml_opt_dataset_shuffle

    // When > 0, every grad_checkpoint_interval-th F32 forward node is kept in memory for the
    // backward pass (marked as an output); 0 leaves memory reuse to the allocator.
    int32_t grad_checkpoint_interval;
};

// Defaults: no static graphs, build type OPT, opt_period 1, default optimizer parameters,
// no checkpointing, AdamW, seed GGML_OPT_DEFAULT_SEED.
GGML_API struct ggml_opt_params ggml_opt_default_params(
        ggml_backend_sched_t    backend_sched,
        enum ggml_opt_loss_type loss_type);

GGML_API ggml_opt_context_t ggml_opt_init(struct ggml_opt_params params);
GGML_API void ggml_opt_free(ggml_opt_context_t opt_ctx);

// Zeroes the accumulated gradients and starts a new accumulation period; with optimizer = true
// also zeroes the optimizer's moments and restarts its iteration count at 1.
GGML_API void ggml_opt_reset(ggml_opt_context_t opt_ctx, bool optimizer);

GGML_API bool ggml_opt_static_graphs(ggml_opt_context_t opt_ctx);

// Tensors of the current graphs. Without static graphs they change with every ggml_opt_alloc.
GGML_API struct ggml_tensor * ggml_opt_inputs(  ggml_opt_context_t opt_ctx); // [ne_datapoint, nbatch]
GGML_API struct ggml_tensor * ggml_opt_outputs( ggml_opt_context_t opt_ctx); // [ne_output, nbatch]
GGML_API struct ggml_tensor * ggml_opt_labels(  ggml_opt_context_t opt_ctx); // like outputs; NULL for MEAN and SUM
GGML_API struct ggml_tensor * ggml_opt_loss(    ggml_opt_context_t opt_ctx); // F32 scalar
GGML_API struct ggml_tensor * ggml_opt_pred(    ggml_opt_context_t opt_ctx); // I32 [nbatch] argmax of outputs (cross-entropy only)
GGML_API struct ggml_tensor * ggml_opt_ncorrect(ggml_opt_context_t opt_ctx); // I64 scalar (cross-entropy only)

// The tensor that sums node's gradient over an accumulation period; NULL when gradients are not
// accumulated (static graphs with opt_period 1) or no backward graph exists.
GGML_API struct ggml_tensor * ggml_opt_grad_acc(ggml_opt_context_t opt_ctx, struct ggml_tensor * node);

GGML_API enum ggml_opt_optimizer_type ggml_opt_context_optimizer_type(ggml_opt_context_t);

GGML_API const char * ggml_opt_optimizer_name(enum ggml_opt_optimizer_type); // "adamw", "sgd"

// ====== Optimization Result ======

// Running statistics over evaluated batches.
GGML_API ggml_opt_result_t ggml_opt_result_init(void);
GGML_API void ggml_opt_result_free(ggml_opt_result_t result);
GGML_API void ggml_opt_result_reset(ggml_opt_result_t result);

// unc may be NULL. Loss: the mean of the per-batch losses (their sum for SUM), with the standard
// error of that mean from the batches' sample variance (NaN for fewer than 2 batches).
// Accuracy: the fraction of correct predictions with its binomial standard error; NaN without
// data or without a cross-entropy loss. pred receives one class index per datapoint.
GGML_API void ggml_opt_result_ndata(   ggml_opt_result_t result, int64_t * ndata);
GGML_API void ggml_opt_result_loss(    ggml_opt_result_t result, double  * loss,     double * unc);
GGML_API void ggml_opt_result_pred(    ggml_opt_result_t result, int32_t * pred);
GGML_API void ggml_opt_result_accuracy(ggml_opt_result_t result, double  * accuracy, double * unc);

// ====== Computation ======

// Without static graphs: the forward graph gf (computing outputs from inputs, tensors in
// ctx_compute) for the next ggml_opt_alloc; call it before every ggml_opt_alloc.
GGML_API void ggml_opt_prepare_alloc(
    ggml_opt_context_t    opt_ctx,
    struct ggml_context * ctx_compute,
    struct ggml_cgraph  * gf,
    struct ggml_tensor  * inputs,
    struct ggml_tensor  * outputs);

// Allocates the graph for the next step: forward only, or with the backward pass (and, on every
// opt_period-th backward step, the optimizer step). Exactly once before each ggml_opt_eval;
// fill the inputs (and labels) after it.
GGML_API void ggml_opt_alloc(ggml_opt_context_t opt_ctx, bool backward);

// Runs the allocated graph and adds the batch's loss and predictions to result (if not NULL).
GGML_API void ggml_opt_eval(ggml_opt_context_t opt_ctx, ggml_opt_result_t result);

// ====== High-level functions (built only on the functions above) ======

// Called after each batch: train tells the phase, ibatch counts the batches done in the phase
// (1..ibatch_max), t_start_us is ggml_time_us() at the start of the phase.
typedef void (*ggml_opt_epoch_callback)(
        bool               train,
        ggml_opt_context_t opt_ctx,
        ggml_opt_dataset_t dataset,
        ggml_opt_result_t  result,
        int64_t            ibatch,
        int64_t            ibatch_max,
        int64_t            t_start_us);

// One pass over the dataset with a static-graph context: trains on datapoints [0, idata_split)
// and evaluates on [idata_split, ndata) (idata_split < 0: train on everything). Both the dataset
// size and idata_split must be multiples of the physical batch size. Results and callbacks
// may be NULL.
GGML_API void ggml_opt_epoch(
        ggml_opt_context_t      opt_ctx,
        ggml_opt_dataset_t      dataset,
        ggml_opt_result_t       result_train,
        ggml_opt_result_t       result_eval,
        int64_t                 idata_split,
        ggml_opt_epoch_callback callback_train,
        ggml_opt_epoch_callback callback_eval);

// Epoch callback drawing a progress line on stderr:
//   train: [████▌   ] data=0030000/0057000 loss=0.31234±0.00456 acc=91.23±0.16% t=00:00:05 ETA=00:00:04
// On a terminal the line is redrawn after every batch and ends with a newline when the phase is
// done; otherwise only the finished line is printed, so logs stay readable.
GGML_API void ggml_opt_epoch_callback_progress_bar(
        bool               train,
        ggml_opt_context_t opt_ctx,
        ggml_opt_dataset_t dataset,
        ggml_opt_result_t  result,
        int64_t            ibatch,
        int64_t            ibatch_max,
        int64_t            t_start_us);

// Trains the model from inputs [ne_datapoint, nbatch_physical] to outputs for nepoch epochs,
// one optimizer step per nbatch_logical datapoints (a multiple of nbatch_physical that divides
// the dataset size). The last val_split (in [0, 1)) of the logical batches, rounded so that
// training gets a whole number of them, is only evaluated. The data is shuffled once and the
// training part again before each epoch. get_opt_pars receives a pointer to the int64_t epoch
// (from 1). Unless silent, prints the epoch headers, progress bars and the total time on stderr.
// Sizes that do not fit are reported on the log before any work and nothing is trained.
GGML_API void ggml_opt_fit(
        ggml_backend_sched_t            backend_sched,
        struct ggml_context           * ctx_compute,
        struct ggml_tensor            * inputs,
        struct ggml_tensor            * outputs,
        ggml_opt_dataset_t              dataset,
        enum ggml_opt_loss_type         loss_type,
        enum ggml_opt_optimizer_type    optimizer,
        ggml_opt_get_optimizer_params   get_opt_pars,
        int64_t                         nepoch,
        int64_t                         nbatch_logical,
        float                           val_split,
        bool                            silent);

// ====== Our additions: learning-rate schedules and training checkpoints ======

// Optimizer steps done by this context (0 before the first step; restored by
// ggml_opt_checkpoint_load).
GGML_API int64_t ggml_opt_get_step(ggml_opt_context_t opt_ctx);

// A learning rate per optimizer step, for get_opt_pars:
//   struct ggml_opt_lr_schedule sched = ggml_opt_lr_schedule_default();
//   sched.type = GGML_OPT_LR_SCHEDULE_COSINE; sched.lr = 3e-3f; sched.lr_min = 1e-5f;
//   sched.warmup_steps = 100; sched.total_steps = nepoch * steps_per_epoch;
//   params.get_opt_pars = ggml_opt_get_scheduled_params; params.get_opt_pars_ud = &sched;
//   ggml_opt_context_t ctx = ggml_opt_init(params);
//   sched.opt_ctx = ctx;  // the schedule reads the context's step count
// Step s (0-based) gets lr*(s+1)/warmup_steps while s < warmup_steps; afterwards, with
// t = (s - warmup_steps)/(total_steps - warmup_steps) clamped to [0, 1]:
//   CONSTANT lr
//   COSINE   lr_min + (lr - lr_min)*(1 + cos(pi*t))/2
//   LINEAR   lr + (lr_min - lr)*t
//   STEP     max(lr_min, lr * decay_factor^floor((s - warmup_steps)/decay_steps))
// The other hyperparameters (betas, eps, weight decay) come from base for every step.
enum ggml_opt_lr_schedule_type {
    GGML_OPT_LR_SCHEDULE_CONSTANT = 0,
    GGML_OPT_LR_SCHEDULE_COSINE   = 1,
    GGML_OPT_LR_SCHEDULE_LINEAR   = 2,
    GGML_OPT_LR_SCHEDULE_STEP     = 3,
};

struct ggml_opt_lr_schedule {
    enum ggml_opt_lr_schedule_type   type;
    struct ggml_opt_optimizer_params base;   // everything but the learning rate
    float   lr;            // peak learning rate, > 0
    float   lr_min;        // COSINE/LINEAR: the final rate; STEP: the floor; >= 0
    int64_t warmup_steps;  // >= 0
    int64_t total_steps;   // COSINE/LINEAR: the step at which lr_min is reached
    int64_t decay_steps;   // STEP: steps between two decays, > 0
    float   decay_factor;  // STEP: factor per decay, in (0, 1]
    ggml_opt_context_t opt_ctx; // whose step count drives the schedule; NULL: step 0
};

// CONSTANT at ggml's default AdamW/SGD hyperparameters, lr 1e-3, no warmup, decay_factor 0.1.
GGML_API struct ggml_opt_lr_schedule ggml_opt_lr_schedule_default(void);

// The learning rate of 0-based optimizer step `step`.
GGML_API float ggml_opt_lr_schedule_value(const struct ggml_opt_lr_schedule * sched, int64_t step);

// get_opt_pars for a schedule: userdata is a struct ggml_opt_lr_schedule *; the learning rate
// of the step about to run (ggml_opt_get_step(sched->opt_ctx)) goes into adamw.alpha and sgd.alpha.
GGML_API struct ggml_opt_optimizer_params ggml_opt_get_scheduled_params(void * userdata);

// "constant", "cosine", "linear", "step"; parse returns false for any other name.
GGML_API const char * ggml_opt_lr_schedule_name(enum ggml_opt_lr_schedule_type type);
GGML_API bool         ggml_opt_lr_schedule_parse(const char * name, enum ggml_opt_lr_schedule_type * type);

// Training checkpoints: everything an exact resume needs, in one GGUF file (version 3):
//   keys   opt.checkpoint.version  u32     1
//          opt.optimizer           string  "adamw" or "sgd"
//          opt.step                i64     optimizer steps done
//          opt.opt_period          i32     physical batches per optimizer step
//          opt.epoch               i64     epochs completed
//          opt.batch               i64     optimizer steps done in the current epoch
//          opt.prng.state          u64[4]  the shuffle generator's xoshiro256** state
//          opt.dataset.ndata       i64     datapoints of the dataset
//          opt.dataset.ndata_shard i64     datapoints per shard
//          opt.lr_schedule.type    string  constant, cosine, linear or step
//          opt.lr_schedule.lr, .lr_min, .decay_factor                 f32
//          opt.lr_schedule.warmup_steps, .total_steps, .decay_steps   i64
//          opt.adamw.beta1, .beta2, .eps, .wd; opt.sgd.wd             f32
//          plus any keys of the caller's `extra` context (e.g. general.architecture)
//   tensors every parameter under its own name (type and shape as in the model); with AdamW,
//          NAME.adamw_m and NAME.adamw_v (F32, the parameter's shape); opt.dataset.permutation
//          (I64, one shard index per shard: the current order).
// Saving is atomic (temporary file, then rename) and needs a step boundary (no gradients
// accumulated but not yet applied). Loading checks the optimizer, the accumulation period, the
// dataset's sizes and every tensor's name, type and shape, and changes nothing unless all of it
// matches; on failure err (of err_size bytes) names what differs.
struct ggml_opt_checkpoint_info {
    int64_t epoch;  // epochs completed
    int64_t batch;  // optimizer steps done in the current epoch (0 at an epoch boundary)
    struct ggml_opt_lr_schedule schedule; // opt_ctx is not stored
};

GGML_API bool ggml_opt_checkpoint_save(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset,
                                       const struct ggml_opt_checkpoint_info * info, const struct gguf_context * extra,
                                       const char * fname, char * err, size_t err_size);
GGML_API bool ggml_opt_checkpoint_load(ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset,
                                       struct ggml_opt_checkpoint_info * info, const char * fname,
                                       char * err, size_t err_size);

// ggml_opt_alloc and ggml_opt_epoch that report running out of memory instead of aborting
// (not in ggml): when the memory of a step, or of the context's persistent tensors (allocated
// by ggml_opt_init with static graphs, otherwise by the first ggml_opt_alloc), cannot be
// allocated, the reason goes to the log and they return false; the context is then only good
// for ggml_opt_free.
GGML_API bool ggml_opt_alloc_checked(ggml_opt_context_t opt_ctx, bool backward);
GGML_API bool ggml_opt_epoch_checked(
        ggml_opt_context_t      opt_ctx,
        ggml_opt_dataset_t      dataset,
        ggml_opt_result_t       result_train,
        ggml_opt_result_t       result_eval,
        int64_t                 idata_split,
        ggml_opt_epoch_callback callback_train,
        ggml_opt_epoch_callback callback_eval);

#ifdef __cplusplus
}
#endif
