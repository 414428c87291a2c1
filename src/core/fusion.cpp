// The fusion matcher (see core/fusion.h).

#include "core/fusion.h"

bool ggml_use_counts::read_outside(const ggml_tensor * t, const ggml_tensor * reader) {
    if (t->flags & GGML_TENSOR_FLAG_OUTPUT) return true;
    if (!built_) {
        for (int i = 0; i < whole_->n_nodes; ++i) {
            const ggml_tensor * node = whole_->nodes[i];
            for (int s = 0; s < GGML_MAX_SRC; ++s) {
                if (node->src[s]) counts_[node->src[s]]++;
            }
            if (node->view_src) counts_[node->view_src]++;
        }
        built_ = true;
    }
    auto it = counts_.find(t);
    const int total = it == counts_.end() ? 0 : it->second;
    int by_reader = reader->view_src == t ? 1 : 0;
    for (int s = 0; s < GGML_MAX_SRC; ++s) by_reader += reader->src[s] == t;
    return total > by_reader;
}

bool ggml_fusion_matches(const ggml_cgraph * graph, int i, const ggml_fusion_pattern & p, ggml_use_counts & uses) {
    if (i + p.n_ops > graph->n_nodes) return false;
    ggml_tensor * const * nodes = graph->nodes + i;
    for (int k = 0; k < p.n_ops; ++k) {
        const ggml_tensor * node = nodes[k];
        if (node->op != p.ops[k].op) return false;
        if (node->op == GGML_OP_UNARY && p.ops[k].unary_op >= 0 && (int) ggml_get_unary_op(node) != p.ops[k].unary_op) return false;
        if (k > 0 && node->src[0] != nodes[k - 1]) return false;
    }
    if (p.accept && !p.accept(nodes)) return false;
    if (p.private_intermediates) {
        for (int k = 0; k + 1 < p.n_ops; ++k) {
            if (uses.read_outside(nodes[k], nodes[k + 1])) return false;
        }
    }
    return true;
}

void ggml_fusion_plan(const ggml_cgraph * graph, const ggml_fusion_pattern * patterns, int n_patterns, std::vector<int> & plan) {
    plan.assign(graph->n_nodes, -1);
    ggml_use_counts uses(graph);
    for (int i = 0; i < graph->n_nodes;) {
        if (ggml_node_computes_nothing(graph->nodes[i])) {
            ++i;
            continue;
        }
        for (int p = 0; p < n_patterns; ++p) {
            if (ggml_fusion_matches(graph, i, patterns[p], uses)) {
                plan[i] = p;
                break;
            }
        }
        i += ggml_fusion_length(patterns, plan[i]);
    }
}
