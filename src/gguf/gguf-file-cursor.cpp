// Bounds-checked reads from a GGUF file and the reader's single error line.

#include "gguf/gguf-file-cursor.h"
#include "core/ggml-impl.h"

#include <cstdarg>
#include <sys/types.h>

bool gguf_file_cursor::fail(uint64_t at, const char * fmt, ...) {
    if (failed_) return false;
    failed_ = true;
    char msg[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    // Names and strings from the file reach the message: control bytes are shown escaped, so the
    // error stays one line and cannot forge terminal output.
    char shown[4*sizeof msg];
    ggml_escape_controls(msg, strlen(msg), shown, sizeof shown);
    GGML_LOG_ERROR("gguf: %s: %s at byte offset %llu\n", source_, shown, (unsigned long long) at);
    return false;
}

bool gguf_file_cursor::read_raw(void * dst, uint64_t n, const char * what) {
    if (n > remaining()) {
        return fail(pos_, "file truncated: %s needs %llu bytes, only %llu left (file size %llu)", what,
                    (unsigned long long) n, (unsigned long long) remaining(), (unsigned long long) size_);
    }
    if (n > 0 && fread(dst, 1, (size_t) n, f_) != n) {
        return fail(pos_, "read error in %s", what);
    }
    pos_ += n;
    return true;
}

bool gguf_file_cursor::read_string(std::string & s, const char * what, uint64_t max_len) {
    const uint64_t at = pos_;
    uint64_t len = 0;
    if (!read(len, what)) return false;
    if (max_len != UINT64_MAX && len >= max_len) {
        return fail(at, "%s of %llu bytes is too long (at most %llu)", what, (unsigned long long) len,
                    (unsigned long long) (max_len - 1));
    }
    if (len > remaining()) {
        return fail(at, "%s length %llu exceeds the %llu bytes left in the file", what, (unsigned long long) len,
                    (unsigned long long) remaining());
    }
    s.resize((size_t) len);
    return read_raw(&s[0], len, what);
}

bool gguf_file_cursor::seek(uint64_t pos, const char * what) {
    if (pos > size_) {
        return fail(pos, "%s lies past the end of the file (file size %llu)", what, (unsigned long long) size_);
    }
    if (fseeko(f_, (off_t) pos, SEEK_SET) != 0) return fail(pos, "cannot seek to %s", what);
    pos_ = pos;
    return true;
}
