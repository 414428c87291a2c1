// Vulkan instance, device selection, memory, transfers and pipelines.

#include "vulkan/vulkan-device.h"
#include "vulkan/vulkan-kernels.h"
#include "vulkan/vulkan-shaders.h"
#include "core/ggml-impl.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

void vk_check(VkResult r, const char * what) {
    if (r != VK_SUCCESS) GGML_ABORT("Vulkan: %s failed (VkResult %d)", what, (int) r);
}

namespace {

// Whether the device has what every shader needs: Vulkan 1.2, buffer device addresses, 64-bit
// integers, and a compute queue.
bool device_usable(VkPhysicalDevice pd, uint32_t & family) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(pd, &props);
    if (props.apiVersion < VK_API_VERSION_1_2) return false;
    VkPhysicalDeviceVulkan12Features f12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    VkPhysicalDeviceFeatures2 f = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f12};
    vkGetPhysicalDeviceFeatures2(pd, &f);
    if (!f12.bufferDeviceAddress || !f.features.shaderInt64) return false;
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
    std::vector<VkQueueFamilyProperties> fams(n);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, fams.data());
    for (uint32_t i = 0; i < n; ++i) {
        if (fams[i].queueFlags & VK_QUEUE_COMPUTE_BIT) { family = i; return true; }
    }
    return false;
}

// No limit of our own unless CGML_VK_MEMORY_LIMIT sets one; the driver has the last word.
VkDeviceSize memory_limit_from_env() {
    const char * s = getenv("CGML_VK_MEMORY_LIMIT");
    if (!s || !*s) return UINT64_MAX;
    char * end = nullptr;
    const unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || s[0] == '-') {
        GGML_LOG_WARN("Vulkan: ignoring CGML_VK_MEMORY_LIMIT='%s' (expected a number of bytes)\n", s);
        return UINT64_MAX;
    }
    return (VkDeviceSize) v;
}

struct vk_instance {
    VkInstance               instance = VK_NULL_HANDLE;
    std::vector<vk_device *> devices;

    vk_instance() {
        VkApplicationInfo app = {VK_STRUCTURE_TYPE_APPLICATION_INFO};
        app.pApplicationName = "cgml";
        app.apiVersion = VK_API_VERSION_1_2;
        VkInstanceCreateInfo ci = {VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
        ci.pApplicationInfo = &app;
        if (vkCreateInstance(&ci, nullptr, &instance) != VK_SUCCESS) { instance = VK_NULL_HANDLE; return; }
        uint32_t n = 0;
        vkEnumeratePhysicalDevices(instance, &n, nullptr);
        std::vector<VkPhysicalDevice> pds(n);
        vkEnumeratePhysicalDevices(instance, &n, pds.data());
        for (VkPhysicalDevice pd : pds) {
            uint32_t family = 0;
            if (!device_usable(pd, family) || devices.size() >= 16) continue;
            vk_device * d = new vk_device;
            d->physical = pd;
            d->queue_family = family;
            VkPhysicalDeviceMaintenance3Properties m3 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
            VkPhysicalDeviceProperties2 p2 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &m3};
            vkGetPhysicalDeviceProperties2(pd, &p2);
            d->name = p2.properties.deviceName;
            d->max_alloc = m3.maxMemoryAllocationSize;
            d->max_groups_x = p2.properties.limits.maxComputeWorkGroupCount[0];
            if (p2.properties.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU) {
                d->busy_groups = std::max(1u, std::thread::hardware_concurrency());
            }
            VkPhysicalDeviceMemoryProperties mp;
            vkGetPhysicalDeviceMemoryProperties(pd, &mp);
            for (uint32_t h = 0; h < mp.memoryHeapCount; ++h) {
                if (mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) d->memory_total += mp.memoryHeaps[h].size;
            }
            d->memory_limit = memory_limit_from_env();
            devices.push_back(d);
        }
    }
};

} // namespace

std::vector<vk_device *> & vk_devices() {
    static vk_instance inst;
    return inst.devices;
}

bool vk_device::open() {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    if (is_open()) return true;
    const float prio = 1.0f;
    VkDeviceQueueCreateInfo qci = {VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
    qci.queueFamilyIndex = queue_family;
    qci.queueCount = 1;
    qci.pQueuePriorities = &prio;
    VkPhysicalDeviceVulkan12Features f12 = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
    f12.bufferDeviceAddress = VK_TRUE;
    VkPhysicalDeviceFeatures2 f = {VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f12};
    f.features.shaderInt64 = VK_TRUE;
    VkDeviceCreateInfo dci = {VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &f};
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    if (vkCreateDevice(physical, &dci, nullptr, &device) != VK_SUCCESS) {
        GGML_LOG_ERROR("Vulkan: cannot create a logical device on %s\n", name.c_str());
        device = VK_NULL_HANDLE;
        return false;
    }
    vkGetDeviceQueue(device, queue_family, 0, &queue);
    VkCommandPoolCreateInfo pci = {VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pci.queueFamilyIndex = queue_family;
    vk_check(vkCreateCommandPool(device, &pci, nullptr, &cmd_pool), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo cai = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    cai.commandPool = cmd_pool;
    cai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    cai.commandBufferCount = 1;
    vk_check(vkAllocateCommandBuffers(device, &cai, &cmd), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fci = {VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    vk_check(vkCreateFence(device, &fci, nullptr, &fence), "vkCreateFence");

    // every pipeline takes one push constant: the device address of its parameter block
    VkPushConstantRange range = {VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(uint64_t)};
    VkPipelineLayoutCreateInfo lci = {VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    lci.pushConstantRangeCount = 1;
    lci.pPushConstantRanges = &range;
    vk_check(vkCreatePipelineLayout(device, &lci, nullptr, &pipeline_layout), "vkCreatePipelineLayout");

    // CGML_VK_BREAK_SHADER=NAME hands the driver that shader with its SPIR-V magic number
    // destroyed, for the tests of a pipeline that fails to build.
    const char * broken = getenv("CGML_VK_BREAK_SHADER");
    for (const char * shader : vk_kernel_shader_names()) {
        const vk_shader_blob * blob = vk_find_shader(shader);
        VkShaderModule module = VK_NULL_HANDLE;
        VkPipeline pipe = VK_NULL_HANDLE;
        bool ok = blob != nullptr;
        std::vector<uint32_t> words;
        if (ok) {
            words.resize(blob->size / sizeof(uint32_t));
            memcpy(words.data(), blob->code, words.size() * sizeof(uint32_t));
            if (broken && strcmp(broken, shader) == 0 && !words.empty()) words[0] = ~words[0];
            VkShaderModuleCreateInfo sci = {VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
            sci.codeSize = words.size() * sizeof(uint32_t);
            sci.pCode = words.data();
            ok = vkCreateShaderModule(device, &sci, nullptr, &module) == VK_SUCCESS;
        }
        if (ok) {
            VkComputePipelineCreateInfo cpi = {VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
            cpi.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
            cpi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
            cpi.stage.module = module;
            cpi.stage.pName = "main";
            cpi.layout = pipeline_layout;
            ok = vkCreateComputePipelines(device, VK_NULL_HANDLE, 1, &cpi, nullptr, &pipe) == VK_SUCCESS;
            vkDestroyShaderModule(device, module, nullptr);
        }
        if (!ok) {
            GGML_LOG_ERROR("Vulkan: cannot build the compute pipeline of shader '%s' on %s\n", shader, name.c_str());
            close();
            return false;
        }
        pipelines[shader] = pipe;
    }
    return true;
}

void vk_device::close() {
    if (!device) return;
    vkDeviceWaitIdle(device);
    destroy_buffer(staging);
    for (auto & p : pipelines) vkDestroyPipeline(device, p.second, nullptr);
    pipelines.clear();
    if (pipeline_layout) vkDestroyPipelineLayout(device, pipeline_layout, nullptr);
    if (fence) vkDestroyFence(device, fence, nullptr);
    if (cmd_pool) vkDestroyCommandPool(device, cmd_pool, nullptr);
    vkDestroyDevice(device, nullptr);
    device = VK_NULL_HANDLE;
    pipeline_layout = VK_NULL_HANDLE;
    fence = VK_NULL_HANDLE;
    cmd_pool = VK_NULL_HANDLE;
}

bool vk_device::create_buffer(VkDeviceSize size, bool device_local, vk_buffer & out) {
    out = vk_buffer{};
    size = std::max<VkDeviceSize>(size, 4);
    if (device_local && memory_limit - memory_used < size) return false;
    VkBufferCreateInfo bci = {VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = size;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    if (vkCreateBuffer(device, &bci, nullptr, &out.buffer) != VK_SUCCESS) return false;
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(device, out.buffer, &req);
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(physical, &mp);
    const VkMemoryPropertyFlags want = device_local ? VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT
                                                    : VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
    uint32_t type = UINT32_MAX;
    for (uint32_t i = 0; i < mp.memoryTypeCount && type == UINT32_MAX; ++i) {
        if ((req.memoryTypeBits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want) type = i;
    }
    VkResult r = VK_ERROR_OUT_OF_DEVICE_MEMORY;
    if (type != UINT32_MAX) {
        VkMemoryAllocateFlagsInfo flags = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
        flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
        VkMemoryAllocateInfo mai = {VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, &flags};
        mai.allocationSize = req.size;
        mai.memoryTypeIndex = type;
        r = vkAllocateMemory(device, &mai, nullptr, &out.memory);
    }
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(device, out.buffer, nullptr);
        out = vk_buffer{};
        return false;
    }
    vk_check(vkBindBufferMemory(device, out.buffer, out.memory, 0), "vkBindBufferMemory");
    if (!device_local) vk_check(vkMapMemory(device, out.memory, 0, VK_WHOLE_SIZE, 0, &out.mapped), "vkMapMemory");
    VkBufferDeviceAddressInfo ai = {VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
    ai.buffer = out.buffer;
    out.address = vkGetBufferDeviceAddress(device, &ai);
    out.size = size;
    out.device_local = device_local;
    if (device_local) memory_used += size;
    return true;
}

void vk_device::destroy_buffer(vk_buffer & b) {
    if (b.buffer && b.device_local) memory_used -= b.size;
    if (b.buffer) vkDestroyBuffer(device, b.buffer, nullptr);
    if (b.memory) vkFreeMemory(device, b.memory, nullptr);
    b = vk_buffer{};
}

void vk_device::begin() {
    vk_check(vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo bi = {VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vk_check(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
}

void vk_device::submit() {
    vk_check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    VkSubmitInfo si = {VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    vk_check(vkQueueSubmit(queue, 1, &si, fence), "vkQueueSubmit");
    vk_check(vkWaitForFences(device, 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
    vk_check(vkResetFences(device, 1, &fence), "vkResetFences");
}

static constexpr size_t STAGING_MAX = 64u << 20; // transfers larger than this go in chunks

bool vk_device::ensure_staging(size_t size) {
    if (staging.size >= size) return true;
    destroy_buffer(staging);
    return create_buffer(size, false, staging);
}

void vk_device::write(const vk_buffer & dst, VkDeviceSize offset, const void * data, size_t size) {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    if (!ensure_staging(std::min(size, STAGING_MAX))) GGML_ABORT("Vulkan: out of host memory for a staging buffer");
    for (size_t done = 0; done < size;) {
        const size_t n = std::min<size_t>(size - done, staging.size);
        memcpy(staging.mapped, (const char *) data + done, n);
        begin();
        VkBufferCopy region = {0, offset + done, n};
        vkCmdCopyBuffer(cmd, staging.buffer, dst.buffer, 1, &region);
        submit();
        done += n;
    }
}

void vk_device::read(const vk_buffer & src, VkDeviceSize offset, void * data, size_t size) {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    if (!ensure_staging(std::min(size, STAGING_MAX))) GGML_ABORT("Vulkan: out of host memory for a staging buffer");
    for (size_t done = 0; done < size;) {
        const size_t n = std::min<size_t>(size - done, staging.size);
        begin();
        VkBufferCopy region = {offset + done, 0, n};
        vkCmdCopyBuffer(cmd, src.buffer, staging.buffer, 1, &region);
        submit();
        memcpy((char *) data + done, staging.mapped, n);
        done += n;
    }
}

void vk_device::fill(const vk_buffer & dst, VkDeviceSize offset, VkDeviceSize size, uint32_t pattern) {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    begin();
    vkCmdFillBuffer(cmd, dst.buffer, offset, size, pattern);
    submit();
}

void vk_device::copy(const vk_buffer & src, VkDeviceSize src_offset, const vk_buffer & dst, VkDeviceSize dst_offset, size_t size) {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    begin();
    VkBufferCopy region = {src_offset, dst_offset, size};
    vkCmdCopyBuffer(cmd, src.buffer, dst.buffer, 1, &region);
    submit();
}
