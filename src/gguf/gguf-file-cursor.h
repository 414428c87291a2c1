#pragma once

// A bounds-checked reading position in a file of known size. Every read first checks that the
// bytes exist, so lengths and counts taken from the file can be compared with what is left
// before anything is allocated for them. The first failure prints the one error line.

#include "ggml.h"

#include <cstdint>
#include <cstdio>
#include <string>

class gguf_file_cursor {
public:
    gguf_file_cursor(FILE * f, uint64_t size, const char * source) : f_(f), size_(size), source_(source) {}

    uint64_t pos() const { return pos_; }
    uint64_t size() const { return size_; }
    uint64_t remaining() const { return size_ - pos_; }

    // Prints "gguf: <source>: <message> at byte offset <at>" (only the first time); returns false.
    bool fail(uint64_t at, const char * fmt, ...) GGML_ATTRIBUTE_FORMAT(3, 4);

    // Reads n bytes at the current position; what names the field in the error message.
    bool read_raw(void * dst, uint64_t n, const char * what);

    template <typename T> bool read(T & v, const char * what) { return read_raw(&v, sizeof v, what); }

    // A u64 length followed by that many bytes; lengths of max_len or more are refused.
    bool read_string(std::string & s, const char * what, uint64_t max_len = UINT64_MAX);

    // Moves to an absolute position within the file.
    bool seek(uint64_t pos, const char * what);

private:
    FILE *       f_;
    uint64_t     size_;
    uint64_t     pos_    = 0;
    const char * source_;
    bool         failed_ = false;
};
