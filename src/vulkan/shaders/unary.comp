#version 450
// One dst element per invocation. i[0].y selects where the source element is: 0 = same
// coordinates modulo the source's shape (elementwise ops and repeat), 1 = same position in row-major
// order (cpy/cont/dup between shapes with equal element counts). i[0].x selects the function.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int idx = int(linear_id());
    if (idx >= nelements(pc.P.ne[DST])) return;
    const ivec4 c = unravel(idx, pc.P.ne[DST]);
    const ivec4 s = pc.P.i[0].y == 0 ? c % pc.P.ne[SRC0] : unravel(idx, pc.P.ne[SRC0]);
    const float x = ld(SRC0, s);
    float r;
    switch (pc.P.i[0].x) {
        case 0: r = x; break;
        case 1: r = pc.P.f[0].x * x + pc.P.f[0].y; break;
        case 2: r = max(x, 0.0); break;
        case 3: r = x > 0.0 ? 1.0 : 0.0; break;
        case 4: r = -x; break;
        case 5: r = x * x; break;
        case 6: r = sqrt(x); break;
        case 7: r = log(x); break;
        case 8: r = exp(x); break;
        case 9: r = tanh(x); break;
        case 10: r = 1.0 / (1.0 + exp(-x)); break;
        case 11: r = abs(x); break;
        default: r = sign(x); break;
    }
    st(c, r);
}
