// Files built byte by byte from the GGUF specification are read back exactly, and the library's
// writer produces exactly those bytes for the same content.

#include "ggml.h"
#include "gguf.h"
#include "gguf-test-helpers.h"

#include <cmath>

using namespace gguf_test;

static counter g;
#define CHECK(cond) g.check((cond), #cond, __FILE__, __LINE__)

static const float   W_DATA[6] = {1.5f, -2.0f, 3.25f, 0.0f, -0.5f, 1e-3f};
static const int32_t B_DATA[2] = {7, -9};

struct fixture_options {
    uint32_t alignment     = 32;    // written as general.alignment unless 32 and !write_alignment
    bool     write_alignment = false;
    bool     trailing_ones = false; // n_dims = 4 with trailing 1s, as some writers do
    uint32_t version       = 3;
};

// Two key/value pairs of several types and two tensors: "w" F32 [3, 2] and "b" I32 [2].
static std::vector<uint8_t> build_fixture(const fixture_options & o) {
    le_bytes f;
    f.raw("GGUF", 4).u32(o.version).u64(2).u64(o.write_alignment ? 7 : 6);
    if (o.write_alignment) f.str("general.alignment").i32(4).u32(o.alignment);
    f.str("general.architecture").i32(8).str("mnist");
    f.str("test.u32").i32(4).u32(0xdeadbeef);
    f.str("test.f32").i32(6).f32(0.25f);
    f.str("test.bool").i32(7).u8(1);
    f.str("test.arr_i32").i32(9).i32(5).u64(3).i32(1).i32(-2).i32(3);
    f.str("test.arr_str").i32(9).i32(8).u64(2).str("a").str("bc");

    const uint64_t w_bytes = sizeof W_DATA, w_padded = (w_bytes + o.alignment - 1) / o.alignment * o.alignment;
    f.str("w").u32(o.trailing_ones ? 4 : 2).i64(3).i64(2);
    if (o.trailing_ones) f.i64(1).i64(1);
    f.i32(0).u64(0);
    f.str("b").u32(o.trailing_ones ? 4 : 1).i64(2);
    if (o.trailing_ones) f.i64(1).i64(1).i64(1);
    f.i32(26).u64(w_padded);
    f.pad_to(o.alignment);
    for (float v : W_DATA) f.f32(v);
    f.pad_to(o.alignment);
    for (int32_t v : B_DATA) f.i32(v);
    f.pad_to(o.alignment);
    return f.b;
}

// Checks every value and tensor of a context read from a fixture.
static void check_fixture_content(gguf_context * ctx, ggml_context * tensors, const fixture_options & o) {
    CHECK(gguf_get_n_kv(ctx) == (o.write_alignment ? 7 : 6));
    CHECK(gguf_get_alignment(ctx) == o.alignment);
    const int64_t arch = gguf_find_key(ctx, "general.architecture");
    CHECK(arch >= 0 && gguf_get_kv_type(ctx, arch) == GGUF_TYPE_STRING && strcmp(gguf_get_val_str(ctx, arch), "mnist") == 0);
    const int64_t u = gguf_find_key(ctx, "test.u32");
    CHECK(u >= 0 && gguf_get_val_u32(ctx, u) == 0xdeadbeef);
    const int64_t fl = gguf_find_key(ctx, "test.f32");
    CHECK(fl >= 0 && gguf_get_val_f32(ctx, fl) == 0.25f);
    const int64_t bo = gguf_find_key(ctx, "test.bool");
    CHECK(bo >= 0 && gguf_get_val_bool(ctx, bo) == true);
    const int64_t ai = gguf_find_key(ctx, "test.arr_i32");
    CHECK(ai >= 0 && gguf_get_kv_type(ctx, ai) == GGUF_TYPE_ARRAY && gguf_get_arr_type(ctx, ai) == GGUF_TYPE_INT32);
    if (ai >= 0) {
        CHECK(gguf_get_arr_n(ctx, ai) == 3);
        const int32_t * v = (const int32_t *) gguf_get_arr_data(ctx, ai);
        CHECK(v[0] == 1 && v[1] == -2 && v[2] == 3);
    }
    const int64_t as = gguf_find_key(ctx, "test.arr_str");
    CHECK(as >= 0 && gguf_get_arr_type(ctx, as) == GGUF_TYPE_STRING && gguf_get_arr_n(ctx, as) == 2);
    if (as >= 0) CHECK(strcmp(gguf_get_arr_str(ctx, as, 0), "a") == 0 && strcmp(gguf_get_arr_str(ctx, as, 1), "bc") == 0);
    CHECK(gguf_find_key(ctx, "absent") == -1);

    CHECK(gguf_get_n_tensors(ctx) == 2);
    const int64_t w = gguf_find_tensor(ctx, "w"), b = gguf_find_tensor(ctx, "b");
    CHECK(w == 0 && b == 1);
    CHECK(gguf_get_tensor_type(ctx, 0) == GGML_TYPE_F32 && gguf_get_tensor_type(ctx, 1) == GGML_TYPE_I32);
    CHECK(gguf_get_tensor_size(ctx, 0) == 24 && gguf_get_tensor_size(ctx, 1) == 8);
    CHECK(gguf_get_tensor_offset(ctx, 0) == 0 && gguf_get_tensor_offset(ctx, 1) == (24 + o.alignment - 1) / o.alignment * o.alignment);
    CHECK(gguf_get_data_offset(ctx) % o.alignment == 0);

    if (tensors) {
        ggml_tensor * tw = ggml_get_tensor(tensors, "w");
        ggml_tensor * tb = ggml_get_tensor(tensors, "b");
        CHECK(tw && tw->ne[0] == 3 && tw->ne[1] == 2 && tw->ne[2] == 1 && tw->ne[3] == 1 && tw->type == GGML_TYPE_F32);
        CHECK(tb && tb->ne[0] == 2 && tb->ne[1] == 1 && tb->type == GGML_TYPE_I32);
        if (tw && tb) {
            CHECK(tw->data && memcmp(tw->data, W_DATA, sizeof W_DATA) == 0);
            CHECK(tb->data && memcmp(tb->data, B_DATA, sizeof B_DATA) == 0);
        }
    }
}

// The same content built through the API, in the fixture's key order.
static gguf_context * build_with_api(ggml_context * scratch, const fixture_options & o) {
    gguf_context * ctx = gguf_init_empty();
    if (o.write_alignment) gguf_set_val_u32(ctx, "general.alignment", o.alignment);
    gguf_set_val_str(ctx, "general.architecture", "mnist");
    gguf_set_val_u32(ctx, "test.u32", 0xdeadbeef);
    gguf_set_val_f32(ctx, "test.f32", 0.25f);
    gguf_set_val_bool(ctx, "test.bool", true);
    const int32_t arr[3] = {1, -2, 3};
    gguf_set_arr_data(ctx, "test.arr_i32", GGUF_TYPE_INT32, arr, 3);
    const char * strs[2] = {"a", "bc"};
    gguf_set_arr_str(ctx, "test.arr_str", strs, 2);

    ggml_tensor * w = ggml_new_tensor_2d(scratch, GGML_TYPE_F32, 3, 2);
    ggml_set_name(w, "w");
    memcpy(w->data, W_DATA, sizeof W_DATA);
    ggml_tensor * b = ggml_new_tensor_1d(scratch, GGML_TYPE_I32, 2);
    ggml_set_name(b, "b");
    memcpy(b->data, B_DATA, sizeof B_DATA);
    gguf_add_tensor(ctx, w);
    gguf_add_tensor(ctx, b);
    return ctx;
}

static void test_fixture(const char * name, const fixture_options & o) {
    printf("fixture: %s\n", name);
    const std::vector<uint8_t> bytes = build_fixture(o);
    const std::string path = temp_path(std::string(name) + ".gguf");
    write_file(path, bytes);

    // with data
    ggml_context * tensors = nullptr;
    gguf_context * ctx = gguf_init_from_file(path.c_str(), {false, &tensors});
    if (!CHECK(ctx && tensors)) return;
    CHECK(gguf_get_version(ctx) == o.version);
    check_fixture_content(ctx, tensors, o);

    // metadata only
    ggml_context * meta_tensors = nullptr;
    gguf_context * meta = gguf_init_from_file(path.c_str(), {true, &meta_tensors});
    CHECK(meta && meta_tensors);
    if (meta && meta_tensors) {
        check_fixture_content(meta, nullptr, o);
        ggml_tensor * tw = ggml_get_tensor(meta_tensors, "w");
        CHECK(tw && tw->data == nullptr && tw->ne[0] == 3 && tw->ne[1] == 2);
    }
    gguf_free(meta);
    ggml_free(meta_tensors);

    // no ggml context at all
    gguf_context * bare = gguf_init_from_file(path.c_str(), {true, nullptr});
    CHECK(bare && gguf_get_n_tensors(bare) == 2);
    gguf_free(bare);

    // the canonical bytes of this content: what our writer must produce
    fixture_options canonical = o;
    canonical.trailing_ones = false;
    canonical.version = 3;
    const std::vector<uint8_t> expected = build_fixture(canonical);

    // rewriting the file read
    gguf_set_tensor_data(ctx, "w", ggml_get_tensor(tensors, "w")->data);
    gguf_set_tensor_data(ctx, "b", ggml_get_tensor(tensors, "b")->data);
    const std::string rewritten = temp_path(std::string(name) + "-rewritten.gguf");
    CHECK(gguf_write_to_file(ctx, rewritten.c_str(), false));
    CHECK(read_file(rewritten) == expected);

    // the same content built through the API
    ggml_init_params ip = {1024 * 1024, nullptr, false};
    ggml_context * scratch = ggml_init(ip);
    gguf_context * built = build_with_api(scratch, o);
    const std::string written = temp_path(std::string(name) + "-written.gguf");
    CHECK(gguf_write_to_file(built, written.c_str(), false));
    CHECK(read_file(written) == expected);

    // metadata size and bytes equal the file's prefix up to the data section
    const size_t meta_size = gguf_get_meta_size(built);
    if (!o.trailing_ones) CHECK(meta_size == gguf_get_data_offset(ctx));
    std::vector<uint8_t> meta_bytes(meta_size);
    gguf_get_meta_data(built, meta_bytes.data());
    CHECK(meta_size <= expected.size() && std::equal(meta_bytes.begin(), meta_bytes.end(), expected.begin()));

    // only_meta writes exactly that prefix
    const std::string meta_only = temp_path(std::string(name) + "-meta.gguf");
    CHECK(gguf_write_to_file(built, meta_only.c_str(), true));
    CHECK(read_file(meta_only) == meta_bytes);

    gguf_free(built);
    ggml_free(scratch);
    gguf_free(ctx);
    ggml_free(tensors);
}

// A layout other writers may produce: tensors stored in another order, with gaps between them.
static void test_unpacked_layout() {
    printf("fixture: tensors out of order with gaps\n");
    le_bytes f;
    f.raw("GGUF", 4).u32(3).u64(2).u64(0);
    f.str("first").u32(1).i64(4).i32(0).u64(96);   // 16 bytes at 96
    f.str("second").u32(1).i64(3).i32(24).u64(0);  // 3 bytes at 0
    f.pad_to(32);
    f.u8(10).u8(20).u8(30).zeros(93);
    for (int i = 0; i < 4; ++i) f.f32((float) i);
    const std::string path = temp_path("unpacked.gguf");
    write_file(path, f.b);
    ggml_context * tensors = nullptr;
    gguf_context * ctx = gguf_init_from_file(path.c_str(), {false, &tensors});
    if (!CHECK(ctx && tensors)) return;
    CHECK(gguf_get_tensor_offset(ctx, 0) == 96 && gguf_get_tensor_offset(ctx, 1) == 0);
    const float * first = (const float *) ggml_get_tensor(tensors, "first")->data;
    const int8_t * second = (const int8_t *) ggml_get_tensor(tensors, "second")->data;
    CHECK(first[0] == 0.0f && first[3] == 3.0f);
    CHECK(second[0] == 10 && second[2] == 30);
    gguf_free(ctx);
    ggml_free(tensors);
}

// A file with no tensors ends right after its key/value pairs, without padding.
static void test_no_tensors() {
    printf("fixture: metadata only, no tensors, no padding\n");
    le_bytes f;
    f.raw("GGUF", 4).u32(3).u64(0).u64(1).str("k").i32(10).u64(1234567890123ull);
    const std::string path = temp_path("no-tensors.gguf");
    write_file(path, f.b);
    ggml_context * tensors = nullptr;
    gguf_context * ctx = gguf_init_from_file(path.c_str(), {false, &tensors});
    if (!CHECK(ctx && tensors)) return;
    CHECK(gguf_get_val_u64(ctx, 0) == 1234567890123ull);
    CHECK(ggml_get_first_tensor(tensors) == nullptr);
    // our writer pads the metadata to the alignment
    le_bytes expected = f;
    expected.pad_to(32);
    const std::string out = temp_path("no-tensors-out.gguf");
    CHECK(gguf_write_to_file(ctx, out.c_str(), false));
    CHECK(read_file(out) == expected.b);
    gguf_free(ctx);
    ggml_free(tensors);
}

// Setting general.alignment on a new context changes the layout written, and the offsets follow.
static void test_alignment_change_relayouts() {
    printf("alignment set after tensors were added\n");
    ggml_init_params ip = {1024 * 1024, nullptr, false};
    ggml_context * scratch = ggml_init(ip);
    fixture_options o;
    gguf_context * ctx = build_with_api(scratch, o);
    CHECK(gguf_get_tensor_offset(ctx, 1) == 32);
    gguf_set_val_u32(ctx, "general.alignment", 64);
    CHECK(gguf_get_alignment(ctx) == 64 && gguf_get_tensor_offset(ctx, 1) == 64);
    CHECK(gguf_get_meta_size(ctx) % 64 == 0);
    gguf_remove_key(ctx, "general.alignment");
    CHECK(gguf_get_alignment(ctx) == 32 && gguf_get_tensor_offset(ctx, 1) == 32);
    gguf_free(ctx);
    ggml_free(scratch);
}

int main() {
    test_fixture("basic", fixture_options{});
    fixture_options aligned64;
    aligned64.alignment = 64;
    aligned64.write_alignment = true;
    test_fixture("alignment-64", aligned64);
    fixture_options aligned8;
    aligned8.alignment = 8;
    aligned8.write_alignment = true;
    test_fixture("alignment-8", aligned8);
    fixture_options ones;
    ones.trailing_ones = true;
    test_fixture("trailing-ones", ones);
    fixture_options v2;
    v2.version = 2;
    test_fixture("version-2", v2);
    test_unpacked_layout();
    test_no_tensors();
    test_alignment_change_relayouts();
    return g.finish();
}
