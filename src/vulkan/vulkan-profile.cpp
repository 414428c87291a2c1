// CGML_VK_PROFILE: timestamp queries around each dispatch, summed per kernel and shape.

#include "vulkan/vulkan-profile.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

namespace {

struct profile_entry {
    int64_t count = 0;
    double  ns = 0.0;
};

// The process-wide table, printed when the process exits.
struct profile_table {
    std::map<std::string, profile_entry> entries;

    ~profile_table() {
        if (entries.empty()) return;
        std::vector<std::pair<std::string, profile_entry>> rows(entries.begin(), entries.end());
        std::sort(rows.begin(), rows.end(), [](const auto & a, const auto & b) { return a.second.ns > b.second.ns; });
        double total = 0.0;
        for (const auto & r : rows) total += r.second.ns;
        fprintf(stderr, "Vulkan profile (CGML_VK_PROFILE): %.1f ms in dispatches\n", total * 1e-6);
        fprintf(stderr, "%10s %8s %10s %6s  %s\n", "total ms", "count", "mean ms", "share", "shader op [result shape]");
        for (const auto & r : rows) {
            fprintf(stderr, "%10.2f %8" PRId64 " %10.4f %5.1f%%  %s\n", r.second.ns * 1e-6, r.second.count,
                    r.second.ns * 1e-6 / (double) r.second.count, 100.0 * r.second.ns / total, r.first.c_str());
        }
    }
};

profile_table & table() {
    static profile_table t;
    return t;
}

} // namespace

bool vk_profile::enabled() {
    static const bool on = [] {
        const char * s = getenv("CGML_VK_PROFILE");
        return s && *s && strcmp(s, "0") != 0;
    }();
    return on;
}

void vk_profile::begin_graph(vk_device & dev, int max_dispatches) {
    table(); // constructed before anything that might outlive it at exit
    labels.clear();
    if ((uint32_t) max_dispatches > capacity) {
        destroy(dev);
        VkQueryPoolCreateInfo qci = {VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
        qci.queryCount = 2 * (uint32_t) max_dispatches;
        vk_check(vkCreateQueryPool(dev.device, &qci, nullptr, &pool), "vkCreateQueryPool");
        capacity = (uint32_t) max_dispatches;
    }
    vkCmdResetQueryPool(dev.cmd, pool, 0, 2 * capacity);
}

void vk_profile::before_dispatch(vk_device & dev) {
    vkCmdWriteTimestamp(dev.cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, pool, 2 * (uint32_t) labels.size());
}

void vk_profile::after_dispatch(vk_device & dev, const char * shader, const ggml_tensor * node) {
    vkCmdWriteTimestamp(dev.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, 2 * (uint32_t) labels.size() + 1);
    char shape[96];
    snprintf(shape, sizeof(shape), "[%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "]", node->ne[0], node->ne[1], node->ne[2],
             node->ne[3]);
    labels.push_back(std::string(shader) + " " + ggml_op_desc(node) + " " + shape);
}

void vk_profile::end_graph(vk_device & dev) {
    if (labels.empty()) return;
    std::vector<uint64_t> ts(2 * labels.size());
    vk_check(vkGetQueryPoolResults(dev.device, pool, 0, (uint32_t) ts.size(), ts.size() * sizeof(uint64_t), ts.data(),
                                   sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT),
             "vkGetQueryPoolResults");
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(dev.physical, &props);
    for (size_t i = 0; i < labels.size(); ++i) {
        profile_entry & e = table().entries[labels[i]];
        e.count += 1;
        e.ns += (double) (ts[2 * i + 1] - ts[2 * i]) * props.limits.timestampPeriod;
    }
    labels.clear();
}

void vk_profile::destroy(vk_device & dev) {
    if (pool) vkDestroyQueryPool(dev.device, pool, nullptr);
    pool = VK_NULL_HANDLE;
    capacity = 0;
}
