// Gradient rules of the element-wise, reduction, copy and layout ops against central finite
// differences. Each loss is sum(op(x) * r) with a fixed random r, so every output element gets
// a different weight and the gradients are non-trivial.

#include "op-harness.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using oph::layout;

static ggml_tensor * new_param(ggml_context * ctx, const int64_t ne[4], uint32_t seed, double lo = -1.0, double hi = 1.0) {
    ggml_tensor * t = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, ne[0], ne[1], ne[2], ne[3]);
    oph::fill_random(t, seed, lo, hi);
    return t;
}

// Moves values away from points where the op has a kink, where finite differences are wrong.
static void avoid_kinks(ggml_tensor * t, const std::vector<double> & kinks) {
    std::vector<double> v = oph::read(t);
    for (double & x : v) {
        for (double k : kinks) {
            if (std::fabs(x - k) < 0.05) x = k + (x < k ? -0.1 : 0.1);
        }
    }
    oph::write(t, v);
}

static uint32_t g_weight_seed = 1000;

// sum(y * r) with r random of y's shape
static ggml_tensor * weighted_sum(ggml_context * ctx, ggml_tensor * y) {
    ggml_tensor * r = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, y->ne[0], y->ne[1], y->ne[2], y->ne[3]);
    oph::fill_random(r, g_weight_seed++, -1.0, 1.0);
    return ggml_sum(ctx, ggml_mul(ctx, y, r));
}

using unary_builder = ggml_tensor * (*)(ggml_context *, ggml_tensor *);

// d/dx of sum(f(x) * r)
static void grad_unary(const char * what, const int64_t ne[4], unary_builder f, double lo = -1.0, double hi = 1.0,
                       const std::vector<double> & kinks = {}, oph::grad_check_options opt = {}) {
    ggml_context * ctx = oph::new_context(32u << 20);
    ggml_tensor * x = new_param(ctx, ne, 7, lo, hi);
    avoid_kinks(x, kinks);
    oph::check_grad(what, ctx, {x}, [f](ggml_context * c, const std::vector<ggml_tensor *> & p) {
        return weighted_sum(c, f(c, p[0]));
    }, opt);
    ggml_free(ctx);
}

static const int64_t NE_SMALL[4] = {5, 3, 2, 1};
static const int64_t NE_ODD[4]   = {7, 1, 3, 2};

// ---------------------------------------------------------------------------------------------

static void test_binary() {
    struct binary_case {
        const char * name;
        ggml_tensor * (*op)(ggml_context *, ggml_tensor *, ggml_tensor *);
    };
    const binary_case ops[] = {{"add", ggml_add}, {"sub", ggml_sub}, {"mul", ggml_mul}, {"div", ggml_div}};
    const int64_t na[4] = {6, 4, 3, 1};
    const int64_t b_shapes[][4] = {{6, 4, 3, 1}, {6, 1, 1, 1}, {1, 4, 1, 1}, {1, 1, 1, 1}, {3, 2, 3, 1}};
    for (const binary_case & bc : ops) {
        for (const auto & nb : b_shapes) {
            ggml_context * ctx = oph::new_context(32u << 20);
            ggml_tensor * a = new_param(ctx, na, 11);
            ggml_tensor * b = new_param(ctx, nb, 12, 0.5, 2.0);
            char what[96];
            snprintf(what, sizeof what, "%s with b [%lld, %lld, %lld, %lld]", bc.name, (long long) nb[0], (long long) nb[1],
                     (long long) nb[2], (long long) nb[3]);
            auto op = bc.op;
            oph::check_grad(what, ctx, {a, b}, [op](ggml_context * c, const std::vector<ggml_tensor *> & p) {
                return weighted_sum(c, op(c, p[0], p[1]));
            });
            ggml_free(ctx);
        }
        // non-contiguous first operand, and the same tensor on both sides
        ggml_context * ctx = oph::new_context(32u << 20);
        ggml_tensor * a = new_param(ctx, NE_SMALL, 13, 0.5, 2.0);
        auto op = bc.op;
        std::string what = std::string(bc.name) + " of a transposed operand";
        oph::check_grad(what.c_str(), ctx, {a}, [op](ggml_context * c, const std::vector<ggml_tensor *> & p) {
            ggml_tensor * t = ggml_transpose(c, p[0]);
            return weighted_sum(c, op(c, t, ggml_cont(c, t)));
        });
        ggml_free(ctx);
    }

    ggml_context * ctx = oph::new_context(32u << 20);
    ggml_tensor * a = new_param(ctx, NE_ODD, 14);
    const int64_t one[4] = {1, 1, 1, 1};
    ggml_tensor * b = new_param(ctx, one, 15);
    oph::check_grad("add1", ctx, {a, b}, [](ggml_context * c, const std::vector<ggml_tensor *> & p) {
        return weighted_sum(c, ggml_sqr(c, ggml_add1(c, p[0], p[1])));
    });
    ggml_free(ctx);
}

static void test_math() {
    grad_unary("sqr", NE_ODD, ggml_sqr);
    grad_unary("sqrt", NE_ODD, ggml_sqrt, 0.3, 2.0);
    grad_unary("log", NE_ODD, ggml_log, 0.3, 2.0);
    grad_unary("scale", NE_ODD, [](ggml_context * c, ggml_tensor * x) { return ggml_scale(c, x, -1.75f); });
}

static void test_unary() {
    const std::vector<double> zero = {0.0}, three = {-3.0, 3.0};
    grad_unary("abs", NE_SMALL, ggml_abs, -2, 2, zero);
    grad_unary("neg", NE_SMALL, ggml_neg);
    grad_unary("tanh", NE_SMALL, ggml_tanh, -2, 2);
    grad_unary("elu", NE_SMALL, ggml_elu, -2, 2, zero);
    grad_unary("relu", NE_SMALL, ggml_relu, -2, 2, zero);
    grad_unary("sigmoid", NE_SMALL, ggml_sigmoid, -4, 4);
    grad_unary("gelu", NE_ODD, ggml_gelu, -4, 4);
    grad_unary("gelu_quick", NE_ODD, ggml_gelu_quick, -4, 4);
    grad_unary("silu", NE_ODD, ggml_silu, -4, 4);
    grad_unary("hardswish", NE_ODD, ggml_hardswish, -5, 5, three);
    grad_unary("hardsigmoid", NE_ODD, ggml_hardsigmoid, -5, 5, three);
    grad_unary("exp", NE_SMALL, ggml_exp, -2, 2);
    // activations of a permuted view
    grad_unary("gelu of a permutation", NE_ODD, [](ggml_context * c, ggml_tensor * x) {
        return ggml_gelu(c, ggml_permute(c, x, 2, 0, 1, 3));
    }, -3, 3);
}

static void test_reduce() {
    grad_unary("sum", NE_ODD, [](ggml_context * c, ggml_tensor * x) { return ggml_sum(c, ggml_sqr(c, x)); });
    grad_unary("sum_rows", NE_ODD, ggml_sum_rows);
    grad_unary("mean", NE_ODD, ggml_mean);
    grad_unary("sum_rows of a transposition", NE_SMALL, [](ggml_context * c, ggml_tensor * x) {
        return ggml_sum_rows(c, ggml_transpose(c, x));
    });
    const int64_t small[4] = {3, 1, 2, 1};
    grad_unary("repeat", small, [](ggml_context * c, ggml_tensor * x) {
        return ggml_repeat(c, x, ggml_new_tensor_4d(c, GGML_TYPE_F32, 6, 4, 2, 2));
    });
    const int64_t big[4] = {6, 4, 2, 2};
    grad_unary("repeat_back", big, [](ggml_context * c, ggml_tensor * x) {
        return ggml_repeat_back(c, x, ggml_new_tensor_4d(c, GGML_TYPE_F32, 3, 2, 1, 1));
    });
}

static void test_copy_and_layout() {
    const int64_t ne[4] = {4, 3, 5, 1};
    grad_unary("dup", ne, ggml_dup);
    grad_unary("cont of a transposition", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_cont(c, ggml_transpose(c, x)); });
    grad_unary("cont_2d", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_cont_2d(c, ggml_permute(c, x, 1, 2, 0, 3), 15, 4); });
    grad_unary("cpy", ne, [](ggml_context * c, ggml_tensor * x) {
        return ggml_cpy(c, ggml_transpose(c, x), ggml_new_tensor_2d(c, GGML_TYPE_F32, 5, 12));
    });
    grad_unary("reshape_2d", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_reshape_2d(c, x, 6, 10); });
    grad_unary("reshape_4d", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_reshape_4d(c, x, 2, 2, 3, 5); });
    grad_unary("permute", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_permute(c, x, 2, 0, 1, 3); });
    grad_unary("permute 1302", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_permute(c, x, 1, 3, 0, 2); });
    grad_unary("transpose", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_transpose(c, x); });
    grad_unary("view_1d", ne, [](ggml_context * c, ggml_tensor * x) { return ggml_view_1d(c, x, 7, 5 * sizeof(float)); });
    grad_unary("view_2d", ne, [](ggml_context * c, ggml_tensor * x) {
        return ggml_view_2d(c, x, 2, 3, x->nb[1], 1 * sizeof(float) + x->nb[2]);
    });
    grad_unary("view_3d", ne, [](ggml_context * c, ggml_tensor * x) {
        return ggml_view_3d(c, x, 3, 2, 2, x->nb[1], 2 * x->nb[2], x->nb[1]);
    });
    grad_unary("two overlapping views", ne, [](ggml_context * c, ggml_tensor * x) {
        ggml_tensor * v1 = ggml_view_2d(c, x, 4, 3, x->nb[1], 0);
        ggml_tensor * v2 = ggml_view_2d(c, x, 4, 3, x->nb[1], x->nb[1]);
        return ggml_mul(c, v1, v2);
    });

    ggml_context * ctx = oph::new_context(32u << 20);
    ggml_tensor * a = new_param(ctx, ne, 21);
    const int64_t nb[4] = {2, 2, 3, 1};
    ggml_tensor * b = new_param(ctx, nb, 22);
    oph::check_grad("acc", ctx, {a, b}, [](ggml_context * c, const std::vector<ggml_tensor *> & p) {
        ggml_tensor * x = p[0];
        return weighted_sum(c, ggml_sqr(c, ggml_acc(c, x, p[1], x->nb[1], x->nb[2], x->nb[3], x->nb[0] + x->nb[1])));
    });
    ggml_free(ctx);
}

int main() {
    test_binary();
    test_math();
    test_unary();
    test_reduce();
    test_copy_and_layout();
    return oph::finish();
}
