// libFuzzer target: arbitrary bytes as a GGUF file. The reader must reject or accept them without
// any memory error; what it accepts must survive being written again and read back unchanged.
//
// Build and run with tests/fuzz/run-gguf-fuzzer.sh.

#include "ggml.h"
#include "gguf.h"
#include "gguf/gguf-impl.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static void quiet_log(ggml_log_level, const char *, void *) {}

static gguf_context * read_bytes(const uint8_t * data, size_t size, gguf_init_params params) {
    if (size == 0) return nullptr; // fmemopen needs a non-empty buffer; empty files have a ctest case
    FILE * f = fmemopen(const_cast<uint8_t *>(data), size, "rb");
    if (!f) return nullptr;
    gguf_context * ctx = gguf_init_from_stream(f, "fuzz-input", params);
    fclose(f);
    return ctx;
}

// Touches every value, so the sanitizers see any bad pointer or length.
static size_t visit_values(const gguf_context * ctx) {
    size_t sum = 0;
    for (int64_t i = 0; i < gguf_get_n_kv(ctx); ++i) {
        sum += strlen(gguf_get_key(ctx, i));
        const gguf_type type = gguf_get_kv_type(ctx, i);
        if (type == GGUF_TYPE_ARRAY) {
            const size_t n = gguf_get_arr_n(ctx, i);
            if (gguf_get_arr_type(ctx, i) == GGUF_TYPE_STRING) {
                for (size_t j = 0; j < n; ++j) sum += strlen(gguf_get_arr_str(ctx, i, j));
            } else if (n > 0) {
                sum += ((const uint8_t *) gguf_get_arr_data(ctx, i))[0];
            }
        } else if (type == GGUF_TYPE_STRING) {
            sum += strlen(gguf_get_val_str(ctx, i));
        } else {
            sum += ((const uint8_t *) gguf_get_val_data(ctx, i))[0];
        }
    }
    for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) {
        sum += strlen(gguf_get_tensor_name(ctx, i)) + gguf_get_tensor_size(ctx, i) + gguf_get_tensor_offset(ctx, i);
    }
    return sum;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t * data, size_t size) {
    ggml_log_set(quiet_log, nullptr);

    gguf_context * bare = read_bytes(data, size, {true, nullptr});
    ggml_context * tensors = nullptr;
    gguf_context * ctx = read_bytes(data, size, {false, &tensors});
    if ((bare == nullptr) != (ctx == nullptr)) abort(); // loading the data must not change the verdict
    if (!ctx) return 0;
    visit_values(bare);
    gguf_free(bare);

    // write it again (metadata and data, in memory) and read that back: same metadata bytes
    for (ggml_tensor * t = ggml_get_first_tensor(tensors); t; t = ggml_get_next_tensor(tensors, t)) {
        gguf_set_tensor_data(ctx, t->name, t->data);
    }
    std::vector<uint8_t> file = gguf_serialize_meta(ctx);
    if (file.size() != gguf_get_meta_size(ctx)) abort();
    for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) {
        const ggml_tensor * t = ggml_get_tensor(tensors, gguf_get_tensor_name(ctx, i));
        const size_t n = ggml_nbytes(t);
        file.insert(file.end(), (const uint8_t *) t->data, (const uint8_t *) t->data + n);
        file.resize(gguf_pad(file.size(), gguf_get_alignment(ctx)), 0);
    }
    ggml_context * tensors2 = nullptr;
    gguf_context * again = read_bytes(file.data(), file.size(), {false, &tensors2});
    if (!again) abort();
    if (gguf_serialize_meta(again) != gguf_serialize_meta(ctx)) abort();
    for (ggml_tensor * t = ggml_get_first_tensor(tensors); t; t = ggml_get_next_tensor(tensors, t)) {
        const ggml_tensor * t2 = ggml_get_tensor(tensors2, t->name);
        if (!t2 || ggml_nbytes(t2) != ggml_nbytes(t) || memcmp(t2->data, t->data, ggml_nbytes(t)) != 0) abort();
    }
    gguf_free(again);
    ggml_free(tensors2);
    gguf_free(ctx);
    ggml_free(tensors);
    return 0;
}
