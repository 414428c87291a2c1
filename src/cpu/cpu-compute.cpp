// Computing graphs whose tensors have data (context memory or buffers), and reading or writing
// single elements.

#include "backend/backend-impl.h"
#include "cpu/graph-exec.h"
#include "ggml-cpu.h"

// ---------------------------------------------------------------------------------------------
// direct graph computation

ggml_cplan ggml_graph_plan(const ggml_cgraph * cgraph, int n_threads, ggml_threadpool * threadpool) {
    GGML_ASSERT(threadpool == nullptr && "custom thread pools are not supported; pass NULL");
    if (n_threads <= 0) n_threads = GGML_DEFAULT_N_THREADS;
    ggml_cplan plan;
    memset(&plan, 0, sizeof(plan));
    plan.n_threads = n_threads;
    plan.work_size = ggml_cpu_graph_work_size(cgraph, n_threads, cpu_isa_default());
    return plan;
}

ggml_status ggml_graph_compute(ggml_cgraph * cgraph, ggml_cplan * cplan) {
    GGML_ASSERT(cplan && cplan->n_threads > 0);
    GGML_ASSERT((cplan->work_size == 0 || cplan->work_data) && "ggml_graph_compute: cplan->work_data not allocated");
    const cpu_isa isa = cpu_isa_default();
    GGML_ASSERT(cplan->work_size >= ggml_cpu_graph_work_size(cgraph, cplan->n_threads, isa) && "cplan->work_size too small for this graph");
    return ggml_cpu_graph_run_shared(cgraph, cplan->n_threads, isa, cplan->work_data, cplan->work_size,
                                     cplan->abort_callback, cplan->abort_callback_data);
}

ggml_status ggml_graph_compute_with_ctx(ggml_context * ctx, ggml_cgraph * cgraph, int n_threads) {
    ggml_cplan plan = ggml_graph_plan(cgraph, n_threads, nullptr);
    if (plan.work_size > 0) plan.work_data = (uint8_t *) ggml_new_buffer(ctx, plan.work_size);
    return ggml_graph_compute(cgraph, &plan);
}

// ---------------------------------------------------------------------------------------------
// element access: directly for host memory, through the buffer otherwise

static void read_bytes(const ggml_tensor * t, size_t offset, void * dst, size_t size) {
    if (t->buffer && !ggml_backend_buffer_is_host(t->buffer)) {
        ggml_backend_tensor_get(t, dst, offset, size);
    } else {
        GGML_ASSERT(t->data && "tensor has no memory");
        memcpy(dst, (const char *) t->data + offset, size);
    }
}

static void write_bytes(const ggml_tensor * t, size_t offset, const void * src, size_t size) {
    if (t->buffer && !ggml_backend_buffer_is_host(t->buffer)) {
        ggml_backend_tensor_set(const_cast<ggml_tensor *>(t), src, offset, size);
    } else {
        GGML_ASSERT(t->data && "tensor has no memory");
        memcpy((char *) t->data + offset, src, size);
    }
}

static size_t element_offset(const ggml_tensor * t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    return i0 * t->nb[0] + i1 * t->nb[1] + i2 * t->nb[2] + i3 * t->nb[3];
}

static size_t flat_offset(const ggml_tensor * t, int i) {
    GGML_ASSERT(i >= 0 && i < ggml_nelements(t));
    int64_t i0, i1, i2, i3;
    ggml_unravel_index(t, i, &i0, &i1, &i2, &i3);
    return element_offset(t, i0, i1, i2, i3);
}

static double read_element(const ggml_tensor * t, size_t offset) {
    switch (t->type) {
        case GGML_TYPE_F32: { float v;       read_bytes(t, offset, &v, sizeof(v)); return v; }
        case GGML_TYPE_F16: { ggml_fp16_t v; read_bytes(t, offset, &v, sizeof(v)); return ggml_fp16_to_fp32(v); }
        case GGML_TYPE_I8:  { int8_t v;      read_bytes(t, offset, &v, sizeof(v)); return v; }
        case GGML_TYPE_I16: { int16_t v;     read_bytes(t, offset, &v, sizeof(v)); return v; }
        case GGML_TYPE_I32: { int32_t v;     read_bytes(t, offset, &v, sizeof(v)); return v; }
        case GGML_TYPE_I64: { int64_t v;     read_bytes(t, offset, &v, sizeof(v)); return (double) v; }
        default: GGML_ABORT("element access: unsupported tensor type %s", ggml_type_name(t->type));
    }
}

// Integers are written exactly (not through a double) so that large I32/I64 values survive.
static void write_element(const ggml_tensor * t, size_t offset, double f, int64_t i, bool is_int) {
    switch (t->type) {
        case GGML_TYPE_F32: { float v = is_int ? (float) i : (float) f; write_bytes(t, offset, &v, sizeof(v)); break; }
        case GGML_TYPE_F16: { ggml_fp16_t v = ggml_fp32_to_fp16(is_int ? (float) i : (float) f); write_bytes(t, offset, &v, sizeof(v)); break; }
        case GGML_TYPE_I8:  { int8_t  v = (int8_t)  (is_int ? i : (int64_t) f); write_bytes(t, offset, &v, sizeof(v)); break; }
        case GGML_TYPE_I16: { int16_t v = (int16_t) (is_int ? i : (int64_t) f); write_bytes(t, offset, &v, sizeof(v)); break; }
        case GGML_TYPE_I32: { int32_t v = (int32_t) (is_int ? i : (int64_t) f); write_bytes(t, offset, &v, sizeof(v)); break; }
        case GGML_TYPE_I64: { int64_t v = is_int ? i : (int64_t) f; write_bytes(t, offset, &v, sizeof(v)); break; }
        default: GGML_ABORT("element access: unsupported tensor type %s", ggml_type_name(t->type));
    }
}

static void fill(ggml_tensor * t, double f, int64_t i, bool is_int) {
    const int64_t n = ggml_nelements(t);
    for (int64_t k = 0; k < n; ++k) write_element(t, flat_offset(t, (int) k), f, i, is_int);
}

ggml_tensor * ggml_new_i32(ggml_context * ctx, int32_t value) {
    GGML_ASSERT(!ggml_get_no_alloc(ctx) && "ggml_new_i32 needs a context that allocates data");
    ggml_tensor * t = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, 1);
    return ggml_set_i32(t, value);
}

ggml_tensor * ggml_new_f32(ggml_context * ctx, float value) {
    GGML_ASSERT(!ggml_get_no_alloc(ctx) && "ggml_new_f32 needs a context that allocates data");
    ggml_tensor * t = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 1);
    return ggml_set_f32(t, value);
}

ggml_tensor * ggml_set_i32(ggml_tensor * t, int32_t value) { fill(t, 0.0, value, true); return t; }
ggml_tensor * ggml_set_f32(ggml_tensor * t, float value)   { fill(t, value, 0, false); return t; }

int32_t ggml_get_i32_1d(const ggml_tensor * t, int i) {
    if (t->type == GGML_TYPE_I32) { int32_t v; read_bytes(t, flat_offset(t, i), &v, sizeof(v)); return v; }
    return (int32_t) read_element(t, flat_offset(t, i));
}
void ggml_set_i32_1d(const ggml_tensor * t, int i, int32_t value) { write_element(t, flat_offset(t, i), 0.0, value, true); }

int32_t ggml_get_i32_nd(const ggml_tensor * t, int i0, int i1, int i2, int i3) {
    const size_t off = element_offset(t, i0, i1, i2, i3);
    if (t->type == GGML_TYPE_I32) { int32_t v; read_bytes(t, off, &v, sizeof(v)); return v; }
    return (int32_t) read_element(t, off);
}
void ggml_set_i32_nd(const ggml_tensor * t, int i0, int i1, int i2, int i3, int32_t value) {
    write_element(t, element_offset(t, i0, i1, i2, i3), 0.0, value, true);
}

float ggml_get_f32_1d(const ggml_tensor * t, int i) { return (float) read_element(t, flat_offset(t, i)); }
void ggml_set_f32_1d(const ggml_tensor * t, int i, float value) { write_element(t, flat_offset(t, i), value, 0, false); }

float ggml_get_f32_nd(const ggml_tensor * t, int i0, int i1, int i2, int i3) {
    return (float) read_element(t, element_offset(t, i0, i1, i2, i3));
}
void ggml_set_f32_nd(const ggml_tensor * t, int i0, int i1, int i2, int i3, float value) {
    write_element(t, element_offset(t, i0, i1, i2, i3), value, 0, false);
}
