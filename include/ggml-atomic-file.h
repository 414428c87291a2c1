#pragma once

// ggml-atomic-file.h: writing a file so that no failure leaves a partial file behind or loses the
// one that was there before. Our addition (ggml has no counterpart); gguf_write_to_file and
// ggml_opt_checkpoint_save write through it, and programs can use it for their own outputs.
//
// Usage:
//   char err[512];
//   struct ggml_atomic_file * f = ggml_atomic_file_open("model.gguf", err, sizeof(err));
//   if (!f) { fprintf(stderr, "%s\n", err); ... }
//   fwrite(data, 1, n, ggml_atomic_file_stream(f));
//   if (!ggml_atomic_file_commit(f, err, sizeof(err))) { ... }  // f is freed either way
//
//   // several outputs, all committed or none:
//   struct ggml_atomic_file * files[2] = { model, predictions };
//   if (!ggml_atomic_file_commit_all(files, 2, err, sizeof(err))) { ... } // every target as before
//
// A write goes to a temporary file created exclusively (O_EXCL, O_NOFOLLOW) in the target's folder
// as `.NAME.tmp.PID.RANDOM`; it is flushed, fsync'ed and renamed over the target, which therefore
// changes in one step. The temporary file is removed on every error path, by
// ggml_atomic_file_discard, and, from a signal handler, by ggml_atomic_file_remove_pending. One
// left by a process that was killed (SIGKILL, power loss) is recognised by its name: opening a
// file removes the temporaries of the same target whose PID is no longer a live process.
//
// A replaced file keeps its permission bits; a new one gets 0666 less the umask. A target that
// exists and is not a regular file (a symbolic link, a device, a FIFO, a folder) is refused: a
// rename would replace the link or the device node itself, and following a link would let a
// planted one redirect the write. Give the link's target instead.
//
// Errors are one line (written to err, of err_size bytes; control characters in the path are
// shown escaped). The functions are not thread-safe with respect to each other on one file.

#include "ggml.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ggml_atomic_file;

// Creates the temporary file for path (after removing stale ones). NULL with err set on failure.
GGML_API struct ggml_atomic_file * ggml_atomic_file_open(const char * path, char * err, size_t err_size);

// The stream to write the content to (binary). Do not fclose it.
GGML_API FILE * ggml_atomic_file_stream(struct ggml_atomic_file * file);

// The target's path, as given to ggml_atomic_file_open.
GGML_API const char * ggml_atomic_file_path(const struct ggml_atomic_file * file);

// Flushes, fsyncs and closes the temporary file (an earlier write error on the stream fails here)
// and renames it over the target. Frees file, on success and on failure alike.
GGML_API bool ggml_atomic_file_commit(struct ggml_atomic_file * file, char * err, size_t err_size);

// Commits n files as one: each is finished, then renamed; when any step fails, the targets
// already renamed get their previous content back (kept through a hard link until the end) or
// are removed when they are new, and every temporary file is removed. Frees every file.
GGML_API bool ggml_atomic_file_commit_all(struct ggml_atomic_file ** files, size_t n, char * err, size_t err_size);

// Removes the temporary file without touching the target, and frees file (NULL is ignored).
GGML_API void ggml_atomic_file_discard(struct ggml_atomic_file * file);

// Unlinks the temporary file of every open ggml_atomic_file in the process. Async-signal-safe
// (fixed storage, unlink only): for a program's SIGINT/SIGTERM handler before it ends the process.
GGML_API void ggml_atomic_file_remove_pending(void);

#ifdef __cplusplus
}
#endif
