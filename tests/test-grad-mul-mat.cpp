// Gradient rules of mul_mat and out_prod against central finite differences: plain matrices,
// a transposed operand, batches, and an operand broadcast over dims 2 and 3 (whose gradient
// sums the batches that shared it).

#include "op-harness.h"

#include <vector>

static ggml_tensor * param(ggml_context * ctx, int64_t ne0, int64_t ne1, int64_t ne2 = 1, int64_t ne3 = 1) {
    static uint32_t seed = 100;
    ggml_tensor * t = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, ne0, ne1, ne2, ne3);
    oph::fill_random(t, seed++);
    return t;
}

// A loss that is not linear in the product and weighs its elements differently.
static ggml_tensor * loss_of(ggml_context * ctx, ggml_tensor * y, ggml_tensor * w) {
    return ggml_sum(ctx, ggml_mul(ctx, ggml_sqr(ctx, y), w));
}

static void check_mul_mat(const char * what, int64_t K, int64_t M, int64_t N, int64_t a2, int64_t a3, int64_t b2, int64_t b3,
                          bool transpose_a = false) {
    ggml_context * ctx = oph::new_context();
    ggml_tensor * a = transpose_a ? param(ctx, M, K, a2, a3) : param(ctx, K, M, a2, a3);
    ggml_tensor * b = param(ctx, K, N, b2, b3);
    ggml_tensor * w = param(ctx, M, N, b2, b3);
    oph::check_grad(what, ctx, {a, b}, [&](ggml_context * c, const std::vector<ggml_tensor *> & p) {
        ggml_tensor * x = transpose_a ? ggml_transpose(c, p[0]) : p[0];
        return loss_of(c, ggml_mul_mat(c, x, p[1]), w);
    });
    ggml_free(ctx);
}

static void check_out_prod(const char * what, int64_t M, int64_t N, int64_t K, int64_t a2, int64_t a3, int64_t b2, int64_t b3) {
    ggml_context * ctx = oph::new_context();
    ggml_tensor * a = param(ctx, M, K, a2, a3);
    ggml_tensor * b = param(ctx, N, K, b2, b3);
    ggml_tensor * w = param(ctx, M, N, b2, b3);
    oph::check_grad(what, ctx, {a, b}, [&](ggml_context * c, const std::vector<ggml_tensor *> & p) {
        return loss_of(c, ggml_out_prod(c, p[0], p[1]), w);
    });
    ggml_free(ctx);
}

int main() {
    check_mul_mat("mul_mat 2-D", 5, 4, 3, 1, 1, 1, 1);
    check_mul_mat("mul_mat odd sizes", 7, 9, 6, 1, 1, 1, 1);
    check_mul_mat("mul_mat transposed a", 5, 4, 3, 1, 1, 1, 1, true);
    check_mul_mat("mul_mat batched", 4, 3, 2, 2, 3, 2, 3);
    check_mul_mat("mul_mat a broadcast over dim 2", 4, 3, 2, 2, 1, 4, 1);
    check_mul_mat("mul_mat a broadcast over dims 2 and 3", 3, 3, 2, 1, 2, 2, 4);
    check_out_prod("out_prod 2-D", 4, 3, 5, 1, 1, 1, 1);
    check_out_prod("out_prod batched", 3, 4, 2, 2, 1, 2, 1);
    check_out_prod("out_prod a broadcast over dims 2 and 3", 3, 2, 4, 2, 1, 4, 2);
    return oph::finish();
}
