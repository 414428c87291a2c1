// The op -> shader table of the Vulkan backend and each entry's predicate and parameters.

#include "vulkan/vulkan-kernels.h"
#include "core/ggml-impl.h"

#include <algorithm>
#include <cstring>

namespace {

constexpr uint32_t WG = 256; // local size of the one-dimensional shaders

// Enough workgroups of WG invocations for n invocations, spread over x and y.
vk_grid linear_grid(int64_t n, uint32_t max_x) {
    const uint64_t groups = std::max<uint64_t>(1, ((uint64_t) n + WG - 1) / WG);
    const uint32_t x = (uint32_t) std::min<uint64_t>(groups, max_x);
    return {x, (uint32_t) ((groups + x - 1) / x), 1};
}

vk_grid groups_grid(int64_t groups, uint32_t max_x) {
    const uint32_t x = (uint32_t) std::min<uint64_t>(std::max<int64_t>(groups, 1), max_x);
    return {x, (uint32_t) ((std::max<int64_t>(groups, 1) + x - 1) / x), 1};
}

bool all_f32(const ggml_tensor * t) {
    if (t->type != GGML_TYPE_F32) return false;
    for (int i = 0; i < GGML_MAX_SRC && t->src[i]; ++i) {
        if (t->src[i]->type != GGML_TYPE_F32) return false;
    }
    return true;
}

// The shaders index with 32-bit integers.
bool fits_i32(const ggml_tensor * t) { return ggml_nelements(t) < INT32_MAX && ggml_nbytes(t) / 4 < INT32_MAX; }

bool sizes_fit(const ggml_tensor * t) {
    if (!fits_i32(t)) return false;
    for (int i = 0; i < GGML_MAX_SRC && t->src[i]; ++i) {
        if (!fits_i32(t->src[i])) return false;
    }
    return true;
}

// --- elementwise --------------------------------------------------------------------------

bool binary_supports(const ggml_tensor * t) {
    return all_f32(t) && sizes_fit(t) && ggml_can_repeat(t->src[1], t->src[0]) && ggml_are_same_shape(t, t->src[0]);
}
vk_grid binary_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    switch (t->op) {
        case GGML_OP_ADD: p.i[0] = 0; break;
        case GGML_OP_SUB: p.i[0] = 1; break;
        case GGML_OP_MUL: p.i[0] = 2; break;
        default:          p.i[0] = 3; break;
    }
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

// unary.comp function codes
enum { U_COPY, U_SCALE, U_RELU, U_STEP, U_NEG, U_SQR, U_SQRT, U_LOG, U_EXP, U_TANH, U_SIGMOID, U_ABS, U_SGN };

int unary_code(const ggml_tensor * t) {
    switch (t->op) {
        case GGML_OP_SCALE: return U_SCALE;
        case GGML_OP_SQR:   return U_SQR;
        case GGML_OP_SQRT:  return U_SQRT;
        case GGML_OP_LOG:   return U_LOG;
        case GGML_OP_UNARY:
            switch (ggml_get_unary_op(t)) {
                case GGML_UNARY_OP_RELU:    return U_RELU;
                case GGML_UNARY_OP_STEP:    return U_STEP;
                case GGML_UNARY_OP_NEG:     return U_NEG;
                case GGML_UNARY_OP_EXP:     return U_EXP;
                case GGML_UNARY_OP_TANH:    return U_TANH;
                case GGML_UNARY_OP_SIGMOID: return U_SIGMOID;
                case GGML_UNARY_OP_ABS:     return U_ABS;
                case GGML_UNARY_OP_SGN:     return U_SGN;
                default:                    return -1;
            }
        default: return U_COPY;
    }
}

bool unary_supports(const ggml_tensor * t) {
    return all_f32(t) && sizes_fit(t) && unary_code(t) >= 0 && ggml_are_same_shape(t, t->src[0]);
}
vk_grid unary_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = unary_code(t);
    p.i[1] = 0;
    if (t->op == GGML_OP_SCALE) {
        p.f[0] = ggml_get_op_params_f32(t, 0);
        p.f[1] = ggml_get_op_params_f32(t, 1);
    }
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

// dup / cont / cpy: same element count, any layouts, row-major order preserved
bool copy_supports(const ggml_tensor * t) {
    return t->type == GGML_TYPE_F32 && t->src[0]->type == GGML_TYPE_F32 && sizes_fit(t) &&
           ggml_nelements(t) == ggml_nelements(t->src[0]);
}
vk_grid copy_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = U_COPY;
    p.i[1] = 1;
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

bool repeat_supports(const ggml_tensor * t) {
    return all_f32(t) && sizes_fit(t) && ggml_can_repeat(t->src[0], t);
}
vk_grid repeat_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = U_COPY;
    p.i[1] = 0;
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

bool repeat_back_supports(const ggml_tensor * t) {
    return all_f32(t) && sizes_fit(t) && ggml_can_repeat(t, t->src[0]);
}
vk_grid one_group_per_element(const ggml_tensor * t, vk_params &, const vk_limits & lim) { return groups_grid(ggml_nelements(t), lim.max_groups_x); }

// --- matrix products ------------------------------------------------------------------------

bool mul_mat_supports(const ggml_tensor * t) {
    const ggml_tensor * a = t->src[0];
    const ggml_tensor * b = t->src[1];
    return all_f32(t) && sizes_fit(t) && b->ne[2] % a->ne[2] == 0 && b->ne[3] % a->ne[3] == 0 &&
           t->ne[2] * t->ne[3] <= 65535;
}
vk_grid mul_mat_setup(const ggml_tensor * t, vk_params & p, const vk_limits &) {
    // mul_mat.comp: one workgroup per 64x64 output tile; i[0].x = 1 for out_prod
    p.i[0] = t->op == GGML_OP_OUT_PROD;
    return {(uint32_t) ((t->ne[0] + 63) / 64), (uint32_t) ((t->ne[1] + 63) / 64), (uint32_t) (t->ne[2] * t->ne[3])};
}

bool out_prod_supports(const ggml_tensor * t) {
    const ggml_tensor * a = t->src[0];
    return all_f32(t) && sizes_fit(t) && t->ne[2] % a->ne[2] == 0 && t->ne[3] % a->ne[3] == 0 &&
           t->ne[2] * t->ne[3] <= 65535;
}

// --- reductions -------------------------------------------------------------------------------

bool reduce_supports(const ggml_tensor * t) { return all_f32(t) && sizes_fit(t); }
vk_grid reduce_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = t->op == GGML_OP_SUM ? 1 : t->op == GGML_OP_MEAN ? 2 : 0;
    return groups_grid(t->op == GGML_OP_SUM ? 1 : ggml_nrows(t->src[0]), lim.max_groups_x);
}

bool argmax_supports(const ggml_tensor * t) {
    return t->src[0]->type == GGML_TYPE_F32 && t->type == GGML_TYPE_I32 && sizes_fit(t) && ggml_is_matrix(t->src[0]);
}
vk_grid argmax_setup(const ggml_tensor * t, vk_params &, const vk_limits & lim) { return linear_grid(t->src[0]->ne[1], lim.max_groups_x); }

bool count_equal_supports(const ggml_tensor * t) {
    return t->src[0]->type == GGML_TYPE_I32 && t->src[1]->type == GGML_TYPE_I32 && t->type == GGML_TYPE_I64 && sizes_fit(t);
}
vk_grid single_group(const ggml_tensor *, vk_params &, const vk_limits &) { return {1, 1, 1}; }

// --- loss -------------------------------------------------------------------------------------

bool cross_entropy_supports(const ggml_tensor * t) { return all_f32(t) && sizes_fit(t); }
vk_grid cross_entropy_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = 0;
    return {1, 1, 1};
}
vk_grid cross_entropy_back_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = 1;
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

// --- optimizer --------------------------------------------------------------------------------

bool opt_step_supports(const ggml_tensor * t) {
    for (int i = 0; i < GGML_MAX_SRC && t->src[i]; ++i) {
        if (t->src[i]->type != GGML_TYPE_F32 || !ggml_is_contiguous(t->src[i])) return false;
    }
    return sizes_fit(t);
}
vk_grid adamw_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = 0;
    return linear_grid(ggml_nelements(t->src[0]), lim.max_groups_x);
}
vk_grid sgd_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    p.i[0] = 1;
    return linear_grid(ggml_nelements(t->src[0]), lim.max_groups_x);
}

// --- pooling ----------------------------------------------------------------------------------

bool pool_supports(const ggml_tensor * t) { return all_f32(t) && sizes_fit(t); }
vk_grid pool_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    const int32_t * op = t->op_params; // ggml_op_pool, k0, k1, s0, s1, p0, p1
    p.i[0] = t->op == GGML_OP_POOL_2D ? 0 : 1;
    p.i[1] = op[0] == GGML_OP_POOL_MAX;
    p.i[2] = op[1];
    p.i[3] = op[2];
    p.i[4] = op[3];
    p.i[5] = op[4];
    p.i[6] = op[5];
    p.i[7] = op[6];
    if (t->op == GGML_OP_POOL_2D_BACK && op[1] <= op[3] && op[2] <= op[4]) {
        // windows without overlap: pool.comp mode 2, one invocation per cell (as its back_cells)
        const ggml_tensor * g = t->src[0];
        p.i[0] = 2;
        const int64_t cx = std::max<int64_t>(g->ne[0], (t->ne[0] + op[5] + op[3] - 1) / op[3]);
        const int64_t cy = std::max<int64_t>(g->ne[1], (t->ne[1] + op[6] + op[4] - 1) / op[4]);
        return linear_grid(cx * cy * t->ne[2] * t->ne[3], lim.max_groups_x);
    }
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

// --- convolution --------------------------------------------------------------------------------

// conv_2d.comp, conv_2d_back_kernel.comp and im2col.comp read the op's first six parameters
// (s0, s1, p0, p1, d0, d1) from i[1..6] and their mode from i[0].
void conv_params_to(const ggml_tensor * t, vk_params & p, int mode) {
    p.i[0] = mode;
    for (int k = 0; k < 6; ++k) p.i[1 + k] = t->op_params[k];
}

bool conv_supports(const ggml_tensor * t) { return all_f32(t) && sizes_fit(t); }
vk_grid conv_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    conv_params_to(t, p, t->op == GGML_OP_CONV_2D ? 0 : 1);
    // conv_2d.comp: one invocation per pixel and block of 4 channels
    return linear_grid(t->ne[0] * t->ne[1] * ((t->ne[2] + 3) / 4) * t->ne[3], lim.max_groups_x);
}
vk_grid conv_back_kernel_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    conv_params_to(t, p, 0);
    // conv_2d_back_kernel.comp: kernels up to 3x3 take one workgroup per (ic, oc) for all taps
    // where that still keeps the device busy (on a GPU MNIST's conv2 does, 128 pairs, while conv1,
    // 8 pairs, keeps one workgroup per weight, 72; on lavapipe both take the all-taps path)
    p.i[7] = t->ne[0] <= 3 && t->ne[1] <= 3 && t->ne[2] * t->ne[3] >= lim.busy_groups;
    return groups_grid(p.i[7] ? t->ne[2] * t->ne[3] : ggml_nelements(t), lim.max_groups_x);
}

// 2-D only; the kernel (src0) gives only its shape, so its type does not matter.
bool im2col_supports(const ggml_tensor * t) {
    return t->op_params[6] == 1 && t->type == GGML_TYPE_F32 && t->src[1]->type == GGML_TYPE_F32 && sizes_fit(t);
}
vk_grid im2col_setup(const ggml_tensor * t, vk_params & p, const vk_limits & lim) {
    conv_params_to(t, p, t->op == GGML_OP_IM2COL ? 0 : 1);
    return linear_grid(ggml_nelements(t), lim.max_groups_x);
}

struct table_entry {
    ggml_op   op;
    vk_kernel kernel;
};

const table_entry TABLE[] = {
    {GGML_OP_ADD, {"binary", binary_supports, binary_setup, 0}},
    {GGML_OP_SUB, {"binary", binary_supports, binary_setup, 0}},
    {GGML_OP_MUL, {"binary", binary_supports, binary_setup, 0}},
    {GGML_OP_DIV, {"binary", binary_supports, binary_setup, 0}},
    {GGML_OP_SCALE, {"unary", unary_supports, unary_setup, 0}},
    {GGML_OP_SQR, {"unary", unary_supports, unary_setup, 0}},
    {GGML_OP_SQRT, {"unary", unary_supports, unary_setup, 0}},
    {GGML_OP_LOG, {"unary", unary_supports, unary_setup, 0}},
    {GGML_OP_UNARY, {"unary", unary_supports, unary_setup, 0}},
    {GGML_OP_DUP, {"unary", copy_supports, copy_setup, 0}},
    {GGML_OP_CONT, {"unary", copy_supports, copy_setup, 0}},
    {GGML_OP_CPY, {"unary", copy_supports, copy_setup, 0}},
    {GGML_OP_REPEAT, {"unary", repeat_supports, repeat_setup, 0}},
    {GGML_OP_REPEAT_BACK, {"repeat_back", repeat_back_supports, one_group_per_element, 0}},
    {GGML_OP_MUL_MAT, {"mul_mat", mul_mat_supports, mul_mat_setup, 0}},
    {GGML_OP_OUT_PROD, {"mul_mat", out_prod_supports, mul_mat_setup, 0}},
    {GGML_OP_SUM, {"reduce", reduce_supports, reduce_setup, 0}},
    {GGML_OP_SUM_ROWS, {"reduce", reduce_supports, reduce_setup, 0}},
    {GGML_OP_MEAN, {"reduce", reduce_supports, reduce_setup, 0}},
    {GGML_OP_ARGMAX, {"argmax", argmax_supports, argmax_setup, 0}},
    {GGML_OP_COUNT_EQUAL, {"count_equal", count_equal_supports, single_group, 0}},
    {GGML_OP_CROSS_ENTROPY_LOSS, {"cross_entropy", cross_entropy_supports, cross_entropy_setup, 0}},
    {GGML_OP_CROSS_ENTROPY_LOSS_BACK, {"cross_entropy", cross_entropy_supports, cross_entropy_back_setup, 0}},
    {GGML_OP_POOL_2D, {"pool", pool_supports, pool_setup, 0}},
    {GGML_OP_POOL_2D_BACK, {"pool", pool_supports, pool_setup, 0}},
    {GGML_OP_CONV_2D, {"conv_2d", conv_supports, conv_setup, 0}},
    {GGML_OP_CONV_2D_BACK_INPUT, {"conv_2d", conv_supports, conv_setup, 0}},
    {GGML_OP_CONV_2D_BACK_KERNEL, {"conv_2d_back_kernel", conv_supports, conv_back_kernel_setup, 0}},
    {GGML_OP_IM2COL, {"im2col", im2col_supports, im2col_setup, 0}},
    {GGML_OP_IM2COL_BACK, {"im2col", im2col_supports, im2col_setup, 0}},
    {GGML_OP_OPT_STEP_ADAMW, {"opt_step", opt_step_supports, adamw_setup, 0x1 | 0x4 | 0x8}},
    {GGML_OP_OPT_STEP_SGD, {"opt_step", opt_step_supports, sgd_setup, 0x1}},
};

} // namespace

const vk_kernel * vk_find_kernel(const ggml_tensor * node) {
    for (const table_entry & e : TABLE) {
        if (e.op == node->op) return &e.kernel;
    }
    return nullptr;
}

bool vk_is_noop(const ggml_tensor * node) {
    switch (node->op) {
        case GGML_OP_NONE: case GGML_OP_VIEW: case GGML_OP_RESHAPE: case GGML_OP_PERMUTE: case GGML_OP_TRANSPOSE:
            return true;
        default:
            return false;
    }
}

bool vk_supports(const ggml_tensor * node) {
    if (vk_is_noop(node)) return true;
    const vk_kernel * k = vk_find_kernel(node);
    return k && k->supports(node);
}

std::vector<const char *> vk_kernel_shader_names() {
    std::vector<const char *> names;
    for (const table_entry & e : TABLE) {
        bool seen = false;
        for (const char * n : names) seen = seen || strcmp(n, e.kernel.shader) == 0;
        if (!seen) names.push_back(e.kernel.shader);
    }
    return names;
}
