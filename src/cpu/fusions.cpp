// The CPU's table of fused runs: for each, the op sequence the matcher looks for, whether the
// intermediate results must be unread elsewhere, the extra conditions and the kernel. Adding a
// fusion is one entry here plus its kernel.

#include "cpu/fused.h"

namespace {

bool add_relu_accept(ggml_tensor * const * nodes) { return ggml_add_relu_fusable(nodes[0], nodes[1]); }

const ggml_fusion_op CONV_POOL_BIAS_RELU_OPS[] = {
    {GGML_OP_CONV_2D, -1}, {GGML_OP_POOL_2D, -1}, {GGML_OP_ADD, -1}, {GGML_OP_UNARY, GGML_UNARY_OP_RELU}};
const ggml_fusion_op ADD_RELU_OPS[] = {{GGML_OP_ADD, -1}, {GGML_OP_UNARY, GGML_UNARY_OP_RELU}};

// The convolution's, the pool's and the sum's values are never computed: nothing else may read
// them (evaluation graphs). The bias ADD and its ReLU both write their results.
const cpu_fusion CPU_FUSIONS[] = {
    {{CONV_POOL_BIAS_RELU_OPS, 4, true, ggml_conv_pool_bias_relu_accept}, ggml_conv_pool_bias_relu_forward},
    {{ADD_RELU_OPS, 2, false, add_relu_accept}, ggml_add_relu_forward},
};
constexpr int N_CPU_FUSIONS = sizeof(CPU_FUSIONS) / sizeof(CPU_FUSIONS[0]);

const ggml_fusion_pattern * patterns() {
    static const auto table = [] {
        std::vector<ggml_fusion_pattern> p;
        for (const cpu_fusion & f : CPU_FUSIONS) p.push_back(f.pattern);
        return p;
    }();
    return table.data();
}

} // namespace

const cpu_fusion * ggml_cpu_fusions(int * n) {
    *n = N_CPU_FUSIONS;
    return CPU_FUSIONS;
}

void ggml_cpu_fusion_plan(const ggml_cgraph * graph, std::vector<int> & plan) {
    ggml_fusion_plan(graph, patterns(), N_CPU_FUSIONS, plan);
}

bool ggml_conv_pool_bias_relu_fusable(const ggml_cgraph * graph, int i) {
    if (i < 0 || i >= graph->n_nodes) return false;
    ggml_use_counts uses(graph);
    return ggml_fusion_matches(graph, i, CPU_FUSIONS[0].pattern, uses);
}
