#version 450
// One workgroup per output value. i[0].x: 0 = sum of each row (sum_rows), 1 = sum of all
// elements (sum), 2 = mean of each row (mean). Partial sums meet in shared memory.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define WG 256
layout(local_size_x = WG) in;
#include "workgroup_sum.glsl"

void main() {
    const int mode = pc.P.i[0].x;
    const ivec4 ne = pc.P.ne[SRC0];
    const int row = int(linear_group());
    const int n = mode == 1 ? nelements(ne) : ne.x;
    if (row >= (mode == 1 ? 1 : ne.y * ne.z * ne.w)) return;
    const ivec4 rc = unravel(row * ne.x, ne);
    float acc = 0.0;
    if (mode == 1) {
        const ivec4 step = unravel(WG, ne);
        for (ivec4 c = unravel(int(gl_LocalInvocationID.x), ne); c.w < ne.w; c = advance(c, step, ne)) acc += ld(SRC0, c);
    } else {
        for (int j = int(gl_LocalInvocationID.x); j < n; j += WG) acc += ld(SRC0, ivec4(j, rc.yzw));
    }
    const float sum = workgroup_sum(acc);
    if (gl_LocalInvocationID.x == 0) {
        const float total = mode == 2 ? sum / float(ne.x) : sum;
        st(mode == 1 ? ivec4(0) : ivec4(0, rc.yzw), total);
    }
}
