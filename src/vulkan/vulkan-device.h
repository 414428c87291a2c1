#pragma once

// One Vulkan device as the backend uses it: a compute queue, device-address buffers, a staging
// buffer for host transfers, and one compute pipeline per embedded shader. Every submission is
// waited for before the call returns, so the host never observes a half-finished transfer.

#include <vulkan/vulkan.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

struct vk_buffer {
    VkBuffer       buffer = VK_NULL_HANDLE;
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkDeviceSize   size = 0;
    uint64_t       address = 0;      // buffer device address of byte 0
    void *         mapped = nullptr; // host pointer for host-visible buffers
    bool           device_local = false;
};

struct vk_device {
    VkPhysicalDevice physical = VK_NULL_HANDLE;
    std::string      name;
    VkDeviceSize     memory_total = 0;
    VkDeviceSize     max_alloc = 0;
    uint32_t         max_groups_x = 65535;
    // Workgroups that keep the device busy, for kernels that trade fewer workgroups for less work:
    // a software device's threads (one workgroup each at a time); for a GPU 64, since Vulkan does
    // not report its number of multiprocessors.
    uint32_t         busy_groups = 64;
    // Device-local bytes this process may allocate: no limit of our own, unless the environment
    // variable CGML_VK_MEMORY_LIMIT (bytes) sets one; tests use it to run out of device memory.
    VkDeviceSize     memory_limit = UINT64_MAX;
    VkDeviceSize     memory_used = 0;

    // created by open()
    VkDevice        device = VK_NULL_HANDLE;
    VkQueue         queue = VK_NULL_HANDLE;
    uint32_t        queue_family = 0;
    VkCommandPool   cmd_pool = VK_NULL_HANDLE;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence         fence = VK_NULL_HANDLE;
    VkPipelineLayout pipeline_layout = VK_NULL_HANDLE;
    std::map<std::string, VkPipeline> pipelines;
    vk_buffer       staging;
    std::recursive_mutex mutex;   // one submission at a time

    // Creates the logical device and every pipeline; false (with a logged reason naming the
    // failing shader, if any) when something cannot be built.
    bool open();
    bool is_open() const { return device != VK_NULL_HANDLE; }
    void close();

    // Memory. device_local: preferred for tensors; otherwise host-visible, coherent and mapped.
    bool create_buffer(VkDeviceSize size, bool device_local, vk_buffer & out);
    void destroy_buffer(vk_buffer & b);

    // Synchronous transfers between host memory and a device buffer, through staging.
    void write(const vk_buffer & dst, VkDeviceSize offset, const void * data, size_t size);
    void read(const vk_buffer & src, VkDeviceSize offset, void * data, size_t size);
    void fill(const vk_buffer & dst, VkDeviceSize offset, VkDeviceSize size, uint32_t pattern);
    void copy(const vk_buffer & src, VkDeviceSize src_offset, const vk_buffer & dst, VkDeviceSize dst_offset, size_t size);

    // Begins recording into the device's command buffer; submit() ends it, submits it and waits.
    void begin();
    void submit();

private:
    bool ensure_staging(size_t size);
};

// The process's Vulkan instance and its usable devices (empty when there is no loader or device).
std::vector<vk_device *> & vk_devices();

// Aborts with the name of the failed call: only for calls that fail on lost devices or
// exhausted host memory, where no recovery is possible.
void vk_check(VkResult r, const char * what);
