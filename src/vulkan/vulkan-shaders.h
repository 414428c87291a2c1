#pragma once

// SPIR-V of the compute shaders in shaders/, compiled by glslc and embedded at build time.

#include <cstddef>

struct vk_shader_blob {
    const char *          name;   // file name without .comp
    const unsigned char * code;
    size_t                size;
};

// nullptr when no shader of that name was built.
const vk_shader_blob * vk_find_shader(const char * name);
