#pragma once

// Op parameters shared by the conv_2d definitions (src/ops/conv_2d.cpp) and the kernels that
// run them.

#include "core/ggml-impl.h"

struct conv_params {
    int s0, s1, p0, p1, d0, d1;
};

inline conv_params params_of(const ggml_tensor * t) {
    const int32_t * p = t->op_params;
    return {p[0], p[1], p[2], p[3], p[4], p[5]};
}

inline void set_params(ggml_tensor * t, const conv_params & c) {
    const int32_t p[6] = {c.s0, c.s1, c.p0, c.p1, c.d0, c.d1};
    ggml_set_op_params(t, p, sizeof(p));
}

inline int64_t output_size(int64_t in, int64_t k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }

// The shapes of one convolution, whichever of the three ops it comes from.
struct conv_shape {
    int64_t KW, KH, IC, OC, IW, IH, N, OW, OH;
};

inline conv_shape shape_of(const int64_t * kernel_ne, const int64_t * input_ne, const conv_params & c) {
    return {kernel_ne[0], kernel_ne[1], kernel_ne[2], kernel_ne[3], input_ne[0], input_ne[1], input_ne[3],
            output_size(input_ne[0], kernel_ne[0], c.s0, c.p0, c.d0), output_size(input_ne[1], kernel_ne[1], c.s1, c.p1, c.d1)};
}
