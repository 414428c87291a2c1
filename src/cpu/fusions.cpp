// The CPU's table of fused runs: for each, the op sequence the matcher looks for, whether the
// intermediate results must be unread elsewhere, the extra conditions, the instruction sets that
// have its kernel and the kernel. Adding a
// fusion is one entry here plus its kernel.

#include "cpu/cpu-isa.h"
#include "cpu/fused.h"

namespace {

bool add_relu_accept(ggml_tensor * const * nodes) { return ggml_add_relu_fusable(nodes[0], nodes[1]); }

const ggml_fusion_op CONV_POOL_BIAS_RELU_OPS[] = {
    {GGML_OP_CONV_2D, -1}, {GGML_OP_POOL_2D, -1}, {GGML_OP_ADD, -1}, {GGML_OP_UNARY, GGML_UNARY_OP_RELU}};
const ggml_fusion_op ADD_RELU_OPS[] = {{GGML_OP_ADD, -1}, {GGML_OP_UNARY, GGML_UNARY_OP_RELU}};

// The convolution's, the pool's and the sum's values are never computed: nothing else may read
// them (evaluation graphs). The bias ADD and its ReLU both write their results.
const cpu_fusion CPU_FUSIONS[] = {
    {{CONV_POOL_BIAS_RELU_OPS, 4, true, ggml_conv_pool_bias_relu_accept}, ggml_conv_pool_bias_relu_available,
     ggml_conv_pool_bias_relu_forward},
    {{ADD_RELU_OPS, 2, false, add_relu_accept}, nullptr, ggml_add_relu_forward},
};
constexpr int N_CPU_FUSIONS = sizeof(CPU_FUSIONS) / sizeof(CPU_FUSIONS[0]);

// The patterns of the fusions available with isa, and each one's index in CPU_FUSIONS; built
// once per instruction set.
struct isa_patterns {
    std::vector<ggml_fusion_pattern> patterns;
    std::vector<int>                 fusion;
};

const isa_patterns & patterns_for(int isa) {
    static const auto tables = [] {
        std::vector<isa_patterns> t;
        for (cpu_isa i : CPU_ISAS) {
            isa_patterns p;
            for (int f = 0; f < N_CPU_FUSIONS; ++f) {
                if (CPU_FUSIONS[f].available && !CPU_FUSIONS[f].available(i)) continue;
                p.patterns.push_back(CPU_FUSIONS[f].pattern);
                p.fusion.push_back(f);
            }
            t.push_back(p);
        }
        return t;
    }();
    return tables[isa];
}

} // namespace

const cpu_fusion * ggml_cpu_fusions(int * n) {
    *n = N_CPU_FUSIONS;
    return CPU_FUSIONS;
}

void ggml_cpu_fusion_plan(const ggml_cgraph * graph, int isa, std::vector<int> & plan) {
    const isa_patterns & p = patterns_for(isa);
    ggml_fusion_plan(graph, p.patterns.data(), (int) p.patterns.size(), plan);
    for (int & entry : plan) {
        if (entry >= 0) entry = p.fusion[entry];
    }
}

bool ggml_conv_pool_bias_relu_fusable(const ggml_cgraph * graph, int i, int isa) {
    if (i < 0 || i >= graph->n_nodes || !ggml_conv_pool_bias_relu_available(isa)) return false;
    ggml_use_counts uses(graph);
    return ggml_fusion_matches(graph, i, CPU_FUSIONS[0].pattern, uses);
}
