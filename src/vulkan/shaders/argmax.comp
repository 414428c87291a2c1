#version 450
// dst[i1] (I32) = index of the largest value of row i1 of src0 (the first one on ties).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int row = int(linear_id());
    const ivec4 ne = pc.P.ne[SRC0];
    if (row >= ne.y) return;
    int best = 0;
    float bv = ld(SRC0, ivec4(0, row, 0, 0));
    for (int j = 1; j < ne.x; ++j) {
        const float x = ld(SRC0, ivec4(j, row, 0, 0));
        if (x > bv) { bv = x; best = j; }
    }
    I32(pc.P.addr[DST]).v[row * pc.P.nb[DST].x] = best;
}
