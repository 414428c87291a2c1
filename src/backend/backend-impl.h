#pragma once

// Internal interface a backend implements: function tables for buffer types, buffers, backends,
// devices and registrations. The CPU backend (src/cpu/) is one implementation; tests define
// others. Optional entries may be NULL where noted.

#include "ggml-backend.h"
#include "core/ggml-impl.h"

#include <vector>

struct ggml_backend_buffer_type_i {
    const char *          (*get_name)      (ggml_backend_buffer_type_t buft);
    ggml_backend_buffer_t (*alloc_buffer)  (ggml_backend_buffer_type_t buft, size_t size);
    size_t                (*get_alignment) (ggml_backend_buffer_type_t buft);
    size_t                (*get_max_size)  (ggml_backend_buffer_type_t buft);                 // NULL: unlimited
    size_t                (*get_alloc_size)(ggml_backend_buffer_type_t buft, const ggml_tensor * t); // NULL: ggml_nbytes
    bool                  (*is_host)       (ggml_backend_buffer_type_t buft);                 // NULL: false
};

struct ggml_backend_buffer_type {
    ggml_backend_buffer_type_i iface;
    ggml_backend_dev_t         device;
    void *                     context;
};

struct ggml_backend_buffer_i {
    void             (*free_buffer)  (ggml_backend_buffer_t buffer);                     // NULL: nothing to free
    void *           (*get_base)     (ggml_backend_buffer_t buffer);
    ggml_status      (*init_tensor)  (ggml_backend_buffer_t buffer, ggml_tensor * t);    // NULL: nothing to do
    void             (*memset_tensor)(ggml_backend_buffer_t buffer, ggml_tensor * t, uint8_t value, size_t offset, size_t size);
    void             (*set_tensor)   (ggml_backend_buffer_t buffer, ggml_tensor * t, const void * data, size_t offset, size_t size);
    void             (*get_tensor)   (ggml_backend_buffer_t buffer, const ggml_tensor * t, void * data, size_t offset, size_t size);
    bool             (*cpy_tensor)   (ggml_backend_buffer_t buffer, const ggml_tensor * src, ggml_tensor * dst); // NULL or false: generic copy
    void             (*clear)        (ggml_backend_buffer_t buffer, uint8_t value);
    void             (*reset)        (ggml_backend_buffer_t buffer);                     // NULL: nothing to do
};

struct ggml_backend_buffer {
    ggml_backend_buffer_i          iface;
    ggml_backend_buffer_type_t     buft;
    void *                         context;
    size_t                         size;
    ggml_backend_buffer_usage      usage;
};

ggml_backend_buffer_t ggml_backend_buffer_init(ggml_backend_buffer_type_t buft, ggml_backend_buffer_i iface,
                                               void * context, size_t size);

// Frees a buffer's memory but keeps its object (size 0, no memory), so that its address stays
// unique: tensors still pointing at it can be recognised. ggml_backend_buffer_free deletes it.
void ggml_backend_buffer_release_memory(ggml_backend_buffer_t buffer);

struct ggml_backend_i {
    const char * (*get_name)     (ggml_backend_t backend);
    void         (*free)         (ggml_backend_t backend);
    void         (*synchronize)  (ggml_backend_t backend);                       // NULL: always synchronous
    ggml_status  (*graph_compute)(ggml_backend_t backend, ggml_cgraph * cgraph);
};

struct ggml_backend {
    ggml_backend_i     iface;
    ggml_backend_dev_t device;
    void *             context;
};

struct ggml_backend_device_i {
    const char *               (*get_name)       (ggml_backend_dev_t dev);
    const char *               (*get_description)(ggml_backend_dev_t dev);
    void                       (*get_memory)     (ggml_backend_dev_t dev, size_t * free, size_t * total);
    enum ggml_backend_dev_type (*get_type)       (ggml_backend_dev_t dev);
    ggml_backend_t             (*init_backend)   (ggml_backend_dev_t dev, const char * params);
    ggml_backend_buffer_type_t (*get_buffer_type)(ggml_backend_dev_t dev);
    bool                       (*supports_op)    (ggml_backend_dev_t dev, const ggml_tensor * op);
    bool                       (*supports_buft)  (ggml_backend_dev_t dev, ggml_backend_buffer_type_t buft);
    bool                       (*offload_op)     (ggml_backend_dev_t dev, const ggml_tensor * op); // NULL: false
};

struct ggml_backend_device {
    ggml_backend_device_i iface;
    ggml_backend_reg_t    reg;
    void *                context;
};

struct ggml_backend_reg_i {
    const char *       (*get_name)         (ggml_backend_reg_t reg);
    size_t             (*get_device_count) (ggml_backend_reg_t reg);
    ggml_backend_dev_t (*get_device)       (ggml_backend_reg_t reg, size_t index);
    void *             (*get_proc_address)(ggml_backend_reg_t reg, const char * name); // NULL: none
};

struct ggml_backend_reg {
    ggml_backend_reg_i iface;
    void *             context;
};

// Same type, shape and strides: the two tensors' bytes can be copied one onto the other as is.
inline bool ggml_backend_same_layout(const ggml_tensor * a, const ggml_tensor * b) {
    return a->type == b->type && ggml_are_same_shape(a, b) && ggml_are_same_stride(a, b);
}

// The buffer-type of host memory: plain aligned allocations, readable by the CPU directly.
bool ggml_backend_buft_is_cpu(ggml_backend_buffer_type_t buft);

// registry.cpp: the backends compiled in, and adding/removing a registration (and its devices)
std::vector<ggml_backend_reg_t> ggml_backend_builtin_regs();
void ggml_backend_register_builtin(ggml_backend_reg_t reg);
void ggml_backend_unregister(ggml_backend_reg_t reg);

// ggml_gallocr_reserve_n followed by ggml_gallocr_alloc_graph, planning the graph once.
bool ggml_gallocr_reserve_and_alloc_n(ggml_gallocr_t galloc, ggml_cgraph * graph, const int * node_buffer_ids,
                                      const int * leaf_buffer_ids);

// Whether buffer is one of the graph allocator's own buffers.
bool ggml_gallocr_owns_buffer(ggml_gallocr_t galloc, const ggml_backend_buffer * buffer);

// Inputs the scheduler copied from one backend to another for the graph last allocated
// (ggml_backend_sched_get_n_copies reports pipeline copies, as ggml does).
int ggml_backend_sched_get_n_input_copies(ggml_backend_sched_t sched);
