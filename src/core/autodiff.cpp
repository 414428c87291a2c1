// Reverse-mode automatic differentiation: ggml_build_backward_expand walks the forward graph
// from the loss back to the parameters, asking each op's gradient rule (src/ops/) for the
// contributions to its sources and summing them per source.

#include "core/ggml-impl.h"

#include <vector>

static size_t slot_of(const ggml_cgraph * g, const ggml_tensor * t) {
    const size_t i = ggml_hash_find(&g->visited_hash_set, t);
    GGML_ASSERT(i != GGML_HASHSET_FULL && ggml_bitset_get(g->visited_hash_set.used, i));
    return i;
}

void ggml_backward_step::add(int isrc, ggml_tensor * contribution) const {
    GGML_ASSERT(isrc >= 0 && isrc < GGML_MAX_SRC && needs[isrc]);
    ggml_tensor * src = node->src[isrc];
    if (!ggml_are_same_shape(src, contribution)) {
        char a[160], b[160];
        GGML_ABORT("gradient rule of %s produced a gradient of shape %s for source %d of shape %s",
                   ggml_op_desc(node), ggml_shape_str(contribution, b, sizeof b), isrc, ggml_shape_str(src, a, sizeof a));
    }
    const size_t i = slot_of(graph, src);
    if (graph->grad_accs[i]) {
        // accumulate in place into the accumulator's memory, so it sums across computes
        graph->grads[i] = ggml_add_inplace(ctx, graph->grads[i], contribution);
    } else if (graph->grads[i]) {
        graph->grads[i] = ggml_add(ctx, graph->grads[i], contribution);
    } else {
        graph->grads[i] = contribution;
    }
}

void ggml_build_backward_expand(ggml_context * ctx, ggml_cgraph * g, ggml_tensor ** grad_accs) {
    GGML_ASSERT(g->n_nodes > 0 && "ggml_build_backward_expand: the graph has no nodes");
    GGML_ASSERT(g->grads && "ggml_build_backward_expand: the graph was created without gradients (ggml_new_graph_custom(ctx, size, true))");

    const int n_forward = g->n_nodes;
    const size_t hsize = g->visited_hash_set.size;
    memset(g->grads, 0, hsize * sizeof(ggml_tensor *));
    memset(g->grad_accs, 0, hsize * sizeof(ggml_tensor *));

    bool any_param = false, any_loss = false;
    for (int i = 0; i < n_forward; ++i) {
        any_param = any_param || (g->nodes[i]->flags & GGML_TENSOR_FLAG_PARAM);
        any_loss  = any_loss  || (g->nodes[i]->flags & GGML_TENSOR_FLAG_LOSS);
    }
    GGML_ASSERT(any_param && "ggml_build_backward_expand: no trainable parameters (ggml_set_param)");
    GGML_ASSERT(any_loss && "ggml_build_backward_expand: no loss (ggml_set_loss)");

    // Forward pass over the graph: which tensors depend on a parameter (and so need a gradient).
    std::vector<bool> needs_grad(hsize, false);
    for (int i = 0; i < n_forward; ++i) {
        ggml_tensor * node = g->nodes[i];
        if (!ggml_is_float_type(node->type)) continue; // integer results (argmax, count_equal) have no gradient
        bool needed = node->flags & (GGML_TENSOR_FLAG_PARAM | GGML_TENSOR_FLAG_LOSS);
        for (int j = 0; j < GGML_MAX_SRC && !needed; ++j) {
            const ggml_tensor * s = node->src[j];
            needed = s && !ggml_op_src_is_not_differentiable(node, j) && needs_grad[slot_of(g, s)];
        }
        if (!needed) continue;
        if (node->view_src && !ggml_op_is_view(node->op) && node->op != GGML_OP_CPY && node->op != GGML_OP_NONE) {
            GGML_ABORT("ggml_build_backward_expand: in-place op %s on '%s' cannot be differentiated; use the out-of-place op",
                       ggml_op_desc(node), node->name);
        }
        const size_t s = slot_of(g, node);
        needs_grad[s] = true;
        if (grad_accs && grad_accs[i]) {
            GGML_ASSERT(ggml_are_same_shape(grad_accs[i], node));
            g->grad_accs[s] = grad_accs[i];
            g->grads[s] = grad_accs[i];
        } else if (node->flags & GGML_TENSOR_FLAG_LOSS) {
            // the loss's gradient is an accumulator that ggml_graph_reset sets to 1
            g->grad_accs[s] = ggml_new_tensor(ctx, GGML_TYPE_F32, GGML_MAX_DIMS, node->ne);
            ggml_format_name(g->grad_accs[s], "grad for %s", node->name);
            g->grads[s] = g->grad_accs[s];
        }
    }

    // Reverse pass: each node hands its gradient to its sources.
    for (int i = n_forward - 1; i >= 0; --i) {
        ggml_tensor * node = g->nodes[i];
        const size_t s = slot_of(g, node);
        ggml_tensor * grad = g->grads[s];
        if (!grad || !needs_grad[s]) continue;

        ggml_backward_step step = {ctx, g, node, grad, {}};
        bool any = false;
        for (int j = 0; j < GGML_MAX_SRC; ++j) {
            const ggml_tensor * src = node->src[j];
            step.needs[j] = src && !ggml_op_src_is_not_differentiable(node, j) && needs_grad[slot_of(g, src)];
            any = any || step.needs[j];
        }
        if (!any) continue;

        const ggml_op_traits * traits = ggml_get_op_traits(node->op);
        if (!traits->backward) {
            GGML_ABORT("ggml_build_backward_expand: op %s ('%s') has no gradient rule", ggml_op_desc(node), node->name);
        }
        traits->backward(step);

        for (int j = 0; j < GGML_MAX_SRC; ++j) {
            if (!step.needs[j]) continue;
            ggml_tensor * sg = g->grads[slot_of(g, node->src[j])];
            if (sg) ggml_build_forward_expand(g, sg);
        }
    }
}
