// The Vulkan backend's ggml glue: buffer type, buffers, backend (graph compute), devices and the
// registration. Tensor data pointers of a Vulkan buffer are device addresses (the buffer's base is
// its VkBuffer's device address), so a shader reaches a tensor at (uint64_t) tensor->data.

#include "backend/backend-impl.h"
#include "ggml-vulkan.h"
#include "vulkan/vulkan-device.h"
#include "vulkan/vulkan-kernels.h"
#include "vulkan/vulkan-profile.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t VK_BUFFER_ALIGNMENT = 256;

struct vk_buft_context {
    vk_device * dev;
    std::string name;
};

struct vk_buffer_context {
    vk_device * dev;
    vk_buffer   buf;
};

vk_buffer_context * buffer_ctx(ggml_backend_buffer_t b) { return (vk_buffer_context *) b->context; }

uint64_t tensor_offset(ggml_backend_buffer_t b, const ggml_tensor * t) {
    return (uint64_t) (uintptr_t) t->data - buffer_ctx(b)->buf.address;
}

// --- buffers ----------------------------------------------------------------------------------

void vk_buffer_free(ggml_backend_buffer_t b) {
    vk_buffer_context * ctx = buffer_ctx(b);
    std::lock_guard<std::recursive_mutex> lock(ctx->dev->mutex);
    ctx->dev->destroy_buffer(ctx->buf);
    delete ctx;
}

void * vk_buffer_get_base(ggml_backend_buffer_t b) { return (void *) (uintptr_t) buffer_ctx(b)->buf.address; }

void vk_buffer_set_tensor(ggml_backend_buffer_t b, ggml_tensor * t, const void * data, size_t offset, size_t size) {
    buffer_ctx(b)->dev->write(buffer_ctx(b)->buf, tensor_offset(b, t) + offset, data, size);
}

void vk_buffer_get_tensor(ggml_backend_buffer_t b, const ggml_tensor * t, void * data, size_t offset, size_t size) {
    buffer_ctx(b)->dev->read(buffer_ctx(b)->buf, tensor_offset(b, t) + offset, data, size);
}

void vk_buffer_memset_tensor(ggml_backend_buffer_t b, ggml_tensor * t, uint8_t value, size_t offset, size_t size) {
    const uint64_t at = tensor_offset(b, t) + offset;
    if (at % 4 == 0 && size % 4 == 0) {
        buffer_ctx(b)->dev->fill(buffer_ctx(b)->buf, at, size, 0x01010101u * value);
        return;
    }
    std::vector<uint8_t> bytes(size, value); // vkCmdFillBuffer needs 4-byte granularity
    buffer_ctx(b)->dev->write(buffer_ctx(b)->buf, at, bytes.data(), size);
}

bool vk_buffer_cpy_tensor(ggml_backend_buffer_t b, const ggml_tensor * src, ggml_tensor * dst) {
    ggml_backend_buffer_t sb = src->view_src ? src->view_src->buffer : src->buffer;
    if (!sb || sb->iface.get_base != vk_buffer_get_base || buffer_ctx(sb)->dev != buffer_ctx(b)->dev) return false;
    buffer_ctx(b)->dev->copy(buffer_ctx(sb)->buf, tensor_offset(sb, src), buffer_ctx(b)->buf, tensor_offset(b, dst), ggml_nbytes(src));
    return true;
}

void vk_buffer_clear(ggml_backend_buffer_t b, uint8_t value) {
    buffer_ctx(b)->dev->fill(buffer_ctx(b)->buf, 0, VK_WHOLE_SIZE, 0x01010101u * value);
}

const ggml_backend_buffer_i VK_BUFFER_IFACE = {
    vk_buffer_free, vk_buffer_get_base, nullptr, vk_buffer_memset_tensor, vk_buffer_set_tensor,
    vk_buffer_get_tensor, vk_buffer_cpy_tensor, vk_buffer_clear, nullptr,
};

bool is_vk_buffer(ggml_backend_buffer_t b) { return b && b->iface.get_base == vk_buffer_get_base; }

// --- buffer type ------------------------------------------------------------------------------

const char * vk_buft_get_name(ggml_backend_buffer_type_t buft) { return ((vk_buft_context *) buft->context)->name.c_str(); }

ggml_backend_buffer_t vk_buft_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size) {
    vk_device * dev = ((vk_buft_context *) buft->context)->dev;
    if (!dev->open()) return nullptr;
    vk_buffer_context * ctx = new vk_buffer_context{dev, {}};
    bool ok;
    {
        std::lock_guard<std::recursive_mutex> lock(dev->mutex);
        ok = dev->create_buffer(GGML_PAD(std::max<size_t>(size, 1), VK_BUFFER_ALIGNMENT), true, ctx->buf);
    }
    if (!ok) {
        GGML_LOG_ERROR("Vulkan: out of device memory: cannot allocate a buffer of %.1f MiB on %s\n",
                       size / (1024.0 * 1024.0), dev->name.c_str());
        delete ctx;
        return nullptr;
    }
    return ggml_backend_buffer_init(buft, VK_BUFFER_IFACE, ctx, size);
}

size_t vk_buft_get_alignment(ggml_backend_buffer_type_t) { return VK_BUFFER_ALIGNMENT; }

size_t vk_buft_get_max_size(ggml_backend_buffer_type_t buft) {
    const VkDeviceSize m = ((vk_buft_context *) buft->context)->dev->max_alloc;
    return m ? (size_t) m : SIZE_MAX;
}

// --- backend ----------------------------------------------------------------------------------

struct vk_backend_context {
    vk_device * dev;
    std::string name;
    vk_buffer   params;            // host-visible parameter blocks, one per dispatch of a graph
    vk_profile  profile;           // used only with CGML_VK_PROFILE
};

const char * vk_backend_get_name(ggml_backend_t backend) { return ((vk_backend_context *) backend->context)->name.c_str(); }

void vk_backend_free(ggml_backend_t backend) {
    vk_backend_context * ctx = (vk_backend_context *) backend->context;
    {
        std::lock_guard<std::recursive_mutex> lock(ctx->dev->mutex);
        ctx->dev->destroy_buffer(ctx->params);
        ctx->profile.destroy(*ctx->dev);
    }
    delete ctx;
    delete backend;
}

struct byte_range {
    uint64_t lo, hi;
    bool overlaps(const byte_range & o) const { return lo < o.hi && o.lo < hi; }
};

byte_range range_of(const ggml_tensor * t) {
    const uint64_t lo = (uint64_t) (uintptr_t) t->data;
    return {lo, lo + ggml_nbytes(t)};
}

bool any_overlap(const std::vector<byte_range> & set, const byte_range & r) {
    for (const byte_range & x : set) if (x.overlaps(r)) return true;
    return false;
}

void fill_slot(vk_params & p, int slot, const ggml_tensor * t) {
    const size_t ts = ggml_type_size(t->type);
    for (int d = 0; d < 4; ++d) {
        p.ne[slot][d] = (int32_t) t->ne[d];
        p.nb[slot][d] = (int32_t) (t->nb[d] / ts);
    }
}

ggml_status vk_backend_graph_compute(ggml_backend_t backend, ggml_cgraph * cgraph) {
    vk_backend_context * ctx = (vk_backend_context *) backend->context;
    vk_device * dev = ctx->dev;
    std::lock_guard<std::recursive_mutex> lock(dev->mutex);

    const int n_nodes = ggml_graph_n_nodes(cgraph);
    const size_t need = (size_t) std::max(n_nodes, 1) * sizeof(vk_params);
    if (ctx->params.size < need) {
        dev->destroy_buffer(ctx->params);
        if (!dev->create_buffer(need * 2, false, ctx->params)) {
            GGML_LOG_ERROR("Vulkan: out of memory for the parameters of a graph of %d nodes\n", n_nodes);
            return GGML_STATUS_ALLOC_FAILED;
        }
    }
    vk_params * blocks = (vk_params *) ctx->params.mapped;

    // Hazards since the last barrier: a dispatch that reads what an earlier one wrote, or writes
    // what an earlier one read or wrote, waits for it; independent dispatches run unordered.
    std::vector<byte_range> read_set, write_set;
    dev->begin();
    const bool profiling = vk_profile::enabled();
    if (profiling) ctx->profile.begin_graph(*dev, n_nodes);
    int n_dispatch = 0;
    for (int i = 0; i < n_nodes; ++i) {
        ggml_tensor * node = ggml_graph_node(cgraph, i);
        if (vk_is_noop(node) || ggml_nelements(node) == 0) continue;
        const vk_kernel * k = vk_find_kernel(node);
        if (!k || !k->supports(node)) {
            GGML_LOG_ERROR("Vulkan: no kernel for %s '%s'\n", ggml_op_desc(node), node->name);
            vkEndCommandBuffer(dev->cmd);
            return GGML_STATUS_FAILED;
        }
        vk_params & p = blocks[n_dispatch];
        memset(&p, 0, sizeof(p));
        std::vector<byte_range> reads, writes;
        if (!is_vk_buffer(node->view_src ? node->view_src->buffer : node->buffer)) {
            GGML_LOG_ERROR("Vulkan: result '%s' is not in device memory\n", node->name);
            vkEndCommandBuffer(dev->cmd);
            return GGML_STATUS_FAILED;
        }
        p.addr[0] = (uint64_t) (uintptr_t) node->data;
        fill_slot(p, 0, node);
        writes.push_back(range_of(node));
        for (int s = 0; s < 5 && node->src[s]; ++s) {
            const ggml_tensor * src = node->src[s];
            if (!is_vk_buffer(src->view_src ? src->view_src->buffer : src->buffer)) {
                GGML_LOG_ERROR("Vulkan: input '%s' of '%s' is not in device memory\n", src->name, node->name);
                vkEndCommandBuffer(dev->cmd);
                return GGML_STATUS_FAILED;
            }
            p.addr[1 + s] = (uint64_t) (uintptr_t) src->data;
            if (s < 3) fill_slot(p, 1 + s, src);
            (k->writes_srcs & (1u << s) ? writes : reads).push_back(range_of(src));
        }
        const vk_grid g = k->setup(node, p, {dev->max_groups_x, dev->busy_groups});

        bool hazard = false;
        for (const byte_range & r : reads) hazard = hazard || any_overlap(write_set, r);
        for (const byte_range & w : writes) hazard = hazard || any_overlap(write_set, w) || any_overlap(read_set, w);
        if (hazard) {
            VkMemoryBarrier mb = {VK_STRUCTURE_TYPE_MEMORY_BARRIER};
            mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT;
            mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
            vkCmdPipelineBarrier(dev->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0,
                                 1, &mb, 0, nullptr, 0, nullptr);
            read_set.clear();
            write_set.clear();
        }
        read_set.insert(read_set.end(), reads.begin(), reads.end());
        write_set.insert(write_set.end(), writes.begin(), writes.end());

        const uint64_t block_addr = ctx->params.address + (uint64_t) n_dispatch * sizeof(vk_params);
        vkCmdBindPipeline(dev->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, dev->pipelines.at(k->shader));
        vkCmdPushConstants(dev->cmd, dev->pipeline_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(block_addr), &block_addr);
        if (profiling) ctx->profile.before_dispatch(*dev);
        vkCmdDispatch(dev->cmd, g.x, g.y, g.z);
        if (profiling) ctx->profile.after_dispatch(*dev, k->shader, node);
        ++n_dispatch;
    }
    dev->submit();
    if (profiling) ctx->profile.end_graph(*dev);
    return GGML_STATUS_SUCCESS;
}

const ggml_backend_i VK_BACKEND_IFACE = {vk_backend_get_name, vk_backend_free, nullptr, vk_backend_graph_compute};

// --- devices and registration -----------------------------------------------------------------

struct vk_device_entry {
    vk_device *                 dev;
    std::string                 name;     // Vulkan0, Vulkan1, ...
    ggml_backend_device         device;
    ggml_backend_buffer_type    buft;
    vk_buft_context             buft_ctx;
};

std::vector<vk_device_entry *> & entries();

vk_device_entry * entry_of(ggml_backend_dev_t d) { return (vk_device_entry *) d->context; }

const char * vk_dev_get_name(ggml_backend_dev_t d) { return entry_of(d)->name.c_str(); }
const char * vk_dev_get_description(ggml_backend_dev_t d) { return entry_of(d)->dev->name.c_str(); }

void vk_dev_get_memory(ggml_backend_dev_t d, size_t * free, size_t * total) {
    *total = (size_t) entry_of(d)->dev->memory_total;
    *free = *total; // without VK_EXT_memory_budget the free amount is not known
}

// A software device (lavapipe) is not a GPU: code choosing "the best device" keeps the CPU.
enum ggml_backend_dev_type vk_dev_get_type(ggml_backend_dev_t d) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(entry_of(d)->dev->physical, &props);
    return props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? GGML_BACKEND_DEVICE_TYPE_ACCEL : GGML_BACKEND_DEVICE_TYPE_GPU;
}

ggml_backend_t vk_dev_init_backend(ggml_backend_dev_t d, const char *) {
    vk_device_entry * e = entry_of(d);
    if (!e->dev->open()) {
        GGML_LOG_ERROR("Vulkan: cannot initialise %s (%s)\n", e->name.c_str(), e->dev->name.c_str());
        return nullptr;
    }
    return new ggml_backend{VK_BACKEND_IFACE, d, new vk_backend_context{e->dev, e->name, {}}};
}

ggml_backend_buffer_type_t vk_dev_get_buffer_type(ggml_backend_dev_t d) { return &entry_of(d)->buft; }

bool vk_dev_supports_op(ggml_backend_dev_t, const ggml_tensor * op) { return vk_supports(op); }

bool vk_dev_supports_buft(ggml_backend_dev_t d, ggml_backend_buffer_type_t buft) { return buft == &entry_of(d)->buft; }

const char * vk_reg_get_name(ggml_backend_reg_t) { return GGML_VK_NAME; }
size_t vk_reg_get_device_count(ggml_backend_reg_t) { return entries().size(); }
ggml_backend_dev_t vk_reg_get_device(ggml_backend_reg_t, size_t index) {
    GGML_ASSERT(index < entries().size());
    return &entries()[index]->device;
}

ggml_backend_reg vk_reg_instance = {
    {vk_reg_get_name, vk_reg_get_device_count, vk_reg_get_device, nullptr},
    nullptr,
};

// The entries live as long as the process (devices and buffer types handed out point into them);
// the list itself is never destroyed either, so that they stay reachable at exit and a leak
// checker does not report them.
std::vector<vk_device_entry *> & entries() {
    static std::vector<vk_device_entry *> & list = *new std::vector<vk_device_entry *>([] {
        std::vector<vk_device_entry *> out;
        for (vk_device * dev : vk_devices()) {
            vk_device_entry * e = new vk_device_entry;
            e->dev = dev;
            e->name = GGML_VK_NAME + std::to_string(out.size());
            e->device = {{vk_dev_get_name, vk_dev_get_description, vk_dev_get_memory, vk_dev_get_type, vk_dev_init_backend,
                          vk_dev_get_buffer_type, vk_dev_supports_op, vk_dev_supports_buft, nullptr},
                         &vk_reg_instance, e};
            e->buft_ctx = {dev, e->name};
            e->buft = {{vk_buft_get_name, vk_buft_alloc_buffer, vk_buft_get_alignment, vk_buft_get_max_size, nullptr, nullptr},
                       &e->device, &e->buft_ctx};
            out.push_back(e);
        }
        return out;
    }());
    return list;
}

} // namespace

ggml_backend_reg_t ggml_backend_vk_reg(void) { return &vk_reg_instance; }

int ggml_backend_vk_get_device_count(void) { return (int) entries().size(); }

ggml_backend_t ggml_backend_vk_init(size_t dev_num) {
    if (dev_num >= entries().size()) {
        GGML_LOG_ERROR("Vulkan: no device %zu (%zu found)\n", dev_num, entries().size());
        return nullptr;
    }
    return vk_dev_init_backend(&entries()[dev_num]->device, nullptr);
}

bool ggml_backend_is_vk(ggml_backend_t backend) { return backend && backend->iface.get_name == vk_backend_get_name; }

void ggml_backend_vk_get_device_description(int device, char * description, size_t description_size) {
    GGML_ASSERT(device >= 0 && (size_t) device < entries().size());
    snprintf(description, description_size, "%s", entries()[device]->dev->name.c_str());
}

void ggml_backend_vk_get_device_memory(int device, size_t * free, size_t * total) {
    GGML_ASSERT(device >= 0 && (size_t) device < entries().size());
    vk_dev_get_memory(&entries()[device]->device, free, total);
}

ggml_backend_buffer_type_t ggml_backend_vk_buffer_type(size_t dev_num) {
    GGML_ASSERT(dev_num < entries().size());
    return &entries()[dev_num]->buft;
}

ggml_backend_buffer_type_t ggml_backend_vk_host_buffer_type(void) { return ggml_backend_cpu_buffer_type(); }
