// The tensor table: descriptions of the tensors in a file and where their data lies.

#include "gguf/gguf-impl.h"

#include <cstring>

void gguf_check_tensor_id(const gguf_context * ctx, int64_t tensor_id, const char * caller) {
    gguf_check_not_null(ctx, "ctx", __func__);
    if (tensor_id < 0 || tensor_id >= (int64_t) ctx->tensors.size()) {
        GGML_ABORT("%s: tensor id %lld out of range (the context has %zu tensors)", caller, (long long) tensor_id,
                   ctx->tensors.size());
    }
}

void gguf_describe_tensor(ggml_tensor * t, const char * name, ggml_type type, const int64_t ne[GGML_MAX_DIMS]) {
    gguf_check_not_null(name, "name", __func__);
    memset(t, 0, sizeof *t);
    t->type = type;
    ggml_set_name(t, name);
    for (int i = 0; i < GGML_MAX_DIMS; ++i) t->ne[i] = ne[i];
    t->nb[0] = ggml_type_size(type);
    t->nb[1] = t->nb[0] * (size_t) (t->ne[0] / ggml_blck_size(type));
    for (int i = 2; i < GGML_MAX_DIMS; ++i) t->nb[i] = t->nb[i - 1] * (size_t) t->ne[i - 1];
}

std::vector<uint64_t> gguf_packed_offsets(const gguf_context * ctx) {
    std::vector<uint64_t> offsets(ctx->tensors.size());
    uint64_t next = 0;
    for (size_t i = 0; i < ctx->tensors.size(); ++i) {
        offsets[i] = next;
        next += gguf_pad(ggml_nbytes(&ctx->tensors[i].t), ctx->alignment);
    }
    return offsets;
}

void gguf_pack_offsets(gguf_context * ctx) {
    gguf_check_not_null(ctx, "ctx", __func__);
    const std::vector<uint64_t> offsets = gguf_packed_offsets(ctx);
    for (size_t i = 0; i < offsets.size(); ++i) ctx->tensors[i].offset = offsets[i];
}

static gguf_tensor_info & info_by_name(gguf_context * ctx, const char * name, const char * caller) {
    const int64_t id = gguf_find_tensor(ctx, name);
    if (id < 0) GGML_ABORT("%s: no tensor named '%s'", caller, name);
    return ctx->tensors[id];
}

int64_t gguf_get_n_tensors(const gguf_context * ctx) { gguf_check_not_null(ctx, "ctx", __func__); return (int64_t) ctx->tensors.size(); }

int64_t gguf_find_tensor(const gguf_context * ctx, const char * name) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(name, "name", __func__);
    for (size_t i = 0; i < ctx->tensors.size(); ++i) {
        if (strcmp(ctx->tensors[i].t.name, name) == 0) return (int64_t) i;
    }
    return -1;
}

size_t gguf_get_tensor_offset(const gguf_context * ctx, int64_t tensor_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_tensor_id(ctx, tensor_id, "gguf_get_tensor_offset");
    return ctx->tensors[tensor_id].offset;
}

const char * gguf_get_tensor_name(const gguf_context * ctx, int64_t tensor_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_tensor_id(ctx, tensor_id, "gguf_get_tensor_name");
    return ctx->tensors[tensor_id].t.name;
}

ggml_type gguf_get_tensor_type(const gguf_context * ctx, int64_t tensor_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_tensor_id(ctx, tensor_id, "gguf_get_tensor_type");
    return ctx->tensors[tensor_id].t.type;
}

size_t gguf_get_tensor_size(const gguf_context * ctx, int64_t tensor_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_tensor_id(ctx, tensor_id, "gguf_get_tensor_size");
    return ggml_nbytes(&ctx->tensors[tensor_id].t);
}

void gguf_add_tensor(gguf_context * ctx, const ggml_tensor * tensor) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(tensor, "tensor", __func__);
    if (!tensor) GGML_ABORT("gguf_add_tensor: tensor is NULL");
    if (gguf_find_tensor(ctx, tensor->name) >= 0) {
        GGML_ABORT("gguf_add_tensor: duplicate tensor name '%s'", tensor->name);
    }
    if (!gguf_tensor_type_is_supported(tensor->type)) {
        GGML_ABORT("gguf_add_tensor: tensor '%s' has unsupported type %d", tensor->name, (int) tensor->type);
    }
    // the data is written as one block of ggml_nbytes bytes, which is only right when contiguous
    if (!ggml_is_contiguous(tensor)) {
        GGML_ABORT("gguf_add_tensor: tensor '%s' is not contiguous", tensor->name);
    }
    gguf_tensor_info info;
    gguf_describe_tensor(&info.t, tensor->name, tensor->type, tensor->ne);
    info.t.data = tensor->data;
    info.offset = 0;
    ctx->tensors.push_back(info);
    gguf_pack_offsets(ctx);
}

void gguf_set_tensor_type(gguf_context * ctx, const char * name, ggml_type type) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(name, "name", __func__);
    if (!gguf_tensor_type_is_supported(type)) {
        GGML_ABORT("gguf_set_tensor_type: tensor '%s': unsupported type %d", name, (int) type);
    }
    gguf_tensor_info & info = info_by_name(ctx, name, "gguf_set_tensor_type");
    const std::string saved_name = name; // name may point into info itself
    void * data = info.t.data;
    const int64_t ne[GGML_MAX_DIMS] = {info.t.ne[0], info.t.ne[1], info.t.ne[2], info.t.ne[3]};
    gguf_describe_tensor(&info.t, saved_name.c_str(), type, ne);
    info.t.data = data;
    gguf_pack_offsets(ctx);
}

void gguf_set_tensor_data(gguf_context * ctx, const char * name, const void * data) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(name, "name", __func__);
    info_by_name(ctx, name, "gguf_set_tensor_data").t.data = const_cast<void *>(data);
}
