#version 450
// dst[i0,i1,i2,i3] = sum_k src0[k,i0,i2/r2,i3/r3] * src1[k,i1,i2,i3]: 16x16 output tiles, the K
// dimension walked in steps of 16 through shared memory.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define TS 16
layout(local_size_x = TS, local_size_y = TS) in;

shared float ta[TS][TS + 1];
shared float tb[TS][TS + 1];

void main() {
    const ivec4 ned = pc.P.ne[DST], ne0 = pc.P.ne[SRC0], ne1 = pc.P.ne[SRC1];
    const ivec4 nb0 = pc.P.nb[SRC0], nb1 = pc.P.nb[SRC1];
    const int K = ne0.x;
    const int i2 = int(gl_WorkGroupID.z) % ned.z, i3 = int(gl_WorkGroupID.z) / ned.z;
    const int i02 = i2 / (ne1.z / ne0.z), i03 = i3 / (ne1.w / ne0.w);
    const int lx = int(gl_LocalInvocationID.x), ly = int(gl_LocalInvocationID.y);
    const int row0 = int(gl_WorkGroupID.x) * TS;   // dst i0 (rows of src0)
    const int row1 = int(gl_WorkGroupID.y) * TS;   // dst i1 (rows of src1)
    F32 a = F32(pc.P.addr[SRC0]);
    F32 b = F32(pc.P.addr[SRC1]);
    const int abase = i02 * nb0.z + i03 * nb0.w, bbase = i2 * nb1.z + i3 * nb1.w;
    float acc = 0.0;
    for (int k0 = 0; k0 < K; k0 += TS) {
        // thread (lx, ly) loads element k = k0 + lx of row row0 + ly (src0) and row1 + ly (src1)
        const int k = k0 + lx;
        const int ra = row0 + ly, rb = row1 + ly;
        ta[ly][lx] = (k < K && ra < ne0.y) ? a.v[abase + ra * nb0.y + k * nb0.x] : 0.0;
        tb[ly][lx] = (k < K && rb < ne1.y) ? b.v[bbase + rb * nb1.y + k * nb1.x] : 0.0;
        barrier();
        for (int kk = 0; kk < TS; ++kk) acc += ta[lx][kk] * tb[ly][kk];
        barrier();
    }
    const int o0 = row0 + lx, o1 = row1 + ly;
    if (o0 < ned.x && o1 < ned.y) st(ivec4(o0, o1, i2, i3), acc);
}
