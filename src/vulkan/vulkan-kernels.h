#pragma once

// The Vulkan backend's kernel table: for each op it runs, the shader, a supports(node) predicate
// (types, shapes, layouts the shader handles) and how to fill the shader's parameter block and
// size its grid. Ops without an entry, or whose predicate refuses a node, fall back to the CPU
// through the scheduler.

#include "ggml.h"

#include <cstdint>
#include <vector>

// Mirrors Params in shaders/common.glsl (std430). Slot 0 is dst, slot 1 + k is src[k];
// ne/nb hold the first four slots, strides in elements.
struct vk_params {
    uint64_t addr[6];
    int32_t  ne[4][4];
    int32_t  nb[4][4];
    float    f[8];
    int32_t  i[8];
    uint8_t  pad[16];
};
static_assert(sizeof(vk_params) == 256, "vk_params must match the shaders' parameter block");

// Workgroup counts of one dispatch.
struct vk_grid {
    uint32_t x, y, z;
};

// What a dispatch's grid may and should be on one device.
struct vk_limits {
    uint32_t max_groups_x; // the device's limit on workgroups along x
    uint32_t busy_groups;  // workgroups that keep the whole device busy (see vk_device)
};

struct vk_kernel {
    const char * shader;
    bool (*supports)(const ggml_tensor * node);
    // Fills the op-specific fields of p (addresses and shapes are already set) and the grid.
    vk_grid (*setup)(const ggml_tensor * node, vk_params & p, const vk_limits & lim);
    // Sources the kernel writes besides dst (bit k = src[k]), for hazard tracking.
    uint32_t writes_srcs;
};

// nullptr when node's op has no Vulkan kernel.
const vk_kernel * vk_find_kernel(const ggml_tensor * node);

// Ops that need no work on the device (views, reshapes, permutations, NONE).
bool vk_is_noop(const ggml_tensor * node);

// Whether the backend runs node (a no-op, or a table entry whose predicate accepts it).
bool vk_supports(const ggml_tensor * node);

// Every shader some table entry uses, for building the pipelines at device init.
std::vector<const char *> vk_kernel_shader_names();
