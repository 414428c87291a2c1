#version 450
// dst[c] = sum of src0 over every position that is c modulo dst's shape (the gradient of repeat).
// One workgroup per dst element: its invocations split the repeated copies (often a whole batch,
// as for a bias gradient) and their partial sums meet in shared memory.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define WG 64
layout(local_size_x = WG) in;
#include "workgroup_sum.glsl"

void main() {
    const ivec4 ned = pc.P.ne[DST], nes = pc.P.ne[SRC0], nbs = pc.P.nb[SRC0];
    const int e = int(linear_group());
    if (e >= nelements(ned)) return; // the whole workgroup leaves together
    const ivec4 c = unravel(e, ned);
    const ivec4 r = nes / ned; // copies along each dimension
    F32 src = F32(pc.P.addr[SRC0]);
    // copy k of c is at c + k * ned; invocation l sums copies l, l + WG, ...
    const ivec4 step = unravel(WG, r), stride = ned * nbs;
    const int base = offs(c, nbs);
    float acc = 0.0;
    for (ivec4 k = unravel(int(gl_LocalInvocationID.x), r); k.w < r.w; k = advance(k, step, r)) {
        acc += src.v[base + offs(k, stride)];
    }
    const float total = workgroup_sum(acc);
    if (gl_LocalInvocationID.x == 0) st(c, total);
}
