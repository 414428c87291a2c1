// The table from ggml_op to its traits. Each op's traits object is defined in that op's file in
// src/ops/; adding an op means adding its enum value, its file and one line here.

#include "core/ggml-impl.h"

#define CGML_OPS(X)                                              \
    X(DUP, dup) X(ADD, add) X(ADD1, add1) X(ACC, acc) X(SUB, sub) \
    X(MUL, mul) X(DIV, div) X(SQR, sqr) X(SQRT, sqrt) X(LOG, log) \
    X(SUM, sum) X(SUM_ROWS, sum_rows) X(MEAN, mean)               \
    X(ARGMAX, argmax) X(COUNT_EQUAL, count_equal)                 \
    X(REPEAT, repeat) X(REPEAT_BACK, repeat_back)                 \
    X(SILU_BACK, silu_back) X(MUL_MAT, mul_mat)                   \
    X(OUT_PROD, out_prod) X(SCALE, scale) X(CPY, cpy)             \
    X(CONT, cont) X(RESHAPE, reshape) X(VIEW, view)               \
    X(PERMUTE, permute) X(TRANSPOSE, transpose)                   \
    X(SOFT_MAX, soft_max) X(SOFT_MAX_BACK, soft_max_back)         \
    X(IM2COL, im2col) X(IM2COL_BACK, im2col_back)                 \
    X(CONV_2D, conv_2d) X(CONV_2D_BACK_INPUT, conv_2d_back_input) \
    X(CONV_2D_BACK_KERNEL, conv_2d_back_kernel)                   \
    X(POOL_2D, pool_2d) X(POOL_2D_BACK, pool_2d_back)             \
    X(UNARY, unary) X(CROSS_ENTROPY_LOSS, cross_entropy_loss)     \
    X(CROSS_ENTROPY_LOSS_BACK, cross_entropy_loss_back)           \
    X(OPT_STEP_ADAMW, opt_step_adamw) X(OPT_STEP_SGD, opt_step_sgd)

#define DECLARE_TRAITS(OP, name) extern const ggml_op_traits ggml_op_traits_##name;
CGML_OPS(DECLARE_TRAITS)
#undef DECLARE_TRAITS

static const ggml_op_traits NONE_TRAITS = {"NONE", "none", nullptr, nullptr, nullptr, false};

// NULL for values that name no operator implemented here (ggml's enum has gaps for those).
static const ggml_op_traits * find_op_traits(ggml_op op) {
    switch (op) {
        case GGML_OP_NONE: return &NONE_TRAITS;
#define CASE_TRAITS(OP, name) \
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

bool ggml_op_is_view(ggml_op op) {
    return op == GGML_OP_RESHAPE || op == GGML_OP_VIEW || op == GGML_OP_PERMUTE || op == GGML_OP_TRANSPOSE;
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
