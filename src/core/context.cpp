// Contexts (arenas of objects), tensor creation, views and tensor metadata.

#include "core/ggml-impl.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <new>

extern "C" void ggml_backend_tensor_memset(ggml_tensor * tensor, uint8_t value, size_t offset, size_t size);

static constexpr size_t OBJECT_SIZE = sizeof(ggml_object);

// ggml's figure on 64-bit targets (32 + 336 = 368): one object header plus the tensor struct.
// Each is padded to the arena's alignment, which only changes anything on 32-bit targets
// (WebAssembly), where the two structs are smaller.
size_t ggml_tensor_overhead(void) { return GGML_PAD(OBJECT_SIZE, GGML_MEM_ALIGN) + GGML_PAD(sizeof(ggml_tensor), GGML_MEM_ALIGN); }

ggml_context * ggml_init(ggml_init_params params) {
    ggml_context * ctx = new (std::nothrow) ggml_context();
    if (!ctx) return nullptr;
    ctx->mem_size = params.mem_size ? GGML_PAD(params.mem_size, GGML_MEM_ALIGN) : GGML_MEM_ALIGN;
    ctx->no_alloc = params.no_alloc;
    if (params.mem_buffer) {
        ctx->mem_buffer = params.mem_buffer;
        ctx->mem_buffer_owned = false;
    } else {
        ctx->mem_buffer = aligned_alloc(64, GGML_PAD(ctx->mem_size, 64));
        if (!ctx->mem_buffer) {
            GGML_LOG_ERROR("ggml_init: failed to allocate %zu bytes\n", ctx->mem_size);
            delete ctx;
            return nullptr;
        }
        ctx->mem_buffer_owned = true;
    }
    ctx->n_objects = 0;
    ctx->objects_begin = ctx->objects_end = nullptr;
    return ctx;
}

void ggml_reset(ggml_context * ctx) {
    if (!ctx) return;
    ctx->n_objects = 0;
    ctx->objects_begin = ctx->objects_end = nullptr;
}

void ggml_free(ggml_context * ctx) {
    if (!ctx) return;
    if (ctx->mem_buffer_owned) free(ctx->mem_buffer);
    delete ctx;
}

size_t ggml_used_mem(const ggml_context * ctx) {
    return ctx->objects_end ? ctx->objects_end->offs + ctx->objects_end->size : 0;
}

bool   ggml_get_no_alloc(ggml_context * ctx) { return ctx->no_alloc; }
void   ggml_set_no_alloc(ggml_context * ctx, bool no_alloc) { ctx->no_alloc = no_alloc; }
void * ggml_get_mem_buffer(const ggml_context * ctx) { return ctx->mem_buffer; }
size_t ggml_get_mem_size(const ggml_context * ctx) { return ctx->mem_size; }

size_t ggml_get_max_tensor_size(const ggml_context * ctx) {
    size_t max_size = 0;
    for (ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        max_size = std::max(max_size, ggml_nbytes(t));
    }
    return max_size;
}

// Appends an object with `size` payload bytes to the arena; aborts when the arena is full,
// since running out of context memory is a sizing error in the calling code.
static ggml_object * new_object(ggml_context * ctx, ggml_object_kind kind, size_t size) {
    const size_t cur_end = ggml_used_mem(ctx);
    const size_t size_aligned = GGML_PAD(size, GGML_MEM_ALIGN);
    char * base = (char *) ctx->mem_buffer;
    const size_t obj_offs = GGML_PAD(cur_end, GGML_MEM_ALIGN);
    if (obj_offs + OBJECT_SIZE + size_aligned > ctx->mem_size) {
        GGML_ABORT("not enough space in the context's memory pool (needed %zu bytes, available %zu)",
                   obj_offs + OBJECT_SIZE + size_aligned, ctx->mem_size);
    }
    ggml_object * obj = (ggml_object *) (base + obj_offs);
    obj->offs = obj_offs + OBJECT_SIZE;
    obj->size = size_aligned;
    obj->next = nullptr;
    obj->kind = kind;
    if (ctx->objects_end) ctx->objects_end->next = obj; else ctx->objects_begin = obj;
    ctx->objects_end = obj;
    ctx->n_objects++;
    return obj;
}

void * ggml_new_buffer(ggml_context * ctx, size_t nbytes) {
    ggml_object * obj = new_object(ctx, GGML_OBJECT_BUFFER, nbytes);
    return (char *) ctx->mem_buffer + obj->offs;
}

// Used by graph.cpp for graph objects.
void * ggml_context_alloc_graph(ggml_context * ctx, size_t nbytes) {
    ggml_object * obj = new_object(ctx, GGML_OBJECT_GRAPH, nbytes);
    return (char *) ctx->mem_buffer + obj->offs;
}

static ggml_tensor * new_tensor_impl(ggml_context * ctx, ggml_type type, int n_dims, const int64_t * ne,
                                     ggml_tensor * view_src, size_t view_offs) {
    if (!ctx) GGML_ABORT("ggml_new_tensor: ctx is NULL");
    GGML_ASSERT(n_dims >= 1 && n_dims <= GGML_MAX_DIMS);
    GGML_ASSERT(ggml_get_type_traits(type) != nullptr && "unsupported tensor type");
    // The element count must fit int64_t (ggml_nelements) and the byte size size_t: a shape that
    // overflows either would otherwise wrap to a small (even zero) allocation.
    int64_t nelements = 1;
    for (int i = 0; i < n_dims; ++i) {
        if (ne[i] < 0) GGML_ABORT("ggml_new_tensor: negative dimension ne[%d] = %lld", i, (long long) ne[i]);
        if (__builtin_mul_overflow(nelements, ne[i], &nelements)) {
            GGML_ABORT("ggml_new_tensor: the element count of the shape overflows (ne[%d] = %lld)", i, (long long) ne[i]);
        }
    }
    if (view_src && view_src->view_src) {
        view_offs += view_src->view_offs;
        view_src = view_src->view_src;
    }

    size_t data_size = 0;
    if (__builtin_mul_overflow((size_t) ggml_type_size(type), (size_t) ne[0], &data_size)) {
        GGML_ABORT("ggml_new_tensor: the byte size of the shape overflows (ne[0] = %lld)", (long long) ne[0]);
    }
    data_size /= (size_t) ggml_blck_size(type); // ggml_row_size, checked
    for (int i = 1; i < n_dims; ++i) {
        if (__builtin_mul_overflow(data_size, (size_t) ne[i], &data_size)) {
            GGML_ABORT("ggml_new_tensor: the byte size of the shape overflows (ne[%d] = %lld)", i, (long long) ne[i]);
        }
    }
    if (view_src) {
        GGML_ASSERT(view_offs + data_size <= ggml_nbytes(view_src) && "view out of bounds of its source");
    }

    const bool alloc_data = !view_src && !ctx->no_alloc;
    ggml_object * obj = new_object(ctx, GGML_OBJECT_TENSOR, sizeof(ggml_tensor) + (alloc_data ? data_size : 0));
    ggml_tensor * t = (ggml_tensor *) ((char *) ctx->mem_buffer + obj->offs);
    memset(t, 0, sizeof(ggml_tensor));
    t->type = type;
    t->op = GGML_OP_NONE;
    t->view_src = view_src;
    t->view_offs = view_offs;
    t->buffer = view_src ? view_src->buffer : nullptr;
    if (view_src) {
        t->data = view_src->data ? (char *) view_src->data + view_offs : nullptr;
    } else if (alloc_data) {
        t->data = (char *) (t + 1);
    }
    for (int i = 0; i < GGML_MAX_DIMS; ++i) t->ne[i] = i < n_dims ? ne[i] : 1;
    t->nb[0] = ggml_type_size(type);
    t->nb[1] = t->nb[0] * (t->ne[0] / ggml_blck_size(type));
    for (int i = 2; i < GGML_MAX_DIMS; ++i) t->nb[i] = t->nb[i - 1] * t->ne[i - 1];
    return t;
}

ggml_tensor * ggml_new_tensor(ggml_context * ctx, ggml_type type, int n_dims, const int64_t * ne) {
    return new_tensor_impl(ctx, type, n_dims, ne, nullptr, 0);
}
ggml_tensor * ggml_new_tensor_1d(ggml_context * ctx, ggml_type type, int64_t ne0) {
    return ggml_new_tensor(ctx, type, 1, &ne0);
}
ggml_tensor * ggml_new_tensor_2d(ggml_context * ctx, ggml_type type, int64_t ne0, int64_t ne1) {
    const int64_t ne[2] = {ne0, ne1};
    return ggml_new_tensor(ctx, type, 2, ne);
}
ggml_tensor * ggml_new_tensor_3d(ggml_context * ctx, ggml_type type, int64_t ne0, int64_t ne1, int64_t ne2) {
    const int64_t ne[3] = {ne0, ne1, ne2};
    return ggml_new_tensor(ctx, type, 3, ne);
}
ggml_tensor * ggml_new_tensor_4d(ggml_context * ctx, ggml_type type, int64_t ne0, int64_t ne1, int64_t ne2, int64_t ne3) {
    const int64_t ne[4] = {ne0, ne1, ne2, ne3};
    return ggml_new_tensor(ctx, type, 4, ne);
}

ggml_tensor * ggml_dup_tensor(ggml_context * ctx, const ggml_tensor * src) {
    return ggml_new_tensor(ctx, src->type, GGML_MAX_DIMS, src->ne);
}

ggml_tensor * ggml_new_op_tensor(ggml_context * ctx, ggml_type type, int n_dims, const int64_t * ne, ggml_op op,
                                 ggml_tensor * src0, ggml_tensor * src1, ggml_tensor * src2) {
    ggml_tensor * t = ggml_new_tensor(ctx, type, n_dims, ne);
    t->op = op;
    t->src[0] = src0;
    t->src[1] = src1;
    t->src[2] = src2;
    return t;
}

ggml_tensor * ggml_new_view_tensor(ggml_context * ctx, ggml_tensor * a, int n_dims, const int64_t * ne, size_t offset) {
    return new_tensor_impl(ctx, a->type, n_dims, ne, a, offset);
}

ggml_tensor * ggml_view_tensor(ggml_context * ctx, ggml_tensor * src) {
    ggml_tensor * t = new_tensor_impl(ctx, src->type, GGML_MAX_DIMS, src->ne, src, 0);
    ggml_format_name(t, "%s (view)", src->name);
    for (int i = 0; i < GGML_MAX_DIMS; ++i) t->nb[i] = src->nb[i];
    return t;
}

ggml_tensor * ggml_new_inplace_op_tensor(ggml_context * ctx, ggml_tensor * a, ggml_op op,
                                         ggml_tensor * src0, ggml_tensor * src1, ggml_tensor * src2) {
    ggml_tensor * t = ggml_view_tensor(ctx, a);
    t->op = op;
    t->src[0] = src0;
    t->src[1] = src1;
    t->src[2] = src2;
    return t;
}

// ---------------------------------------------------------------------------------------------
// enumeration and lookup

ggml_tensor * ggml_get_first_tensor(const ggml_context * ctx) {
    for (ggml_object * obj = ctx->objects_begin; obj; obj = obj->next) {
        if (obj->kind == GGML_OBJECT_TENSOR) return (ggml_tensor *) ((char *) ctx->mem_buffer + obj->offs);
    }
    return nullptr;
}

ggml_tensor * ggml_get_next_tensor(const ggml_context * ctx, ggml_tensor * tensor) {
    ggml_object * obj = (ggml_object *) ((char *) tensor - OBJECT_SIZE);
    for (obj = obj->next; obj; obj = obj->next) {
        if (obj->kind == GGML_OBJECT_TENSOR) return (ggml_tensor *) ((char *) ctx->mem_buffer + obj->offs);
    }
    return nullptr;
}

ggml_tensor * ggml_get_tensor(ggml_context * ctx, const char * name) {
    if (!ctx)  GGML_ABORT("ggml_get_tensor: ctx is NULL");
    if (!name) GGML_ABORT("ggml_get_tensor: name is NULL");
    for (ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        if (strcmp(t->name, name) == 0) return t;
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// metadata

int64_t ggml_nelements(const ggml_tensor * t) { return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]; }
int64_t ggml_nrows(const ggml_tensor * t) { return t->ne[1] * t->ne[2] * t->ne[3]; }

size_t ggml_nbytes(const ggml_tensor * t) {
    for (int i = 0; i < GGML_MAX_DIMS; ++i) {
        if (t->ne[i] <= 0) return 0;
    }
    // one element plus the distance to the last element: right for any stride order
    size_t nbytes = ggml_type_size(t->type);
    for (int i = 0; i < GGML_MAX_DIMS; ++i) nbytes += (t->ne[i] - 1) * t->nb[i];
    return nbytes;
}

size_t ggml_nbytes_pad(const ggml_tensor * t) { return GGML_PAD(ggml_nbytes(t), GGML_MEM_ALIGN); }
size_t ggml_element_size(const ggml_tensor * t) { return ggml_type_size(t->type); }

bool ggml_is_transposed(const ggml_tensor * t) { return t->nb[0] > t->nb[1]; }
bool ggml_is_permuted(const ggml_tensor * t) {
    return t->nb[0] > t->nb[1] || t->nb[1] > t->nb[2] || t->nb[2] > t->nb[3];
}
bool ggml_is_empty(const ggml_tensor * t) {
    for (int i = 0; i < GGML_MAX_DIMS; ++i) if (t->ne[i] == 0) return true;
    return false;
}
bool ggml_is_scalar(const ggml_tensor * t) { return t->ne[0] == 1 && t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1; }
bool ggml_is_vector(const ggml_tensor * t) { return t->ne[1] == 1 && t->ne[2] == 1 && t->ne[3] == 1; }
bool ggml_is_matrix(const ggml_tensor * t) { return t->ne[2] == 1 && t->ne[3] == 1; }
bool ggml_is_3d(const ggml_tensor * t) { return t->ne[3] == 1; }

int ggml_n_dims(const ggml_tensor * t) {
    for (int i = GGML_MAX_DIMS - 1; i >= 1; --i) {
        if (t->ne[i] > 1) return i + 1;
    }
    return 1;
}

// Contiguous from dimension n upwards: dims below n may have any stride (dims of size 1 are
// ignored, as they do not affect the memory layout).
static bool is_contiguous_from(const ggml_tensor * t, int n) {
    size_t next_nb = ggml_type_size(t->type);
    if (t->ne[0] != ggml_blck_size(t->type) && t->nb[0] != next_nb) return false;
    next_nb *= t->ne[0] / ggml_blck_size(t->type);
    for (int i = 1; i < GGML_MAX_DIMS; ++i) {
        if (t->ne[i] != 1) {
            if (i > n) {
                if (t->nb[i] != next_nb) return false;
                next_nb *= t->ne[i];
            } else {
                next_nb = t->ne[i] * t->nb[i];
            }
        }
    }
    return true;
}

bool ggml_is_contiguous(const ggml_tensor * t)   { return is_contiguous_from(t, 0); }
bool ggml_is_contiguous_0(const ggml_tensor * t) { return is_contiguous_from(t, 0); }
bool ggml_is_contiguous_1(const ggml_tensor * t) { return is_contiguous_from(t, 1); }
bool ggml_is_contiguous_2(const ggml_tensor * t) { return is_contiguous_from(t, 2); }

bool ggml_is_contiguously_allocated(const ggml_tensor * t) {
    return ggml_nbytes(t) == (size_t) ggml_nelements(t) * ggml_type_size(t->type) / ggml_blck_size(t->type);
}

bool ggml_are_same_shape(const ggml_tensor * a, const ggml_tensor * b) {
    for (int i = 0; i < GGML_MAX_DIMS; ++i) if (a->ne[i] != b->ne[i]) return false;
    return true;
}
bool ggml_are_same_stride(const ggml_tensor * a, const ggml_tensor * b) {
    for (int i = 0; i < GGML_MAX_DIMS; ++i) if (a->nb[i] != b->nb[i]) return false;
    return true;
}

// ggml_can_repeat(t0, t1): t0 can be tiled to t1's shape.
bool ggml_can_repeat(const ggml_tensor * t0, const ggml_tensor * t1) {
    if (ggml_is_empty(t0)) return ggml_is_empty(t1);
    for (int i = 0; i < GGML_MAX_DIMS; ++i) if (t1->ne[i] % t0->ne[i] != 0) return false;
    return true;
}

void ggml_unravel_index(const ggml_tensor * t, int64_t i, int64_t * i0, int64_t * i1, int64_t * i2, int64_t * i3) {
    const int64_t ne0 = t->ne[0], ne1 = t->ne[1], ne2 = t->ne[2];
    const int64_t c3 = i / (ne2*ne1*ne0);
    const int64_t c2 = (i - c3*ne2*ne1*ne0) / (ne1*ne0);
    const int64_t c1 = (i - c3*ne2*ne1*ne0 - c2*ne1*ne0) / ne0;
    const int64_t c0 = i - c3*ne2*ne1*ne0 - c2*ne1*ne0 - c1*ne0;
    if (i0) *i0 = c0;
    if (i1) *i1 = c1;
    if (i2) *i2 = c2;
    if (i3) *i3 = c3;
}

ggml_unary_op ggml_get_unary_op(const ggml_tensor * t) {
    GGML_ASSERT(t->op == GGML_OP_UNARY);
    return (ggml_unary_op) t->op_params[0];
}

void * ggml_get_data(const ggml_tensor * t) { return t->data; }
float * ggml_get_data_f32(const ggml_tensor * t) {
    GGML_ASSERT(t->type == GGML_TYPE_F32);
    return (float *) t->data;
}

const char * ggml_get_name(const ggml_tensor * t) { return t->name; }

ggml_tensor * ggml_set_name(ggml_tensor * t, const char * name) {
    size_t i = 0;
    for (; i < sizeof(t->name) - 1 && name[i]; ++i) t->name[i] = name[i];
    t->name[i] = '\0';
    return t;
}

ggml_tensor * ggml_format_name(ggml_tensor * t, const char * fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(t->name, sizeof(t->name), fmt, args);
    va_end(args);
    return t;
}

void ggml_set_input(ggml_tensor * t)  { t->flags |= GGML_TENSOR_FLAG_INPUT; }
void ggml_set_output(ggml_tensor * t) { t->flags |= GGML_TENSOR_FLAG_OUTPUT; }
void ggml_set_param(ggml_tensor * t) {
    GGML_ASSERT(t->op == GGML_OP_NONE && "only leaf tensors can be parameters");
    t->flags |= GGML_TENSOR_FLAG_PARAM;
}
void ggml_set_loss(ggml_tensor * t) {
    GGML_ASSERT(ggml_is_scalar(t) && "the loss must be a scalar");
    GGML_ASSERT(t->type == GGML_TYPE_F32);
    t->flags |= GGML_TENSOR_FLAG_LOSS;
}

ggml_tensor * ggml_set_zero(ggml_tensor * t) {
    if (ggml_is_empty(t)) return t;
    if (t->buffer) {
        ggml_backend_tensor_memset(t, 0, 0, ggml_nbytes(t));
    } else {
        GGML_ASSERT(t->data);
        memset(t->data, 0, ggml_nbytes(t));
    }
    return t;
}
