#pragma once

// Parsing and validation of a GGUF file's metadata (everything before the tensor data).

#include "gguf/gguf-file-cursor.h"
#include "gguf/gguf-impl.h"

// Reads the header, key/value pairs and tensor infos from the start of the file, and checks
// that every tensor's data lies, aligned and without overlap, inside the file. Returns a new
// context, or NULL after the cursor printed what is wrong and where.
gguf_context * gguf_read_meta(gguf_file_cursor & cur);
