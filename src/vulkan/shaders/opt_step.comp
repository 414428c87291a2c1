#version 450
// In-place optimizer steps on contiguous tensors. i[0].x = 0: AdamW with src0 = weights,
// src1 = gradient, src2 = first moment, src3 = second moment, src4 = 7 hyper-parameters
// (alpha, beta1, beta2, eps, wd, beta1h, beta2h). i[0].x = 1: SGD with src2 = (alpha, wd).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
layout(local_size_x = 256) in;

void main() {
    const int idx = int(linear_id());
    if (idx >= nelements(pc.P.ne[SRC0])) return;
    F32 w = F32(pc.P.addr[1]);
    const float g = F32(pc.P.addr[2]).v[idx];
    if (pc.P.i[0].x == 1) {
        F32 hp = F32(pc.P.addr[3]);
        const float alpha = hp.v[0], wd = hp.v[1];
        w.v[idx] = w.v[idx] * (1.0 - alpha * wd) - alpha * g;
        return;
    }
    F32 m = F32(pc.P.addr[3]);
    F32 v = F32(pc.P.addr[4]);
    F32 hp = F32(pc.P.addr[5]);
    const float alpha = hp.v[0], beta1 = hp.v[1], beta2 = hp.v[2], eps = hp.v[3], wd = hp.v[4];
    const float beta1h = hp.v[5], beta2h = hp.v[6];
    const float mi = m.v[idx] * beta1 + g * (1.0 - beta1);
    const float vi = v.v[idx] * beta2 + g * g * (1.0 - beta2);
    m.v[idx] = mi;
    v.v[idx] = vi;
    w.v[idx] = w.v[idx] * (1.0 - alpha * wd) - alpha * (mi * beta1h) / (sqrt(vi * beta2h) + eps);
}
