#version 450
// The direct 2-D convolution and its input gradient, CB output channels of one pixel per
// invocation, which share each input value they read (see src/ops/conv_2d.cpp for the definitions). i[0] = (mode, s0, s1, p0), i[1] = (p1, d0, d1, -).
// mode 0 (conv_2d):            dst Y [OW, OH, OC, N], src0 K [KW, KH, IC, OC], src1 X [IW, IH, IC, N]
// mode 1 (conv_2d_back_input): dst dX [IW, IH, IC, N], src0 K, src1 dY [OW, OH, OC, N]
// The kernel gradient, a reduction over the batch, is conv_2d_back_kernel.comp.
// The channel loop is innermost: the kernel taps and their bounds (and, for the input gradient,
// the stride's divisibility test) are worked out once per tap, not once per channel, and the
// tensors' addresses and strides are held in registers.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

#define CB 4

void main() {
    const int idx = int(linear_id());
    const ivec4 ned = pc.P.ne[DST];
    const ivec4 blocks = ivec4(ned.xy, (ned.z + CB - 1) / CB, ned.w); // invocations
    if (idx >= nelements(blocks)) return;
    const int s0 = pc.P.i[0].y, s1 = pc.P.i[0].z, p0 = pc.P.i[0].w, p1 = pc.P.i[1].x, d0 = pc.P.i[1].y, d1 = pc.P.i[1].z;
    const ivec4 nek = pc.P.ne[SRC0], ne1 = pc.P.ne[SRC1];
    const ivec4 nbk = pc.P.nb[SRC0], nb1 = pc.P.nb[SRC1];
    F32 kt = F32(pc.P.addr[SRC0]), src = F32(pc.P.addr[SRC1]);
    const int KW = nek.x, KH = nek.y;
    ivec4 c = unravel(idx, blocks);
    c.z *= CB; // first output channel
    const int nc = min(CB, ned.z - c.z);
    float acc[CB];
    for (int q = 0; q < CB; ++q) acc[q] = 0.0;
    if (pc.P.i[0].x == 0) {
        const int kbase = c.z * nbk.w, xbase = c.w * nb1.w;
        for (int kh = 0; kh < KH; ++kh) {
            const int ih = c.y * s1 + kh * d1 - p1;
            if (ih < 0 || ih >= ne1.y) continue;
            for (int kw = 0; kw < KW; ++kw) {
                const int iw = c.x * s0 + kw * d0 - p0;
                if (iw < 0 || iw >= ne1.x) continue;
                int ko = kbase + kh * nbk.y + kw * nbk.x, xo = xbase + ih * nb1.y + iw * nb1.x;
                for (int ic = 0; ic < nek.z; ++ic, ko += nbk.z, xo += nb1.z) {
                    const float xv = src.v[xo];
                    for (int q = 0; q < CB; ++q) {
                        if (q < nc) acc[q] += kt.v[ko + q * nbk.w] * xv;
                    }
                }
            }
        }
    } else {
        // the outputs (ow, oh) whose tap (kw, kh) reads input (c.x, c.y): ow*s0 = c.x + p0 - kw*d0
        const int kbase = c.z * nbk.z, gbase = c.w * nb1.w;
        for (int kh = 0; kh < KH; ++kh) {
            const int th = c.y + p1 - kh * d1;
            if (th < 0 || th % s1 != 0 || th / s1 >= ne1.y) continue;
            for (int kw = 0; kw < KW; ++kw) {
                const int tw = c.x + p0 - kw * d0;
                if (tw < 0 || tw % s0 != 0 || tw / s0 >= ne1.x) continue;
                int ko = kbase + kh * nbk.y + kw * nbk.x, go = gbase + (th / s1) * nb1.y + (tw / s0) * nb1.x;
                for (int oc = 0; oc < nek.w; ++oc, ko += nbk.w, go += nb1.z) {
                    const float gv = src.v[go];
                    for (int q = 0; q < CB; ++q) {
                        if (q < nc) acc[q] += kt.v[ko + q * nbk.z] * gv;
                    }
                }
            }
        }
    }
    for (int q = 0; q < nc; ++q) st(ivec4(c.xy, c.z + q, c.w), acc[q]);
}
