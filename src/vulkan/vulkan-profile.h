#pragma once

// Optional per-dispatch timing of the Vulkan backend, for finding slow kernels. With the
// environment variable CGML_VK_PROFILE set (to anything but 0), each dispatch of a graph is
// bracketed by two timestamp queries; after the graph's submission the durations are added to a
// process-wide table keyed by shader, op and result shape, printed to stderr at exit, largest total
// first. On a device that overlaps independent dispatches the brackets overlap too, so the figures
// are upper bounds there; lavapipe runs dispatches one after another.

#include "vulkan/vulkan-device.h"

#include "ggml.h"

#include <string>
#include <vector>

struct vk_profile {
    VkQueryPool              pool = VK_NULL_HANDLE;
    uint32_t                 capacity = 0; // dispatches the pool has room for
    std::vector<std::string> labels;       // one per dispatch of the graph being recorded

    // Whether CGML_VK_PROFILE asks for profiling (read once).
    static bool enabled();

    // Called with the device's command buffer recording, before the graph's first dispatch.
    void begin_graph(vk_device & dev, int max_dispatches);
    void before_dispatch(vk_device & dev);
    void after_dispatch(vk_device & dev, const char * shader, const ggml_tensor * node);
    // Called after the submission has completed: reads the queries into the table.
    void end_graph(vk_device & dev);
    void destroy(vk_device & dev);
};
