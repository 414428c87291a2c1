#pragma once

// ggml.h: tensors, contexts, operators, compute graphs and automatic differentiation.
//
// Usage:
//   struct ggml_init_params ip = { 16*1024*1024, NULL, false };
//   struct ggml_context * ctx = ggml_init(ip);          // arena for tensors and graphs
//   struct ggml_tensor  * w   = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 784, 10);
//   struct ggml_tensor  * x   = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 784, 32);
//   struct ggml_tensor  * y   = ggml_mul_mat(ctx, w, x);  // builds a node, computes nothing
//   struct ggml_cgraph  * gf  = ggml_new_graph(ctx);
//   ggml_build_forward_expand(gf, y);
//   ggml_graph_compute_with_ctx(ctx, gf, 2);              // see ggml-cpu.h, or use a backend
//   ggml_free(ctx);
//
// Layout: ne[i] is the number of elements along dimension i (ne[0] is the innermost, contiguous
// one), nb[i] the stride in bytes. Operators take strides into account, so views, permutations
// and transpositions need no copy until an operator needs contiguous data (ggml_cont).
//
// This header declares exactly the part of ggml's public API this library implements; names,
// signatures, enum values and struct fields are ggml's so that code written for ggml compiles.

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GGML_API extern

#ifdef __GNUC__
#    define GGML_ATTRIBUTE_FORMAT(...) __attribute__((format(printf, __VA_ARGS__)))
#    define GGML_DEPRECATED(func, hint) func __attribute__((deprecated(hint)))
#else
#    define GGML_ATTRIBUTE_FORMAT(...)
#    define GGML_DEPRECATED(func, hint) func
#endif

#ifdef __cplusplus
#    define GGML_NORETURN [[noreturn]]
#else
#    define GGML_NORETURN _Noreturn
#endif

#define GGML_FILE_MAGIC   0x67676d6c
#define GGML_FILE_VERSION 2

#define GGML_QNT_VERSION        2    // ggml's quantization format version (no quantized types here)
#define GGML_QNT_VERSION_FACTOR 1000

#define GGML_MAX_DIMS           4
#define GGML_MAX_PARAMS         2048
#define GGML_MAX_SRC            10
#define GGML_MAX_N_THREADS      512
#define GGML_MAX_OP_PARAMS      64
#ifndef GGML_MAX_NAME
#    define GGML_MAX_NAME       64
#endif
#define GGML_DEFAULT_N_THREADS  4
#define GGML_DEFAULT_GRAPH_SIZE 2048
#define GGML_MEM_ALIGN          16

#define GGML_N_TASKS_MAX (-1) // for custom ops in ggml: use every thread

#define GGML_EXIT_SUCCESS 0
#define GGML_EXIT_ABORTED 1

#define GGML_UNUSED(x) (void)(x)
#define GGML_PAD(x, n) (((x) + (n) - 1) & ~((n) - 1))

// Programming errors (mismatched shapes, misuse of the API) abort with file:line and a message.
#define GGML_ABORT(...) ggml_abort(__FILE__, __LINE__, __VA_ARGS__)
#define GGML_ASSERT(x) if (!(x)) GGML_ABORT("GGML_ASSERT(%s) failed", #x)

#define GGML_TENSOR_LOCALS_1(type, prefix, pointer, array) \
    const type prefix##0 = (pointer)->array[0]; GGML_UNUSED(prefix##0);
#define GGML_TENSOR_LOCALS_2(type, prefix, pointer, array) \
    GGML_TENSOR_LOCALS_1(type, prefix, pointer, array)     \
    const type prefix##1 = (pointer)->array[1]; GGML_UNUSED(prefix##1);
#define GGML_TENSOR_LOCALS_3(type, prefix, pointer, array) \
    GGML_TENSOR_LOCALS_2(type, prefix, pointer, array)     \
    const type prefix##2 = (pointer)->array[2]; GGML_UNUSED(prefix##2);
#define GGML_TENSOR_LOCALS(type, prefix, pointer, array)   \
    GGML_TENSOR_LOCALS_3(type, prefix, pointer, array)     \
    const type prefix##3 = (pointer)->array[3]; GGML_UNUSED(prefix##3);

#define GGML_TENSOR_UNARY_OP_LOCALS                 \
    GGML_TENSOR_LOCALS(int64_t, ne0, src0, ne)      \
    GGML_TENSOR_LOCALS(size_t,  nb0, src0, nb)      \
    GGML_TENSOR_LOCALS(int64_t, ne,  dst,  ne)      \
    GGML_TENSOR_LOCALS(size_t,  nb,  dst,  nb)

#define GGML_TENSOR_BINARY_OP_LOCALS                \
    GGML_TENSOR_LOCALS(int64_t, ne0, src0, ne)      \
    GGML_TENSOR_LOCALS(size_t,  nb0, src0, nb)      \
    GGML_TENSOR_LOCALS(int64_t, ne1, src1, ne)      \
    GGML_TENSOR_LOCALS(size_t,  nb1, src1, nb)      \
    GGML_TENSOR_LOCALS(int64_t, ne,  dst,  ne)      \
    GGML_TENSOR_LOCALS(size_t,  nb,  dst,  nb)

#ifdef __cplusplus
extern "C" {
#endif

GGML_NORETURN GGML_ATTRIBUTE_FORMAT(3, 4)
GGML_API void ggml_abort(const char * file, int line, const char * fmt, ...);

enum ggml_status {
    GGML_STATUS_ALLOC_FAILED = -2,
    GGML_STATUS_FAILED       = -1,
    GGML_STATUS_SUCCESS      =  0,
    GGML_STATUS_ABORTED      =  1,
};

GGML_API const char * ggml_status_to_string(enum ggml_status status);

// IEEE 754 half precision, stored as its bit pattern.
typedef uint16_t ggml_fp16_t;
GGML_API float       ggml_fp16_to_fp32(ggml_fp16_t);
GGML_API ggml_fp16_t ggml_fp32_to_fp16(float);
GGML_API void        ggml_fp16_to_fp32_row(const ggml_fp16_t *, float *, int64_t);
GGML_API void        ggml_fp32_to_fp16_row(const float *, ggml_fp16_t *, int64_t);

// bfloat16: the upper half of an IEEE 754 single (fp32 -> bf16 rounds to nearest even and keeps
// NaNs quiet). The row variants convert n values; _ref is the same conversion (no fast path).
typedef struct { uint16_t bits; } ggml_bf16_t;
GGML_API ggml_bf16_t ggml_fp32_to_bf16(float);
GGML_API float       ggml_bf16_to_fp32(ggml_bf16_t);
GGML_API void        ggml_bf16_to_fp32_row(const ggml_bf16_t *, float *, int64_t);
GGML_API void        ggml_fp32_to_bf16_row_ref(const float *, ggml_bf16_t *, int64_t);
GGML_API void        ggml_fp32_to_bf16_row(const float *, ggml_bf16_t *, int64_t);

struct ggml_context;
struct ggml_cgraph;
struct ggml_backend_buffer;

// Values are ggml's (and GGUF's tensor type ids); only these types are supported.
enum ggml_type {
    GGML_TYPE_F32   = 0,
    GGML_TYPE_F16   = 1,
    GGML_TYPE_I8    = 24,
    GGML_TYPE_I16   = 25,
    GGML_TYPE_I32   = 26,
    GGML_TYPE_I64   = 27,
    GGML_TYPE_COUNT = 40, // ggml's: one past its last type (MXFP4 = 39)
};

// Model file types, with ggml's values. Only ALL_F32 and MOSTLY_F16 name types this library has.
enum ggml_ftype {
    GGML_FTYPE_UNKNOWN              = -1,
    GGML_FTYPE_ALL_F32              =  0,
    GGML_FTYPE_MOSTLY_F16           =  1,
    GGML_FTYPE_MOSTLY_Q4_0          =  2,
    GGML_FTYPE_MOSTLY_Q4_1          =  3,
    GGML_FTYPE_MOSTLY_Q4_1_SOME_F16 =  4,
    GGML_FTYPE_MOSTLY_Q8_0          =  7,
    GGML_FTYPE_MOSTLY_Q5_0          =  8,
    GGML_FTYPE_MOSTLY_Q5_1          =  9,
    GGML_FTYPE_MOSTLY_Q2_K          = 10,
    GGML_FTYPE_MOSTLY_Q3_K          = 11,
    GGML_FTYPE_MOSTLY_Q4_K          = 12,
    GGML_FTYPE_MOSTLY_Q5_K          = 13,
    GGML_FTYPE_MOSTLY_Q6_K          = 14,
    GGML_FTYPE_MOSTLY_IQ2_XXS       = 15,
    GGML_FTYPE_MOSTLY_IQ2_XS        = 16,
    GGML_FTYPE_MOSTLY_IQ3_XXS       = 17,
    GGML_FTYPE_MOSTLY_IQ1_S         = 18,
    GGML_FTYPE_MOSTLY_IQ4_NL        = 19,
    GGML_FTYPE_MOSTLY_IQ3_S         = 20,
    GGML_FTYPE_MOSTLY_IQ2_S         = 21,
    GGML_FTYPE_MOSTLY_IQ4_XS        = 22,
    GGML_FTYPE_MOSTLY_IQ1_M         = 23,
    GGML_FTYPE_MOSTLY_BF16          = 24,
    GGML_FTYPE_MOSTLY_MXFP4         = 25,
};

enum ggml_prec {
    GGML_PREC_DEFAULT =  0, // stored in op_params[0] of a matrix product
    GGML_PREC_F32     = 10,
};

// The operators this library implements, with ggml's values: ggml numbers every operator it has,
// so the values here have gaps where ggml has operators this library does not implement.
// GGML_OP_COUNT is ggml's, so that tables sized by it and checks against it work as with ggml.
// This library's own operators are numbered after GGML_OP_COUNT (see GGML_OP_EXT_END).
enum ggml_op {
    GGML_OP_NONE                     = 0,
    GGML_OP_DUP                      = 1,
    GGML_OP_ADD                      = 2,
    GGML_OP_ADD1                     = 4,
    GGML_OP_ACC                      = 5,
    GGML_OP_SUB                      = 6,
    GGML_OP_MUL                      = 7,
    GGML_OP_DIV                      = 8,
    GGML_OP_SQR                      = 9,
    GGML_OP_SQRT                     = 10,
    GGML_OP_LOG                      = 11,
    GGML_OP_SUM                      = 14,
    GGML_OP_SUM_ROWS                 = 15,
    GGML_OP_MEAN                     = 17,
    GGML_OP_ARGMAX                   = 18,
    GGML_OP_COUNT_EQUAL              = 19,
    GGML_OP_REPEAT                   = 20,
    GGML_OP_REPEAT_BACK              = 21,
    GGML_OP_SILU_BACK                = 23,
    GGML_OP_MUL_MAT                  = 29,
    GGML_OP_OUT_PROD                 = 31,
    GGML_OP_SCALE                    = 32,
    GGML_OP_CPY                      = 34,
    GGML_OP_CONT                     = 35,
    GGML_OP_RESHAPE                  = 36,
    GGML_OP_VIEW                     = 37,
    GGML_OP_PERMUTE                  = 38,
    GGML_OP_TRANSPOSE                = 39,
    GGML_OP_SOFT_MAX                 = 46,
    GGML_OP_SOFT_MAX_BACK            = 47,
    GGML_OP_IM2COL                   = 52,
    GGML_OP_IM2COL_BACK              = 53,
    GGML_OP_CONV_2D                  = 55,
    GGML_OP_POOL_2D                  = 60,
    GGML_OP_POOL_2D_BACK             = 61,
    GGML_OP_UNARY                    = 84,
    GGML_OP_CROSS_ENTROPY_LOSS       = 89,
    GGML_OP_CROSS_ENTROPY_LOSS_BACK  = 90,
    GGML_OP_OPT_STEP_ADAMW           = 91,
    GGML_OP_OPT_STEP_SGD             = 92,
    GGML_OP_COUNT                    = 94,

    // the gradients of CONV_2D with respect to its input and its kernel (ggml's CONV_2D has no
    // backward; these two are this library's own and are only built by automatic differentiation)
    GGML_OP_CONV_2D_BACK_INPUT = GGML_OP_COUNT + 1,
    GGML_OP_CONV_2D_BACK_KERNEL,

    GGML_OP_EXT_END, // one past the last operator value this library uses
};

enum ggml_unary_op {
    GGML_UNARY_OP_ABS,
    GGML_UNARY_OP_SGN,
    GGML_UNARY_OP_NEG,
    GGML_UNARY_OP_STEP,
    GGML_UNARY_OP_TANH,
    GGML_UNARY_OP_ELU,
    GGML_UNARY_OP_RELU,
    GGML_UNARY_OP_SIGMOID,
    GGML_UNARY_OP_GELU,
    GGML_UNARY_OP_GELU_QUICK,
    GGML_UNARY_OP_SILU,
    GGML_UNARY_OP_HARDSWISH,
    GGML_UNARY_OP_HARDSIGMOID,
    GGML_UNARY_OP_EXP,

    GGML_UNARY_OP_COUNT,
};

enum ggml_log_level {
    GGML_LOG_LEVEL_NONE  = 0,
    GGML_LOG_LEVEL_DEBUG = 1,
    GGML_LOG_LEVEL_INFO  = 2,
    GGML_LOG_LEVEL_WARN  = 3,
    GGML_LOG_LEVEL_ERROR = 4,
    GGML_LOG_LEVEL_CONT  = 5,
};

enum ggml_tensor_flag {
    GGML_TENSOR_FLAG_INPUT  = 1, // filled by the user before each compute
    GGML_TENSOR_FLAG_OUTPUT = 2, // read by the user after compute: its memory is never reused
    GGML_TENSOR_FLAG_PARAM  = 4, // trainable: gets a gradient
    GGML_TENSOR_FLAG_LOSS   = 8, // a loss to minimise (several add up)
};

struct ggml_init_params {
    size_t mem_size;   // bytes of the arena holding tensor structs, graphs and (unless no_alloc) data
    void * mem_buffer; // caller-owned arena, or NULL to allocate one
    bool   no_alloc;   // tensor data lives elsewhere (a backend buffer)
};

struct ggml_tensor {
    enum ggml_type type;

    struct ggml_backend_buffer * buffer;

    int64_t ne[GGML_MAX_DIMS]; // elements per dimension
    size_t  nb[GGML_MAX_DIMS]; // stride in bytes per dimension

    enum ggml_op op;
    int32_t op_params[GGML_MAX_OP_PARAMS / sizeof(int32_t)];
    int32_t flags;

    struct ggml_tensor * src[GGML_MAX_SRC];

    struct ggml_tensor * view_src;  // the tensor whose memory a view shares
    size_t               view_offs; // byte offset into view_src

    void * data;

    char name[GGML_MAX_NAME];

    void * extra;

    char padding[8];
};

static const size_t GGML_TENSOR_SIZE = sizeof(struct ggml_tensor);

typedef bool (*ggml_abort_callback)(void * data);

// misc

GGML_API const char * ggml_version(void); // this library's version
GGML_API const char * ggml_commit(void);  // the source revision it was built from ("unknown" outside git)

GGML_API void    ggml_time_init(void);
GGML_API int64_t ggml_time_ms(void);
GGML_API int64_t ggml_time_us(void);

GGML_API FILE *  ggml_fopen(const char * fname, const char * mode);

GGML_API int64_t ggml_nelements (const struct ggml_tensor * tensor);
GGML_API int64_t ggml_nrows     (const struct ggml_tensor * tensor);
GGML_API size_t  ggml_nbytes    (const struct ggml_tensor * tensor);
GGML_API size_t  ggml_nbytes_pad(const struct ggml_tensor * tensor);

GGML_API int64_t ggml_blck_size(enum ggml_type type);
GGML_API size_t  ggml_type_size(enum ggml_type type);
GGML_API size_t  ggml_row_size (enum ggml_type type, int64_t ne);

GGML_API const char * ggml_type_name(enum ggml_type type);
GGML_API const char * ggml_op_name  (enum ggml_op   op);
GGML_API const char * ggml_op_symbol(enum ggml_op   op);
GGML_API const char * ggml_unary_op_name(enum ggml_unary_op op);
GGML_API const char * ggml_op_desc(const struct ggml_tensor * t);

GGML_API size_t ggml_element_size(const struct ggml_tensor * tensor);
GGML_API bool   ggml_is_quantized(enum ggml_type type);
// the tensor type of a model file type; GGML_TYPE_COUNT for file types without one here
GGML_API enum ggml_type ggml_ftype_to_ggml_type(enum ggml_ftype ftype);

GGML_API bool ggml_is_transposed(const struct ggml_tensor * tensor);
GGML_API bool ggml_is_permuted  (const struct ggml_tensor * tensor);
GGML_API bool ggml_is_empty     (const struct ggml_tensor * tensor);
GGML_API bool ggml_is_scalar    (const struct ggml_tensor * tensor);
GGML_API bool ggml_is_vector    (const struct ggml_tensor * tensor);
GGML_API bool ggml_is_matrix    (const struct ggml_tensor * tensor);
GGML_API bool ggml_is_3d        (const struct ggml_tensor * tensor);
GGML_API int  ggml_n_dims       (const struct ggml_tensor * tensor); // 1 for scalars

GGML_API bool ggml_is_contiguous  (const struct ggml_tensor * tensor);
GGML_API bool ggml_is_contiguous_0(const struct ggml_tensor * tensor);
GGML_API bool ggml_is_contiguous_1(const struct ggml_tensor * tensor); // rows may be strided
GGML_API bool ggml_is_contiguous_2(const struct ggml_tensor * tensor); // matrices may be strided
GGML_API bool ggml_is_contiguously_allocated(const struct ggml_tensor * tensor);

GGML_API bool ggml_are_same_shape (const struct ggml_tensor * t0, const struct ggml_tensor * t1);
GGML_API bool ggml_are_same_stride(const struct ggml_tensor * t0, const struct ggml_tensor * t1);
GGML_API bool ggml_can_repeat(const struct ggml_tensor * t0, const struct ggml_tensor * t1);

GGML_API size_t ggml_tensor_overhead(void);

// contexts

GGML_API struct ggml_context * ggml_init (struct ggml_init_params params);
GGML_API void                  ggml_reset(struct ggml_context * ctx);
GGML_API void                  ggml_free (struct ggml_context * ctx);

GGML_API size_t ggml_used_mem(const struct ggml_context * ctx);
GGML_API bool   ggml_get_no_alloc(struct ggml_context * ctx);
GGML_API void   ggml_set_no_alloc(struct ggml_context * ctx, bool no_alloc);
GGML_API void * ggml_get_mem_buffer     (const struct ggml_context * ctx);
GGML_API size_t ggml_get_mem_size       (const struct ggml_context * ctx);
GGML_API size_t ggml_get_max_tensor_size(const struct ggml_context * ctx);

GGML_API struct ggml_tensor * ggml_new_tensor(struct ggml_context * ctx, enum ggml_type type, int n_dims, const int64_t * ne);
GGML_API struct ggml_tensor * ggml_new_tensor_1d(struct ggml_context * ctx, enum ggml_type type, int64_t ne0);
GGML_API struct ggml_tensor * ggml_new_tensor_2d(struct ggml_context * ctx, enum ggml_type type, int64_t ne0, int64_t ne1);
GGML_API struct ggml_tensor * ggml_new_tensor_3d(struct ggml_context * ctx, enum ggml_type type, int64_t ne0, int64_t ne1, int64_t ne2);
GGML_API struct ggml_tensor * ggml_new_tensor_4d(struct ggml_context * ctx, enum ggml_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3);

GGML_API void * ggml_new_buffer(struct ggml_context * ctx, size_t nbytes);

GGML_API struct ggml_tensor * ggml_dup_tensor (struct ggml_context * ctx, const struct ggml_tensor * src);
GGML_API struct ggml_tensor * ggml_view_tensor(struct ggml_context * ctx, struct ggml_tensor * src);

GGML_API struct ggml_tensor * ggml_get_first_tensor(const struct ggml_context * ctx);
GGML_API struct ggml_tensor * ggml_get_next_tensor (const struct ggml_context * ctx, struct ggml_tensor * tensor);
GGML_API struct ggml_tensor * ggml_get_tensor(struct ggml_context * ctx, const char * name);

GGML_API void ggml_unravel_index(const struct ggml_tensor * tensor, int64_t i, int64_t * i0, int64_t * i1, int64_t * i2, int64_t * i3);

GGML_API enum ggml_unary_op ggml_get_unary_op(const struct ggml_tensor * tensor);

GGML_API void *  ggml_get_data    (const struct ggml_tensor * tensor);
GGML_API float * ggml_get_data_f32(const struct ggml_tensor * tensor);

GGML_API const char *         ggml_get_name   (const struct ggml_tensor * tensor);
GGML_API struct ggml_tensor * ggml_set_name   (      struct ggml_tensor * tensor, const char * name);
GGML_ATTRIBUTE_FORMAT(2, 3)
GGML_API struct ggml_tensor * ggml_format_name(      struct ggml_tensor * tensor, const char * fmt, ...);

GGML_API void ggml_set_input (struct ggml_tensor * tensor);
GGML_API void ggml_set_output(struct ggml_tensor * tensor);
GGML_API void ggml_set_param (struct ggml_tensor * tensor);
GGML_API void ggml_set_loss  (struct ggml_tensor * tensor);

// operators (each builds a node; nothing is computed until a graph runs)

GGML_API struct ggml_tensor * ggml_dup        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_dup_inplace(struct ggml_context * ctx, struct ggml_tensor * a);

// binary element-wise ops broadcast b over a: each b->ne[i] must divide a->ne[i]
GGML_API struct ggml_tensor * ggml_add        (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_add_inplace(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_add1        (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_add1_inplace(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_acc(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                       size_t nb1, size_t nb2, size_t nb3, size_t offset);
GGML_API struct ggml_tensor * ggml_acc_inplace(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                               size_t nb1, size_t nb2, size_t nb3, size_t offset);
GGML_API struct ggml_tensor * ggml_sub        (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_sub_inplace(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_mul        (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_mul_inplace(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_div        (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_div_inplace(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);

GGML_API struct ggml_tensor * ggml_sqr         (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sqr_inplace (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sqrt        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sqrt_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_log         (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_log_inplace (struct ggml_context * ctx, struct ggml_tensor * a);

GGML_API struct ggml_tensor * ggml_sum     (struct ggml_context * ctx, struct ggml_tensor * a); // scalar
GGML_API struct ggml_tensor * ggml_sum_rows(struct ggml_context * ctx, struct ggml_tensor * a); // [1, ne1, ne2, ne3]
GGML_API struct ggml_tensor * ggml_mean    (struct ggml_context * ctx, struct ggml_tensor * a); // [1, ne1, ne2, ne3]
GGML_API struct ggml_tensor * ggml_argmax  (struct ggml_context * ctx, struct ggml_tensor * a); // I32 [ne1]
GGML_API struct ggml_tensor * ggml_count_equal(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b); // I64 scalar

GGML_API struct ggml_tensor * ggml_repeat     (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b); // a tiled to b's shape
GGML_API struct ggml_tensor * ggml_repeat_back(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b); // a's tiles summed into b's shape

GGML_API struct ggml_tensor * ggml_abs        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_abs_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sgn        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sgn_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_neg        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_neg_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_step        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_step_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_tanh        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_tanh_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_elu        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_elu_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_relu        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_relu_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sigmoid        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_sigmoid_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_gelu        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_gelu_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_gelu_quick        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_gelu_quick_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_silu        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_silu_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_silu_back(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b); // a = x, b = dy
GGML_API struct ggml_tensor * ggml_hardswish  (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_hardsigmoid(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_exp        (struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_exp_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_unary        (struct ggml_context * ctx, struct ggml_tensor * a, enum ggml_unary_op op);
GGML_API struct ggml_tensor * ggml_unary_inplace(struct ggml_context * ctx, struct ggml_tensor * a, enum ggml_unary_op op);

// a: [K, M, ...], b: [K, N, ...] -> [M, N, ...]; a's dims 2 and 3 are broadcast over b's
GGML_API struct ggml_tensor * ggml_mul_mat(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API void ggml_mul_mat_set_prec(struct ggml_tensor * a, enum ggml_prec prec);
// a: [M, K, ...], b: [N, K, ...] -> [M, N, ...] (sum over K of outer products)
GGML_API struct ggml_tensor * ggml_out_prod(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);

GGML_API struct ggml_tensor * ggml_scale        (struct ggml_context * ctx, struct ggml_tensor * a, float s);
GGML_API struct ggml_tensor * ggml_scale_inplace(struct ggml_context * ctx, struct ggml_tensor * a, float s);

GGML_API struct ggml_tensor * ggml_cpy (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b); // a -> b, returns view(b)
GGML_API struct ggml_tensor * ggml_cast(struct ggml_context * ctx, struct ggml_tensor * a, enum ggml_type type);
GGML_API struct ggml_tensor * ggml_cont(struct ggml_context * ctx, struct ggml_tensor * a);
GGML_API struct ggml_tensor * ggml_cont_1d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0);
GGML_API struct ggml_tensor * ggml_cont_2d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1);
GGML_API struct ggml_tensor * ggml_cont_3d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2);
GGML_API struct ggml_tensor * ggml_cont_4d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3);

GGML_API struct ggml_tensor * ggml_reshape   (struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
GGML_API struct ggml_tensor * ggml_reshape_1d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0);
GGML_API struct ggml_tensor * ggml_reshape_2d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1);
GGML_API struct ggml_tensor * ggml_reshape_3d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2);
GGML_API struct ggml_tensor * ggml_reshape_4d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3);

GGML_API struct ggml_tensor * ggml_view_1d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, size_t offset);
GGML_API struct ggml_tensor * ggml_view_2d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1,
                                           size_t nb1, size_t offset);
GGML_API struct ggml_tensor * ggml_view_3d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2,
                                           size_t nb1, size_t nb2, size_t offset);
GGML_API struct ggml_tensor * ggml_view_4d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3,
                                           size_t nb1, size_t nb2, size_t nb3, size_t offset);

GGML_API struct ggml_tensor * ggml_permute(struct ggml_context * ctx, struct ggml_tensor * a, int axis0, int axis1, int axis2, int axis3);
GGML_API struct ggml_tensor * ggml_transpose(struct ggml_context * ctx, struct ggml_tensor * a); // permute(a, 1, 0, 2, 3)

GGML_API struct ggml_tensor * ggml_soft_max        (struct ggml_context * ctx, struct ggml_tensor * a); // along rows
GGML_API struct ggml_tensor * ggml_soft_max_inplace(struct ggml_context * ctx, struct ggml_tensor * a);
// a = dy, b = softmax output; only scale = 1 and max_bias = 0 (plain soft_max) are supported
GGML_API struct ggml_tensor * ggml_soft_max_ext_back(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                                     float scale, float max_bias);

// a: kernel (only its shape is used), b: data [W, H, C, N] -> [C*KH*KW, OW, OH, N] (2-D)
GGML_API struct ggml_tensor * ggml_im2col(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                          int s0, int s1, int p0, int p1, int d0, int d1, bool is_2D, enum ggml_type dst_type);
// b: gradient of im2col's result, ne: shape of im2col's input
GGML_API struct ggml_tensor * ggml_im2col_back(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b, int64_t * ne,
                                               int s0, int s1, int p0, int p1, int d0, int d1, bool is_2D);
// a: kernel [KW, KH, IC, OC], b: data [W, H, IC, N] -> [OW, OH, OC, N]
GGML_API struct ggml_tensor * ggml_conv_2d(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                           int s0, int s1, int p0, int p1, int d0, int d1);
// The same convolution as one op (GGML_OP_CONV_2D) that reads its input in place instead of
// materialising im2col's columns; differentiable. a: kernel [KW, KH, IC, OC] (F32 or F16),
// b: data [W, H, IC, N] (F32) -> [OW, OH, OC, N] (F32)
GGML_API struct ggml_tensor * ggml_conv_2d_direct(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                                  int s0, int s1, int p0, int p1, int d0, int d1);

enum ggml_op_pool {
    GGML_OP_POOL_MAX,
    GGML_OP_POOL_AVG,
    GGML_OP_POOL_COUNT,
};

enum ggml_scale_mode {
    GGML_SCALE_MODE_NEAREST  = 0,
    GGML_SCALE_MODE_BILINEAR = 1,
    GGML_SCALE_MODE_BICUBIC  = 2,

    GGML_SCALE_MODE_COUNT
};

enum ggml_scale_flag {
    GGML_SCALE_FLAG_ALIGN_CORNERS = (1 << 8)
};

GGML_API struct ggml_tensor * ggml_pool_2d(struct ggml_context * ctx, struct ggml_tensor * a, enum ggml_op_pool op,
                                           int k0, int k1, int s0, int s1, float p0, float p1);
// a: gradient of pool_2d's result, af: pool_2d's input
GGML_API struct ggml_tensor * ggml_pool_2d_back(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * af,
                                                enum ggml_op_pool op, int k0, int k1, int s0, int s1, float p0, float p1);

// a: logits [nclasses, nrows], b: target probabilities, same shape -> scalar mean over rows
GGML_API struct ggml_tensor * ggml_cross_entropy_loss(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b);
// c: gradient of the loss (scalar)
GGML_API struct ggml_tensor * ggml_cross_entropy_loss_back(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * b,
                                                           struct ggml_tensor * c);

// adamw_params: F32 [7] = alpha, beta1, beta2, eps, wd, beta1h, beta2h (the last two: 1/(1 - beta^t))
GGML_API struct ggml_tensor * ggml_opt_step_adamw(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * grad,
                                                  struct ggml_tensor * m, struct ggml_tensor * v, struct ggml_tensor * adamw_params);
// sgd_params: F32 [2] = alpha, wd
GGML_API struct ggml_tensor * ggml_opt_step_sgd(struct ggml_context * ctx, struct ggml_tensor * a, struct ggml_tensor * grad,
                                                struct ggml_tensor * sgd_params);

// graphs and automatic differentiation

GGML_API void ggml_build_forward_expand(struct ggml_cgraph * cgraph, struct ggml_tensor * tensor);
// Appends the backward pass of the graph's loss to it. grad_accs (may be NULL) holds, per forward
// node index, a tensor that accumulates that node's gradient across computes.
GGML_API void ggml_build_backward_expand(struct ggml_context * ctx, struct ggml_cgraph * cgraph, struct ggml_tensor ** grad_accs);

GGML_API struct ggml_cgraph * ggml_new_graph       (struct ggml_context * ctx);
GGML_API struct ggml_cgraph * ggml_new_graph_custom(struct ggml_context * ctx, size_t size, bool grads);
GGML_API struct ggml_cgraph * ggml_graph_dup       (struct ggml_context * ctx, struct ggml_cgraph * cgraph, bool force_grads);
GGML_API void                 ggml_graph_cpy       (struct ggml_cgraph * src, struct ggml_cgraph * dst);
GGML_API void                 ggml_graph_reset     (struct ggml_cgraph * cgraph); // loss gradient 1, accumulators and optimizer moments 0
GGML_API void                 ggml_graph_clear     (struct ggml_cgraph * cgraph);

GGML_API int                   ggml_graph_size   (struct ggml_cgraph * cgraph);
GGML_API struct ggml_tensor *  ggml_graph_node   (struct ggml_cgraph * cgraph, int i); // i < 0 counts from the end
GGML_API struct ggml_tensor ** ggml_graph_nodes  (struct ggml_cgraph * cgraph);
GGML_API int                   ggml_graph_n_nodes(struct ggml_cgraph * cgraph);
GGML_API void                  ggml_graph_add_node(struct ggml_cgraph * cgraph, struct ggml_tensor * tensor);

GGML_API size_t ggml_graph_overhead(void);
GGML_API size_t ggml_graph_overhead_custom(size_t size, bool grads);

GGML_API struct ggml_tensor * ggml_graph_get_tensor  (const struct ggml_cgraph * cgraph, const char * name);
GGML_API struct ggml_tensor * ggml_graph_get_grad    (const struct ggml_cgraph * cgraph, const struct ggml_tensor * node);
GGML_API struct ggml_tensor * ggml_graph_get_grad_acc(const struct ggml_cgraph * cgraph, const struct ggml_tensor * node);

GGML_API void ggml_graph_print(const struct ggml_cgraph * cgraph);

typedef void (*ggml_log_callback)(enum ggml_log_level level, const char * text, void * user_data);
GGML_API void ggml_log_set(ggml_log_callback log_callback, void * user_data);

GGML_API struct ggml_tensor * ggml_set_zero(struct ggml_tensor * tensor);

typedef void (*ggml_to_float_t)  (const void  * x, float * y, int64_t k);
typedef void (*ggml_from_float_t)(const float * x, void  * y, int64_t k);

struct ggml_type_traits {
    const char *      type_name;
    int64_t           blck_size;
    int64_t           blck_size_interleave;
    size_t            type_size;
    bool              is_quantized;
    ggml_to_float_t   to_float;
    ggml_from_float_t from_float_ref;
};

GGML_API const struct ggml_type_traits * ggml_get_type_traits(enum ggml_type type);

#ifdef __cplusplus
}
#endif
