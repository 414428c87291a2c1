// Creation, destruction and the file-level properties of a gguf_context.

#include "gguf/gguf-impl.h"

#include <new>

gguf_context * gguf_init_empty(void) { return new (std::nothrow) gguf_context(); }

void gguf_free(gguf_context * ctx) { delete ctx; }

uint32_t gguf_get_version(const gguf_context * ctx) { gguf_check_not_null(ctx, "ctx", __func__); return ctx->version; }
size_t   gguf_get_alignment(const gguf_context * ctx) { gguf_check_not_null(ctx, "ctx", __func__); return ctx->alignment; }
size_t   gguf_get_data_offset(const gguf_context * ctx) { gguf_check_not_null(ctx, "ctx", __func__); return ctx->data_offset; }
