// Compute graphs: the hash set of visited tensors, forward expansion in dependency order,
// copying, resetting and querying graphs.

#include "core/ggml-impl.h"


#include <cstdio>
#include <cstdlib>
#include <vector>

void * ggml_context_alloc_graph(ggml_context * ctx, size_t nbytes); // context.cpp
extern "C" void ggml_backend_tensor_memset(ggml_tensor * tensor, uint8_t value, size_t offset, size_t size);
extern "C" void ggml_backend_tensor_set(ggml_tensor * tensor, const void * data, size_t offset, size_t size);

// ---------------------------------------------------------------------------------------------
// hash set (open addressing, linear probing, keyed by tensor address)

// The smallest entry of a table of primes, each about twice the one before, that is >= min_sz
// (odd min_sz | 1 past the table). The table is ggml's, so that graphs of a given size take the
// same hash set, and so the same context memory, as with ggml.
size_t ggml_hash_size(size_t min_sz) {
    static const size_t primes[] = {
        2, 3, 5, 11, 17, 37, 67, 131, 257, 521, 1031, 2053, 4099, 8209, 16411, 32771, 65537, 131101,
        262147, 524309, 1048583, 2097169, 4194319, 8388617, 16777259, 33554467, 67108879, 134217757,
        268435459, 536870923, 1073741827, 2147483659ull,
    };
    for (size_t p : primes) {
        if (p >= min_sz) return p;
    }
    return min_sz | 1;
}

static size_t hash_of(const ggml_tensor * p) { return (size_t) (uintptr_t) p >> 4; }

size_t ggml_hash_find(const ggml_hash_set * set, const ggml_tensor * key) {
    size_t h = hash_of(key) % set->size;
    for (size_t i = h;;) {
        if (!ggml_bitset_get(set->used, i) || set->keys[i] == key) return i;
        i = (i + 1) % set->size;
        if (i == h) return GGML_HASHSET_FULL;
    }
}

bool ggml_hash_contains(const ggml_hash_set * set, const ggml_tensor * key) {
    const size_t i = ggml_hash_find(set, key);
    return i != GGML_HASHSET_FULL && ggml_bitset_get(set->used, i);
}

size_t ggml_hash_insert(ggml_hash_set * set, ggml_tensor * key) {
    const size_t i = ggml_hash_find(set, key);
    if (i == GGML_HASHSET_FULL) GGML_ABORT("graph hash set is full");
    if (ggml_bitset_get(set->used, i)) return GGML_HASHSET_ALREADY_EXISTS;
    ggml_bitset_set(set->used, i);
    set->keys[i] = key;
    return i;
}

size_t ggml_hash_find_or_insert(ggml_hash_set * set, ggml_tensor * key) {
    const size_t i = ggml_hash_find(set, key);
    if (i == GGML_HASHSET_FULL) GGML_ABORT("graph hash set is full");
    ggml_bitset_set(set->used, i);
    set->keys[i] = key;
    return i;
}

// ---------------------------------------------------------------------------------------------
// creation

// What a graph takes from its context, computed as ggml does for its own graph layout (a header
// of GGML_GRAPH_HEADER bytes, nodes, leafs, a use count and a key per hash slot, grads and
// grad_accs per slot when asked for, the slots' used bits; each array aligned to its element),
// so that contexts sized by ggml's formulas fit. This library's layout (no use counts) is smaller
// and lies inside that space.
static constexpr size_t GGML_GRAPH_HEADER = 88; // sizeof(struct ggml_cgraph) in ggml on 64-bit
static_assert(sizeof(ggml_cgraph) <= GGML_GRAPH_HEADER, "the graph header must fit ggml's accounting");

static size_t graph_nbytes(size_t size, bool grads) {
    const size_t hsize = ggml_hash_size(size * 2);
    const size_t ptr = sizeof(ggml_tensor *);
    size_t n = GGML_GRAPH_HEADER;
    n = GGML_PAD(n, ptr) + 2 * size * ptr;                       // nodes, leafs
    n = GGML_PAD(n, sizeof(int32_t)) + hsize * sizeof(int32_t);  // ggml's use counts
    n = GGML_PAD(n, ptr) + hsize * ptr;                          // hash keys
    if (grads) n = GGML_PAD(n, ptr) + 2 * hsize * ptr;           // grads, grad_accs
    n = GGML_PAD(n, sizeof(uint32_t)) + ggml_bitset_words(hsize) * sizeof(uint32_t); // used bits
    return n;
}

size_t ggml_graph_overhead_custom(size_t size, bool grads) {
    return GGML_PAD(sizeof(ggml_object), GGML_MEM_ALIGN) + GGML_PAD(graph_nbytes(size, grads), GGML_MEM_ALIGN);
}

size_t ggml_graph_overhead(void) { return ggml_graph_overhead_custom(GGML_DEFAULT_GRAPH_SIZE, false); }

ggml_cgraph * ggml_new_graph_custom(ggml_context * ctx, size_t size, bool grads) {
    GGML_ASSERT(size > 0);
    char * mem = (char *) ggml_context_alloc_graph(ctx, graph_nbytes(size, grads));
    const size_t hsize = ggml_hash_size(size * 2);
    ggml_cgraph * g = (ggml_cgraph *) mem;
    ggml_tensor ** ptrs = (ggml_tensor **) (g + 1);
    g->size = (int) size;
    g->n_nodes = 0;
    g->n_leafs = 0;
    g->whole = nullptr;
    g->nodes = ptrs;
    g->leafs = ptrs + size;
    g->visited_hash_set.size = hsize;
    g->visited_hash_set.keys = ptrs + 2 * size;
    g->grads     = grads ? ptrs + 2 * size + hsize : nullptr;
    g->grad_accs = grads ? ptrs + 2 * size + 2 * hsize : nullptr;
    g->visited_hash_set.used = (uint32_t *) (ptrs + 2 * size + (grads ? 3 : 1) * hsize);
    memset(g->visited_hash_set.used, 0, ggml_bitset_words(hsize) * sizeof(uint32_t));
    if (grads) {
        memset(g->grads, 0, hsize * sizeof(ggml_tensor *));
        memset(g->grad_accs, 0, hsize * sizeof(ggml_tensor *));
    }
    return g;
}

ggml_cgraph * ggml_new_graph(ggml_context * ctx) { return ggml_new_graph_custom(ctx, GGML_DEFAULT_GRAPH_SIZE, false); }

ggml_cgraph ggml_graph_view(ggml_cgraph * g, int i0, int i1) {
    ggml_cgraph view = {};
    view.size = i1 - i0;
    view.n_nodes = i1 - i0;
    view.n_leafs = 0;
    view.nodes = g->nodes + i0;
    view.grads = nullptr;
    view.grad_accs = nullptr;
    view.leafs = nullptr;
    view.visited_hash_set = g->visited_hash_set;
    view.whole = g->whole ? g->whole : g;
    return view;
}

// ---------------------------------------------------------------------------------------------
// forward expansion: depth-first over sources, so every node comes after what it reads

static void visit(ggml_cgraph * g, ggml_tensor * root) {
    // explicit stack: deep graphs must not overflow the call stack
    struct frame { ggml_tensor * t; int next_src; };
    std::vector<frame> stack;
    if (ggml_hash_insert(&g->visited_hash_set, root) == GGML_HASHSET_ALREADY_EXISTS) return;
    stack.push_back({root, 0});
    while (!stack.empty()) {
        frame & f = stack.back();
        if (f.next_src < GGML_MAX_SRC) {
            ggml_tensor * s = f.t->src[f.next_src++];
            if (s && ggml_hash_insert(&g->visited_hash_set, s) != GGML_HASHSET_ALREADY_EXISTS) {
                stack.push_back({s, 0});
            }
            continue;
        }
        ggml_tensor * t = f.t;
        stack.pop_back();
        if (t->op == GGML_OP_NONE && !(t->flags & GGML_TENSOR_FLAG_PARAM)) {
            if (g->n_leafs >= g->size) GGML_ABORT("graph is full: more than %d leafs (use ggml_new_graph_custom with a larger size)", g->size);
            if (t->name[0] == '\0') ggml_format_name(t, "leaf_%d", g->n_leafs);
            g->leafs[g->n_leafs++] = t;
        } else {
            if (g->n_nodes >= g->size) GGML_ABORT("graph is full: more than %d nodes (use ggml_new_graph_custom with a larger size)", g->size);
            if (t->name[0] == '\0') ggml_format_name(t, "node_%d", g->n_nodes);
            g->nodes[g->n_nodes++] = t;
        }
    }
}

void ggml_build_forward_expand(ggml_cgraph * g, ggml_tensor * tensor) {
    GGML_ASSERT(tensor);
    visit(g, tensor);
}

// ---------------------------------------------------------------------------------------------
// copy, reset, clear

void ggml_graph_cpy(ggml_cgraph * src, ggml_cgraph * dst) {
    GGML_ASSERT(dst->size >= src->n_leafs && dst->size >= src->n_nodes);
    GGML_ASSERT(dst->visited_hash_set.size >= src->visited_hash_set.size);
    dst->n_leafs = src->n_leafs;
    dst->n_nodes = src->n_nodes;
    for (int i = 0; i < src->n_leafs; ++i) dst->leafs[i] = src->leafs[i];
    for (int i = 0; i < src->n_nodes; ++i) dst->nodes[i] = src->nodes[i];

    memset(dst->visited_hash_set.used, 0, ggml_bitset_words(dst->visited_hash_set.size) * sizeof(uint32_t));
    if (dst->grads) {
        memset(dst->grads, 0, dst->visited_hash_set.size * sizeof(ggml_tensor *));
        memset(dst->grad_accs, 0, dst->visited_hash_set.size * sizeof(ggml_tensor *));
    }
    for (size_t i = 0; i < src->visited_hash_set.size; ++i) {
        if (!ggml_bitset_get(src->visited_hash_set.used, i)) continue;
        ggml_tensor * key = src->visited_hash_set.keys[i];
        const size_t j = ggml_hash_insert(&dst->visited_hash_set, key);
        if (src->grads && dst->grads) {
            dst->grads[j] = src->grads[i];
            dst->grad_accs[j] = src->grad_accs[i];
        }
    }
}

ggml_cgraph * ggml_graph_dup(ggml_context * ctx, ggml_cgraph * g, bool force_grads) {
    ggml_cgraph * result = ggml_new_graph_custom(ctx, g->size, g->grads || force_grads);
    ggml_graph_cpy(g, result);
    return result;
}

// Writes bytes into a tensor wherever its memory lives (context or backend buffer).
static void tensor_fill(ggml_tensor * t, const void * value, size_t value_size) {
    const size_t n = ggml_nbytes(t);
    if (t->buffer) {
        if (value_size == 0) {
            ggml_backend_tensor_memset(t, 0, 0, n);
        } else {
            std::vector<char> tmp(n);
            for (size_t off = 0; off + value_size <= n; off += value_size) memcpy(tmp.data() + off, value, value_size);
            ggml_backend_tensor_set(t, tmp.data(), 0, n);
        }
    } else {
        GGML_ASSERT(t->data && "tensor has no memory");
        if (value_size == 0) {
            memset(t->data, 0, n);
        } else {
            for (size_t off = 0; off + value_size <= n; off += value_size) memcpy((char *) t->data + off, value, value_size);
        }
    }
}

void ggml_graph_reset(ggml_cgraph * g) {
    if (!g) return;
    GGML_ASSERT(g->grads && "ggml_graph_reset needs a graph with gradients");
    for (int i = 0; i < g->n_nodes; ++i) {
        ggml_tensor * node = g->nodes[i];
        if (node->op == GGML_OP_OPT_STEP_ADAMW) {
            tensor_fill(node->src[2], nullptr, 0); // first moment
            tensor_fill(node->src[3], nullptr, 0); // second moment
        }
        ggml_tensor * acc = ggml_graph_get_grad_acc(g, node);
        if (!acc) continue;
        if (node->flags & GGML_TENSOR_FLAG_LOSS) {
            GGML_ASSERT(acc->type == GGML_TYPE_F32 && ggml_is_scalar(acc));
            const float one = 1.0f;
            tensor_fill(acc, &one, sizeof(one));
        } else {
            tensor_fill(acc, nullptr, 0);
        }
    }
}

void ggml_graph_clear(ggml_cgraph * g) {
    g->n_leafs = 0;
    g->n_nodes = 0;
    memset(g->visited_hash_set.used, 0, ggml_bitset_words(g->visited_hash_set.size) * sizeof(uint32_t));
}

// ---------------------------------------------------------------------------------------------
// accessors

int ggml_graph_size(ggml_cgraph * g) { return g->size; }
int ggml_graph_n_nodes(ggml_cgraph * g) { return g->n_nodes; }
ggml_tensor ** ggml_graph_nodes(ggml_cgraph * g) { return g->nodes; }

ggml_tensor * ggml_graph_node(ggml_cgraph * g, int i) {
    if (i < 0) {
        GGML_ASSERT(g->n_nodes + i >= 0);
        return g->nodes[g->n_nodes + i];
    }
    GGML_ASSERT(i < g->n_nodes);
    return g->nodes[i];
}

void ggml_graph_add_node(ggml_cgraph * g, ggml_tensor * tensor) {
    if (g->n_nodes >= g->size) GGML_ABORT("graph is full: more than %d nodes", g->size);
    g->nodes[g->n_nodes++] = tensor;
}

ggml_tensor * ggml_graph_get_tensor(const ggml_cgraph * g, const char * name) {
    for (int i = 0; i < g->n_leafs; ++i) if (strcmp(g->leafs[i]->name, name) == 0) return g->leafs[i];
    for (int i = 0; i < g->n_nodes; ++i) if (strcmp(g->nodes[i]->name, name) == 0) return g->nodes[i];
    return nullptr;
}

static ggml_tensor * lookup(const ggml_cgraph * g, ggml_tensor * const * table, const ggml_tensor * node) {
    if (!table) return nullptr;
    const size_t i = ggml_hash_find(&g->visited_hash_set, node);
    if (i == GGML_HASHSET_FULL || !ggml_bitset_get(g->visited_hash_set.used, i)) return nullptr;
    return table[i];
}

ggml_tensor * ggml_graph_get_grad(const ggml_cgraph * g, const ggml_tensor * node) { return lookup(g, g->grads, node); }
ggml_tensor * ggml_graph_get_grad_acc(const ggml_cgraph * g, const ggml_tensor * node) { return lookup(g, g->grad_accs, node); }

void ggml_graph_print(const ggml_cgraph * g) {
    GGML_LOG_INFO("=== GRAPH ===\n");
    GGML_LOG_INFO("n_nodes = %d\n", g->n_nodes);
    for (int i = 0; i < g->n_nodes; ++i) {
        const ggml_tensor * n = g->nodes[i];
        GGML_LOG_INFO(" - %3d: [%5lld, %5lld, %5lld, %5lld] %16s %s%s\n", i, (long long) n->ne[0], (long long) n->ne[1],
                      (long long) n->ne[2], (long long) n->ne[3], ggml_op_desc(n), n->name,
                      (n->flags & GGML_TENSOR_FLAG_PARAM) ? " (param)" : "");
    }
    GGML_LOG_INFO("n_leafs = %d\n", g->n_leafs);
    for (int i = 0; i < g->n_leafs; ++i) {
        const ggml_tensor * n = g->leafs[i];
        GGML_LOG_INFO(" - %3d: [%5lld, %5lld] %8s %s\n", i, (long long) n->ne[0], (long long) n->ne[1],
                      ggml_op_name(n->op), n->name);
    }
    GGML_LOG_INFO("========================================\n");
}
