#pragma once

// gguf.h: reading and writing GGUF model files (typed key/value metadata plus named tensors).
//
// Usage, reading:
//   struct ggml_context * tensors = NULL;
//   struct gguf_init_params gp = { /*no_alloc =*/ false, /*ctx =*/ &tensors };
//   struct gguf_context * g = gguf_init_from_file("model.gguf", gp);   // NULL on bad input
//   int64_t k = gguf_find_key(g, "mnist.n_hidden");                     // -1 when absent
//   uint32_t n_hidden = gguf_get_val_u32(g, k);                         // aborts on a type mismatch
//   struct ggml_tensor * w = ggml_get_tensor(tensors, "fc1.weight");    // data already loaded
//   gguf_free(g); ggml_free(tensors);
//
// Usage, writing:
//   struct gguf_context * g = gguf_init_empty();
//   gguf_set_val_u32(g, "mnist.n_hidden", 500);
//   gguf_add_tensor(g, w);                          // keeps a pointer to w's data until written
//   bool ok = gguf_write_to_file(g, "model.gguf", /*only_meta =*/ false);
//   gguf_free(g);
//
// File layout (little-endian): "GGUF", u32 version (3), u64 tensor count, u64 key/value count,
// the key/value pairs, the tensor infos (name, u32 n_dims, n_dims x i64 ne starting with ne[0],
// i32 type, u64 offset relative to the data section), zero padding to the alignment, then each
// tensor's data followed by zero padding to the alignment. Strings are a u64 byte count followed
// by the bytes, without a terminator. The alignment is the u32 key "general.alignment" (a power of
// two) or 32 when it is absent; setting that key on a context changes the layout written.
//
// Writing is atomic: the file is written under a temporary name in the same directory and
// renamed into place, so a failed write leaves no partial file behind.

#include "ggml.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GGUF_MAGIC   "GGUF"
#define GGUF_VERSION 3

#define GGUF_KEY_GENERAL_ALIGNMENT "general.alignment"

#define GGUF_DEFAULT_ALIGNMENT 32

#ifdef __cplusplus
extern "C" {
#endif

// value types of the key/value metadata (values as stored in the file)
enum gguf_type {
    GGUF_TYPE_UINT8   = 0,
    GGUF_TYPE_INT8    = 1,
    GGUF_TYPE_UINT16  = 2,
    GGUF_TYPE_INT16   = 3,
    GGUF_TYPE_UINT32  = 4,
    GGUF_TYPE_INT32   = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL    = 7,
    GGUF_TYPE_STRING  = 8,
    GGUF_TYPE_ARRAY   = 9,
    GGUF_TYPE_UINT64  = 10,
    GGUF_TYPE_INT64   = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT,
};

struct gguf_context;

struct gguf_init_params {
    bool no_alloc; // with ctx set: create the tensors without loading their data

    // if not NULL, receives a new ggml_context holding every tensor of the file (the caller frees it)
    struct ggml_context ** ctx;
};

// Returns NULL after printing one line naming the problem and its byte offset on bad input.
GGML_API struct gguf_context * gguf_init_empty(void);
GGML_API struct gguf_context * gguf_init_from_file(const char * fname, struct gguf_init_params params);

GGML_API void gguf_free(struct gguf_context * ctx);

GGML_API const char * gguf_type_name(enum gguf_type type);

GGML_API uint32_t gguf_get_version    (const struct gguf_context * ctx);
GGML_API size_t   gguf_get_alignment  (const struct gguf_context * ctx);
GGML_API size_t   gguf_get_data_offset(const struct gguf_context * ctx); // file offset of the data section (0 for new contexts)

GGML_API int64_t      gguf_get_n_kv(const struct gguf_context * ctx);
GGML_API int64_t      gguf_find_key(const struct gguf_context * ctx, const char * key); // -1 if absent
GGML_API const char * gguf_get_key (const struct gguf_context * ctx, int64_t key_id);

GGML_API enum gguf_type gguf_get_kv_type (const struct gguf_context * ctx, int64_t key_id);
GGML_API enum gguf_type gguf_get_arr_type(const struct gguf_context * ctx, int64_t key_id);

// each getter aborts when the key holds another type (or an array)
GGML_API uint8_t      gguf_get_val_u8  (const struct gguf_context * ctx, int64_t key_id);
GGML_API int8_t       gguf_get_val_i8  (const struct gguf_context * ctx, int64_t key_id);
GGML_API uint16_t     gguf_get_val_u16 (const struct gguf_context * ctx, int64_t key_id);
GGML_API int16_t      gguf_get_val_i16 (const struct gguf_context * ctx, int64_t key_id);
GGML_API uint32_t     gguf_get_val_u32 (const struct gguf_context * ctx, int64_t key_id);
GGML_API int32_t      gguf_get_val_i32 (const struct gguf_context * ctx, int64_t key_id);
GGML_API float        gguf_get_val_f32 (const struct gguf_context * ctx, int64_t key_id);
GGML_API uint64_t     gguf_get_val_u64 (const struct gguf_context * ctx, int64_t key_id);
GGML_API int64_t      gguf_get_val_i64 (const struct gguf_context * ctx, int64_t key_id);
GGML_API double       gguf_get_val_f64 (const struct gguf_context * ctx, int64_t key_id);
GGML_API bool         gguf_get_val_bool(const struct gguf_context * ctx, int64_t key_id);
GGML_API const char * gguf_get_val_str (const struct gguf_context * ctx, int64_t key_id);
GGML_API const void * gguf_get_val_data(const struct gguf_context * ctx, int64_t key_id); // non-string scalars
GGML_API size_t       gguf_get_arr_n   (const struct gguf_context * ctx, int64_t key_id);

// first element of a non-string array; bools are one byte each
GGML_API const void * gguf_get_arr_data(const struct gguf_context * ctx, int64_t key_id);

// i-th string of a string array
GGML_API const char * gguf_get_arr_str (const struct gguf_context * ctx, int64_t key_id, size_t i);

GGML_API int64_t        gguf_get_n_tensors    (const struct gguf_context * ctx);
GGML_API int64_t        gguf_find_tensor      (const struct gguf_context * ctx, const char * name); // -1 if absent
GGML_API size_t         gguf_get_tensor_offset(const struct gguf_context * ctx, int64_t tensor_id); // relative to the data section
GGML_API const char *   gguf_get_tensor_name  (const struct gguf_context * ctx, int64_t tensor_id);
GGML_API enum ggml_type gguf_get_tensor_type  (const struct gguf_context * ctx, int64_t tensor_id);
GGML_API size_t         gguf_get_tensor_size  (const struct gguf_context * ctx, int64_t tensor_id);

// removes the key if present; returns the id it had, or -1
GGML_API int64_t gguf_remove_key(struct gguf_context * ctx, const char * key);

// sets a value; an existing pair with that key is replaced and the pair moves to the back
GGML_API void gguf_set_val_u8  (struct gguf_context * ctx, const char * key, uint8_t      val);
GGML_API void gguf_set_val_i8  (struct gguf_context * ctx, const char * key, int8_t       val);
GGML_API void gguf_set_val_u16 (struct gguf_context * ctx, const char * key, uint16_t     val);
GGML_API void gguf_set_val_i16 (struct gguf_context * ctx, const char * key, int16_t      val);
GGML_API void gguf_set_val_u32 (struct gguf_context * ctx, const char * key, uint32_t     val);
GGML_API void gguf_set_val_i32 (struct gguf_context * ctx, const char * key, int32_t      val);
GGML_API void gguf_set_val_f32 (struct gguf_context * ctx, const char * key, float        val);
GGML_API void gguf_set_val_u64 (struct gguf_context * ctx, const char * key, uint64_t     val);
GGML_API void gguf_set_val_i64 (struct gguf_context * ctx, const char * key, int64_t      val);
GGML_API void gguf_set_val_f64 (struct gguf_context * ctx, const char * key, double       val);
GGML_API void gguf_set_val_bool(struct gguf_context * ctx, const char * key, bool         val);
GGML_API void gguf_set_val_str (struct gguf_context * ctx, const char * key, const char * val);

// an array of n elements of the given (non-string, non-array) type, copied from data
GGML_API void gguf_set_arr_data(struct gguf_context * ctx, const char * key, enum gguf_type type, const void * data, size_t n);

// an array of n strings, copied
GGML_API void gguf_set_arr_str (struct gguf_context * ctx, const char * key, const char ** data, size_t n);

// copies every key/value pair of src into ctx (replacing pairs with the same key)
GGML_API void gguf_set_kv(struct gguf_context * ctx, const struct gguf_context * src);

// adds a tensor's description; its name must be unique. The data pointer is kept, not copied.
GGML_API void gguf_add_tensor(struct gguf_context * ctx, const struct ggml_tensor * tensor);

// changes a tensor's type; the offsets of the tensors after it are recomputed at once
GGML_API void gguf_set_tensor_type(struct gguf_context * ctx, const char * name, enum ggml_type type);

// points a tensor at gguf_get_tensor_size bytes of data (kept, not copied) to be written
GGML_API void gguf_set_tensor_data(struct gguf_context * ctx, const char * name, const void * data);

// Writes the whole file (or only the metadata, to which the padded tensor data may be appended
// later). Returns false after printing a message if the file could not be written.
GGML_API bool gguf_write_to_file(const struct gguf_context * ctx, const char * fname, bool only_meta);

// size in bytes of the metadata (header, key/value pairs, tensor infos and padding)
GGML_API size_t gguf_get_meta_size(const struct gguf_context * ctx);

// writes gguf_get_meta_size bytes of metadata to data
GGML_API void   gguf_get_meta_data(const struct gguf_context * ctx, void * data);

#ifdef __cplusplus
}
#endif
