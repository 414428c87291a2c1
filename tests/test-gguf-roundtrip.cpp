// Everything written comes back: all 13 value types (arrays of every element type included),
// tensors of every supported type and rank, with and without data; plus the editing API
// (replacing and removing keys, copying pairs, changing a tensor's type, appending data to a
// metadata-only file).

#include "ggml.h"
#include "gguf.h"
#include "gguf-test-helpers.h"

#include <cmath>

using namespace gguf_test;

static counter g;
#define CHECK(cond) g.check((cond), #cond, __FILE__, __LINE__)

static gguf_context * reload(const gguf_context * ctx, const std::string & name, ggml_context ** tensors, bool no_alloc = false) {
    const std::string path = temp_path(name);
    if (!CHECK(gguf_write_to_file(ctx, path.c_str(), false))) return nullptr;
    gguf_context * back = gguf_init_from_file(path.c_str(), {no_alloc, tensors});
    CHECK(back != nullptr);
    return back;
}

static void test_scalars_and_arrays() {
    printf("value types\n");
    gguf_context * ctx = gguf_init_empty();
    gguf_set_val_u8(ctx, "v.u8", 200);
    gguf_set_val_i8(ctx, "v.i8", -100);
    gguf_set_val_u16(ctx, "v.u16", 60000);
    gguf_set_val_i16(ctx, "v.i16", -30000);
    gguf_set_val_u32(ctx, "v.u32", 4000000000u);
    gguf_set_val_i32(ctx, "v.i32", -2000000000);
    gguf_set_val_f32(ctx, "v.f32", 3.5f);
    gguf_set_val_bool(ctx, "v.bool", true);
    gguf_set_val_str(ctx, "v.str", "hello, gguf");
    gguf_set_val_u64(ctx, "v.u64", 18000000000000000000ull);
    gguf_set_val_i64(ctx, "v.i64", -9000000000000000000ll);
    gguf_set_val_f64(ctx, "v.f64", -1.0 / 3.0);
    gguf_set_val_str(ctx, "v.empty_str", "");

    const uint8_t  a_u8[]  = {0, 1, 255};
    const int8_t   a_i8[]  = {-128, 0, 127};
    const uint16_t a_u16[] = {1, 65535};
    const int16_t  a_i16[] = {-32768, 32767};
    const uint32_t a_u32[] = {7, 4294967295u, 0};
    const int32_t  a_i32[] = {-5, 5};
    const float    a_f32[] = {1.0f, -0.0f, INFINITY, 1e-30f};
    const uint8_t  a_bool[] = {1, 0, 1};
    const uint64_t a_u64[] = {UINT64_MAX, 0};
    const int64_t  a_i64[] = {INT64_MIN, INT64_MAX, 0};
    const double   a_f64[] = {M_PI, -2.5e300};
    gguf_set_arr_data(ctx, "a.u8", GGUF_TYPE_UINT8, a_u8, 3);
    gguf_set_arr_data(ctx, "a.i8", GGUF_TYPE_INT8, a_i8, 3);
    gguf_set_arr_data(ctx, "a.u16", GGUF_TYPE_UINT16, a_u16, 2);
    gguf_set_arr_data(ctx, "a.i16", GGUF_TYPE_INT16, a_i16, 2);
    gguf_set_arr_data(ctx, "a.u32", GGUF_TYPE_UINT32, a_u32, 3);
    gguf_set_arr_data(ctx, "a.i32", GGUF_TYPE_INT32, a_i32, 2);
    gguf_set_arr_data(ctx, "a.f32", GGUF_TYPE_FLOAT32, a_f32, 4);
    gguf_set_arr_data(ctx, "a.bool", GGUF_TYPE_BOOL, a_bool, 3);
    gguf_set_arr_data(ctx, "a.u64", GGUF_TYPE_UINT64, a_u64, 2);
    gguf_set_arr_data(ctx, "a.i64", GGUF_TYPE_INT64, a_i64, 3);
    gguf_set_arr_data(ctx, "a.f64", GGUF_TYPE_FLOAT64, a_f64, 2);
    gguf_set_arr_data(ctx, "a.empty", GGUF_TYPE_INT32, nullptr, 0);
    const char * strs[] = {"zero", "", "two words", "\xc3\xa9t\xc3\xa9"};
    gguf_set_arr_str(ctx, "a.str", strs, 4);
    gguf_set_arr_str(ctx, "a.empty_str", nullptr, 0);

    gguf_context * back = reload(ctx, "values.gguf", nullptr);
    if (!back) { gguf_free(ctx); return; }
    CHECK(gguf_get_n_kv(back) == gguf_get_n_kv(ctx));
    for (int64_t i = 0; i < gguf_get_n_kv(ctx); ++i) CHECK(strcmp(gguf_get_key(back, i), gguf_get_key(ctx, i)) == 0);

    auto id = [&](const char * k) { return gguf_find_key(back, k); };
    CHECK(gguf_get_kv_type(back, id("v.u8")) == GGUF_TYPE_UINT8 && gguf_get_val_u8(back, id("v.u8")) == 200);
    CHECK(gguf_get_kv_type(back, id("v.i8")) == GGUF_TYPE_INT8 && gguf_get_val_i8(back, id("v.i8")) == -100);
    CHECK(gguf_get_kv_type(back, id("v.u16")) == GGUF_TYPE_UINT16 && gguf_get_val_u16(back, id("v.u16")) == 60000);
    CHECK(gguf_get_kv_type(back, id("v.i16")) == GGUF_TYPE_INT16 && gguf_get_val_i16(back, id("v.i16")) == -30000);
    CHECK(gguf_get_kv_type(back, id("v.u32")) == GGUF_TYPE_UINT32 && gguf_get_val_u32(back, id("v.u32")) == 4000000000u);
    CHECK(gguf_get_kv_type(back, id("v.i32")) == GGUF_TYPE_INT32 && gguf_get_val_i32(back, id("v.i32")) == -2000000000);
    CHECK(gguf_get_kv_type(back, id("v.f32")) == GGUF_TYPE_FLOAT32 && gguf_get_val_f32(back, id("v.f32")) == 3.5f);
    CHECK(gguf_get_kv_type(back, id("v.bool")) == GGUF_TYPE_BOOL && gguf_get_val_bool(back, id("v.bool")));
    CHECK(gguf_get_kv_type(back, id("v.str")) == GGUF_TYPE_STRING && strcmp(gguf_get_val_str(back, id("v.str")), "hello, gguf") == 0);
    CHECK(gguf_get_kv_type(back, id("v.u64")) == GGUF_TYPE_UINT64 && gguf_get_val_u64(back, id("v.u64")) == 18000000000000000000ull);
    CHECK(gguf_get_kv_type(back, id("v.i64")) == GGUF_TYPE_INT64 && gguf_get_val_i64(back, id("v.i64")) == -9000000000000000000ll);
    CHECK(gguf_get_kv_type(back, id("v.f64")) == GGUF_TYPE_FLOAT64 && gguf_get_val_f64(back, id("v.f64")) == -1.0 / 3.0);
    CHECK(strcmp(gguf_get_val_str(back, id("v.empty_str")), "") == 0);
    CHECK(*(const uint32_t *) gguf_get_val_data(back, id("v.u32")) == 4000000000u);
    CHECK(gguf_get_arr_n(back, id("v.u32")) == 1);

    struct arr_case { const char * key; gguf_type type; const void * data; size_t n, elem; };
    const arr_case arrays[] = {
        {"a.u8", GGUF_TYPE_UINT8, a_u8, 3, 1},        {"a.i8", GGUF_TYPE_INT8, a_i8, 3, 1},
        {"a.u16", GGUF_TYPE_UINT16, a_u16, 2, 2},     {"a.i16", GGUF_TYPE_INT16, a_i16, 2, 2},
        {"a.u32", GGUF_TYPE_UINT32, a_u32, 3, 4},     {"a.i32", GGUF_TYPE_INT32, a_i32, 2, 4},
        {"a.f32", GGUF_TYPE_FLOAT32, a_f32, 4, 4},    {"a.bool", GGUF_TYPE_BOOL, a_bool, 3, 1},
        {"a.u64", GGUF_TYPE_UINT64, a_u64, 2, 8},     {"a.i64", GGUF_TYPE_INT64, a_i64, 3, 8},
        {"a.f64", GGUF_TYPE_FLOAT64, a_f64, 2, 8},    {"a.empty", GGUF_TYPE_INT32, nullptr, 0, 4},
    };
    for (const arr_case & a : arrays) {
        const int64_t k = id(a.key);
        const bool ok = k >= 0 && gguf_get_kv_type(back, k) == GGUF_TYPE_ARRAY && gguf_get_arr_type(back, k) == a.type &&
                        gguf_get_arr_n(back, k) == a.n && (a.n == 0 || memcmp(gguf_get_arr_data(back, k), a.data, a.n * a.elem) == 0);
        g.check(ok, a.key, __FILE__, __LINE__);
    }
    const int64_t ks = id("a.str");
    CHECK(gguf_get_arr_type(back, ks) == GGUF_TYPE_STRING && gguf_get_arr_n(back, ks) == 4);
    for (size_t i = 0; i < 4; ++i) CHECK(strcmp(gguf_get_arr_str(back, ks, i), strs[i]) == 0);
    CHECK(gguf_get_arr_n(back, id("a.empty_str")) == 0 && gguf_get_arr_type(back, id("a.empty_str")) == GGUF_TYPE_STRING);

    for (int t = 0; t < GGUF_TYPE_COUNT; ++t) CHECK(gguf_type_name((gguf_type) t) != nullptr);
    CHECK(strcmp(gguf_type_name(GGUF_TYPE_STRING), "str") == 0 && strcmp(gguf_type_name(GGUF_TYPE_ARRAY), "arr") == 0);
    CHECK(gguf_type_name(GGUF_TYPE_COUNT) == nullptr);

    gguf_free(back);
    gguf_free(ctx);
}

// A deterministic byte pattern distinct for every tensor.
static void fill_pattern(ggml_tensor * t, int seed) {
    uint8_t * p = (uint8_t *) t->data;
    for (size_t i = 0; i < ggml_nbytes(t); ++i) p[i] = (uint8_t) (i * 31 + seed * 17 + 5);
}

static void test_tensors() {
    printf("tensors\n");
    ggml_init_params ip = {4 * 1024 * 1024, nullptr, false};
    ggml_context * src = ggml_init(ip);
    const ggml_type types[] = {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_I8, GGML_TYPE_I16, GGML_TYPE_I32, GGML_TYPE_I64};
    const int64_t shapes[][4] = {{7, 1, 1, 1}, {5, 3, 1, 1}, {3, 2, 4, 1}, {2, 3, 2, 3}, {1, 1, 1, 1}, {4, 1, 3, 1}};
    gguf_context * ctx = gguf_init_empty();
    gguf_set_val_str(ctx, "general.architecture", "test");
    std::vector<ggml_tensor *> made;
    int seed = 0;
    for (ggml_type type : types) {
        for (const auto & ne : shapes) {
            ggml_tensor * t = ggml_new_tensor(src, type, 4, ne);
            ggml_format_name(t, "%s.%d", ggml_type_name(type), seed);
            fill_pattern(t, seed++);
            gguf_add_tensor(ctx, t);
            made.push_back(t);
        }
    }
    ggml_tensor * empty = ggml_new_tensor_2d(src, GGML_TYPE_F32, 0, 3);
    ggml_set_name(empty, "empty");
    gguf_add_tensor(ctx, empty);
    made.push_back(empty);
    // a zero in a trailing dimension must survive (it is not an implied 1)
    ggml_tensor * empty_tail = ggml_new_tensor_3d(src, GGML_TYPE_I16, 3, 5, 0);
    ggml_set_name(empty_tail, "empty_tail");
    gguf_add_tensor(ctx, empty_tail);
    made.push_back(empty_tail);

    // offsets are packed with 32-byte padding, in order
    uint64_t expect_offset = 0;
    for (size_t i = 0; i < made.size(); ++i) {
        CHECK(gguf_get_tensor_offset(ctx, (int64_t) i) == expect_offset);
        CHECK(gguf_get_tensor_size(ctx, (int64_t) i) == ggml_nbytes(made[i]));
        expect_offset += (ggml_nbytes(made[i]) + 31) / 32 * 32;
    }

    ggml_context * tensors = nullptr;
    gguf_context * back = reload(ctx, "tensors.gguf", &tensors);
    if (back) {
        CHECK(gguf_get_n_tensors(back) == (int64_t) made.size());
        size_t i = 0;
        for (ggml_tensor * t = ggml_get_first_tensor(tensors); t; t = ggml_get_next_tensor(tensors, t), ++i) {
            const bool ok = i < made.size() && strcmp(t->name, made[i]->name) == 0 && t->type == made[i]->type &&
                            ggml_are_same_shape(t, made[i]) && ggml_nbytes(t) == ggml_nbytes(made[i]) &&
                            (ggml_nbytes(t) == 0 || memcmp(t->data, made[i]->data, ggml_nbytes(t)) == 0);
            g.check(ok, made[std::min(i, made.size() - 1)]->name, __FILE__, __LINE__);
            CHECK(gguf_get_tensor_type(back, (int64_t) i) == made[i]->type);
            CHECK(gguf_get_tensor_offset(back, (int64_t) i) == gguf_get_tensor_offset(ctx, (int64_t) i));
            CHECK(strcmp(gguf_get_tensor_name(back, (int64_t) i), made[i]->name) == 0);
        }
        CHECK(i == made.size());
        CHECK(gguf_find_tensor(back, made[27]->name) == 27 && gguf_find_tensor(back, "nope") == -1);
        CHECK(gguf_get_data_offset(back) == gguf_get_meta_size(ctx));
        gguf_free(back);
        ggml_free(tensors);
    }

    // metadata only: same shapes, no data, a context sized for tensor structs alone
    tensors = nullptr;
    back = reload(ctx, "tensors-meta.gguf", &tensors, true);
    if (back) {
        size_t n = 0;
        for (ggml_tensor * t = ggml_get_first_tensor(tensors); t; t = ggml_get_next_tensor(tensors, t), ++n) {
            CHECK(t->data == nullptr && ggml_are_same_shape(t, made[n]));
        }
        CHECK(n == made.size());
        CHECK(ggml_get_mem_size(tensors) <= made.size() * ggml_tensor_overhead() + GGML_MEM_ALIGN);
        gguf_free(back);
        ggml_free(tensors);
    }
    gguf_free(ctx);
    ggml_free(src);
}

static void test_editing() {
    printf("editing\n");
    gguf_context * ctx = gguf_init_empty();
    CHECK(gguf_get_version(ctx) == GGUF_VERSION && gguf_get_alignment(ctx) == GGUF_DEFAULT_ALIGNMENT);
    CHECK(gguf_get_n_kv(ctx) == 0 && gguf_get_n_tensors(ctx) == 0 && gguf_get_data_offset(ctx) == 0);
    gguf_set_val_u32(ctx, "a", 1);
    gguf_set_val_u32(ctx, "b", 2);
    gguf_set_val_u32(ctx, "c", 3);
    // replacing a key moves it to the back, with its new type
    gguf_set_val_str(ctx, "a", "one");
    CHECK(gguf_get_n_kv(ctx) == 3 && gguf_find_key(ctx, "a") == 2 && strcmp(gguf_get_val_str(ctx, 2), "one") == 0);
    // a string set from the context's own storage survives the replacement
    gguf_set_val_str(ctx, "a", gguf_get_val_str(ctx, 2));
    CHECK(strcmp(gguf_get_val_str(ctx, gguf_find_key(ctx, "a")), "one") == 0);
    CHECK(gguf_remove_key(ctx, "b") == 0 && gguf_remove_key(ctx, "b") == -1);
    CHECK(gguf_get_n_kv(ctx) == 2 && gguf_find_key(ctx, "c") == 0);

    gguf_context * other = gguf_init_empty();
    gguf_set_val_i8(other, "c", -3);
    const char * s[] = {"x", "y"};
    gguf_set_arr_str(other, "d", s, 2);
    gguf_set_val_u32(other, GGUF_KEY_GENERAL_ALIGNMENT, 16);
    gguf_set_kv(ctx, other);
    CHECK(gguf_get_n_kv(ctx) == 4);
    CHECK(gguf_get_val_i8(ctx, gguf_find_key(ctx, "c")) == -3);
    CHECK(strcmp(gguf_get_arr_str(ctx, gguf_find_key(ctx, "d"), 1), "y") == 0);
    CHECK(gguf_get_alignment(ctx) == 16);
    gguf_free(other);

    // changing a tensor's type moves the tensors after it
    ggml_init_params ip = {1024 * 1024, nullptr, false};
    ggml_context * src = ggml_init(ip);
    ggml_tensor * t0 = ggml_new_tensor_1d(src, GGML_TYPE_F32, 10);
    ggml_tensor * t1 = ggml_new_tensor_1d(src, GGML_TYPE_I8, 3);
    ggml_tensor * t2 = ggml_new_tensor_1d(src, GGML_TYPE_I64, 2);
    ggml_set_name(t0, "t0"); ggml_set_name(t1, "t1"); ggml_set_name(t2, "t2");
    fill_pattern(t0, 1); fill_pattern(t1, 2); fill_pattern(t2, 3);
    gguf_add_tensor(ctx, t0); gguf_add_tensor(ctx, t1); gguf_add_tensor(ctx, t2);
    CHECK(gguf_get_tensor_offset(ctx, 1) == 48 && gguf_get_tensor_offset(ctx, 2) == 64);
    gguf_set_tensor_type(ctx, "t0", GGML_TYPE_F16);
    CHECK(gguf_get_tensor_type(ctx, 0) == GGML_TYPE_F16 && gguf_get_tensor_size(ctx, 0) == 20);
    CHECK(gguf_get_tensor_offset(ctx, 1) == 32 && gguf_get_tensor_offset(ctx, 2) == 48);
    std::vector<uint16_t> half(10, 0x3c00);
    gguf_set_tensor_data(ctx, "t0", half.data());

    ggml_context * tensors = nullptr;
    gguf_context * back = reload(ctx, "edited.gguf", &tensors);
    if (back) {
        ggml_tensor * b0 = ggml_get_tensor(tensors, "t0");
        CHECK(b0 && b0->type == GGML_TYPE_F16 && memcmp(b0->data, half.data(), 20) == 0);
        CHECK(memcmp(ggml_get_tensor(tensors, "t2")->data, t2->data, 16) == 0);
        CHECK(gguf_get_alignment(back) == 16 && gguf_get_data_offset(back) % 16 == 0);
        gguf_free(back);
        ggml_free(tensors);
    }

    // metadata first, then the padded data appended by the caller, gives the full file
    const std::string meta_path = temp_path("appended.gguf");
    CHECK(gguf_write_to_file(ctx, meta_path.c_str(), true));
    FILE * f = fopen(meta_path.c_str(), "ab");
    const void * datas[3] = {half.data(), t1->data, t2->data};
    for (int i = 0; i < 3; ++i) {
        const size_t n = gguf_get_tensor_size(ctx, i);
        fwrite(datas[i], 1, n, f);
        const std::vector<uint8_t> pad((16 - n % 16) % 16, 0);
        if (!pad.empty()) fwrite(pad.data(), 1, pad.size(), f);
    }
    fclose(f);
    const std::string full_path = temp_path("full.gguf");
    CHECK(gguf_write_to_file(ctx, full_path.c_str(), false));
    CHECK(read_file(meta_path) == read_file(full_path));

    gguf_free(ctx);
    ggml_free(src);
}

int main() {
    test_scalars_and_arrays();
    test_tensors();
    test_editing();
    return g.finish();
}
