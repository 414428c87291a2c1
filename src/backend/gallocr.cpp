// The graph allocator. It walks the graph in execution order, simulating the computation: a
// tensor gets an offset when first needed and gives its memory back once its last consumer has
// run (and every view of it is done). Element-wise ops may take over the memory of a source
// that nothing else needs any more (they then run in place). The offsets found this way size
// the buffers; applying them sets each tensor's buffer and data.

#include "backend/backend-impl.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace {

// Offsets inside one buffer: best-fit among freed blocks, else the top of the used range.
class offset_allocator {
public:
    explicit offset_allocator(size_t alignment) : alignment_(alignment) {}

    void reset() { free_.clear(); top_ = 0; peak_ = 0; }

    size_t alloc(size_t size) {
        size = GGML_PAD(size, alignment_);
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < free_.size(); ++i) {
            if (free_[i].size >= size && (best == SIZE_MAX || free_[i].size < free_[best].size)) best = i;
        }
        if (best != SIZE_MAX) {
            const size_t offset = free_[best].offset;
            free_[best].offset += size;
            free_[best].size -= size;
            if (free_[best].size == 0) free_.erase(free_.begin() + best);
            return offset;
        }
        const size_t offset = top_;
        top_ += size;
        peak_ = std::max(peak_, top_);
        return offset;
    }

    void free(size_t offset, size_t size) {
        size = GGML_PAD(size, alignment_);
        if (size == 0) return;
        auto it = std::lower_bound(free_.begin(), free_.end(), offset,
                                   [](const block & b, size_t off) { return b.offset < off; });
        it = free_.insert(it, block{offset, size});
        // merge with the following, then the preceding block
        if (it + 1 != free_.end() && it->offset + it->size == (it + 1)->offset) {
            it->size += (it + 1)->size;
            free_.erase(it + 1);
        }
        if (it != free_.begin() && (it - 1)->offset + (it - 1)->size == it->offset) {
            (it - 1)->size += it->size;
            it = free_.erase(it) - 1;
        }
        // a block reaching the top lowers the top instead
        if (it->offset + it->size == top_) {
            top_ = it->offset;
            free_.erase(it);
        }
    }

    size_t peak() const { return peak_; }

private:
    struct block { size_t offset, size; };
    size_t alignment_;
    std::vector<block> free_; // sorted by offset, never touching the top
    size_t top_ = 0;
    size_t peak_ = 0;
};

struct tensor_plan {
    int    buffer_id  = -1;
    size_t offset     = SIZE_MAX; // SIZE_MAX: no memory of its own here (view or pre-allocated)
    size_t size       = 0;
    int    n_children = 0;        // consumers not yet run
    int    n_views    = 0;        // views whose consumers have not all run
    bool   planned    = false;
    bool   holds      = false;    // currently owns its range (freed when the last use is done)
};

// Tensors whose contents the caller may still need: never overwritten by an in-place op.
bool must_keep(const ggml_tensor * t) {
    return t->flags & (GGML_TENSOR_FLAG_INPUT | GGML_TENSOR_FLAG_OUTPUT | GGML_TENSOR_FLAG_PARAM);
}

} // namespace

struct ggml_gallocr {
    std::vector<ggml_backend_buffer_type_t> bufts;
    std::vector<ggml_backend_buffer_t>      buffers;
    // Buffers replaced by larger ones: memory released, objects kept until the allocator is freed,
    // so tensors placed in them are still recognised as ours (and placed again) on the next
    // allocation instead of keeping pointers into freed memory.
    std::vector<ggml_backend_buffer_t>      retired;
    std::vector<offset_allocator>           allocators;

    std::unordered_map<const ggml_tensor *, tensor_plan> plans;
    std::vector<int> node_buffer_ids; // as given to the last reserve
    std::vector<int> leaf_buffer_ids;

    bool owns_buffer(const ggml_backend_buffer * b) const {
        for (ggml_backend_buffer_t own : buffers) if (own && own == b) return true;
        for (ggml_backend_buffer_t old : retired) if (old == b) return true;
        return false;
    }

    // Tensors this allocator places: not views, and either without memory or in its own buffers
    // (a graph allocated again gets fresh offsets).
    bool places(const ggml_tensor * t) const {
        return t->view_src == nullptr && (t->data == nullptr || owns_buffer(t->buffer));
    }

    tensor_plan & plan_of(const ggml_tensor * t) { return plans[t]; }

    void assign_memory(ggml_tensor * t) {
        tensor_plan & p = plan_of(t);
        if (p.planned) return;
        p.planned = true;
        if (t->view_src) {
            // a view lives in its source's memory, which must exist first
            if (places(t->view_src)) {
                tensor_plan & vp = plan_of(t->view_src);
                if (vp.buffer_id < 0) vp.buffer_id = p.buffer_id;
                assign_memory(t->view_src);
            }
            return;
        }
        if (!places(t)) return;
        GGML_ASSERT(p.buffer_id >= 0 && p.buffer_id < (int) bufts.size());
        p.size = ggml_backend_buft_get_alloc_size(bufts[p.buffer_id], t);
        p.offset = allocators[p.buffer_id].alloc(p.size);
        p.holds = true;
    }

    // Gives node the memory of a source it may overwrite, if any.
    bool try_in_place(ggml_tensor * node) {
        tensor_plan & np = plan_of(node);
        if (np.planned || node->view_src || !places(node) || !ggml_get_op_facts(node->op).may_run_in_place) return false;
        for (int s = 0; s < GGML_MAX_SRC; ++s) {
            ggml_tensor * parent = node->src[s];
            if (!parent || parent->op == GGML_OP_NONE || !ggml_backend_same_layout(node, parent)) continue;
            if (must_keep(parent)) continue;
            tensor_plan & pp = plan_of(parent);
            if (pp.n_children != 1 || pp.n_views != 0) continue;
            ggml_tensor * owner = parent;
            if (parent->view_src) {
                // the view must cover all of its source, and be the source's only remaining use
                owner = parent->view_src;
                tensor_plan & op = plan_of(owner);
                if (parent->view_offs != 0 || op.n_views != 1 || op.n_children != 0 ||
                    ggml_nbytes(owner) != ggml_nbytes(parent)) continue;
                if (must_keep(owner)) continue;
            }
            tensor_plan & op = plan_of(owner);
            if (!op.holds || op.buffer_id != np.buffer_id) continue;
            np.planned = true;
            np.holds = true;
            np.offset = op.offset;
            np.size = op.size;
            op.holds = false; // the node frees this range now
            return true;
        }
        return false;
    }

    void release(const ggml_tensor * t) {
        tensor_plan & p = plan_of(t);
        if (!p.holds || (t->flags & GGML_TENSOR_FLAG_OUTPUT)) return;
        allocators[p.buffer_id].free(p.offset, p.size);
        p.holds = false;
    }

    void plan_graph(ggml_cgraph * graph) {
        plans.clear();
        for (offset_allocator & a : allocators) a.reset();

        for (int i = 0; i < graph->n_leafs; ++i) plan_of(graph->leafs[i]).buffer_id = leaf_buffer_ids[i];
        for (int i = 0; i < graph->n_nodes; ++i) plan_of(graph->nodes[i]).buffer_id = node_buffer_ids[i];
        for (int i = 0; i < graph->n_nodes; ++i) {
            ggml_tensor * node = graph->nodes[i];
            if (node->view_src) plan_of(node->view_src).n_views++;
            for (int s = 0; s < GGML_MAX_SRC; ++s) {
                ggml_tensor * src = node->src[s];
                if (!src) continue;
                tensor_plan & sp = plan_of(src);
                sp.n_children++;
                if (sp.buffer_id < 0) sp.buffer_id = node_buffer_ids[i]; // not in the graph's lists
            }
        }

        // inputs first, so that no other tensor shares memory with them before they are read
        for (int i = 0; i < graph->n_leafs; ++i) {
            if (graph->leafs[i]->flags & GGML_TENSOR_FLAG_INPUT) assign_memory(graph->leafs[i]);
        }
        for (int i = 0; i < graph->n_nodes; ++i) {
            if (graph->nodes[i]->flags & GGML_TENSOR_FLAG_INPUT) assign_memory(graph->nodes[i]);
        }

        for (int i = 0; i < graph->n_nodes; ++i) {
            ggml_tensor * node = graph->nodes[i];
            for (int s = 0; s < GGML_MAX_SRC; ++s) {
                if (node->src[s]) assign_memory(node->src[s]);
            }
            if (!try_in_place(node)) assign_memory(node);

            // sources whose last consumer was this node give their memory back
            for (int s = 0; s < GGML_MAX_SRC; ++s) {
                ggml_tensor * src = node->src[s];
                if (!src) continue;
                tensor_plan & sp = plan_of(src);
                if (--sp.n_children > 0 || sp.n_views > 0) continue;
                if (src->view_src) {
                    tensor_plan & vp = plan_of(src->view_src);
                    if (--vp.n_views == 0 && vp.n_children == 0) release(src->view_src);
                } else {
                    release(src);
                }
            }
        }
        // leafs nobody reads still get memory
        for (int i = 0; i < graph->n_leafs; ++i) assign_memory(graph->leafs[i]);
    }

    bool ensure_buffers(bool may_grow_only) {
        for (size_t i = 0; i < buffers.size(); ++i) {
            const size_t need = allocators[i].peak();
            if (buffers[i] && ggml_backend_buffer_get_size(buffers[i]) >= need) continue;
            if (may_grow_only && buffers.size() > 1) return false;
            if (buffers[i]) {
                ggml_backend_buffer_release_memory(buffers[i]);
                retired.push_back(buffers[i]);
            }
            buffers[i] = ggml_backend_buft_alloc_buffer(bufts[i], need);
            if (!buffers[i]) {
                GGML_LOG_ERROR("%s: failed to allocate %s buffer of %zu bytes\n", __func__, ggml_backend_buft_name(bufts[i]), need);
                return false;
            }
            ggml_backend_buffer_set_usage(buffers[i], GGML_BACKEND_BUFFER_USAGE_COMPUTE);
        }
        return true;
    }

    void place(ggml_tensor * t) {
        auto it = plans.find(t);
        if (it == plans.end() || it->second.offset == SIZE_MAX || !it->second.planned) return;
        if (t->view_src) return;
        ggml_backend_buffer_t buf = buffers[it->second.buffer_id];
        ggml_backend_tensor_alloc(buf, t, (char *) ggml_backend_buffer_get_base(buf) + it->second.offset);
    }

    void place_view(ggml_tensor * t) {
        if (!t->view_src || !t->view_src->buffer) return;
        if (t->data == nullptr || owns_buffer(t->buffer)) ggml_backend_view_init(t);
    }

    // Sets buffer and data of the graph's tensors from the current plan.
    void place_graph(ggml_cgraph * graph) {
        for (ggml_backend_buffer_t b : buffers) if (b) ggml_backend_buffer_reset(b);
        for_each_tensor(graph, [&](ggml_tensor * t) { place(t); });
        for_each_tensor(graph, [&](ggml_tensor * t) { place_view(t); });
    }

    template <typename F> void for_each_tensor(ggml_cgraph * graph, F f) {
        for (int i = 0; i < graph->n_leafs; ++i) f(graph->leafs[i]);
        for (int i = 0; i < graph->n_nodes; ++i) {
            for (int s = 0; s < GGML_MAX_SRC; ++s) if (graph->nodes[i]->src[s]) f(graph->nodes[i]->src[s]);
            f(graph->nodes[i]);
        }
    }
};

ggml_gallocr_t ggml_gallocr_new_n(ggml_backend_buffer_type_t * bufts, int n_bufs) {
    GGML_ASSERT(n_bufs >= 1);
    ggml_gallocr * galloc = new ggml_gallocr;
    for (int i = 0; i < n_bufs; ++i) {
        GGML_ASSERT(bufts[i]);
        galloc->bufts.push_back(bufts[i]);
        galloc->buffers.push_back(nullptr);
        galloc->allocators.emplace_back(ggml_backend_buft_get_alignment(bufts[i]));
    }
    return galloc;
}

ggml_gallocr_t ggml_gallocr_new(ggml_backend_buffer_type_t buft) { return ggml_gallocr_new_n(&buft, 1); }

void ggml_gallocr_free(ggml_gallocr_t galloc) {
    if (!galloc) return;
    for (ggml_backend_buffer_t b : galloc->buffers) ggml_backend_buffer_free(b);
    for (ggml_backend_buffer_t b : galloc->retired) ggml_backend_buffer_free(b);
    delete galloc;
}

bool ggml_gallocr_reserve_n(ggml_gallocr_t galloc, ggml_cgraph * graph, const int * node_buffer_ids, const int * leaf_buffer_ids) {
    galloc->node_buffer_ids.assign(graph->n_nodes, 0);
    galloc->leaf_buffer_ids.assign(graph->n_leafs, 0);
    for (int i = 0; node_buffer_ids && i < graph->n_nodes; ++i) galloc->node_buffer_ids[i] = node_buffer_ids[i];
    for (int i = 0; leaf_buffer_ids && i < graph->n_leafs; ++i) galloc->leaf_buffer_ids[i] = leaf_buffer_ids[i];
    galloc->plan_graph(graph);
    return galloc->ensure_buffers(false);
}

bool ggml_gallocr_reserve(ggml_gallocr_t galloc, ggml_cgraph * graph) {
    return ggml_gallocr_reserve_n(galloc, graph, nullptr, nullptr);
}

bool ggml_gallocr_alloc_graph(ggml_gallocr_t galloc, ggml_cgraph * graph) {
    const bool same_shape = (int) galloc->node_buffer_ids.size() == graph->n_nodes &&
                            (int) galloc->leaf_buffer_ids.size() == graph->n_leafs;
    if (!same_shape) {
        // buffer assignments are known only for the reserved graph, unless there is one buffer
        if (galloc->buffers.size() > 1) return false;
        galloc->node_buffer_ids.assign(graph->n_nodes, 0);
        galloc->leaf_buffer_ids.assign(graph->n_leafs, 0);
    }
    galloc->plan_graph(graph);
    if (!galloc->ensure_buffers(true)) return false;
    galloc->place_graph(graph);
    return true;
}

bool ggml_gallocr_reserve_and_alloc_n(ggml_gallocr_t galloc, ggml_cgraph * graph, const int * node_buffer_ids,
                                      const int * leaf_buffer_ids) {
    if (!ggml_gallocr_reserve_n(galloc, graph, node_buffer_ids, leaf_buffer_ids)) return false;
    galloc->place_graph(graph); // the plan reserve_n made is the one to apply
    return true;
}

size_t ggml_gallocr_get_buffer_size(ggml_gallocr_t galloc, int buffer_id) {
    GGML_ASSERT(buffer_id >= 0 && buffer_id < (int) galloc->buffers.size());
    return galloc->buffers[buffer_id] ? ggml_backend_buffer_get_size(galloc->buffers[buffer_id]) : 0;
}

bool ggml_gallocr_owns_buffer(ggml_gallocr_t galloc, const ggml_backend_buffer * buffer) {
    return buffer && galloc->owns_buffer(buffer);
}
