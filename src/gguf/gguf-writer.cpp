// Writing a gguf_context to a file: the metadata, then each tensor's data padded to the alignment.

#include "gguf/gguf-impl.h"
#include "core/ggml-impl.h"
#include "ggml-atomic-file.h"

#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

namespace {

struct write_job {
    const gguf_context * ctx;
    bool                 only_meta;
};

bool write_all(FILE * f, const void * p, size_t n) { return n == 0 || fwrite(p, 1, n, f) == n; }

bool write_body(FILE * f, const write_job & job) {
    const std::vector<uint8_t> meta = gguf_serialize_meta(job.ctx);
    if (!write_all(f, meta.data(), meta.size())) return false;
    if (job.only_meta) return true;

    const std::vector<uint8_t> zeros(job.ctx->alignment, 0);
    for (const gguf_tensor_info & info : job.ctx->tensors) {
        const size_t nbytes = ggml_nbytes(&info.t);
        if (!write_all(f, info.t.data, nbytes)) return false;
        if (!write_all(f, zeros.data(), gguf_pad(nbytes, job.ctx->alignment) - nbytes)) return false;
    }
    return true;
}

} // namespace

bool gguf_write_to_file(const gguf_context * ctx, const char * fname, bool only_meta) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(fname, "fname", __func__);
    if (!only_meta) {
        for (const gguf_tensor_info & info : ctx->tensors) {
            if (!info.t.data && ggml_nbytes(&info.t) > 0) {
                GGML_ABORT("gguf_write_to_file: tensor '%s' has no data (use gguf_set_tensor_data)", info.t.name);
            }
        }
    }
    const write_job job = {ctx, only_meta};
    // through the one atomic writer: a failure leaves the previous file as it was and no temp
    char err[1024];
    ggml_atomic_file * file = nullptr;
    try {
        file = ggml_atomic_file_open(fname, err, sizeof err);
        if (!file) {
            GGML_LOG_ERROR("gguf_write_to_file: %s\n", err);
            return false;
        }
        if (!write_body(ggml_atomic_file_stream(file), job)) {
            char shown[1024];
            ggml_escape_controls(fname, strlen(fname), shown, sizeof shown);
            GGML_LOG_ERROR("gguf_write_to_file: %s: failed to write: %s\n", shown, errno ? strerror(errno) : "I/O error");
            ggml_atomic_file_discard(file);
            return false;
        }
        const bool ok = ggml_atomic_file_commit(file, err, sizeof err);
        if (!ok) GGML_LOG_ERROR("gguf_write_to_file: %s\n", err);
        return ok;
    } catch (const std::exception & e) { // out of memory while serializing: no exception crosses the C API
        GGML_LOG_ERROR("gguf_write_to_file: %s: %s\n", fname, e.what());
        ggml_atomic_file_discard(file);
        return false;
    }
}
