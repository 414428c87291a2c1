#version 450
// i[0].x = 0 (mul_mat): dst[i0,i1,i2,i3] = sum_k src0[k,i0,i2/r2,i3/r3] * src1[k,i1,i2,i3]
// i[0].x = 1 (out_prod): dst[i0,i1,i2,i3] = sum_k src0[i0,k,i2/r2,i3/r3] * src1[i1,k,i2,i3]
// (the same product with the sources' first two dimensions swapped). 64x64 output tiles per
// workgroup of 16x16 invocations, each invocation accumulating a 4x4 block of them in registers
// (rows lx + 16*i, columns ly + 16*j: neighbouring invocations read neighbouring shared words).
// The K dimension is walked in steps of 16 through shared memory; each step costs 8 shared
// reads per 16 multiply-adds instead of 2 per one.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#define TS 16           // invocations per side, and the K step
#define R 4             // outputs per invocation per side
#define BT (TS * R)     // output tile side
layout(local_size_x = TS, local_size_y = TS) in;

// [k][row], one word of padding per k so that the tile loads hit different banks
shared float ta[TS][BT + 1];
shared float tb[TS][BT + 1];

void main() {
    const ivec4 ned = pc.P.ne[DST], ne0 = pc.P.ne[SRC0], ne1 = pc.P.ne[SRC1];
    const ivec4 nb0 = pc.P.nb[SRC0], nb1 = pc.P.nb[SRC1], nbd = pc.P.nb[DST];
    // each source as rows of K elements: row count, row stride, element stride
    const bool outer = pc.P.i[0].x == 1;
    const int K = outer ? ne0.y : ne0.x;
    const int na = outer ? ne0.x : ne0.y, ars = outer ? nb0.x : nb0.y, aks = outer ? nb0.y : nb0.x;
    const int nb = outer ? ne1.x : ne1.y, brs = outer ? nb1.x : nb1.y, bks = outer ? nb1.y : nb1.x;
    const int i2 = int(gl_WorkGroupID.z) % ned.z, i3 = int(gl_WorkGroupID.z) / ned.z;
    const int i02 = i2 / (ne1.z / ne0.z), i03 = i3 / (ne1.w / ne0.w);
    const int lx = int(gl_LocalInvocationID.x), ly = int(gl_LocalInvocationID.y);
    const int t = ly * TS + lx;
    const int row0 = int(gl_WorkGroupID.x) * BT;   // dst i0 (rows of src0)
    const int row1 = int(gl_WorkGroupID.y) * BT;   // dst i1 (rows of src1)
    F32 a = F32(pc.P.addr[SRC0]);
    F32 b = F32(pc.P.addr[SRC1]);
    const int abase = i02 * nb0.z + i03 * nb0.w, bbase = i2 * nb1.z + i3 * nb1.w;
    float acc[R][R];
    for (int i = 0; i < R; ++i)
        for (int j = 0; j < R; ++j) acc[i][j] = 0.0;
    for (int k0 = 0; k0 < K; k0 += TS) {
        // the 256 invocations load the 16 x 64 elements of each tile, 4 each, q = t + 256*e:
        // element (k0 + q % 16, row + q / 16) for mul_mat, whose sources store K innermost, and
        // (k0 + q / 64, row + q % 64) for out_prod, whose sources store the rows innermost
        for (int e = 0; e < R; ++e) {
            const int q = t + e * TS * TS;
            const int kk = outer ? q / BT : q % TS, r = outer ? q % BT : q / TS;
            const int k = k0 + kk, ra = row0 + r, rb = row1 + r;
            ta[kk][r] = (k < K && ra < na) ? a.v[abase + ra * ars + k * aks] : 0.0;
            tb[kk][r] = (k < K && rb < nb) ? b.v[bbase + rb * brs + k * bks] : 0.0;
        }
        barrier();
        for (int kk = 0; kk < TS; ++kk) {
            float av[R], bv[R];
            for (int i = 0; i < R; ++i) av[i] = ta[kk][lx + TS * i];
            for (int j = 0; j < R; ++j) bv[j] = tb[kk][ly + TS * j];
            for (int i = 0; i < R; ++i)
                for (int j = 0; j < R; ++j) acc[i][j] += av[i] * bv[j];
        }
        barrier();
    }
    F32 d = F32(pc.P.addr[DST]);
    const int dbase = i2 * nbd.z + i3 * nbd.w;
    for (int j = 0; j < R; ++j) {
        const int o1 = row1 + ly + TS * j;
        if (o1 >= ned.y) break;
        for (int i = 0; i < R; ++i) {
            const int o0 = row0 + lx + TS * i;
            if (o0 < ned.x) d.v[dbase + o1 * nbd.y + o0 * nbd.x] = acc[i][j];
        }
    }
}
