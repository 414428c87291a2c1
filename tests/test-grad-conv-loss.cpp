// Gradient rules of im2col, conv_2d (im2col + mul_mat + reshapes), conv_2d_direct, pool_2d and
// cross_entropy_loss against central finite differences of the forward graph, alone and chained
// the way a small convolutional classifier uses them.

#include "ggml.h"
#include "nn-test-helpers.h"
#include "op-harness.h"


#include <string>
#include <vector>

namespace {

// sum(y * w): a scalar whose gradient with respect to y is w, so every element of y matters.
ggml_tensor * weighted_sum(ggml_context * ctx, ggml_tensor * y, ggml_tensor * w) { return ggml_sum(ctx, ggml_mul(ctx, y, w)); }

using nnt::conv_case;
using nnt::conv_label;
using nnt::conv_out;

const std::vector<conv_case> k_cases = {
    {5, 5, 1, 1, 3, 3, 2, 1, 1, 1, 1, 1, 1},
    {6, 5, 2, 2, 3, 2, 3, 2, 1, 1, 0, 1, 1},
    {7, 6, 2, 1, 3, 3, 2, 1, 2, 2, 1, 2, 1},
    {4, 5, 3, 2, 1, 1, 2, 1, 1, 0, 0, 1, 1},
};

void test_im2col_grad() {
    uint32_t seed = 1;
    for (const conv_case & c : k_cases) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
        ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.IC, c.N);
        const int64_t OW = conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), OH = conv_out(c.IH, c.KH, c.s1, c.p1, c.d1);
        ggml_tensor * w = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW * c.KH * c.IC, OW, OH, c.N);
        oph::fill_random(x, seed++);
        oph::fill_random(w, seed++);
        oph::check_grad(conv_label("grad im2col wrt data", c).c_str(), ctx, {x}, [&](ggml_context * cx, const std::vector<ggml_tensor *> & p) {
            return weighted_sum(cx, ggml_im2col(cx, k, p[0], c.s0, c.s1, c.p0, c.p1, c.d0, c.d1, true, GGML_TYPE_F32), w);
        });
        ggml_free(ctx);
    }
    // 1-D
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * k = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 3, 2, 4);
        ggml_tensor * x = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 9, 2, 2);
        ggml_tensor * w = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 6, conv_out(9, 3, 2, 1, 1), 2);
        oph::fill_random(x, 50);
        oph::fill_random(w, 51);
        oph::check_grad("grad im2col 1-D wrt data", ctx, {x}, [&](ggml_context * cx, const std::vector<ggml_tensor *> & p) {
            return weighted_sum(cx, ggml_im2col(cx, k, p[0], 2, 0, 1, 0, 1, 0, false, GGML_TYPE_F32), w);
        });
        ggml_free(ctx);
    }
}

typedef ggml_tensor * (*conv_builder)(ggml_context *, ggml_tensor *, ggml_tensor *, int, int, int, int, int, int);

// Gradients of sum(conv(k, x) * w) with respect to k and x.
void check_conv_grad(const char * what, conv_builder conv, const std::vector<conv_case> & cases, uint32_t seed) {
    for (const conv_case & c : cases) {
        ggml_context * ctx = oph::new_context();
        const nnt::conv_tensors t = nnt::new_conv_tensors(ctx, c, seed);
        oph::check_grad(conv_label(what, c).c_str(), ctx, {t.k, t.x}, [&](ggml_context * cx, const std::vector<ggml_tensor *> & p) {
            return weighted_sum(cx, conv(cx, p[0], p[1], c.s0, c.s1, c.p0, c.p1, c.d0, c.d1), t.out);
        });
        ggml_free(ctx);
    }
}

void test_conv_2d_grad() { check_conv_grad("grad conv_2d wrt kernel and data", ggml_conv_2d, k_cases, 100); }

// The direct convolution's gradient ops, with the vector kernels (where the CPU has them) and
// with the reference loops.
void test_conv_2d_direct_grad() {
    std::vector<conv_case> cases = k_cases;
    cases.push_back({20, 4, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1}); // rows longer than one vector
    const oph::kernel_choice saved = oph::kernels();
    for (const oph::kernel_choice k : {oph::kernel_choice{false, CPU_ISA_AVX512}, oph::kernel_choice{false, CPU_ISA_AVX2},
                                       oph::kernel_choice{true, CPU_ISA_SCALAR}}) {
        if (!k.reference && !cpu_isa_supported(k.isa)) continue;
        oph::set_kernels(k);
        const std::string what = std::string("grad conv_2d_direct (") + k.name() + ") wrt kernel and data";
        check_conv_grad(what.c_str(), ggml_conv_2d_direct, cases, 150);
    }
    oph::set_kernels(saved);
}

void test_pool_2d_grad() {
    struct pool_case { int64_t IW, IH, C, N; int k0, k1, s0, s1; float p0, p1; };
    const std::vector<pool_case> cases = {
        {6, 6, 2, 1, 2, 2, 2, 2, 0, 0},
        {7, 5, 1, 2, 2, 2, 2, 2, 0, 0},
        {6, 7, 2, 1, 3, 3, 2, 2, 1, 1},
        {5, 6, 1, 1, 3, 2, 1, 2, 0, 1},
    };
    uint32_t seed = 200;
    for (const pool_case & c : cases) {
        for (ggml_op_pool op : {GGML_OP_POOL_MAX, GGML_OP_POOL_AVG}) {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.C, c.N);
            const int64_t OW = (int64_t) ((c.IW + 2 * c.p0 - c.k0) / c.s0 + 1), OH = (int64_t) ((c.IH + 2 * c.p1 - c.k1) / c.s1 + 1);
            ggml_tensor * w = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, OW, OH, c.C, c.N);
            // 0.05 apart: a finite-difference step never changes which element of a window is the maximum
            nnt::fill_distinct(x, seed++, 0.05);
            oph::fill_random(w, seed++);
            char what[160];
            snprintf(what, sizeof what, "grad pool_2d %s in [%lld,%lld,%lld,%lld] k %d,%d s %d,%d p %g,%g",
                     op == GGML_OP_POOL_MAX ? "max" : "avg", (long long) c.IW, (long long) c.IH, (long long) c.C, (long long) c.N,
                     c.k0, c.k1, c.s0, c.s1, (double) c.p0, (double) c.p1);
            oph::check_grad(what, ctx, {x}, [&](ggml_context * cx, const std::vector<ggml_tensor *> & p) {
                return weighted_sum(cx, ggml_pool_2d(cx, p[0], op, c.k0, c.k1, c.s0, c.s1, c.p0, c.p1), w);
            });
            ggml_free(ctx);
        }
    }
}

// conv_2d -> avg pool -> flatten -> cross-entropy against soft targets: the classifier's chain.
void test_small_classifier_grad() {
    const int64_t IW = 6, IH = 6, IC = 2, N = 3, OC = 3;
    ggml_context * ctx = oph::new_context();
    ggml_tensor * k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 3, 3, IC, OC);
    ggml_tensor * x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, IW, IH, IC, N);
    const int64_t nclasses = 3 * 3 * OC; // after a 2x2 pool of the 6x6 maps
    ggml_tensor * t = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, nclasses, N);
    oph::fill_random(k, 300);
    oph::fill_random(x, 301);
    oph::fill_random(t, 302, 0.0, 1.0);
    std::vector<double> tv = oph::read(t);
    for (int64_t r = 0; r < N; ++r) {
        double sum = 0;
        for (int64_t i = 0; i < nclasses; ++i) sum += tv[r * nclasses + i];
        for (int64_t i = 0; i < nclasses; ++i) tv[r * nclasses + i] /= sum;
    }
    oph::write(t, tv);
    oph::check_grad("grad cross_entropy_loss(pool_2d avg(conv_2d(k, x)))", ctx, {k, x},
                    [&](ggml_context * cx, const std::vector<ggml_tensor *> & p) {
                        ggml_tensor * y = ggml_conv_2d(cx, p[0], p[1], 1, 1, 1, 1, 1, 1);
                        y = ggml_pool_2d(cx, y, GGML_OP_POOL_AVG, 2, 2, 2, 2, 0, 0);
                        y = ggml_reshape_2d(cx, y, nclasses, N);
                        return ggml_cross_entropy_loss(cx, y, t);
                    });
    ggml_free(ctx);
}

} // namespace

int main() {
    test_im2col_grad();
    test_conv_2d_grad();
    test_conv_2d_direct_grad();
    test_pool_2d_grad();
    test_small_classifier_grad();
    return oph::finish();
}
