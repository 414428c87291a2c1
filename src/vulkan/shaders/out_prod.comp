#version 450
// dst[i0,i1,i2,i3] = sum_k src0[i0,k,i2/r2,i3/r3] * src1[i1,k,i2,i3]
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int idx = int(linear_id());
    const ivec4 ned = pc.P.ne[DST], ne0 = pc.P.ne[SRC0], ne1 = pc.P.ne[SRC1];
    if (idx >= nelements(ned)) return;
    const ivec4 c = unravel(idx, ned);
    const int i02 = c.z / (ned.z / ne0.z), i03 = c.w / (ned.w / ne0.w);
    float acc = 0.0;
    for (int k = 0; k < ne0.y; ++k) {
        acc += ld(SRC0, ivec4(c.x, k, i02, i03)) * ld(SRC1, ivec4(c.y, k, c.z, c.w));
    }
    st(c, acc);
}
