#pragma once

// A buffer type over plain aligned host memory for tests that stand in for a device's memory:
// it counts the tensor_set calls and bytes that reach it, and reports itself as host memory or
// not as the test asks (not host: the CPU must go through tensor_set/get, as for a device).
//
//   static ggml_backend_buffer_type g_buft = test_buffer_type::make(/*host =*/ false);
//   test_buffer_type::g_set_calls = 0; ... ; CHECK(test_buffer_type::g_set_calls == 1);

#include "backend/backend-impl.h"
#include "ggml-backend.h"

#include <cstdlib>
#include <cstring>

namespace test_buffer_type {

inline int    g_set_calls = 0; // tensor_set calls into any buffer of these types
inline size_t g_set_bytes = 0; // and the bytes they wrote

inline void * base(ggml_backend_buffer_t b) { return b->context; }
inline void   free_buffer(ggml_backend_buffer_t b) { free(b->context); }
inline void   memset_tensor(ggml_backend_buffer_t, ggml_tensor * t, uint8_t v, size_t off, size_t size) {
    memset((char *) t->data + off, v, size);
}
inline void set_tensor(ggml_backend_buffer_t, ggml_tensor * t, const void * data, size_t off, size_t size) {
    memcpy((char *) t->data + off, data, size);
    g_set_calls++;
    g_set_bytes += size;
}
inline void get_tensor(ggml_backend_buffer_t, const ggml_tensor * t, void * data, size_t off, size_t size) {
    memcpy(data, (const char *) t->data + off, size);
}
inline void clear(ggml_backend_buffer_t b, uint8_t v) { memset(b->context, v, b->size); }

inline const ggml_backend_buffer_i BUFFER_IFACE = {
    free_buffer, base, nullptr, memset_tensor, set_tensor, get_tensor, nullptr, clear, nullptr,
};

inline const char * name(ggml_backend_buffer_type_t) { return "TEST"; }
inline ggml_backend_buffer_t alloc(ggml_backend_buffer_type_t buft, size_t size) {
    void * mem = aligned_alloc(64, GGML_PAD(size ? size : 1, 64));
    return ggml_backend_buffer_init(buft, BUFFER_IFACE, mem, size);
}
inline size_t alignment(ggml_backend_buffer_type_t) { return 64; }
inline bool   is_host(ggml_backend_buffer_type_t) { return true; }
inline bool   is_not_host(ggml_backend_buffer_type_t) { return false; }

inline ggml_backend_buffer_type make(bool host) {
    return {{name, alloc, alignment, nullptr, nullptr, host ? is_host : is_not_host}, nullptr, nullptr};
}

} // namespace test_buffer_type
