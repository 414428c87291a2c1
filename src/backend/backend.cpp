// Backends (compute streams) and devices: thin dispatch to each implementation's table.

#include "backend/backend-impl.h"

const char * ggml_backend_name(ggml_backend_t backend) {
    return backend ? backend->iface.get_name(backend) : "NULL";
}

void ggml_backend_free(ggml_backend_t backend) {
    if (backend) backend->iface.free(backend);
}

ggml_backend_buffer_type_t ggml_backend_get_default_buffer_type(ggml_backend_t backend) {
    return ggml_backend_dev_buffer_type(backend->device);
}

ggml_backend_buffer_t ggml_backend_alloc_buffer(ggml_backend_t backend, size_t size) {
    return ggml_backend_buft_alloc_buffer(ggml_backend_get_default_buffer_type(backend), size);
}

size_t ggml_backend_get_alignment(ggml_backend_t backend) {
    return ggml_backend_buft_get_alignment(ggml_backend_get_default_buffer_type(backend));
}

size_t ggml_backend_get_max_size(ggml_backend_t backend) {
    return ggml_backend_buft_get_max_size(ggml_backend_get_default_buffer_type(backend));
}

// Backends here complete every transfer before returning, so the async forms are the sync ones.
void ggml_backend_tensor_set_async(ggml_backend_t, ggml_tensor * tensor, const void * data, size_t offset, size_t size) {
    ggml_backend_tensor_set(tensor, data, offset, size);
}

void ggml_backend_tensor_get_async(ggml_backend_t, const ggml_tensor * tensor, void * data, size_t offset, size_t size) {
    ggml_backend_tensor_get(tensor, data, offset, size);
}

void ggml_backend_synchronize(ggml_backend_t backend) {
    if (backend->iface.synchronize) backend->iface.synchronize(backend);
}

ggml_status ggml_backend_graph_compute_async(ggml_backend_t backend, ggml_cgraph * cgraph) {
    return backend->iface.graph_compute(backend, cgraph);
}

ggml_status ggml_backend_graph_compute(ggml_backend_t backend, ggml_cgraph * cgraph) {
    const ggml_status status = ggml_backend_graph_compute_async(backend, cgraph);
    ggml_backend_synchronize(backend);
    return status;
}

bool ggml_backend_supports_op(ggml_backend_t backend, const ggml_tensor * op) {
    return ggml_backend_dev_supports_op(backend->device, op);
}

bool ggml_backend_supports_buft(ggml_backend_t backend, ggml_backend_buffer_type_t buft) {
    return ggml_backend_dev_supports_buft(backend->device, buft);
}

bool ggml_backend_offload_op(ggml_backend_t backend, const ggml_tensor * op) {
    return ggml_backend_dev_offload_op(backend->device, op);
}

void ggml_backend_tensor_copy_async(ggml_backend_t backend_src, ggml_backend_t backend_dst, ggml_tensor * src, ggml_tensor * dst) {
    ggml_backend_synchronize(backend_src); // src must be complete before it is read
    ggml_backend_tensor_copy(src, dst);
    ggml_backend_synchronize(backend_dst);
}

ggml_backend_dev_t ggml_backend_get_device(ggml_backend_t backend) { return backend->device; }

// ---------------------------------------------------------------------------------------------
// devices

const char * ggml_backend_dev_name(ggml_backend_dev_t device) { return device->iface.get_name(device); }
const char * ggml_backend_dev_description(ggml_backend_dev_t device) { return device->iface.get_description(device); }

void ggml_backend_dev_memory(ggml_backend_dev_t device, size_t * free, size_t * total) {
    device->iface.get_memory(device, free, total);
}

enum ggml_backend_dev_type ggml_backend_dev_type(ggml_backend_dev_t device) { return device->iface.get_type(device); }

void ggml_backend_dev_get_props(ggml_backend_dev_t device, ggml_backend_dev_props * props) {
    memset(props, 0, sizeof(*props));
    props->name = ggml_backend_dev_name(device);
    props->description = ggml_backend_dev_description(device);
    ggml_backend_dev_memory(device, &props->memory_free, &props->memory_total);
    props->type = ggml_backend_dev_type(device);
}

ggml_backend_reg_t ggml_backend_dev_backend_reg(ggml_backend_dev_t device) { return device->reg; }

ggml_backend_t ggml_backend_dev_init(ggml_backend_dev_t device, const char * params) {
    return device->iface.init_backend(device, params);
}

ggml_backend_buffer_type_t ggml_backend_dev_buffer_type(ggml_backend_dev_t device) {
    return device->iface.get_buffer_type(device);
}

bool ggml_backend_dev_supports_op(ggml_backend_dev_t device, const ggml_tensor * op) {
    return device->iface.supports_op(device, op);
}

bool ggml_backend_dev_supports_buft(ggml_backend_dev_t device, ggml_backend_buffer_type_t buft) {
    return device->iface.supports_buft(device, buft);
}

bool ggml_backend_dev_offload_op(ggml_backend_dev_t device, const ggml_tensor * op) {
    return device->iface.offload_op ? device->iface.offload_op(device, op) : false;
}

// ---------------------------------------------------------------------------------------------
// registrations

const char * ggml_backend_reg_name(ggml_backend_reg_t reg) { return reg->iface.get_name(reg); }
size_t ggml_backend_reg_dev_count(ggml_backend_reg_t reg) { return reg->iface.get_device_count(reg); }
ggml_backend_dev_t ggml_backend_reg_dev_get(ggml_backend_reg_t reg, size_t index) { return reg->iface.get_device(reg, index); }

void * ggml_backend_reg_get_proc_address(ggml_backend_reg_t reg, const char * name) {
    return reg->iface.get_proc_address ? reg->iface.get_proc_address(reg, name) : nullptr;
}
