// Buffer types, buffers and reading/writing tensors that live in them.

#include "backend/backend-impl.h"
#include "ggml-cpu.h"

#include <cstdlib>
#include <vector>

// ---------------------------------------------------------------------------------------------
// buffer types

const char * ggml_backend_buft_name(ggml_backend_buffer_type_t buft) { return buft->iface.get_name(buft); }

ggml_backend_buffer_t ggml_backend_buft_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size) {
    return buft->iface.alloc_buffer(buft, size);
}

size_t ggml_backend_buft_get_alignment(ggml_backend_buffer_type_t buft) { return buft->iface.get_alignment(buft); }

size_t ggml_backend_buft_get_max_size(ggml_backend_buffer_type_t buft) {
    return buft->iface.get_max_size ? buft->iface.get_max_size(buft) : SIZE_MAX;
}

size_t ggml_backend_buft_get_alloc_size(ggml_backend_buffer_type_t buft, const ggml_tensor * tensor) {
    return buft->iface.get_alloc_size ? buft->iface.get_alloc_size(buft, tensor) : ggml_nbytes(tensor);
}

bool ggml_backend_buft_is_host(ggml_backend_buffer_type_t buft) {
    return buft->iface.is_host ? buft->iface.is_host(buft) : false;
}

ggml_backend_dev_t ggml_backend_buft_get_device(ggml_backend_buffer_type_t buft) { return buft->device; }

// ---------------------------------------------------------------------------------------------
// buffers

ggml_backend_buffer_t ggml_backend_buffer_init(ggml_backend_buffer_type_t buft, ggml_backend_buffer_i iface,
                                               void * context, size_t size) {
    ggml_backend_buffer * buffer = new ggml_backend_buffer;
    buffer->iface = iface;
    buffer->buft = buft;
    buffer->context = context;
    buffer->size = size;
    buffer->usage = GGML_BACKEND_BUFFER_USAGE_ANY;
    return buffer;
}

const char * ggml_backend_buffer_name(ggml_backend_buffer_t buffer) { return ggml_backend_buft_name(buffer->buft); }

void ggml_backend_buffer_release_memory(ggml_backend_buffer_t buffer) {
    if (buffer->iface.free_buffer) buffer->iface.free_buffer(buffer);
    buffer->iface.free_buffer = nullptr;
    buffer->context = nullptr;
    buffer->size = 0;
}

void ggml_backend_buffer_free(ggml_backend_buffer_t buffer) {
    if (!buffer) return;
    if (buffer->iface.free_buffer) buffer->iface.free_buffer(buffer);
    delete buffer;
}

void * ggml_backend_buffer_get_base(ggml_backend_buffer_t buffer) { return buffer->iface.get_base(buffer); }
size_t ggml_backend_buffer_get_size(ggml_backend_buffer_t buffer) { return buffer->size; }

ggml_status ggml_backend_buffer_init_tensor(ggml_backend_buffer_t buffer, ggml_tensor * tensor) {
    return buffer->iface.init_tensor ? buffer->iface.init_tensor(buffer, tensor) : GGML_STATUS_SUCCESS;
}

size_t ggml_backend_buffer_get_alignment(ggml_backend_buffer_t buffer) { return ggml_backend_buft_get_alignment(buffer->buft); }
size_t ggml_backend_buffer_get_max_size(ggml_backend_buffer_t buffer) { return ggml_backend_buft_get_max_size(buffer->buft); }
size_t ggml_backend_buffer_get_alloc_size(ggml_backend_buffer_t buffer, const ggml_tensor * tensor) {
    return ggml_backend_buft_get_alloc_size(buffer->buft, tensor);
}

void ggml_backend_buffer_clear(ggml_backend_buffer_t buffer, uint8_t value) {
    if (buffer->size == 0) return;
    buffer->iface.clear(buffer, value);
}

bool ggml_backend_buffer_is_host(ggml_backend_buffer_t buffer) { return ggml_backend_buft_is_host(buffer->buft); }
void ggml_backend_buffer_set_usage(ggml_backend_buffer_t buffer, ggml_backend_buffer_usage usage) { buffer->usage = usage; }
ggml_backend_buffer_usage ggml_backend_buffer_get_usage(ggml_backend_buffer_t buffer) { return buffer->usage; }
ggml_backend_buffer_type_t ggml_backend_buffer_get_type(ggml_backend_buffer_t buffer) { return buffer->buft; }

void ggml_backend_buffer_reset(ggml_backend_buffer_t buffer) {
    if (buffer->iface.reset) buffer->iface.reset(buffer);
}

// ---------------------------------------------------------------------------------------------
// tensor placement

ggml_status ggml_backend_tensor_alloc(ggml_backend_buffer_t buffer, ggml_tensor * tensor, void * addr) {
    GGML_ASSERT(buffer && tensor && addr);
    GGML_ASSERT(tensor->view_src == nullptr && "views get their memory from ggml_backend_view_init");
    char * base = (char *) ggml_backend_buffer_get_base(buffer);
    const size_t size = ggml_backend_buffer_get_alloc_size(buffer, tensor);
    if ((char *) addr < base || (char *) addr + size > base + ggml_backend_buffer_get_size(buffer)) {
        GGML_ABORT("tensor '%s' (%zu bytes at offset %td) does not fit in buffer '%s' of %zu bytes", tensor->name, size,
                   (char *) addr - base, ggml_backend_buffer_name(buffer), ggml_backend_buffer_get_size(buffer));
    }
    tensor->buffer = buffer;
    tensor->data = addr;
    return ggml_backend_buffer_init_tensor(buffer, tensor);
}

ggml_status ggml_backend_view_init(ggml_tensor * tensor) {
    GGML_ASSERT(tensor->view_src && "not a view");
    ggml_tensor * src = tensor->view_src;
    if (!src->buffer || !src->data) {
        GGML_ABORT("view '%s' initialised before its source '%s' was allocated", tensor->name, src->name);
    }
    tensor->buffer = src->buffer;
    tensor->data = (char *) src->data + tensor->view_offs;
    return ggml_backend_buffer_init_tensor(src->buffer, tensor);
}

// ---------------------------------------------------------------------------------------------
// reading and writing tensors

static ggml_backend_buffer_t checked_buffer(const ggml_tensor * tensor, size_t offset, size_t size, const char * what) {
    ggml_backend_buffer_t buf = tensor->view_src ? tensor->view_src->buffer : tensor->buffer;
    if (!buf || !tensor->data) GGML_ABORT("%s: tensor '%s' is not allocated in a backend buffer", what, tensor->name);
    if (offset + size > ggml_nbytes(tensor)) {
        GGML_ABORT("%s: range [%zu, %zu) out of bounds of tensor '%s' (%zu bytes)", what, offset, offset + size,
                   tensor->name, ggml_nbytes(tensor));
    }
    return buf;
}

void ggml_backend_tensor_set(ggml_tensor * tensor, const void * data, size_t offset, size_t size) {
    ggml_backend_buffer_t buf = checked_buffer(tensor, offset, size, "ggml_backend_tensor_set");
    if (size == 0) return;
    buf->iface.set_tensor(buf, tensor, data, offset, size);
}

void ggml_backend_tensor_get(const ggml_tensor * tensor, void * data, size_t offset, size_t size) {
    ggml_backend_buffer_t buf = checked_buffer(tensor, offset, size, "ggml_backend_tensor_get");
    if (size == 0) return;
    buf->iface.get_tensor(buf, tensor, data, offset, size);
}

void ggml_backend_tensor_memset(ggml_tensor * tensor, uint8_t value, size_t offset, size_t size) {
    ggml_backend_buffer_t buf = checked_buffer(tensor, offset, size, "ggml_backend_tensor_memset");
    if (size == 0) return;
    buf->iface.memset_tensor(buf, tensor, value, offset, size);
}

// Raw copy of src's memory range into dst's: both must have the same layout.
void ggml_backend_tensor_copy(const ggml_tensor * src, ggml_tensor * dst) {
    if (!ggml_backend_same_layout(src, dst)) {
        ggml_op_misuse(__FILE__, __LINE__, "ggml_backend_tensor_copy", "same type, shape and strides", src, dst);
    }
    if (src == dst) return;
    const size_t n = ggml_nbytes(src);
    if (n == 0) return;
    if (src->buffer && ggml_backend_buffer_is_host(src->buffer)) {
        ggml_backend_tensor_set(dst, src->data, 0, n);
    } else if (dst->buffer && ggml_backend_buffer_is_host(dst->buffer)) {
        ggml_backend_tensor_get(src, dst->data, 0, n);
    } else if (!src->buffer && src->data) {
        ggml_backend_tensor_set(dst, src->data, 0, n); // context memory
    } else if (!dst->buffer && dst->data) {
        ggml_backend_tensor_get(src, dst->data, 0, n);
    } else if (!(dst->buffer->iface.cpy_tensor && dst->buffer->iface.cpy_tensor(dst->buffer, src, dst))) {
        std::vector<char> staging(n);
        ggml_backend_tensor_get(src, staging.data(), 0, n);
        ggml_backend_tensor_set(dst, staging.data(), 0, n);
    }
}

// ---------------------------------------------------------------------------------------------
// host memory buffers

static constexpr size_t CPU_BUFFER_ALIGNMENT = 64; // a cache line; enough for AVX-512 loads

static void * cpu_buffer_get_base(ggml_backend_buffer_t buffer) { return buffer->context; }
static void cpu_buffer_free(ggml_backend_buffer_t buffer) { free(buffer->context); }

static void cpu_buffer_memset_tensor(ggml_backend_buffer_t, ggml_tensor * t, uint8_t value, size_t offset, size_t size) {
    memset((char *) t->data + offset, value, size);
}
static void cpu_buffer_set_tensor(ggml_backend_buffer_t, ggml_tensor * t, const void * data, size_t offset, size_t size) {
    memcpy((char *) t->data + offset, data, size);
}
static void cpu_buffer_get_tensor(ggml_backend_buffer_t, const ggml_tensor * t, void * data, size_t offset, size_t size) {
    memcpy(data, (const char *) t->data + offset, size);
}
static bool cpu_buffer_cpy_tensor(ggml_backend_buffer_t, const ggml_tensor * src, ggml_tensor * dst) {
    if (!src->buffer || !ggml_backend_buffer_is_host(src->buffer)) return false;
    memcpy(dst->data, src->data, ggml_nbytes(src));
    return true;
}
static void cpu_buffer_clear(ggml_backend_buffer_t buffer, uint8_t value) {
    memset(buffer->context, value, buffer->size);
}

static const ggml_backend_buffer_i CPU_BUFFER_IFACE = {
    cpu_buffer_free, cpu_buffer_get_base, nullptr, cpu_buffer_memset_tensor, cpu_buffer_set_tensor,
    cpu_buffer_get_tensor, cpu_buffer_cpy_tensor, cpu_buffer_clear, nullptr,
};

static ggml_backend_buffer_i cpu_buffer_from_ptr_iface() {
    ggml_backend_buffer_i iface = CPU_BUFFER_IFACE;
    iface.free_buffer = nullptr; // the caller owns the memory
    return iface;
}

static const char * cpu_buft_get_name(ggml_backend_buffer_type_t) { return "CPU"; }

static ggml_backend_buffer_t cpu_buft_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size) {
    // never zero bytes, so that every buffer has a distinct, valid base
    const size_t alloc_size = GGML_PAD(size ? size : 1, CPU_BUFFER_ALIGNMENT);
    void * data = aligned_alloc(CPU_BUFFER_ALIGNMENT, alloc_size);
    if (!data) {
        GGML_LOG_ERROR("%s: failed to allocate a CPU buffer of %zu bytes\n", __func__, size);
        return nullptr;
    }
    return ggml_backend_buffer_init(buft, CPU_BUFFER_IFACE, data, size);
}

static size_t cpu_buft_get_alignment(ggml_backend_buffer_type_t) { return CPU_BUFFER_ALIGNMENT; }
static bool cpu_buft_is_host(ggml_backend_buffer_type_t) { return true; }

ggml_backend_buffer_type_t ggml_backend_cpu_buffer_type(void) {
    static ggml_backend_buffer_type buft = {
        {cpu_buft_get_name, cpu_buft_alloc_buffer, cpu_buft_get_alignment, nullptr, nullptr, cpu_buft_is_host},
        ggml_backend_reg_dev_get(ggml_backend_cpu_reg(), 0),
        nullptr,
    };
    return &buft;
}

bool ggml_backend_buft_is_cpu(ggml_backend_buffer_type_t buft) {
    return buft && buft->iface.get_name == cpu_buft_get_name;
}

ggml_backend_buffer_t ggml_backend_cpu_buffer_from_ptr(void * ptr, size_t size) {
    GGML_ASSERT(ptr != nullptr);
    return ggml_backend_buffer_init(ggml_backend_cpu_buffer_type(), cpu_buffer_from_ptr_iface(), ptr, size);
}
