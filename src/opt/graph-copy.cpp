// Copies of static graphs for allocation. The scheduler gives memory to every tensor of a graph
// that has none; the context's three graphs share most tensors, so allocating one of them in
// place would leave the others pointing at memory that the next allocation reuses. Allocating a
// copy leaves the originals untouched.

#include "opt/opt-impl.h"

#include "core/ggml-impl.h"

#include <unordered_map>

namespace {

struct graph_copier {
    ggml_context * ctx;
    std::unordered_map<const ggml_tensor *, ggml_tensor *> copies;

    ggml_tensor * copy(ggml_tensor * t) {
        if (!t) return nullptr;
        auto it = copies.find(t);
        if (it != copies.end()) return it->second;

        ggml_tensor * c = ggml_dup_tensor(ctx, t);
        copies[t] = c;
        for (int i = 0; i < GGML_MAX_DIMS; ++i) c->nb[i] = t->nb[i];
        c->op     = t->op;
        memcpy(c->op_params, t->op_params, sizeof(t->op_params));
        c->flags  = t->flags;
        c->data   = t->data;   // tensors that already have memory keep it
        c->buffer = t->buffer;
        c->extra  = t->extra;
        c->view_offs = t->view_offs;
        memcpy(c->name, t->name, sizeof(t->name));
        c->view_src = copy(t->view_src);
        for (int i = 0; i < GGML_MAX_SRC; ++i) c->src[i] = copy(t->src[i]);
        return c;
    }
};

} // namespace

size_t ggml_opt_graph_copy_mem_size(const ggml_cgraph * graph) {
    // view sources that are neither nodes nor leafs are copied too, hence the margin
    const size_t n_tensors = 2 * (size_t) (graph->n_nodes + graph->n_leafs) + 16;
    return n_tensors * ggml_tensor_overhead() + ggml_graph_overhead_custom(graph->size, false);
}

ggml_cgraph * ggml_opt_graph_copy(ggml_context * ctx, ggml_cgraph * graph) {
    graph_copier copier = { ctx, {} };
    ggml_cgraph * result = ggml_new_graph_custom(ctx, graph->size, false);
    // leafs first, then nodes in order: expanding each one in turn reproduces the same order
    for (int i = 0; i < graph->n_leafs; ++i) ggml_build_forward_expand(result, copier.copy(graph->leafs[i]));
    for (int i = 0; i < graph->n_nodes; ++i) ggml_build_forward_expand(result, copier.copy(graph->nodes[i]));
    GGML_ASSERT(result->n_nodes == graph->n_nodes && result->n_leafs == graph->n_leafs);
    return result;
}
