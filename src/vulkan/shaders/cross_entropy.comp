#version 450
// Softmax cross-entropy over the rows of src0 (logits) against src1 (label distribution).
// i[0].x = 0: dst (one value) = -sum(labels * log_softmax(logits)) / rows, one workgroup.
// i[0].x = 1: dst = (softmax(logits) - labels) * src2[0] / rows, one element per invocation.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define WG 256
layout(local_size_x = WG) in;
shared float part[WG];

// max and log(sum(exp(x - max))) of one row
vec2 row_stats(int row, ivec4 ne) {
    const ivec4 rc = unravel(row * ne.x, ne);
    float m = ld(SRC0, ivec4(0, rc.yzw));
    for (int j = 1; j < ne.x; ++j) m = max(m, ld(SRC0, ivec4(j, rc.yzw)));
    float s = 0.0;
    for (int j = 0; j < ne.x; ++j) s += exp(ld(SRC0, ivec4(j, rc.yzw)) - m);
    return vec2(m, log(s));
}

void main() {
    const ivec4 ne = pc.P.ne[SRC0];
    const int rows = ne.y * ne.z * ne.w;
    if (pc.P.i[0].x == 0) {
        float acc = 0.0;
        for (int r = int(gl_LocalInvocationID.x); r < rows; r += WG) {
            const vec2 st_ = row_stats(r, ne);
            const ivec4 rc = unravel(r * ne.x, ne);
            for (int j = 0; j < ne.x; ++j) {
                acc += ld(SRC1, ivec4(j, rc.yzw)) * (ld(SRC0, ivec4(j, rc.yzw)) - st_.x - st_.y);
            }
        }
        part[gl_LocalInvocationID.x] = acc;
        barrier();
        for (uint s = WG / 2; s > 0; s >>= 1) {
            if (gl_LocalInvocationID.x < s) part[gl_LocalInvocationID.x] += part[gl_LocalInvocationID.x + s];
            barrier();
        }
        if (gl_LocalInvocationID.x == 0) st(ivec4(0), -part[0] / float(rows));
        return;
    }
    const int idx = int(linear_id());
    if (idx >= nelements(ne)) return;
    const ivec4 c = unravel(idx, ne);
    const vec2 st_ = row_stats(idx / ne.x, ne);
    const float d = F32(pc.P.addr[SRC2]).v[0];
    st(c, (exp(ld(SRC0, c) - st_.x - st_.y) - ld(SRC1, c)) * d / float(rows));
}
