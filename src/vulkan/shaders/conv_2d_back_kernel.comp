#version 450
// The kernel gradient of the direct 2-D convolution: one workgroup per element of
// dK [KW, KH, IC, OC], its invocations splitting the sum over (ow, oh, n) of
// X[ow*s0 + kw*d0 - p0, oh*s1 + kh*d1 - p1, ic, n] * dY[ow, oh, oc, n]; partial sums meet in
// shared memory. src0 X [IW, IH, IC, N], src1 dY [OW, OH, OC, N]; parameters as conv_2d.comp.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define WG 256
layout(local_size_x = WG) in;
#include "workgroup_sum.glsl"

void main() {
    const ivec4 ned = pc.P.ne[DST], nex = pc.P.ne[SRC0], neg = pc.P.ne[SRC1];
    const int e = int(linear_group());
    if (e >= nelements(ned)) return; // the whole workgroup leaves together
    const int s0 = pc.P.i[0].y, s1 = pc.P.i[0].z, p0 = pc.P.i[0].w, p1 = pc.P.i[1].x, d0 = pc.P.i[1].y, d1 = pc.P.i[1].z;
    const ivec4 k = unravel(e, ned); // (kw, kh, ic, oc)
    const ivec4 nbx = pc.P.nb[SRC0], nbg = pc.P.nb[SRC1];
    F32 x = F32(pc.P.addr[SRC0]), g = F32(pc.P.addr[SRC1]);
    const int OW = neg.x, OH = neg.y, N = neg.w;
    const int xbase = k.z * nbx.z, gbase = k.w * nbg.z;
    // Invocation l takes terms l, l + WG, ... of the sum in (ow, oh, n) order; the coordinates
    // advance by WG terms without a division per term.
    const ivec4 terms = ivec4(OW, OH, N, 1), step = unravel(WG, terms);
    float acc = 0.0;
    for (ivec4 j = unravel(int(gl_LocalInvocationID.x), terms); j.w < 1; j = advance(j, step, terms)) {
        const int ow = j.x, oh = j.y, n = j.z;
        const int iw = ow * s0 + k.x * d0 - p0, ih = oh * s1 + k.y * d1 - p1;
        if (iw >= 0 && iw < nex.x && ih >= 0 && ih < nex.y) {
            acc += x.v[xbase + n * nbx.w + ih * nbx.y + iw * nbx.x] * g.v[gbase + n * nbg.w + oh * nbg.y + ow * nbg.x];
        }
    }
    const float total = workgroup_sum(acc);
    if (gl_LocalInvocationID.x == 0) st(k, total);
}
