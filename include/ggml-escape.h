#pragma once

// ggml-escape.h: showing a string that came from a file or a command line inside a one-line
// message. Our addition (ggml has no counterpart); the library's own messages (GGUF reader
// errors, atomic-file errors) and the MNIST programs' use it.
//
// Usage:
//   char shown[4*256 + 1];
//   ggml_escape_controls(name, strlen(name), shown, sizeof(shown));
//   fprintf(stderr, "error: unexpected tensor %s\n", shown);
//
// Control characters and bytes >= 0x7f become escapes (\n, \r, \t, else \xNN, NUL included), so
// the message stays one line and cannot move the cursor, clear the screen or forge another line.
// Backslashes are kept as they are: escaping an escaped string changes nothing.

#include "ggml.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Copies the in_len bytes at in to out (out_size bytes, always NUL-terminated when out_size > 0),
// escaped; the result is cut short, at a whole escape, when out is too small. out needs up to
// 4*in_len + 1 bytes.
GGML_API void ggml_escape_controls(const char * in, size_t in_len, char * out, size_t out_size);

#ifdef __cplusplus
}
#endif
