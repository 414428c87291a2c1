#pragma once

// The fuzz input as a file, for readers that take a path: one temp file per process, rewritten
// for each input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

static inline std::string fuzz_input_file(const uint8_t * data, size_t size) {
    static std::string path;
    if (path.empty()) {
        char tmpl[] = "/tmp/fuzz-mnist-input-XXXXXX";
        const int fd = mkstemp(tmpl);
        if (fd < 0) abort();
        close(fd);
        path = tmpl;
    }
    FILE * f = fopen(path.c_str(), "wb");
    if (!f || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) abort();
    return path;
}
