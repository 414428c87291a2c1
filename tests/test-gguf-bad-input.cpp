// Malformed files: gguf_init_from_file returns NULL after one line on stderr naming the problem
// and its byte offset. Each case is built by hand from the specification.

#include "ggml.h"
#include "gguf.h"
#include "gguf-test-helpers.h"

#include <climits>

using namespace gguf_test;

static counter g;
static int g_case = 0;

static le_bytes header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    le_bytes f;
    f.raw("GGUF", 4).u32(version).u64(n_tensors).u64(n_kv);
    return f;
}

// A valid file: one key, one F32 [4] tensor "t" at offset 0 (and its data).
static le_bytes valid_file() {
    le_bytes f = header(1, 1);
    f.str("general.name").i32(8).str("ok");
    f.str("t").u32(1).i64(4).i32(0).u64(0);
    f.pad_to(32);
    for (int i = 0; i < 4; ++i) f.f32((float) i);
    f.pad_to(32);
    return f;
}

// A file with one tensor whose info is written by info(); data_bytes bytes of data follow.
template <typename F>
static std::vector<uint8_t> one_tensor(F info, size_t data_bytes, uint32_t alignment = 32) {
    le_bytes f = header(1, 0);
    info(f);
    f.pad_to(alignment);
    f.zeros(data_bytes);
    return f.b;
}

static bool expect_rejected(const char * what, const std::vector<uint8_t> & bytes, const char * needle,
                            bool expect_offset = true) {
    const std::string path = temp_path("case-" + std::to_string(g_case++) + ".gguf");
    write_file(path, bytes);
    bool ok = true;
    std::string report;
    for (int mode = 0; mode < 3; ++mode) {
        // with loaded data, with metadata-only tensors, and without a ggml context
        ggml_context * tensors = nullptr;
        gguf_context * ctx = nullptr;
        const std::string err = capture_stderr([&] {
            gguf_init_params params = {mode == 1, mode == 2 ? nullptr : &tensors};
            ctx = gguf_init_from_file(path.c_str(), params);
        });
        size_t lines = 0;
        for (char c : err) lines += c == '\n';
        const bool this_ok = ctx == nullptr && tensors == nullptr && lines == 1 &&
                             err.find(needle) != std::string::npos &&
                             (!expect_offset || err.find("byte offset") != std::string::npos);
        if (!this_ok) report = "mode " + std::to_string(mode) + ": ctx " + (ctx ? "non-NULL" : "NULL") + ", stderr: " + err;
        ok = ok && this_ok;
        gguf_free(ctx);
        ggml_free(tensors);
        if (mode == 0) printf("%-48s %s", what, err.c_str());
    }
    g.check(ok, what, __FILE__, __LINE__);
    if (!ok) fprintf(stderr, "  case '%s' (expected a message containing '%s'): %s\n", what, needle, report.c_str());
    return ok;
}

static void expect_accepted(const char * what, const std::vector<uint8_t> & bytes) {
    const std::string path = temp_path("case-" + std::to_string(g_case++) + ".gguf");
    write_file(path, bytes);
    ggml_context * tensors = nullptr;
    gguf_context * ctx = gguf_init_from_file(path.c_str(), {false, &tensors});
    g.check(ctx != nullptr, what, __FILE__, __LINE__);
    gguf_free(ctx);
    ggml_free(tensors);
}

static std::vector<uint8_t> truncated(const le_bytes & f, size_t n) {
    return std::vector<uint8_t>(f.b.begin(), f.b.begin() + n);
}

int main() {
    const le_bytes valid = valid_file();
    expect_accepted("the valid base file loads", valid.b);

    // truncation at several points: header fields, key, value, tensor info, tensor data
    expect_rejected("empty file", {}, "truncated");
    expect_rejected("truncated in the magic", truncated(valid, 2), "truncated");
    expect_rejected("truncated in the version", truncated(valid, 6), "truncated");
    expect_rejected("truncated in the tensor count", truncated(valid, 12), "truncated");
    expect_rejected("truncated in the key/value count", truncated(valid, 20), "truncated");
    expect_rejected("truncated in the key length", truncated(valid, 28), "bytes left");
    expect_rejected("truncated in the key", truncated(valid, 36), "bytes left");
    expect_rejected("truncated in the value type", truncated(valid, 46), "bytes left");
    expect_rejected("truncated in the string value", truncated(valid, 57), "bytes left");
    expect_rejected("truncated in an array", header(0, 1).str("k").i32(9).i32(4).u64(3).u32(1).u32(2).b, "do not fit");
    expect_rejected("truncated in a string array element",
                    header(0, 1).str("k").i32(9).i32(8).u64(2).str("abc").u64(10).raw("xy", 2).b, "length 10 exceeds");
    expect_rejected("truncated in the tensor name length", truncated(valid, 62), "truncated");
    expect_rejected("truncated in the tensor dims", truncated(valid, 75), "truncated");
    expect_rejected("truncated in the tensor type", truncated(valid, 81), "truncated");
    expect_rejected("truncated in the tensor offset", truncated(valid, 86), "truncated");
    expect_rejected("truncated in the tensor data", truncated(valid, valid.size() - 24), "past the end");

    // magic and version
    {
        le_bytes f = valid;
        f.b[3] = 'G';
        expect_rejected("wrong magic", f.b, "not a GGUF file");
        le_bytes ggml_magic;
        ggml_magic.u32(0x67676d6c).zeros(60);
        expect_rejected("old ggml magic", ggml_magic.b, "not a GGUF file");
    }
    for (uint32_t version : {0u, 1u, 4u, 0x7fffffffu}) {
        le_bytes f = valid;
        f.b[4] = (uint8_t) version; f.b[5] = (uint8_t) (version >> 8);
        f.b[6] = (uint8_t) (version >> 16); f.b[7] = (uint8_t) (version >> 24);
        const std::string what = "unsupported version " + std::to_string(version);
        expect_rejected(what.c_str(), f.b, "version");
    }
    {
        le_bytes f = valid;
        f.b[4] = 0; f.b[7] = 3; // 3 written big-endian
        expect_rejected("byte-swapped version", f.b, "byte-swapped");
    }

    // counts and lengths larger than the file could hold
    expect_rejected("huge tensor count", header(UINT64_MAX / 2, 0).zeros(64).b, "tensor count");
    expect_rejected("huge key/value count", header(0, UINT64_MAX).zeros(64).b, "key/value count");
    expect_rejected("huge key/value count (2^62)", header(0, 1ull << 62).zeros(64).b, "key/value count");
    expect_rejected("huge key length", header(0, 1).u64(1ull << 62).zeros(64).b, "key length");
    expect_rejected("key length just past the end", header(0, 1).u64(20).raw("abcdefgh", 8).zeros(8).b, "key length");
    expect_rejected("huge string value length", header(0, 1).str("k").i32(8).u64(UINT64_MAX).zeros(16).b, "length");
    expect_rejected("huge array length", header(0, 1).str("k").i32(9).i32(6).u64(1ull << 61).zeros(16).b, "do not fit");
    expect_rejected("array length overflowing the byte count", header(0, 1).str("k").i32(9).i32(10).u64(1ull << 61).zeros(16).b, "do not fit");
    expect_rejected("huge string array length", header(0, 1).str("k").i32(9).i32(8).u64(UINT64_MAX).zeros(16).b, "do not fit");
    expect_rejected("huge tensor name length",
                    one_tensor([](le_bytes & f) { f.u64(1ull << 60).raw("t", 1).u32(1).i64(4).i32(0).u64(0); }, 16), "too long");

    // duplicates
    expect_rejected("duplicate key", header(0, 2).str("a.b").i32(4).u32(1).str("a.b").i32(4).u32(2).b, "duplicate key 'a.b'");
    {
        le_bytes f = header(2, 0);
        f.str("t").u32(1).i64(4).i32(0).u64(0);
        f.str("t").u32(1).i64(4).i32(0).u64(32);
        f.pad_to(32).zeros(64);
        expect_rejected("duplicate tensor name", f.b, "duplicate tensor name 't'");
    }

    // types
    expect_rejected("unknown value type 13", header(0, 1).str("k").i32(13).u32(0).b, "unknown value type 13");
    expect_rejected("unknown value type -1", header(0, 1).str("k").i32(-1).u32(0).b, "unknown value type -1");
    expect_rejected("unknown array element type", header(0, 1).str("k").i32(9).i32(42).u64(1).u32(0).b, "unknown value type 42");
    expect_rejected("nested arrays", header(0, 1).str("k").i32(9).i32(9).u64(1).i32(4).u64(1).u32(0).b, "nested arrays");
    expect_rejected("bool value other than 0 or 1", header(0, 1).str("k").i32(7).u8(2).b, "bool");
    expect_rejected("unknown tensor type 2 (Q4_0)",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(32).i32(2).u64(0); }, 64), "unknown tensor type 2");
    expect_rejected("unknown tensor type 1000",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(4).i32(1000).u64(0); }, 64), "unknown tensor type 1000");
    expect_rejected("unknown tensor type -1",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(4).i32(-1).u64(0); }, 64), "unknown tensor type -1");

    // shapes and names
    expect_rejected("n_dims 5",
                    one_tensor([](le_bytes & f) { f.str("t").u32(5).i64(1).i64(1).i64(1).i64(1).i64(1).i32(0).u64(0); }, 32),
                    "5 dimensions");
    expect_rejected("n_dims 2^32-1",
                    one_tensor([](le_bytes & f) { f.str("t").u32(UINT32_MAX).i64(1).i32(0).u64(0); }, 32), "dimensions");
    expect_rejected("negative dimension",
                    one_tensor([](le_bytes & f) { f.str("t").u32(2).i64(4).i64(-3).i32(0).u64(0); }, 32), "negative dimension");
    expect_rejected("name of 64 bytes",
                    one_tensor([](le_bytes & f) { f.str(std::string(64, 'n')).u32(1).i64(1).i32(0).u64(0); }, 32), "too long");
    expect_rejected("name of 1000 bytes",
                    one_tensor([](le_bytes & f) { f.str(std::string(1000, 'n')).u32(1).i64(1).i32(0).u64(0); }, 32), "too long");
    expect_accepted("name of 63 bytes loads",
                    one_tensor([](le_bytes & f) { f.str(std::string(63, 'n')).u32(1).i64(1).i32(0).u64(0); }, 32));
    expect_rejected("name with a NUL byte",
                    one_tensor([](le_bytes & f) { f.str(std::string("a\0b", 3)).u32(1).i64(1).i32(0).u64(0); }, 32), "NUL");
    expect_rejected("byte size overflow (2^62 x 4 bytes)",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(1ll << 62).i32(0).u64(0); }, 32), "overflows");
    expect_rejected("element count overflow across dims",
                    one_tensor([](le_bytes & f) { f.str("t").u32(3).i64(1ll << 30).i64(1ll << 30).i64(1ll << 30).i32(24).u64(0); }, 32),
                    "overflows");
    expect_rejected("huge but representable tensor",
                    one_tensor([](le_bytes & f) { f.str("t").u32(2).i64(1ll << 20).i64(1ll << 20).i32(0).u64(0); }, 32),
                    "past the end");

    // alignment
    auto aligned_file = [](le_bytes value) {
        le_bytes f = header(0, 1);
        f.str("general.alignment").raw(value.b.data(), value.size());
        return f.b;
    };
    expect_rejected("alignment 48 (not a power of two)", aligned_file(le_bytes().i32(4).u32(48)), "not a power of two");
    expect_rejected("alignment 0", aligned_file(le_bytes().i32(4).u32(0)), "not a power of two");
    expect_rejected("alignment of type i32", aligned_file(le_bytes().i32(5).i32(32)), "expected u32");
    expect_rejected("alignment as an array", aligned_file(le_bytes().i32(9).i32(4).u64(1).u32(32)), "expected u32");
    // a 57-byte file must not make gguf_get_meta_size or a write-back pad to 2 GiB
    expect_rejected("alignment 2^31", aligned_file(le_bytes().i32(4).u32(1u << 31)), "more than the supported 1048576");
    expect_rejected("alignment 2^21", aligned_file(le_bytes().i32(4).u32(1u << 21)), "more than the supported");
    // ggml's reader takes every power of two up to 1 MiB, so a file it loads loads here too; the
    // padding it can cost (measured, written back) stays at most 1 MiB
    expect_accepted("alignment 2^17", aligned_file(le_bytes().i32(4).u32(1u << 17)));
    expect_accepted("alignment 2^20", aligned_file(le_bytes().i32(4).u32(1u << 20)));
    {
        const std::string path = temp_path("case-" + std::to_string(g_case++) + ".gguf");
        write_file(path, aligned_file(le_bytes().i32(4).u32(1u << 20)));
        gguf_context * ctx = gguf_init_from_file(path.c_str(), {true, nullptr});
        g.check(ctx && gguf_get_meta_size(ctx) <= (1u << 20) + 4096, "alignment 2^20: the metadata is padded by at most 1 MiB",
                __FILE__, __LINE__);
        gguf_free(ctx);
    }

    // strings from the file stay on one line in the error, and a name with a NUL is refused
    {
        le_bytes f = header(0, 1);
        f.str("general.architecture").i32(8).str(std::string("mnist-fc\0x", 10));
        expect_rejected("architecture with a NUL byte", f.b, "'general.architecture' contains a NUL byte");
        le_bytes k = header(0, 2);
        k.str("dup\n\x1b[2Jforged").i32(4).u32(1).str("dup\n\x1b[2Jforged").i32(4).u32(1);
        expect_rejected("duplicate key with a newline and an escape", k.b, "duplicate key 'dup\\n\\x1b[2Jforged'");
    }

    // tensor data offsets
    expect_rejected("misaligned offset",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(4).i32(0).u64(4); }, 64), "not a multiple");
    {
        le_bytes g2 = header(1, 1);
        g2.str("general.alignment").i32(4).u32(64);
        g2.str("t").u32(1).i64(4).i32(0).u64(32);
        g2.pad_to(64).zeros(128);
        expect_rejected("offset aligned to 32 in a 64-aligned file", g2.b, "not a multiple of the alignment 64");
    }
    {
        le_bytes f = header(2, 0);
        f.str("a").u32(1).i64(16).i32(0).u64(0);  // 64 bytes at 0
        f.str("b").u32(1).i64(4).i32(0).u64(32);  // 16 bytes at 32: inside a
        f.pad_to(32).zeros(128);
        expect_rejected("overlapping tensors", f.b, "overlaps tensor 'a'");
    }
    {
        le_bytes f = header(2, 0);
        f.str("a").u32(1).i64(4).i32(0).u64(32);
        f.str("b").u32(1).i64(4).i32(0).u64(32);  // same offset
        f.pad_to(32).zeros(128);
        expect_rejected("two tensors at the same offset", f.b, "overlaps");
    }
    expect_rejected("offset past the end",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(4).i32(0).u64(1024); }, 64), "past the end");
    expect_rejected("offset near 2^64",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(4).i32(0).u64(UINT64_MAX - 31); }, 64), "past the end");
    expect_rejected("data running past the end",
                    one_tensor([](le_bytes & f) { f.str("t").u32(1).i64(100).i32(0).u64(0); }, 64), "past the end");

    // the file itself
    {
        const std::string missing = temp_path("does-not-exist.gguf");
        gguf_context * ctx = nullptr;
        const std::string err = capture_stderr([&] { ctx = gguf_init_from_file(missing.c_str(), {false, nullptr}); });
        g.check(ctx == nullptr && err.find("does-not-exist.gguf") != std::string::npos, "missing file", __FILE__, __LINE__);
    }
    {
        gguf_context * ctx = nullptr;
        const std::string err = capture_stderr([&] { ctx = gguf_init_from_file(temp_dir().c_str(), {false, nullptr}); });
        size_t lines = 0;
        for (char c : err) lines += c == '\n';
        g.check(ctx == nullptr && lines == 1, "a directory instead of a file", __FILE__, __LINE__);
    }
    return g.finish();
}
