// Encodes the metadata part of a file: header, key/value pairs, tensor infos and padding.

#include "gguf/gguf-impl.h"

#include <cstring>

namespace {

class byte_sink {
public:
    explicit byte_sink(std::vector<uint8_t> & out) : out_(out) {}

    template <typename T> void put(T v) { raw(&v, sizeof v); }
    void raw(const void * p, size_t n) {
        const uint8_t * b = (const uint8_t *) p;
        out_.insert(out_.end(), b, b + n);
    }
    void str(const std::string & s) {
        put<uint64_t>(s.size());
        raw(s.data(), s.size());
    }
    void pad_to(size_t alignment) { out_.resize(gguf_pad(out_.size(), alignment), 0); }

private:
    std::vector<uint8_t> & out_;
};

void put_kv(byte_sink & sink, const gguf_kv & kv) {
    sink.str(kv.key);
    if (kv.is_array) {
        sink.put<int32_t>(GGUF_TYPE_ARRAY);
        sink.put<int32_t>(kv.type);
        sink.put<uint64_t>(kv.n_elements());
    } else {
        sink.put<int32_t>(kv.type);
    }
    if (kv.type == GGUF_TYPE_STRING) {
        for (const std::string & s : kv.strings) sink.str(s);
    } else {
        sink.raw(kv.bytes.data(), kv.bytes.size());
    }
}

void put_tensor_info(byte_sink & sink, const ggml_tensor & t, uint64_t offset) {
    sink.str(t.name);
    // trailing dimensions of size 1 are implied, as in files written by ggml; a trailing
    // dimension of size 0 must still be written, or an empty tensor would read back non-empty
    int n_dims = ggml_n_dims(&t);
    for (int i = n_dims; i < GGML_MAX_DIMS; ++i) {
        if (t.ne[i] != 1) n_dims = i + 1;
    }
    sink.put<uint32_t>((uint32_t) n_dims);
    for (int i = 0; i < n_dims; ++i) sink.put<int64_t>(t.ne[i]);
    sink.put<int32_t>(t.type);
    sink.put<uint64_t>(offset);
}

} // namespace

std::vector<uint8_t> gguf_serialize_meta(const gguf_context * ctx) {
    std::vector<uint8_t> out;
    byte_sink sink(out);
    sink.raw(GGUF_MAGIC, 4);
    sink.put<uint32_t>(GGUF_VERSION);
    sink.put<int64_t>((int64_t) ctx->tensors.size());
    sink.put<int64_t>((int64_t) ctx->kv.size());
    for (const gguf_kv & kv : ctx->kv) put_kv(sink, kv);
    const std::vector<uint64_t> offsets = gguf_packed_offsets(ctx);
    for (size_t i = 0; i < ctx->tensors.size(); ++i) put_tensor_info(sink, ctx->tensors[i].t, offsets[i]);
    sink.pad_to(ctx->alignment);
    return out;
}

size_t gguf_get_meta_size(const gguf_context * ctx) { gguf_check_not_null(ctx, "ctx", __func__); return gguf_serialize_meta(ctx).size(); }

void gguf_get_meta_data(const gguf_context * ctx, void * data) {
    gguf_check_not_null(ctx, "ctx", __func__);
    const std::vector<uint8_t> meta = gguf_serialize_meta(ctx);
    memcpy(data, meta.data(), meta.size());
}
