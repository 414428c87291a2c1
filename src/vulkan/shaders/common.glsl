// Shared by every compute shader: tensors are reached through buffer device addresses, and each
// dispatch reads one parameter block (layout mirrored by vk_params in vulkan-kernels.h).
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer F32 { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer I32 { int v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer I64 { int64_t v[]; };

// addr[0] = dst, addr[1 + k] = src[k]; ne/nb[0] = dst, ne/nb[1 + k] = src[k] (strides in elements).
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer Params {
    uint64_t addr[6];
    ivec4 ne[4];
    ivec4 nb[4];
    vec4 f[2];
    ivec4 i[2];
};

layout(push_constant) uniform Push { Params P; } pc;

#define DST 0
#define SRC0 1
#define SRC1 2
#define SRC2 3

// Linear invocation index over a 2-D grid of workgroups (x is capped by the device limit).
uint linear_id() {
    return gl_GlobalInvocationID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
}
uint linear_group() { return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x; }

int nelements(ivec4 ne) { return ne.x * ne.y * ne.z * ne.w; }

ivec4 unravel(int idx, ivec4 ne) {
    ivec4 c;
    c.x = idx % ne.x; idx /= ne.x;
    c.y = idx % ne.y; idx /= ne.y;
    c.z = idx % ne.z;
    c.w = idx / ne.z;
    return c;
}

int offs(ivec4 c, ivec4 nb) { return c.x * nb.x + c.y * nb.y + c.z * nb.z + c.w * nb.w; }

float ld(int t, ivec4 c) { return F32(pc.P.addr[t]).v[offs(c, pc.P.nb[t])]; }
void st(ivec4 c, float x) { F32(pc.P.addr[DST]).v[offs(c, pc.P.nb[DST])] = x; }

// Moves coordinate c of shape ne on by step (unravel(n, ne) for n elements) in row-major order,
// with one carry per dimension instead of divisions; past the end, c.w >= ne.w.
ivec4 advance(ivec4 c, ivec4 step, ivec4 ne) {
    c += step;
    if (c.x >= ne.x) { c.x -= ne.x; c.y += 1; }
    if (c.y >= ne.y) { c.y -= ne.y; c.z += 1; }
    if (c.z >= ne.z) { c.z -= ne.z; c.w += 1; }
    return c;
}
