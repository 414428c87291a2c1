// gguf_init_from_file: reads the metadata and, when asked, builds a ggml context holding every
// tensor of the file (with its data unless no_alloc).

#include "gguf/gguf-reader.h"
#include "core/ggml-impl.h"

#include <cerrno>
#include <cstring>
#include <sys/types.h>

// A ggml context with one tensor per tensor info, data loaded from the file unless no_alloc.
static ggml_context * load_tensors(gguf_file_cursor & cur, const gguf_context * ctx, bool no_alloc) {
    size_t mem_size = 0;
    for (const gguf_tensor_info & info : ctx->tensors) {
        mem_size += ggml_tensor_overhead() + (no_alloc ? 0 : GGML_PAD(ggml_nbytes(&info.t), GGML_MEM_ALIGN));
    }
    ggml_init_params ip = {mem_size, nullptr, no_alloc};
    ggml_context * tensors = ggml_init(ip);
    if (!tensors) {
        cur.fail(ctx->data_offset, "cannot allocate %zu bytes for the tensors", mem_size);
        return nullptr;
    }
    for (const gguf_tensor_info & info : ctx->tensors) {
        ggml_tensor * t = ggml_new_tensor(tensors, info.t.type, GGML_MAX_DIMS, info.t.ne);
        ggml_set_name(t, info.t.name);
        if (no_alloc) continue;
        const size_t nbytes = ggml_nbytes(t);
        if (nbytes == 0) continue; // may sit at the very end, where a file without padding stops
        if (!cur.seek(ctx->data_offset + info.offset, "tensor data") || !cur.read_raw(t->data, nbytes, "tensor data")) {
            ggml_free(tensors);
            return nullptr;
        }
    }
    return tensors;
}

gguf_context * gguf_init_from_stream(FILE * f, const char * source, gguf_init_params params) {
    // the size bounds every count and length read from the file
    off_t size = -1;
    if (fseeko(f, 0, SEEK_END) == 0) size = ftello(f);
    if (size < 0 || fseeko(f, 0, SEEK_SET) != 0) {
        GGML_LOG_ERROR("gguf: %s: cannot determine the file size: %s\n", source, strerror(errno));
        return nullptr;
    }
    gguf_file_cursor cur(f, (uint64_t) size, source);
    gguf_context * ctx = gguf_read_meta(cur);
    if (!ctx) return nullptr;
    if (params.ctx) {
        ggml_context * tensors = load_tensors(cur, ctx, params.no_alloc);
        if (!tensors) {
            gguf_free(ctx);
            return nullptr;
        }
        *params.ctx = tensors;
    }
    return ctx;
}

gguf_context * gguf_init_from_file(const char * fname, gguf_init_params params) {
    gguf_check_not_null(fname, "fname", __func__);
    FILE * f = fopen(fname, "rb");
    if (!f) {
        GGML_LOG_ERROR("gguf: %s: cannot open the file: %s\n", fname, strerror(errno));
        return nullptr;
    }
    gguf_context * ctx = gguf_init_from_stream(f, fname, params);
    fclose(f);
    return ctx;
}
