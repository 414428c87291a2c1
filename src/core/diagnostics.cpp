// Error reporting and logging: the one place that formats aborts and log lines.

#include "core/ggml-impl.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>

static ggml_log_callback g_log_callback = nullptr;
static void *            g_log_user_data = nullptr;

void ggml_log_set(ggml_log_callback cb, void * user_data) {
    g_log_callback = cb;
    g_log_user_data = user_data;
}

void ggml_log_internal(ggml_log_level level, const char * fmt, ...) {
    char buf[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buf, sizeof(buf), fmt, args);
    va_end(args);
    if (g_log_callback) {
        g_log_callback(level, buf, g_log_user_data);
    } else if (level != GGML_LOG_LEVEL_DEBUG || getenv("GGML_DEBUG")) {
        fputs(buf, stderr);
        fflush(stderr);
    }
}

void ggml_abort(const char * file, int line, const char * fmt, ...) {
    fflush(stdout);
    fprintf(stderr, "%s:%d: ", file, line);
    va_list args;
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n");
    fflush(stderr);
    abort();
}

const char * ggml_shape_str(const ggml_tensor * t, char * buf, size_t size) {
    if (!t) {
        snprintf(buf, size, "(null)");
    } else {
        snprintf(buf, size, "'%s' [%lld, %lld, %lld, %lld] %s", t->name, (long long) t->ne[0], (long long) t->ne[1],
                 (long long) t->ne[2], (long long) t->ne[3], ggml_type_name(t->type));
    }
    return buf;
}

void ggml_op_misuse(const char * file, int line, const char * op, const char * what,
                    const ggml_tensor * a, const ggml_tensor * b, const ggml_tensor * c) {
    char sa[160], sb[160], sc[160];
    ggml_shape_str(a, sa, sizeof sa);
    ggml_shape_str(b, sb, sizeof sb);
    ggml_shape_str(c, sc, sizeof sc);
    if (c) {
        ggml_abort(file, line, "%s: invalid arguments (%s): a = %s, b = %s, c = %s", op, what, sa, sb, sc);
    } else if (b) {
        ggml_abort(file, line, "%s: invalid arguments (%s): a = %s, b = %s", op, what, sa, sb);
    }
    ggml_abort(file, line, "%s: invalid arguments (%s): a = %s", op, what, sa);
}

const char * ggml_status_to_string(ggml_status status) {
    switch (status) {
        case GGML_STATUS_ALLOC_FAILED: return "GGML status: error (failed to allocate memory)";
        case GGML_STATUS_FAILED:       return "GGML status: error (operation failed)";
        case GGML_STATUS_SUCCESS:      return "GGML status: success";
        case GGML_STATUS_ABORTED:      return "GGML status: warning (operation aborted)";
    }
    return "GGML status: unknown";
}

void ggml_escape_controls(const char * in, size_t in_len, char * out, size_t out_size) {
    if (out_size == 0) return;
    size_t n = 0;
    for (size_t i = 0; i < in_len && n + 5 <= out_size; ++i) {
        const unsigned char c = (unsigned char) in[i];
        if (c >= 0x20 && c < 0x7f) {
            out[n++] = (char) c;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            out[n++] = '\\';
            out[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else {
            n += (size_t) snprintf(out + n, out_size - n, "\\x%02x", c);
        }
    }
    out[n] = '\0';
}
