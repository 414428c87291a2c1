#version 450
// dst = src0 (op) src1, src1 repeated along every dimension where it is smaller (ggml broadcasting).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int idx = int(linear_id());
    if (idx >= nelements(pc.P.ne[DST])) return;
    const ivec4 c = unravel(idx, pc.P.ne[DST]);
    const float a = ld(SRC0, c);
    const float b = ld(SRC1, c % pc.P.ne[SRC1]);
    float r;
    switch (pc.P.i[0].x) {
        case 0: r = a + b; break;
        case 1: r = a - b; break;
        case 2: r = a * b; break;
        default: r = a / b; break;
    }
    st(c, r);
}
