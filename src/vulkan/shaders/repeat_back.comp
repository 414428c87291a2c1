#version 450
// dst[c] = sum of src0 over every position that is c modulo dst's shape (the gradient of repeat).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int idx = int(linear_id());
    const ivec4 ned = pc.P.ne[DST], nes = pc.P.ne[SRC0];
    if (idx >= nelements(ned)) return;
    const ivec4 c = unravel(idx, ned);
    const ivec4 r = nes / ned;
    float acc = 0.0;
    for (int k3 = 0; k3 < r.w; ++k3)
        for (int k2 = 0; k2 < r.z; ++k2)
            for (int k1 = 0; k1 < r.y; ++k1)
                for (int k0 = 0; k0 < r.x; ++k0) acc += ld(SRC0, c + ivec4(k0, k1, k2, k3) * ned);
    st(c, acc);
}
