// The op list: from ggml_op to its traits (defined in that op's file in src/ops/) and its facts.
// Adding an op means adding its enum value, its file, one line here, and a kernel per backend
// that runs it (see core/ggml-impl.h).

#include "core/ggml-impl.h"

// The op list: per op, its traits object (defined in its op file) and its facts:
//   V  only reinterprets memory (a view)     I  may run in place over a source
//   N(mask) sources that get no gradient (bit i: src i)
#define V   {true, false, 0}
#define I   {false, true, 0}
#define F   {false, false, 0}
#define N(mask) {false, false, mask}
#define CGML_OPS(X)                                                                      \
    X(DUP, dup, F) X(ADD, add, I) X(ADD1, add1, I) X(ACC, acc, F) X(SUB, sub, I)           \
    X(MUL, mul, I) X(DIV, div, I) X(SQR, sqr, I) X(SQRT, sqrt, I) X(LOG, log, I)           \
    X(SUM, sum, F) X(SUM_ROWS, sum_rows, F) X(MEAN, mean, F)                               \
    X(ARGMAX, argmax, F) X(COUNT_EQUAL, count_equal, F)                                    \
    X(REPEAT, repeat, F) X(REPEAT_BACK, repeat_back, F)                                    \
    X(SILU_BACK, silu_back, F) X(MUL_MAT, mul_mat, F)                                      \
    X(OUT_PROD, out_prod, F) X(SCALE, scale, I) X(CPY, cpy, N(0x2) /* destination */)      \
    X(CONT, cont, F) X(RESHAPE, reshape, V) X(VIEW, view, V)                               \
    X(PERMUTE, permute, V) X(TRANSPOSE, transpose, V)                                      \
    X(SOFT_MAX, soft_max, F) X(SOFT_MAX_BACK, soft_max_back, F)                            \
    X(IM2COL, im2col, N(0x1) /* kernel: shape only */)                                     \
    X(IM2COL_BACK, im2col_back, N(0x1) /* kernel: shape only */)                           \
    X(CONV_2D, conv_2d, F) X(CONV_2D_BACK_INPUT, conv_2d_back_input, F)                    \
    X(CONV_2D_BACK_KERNEL, conv_2d_back_kernel, F)                                         \
    X(POOL_2D, pool_2d, F) X(POOL_2D_BACK, pool_2d_back, N(0x2))                           \
    X(UNARY, unary, I) X(CROSS_ENTROPY_LOSS, cross_entropy_loss, N(0x2) /* labels */)       \
    X(CROSS_ENTROPY_LOSS_BACK, cross_entropy_loss_back, N(0x2) /* labels */)               \
    X(OPT_STEP_ADAMW, opt_step_adamw, F) X(OPT_STEP_SGD, opt_step_sgd, F)

#define DECLARE_TRAITS(OP, name, facts) extern const ggml_op_traits ggml_op_traits_##name;
CGML_OPS(DECLARE_TRAITS)
#undef DECLARE_TRAITS

static const ggml_op_traits NONE_TRAITS = {"NONE", "none", nullptr};

// NULL for values that name no operator implemented here (ggml's enum has gaps for those).
static const ggml_op_traits * find_op_traits(ggml_op op) {
    switch (op) {
        case GGML_OP_NONE: return &NONE_TRAITS;
#define CASE_TRAITS(OP, name, facts) \
        case GGML_OP_##OP: return &ggml_op_traits_##name;
        CGML_OPS(CASE_TRAITS)
#undef CASE_TRAITS
        default: return nullptr;
    }
}

const ggml_op_traits * ggml_get_op_traits(ggml_op op) {
    const ggml_op_traits * traits = find_op_traits(op);
    if (!traits) GGML_ABORT("operator %d is not implemented", (int) op);
    return traits;
}

const ggml_op_facts & ggml_get_op_facts(ggml_op op) {
    static const ggml_op_facts NONE_FACTS = F;
    switch (op) {
        case GGML_OP_NONE: return NONE_FACTS;
#define CASE_FACTS(OP, name, facts) \
        case GGML_OP_##OP: { static const ggml_op_facts f = facts; return f; }
        CGML_OPS(CASE_FACTS)
#undef CASE_FACTS
        default: break;
    }
    GGML_ABORT("operator %d is not implemented", (int) op);
}

bool ggml_op_is_defined(ggml_op op) {
    switch (op) {
        case GGML_OP_NONE:
#define CASE_DEFINED(OP, name, facts) case GGML_OP_##OP:
        CGML_OPS(CASE_DEFINED)
#undef CASE_DEFINED
            return true;
        default:
            return false;
    }
}

bool ggml_op_is_view(ggml_op op) { return ggml_get_op_facts(op).is_view; }

bool ggml_op_src_is_not_differentiable(const ggml_tensor * node, int isrc) {
    if ((ggml_get_op_facts(node->op).non_diff_srcs >> isrc) & 1u) return true;
    if (node->op == GGML_OP_UNARY && isrc == 0) {
        const ggml_unary_op u = ggml_get_unary_op(node);
        return u == GGML_UNARY_OP_SGN || u == GGML_UNARY_OP_STEP; // piecewise constant
    }
    return false;
}

bool ggml_node_computes_nothing(const ggml_tensor * node) {
    return node->op == GGML_OP_NONE || ggml_op_is_view(node->op) || ggml_is_empty(node);
}

const char * ggml_op_name(ggml_op op) {
    const ggml_op_traits * traits = find_op_traits(op);
    return traits ? traits->name : "UNKNOWN";
}

const char * ggml_op_symbol(ggml_op op) {
    const ggml_op_traits * traits = find_op_traits(op);
    return traits ? traits->symbol : "?";
}

const char * ggml_op_desc(const ggml_tensor * t) {
    if (t->op == GGML_OP_UNARY) return ggml_unary_op_name(ggml_get_unary_op(t));
    return ggml_op_name(t->op);
}
