#version 450
// 2-D pooling over the planes of a [W, H, C, N] tensor. i[0] = (mode, is_max, k0, k1),
// i[1] = (s0, s1, p0, p1). mode 0: dst = pool(src0), one output per invocation. mode 1
// (pool_2d_back): dst = gradient w.r.t. the input src1 from the output gradient src0, one input
// element per invocation, gathering from every window that covers it (max: only where it is the
// window's first maximum; avg: an equal share of the window, padding included, as the forward).
// mode 2: pool_2d_back when windows do not overlap (k <= s, as in MNIST's 2x2 stride-2 pooling):
// one invocation per s0 x s1 cell of the input (cell (ox, oy) starts where window (ox, oy) does);
// it reads the window once and writes the whole cell (zero outside the window, and in the cells
// past the last window).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

// mode 2, for invocation idx; dst dX [IW, IH, C, N], src0 dY [OW, OH, C, N], src1 X
void back_cells(int idx) {
    const bool is_max = pc.P.i[0].y != 0;
    const int k0 = pc.P.i[0].z, k1 = pc.P.i[0].w, s0 = pc.P.i[1].x, s1 = pc.P.i[1].y, p0 = pc.P.i[1].z, p1 = pc.P.i[1].w;
    const ivec4 ned = pc.P.ne[DST], neg = pc.P.ne[SRC0];
    // cells per row and column: the windows' and enough to reach the input's far edge
    const ivec4 cells = ivec4(max(neg.x, (ned.x + p0 + s0 - 1) / s0), max(neg.y, (ned.y + p1 + s1 - 1) / s1), ned.zw);
    if (idx >= nelements(cells)) return;
    const ivec4 c = unravel(idx, cells);
    const int ix0 = c.x * s0 - p0, iy0 = c.y * s1 - p1;
    const bool window = c.x < neg.x && c.y < neg.y;
    F32 x = F32(pc.P.addr[SRC1]);
    const ivec4 nbx = pc.P.nb[SRC1];
    const int xbase = c.z * nbx.z + c.w * nbx.w;
    // the window's first maximum, in the forward's scan order (rows, then columns)
    ivec2 at = ivec2(-1);
    float g = 0.0;
    if (window) {
        g = ld(SRC0, c);
        if (is_max) {
            float best = -3.402823466e38;
            for (int ky = max(0, -iy0); ky < min(k1, ned.y - iy0); ++ky)
                for (int kx = max(0, -ix0); kx < min(k0, ned.x - ix0); ++kx) {
                    const float v = x.v[xbase + (iy0 + ky) * nbx.y + (ix0 + kx) * nbx.x];
                    if (v > best) { best = v; at = ivec2(kx, ky); }
                }
        }
    }
    const float share = g / float(k0 * k1);
    for (int ky = max(0, -iy0); ky < min(s1, ned.y - iy0); ++ky)
        for (int kx = max(0, -ix0); kx < min(s0, ned.x - ix0); ++kx) {
            const bool in_window = window && kx < k0 && ky < k1;
            const float r = !in_window ? 0.0 : is_max ? (at == ivec2(kx, ky) ? g : 0.0) : share;
            st(ivec4(ix0 + kx, iy0 + ky, c.zw), r);
        }
}

void main() {
    const int idx = int(linear_id());
    if (pc.P.i[0].x == 2) { back_cells(idx); return; }
    const ivec4 ned = pc.P.ne[DST];
    if (idx >= nelements(ned)) return;
    const bool is_max = pc.P.i[0].y != 0;
    const int k0 = pc.P.i[0].z, k1 = pc.P.i[0].w, s0 = pc.P.i[1].x, s1 = pc.P.i[1].y, p0 = pc.P.i[1].z, p1 = pc.P.i[1].w;
    const ivec4 c = unravel(idx, ned);
    const int xs = pc.P.i[0].x == 0 ? SRC0 : SRC1;     // the pooled input
    const ivec4 nex = pc.P.ne[xs];
    if (pc.P.i[0].x == 0) {
        const int ix0 = c.x * s0 - p0, iy0 = c.y * s1 - p1;
        float res = is_max ? -3.402823466e38 : 0.0;
        for (int ky = max(0, -iy0); ky < min(k1, nex.y - iy0); ++ky)
            for (int kx = max(0, -ix0); kx < min(k0, nex.x - ix0); ++kx) {
                const float v = ld(SRC0, ivec4(ix0 + kx, iy0 + ky, c.z, c.w));
                res = is_max ? max(res, v) : res + v;
            }
        st(c, is_max ? res : res / float(k0 * k1));
        return;
    }
    const ivec4 neg = pc.P.ne[SRC0];
    float acc = 0.0;
    // windows oy with oy*s1 - p1 <= iy < oy*s1 - p1 + k1
    const int oy_lo = max(0, (c.y + p1 - k1 + s1) / s1), oy_hi = min(neg.y - 1, (c.y + p1) / s1);
    const int ox_lo = max(0, (c.x + p0 - k0 + s0) / s0), ox_hi = min(neg.x - 1, (c.x + p0) / s0);
    for (int oy = oy_lo; oy <= oy_hi; ++oy)
        for (int ox = ox_lo; ox <= ox_hi; ++ox) {
            const int ix0 = ox * s0 - p0, iy0 = oy * s1 - p1;
            if (c.x < ix0 || c.x >= ix0 + k0 || c.y < iy0 || c.y >= iy0 + k1) continue;
            const float g = ld(SRC0, ivec4(ox, oy, c.z, c.w));
            if (!is_max) { acc += g / float(k0 * k1); continue; }
            float best = -3.402823466e38;
            ivec2 at = ivec2(-1);
            for (int ky = max(0, -iy0); ky < min(k1, nex.y - iy0); ++ky)
                for (int kx = max(0, -ix0); kx < min(k0, nex.x - ix0); ++kx) {
                    const float v = ld(SRC1, ivec4(ix0 + kx, iy0 + ky, c.z, c.w));
                    if (v > best) { best = v; at = ivec2(ix0 + kx, iy0 + ky); }
                }
            if (at == c.xy) acc += g;
        }
    st(c, acc);
}
