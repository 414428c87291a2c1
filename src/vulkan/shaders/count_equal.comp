#version 450
// dst (one I64) = number of positions where the I32 tensors src0 and src1 are equal.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define WG 256
layout(local_size_x = WG) in;
shared int part[WG];

void main() {
    const ivec4 ne = pc.P.ne[SRC0];
    const int n = nelements(ne);
    int cnt = 0;
    for (int j = int(gl_LocalInvocationID.x); j < n; j += WG) {
        const ivec4 c = unravel(j, ne);
        cnt += I32(pc.P.addr[SRC0]).v[offs(c, pc.P.nb[SRC0])] == I32(pc.P.addr[SRC1]).v[offs(c, pc.P.nb[SRC1])] ? 1 : 0;
    }
    part[gl_LocalInvocationID.x] = cnt;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1) {
        if (gl_LocalInvocationID.x < s) part[gl_LocalInvocationID.x] += part[gl_LocalInvocationID.x + s];
        barrier();
    }
    if (gl_LocalInvocationID.x == 0) I64(pc.P.addr[DST]).v[0] = int64_t(part[0]);
}
