#pragma once

// Op parameters shared by the pool definitions (src/ops/pool.cpp) and the kernels that
// run them.

#include "core/ggml-impl.h"

struct pool_params {
    ggml_op_pool op;
    int k0, k1, s0, s1, p0, p1;
};

inline pool_params get_pool_params(const ggml_tensor * t) {
    return {(ggml_op_pool) t->op_params[0], t->op_params[1], t->op_params[2], t->op_params[3],
            t->op_params[4], t->op_params[5], t->op_params[6]};
}

inline void set_pool_params(ggml_tensor * t, ggml_op_pool op, int k0, int k1, int s0, int s1, float p0, float p1) {
    const int32_t params[7] = {op, k0, k1, s0, s1, (int32_t) p0, (int32_t) p1};
    ggml_set_op_params(t, params, sizeof(params));
}
