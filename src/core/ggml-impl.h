#pragma once

// Internal interfaces shared by the core, the operators and the backends. Not installed.
//
// Layers (docs/ARCHITECTURE.md): src/core (tensors, graphs, autodiff, the fusion matcher) <-
// src/ops (operator definitions) <- src/reference (plain reference kernels, backend-neutral) and
// src/backend (devices, buffers, allocator, scheduler) <- one folder per backend (src/cpu, ...)
// holding that backend's kernels. Operators know no backend.
//
// Adding an operator touches:
//   - its op file in src/ops/: the public constructor (checks shapes with GGML_CHECK_OP, builds
//     the result with ggml_new_op_tensor), the gradient rule where differentiable
//     (void backward(ggml_backward_step &)) and its ggml_op_traits object;
//   - the op list in src/ops/registry.cpp: one line with the op's facts (view, in place, sources
//     that are not differentiable), which the allocator, autodiff and backends all read;
//   - one kernel file per backend that runs it, and that backend's kernel table (for the CPU:
//     a cpu_kernel entry in src/cpu/kernels/<family>.cpp and one line in
//     src/cpu/kernel-table.cpp). A CPU kernel with vector paths takes the instruction set from
//     ggml_compute_params::isa (src/cpu/cpu-isa.h: the one place that detects the processor's
//     features); where it also has plain loops that tests compare the vector paths with, those
//     go to src/reference/ and the kernel calls them where no vector path applies.

#include "ggml.h"
#include "ggml-escape.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

// ---------------------------------------------------------------------------------------------
// error reporting: every abort message of the library goes through here

// Aborts naming the op, the condition that failed and the shapes of the tensors involved.
[[noreturn]] void ggml_op_misuse(const char * file, int line, const char * op, const char * what,
                                 const ggml_tensor * a, const ggml_tensor * b = nullptr,
                                 const ggml_tensor * c = nullptr);

#define GGML_CHECK_OP(cond, op, a, ...) \
    do { if (!(cond)) ggml_op_misuse(__FILE__, __LINE__, op, #cond, a, ##__VA_ARGS__); } while (0)

void ggml_log_internal(ggml_log_level level, const char * fmt, ...) GGML_ATTRIBUTE_FORMAT(2, 3);
#define GGML_LOG_INFO(...)  ggml_log_internal(GGML_LOG_LEVEL_INFO,  __VA_ARGS__)
#define GGML_LOG_WARN(...)  ggml_log_internal(GGML_LOG_LEVEL_WARN,  __VA_ARGS__)
#define GGML_LOG_ERROR(...) ggml_log_internal(GGML_LOG_LEVEL_ERROR, __VA_ARGS__)

#define GGML_LOG_DEBUG(...) ggml_log_internal(GGML_LOG_LEVEL_DEBUG, __VA_ARGS__)

// Formats "[ne0, ne1, ne2, ne3] type" into buf.
const char * ggml_shape_str(const ggml_tensor * t, char * buf, size_t size);

// ---------------------------------------------------------------------------------------------
// contexts: an arena of objects (tensor structs, their data unless no_alloc, graphs)

enum ggml_object_kind { GGML_OBJECT_TENSOR, GGML_OBJECT_GRAPH, GGML_OBJECT_BUFFER };

struct ggml_object {
    size_t        offs; // payload offset in the arena
    size_t        size; // payload size
    ggml_object * next;
    int           kind;
    char          padding[4];
};

struct ggml_context {
    size_t        mem_size;
    void *        mem_buffer;
    bool          mem_buffer_owned;
    bool          no_alloc;
    int           n_objects;
    ggml_object * objects_begin;
    ggml_object * objects_end;
};

// ---------------------------------------------------------------------------------------------
// tensor helpers for operator constructors

// A new tensor of the given shape whose op and sources are set; data allocated per the context.
ggml_tensor * ggml_new_op_tensor(ggml_context * ctx, ggml_type type, int n_dims, const int64_t * ne,
                                 ggml_op op, ggml_tensor * src0 = nullptr, ggml_tensor * src1 = nullptr,
                                 ggml_tensor * src2 = nullptr);
// A view of a (same memory) with a's shape and strides, tagged with op; used by in-place ops.
ggml_tensor * ggml_new_inplace_op_tensor(ggml_context * ctx, ggml_tensor * a, ggml_op op,
                                         ggml_tensor * src0 = nullptr, ggml_tensor * src1 = nullptr,
                                         ggml_tensor * src2 = nullptr);
// A view of a: shares its memory at byte offset `offset`, with contiguous strides for ne.
ggml_tensor * ggml_new_view_tensor(ggml_context * ctx, ggml_tensor * a, int n_dims, const int64_t * ne, size_t offset);

inline void ggml_set_op_params(ggml_tensor * t, const void * params, size_t size) {
    GGML_ASSERT(size <= GGML_MAX_OP_PARAMS);
    memcpy(t->op_params, params, size);
}
inline int32_t ggml_get_op_params_i32(const ggml_tensor * t, int i) { return t->op_params[i]; }
inline float   ggml_get_op_params_f32(const ggml_tensor * t, int i) { float f; memcpy(&f, &t->op_params[i], 4); return f; }
inline void    ggml_set_op_params_i32(ggml_tensor * t, int i, int32_t v) { t->op_params[i] = v; }
inline void    ggml_set_op_params_f32(ggml_tensor * t, int i, float v) { memcpy(&t->op_params[i], &v, 4); }

// An F32 or F16 element as float, and back.
inline float ggml_load_float(const void * p, ggml_type type) {
    return type == GGML_TYPE_F32 ? *(const float *) p : ggml_fp16_to_fp32(*(const ggml_fp16_t *) p);
}

inline void ggml_store_float(void * p, ggml_type type, float v) {
    if (type == GGML_TYPE_F32) {
        *(float *) p = v;
    } else {
        *(ggml_fp16_t *) p = ggml_fp32_to_fp16(v);
    }
}

// Pointer to element (i0, i1, i2, i3) honouring strides.
inline void * ggml_element_ptr(const ggml_tensor * t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    return (char *) t->data + i0*t->nb[0] + i1*t->nb[1] + i2*t->nb[2] + i3*t->nb[3];
}

// The element types arithmetic ops accept (and that carry gradients).
inline bool ggml_is_float_type(ggml_type type) { return type == GGML_TYPE_F32 || type == GGML_TYPE_F16; }

// ---------------------------------------------------------------------------------------------
// graphs

struct ggml_hash_set {
    size_t         size;
    uint32_t *     used;  // bitset
    ggml_tensor ** keys;
};

constexpr size_t GGML_HASHSET_FULL           = SIZE_MAX;
constexpr size_t GGML_HASHSET_ALREADY_EXISTS = SIZE_MAX - 1;

size_t ggml_hash_size(size_t min_sz);
size_t ggml_hash_find(const ggml_hash_set * set, const ggml_tensor * key);     // slot of key, or the empty slot where it would go
bool   ggml_hash_contains(const ggml_hash_set * set, const ggml_tensor * key);
size_t ggml_hash_insert(ggml_hash_set * set, ggml_tensor * key);               // ALREADY_EXISTS if present
size_t ggml_hash_find_or_insert(ggml_hash_set * set, ggml_tensor * key);
inline bool ggml_bitset_get(const uint32_t * b, size_t i) { return (b[i >> 5] >> (i & 31)) & 1u; }
inline void ggml_bitset_set(uint32_t * b, size_t i)       { b[i >> 5] |= 1u << (i & 31); }
inline size_t ggml_bitset_words(size_t n)                 { return (n + 31) / 32; }

struct ggml_cgraph {
    int size;    // capacity of nodes and leafs
    int n_nodes;
    int n_leafs;

    ggml_tensor ** nodes;     // ops and parameters, in execution order
    ggml_tensor ** grads;     // per hash slot: gradient of that tensor, if any
    ggml_tensor ** grad_accs; // per hash slot: accumulator the gradient is summed into, if any
    ggml_tensor ** leafs;     // constants and inputs (op NONE, not parameters)
    ggml_hash_set  visited_hash_set;
    // For a view of part of a graph (a scheduler's split, ggml_graph_view), the whole graph: nodes
    // outside the view may still read this view's results (see ggml_use_counts in core/fusion.h).
    const ggml_cgraph * whole = nullptr;
};

// Views of a graph's nodes [i0, i1) (no grads); used by the scheduler to split graphs.
ggml_cgraph ggml_graph_view(ggml_cgraph * cgraph, int i0, int i1);

// ---------------------------------------------------------------------------------------------
// ops without a public constructor: built by gradient rules (and by tests)

// The gradients of ggml_conv_2d_direct(kernel, input, ...) with respect to its input (a tensor
// of shape input_ne) and its kernel (shape kernel_ne), given grad, the gradient of its output.
ggml_tensor * ggml_conv_2d_back_input(ggml_context * ctx, ggml_tensor * kernel, ggml_tensor * grad, const int64_t * input_ne,
                                      int s0, int s1, int p0, int p1, int d0, int d1);
ggml_tensor * ggml_conv_2d_back_kernel(ggml_context * ctx, ggml_tensor * input, ggml_tensor * grad, const int64_t * kernel_ne,
                                       int s0, int s1, int p0, int p1, int d0, int d1);

// ---------------------------------------------------------------------------------------------
// operator registry

struct ggml_compute_params {
    int    ith;   // this thread's index
    int    nth;   // number of threads running the node
    void * wdata; // scratch shared by the node's threads (work_size bytes)
    size_t wsize;
    // Waits until all nth threads reach it; for kernels with a phase every thread must finish first.
    void (*barrier)(void * barrier_ctx);
    void * barrier_ctx;
    // The instruction set the kernel runs with, chosen by whoever runs it: for the CPU's kernels
    // a cpu_isa (src/cpu/cpu-isa.h), which they follow rather than detect or look up one.
    int    isa;
};

// One reverse-mode step for one node: rules call add() for each source that needs a gradient.
struct ggml_backward_step {
    ggml_context * ctx;
    ggml_cgraph *  graph;
    ggml_tensor *  node;
    ggml_tensor *  grad;                 // gradient of node's output
    bool           needs[GGML_MAX_SRC];  // src i needs a gradient
    void add(int isrc, ggml_tensor * contribution) const; // defined in autodiff.cpp
};

// The share [i0, i1) of n work items that thread ith of nth handles: the one split every
// parallel kernel uses, so work is divided the same way everywhere.
inline void ggml_split_rows(int64_t n, int ith, int nth, int64_t & i0, int64_t & i1) {
    const int64_t per_thread = (n + nth - 1) / nth;
    i0 = per_thread * ith < n ? per_thread * ith : n;
    i1 = i0 + per_thread < n ? i0 + per_thread : n;
}

typedef void   (*ggml_forward_fn)(const ggml_compute_params * params, ggml_tensor * dst);
typedef void   (*ggml_backward_fn)(const ggml_backward_step & step);
typedef size_t (*ggml_work_size_fn)(const ggml_tensor * dst, int n_threads, int isa); // isa: as in ggml_compute_params

// What an operator is, independent of any backend: its names and its gradient rule.
struct ggml_op_traits {
    const char *     name;     // "ADD"
    const char *     symbol;   // "x+y"
    ggml_backward_fn backward; // NULL when not differentiable
};

const ggml_op_traits * ggml_get_op_traits(ggml_op op);

// Whether op is in the op list (an enum value of ggml.h that this library implements).
bool ggml_op_is_defined(ggml_op op);

// Facts about an op that the allocator, autodiff, the scheduler and every backend read; they are
// listed once, in the op list of src/ops/registry.cpp.
struct ggml_op_facts {
    bool    is_view;          // only reinterprets its source's memory (views, reshapes, permutes)
    bool    may_run_in_place; // a kernel may write its result over a source of the same layout
    uint8_t non_diff_srcs;    // bit i: src i gets no gradient through this op
};

const ggml_op_facts & ggml_get_op_facts(ggml_op op);

// True for ops that only reinterpret their source's memory (views, reshapes, permutes).
bool ggml_op_is_view(ggml_op op);

// Whether src isrc of node receives no gradient through it (op facts, and the piecewise-constant
// unary ops, whose derivative is zero almost everywhere).
bool ggml_op_src_is_not_differentiable(const ggml_tensor * node, int isrc);

// Nodes that compute nothing on any backend: leaves, views and empty tensors. The one test the
// scheduler and every backend's executor use.
bool ggml_node_computes_nothing(const ggml_tensor * node);
