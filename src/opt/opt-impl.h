#pragma once

// The objects behind ggml-opt.h's handles, shared by the files of src/opt/.

#include "ggml-opt.h"
#include "ggml-opt-augment.h"
#include "opt/opt-prng.h"

#include <string>
#include <vector>

struct ggml_opt_dataset {
    ggml_context *        ctx    = nullptr; // holds the two tensors' metadata
    ggml_backend_buffer_t buf    = nullptr; // host memory of both tensors
    ggml_tensor *         data   = nullptr; // [ne_datapoint, ndata]
    ggml_tensor *         labels = nullptr; // [ne_label, ndata] or NULL

    int64_t ndata        = 0;
    int64_t ndata_shard  = 0;
    size_t  nbs_data     = 0; // bytes of one shard of data
    size_t  nbs_labels   = 0; // bytes of one shard of labels

    std::vector<int64_t> permutation; // batch order: shard index at each position
    std::vector<char>    gathered;    // a shuffled batch put together for device memory, reused
    std::vector<char>    gathered_labels; // its labels, for a batch transform
    std::vector<const float *> sources;   // where each datapoint of an augmented batch comes from
};

struct ggml_opt_context {
    ggml_backend_sched_t backend_sched = nullptr;

    bool                     static_graphs = false;
    ggml_opt_loss_type       loss_type     = GGML_OPT_LOSS_TYPE_SUM;
    ggml_opt_build_type      build_type    = GGML_OPT_BUILD_TYPE_OPT; // the furthest graph this context builds
    ggml_opt_optimizer_type  optimizer     = GGML_OPT_OPTIMIZER_TYPE_ADAMW;
    int32_t                  opt_period    = 1;
    int32_t                  grad_checkpoint_interval = 0;
    ggml_opt_get_optimizer_params get_opt_pars    = nullptr;
    void *                        get_opt_pars_ud = nullptr;

    // the user's forward graph and the tensors built around it
    ggml_context * ctx_compute = nullptr;
    ggml_cgraph *  gf          = nullptr; // forward: outputs, loss, pred, ncorrect
    ggml_cgraph *  gb_grad     = nullptr; // gf + backward pass
    ggml_cgraph *  gb_opt      = nullptr; // gb_grad + optimizer steps
    ggml_tensor *  inputs      = nullptr;
    ggml_tensor *  outputs     = nullptr;
    ggml_tensor *  labels      = nullptr;
    ggml_tensor *  loss        = nullptr;
    ggml_tensor *  pred        = nullptr;
    ggml_tensor *  ncorrect    = nullptr;
    bool           loss_per_datapoint = false; // scaled by 1/opt_period in the graph

    // tensors that live across steps: gradient accumulators, optimizer moments, step parameters
    // (and with static graphs the loss tensors and labels), all in one buffer
    ggml_context *              ctx_static = nullptr;
    ggml_backend_buffer_t       buf_static = nullptr;
    std::vector<ggml_tensor *>  grad_accs; // per gf node: accumulator or NULL
    std::vector<ggml_tensor *>  grad_m;    // per gf node: AdamW first moment or NULL
    std::vector<ggml_tensor *>  grad_v;    // per gf node: AdamW second moment or NULL
    ggml_tensor *               grad_acc_loss   = nullptr; // the loss's gradient, 1 after a reset
    ggml_tensor *               opt_step_params = nullptr; // AdamW [7] or SGD [2]

    // allocation state between ggml_opt_alloc and ggml_opt_eval
    ggml_context * ctx_copy             = nullptr; // holds allocated_graph_copy (static graphs)
    ggml_cgraph *  allocated_graph      = nullptr; // gf, gb_grad or gb_opt
    ggml_cgraph *  allocated_graph_copy = nullptr; // what the scheduler allocated and runs
    bool           eval_ready           = false;
    bool           out_of_memory        = false; // the persistent tensors could not be allocated

    int64_t iter  = 1; // optimizer steps done + 1, for AdamW's bias correction
    int32_t opt_i = 0; // backward steps done in the current accumulation period

    ggml_opt_prng rng;
};

struct ggml_opt_result {
    int64_t              ndata    = 0;
    std::vector<float>   loss;          // per physical batch, as computed by the graph
    std::vector<int32_t> pred;
    int64_t              ncorrect = 0;  // -1 once a batch without ncorrect was added

    int64_t opt_period         = -1;
    bool    loss_per_datapoint = false;
};

// Builds the context's graphs from gf, inputs and outputs, up to the graph of type upto; the
// first call also creates and allocates the persistent tensors.
void ggml_opt_build(ggml_opt_context * opt_ctx, ggml_opt_build_type upto);

// A copy of graph whose tensor structs are new (in ctx) but share the originals' memory, so the
// scheduler can allocate it without touching the original tensors, which stay unallocated for
// the other graphs built from them.
ggml_cgraph * ggml_opt_graph_copy(ggml_context * ctx, ggml_cgraph * graph);
size_t        ggml_opt_graph_copy_mem_size(const ggml_cgraph * graph);

// Zeroes the gradient accumulators and sets the loss's gradient to 1; with momenta, also zeroes
// the optimizer moments.
void ggml_opt_reset_static_tensors(ggml_opt_context * opt_ctx, bool momenta);

// Empty string when the hyperparameters are usable by the optimizer, otherwise what is wrong.
// Writes into buf and returns it.
const char * ggml_opt_check_optimizer_params(ggml_opt_optimizer_type optimizer,
                                             const ggml_opt_optimizer_params & pars,
                                             char * buf, size_t size);

// The progress line without the terminal control characters (see the progress bar callback).
// elapsed_us is the time since the phase started.
std::string ggml_opt_format_progress(bool train, int64_t ibatch, int64_t ibatch_max, int64_t batch_size,
                                     double loss, double loss_unc, double accuracy, double accuracy_unc,
                                     int64_t elapsed_us);

// Data (and labels, when it has them) of type F32, as batch transforms need.
bool ggml_opt_dataset_is_f32(const ggml_opt_dataset * dataset);

// ggml_opt_augment_images with image i read from src[i] (src NULL: from data, in place); the
// images go to data.
void ggml_opt_augment_images_from(const ggml_opt_augment_params * p, const float * const * src, float * data, int64_t n,
                                  int64_t ifirst);

// HH:MM:SS (hours may take more digits).
std::string ggml_opt_format_hms(int64_t us);
