#pragma once

// ggml-alloc.h: placing tensors in backend buffers.
//
// Usage:
//   // every tensor of a no_alloc context in one buffer of the backend:
//   ggml_backend_buffer_t weights = ggml_backend_alloc_ctx_tensors(ctx_weights, backend);
//
//   // a compute graph, with memory reused between tensors whose lifetimes do not overlap:
//   ggml_gallocr_t galloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend));
//   ggml_gallocr_reserve(galloc, worst_case_graph);   // optional: size the buffer once
//   ggml_gallocr_alloc_graph(galloc, graph);          // sets data of every unallocated tensor
//   ggml_backend_graph_compute(backend, graph);
//   ggml_gallocr_free(galloc);
//
// Tensors flagged with ggml_set_input() get memory no other tensor shares before them; tensors
// flagged with ggml_set_output() keep their memory until the next allocation. Tensors that
// already have data (weights, constants) are left where they are.

#include "ggml.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ggml_backend_buffer_type * ggml_backend_buffer_type_t;
typedef struct ggml_backend_buffer      * ggml_backend_buffer_t;
typedef struct ggml_backend             * ggml_backend_t;

// Linear allocator: places tensors one after another in a buffer, never frees.
struct ggml_tallocr {
    ggml_backend_buffer_t buffer;
    void * base;
    size_t alignment;
    size_t offset;
};

GGML_API struct ggml_tallocr ggml_tallocr_new(ggml_backend_buffer_t buffer);
GGML_API enum ggml_status    ggml_tallocr_alloc(struct ggml_tallocr * talloc, struct ggml_tensor * tensor);

// Graph allocator
typedef struct ggml_gallocr * ggml_gallocr_t;

GGML_API ggml_gallocr_t ggml_gallocr_new(ggml_backend_buffer_type_t buft);
GGML_API ggml_gallocr_t ggml_gallocr_new_n(ggml_backend_buffer_type_t * bufts, int n_bufs);
GGML_API void           ggml_gallocr_free(ggml_gallocr_t galloc);

// Sizes the buffers for a graph (typically the largest one that will be allocated) without
// touching the graph's tensors. Returns false if a buffer could not be allocated.
GGML_API bool ggml_gallocr_reserve(ggml_gallocr_t galloc, struct ggml_cgraph * graph);
// node_buffer_ids / leaf_buffer_ids: which buffer each node / leaf goes to (NULL: buffer 0).
GGML_API bool ggml_gallocr_reserve_n(ggml_gallocr_t galloc, struct ggml_cgraph * graph,
                                     const int * node_buffer_ids, const int * leaf_buffer_ids);

// With a single buffer, grows it when needed. With several buffers, returns false when the
// graph does not fit what ggml_gallocr_reserve_n prepared.
GGML_API bool ggml_gallocr_alloc_graph(ggml_gallocr_t galloc, struct ggml_cgraph * graph);

GGML_API size_t ggml_gallocr_get_buffer_size(ggml_gallocr_t galloc, int buffer_id);

// One buffer holding every not yet allocated tensor of ctx. NULL if there is nothing to allocate
// or the allocation failed.
GGML_API size_t                       ggml_backend_alloc_ctx_tensors_from_buft_size(struct ggml_context * ctx, ggml_backend_buffer_type_t buft);
GGML_API struct ggml_backend_buffer * ggml_backend_alloc_ctx_tensors_from_buft(struct ggml_context * ctx, ggml_backend_buffer_type_t buft);
GGML_API struct ggml_backend_buffer * ggml_backend_alloc_ctx_tensors(struct ggml_context * ctx, ggml_backend_t backend);

#ifdef __cplusplus
}
#endif
