#pragma once

// ggml-cpu.h: the CPU backend, direct graph computation on context memory, element access and
// CPU feature queries.
//
// Usage:
//   ggml_backend_t cpu = ggml_backend_cpu_init();   // thread count: CPUs this process may use
//   ggml_backend_cpu_set_n_threads(cpu, 2);
//   ggml_backend_graph_compute(cpu, graph);         // tensors allocated in backend buffers
//   ggml_backend_free(cpu);
//
//   // or, for tensors that live in a context created with no_alloc = false:
//   ggml_graph_compute_with_ctx(ctx, graph, 2);     // scratch memory comes from ctx
//
// Threads are created once per backend (and once per process for ggml_graph_compute*), never
// per graph.

#include "ggml.h"
#include "ggml-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ggml_threadpool;

// what ggml_graph_compute needs beside the graph: see ggml_graph_plan
struct ggml_cplan {
    size_t    work_size; // scratch bytes the graph's kernels need
    uint8_t * work_data; // caller-provided scratch of work_size bytes (when work_size > 0)

    int n_threads;
    struct ggml_threadpool * threadpool; // must be NULL: the process-wide pool is used

    ggml_abort_callback abort_callback; // checked between nodes; true stops the computation
    void *              abort_callback_data;

    bool use_ref; // ggml: use reference kernels; accepted and ignored (every kernel here is exact)
};

// single elements (tensors in host memory)
GGML_API struct ggml_tensor * ggml_new_i32(struct ggml_context * ctx, int32_t value);
GGML_API struct ggml_tensor * ggml_new_f32(struct ggml_context * ctx, float value);

GGML_API struct ggml_tensor * ggml_set_i32(struct ggml_tensor * tensor, int32_t value); // every element
GGML_API struct ggml_tensor * ggml_set_f32(struct ggml_tensor * tensor, float value);

// i indexes the elements in logical order (honouring strides)
GGML_API int32_t ggml_get_i32_1d(const struct ggml_tensor * tensor, int i);
GGML_API void    ggml_set_i32_1d(const struct ggml_tensor * tensor, int i, int32_t value);
GGML_API int32_t ggml_get_i32_nd(const struct ggml_tensor * tensor, int i0, int i1, int i2, int i3);
GGML_API void    ggml_set_i32_nd(const struct ggml_tensor * tensor, int i0, int i1, int i2, int i3, int32_t value);

GGML_API float   ggml_get_f32_1d(const struct ggml_tensor * tensor, int i);
GGML_API void    ggml_set_f32_1d(const struct ggml_tensor * tensor, int i, float value);
GGML_API float   ggml_get_f32_nd(const struct ggml_tensor * tensor, int i0, int i1, int i2, int i3);
GGML_API void    ggml_set_f32_nd(const struct ggml_tensor * tensor, int i0, int i1, int i2, int i3, float value);

// the CPU side of a type: conversion from float and the dot product of n elements (x of this type,
// y of vec_dot_type; nrc = 1 row; bs, bx, by are the row strides ggml passes for nrc > 1).
// Types without CPU kernels here have NULL functions.
typedef void (*ggml_vec_dot_t)(int n, float * s, size_t bs, const void * x, size_t bx,
                               const void * y, size_t by, int nrc);

struct ggml_type_traits_cpu {
    ggml_from_float_t from_float;
    ggml_vec_dot_t    vec_dot;
    enum ggml_type    vec_dot_type;
    int64_t           nrows; // rows vec_dot handles per call
};

GGML_API const struct ggml_type_traits_cpu * ggml_get_type_traits_cpu(enum ggml_type type);

// direct computation of graphs whose tensors have data
GGML_API struct ggml_cplan ggml_graph_plan(const struct ggml_cgraph * cgraph, int n_threads, struct ggml_threadpool * threadpool);
GGML_API enum ggml_status  ggml_graph_compute(struct ggml_cgraph * cgraph, struct ggml_cplan * cplan);
// as ggml_graph_compute, with the scratch memory taken from ctx
GGML_API enum ggml_status  ggml_graph_compute_with_ctx(struct ggml_context * ctx, struct ggml_cgraph * cgraph, int n_threads);

// CPU features (1 if present)
GGML_API int ggml_cpu_has_sse3       (void);
GGML_API int ggml_cpu_has_ssse3      (void);
GGML_API int ggml_cpu_has_avx        (void);
GGML_API int ggml_cpu_has_avx_vnni   (void);
GGML_API int ggml_cpu_has_avx2       (void);
GGML_API int ggml_cpu_has_bmi2       (void);
GGML_API int ggml_cpu_has_f16c       (void);
GGML_API int ggml_cpu_has_fma        (void);
GGML_API int ggml_cpu_has_avx512     (void);
GGML_API int ggml_cpu_has_avx512_vbmi(void);
GGML_API int ggml_cpu_has_avx512_vnni(void);
GGML_API int ggml_cpu_has_avx512_bf16(void);
GGML_API int ggml_cpu_has_amx_int8   (void);
GGML_API int ggml_cpu_has_neon       (void);
GGML_API int ggml_cpu_has_arm_fma    (void);
GGML_API int ggml_cpu_has_fp16_va    (void);
GGML_API int ggml_cpu_has_dotprod    (void);
GGML_API int ggml_cpu_has_matmul_int8(void);
GGML_API int ggml_cpu_has_sve        (void);
GGML_API int ggml_cpu_get_sve_cnt    (void);
GGML_API int ggml_cpu_has_sme        (void);
GGML_API int ggml_cpu_has_riscv_v    (void);
GGML_API int ggml_cpu_has_vsx        (void);
GGML_API int ggml_cpu_has_vxe        (void);
GGML_API int ggml_cpu_has_wasm_simd  (void);
GGML_API int ggml_cpu_has_llamafile  (void);

GGML_API void ggml_cpu_init(void);

// CPU backend

GGML_API ggml_backend_t ggml_backend_cpu_init(void);

GGML_API bool ggml_backend_is_cpu                (ggml_backend_t backend);
GGML_API void ggml_backend_cpu_set_n_threads     (ggml_backend_t backend_cpu, int n_threads);
GGML_API void ggml_backend_cpu_set_abort_callback(ggml_backend_t backend_cpu, ggml_abort_callback abort_callback, void * abort_callback_data);

// Our addition: runs fn(ctx, ith, nth) for ith in [0, nth) on the backend's own threads (nth is
// its thread count; the caller runs ith = 0) and returns when all are done. For work between
// graph computes that should not compete with the compute threads from a thread of its own.
// Not while a graph of this backend is computing, and fn must not compute one.
GGML_API void ggml_backend_cpu_parallel_for(ggml_backend_t backend_cpu, void (*fn)(void * ctx, int ith, int nth), void * ctx);

GGML_API ggml_backend_reg_t ggml_backend_cpu_reg(void);

GGML_API void ggml_cpu_fp32_to_fp16(const float *, ggml_fp16_t *, int64_t);
GGML_API void ggml_cpu_fp16_to_fp32(const ggml_fp16_t *, float *, int64_t);

#ifdef __cplusplus
}
#endif
