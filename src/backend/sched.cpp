// The scheduler: runs one graph over several backends.
//
//   1. placement: every tensor gets a backend. Tensors that already have memory stay with the
//      backend owning that memory (views follow their source); graph inputs and other leaves
//      without memory go to the CPU (the last backend); an op goes to the first backend, in
//      priority order, that supports it, starting from the backend of its weights if it has any.
//   2. splits: runs of consecutive nodes on the same backend. A source the split's backend cannot
//      read where it lives gets a copy in that backend's memory, made just before the split runs.
//   3. allocation: one graph allocator with a buffer per backend; while it plans (and while each
//      split runs) the nodes' sources point at the copies; afterwards the user's graph is as it was.

#include "backend/backend-impl.h"

#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

// ggml's number of input copies for pipeline parallelism (a build option there, 4 by default).
#ifndef GGML_SCHED_MAX_COPIES
#    define GGML_SCHED_MAX_COPIES 4
#endif

namespace {

struct sched_copy {
    ggml_tensor * src;
    ggml_tensor * copy;
};

struct sched_substitution {
    ggml_tensor * node;
    int           slot;
    ggml_tensor * original;
    ggml_tensor * copy;
};

struct sched_split {
    int                             backend_id;
    std::vector<ggml_tensor *>      nodes;  // nodes to compute, in order
    std::vector<sched_copy>         inputs; // copied in before the split runs
    std::vector<sched_substitution> subs;   // sources redirected to the copies
};

bool node_is_computed(const ggml_tensor * node) { return !ggml_node_computes_nothing(node); }

ggml_tensor * memory_owner(ggml_tensor * t) { return t->view_src ? t->view_src : t; }

} // namespace

struct ggml_backend_sched {
    std::vector<ggml_backend_t>             backends;
    std::vector<ggml_backend_buffer_type_t> bufts;
    ggml_gallocr_t                          galloc = nullptr;
    size_t                                  graph_size = 0;

    std::unordered_map<const ggml_tensor *, int> user_backend; // set_tensor_backend
    std::unordered_map<const ggml_tensor *, int> backend_of;   // placement of the current graph

    ggml_context *           ctx = nullptr; // copies and the allocation graph
    ggml_cgraph *            alloc_graph = nullptr;
    std::vector<int>         node_ids, leaf_ids;
    std::vector<sched_split> splits;
    int                      n_input_copies = 0; // inputs copied across backends, current graph
    int                      n_copies = 1;       // copies of each split's inputs kept (ggml: 4 when parallel)
    bool                     op_offload = false; // higher-priority backends may take ops on host weights

    ggml_cgraph * allocated_graph = nullptr;
    bool          is_alloc = false;

    ggml_backend_sched_eval_callback eval_callback = nullptr;
    void *                           eval_callback_data = nullptr;

    int n() const { return (int) backends.size(); }

    int backend_index(ggml_backend_t backend) const {
        for (int i = 0; i < n(); ++i) if (backends[i] == backend) return i;
        return -1;
    }

    // The backend that owns memory of this buffer type: the one using it for compute, else the
    // first that can use it. Memory no backend can use is read through copies; the CPU stands
    // in as its owner.
    int backend_for_buft(ggml_backend_buffer_type_t buft) const {
        for (int i = 0; i < n(); ++i) if (bufts[i] == buft) return i;
        for (int i = 0; i < n(); ++i) if (ggml_backend_supports_buft(backends[i], buft)) return i;
        return n() - 1;
    }

    // Memory that is not the scheduler's own: weights, inputs allocated by the caller. (Tensors
    // in the scheduler's compute buffers, left from an earlier allocation, are placed afresh.)
    bool has_external_memory(const ggml_tensor * owner) const {
        return owner->buffer && !ggml_gallocr_owns_buffer(galloc, owner->buffer);
    }

    // Backend id where t's memory is (or will be), -1 if not placed yet.
    int location(ggml_tensor * t) const {
        ggml_tensor * owner = memory_owner(t);
        if (has_external_memory(owner)) return backend_for_buft(owner->buffer->buft);
        auto it = backend_of.find(owner);
        return it == backend_of.end() ? -1 : it->second;
    }

    ggml_backend_buffer_type_t buft_of(ggml_tensor * t) const {
        ggml_tensor * owner = memory_owner(t);
        if (has_external_memory(owner)) return owner->buffer->buft;
        const int id = location(t);
        return id >= 0 ? bufts[id] : nullptr;
    }

    int user_choice(const ggml_tensor * t) const {
        auto it = user_backend.find(t);
        return it == user_backend.end() ? -1 : it->second;
    }

    int place_op(ggml_tensor * node) const {
        int first = 0;
        for (int s = 0; s < GGML_MAX_SRC; ++s) {
            ggml_tensor * src = node->src[s];
            if (!src) continue;
            ggml_tensor * owner = memory_owner(src);
            if (owner->buffer && owner->buffer->usage == GGML_BACKEND_BUFFER_USAGE_WEIGHTS) {
                first = backend_for_buft(owner->buffer->buft);
                // weights in host memory of the last backend (the CPU): a higher-priority backend
                // that supports the op and asks for it (offload_op) takes it, as ggml's scheduler does
                if (op_offload && first == n() - 1 && ggml_backend_buft_is_host(owner->buffer->buft)) {
                    for (int b = 0; b < first; ++b) {
                        if (ggml_backend_supports_op(backends[b], node) && ggml_backend_offload_op(backends[b], node)) return b;
                    }
                }
                break;
            }
        }
        for (int b = first; b < n(); ++b) {
            if (ggml_backend_supports_op(backends[b], node)) return b;
        }
        char shape[128];
        GGML_ABORT("scheduler: no backend supports op %s of node '%s' %s", ggml_op_desc(node), node->name,
                   ggml_shape_str(node, shape, sizeof(shape)));
    }

    void assign(ggml_cgraph * graph) {
        backend_of.clear();
        const int cpu = n() - 1;
        auto place_leaf = [&](ggml_tensor * t) {
            int id = user_choice(t);
            if (id < 0) id = has_external_memory(memory_owner(t)) ? location(t) : cpu;
            backend_of[t] = id;
        };
        for (int i = 0; i < graph->n_leafs; ++i) place_leaf(graph->leafs[i]);
        for (int i = 0; i < graph->n_nodes; ++i) {
            ggml_tensor * node = graph->nodes[i];
            // sources that are in neither list (graph views) are placed like leaves
            for (int s = 0; s < GGML_MAX_SRC; ++s) {
                ggml_tensor * src = node->src[s];
                if (src && backend_of.find(src) == backend_of.end() && location(src) < 0) place_leaf(src);
            }
            int id = user_choice(node);
            if (id < 0) {
                if (node->view_src || has_external_memory(node)) {
                    id = location(node); // views and in-place results run where their memory is
                    if (id < 0) id = cpu;
                } else if (node->op == GGML_OP_NONE) {
                    id = cpu;
                } else {
                    id = place_op(node);
                }
            }
            const ggml_tensor * owner = memory_owner(node);
            if (node_is_computed(node) && has_external_memory(owner) && !ggml_backend_supports_buft(backends[id], owner->buffer->buft)) {
                GGML_ABORT("scheduler: node '%s' (%s) writes into a %s buffer that backend %s cannot use", node->name,
                           ggml_op_desc(node), ggml_backend_buffer_name(owner->buffer), ggml_backend_name(backends[id]));
            }
            if (node_is_computed(node) && !ggml_backend_supports_op(backends[id], node)) {
                char shape[128];
                GGML_ABORT("scheduler: node '%s' (%s %s) must run on backend %s, where its memory is, but that "
                           "backend does not support the op", node->name, ggml_op_desc(node),
                           ggml_shape_str(node, shape, sizeof(shape)), ggml_backend_name(backends[id]));
            }
            backend_of[node] = id;
        }
    }

    void build_splits(ggml_cgraph * graph) {
        splits.clear();
        n_input_copies = 0;
        struct pending_copy { int split; ggml_tensor * node; int slot; };
        std::vector<pending_copy> pending;
        for (int i = 0; i < graph->n_nodes; ++i) {
            ggml_tensor * node = graph->nodes[i];
            if (!node_is_computed(node)) continue;
            const int id = backend_of[node];
            if (splits.empty() || splits.back().backend_id != id) splits.push_back(sched_split{id, {}, {}, {}});
            splits.back().nodes.push_back(node);
            for (int s = 0; s < GGML_MAX_SRC; ++s) {
                ggml_tensor * src = node->src[s];
                if (!src) continue;
                ggml_backend_buffer_type_t buft = buft_of(src);
                GGML_ASSERT(buft);
                if (!ggml_backend_supports_buft(backends[id], buft)) pending.push_back({(int) splits.size() - 1, node, s});
            }
        }

        // the copies, in one context sized for them and the allocation graph
        if (ctx) ggml_free(ctx);
        const size_t graph_nodes = (size_t) graph->n_nodes + pending.size();
        const size_t graph_cap = std::max<size_t>(std::max(graph_nodes, (size_t) graph->n_leafs), 1);
        ggml_init_params params = {pending.size() * ggml_tensor_overhead() + ggml_graph_overhead_custom(graph_cap, false) + 1024,
                                   nullptr, true};
        ctx = ggml_init(params);
        GGML_ASSERT(ctx);

        for (const pending_copy & p : pending) {
            sched_split & split = splits[p.split];
            ggml_tensor * src = p.node->src[p.slot];
            ggml_tensor * copy = nullptr;
            for (const sched_copy & c : split.inputs) if (c.src == src) copy = c.copy;
            if (!copy) {
                copy = ggml_new_tensor(ctx, src->type, GGML_MAX_DIMS, src->ne);
                for (int d = 0; d < GGML_MAX_DIMS; ++d) copy->nb[d] = src->nb[d]; // a raw copy keeps the layout
                ggml_format_name(copy, "%s#%s#%d", ggml_backend_name(backends[split.backend_id]), src->name, p.split);
                backend_of[copy] = split.backend_id;
                split.inputs.push_back({src, copy});
                n_input_copies++;
            }
            split.subs.push_back({p.node, p.slot, src, copy});
        }

        // allocation order: each split's copies just before its first node
        alloc_graph = ggml_new_graph_custom(ctx, graph_cap, false);
        node_ids.clear();
        leaf_ids.clear();
        std::unordered_map<const ggml_tensor *, int> first_node_of_split;
        for (size_t s = 0; s < splits.size(); ++s) first_node_of_split[splits[s].nodes.front()] = (int) s;
        for (int i = 0; i < graph->n_nodes; ++i) {
            ggml_tensor * node = graph->nodes[i];
            auto it = first_node_of_split.find(node);
            if (it != first_node_of_split.end()) {
                for (const sched_copy & c : splits[it->second].inputs) {
                    alloc_graph->nodes[alloc_graph->n_nodes++] = c.copy;
                    node_ids.push_back(splits[it->second].backend_id);
                }
            }
            alloc_graph->nodes[alloc_graph->n_nodes++] = node;
            node_ids.push_back(backend_of[node]);
        }
        for (int i = 0; i < graph->n_leafs; ++i) {
            alloc_graph->leafs[alloc_graph->n_leafs++] = graph->leafs[i];
            leaf_ids.push_back(backend_of[graph->leafs[i]]);
        }
    }

    // Points the split's nodes at the copies (or back at the originals).
    static void substitute(const sched_split & split, bool on) {
        for (const sched_substitution & s : split.subs) s.node->src[s.slot] = on ? s.copy : s.original;
    }

    void substitute(bool on) {
        for (const sched_split & split : splits) substitute(split, on);
    }

    void split_graph(ggml_cgraph * graph) {
        assign(graph);
        build_splits(graph);
    }

    bool allocate(bool place_tensors) {
        substitute(true);
        const bool ok = place_tensors
                            ? ggml_gallocr_reserve_and_alloc_n(galloc, alloc_graph, node_ids.data(), leaf_ids.data())
                            : ggml_gallocr_reserve_n(galloc, alloc_graph, node_ids.data(), leaf_ids.data());
        substitute(false);
        return ok;
    }

    ggml_status compute_split(sched_split & split) {
        ggml_backend_t backend = backends[split.backend_id];
        for (const sched_copy & c : split.inputs) ggml_backend_tensor_copy(c.src, c.copy);
        substitute(split, true);

        ggml_status status = GGML_STATUS_SUCCESS;
        const int count = (int) split.nodes.size();
        for (int i = 0; i < count && status == GGML_STATUS_SUCCESS;) {
            // with an eval callback, stop after each node the caller wants to look at
            int j = count - 1;
            bool wanted = false;
            if (eval_callback) {
                for (j = i; j < count; ++j) {
                    if (eval_callback(split.nodes[j], true, eval_callback_data)) { wanted = true; break; }
                }
                if (j == count) j = count - 1;
            }
            ggml_cgraph part = {};
            part.whole = allocated_graph; // later splits and parts may read this part's results
            part.size = j - i + 1;
            part.n_nodes = j - i + 1;
            part.nodes = split.nodes.data() + i;
            status = ggml_backend_graph_compute(backend, &part);
            if (status == GGML_STATUS_SUCCESS && wanted && !eval_callback(split.nodes[j], false, eval_callback_data)) {
                status = GGML_STATUS_ABORTED;
            }
            i = j + 1;
        }

        substitute(split, false);
        return status;
    }

    void reset() {
        backend_of.clear();
        user_backend.clear();
        splits.clear();
        n_input_copies = 0;
        allocated_graph = nullptr;
        is_alloc = false;
    }
};

ggml_backend_sched_t ggml_backend_sched_new(ggml_backend_t * backends, ggml_backend_buffer_type_t * bufts, int n_backends,
                                            size_t graph_size, bool parallel, bool op_offload) {
    GGML_ASSERT(n_backends >= 1);
    GGML_ASSERT(ggml_backend_dev_type(ggml_backend_get_device(backends[n_backends - 1])) == GGML_BACKEND_DEVICE_TYPE_CPU &&
                "the last backend of a scheduler must be a CPU backend");
    ggml_backend_sched * sched = new ggml_backend_sched;
    sched->graph_size = graph_size;
    // As in ggml: with parallel, GGML_SCHED_MAX_COPIES copies of the split inputs are reported.
    // Splits still run one after another here, so one set of copies is used.
    sched->n_copies = parallel ? GGML_SCHED_MAX_COPIES : 1;
    sched->op_offload = op_offload;
    for (int i = 0; i < n_backends; ++i) {
        sched->backends.push_back(backends[i]);
        ggml_backend_buffer_type_t buft = bufts && bufts[i] ? bufts[i] : ggml_backend_get_default_buffer_type(backends[i]);
        GGML_ASSERT(ggml_backend_supports_buft(backends[i], buft) && "a backend cannot use the buffer type given for it");
        sched->bufts.push_back(buft);
    }
    sched->galloc = ggml_gallocr_new_n(sched->bufts.data(), n_backends);
    return sched;
}

void ggml_backend_sched_free(ggml_backend_sched_t sched) {
    if (!sched) return;
    ggml_gallocr_free(sched->galloc);
    if (sched->ctx) ggml_free(sched->ctx);
    delete sched;
}

bool ggml_backend_sched_reserve(ggml_backend_sched_t sched, ggml_cgraph * measure_graph) {
    sched->split_graph(measure_graph);
    const bool ok = sched->allocate(false);
    sched->reset();
    return ok;
}

int ggml_backend_sched_get_n_backends(ggml_backend_sched_t sched) { return sched->n(); }

ggml_backend_t ggml_backend_sched_get_backend(ggml_backend_sched_t sched, int i) {
    GGML_ASSERT(i >= 0 && i < sched->n());
    return sched->backends[i];
}

int ggml_backend_sched_get_n_splits(ggml_backend_sched_t sched) { return (int) sched->splits.size(); }
int ggml_backend_sched_get_n_copies(ggml_backend_sched_t sched) { return sched->n_copies; }
int ggml_backend_sched_get_n_input_copies(ggml_backend_sched_t sched) { return sched->n_input_copies; }

size_t ggml_backend_sched_get_buffer_size(ggml_backend_sched_t sched, ggml_backend_t backend) {
    const int i = sched->backend_index(backend);
    GGML_ASSERT(i >= 0 && "backend not in the scheduler");
    return ggml_gallocr_get_buffer_size(sched->galloc, i);
}

void ggml_backend_sched_set_tensor_backend(ggml_backend_sched_t sched, ggml_tensor * node, ggml_backend_t backend) {
    const int i = sched->backend_index(backend);
    GGML_ASSERT(i >= 0 && "backend not in the scheduler");
    sched->user_backend[node] = i;
}

ggml_backend_t ggml_backend_sched_get_tensor_backend(ggml_backend_sched_t sched, ggml_tensor * node) {
    auto it = sched->backend_of.find(node);
    if (it != sched->backend_of.end()) return sched->backends[it->second];
    auto user = sched->user_backend.find(node);
    return user == sched->user_backend.end() ? nullptr : sched->backends[user->second];
}

bool ggml_backend_sched_alloc_graph(ggml_backend_sched_t sched, ggml_cgraph * graph) {
    sched->split_graph(graph);
    if (!sched->allocate(true)) return false;
    sched->allocated_graph = graph;
    sched->is_alloc = true;
    return true;
}

ggml_status ggml_backend_sched_graph_compute_async(ggml_backend_sched_t sched, ggml_cgraph * graph) {
    if (!sched->is_alloc || sched->allocated_graph != graph) {
        if (!ggml_backend_sched_alloc_graph(sched, graph)) return GGML_STATUS_ALLOC_FAILED;
    }
    for (sched_split & split : sched->splits) {
        const ggml_status status = sched->compute_split(split);
        if (status != GGML_STATUS_SUCCESS) return status;
    }
    return GGML_STATUS_SUCCESS;
}

ggml_status ggml_backend_sched_graph_compute(ggml_backend_sched_t sched, ggml_cgraph * graph) {
    const ggml_status status = ggml_backend_sched_graph_compute_async(sched, graph);
    ggml_backend_sched_synchronize(sched);
    return status;
}

void ggml_backend_sched_synchronize(ggml_backend_sched_t sched) {
    for (ggml_backend_t b : sched->backends) ggml_backend_synchronize(b);
}

void ggml_backend_sched_reset(ggml_backend_sched_t sched) { sched->reset(); }

void ggml_backend_sched_set_eval_callback(ggml_backend_sched_t sched, ggml_backend_sched_eval_callback callback, void * user_data) {
    sched->eval_callback = callback;
    sched->eval_callback_data = user_data;
}
