// Programming errors with the GGUF API abort with file:line and a message naming the function
// and the problem. Each case runs in a child process; the parent checks it died and what it said.

#include "ggml.h"
#include "gguf.h"

#include <cstdint>
#include "gguf-test-helpers.h"

#include "death-test.h"

#include <functional>
#include <string>

static gguf_test::counter g;

// A context with a u32 "n", a string "s", an f32 array "arr" and one tensor "w" (no data).
static gguf_context * sample() {
    gguf_context * ctx = gguf_init_empty();
    gguf_set_val_u32(ctx, "n", 3);
    gguf_set_val_str(ctx, "s", "text");
    const float a[2] = {1, 2};
    gguf_set_arr_data(ctx, "arr", GGUF_TYPE_FLOAT32, a, 2);
    ggml_init_params ip = {1024 * 1024, nullptr, true};
    ggml_context * meta = ggml_init(ip);
    ggml_tensor * w = ggml_new_tensor_2d(meta, GGML_TYPE_F32, 4, 4);
    ggml_set_name(w, "w");
    gguf_add_tensor(ctx, w);
    return ctx;
}

static void expect_abort(const char * what, const std::function<void(gguf_context *)> & fn, const char * needle) {
    std::string err;
    const bool died = death::dies([&] { fn(sample()); }, err);
    const bool ok = died && err.find(".cpp:") != std::string::npos && err.find(needle) != std::string::npos;
    g.check(ok, what, __FILE__, __LINE__);
    if (!ok) fprintf(stderr, "  case '%s': died=%d, message: %s\n", what, died, err.c_str());
}

int main() {
    gguf_test::temp_dir(); // created here, so that children write into it and the parent removes it
    expect_abort("find_key with a NULL key", [](gguf_context * c) { gguf_find_key(c, nullptr); }, "gguf_find_key: key is NULL");
    expect_abort("n_kv of a NULL context", [](gguf_context *) { gguf_get_n_kv(nullptr); }, "gguf_get_n_kv: ctx is NULL");
    expect_abort("write to a NULL path", [](gguf_context * c) { gguf_write_to_file(c, nullptr, false); },
                 "gguf_write_to_file: fname is NULL");
    expect_abort("set a value under a NULL key", [](gguf_context * c) { gguf_set_val_u32(c, nullptr, 1); },
                 "gguf_set_val_u32: key is NULL");
    expect_abort("alignment above the cap", [](gguf_context * c) { gguf_set_val_u32(c, "general.alignment", 1u << 31); },
                 "at most 1048576");
    expect_abort("array whose byte size overflows", [](gguf_context * c) {
        static const uint32_t one = 1;
        gguf_set_arr_data(c, "a", GGUF_TYPE_UINT32, &one, SIZE_MAX / 2);
    }, "overflow");
    expect_abort("u32 key read as f32", [](gguf_context * c) { gguf_get_val_f32(c, 0); }, "key 'n' holds a u32, not a f32");
    expect_abort("string key read as u32", [](gguf_context * c) { gguf_get_val_u32(c, 1); }, "not a u32");
    expect_abort("array read as a scalar", [](gguf_context * c) { gguf_get_val_f32(c, 2); }, "array of f32");
    expect_abort("scalar read as an array", [](gguf_context * c) { gguf_get_arr_type(c, 0); }, "not an array");
    expect_abort("f32 array read as strings", [](gguf_context * c) { gguf_get_arr_str(c, 2, 0); }, "not strings");
    expect_abort("string read as raw array data", [](gguf_context * c) { gguf_get_arr_data(c, 1); }, "use gguf_get_arr_str");
    expect_abort("string index out of range", [](gguf_context * c) { gguf_get_arr_str(c, 1, 1); }, "index 1 out of range");
    expect_abort("string value as raw data", [](gguf_context * c) { gguf_get_val_data(c, 1); }, "fixed-size");
    expect_abort("key id out of range", [](gguf_context * c) { gguf_get_val_u32(c, 3); }, "key id 3 out of range");
    expect_abort("negative key id", [](gguf_context * c) { gguf_get_key(c, -1); }, "out of range");
    expect_abort("tensor id out of range", [](gguf_context * c) { gguf_get_tensor_name(c, 1); }, "tensor id 1 out of range");
    expect_abort("tensor offset id out of range", [](gguf_context * c) { gguf_get_tensor_offset(c, 5); }, "out of range");
    expect_abort("duplicate tensor", [](gguf_context * c) {
        ggml_init_params ip = {1024 * 1024, nullptr, true};
        ggml_tensor * w = ggml_new_tensor_1d(ggml_init(ip), GGML_TYPE_F32, 2);
        ggml_set_name(w, "w");
        gguf_add_tensor(c, w);
    }, "duplicate tensor name 'w'");
    expect_abort("type change of a missing tensor", [](gguf_context * c) { gguf_set_tensor_type(c, "x", GGML_TYPE_F16); }, "no tensor named 'x'");
    expect_abort("alignment that is not a power of two", [](gguf_context * c) { gguf_set_val_u32(c, GGUF_KEY_GENERAL_ALIGNMENT, 48); }, "power of two");
    expect_abort("alignment of the wrong type", [](gguf_context * c) { gguf_set_val_i32(c, GGUF_KEY_GENERAL_ALIGNMENT, 32); }, "u32");
    expect_abort("array of strings through set_arr_data", [](gguf_context * c) {
        const char * s = "x";
        gguf_set_arr_data(c, "k", GGUF_TYPE_STRING, &s, 1);
    }, "gguf_set_arr_data");
    expect_abort("writing a tensor that has no data", [](gguf_context * c) {
        gguf_write_to_file(c, gguf_test::temp_path("never.gguf").c_str(), false);
    }, "has no data");
    return g.finish();
}
