/* Layouts, enum values and memory accounting against ggml's headers and sources at commit
 * d99724f2 (x86-64, LP64). The expected numbers were worked out by hand from the declarations in
 * ggml's include/ggml.h, ggml-backend.h, ggml-opt.h, ggml-cpu.h and from ggml.c's graph sizing
 * (ggml_graph_nbytes: an 88-byte graph header, nodes, leafs, an int32 use count and a key per
 * hash slot, optional grads and grad_accs, the used bitset; hash sizes from ggml's prime table):
 *   - ggml_tensor: 336 bytes, object header 32, so ggml_tensor_overhead() = 368;
 *   - ggml_graph_overhead() = 82608 (2048 nodes, 4099 hash slots), with grads 148192;
 *     ggml_graph_overhead_custom(16, false) = 832 (37 hash slots).
 * Only the parts of ggml's API that this library declares are checked. */

#include "compat-check.h"

#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "ggml-opt.h"
#include "gguf.h"

#include <stddef.h>

static void check_structs(void) {
    COMPAT_EQ(sizeof(struct ggml_tensor), 336);
    COMPAT_EQ(offsetof(struct ggml_tensor, type), 0);
    COMPAT_EQ(offsetof(struct ggml_tensor, buffer), 8);
    COMPAT_EQ(offsetof(struct ggml_tensor, ne), 16);
    COMPAT_EQ(offsetof(struct ggml_tensor, nb), 48);
    COMPAT_EQ(offsetof(struct ggml_tensor, op), 80);
    COMPAT_EQ(offsetof(struct ggml_tensor, op_params), 84);
    COMPAT_EQ(offsetof(struct ggml_tensor, flags), 148);
    COMPAT_EQ(offsetof(struct ggml_tensor, src), 152);
    COMPAT_EQ(offsetof(struct ggml_tensor, view_src), 232);
    COMPAT_EQ(offsetof(struct ggml_tensor, view_offs), 240);
    COMPAT_EQ(offsetof(struct ggml_tensor, data), 248);
    COMPAT_EQ(offsetof(struct ggml_tensor, name), 256);
    COMPAT_EQ(offsetof(struct ggml_tensor, extra), 320);
    COMPAT_EQ(offsetof(struct ggml_tensor, padding), 328);

    COMPAT_EQ(sizeof(struct ggml_init_params), 24);
    COMPAT_EQ(offsetof(struct ggml_init_params, mem_buffer), 8);
    COMPAT_EQ(offsetof(struct ggml_init_params, no_alloc), 16);

    COMPAT_EQ(sizeof(ggml_bf16_t), 2);

    COMPAT_EQ(sizeof(struct ggml_type_traits), 56);
    COMPAT_EQ(offsetof(struct ggml_type_traits, blck_size), 8);
    COMPAT_EQ(offsetof(struct ggml_type_traits, blck_size_interleave), 16);
    COMPAT_EQ(offsetof(struct ggml_type_traits, type_size), 24);
    COMPAT_EQ(offsetof(struct ggml_type_traits, is_quantized), 32);
    COMPAT_EQ(offsetof(struct ggml_type_traits, to_float), 40);
    COMPAT_EQ(offsetof(struct ggml_type_traits, from_float_ref), 48);

    /* ggml-opt.h: ggml's fields first, in ggml's order; our additions only after them */
    COMPAT_EQ(sizeof(struct ggml_opt_optimizer_params), 28);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, adamw.alpha), 0);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, adamw.beta1), 4);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, adamw.beta2), 8);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, adamw.eps), 12);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, adamw.wd), 16);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, sgd.alpha), 20);
    COMPAT_EQ(offsetof(struct ggml_opt_optimizer_params, sgd.wd), 24);

    COMPAT_EQ(offsetof(struct ggml_opt_params, backend_sched), 0);
    COMPAT_EQ(offsetof(struct ggml_opt_params, ctx_compute), 8);
    COMPAT_EQ(offsetof(struct ggml_opt_params, inputs), 16);
    COMPAT_EQ(offsetof(struct ggml_opt_params, outputs), 24);
    COMPAT_EQ(offsetof(struct ggml_opt_params, loss_type), 32);
    COMPAT_EQ(offsetof(struct ggml_opt_params, build_type), 36);
    COMPAT_EQ(offsetof(struct ggml_opt_params, opt_period), 40);
    COMPAT_EQ(offsetof(struct ggml_opt_params, get_opt_pars), 48);
    COMPAT_EQ(offsetof(struct ggml_opt_params, get_opt_pars_ud), 56);
    COMPAT_EQ(offsetof(struct ggml_opt_params, optimizer), 64);
    COMPAT_CHECK(offsetof(struct ggml_opt_params, seed) >= 72);
    COMPAT_CHECK(offsetof(struct ggml_opt_params, grad_checkpoint_interval) >= 72);

    /* ggml-backend.h */
    COMPAT_EQ(sizeof(struct ggml_backend_dev_caps), 5);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_caps, host_buffer), 1);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_caps, buffer_from_host_ptr), 2);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_caps, events), 3);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_caps, mmap_support), 4);
    COMPAT_EQ(sizeof(struct ggml_backend_dev_props), 56);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_props, description), 8);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_props, memory_free), 16);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_props, memory_total), 24);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_props, type), 32);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_props, device_id), 40);
    COMPAT_EQ(offsetof(struct ggml_backend_dev_props, caps), 48);

    /* ggml-cpu.h */
    COMPAT_EQ(sizeof(struct ggml_cplan), 56);
    COMPAT_EQ(offsetof(struct ggml_cplan, work_data), 8);
    COMPAT_EQ(offsetof(struct ggml_cplan, n_threads), 16);
    COMPAT_EQ(offsetof(struct ggml_cplan, threadpool), 24);
    COMPAT_EQ(offsetof(struct ggml_cplan, abort_callback), 32);
    COMPAT_EQ(offsetof(struct ggml_cplan, abort_callback_data), 40);
    COMPAT_EQ(offsetof(struct ggml_cplan, use_ref), 48);
    COMPAT_EQ(sizeof(struct ggml_type_traits_cpu), 32);
    COMPAT_EQ(offsetof(struct ggml_type_traits_cpu, vec_dot), 8);
    COMPAT_EQ(offsetof(struct ggml_type_traits_cpu, vec_dot_type), 16);
    COMPAT_EQ(offsetof(struct ggml_type_traits_cpu, nrows), 24);
}

static void check_enums_and_macros(void) {
    COMPAT_EQ(GGML_OP_NONE, 0);             COMPAT_EQ(GGML_OP_DUP, 1);
    COMPAT_EQ(GGML_OP_ADD, 2);              COMPAT_EQ(GGML_OP_ADD1, 4);
    COMPAT_EQ(GGML_OP_ACC, 5);              COMPAT_EQ(GGML_OP_SUB, 6);
    COMPAT_EQ(GGML_OP_MUL, 7);              COMPAT_EQ(GGML_OP_DIV, 8);
    COMPAT_EQ(GGML_OP_SQR, 9);              COMPAT_EQ(GGML_OP_SQRT, 10);
    COMPAT_EQ(GGML_OP_LOG, 11);             COMPAT_EQ(GGML_OP_SUM, 14);
    COMPAT_EQ(GGML_OP_SUM_ROWS, 15);        COMPAT_EQ(GGML_OP_MEAN, 17);
    COMPAT_EQ(GGML_OP_ARGMAX, 18);          COMPAT_EQ(GGML_OP_COUNT_EQUAL, 19);
    COMPAT_EQ(GGML_OP_REPEAT, 20);          COMPAT_EQ(GGML_OP_REPEAT_BACK, 21);
    COMPAT_EQ(GGML_OP_SILU_BACK, 23);       COMPAT_EQ(GGML_OP_MUL_MAT, 29);
    COMPAT_EQ(GGML_OP_OUT_PROD, 31);        COMPAT_EQ(GGML_OP_SCALE, 32);
    COMPAT_EQ(GGML_OP_CPY, 34);             COMPAT_EQ(GGML_OP_CONT, 35);
    COMPAT_EQ(GGML_OP_RESHAPE, 36);         COMPAT_EQ(GGML_OP_VIEW, 37);
    COMPAT_EQ(GGML_OP_PERMUTE, 38);         COMPAT_EQ(GGML_OP_TRANSPOSE, 39);
    COMPAT_EQ(GGML_OP_SOFT_MAX, 46);        COMPAT_EQ(GGML_OP_SOFT_MAX_BACK, 47);
    COMPAT_EQ(GGML_OP_IM2COL, 52);          COMPAT_EQ(GGML_OP_IM2COL_BACK, 53);
    COMPAT_EQ(GGML_OP_CONV_2D, 55);         COMPAT_EQ(GGML_OP_POOL_2D, 60);
    COMPAT_EQ(GGML_OP_POOL_2D_BACK, 61);    COMPAT_EQ(GGML_OP_UNARY, 84);
    COMPAT_EQ(GGML_OP_CROSS_ENTROPY_LOSS, 89);
    COMPAT_EQ(GGML_OP_CROSS_ENTROPY_LOSS_BACK, 90);
    COMPAT_EQ(GGML_OP_OPT_STEP_ADAMW, 91);  COMPAT_EQ(GGML_OP_OPT_STEP_SGD, 92);
    COMPAT_EQ(GGML_OP_COUNT, 94);
    COMPAT_CHECK(GGML_OP_CONV_2D_BACK_INPUT > GGML_OP_COUNT && GGML_OP_CONV_2D_BACK_KERNEL > GGML_OP_COUNT);

    COMPAT_EQ(GGML_UNARY_OP_ABS, 0);        COMPAT_EQ(GGML_UNARY_OP_RELU, 6);
    COMPAT_EQ(GGML_UNARY_OP_SIGMOID, 7);    COMPAT_EQ(GGML_UNARY_OP_GELU, 8);
    COMPAT_EQ(GGML_UNARY_OP_SILU, 10);      COMPAT_EQ(GGML_UNARY_OP_EXP, 13);

    COMPAT_EQ(GGML_TYPE_F32, 0);  COMPAT_EQ(GGML_TYPE_F16, 1);  COMPAT_EQ(GGML_TYPE_I8, 24);
    COMPAT_EQ(GGML_TYPE_I16, 25); COMPAT_EQ(GGML_TYPE_I32, 26); COMPAT_EQ(GGML_TYPE_I64, 27);
    COMPAT_EQ(GGML_TYPE_COUNT, 40);
    COMPAT_EQ(GGML_PREC_DEFAULT, 0); COMPAT_EQ(GGML_PREC_F32, 10);
    COMPAT_EQ(GGML_FTYPE_UNKNOWN, -1); COMPAT_EQ(GGML_FTYPE_ALL_F32, 0); COMPAT_EQ(GGML_FTYPE_MOSTLY_F16, 1);
    COMPAT_EQ(GGML_FTYPE_MOSTLY_Q8_0, 7); COMPAT_EQ(GGML_FTYPE_MOSTLY_BF16, 24);
    COMPAT_EQ(GGML_STATUS_ALLOC_FAILED, -2); COMPAT_EQ(GGML_STATUS_ABORTED, 1);
    COMPAT_EQ(GGML_LOG_LEVEL_CONT, 5);
    COMPAT_EQ(GGML_TENSOR_FLAG_INPUT, 1); COMPAT_EQ(GGML_TENSOR_FLAG_LOSS, 8);
    COMPAT_EQ(GGML_OP_POOL_MAX, 0); COMPAT_EQ(GGML_OP_POOL_AVG, 1);
    COMPAT_EQ(GGML_SCALE_MODE_NEAREST, 0); COMPAT_EQ(GGML_SCALE_MODE_BILINEAR, 1);
    COMPAT_EQ(GGML_SCALE_MODE_BICUBIC, 2); COMPAT_EQ(GGML_SCALE_FLAG_ALIGN_CORNERS, 256);

    COMPAT_EQ(GGML_BACKEND_DEVICE_TYPE_CPU, 0);  COMPAT_EQ(GGML_BACKEND_DEVICE_TYPE_GPU, 1);
    COMPAT_EQ(GGML_BACKEND_DEVICE_TYPE_IGPU, 2); COMPAT_EQ(GGML_BACKEND_DEVICE_TYPE_ACCEL, 3);
    COMPAT_EQ(GGML_BACKEND_BUFFER_USAGE_ANY, 0); COMPAT_EQ(GGML_BACKEND_BUFFER_USAGE_WEIGHTS, 1);
    COMPAT_EQ(GGML_BACKEND_BUFFER_USAGE_COMPUTE, 2);

    COMPAT_EQ(GGML_OPT_LOSS_TYPE_MEAN, 0); COMPAT_EQ(GGML_OPT_LOSS_TYPE_MEAN_SQUARED_ERROR, 3);
    COMPAT_EQ(GGML_OPT_BUILD_TYPE_FORWARD, 10); COMPAT_EQ(GGML_OPT_BUILD_TYPE_OPT, 30);
    COMPAT_EQ(GGML_OPT_OPTIMIZER_TYPE_ADAMW, 0); COMPAT_EQ(GGML_OPT_OPTIMIZER_TYPE_SGD, 1);
    COMPAT_EQ(GGML_OPT_OPTIMIZER_TYPE_COUNT, 2);

    COMPAT_EQ(GGUF_TYPE_UINT8, 0); COMPAT_EQ(GGUF_TYPE_STRING, 8); COMPAT_EQ(GGUF_TYPE_FLOAT64, 12);

    COMPAT_EQ(GGML_QNT_VERSION, 2); COMPAT_EQ(GGML_QNT_VERSION_FACTOR, 1000);
    COMPAT_EQ(GGML_N_TASKS_MAX, -1);
    COMPAT_EQ(GGML_MAX_DIMS, 4); COMPAT_EQ(GGML_MAX_SRC, 10); COMPAT_EQ(GGML_MAX_NAME, 64);
    COMPAT_EQ(GGML_MAX_OP_PARAMS, 64); COMPAT_EQ(GGML_DEFAULT_GRAPH_SIZE, 2048); COMPAT_EQ(GGML_MEM_ALIGN, 16);
}

static void check_memory_accounting(void) {
    COMPAT_EQ(ggml_tensor_overhead(), 368);
    COMPAT_EQ(ggml_graph_overhead(), 82608);
    COMPAT_EQ(ggml_graph_overhead_custom(GGML_DEFAULT_GRAPH_SIZE, true), 148192);
    COMPAT_EQ(ggml_graph_overhead_custom(16, false), 832);

    /* what the context gives away: a tensor with 10 floats takes its overhead plus 48 bytes;
     * a default graph takes exactly ggml_graph_overhead() */
    struct ggml_init_params ip = { 1024 * 1024, NULL, false };
    struct ggml_context * ctx = ggml_init(ip);
    ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 10);
    COMPAT_EQ(ggml_used_mem(ctx), 368 + 48);
    ggml_new_graph(ctx);
    COMPAT_EQ(ggml_used_mem(ctx), 368 + 48 + 82608);
    ggml_free(ctx);
}

int main(void) {
    check_structs();
    check_enums_and_macros();
    check_memory_accounting();
    return compat_result("compat-layout");
}
