// The CPU kernel table. Each entry is defined beside its kernels in src/cpu/kernels/; an op
// listed in src/ops/registry.cpp without a line here has no CPU kernel (only views may).

#include "cpu/kernel-table.h"

#define CPU_KERNELS(X)                                                                           \
    X(DUP, dup) X(ADD, add) X(ADD1, add1) X(ACC, acc) X(SUB, sub) X(MUL, mul) X(DIV, div)         \
    X(SQR, sqr) X(SQRT, sqrt) X(LOG, log) X(SUM, sum) X(SUM_ROWS, sum_rows) X(MEAN, mean)         \
    X(ARGMAX, argmax) X(COUNT_EQUAL, count_equal) X(REPEAT, repeat) X(REPEAT_BACK, repeat_back)  \
    X(SILU_BACK, silu_back) X(MUL_MAT, mul_mat) X(OUT_PROD, out_prod) X(SCALE, scale)             \
    X(CPY, cpy) X(CONT, cont) X(SOFT_MAX, soft_max) X(SOFT_MAX_BACK, soft_max_back)               \
    X(IM2COL, im2col) X(IM2COL_BACK, im2col_back) X(CONV_2D, conv_2d)                             \
    X(CONV_2D_BACK_INPUT, conv_2d_back_input) X(CONV_2D_BACK_KERNEL, conv_2d_back_kernel)         \
    X(POOL_2D, pool_2d) X(POOL_2D_BACK, pool_2d_back) X(UNARY, unary)                             \
    X(CROSS_ENTROPY_LOSS, cross_entropy_loss) X(CROSS_ENTROPY_LOSS_BACK, cross_entropy_loss_back) \
    X(OPT_STEP_ADAMW, opt_step_adamw) X(OPT_STEP_SGD, opt_step_sgd)

#define DECLARE_KERNEL(OP, name) extern const cpu_kernel cpu_kernel_##name;
CPU_KERNELS(DECLARE_KERNEL)
#undef DECLARE_KERNEL

const cpu_kernel * ggml_cpu_kernel_of(ggml_op op) {
    switch (op) {
#define CASE_KERNEL(OP, name) \
        case GGML_OP_##OP: return &cpu_kernel_##name;
        CPU_KERNELS(CASE_KERNEL)
#undef CASE_KERNEL
        default: return nullptr;
    }
}

bool ggml_cpu_supports_node(const ggml_tensor * node) {
    return ggml_node_computes_nothing(node) || ggml_cpu_kernel_supports(ggml_cpu_kernel_of(node->op), node);
}
