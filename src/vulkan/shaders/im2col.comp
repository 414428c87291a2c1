#version 450
// 2-D im2col and its backward (see src/ops/im2col.cpp), one output element per invocation.
// i[0] = (mode, s0, s1, p0), i[1] = (p1, d0, d1, -); src0 is the kernel [KW, KH, IC, OC], of which
// only the shape is used.
// mode 0 (im2col):      dst [IC*KH*KW, OW, OH, N], src1 the image X [IW, IH, IC, N];
//                       dst[kw + KW*(kh + KH*ic), ow, oh, n] = X[ow*s0 + kw*d0 - p0, oh*s1 + kh*d1 - p1, ic, n] or 0
// mode 1 (im2col_back): dst dX [IW, IH, IC, N], src1 the columns' gradient [IC*KH*KW, OW, OH, N];
//                       each input element gathers every column entry that copied it.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int idx = int(linear_id());
    const ivec4 ned = pc.P.ne[DST];
    if (idx >= nelements(ned)) return;
    const int s0 = pc.P.i[0].y, s1 = pc.P.i[0].z, p0 = pc.P.i[0].w, p1 = pc.P.i[1].x, d0 = pc.P.i[1].y, d1 = pc.P.i[1].z;
    const int KW = pc.P.ne[SRC0].x, KH = pc.P.ne[SRC0].y;
    const ivec4 ne1 = pc.P.ne[SRC1];
    const ivec4 c = unravel(idx, ned);
    if (pc.P.i[0].x == 0) {
        const int kw = c.x % KW, kh = (c.x / KW) % KH, ic = c.x / (KW * KH);
        const int iw = c.y * s0 + kw * d0 - p0, ih = c.z * s1 + kh * d1 - p1;
        const bool inside = iw >= 0 && iw < ne1.x && ih >= 0 && ih < ne1.y;
        st(c, inside ? ld(SRC1, ivec4(iw, ih, ic, c.w)) : 0.0);
        return;
    }
    float acc = 0.0;
    for (int kh = 0; kh < KH; ++kh) {
        const int th = c.y + p1 - kh * d1;
        if (th < 0 || th % s1 != 0 || th / s1 >= ne1.z) continue;
        for (int kw = 0; kw < KW; ++kw) {
            const int tw = c.x + p0 - kw * d0;
            if (tw < 0 || tw % s0 != 0 || tw / s0 >= ne1.y) continue;
            acc += ld(SRC1, ivec4(kw + KW * (kh + KH * c.z), tw / s0, th / s1, c.w));
        }
    }
    st(c, acc);
}
