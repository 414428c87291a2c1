// Clock and file helpers.

#include "core/ggml-impl.h"

#include <chrono>
#include <cstdio>

static std::chrono::steady_clock::time_point g_time_origin = std::chrono::steady_clock::now();

void ggml_time_init(void) { g_time_origin = std::chrono::steady_clock::now(); }

int64_t ggml_time_us(void) {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - g_time_origin).count();
}

int64_t ggml_time_ms(void) { return ggml_time_us() / 1000; }

FILE * ggml_fopen(const char * fname, const char * mode) { return fopen(fname, mode); }

// Both are set by the build (CMakeLists.txt: the project version, `git rev-parse --short HEAD`).
#ifndef CGML_VERSION
#    define CGML_VERSION "0.0.0"
#endif
#ifndef CGML_COMMIT
#    define CGML_COMMIT "unknown"
#endif

const char * ggml_version(void) { return CGML_VERSION; }
const char * ggml_commit(void)  { return CGML_COMMIT; }
