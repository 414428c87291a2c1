// The linear tensor allocator and allocation of all tensors of a context in one buffer.

#include "backend/backend-impl.h"

ggml_tallocr ggml_tallocr_new(ggml_backend_buffer_t buffer) {
    void * base = ggml_backend_buffer_get_base(buffer);
    const size_t align = ggml_backend_buffer_get_alignment(buffer);
    GGML_ASSERT(align && !(align & (align - 1)) && "buffer alignment must be a power of 2");
    ggml_tallocr talloc = {buffer, base, align, 0};
    // the first tensor starts at an aligned address even if the base is not aligned
    talloc.offset = GGML_PAD((uintptr_t) base, align) - (uintptr_t) base;
    return talloc;
}

ggml_status ggml_tallocr_alloc(ggml_tallocr * talloc, ggml_tensor * tensor) {
    const size_t size = GGML_PAD(ggml_backend_buffer_get_alloc_size(talloc->buffer, tensor), talloc->alignment);
    if (talloc->offset + size > ggml_backend_buffer_get_size(talloc->buffer)) {
        GGML_ABORT("ggml_tallocr_alloc: not enough space in buffer '%s' for tensor '%s' (needed %zu bytes, %zu available)",
                   ggml_backend_buffer_name(talloc->buffer), tensor->name, size,
                   ggml_backend_buffer_get_size(talloc->buffer) - talloc->offset);
    }
    void * addr = (char *) talloc->base + talloc->offset;
    talloc->offset += size;
    return ggml_backend_tensor_alloc(talloc->buffer, tensor, addr);
}

// ---------------------------------------------------------------------------------------------
// all tensors of a context

static bool needs_memory(const ggml_tensor * t) {
    return t->data == nullptr && t->view_src == nullptr && !ggml_is_empty(t);
}

size_t ggml_backend_alloc_ctx_tensors_from_buft_size(ggml_context * ctx, ggml_backend_buffer_type_t buft) {
    const size_t align = ggml_backend_buft_get_alignment(buft);
    size_t total = 0;
    for (ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        if (needs_memory(t)) total += GGML_PAD(ggml_backend_buft_get_alloc_size(buft, t), align);
    }
    return total;
}

ggml_backend_buffer_t ggml_backend_alloc_ctx_tensors_from_buft(ggml_context * ctx, ggml_backend_buffer_type_t buft) {
    GGML_ASSERT(ggml_get_no_alloc(ctx) && "ggml_backend_alloc_ctx_tensors needs a context created with no_alloc = true");
    const size_t total = ggml_backend_alloc_ctx_tensors_from_buft_size(ctx, buft);
    if (total == 0) return nullptr;
    if (total > ggml_backend_buft_get_max_size(buft)) {
        GGML_LOG_ERROR("%s: %zu bytes of tensors exceed the maximum buffer size of %s (%zu bytes)\n", __func__, total,
                       ggml_backend_buft_name(buft), ggml_backend_buft_get_max_size(buft));
        return nullptr;
    }
    ggml_backend_buffer_t buffer = ggml_backend_buft_alloc_buffer(buft, total);
    if (!buffer) return nullptr;
    ggml_tallocr talloc = ggml_tallocr_new(buffer);
    talloc.offset = 0; // the buffer's base is aligned by its type
    for (ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        if (needs_memory(t)) ggml_tallocr_alloc(&talloc, t);
    }
    for (ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        if (t->view_src && t->data == nullptr && t->view_src->buffer) ggml_backend_view_init(t);
    }
    return buffer;
}

ggml_backend_buffer_t ggml_backend_alloc_ctx_tensors(ggml_context * ctx, ggml_backend_t backend) {
    return ggml_backend_alloc_ctx_tensors_from_buft(ctx, ggml_backend_get_default_buffer_type(backend));
}
