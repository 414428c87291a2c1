#pragma once

// Internal state of a gguf_context, shared by the metadata store, the tensor table, the reader and
// the writer. Values are kept in host byte order, which is the file's order: the library only
// targets little-endian hosts, as GGUF files (and ggml's tensor data) are little-endian.

#include "gguf.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "GGUF support assumes a little-endian host");

// One key/value pair. Scalars are arrays of one element with is_array = false.
struct gguf_kv {
    std::string              key;
    gguf_type                type     = GGUF_TYPE_UINT8; // element type, never GGUF_TYPE_ARRAY
    bool                     is_array = false;
    std::vector<uint8_t>     bytes;   // elements of fixed-size types
    std::vector<std::string> strings; // elements of GGUF_TYPE_STRING values

    size_t n_elements() const;
};

// One tensor's description: name, type, shape and contiguous strides live in t; t.data is the
// caller's data to be written (may be NULL, e.g. after reading a file).
struct gguf_tensor_info {
    ggml_tensor t;
    uint64_t    offset; // relative to the data section
};

struct gguf_context {
    uint32_t                      version     = GGUF_VERSION;
    size_t                        alignment   = GGUF_DEFAULT_ALIGNMENT;
    size_t                        data_offset = 0; // start of the data section in the file read
    std::vector<gguf_kv>          kv;
    std::vector<gguf_tensor_info> tensors;
};

// Bytes per element of a fixed-size value type; 0 for strings, arrays and invalid types.
size_t gguf_type_size(gguf_type type);
// One of the 13 value types.
bool gguf_type_is_valid(int32_t type);
// The tensor types a GGUF file may hold here (those ggml.h supports).
bool gguf_tensor_type_is_supported(int32_t type);

inline bool   gguf_is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }
inline size_t gguf_pad(size_t x, size_t alignment) { return (x + alignment - 1) / alignment * alignment; }

// Aborts naming the caller unless id indexes ctx's key/value pairs.
// Misuse of the C API (a NULL context, key, name or path) aborts with a message naming the function.
void gguf_check_not_null(const void * p, const char * what, const char * caller);
void gguf_check_key_id(const gguf_context * ctx, int64_t key_id, const char * caller);
// Aborts naming the caller unless id indexes ctx's tensors.
void gguf_check_tensor_id(const gguf_context * ctx, int64_t tensor_id, const char * caller);

// Offsets of the tensors when written one after another, each padded to the alignment.
std::vector<uint64_t> gguf_packed_offsets(const gguf_context * ctx);
// Sets every tensor's offset to the packed layout (after a change of alignment, type or count).
void gguf_pack_offsets(gguf_context * ctx);

// Fills a contiguous tensor description (name, type, shape, strides) with no data.
void gguf_describe_tensor(ggml_tensor * t, const char * name, ggml_type type, const int64_t ne[GGML_MAX_DIMS]);

// Reads a GGUF stream (positioned anywhere; its size is measured first). source names it in
// error messages. Returns NULL after one error line on bad input.
gguf_context * gguf_init_from_stream(FILE * f, const char * source, gguf_init_params params);

// The metadata bytes (header, key/value pairs, tensor infos, padding) in file order.
std::vector<uint8_t> gguf_serialize_meta(const gguf_context * ctx);

// The largest general.alignment accepted from a file or a setter (a power of two). ggml's reader
// asks for a nonzero power of two and, in its current version, at most 1 MiB; ours takes exactly
// the same set, so every file ggml loads loads here and the other way round. The cap is also the
// memory bound: a file without tensors costs at most 1 MiB of padding when its metadata is
// measured (gguf_get_meta_size) or written back, and tensor padding must lie inside the file.
#define GGUF_MAX_ALIGNMENT (1u << 20)

