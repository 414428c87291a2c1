#version 450
// The kernel gradient of the direct 2-D convolution, dK [KW, KH, IC, OC] = the sum over
// (ow, oh, n) of X[ow*s0 + kw*d0 - p0, oh*s1 + kh*d1 - p1, ic, n] * dY[ow, oh, oc, n].
// src0 X [IW, IH, IC, N], src1 dY [OW, OH, OC, N]; parameters as conv_2d.comp, and i[1].w:
// 0: one workgroup per element of dK;
// 1: kernels of at most 3x3: one workgroup per (ic, oc) computing all its taps at once, so that
//    each dY value is read once for all of them instead of once per tap.
// The workgroup's invocations split the sum; partial sums meet in shared memory.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define WG 256
#define TMAX 3 // kernel side of mode 1
layout(local_size_x = WG) in;
#include "workgroup_sum.glsl"

void main() {
    const ivec4 ned = pc.P.ne[DST], nex = pc.P.ne[SRC0], neg = pc.P.ne[SRC1];
    const bool all_taps = pc.P.i[1].w == 1;
    const int e = int(linear_group());
    if (e >= (all_taps ? ned.z * ned.w : nelements(ned))) return; // the whole workgroup leaves together
    const int s0 = pc.P.i[0].y, s1 = pc.P.i[0].z, p0 = pc.P.i[0].w, p1 = pc.P.i[1].x, d0 = pc.P.i[1].y, d1 = pc.P.i[1].z;
    const ivec4 k = all_taps ? ivec4(0, 0, e % ned.z, e / ned.z) : unravel(e, ned); // (kw, kh, ic, oc)
    const ivec4 nbx = pc.P.nb[SRC0], nbg = pc.P.nb[SRC1];
    F32 x = F32(pc.P.addr[SRC0]), g = F32(pc.P.addr[SRC1]);
    const int xbase = k.z * nbx.z, gbase = k.w * nbg.z;
    const int KW = all_taps ? ned.x : 1, KH = all_taps ? ned.y : 1; // taps per workgroup
    // Invocation l takes terms l, l + WG, ... of the sum in (ow, oh, n) order; the coordinates
    // advance by WG terms without a division per term.
    const ivec4 terms = ivec4(neg.x, neg.y, neg.w, 1), step = unravel(WG, terms);
    float acc[TMAX * TMAX];
    for (int t = 0; t < TMAX * TMAX; ++t) acc[t] = 0.0;
    for (ivec4 j = unravel(int(gl_LocalInvocationID.x), terms); j.w < 1; j = advance(j, step, terms)) {
        const int ow = j.x, oh = j.y, n = j.z;
        const float gv = g.v[gbase + n * nbg.w + oh * nbg.y + ow * nbg.x];
        const int xn = xbase + n * nbx.w;
        for (int kh = 0; kh < TMAX; ++kh) {
            const int ih = oh * s1 + (k.y + kh) * d1 - p1;
            if (kh >= KH || ih < 0 || ih >= nex.y) continue;
            for (int kw = 0; kw < TMAX; ++kw) {
                const int iw = ow * s0 + (k.x + kw) * d0 - p0;
                if (kw >= KW || iw < 0 || iw >= nex.x) continue;
                acc[kh * TMAX + kw] += x.v[xn + ih * nbx.y + iw * nbx.x] * gv;
            }
        }
    }
    for (int kh = 0; kh < TMAX; ++kh)
        for (int kw = 0; kw < TMAX; ++kw) {
            if (kh >= KH || kw >= KW) continue; // the same for the whole workgroup
            const float total = workgroup_sum(acc[kh * TMAX + kw]);
            if (gl_LocalInvocationID.x == 0) st(ivec4(k.x + kw, k.y + kh, k.zw), total);
            barrier(); // wg_part is reused by the next tap
        }
}
