#pragma once

// Helpers for the GGUF tests: a little-endian byte writer for building files by hand from the
// specification (independent of the library's writer), temporary files, stderr capture and
// pass/fail counting.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ftw.h>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

namespace gguf_test {

// Appends values in little-endian order, one byte at a time.
struct le_bytes {
    std::vector<uint8_t> b;

    le_bytes & uint(uint64_t v, int nbytes) {
        for (int i = 0; i < nbytes; ++i) b.push_back((uint8_t) (v >> (8 * i)));
        return *this;
    }
    le_bytes & u8(uint8_t v)   { return uint(v, 1); }
    le_bytes & u16(uint16_t v) { return uint(v, 2); }
    le_bytes & u32(uint32_t v) { return uint(v, 4); }
    le_bytes & u64(uint64_t v) { return uint(v, 8); }
    le_bytes & i8(int8_t v)    { return uint((uint8_t) v, 1); }
    le_bytes & i16(int16_t v)  { return uint((uint16_t) v, 2); }
    le_bytes & i32(int32_t v)  { return uint((uint32_t) v, 4); }
    le_bytes & i64(int64_t v)  { return uint((uint64_t) v, 8); }
    le_bytes & f32(float v)    { uint32_t u; memcpy(&u, &v, 4); return uint(u, 4); }
    le_bytes & f64(double v)   { uint64_t u; memcpy(&u, &v, 8); return uint(u, 8); }
    le_bytes & raw(const void * p, size_t n) {
        b.insert(b.end(), (const uint8_t *) p, (const uint8_t *) p + n);
        return *this;
    }
    le_bytes & str(const std::string & s) { u64(s.size()); return raw(s.data(), s.size()); }
    le_bytes & zeros(size_t n) { b.resize(b.size() + n, 0); return *this; }
    le_bytes & pad_to(size_t alignment) { return zeros((alignment - b.size() % alignment) % alignment); }
    size_t size() const { return b.size(); }
};

inline std::string & temp_dir_name() {
    static std::string dir;
    return dir;
}

inline void remove_temp_dir() {
    nftw(temp_dir_name().c_str(), [](const char * path, const struct stat *, int, struct FTW *) { return remove(path); },
         16, FTW_DEPTH | FTW_PHYS);
}

// A fresh directory for this process's files, removed when the process exits normally.
inline const std::string & temp_dir() {
    std::string & dir = temp_dir_name();
    if (dir.empty()) {
        char tmpl[] = "/tmp/cgml-gguf-test-XXXXXX";
        const char * d = mkdtemp(tmpl);
        if (!d) { perror("mkdtemp"); abort(); }
        dir = d;
        atexit(remove_temp_dir);
    }
    return dir;
}

inline std::string temp_path(const std::string & name) { return temp_dir() + "/" + name; }

inline void write_file(const std::string & path, const std::vector<uint8_t> & bytes) {
    FILE * f = fopen(path.c_str(), "wb");
    if (!f) { perror(path.c_str()); abort(); }
    if (!bytes.empty()) fwrite(bytes.data(), 1, bytes.size(), f);
    fclose(f);
}

inline std::vector<uint8_t> read_file(const std::string & path) {
    std::vector<uint8_t> bytes;
    FILE * f = fopen(path.c_str(), "rb");
    if (!f) return bytes;
    uint8_t buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
    fclose(f);
    return bytes;
}

inline bool file_exists(const std::string & path) { return access(path.c_str(), F_OK) == 0; }

// Runs fn with file descriptor 2 redirected to a file; returns what was written to it.
inline std::string capture_stderr(const std::function<void()> & fn) {
    const std::string path = temp_path("stderr.txt");
    fflush(stderr);
    const int saved = dup(2);
    FILE * f = fopen(path.c_str(), "wb");
    dup2(fileno(f), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    const std::vector<uint8_t> bytes = read_file(path);
    return std::string(bytes.begin(), bytes.end());
}

struct counter {
    int passed = 0;
    int failed = 0;

    bool check(bool ok, const char * what, const char * file, int line) {
        if (ok) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
        }
        return ok;
    }
    int finish() {
        printf("%d passed, %d failed\n", passed, failed);
        return failed == 0 ? 0 : 1;
    }
};

} // namespace gguf_test
