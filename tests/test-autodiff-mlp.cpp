// ggml_build_backward_expand on a small two-layer network against gradients derived by hand
// (the chain rule written out in double precision below), including a tensor used twice,
// a parameter that does not reach the loss, and gradient accumulators.

#include "ggml.h"
#include "ggml-cpu.h"
#include "op-harness.h"

#include <cmath>
#include <cstdio>
#include <vector>

#define CHECK(cond) OPH_CHECK(cond)

static const int K = 3, H = 5, O = 2, N = 4; // inputs, hidden units, outputs, samples

static uint32_t g_seed = 7;
static float frand() {
    g_seed = g_seed * 1664525u + 1013904223u;
    return (float) ((g_seed >> 8) / 16777216.0 * 2.0 - 1.0);
}

static void fill(ggml_tensor * t) {
    float * p = ggml_get_data_f32(t);
    for (int64_t i = 0; i < ggml_nelements(t); ++i) p[i] = frand();
}

static bool close(double got, double ref) { return std::fabs(got - ref) <= 1e-4 + 1e-4 * std::fabs(ref); }

struct net {
    ggml_context * ctx;
    ggml_tensor *x, *t, *w1, *b1, *w2, *b2, *unused, *loss;
    ggml_cgraph * g;
};

// loss = sum((W2 relu(W1 x + b1) + b2 - t)^2) + sum(relu(W1 x + b1))   (the hidden layer is used twice)
static net build(bool with_accumulators) {
    net n = {};
    ggml_init_params ip = {32 * 1024 * 1024, nullptr, false};
    n.ctx = ggml_init(ip);
    n.x  = ggml_new_tensor_2d(n.ctx, GGML_TYPE_F32, K, N);
    n.t  = ggml_new_tensor_2d(n.ctx, GGML_TYPE_F32, O, N);
    n.w1 = ggml_new_tensor_2d(n.ctx, GGML_TYPE_F32, K, H);
    n.b1 = ggml_new_tensor_1d(n.ctx, GGML_TYPE_F32, H);
    n.w2 = ggml_new_tensor_2d(n.ctx, GGML_TYPE_F32, H, O);
    n.b2 = ggml_new_tensor_1d(n.ctx, GGML_TYPE_F32, O);
    n.unused = ggml_new_tensor_1d(n.ctx, GGML_TYPE_F32, 3);
    for (ggml_tensor * p : {n.x, n.t, n.w1, n.b1, n.w2, n.b2, n.unused}) fill(p);
    for (ggml_tensor * p : {n.w1, n.b1, n.w2, n.b2, n.unused}) ggml_set_param(p);

    ggml_tensor * h = ggml_relu(n.ctx, ggml_add(n.ctx, ggml_mul_mat(n.ctx, n.w1, n.x), n.b1));
    ggml_tensor * y = ggml_add(n.ctx, ggml_mul_mat(n.ctx, n.w2, h), n.b2);
    ggml_tensor * d = ggml_sub(n.ctx, y, n.t);
    n.loss = ggml_add(n.ctx, ggml_sum(n.ctx, ggml_sqr(n.ctx, d)), ggml_sum(n.ctx, h));
    ggml_set_loss(n.loss);

    n.g = ggml_new_graph_custom(n.ctx, 512, true);
    ggml_build_forward_expand(n.g, n.loss);
    ggml_build_forward_expand(n.g, ggml_sqr(n.ctx, n.unused)); // a parameter outside the loss
    std::vector<ggml_tensor *> accs(ggml_graph_n_nodes(n.g), nullptr);
    if (with_accumulators) {
        for (int i = 0; i < ggml_graph_n_nodes(n.g); ++i) {
            ggml_tensor * node = ggml_graph_node(n.g, i);
            if (node->flags & GGML_TENSOR_FLAG_PARAM) accs[i] = ggml_dup_tensor(n.ctx, node);
        }
    }
    ggml_build_backward_expand(n.ctx, n.g, with_accumulators ? accs.data() : nullptr);
    return n;
}

struct reference {
    std::vector<double> w1, b1, w2, b2;
    double loss;
};

static reference hand_gradients(const net & n) {
    const float * x = ggml_get_data_f32(n.x);
    const float * t = ggml_get_data_f32(n.t);
    const float * w1 = ggml_get_data_f32(n.w1); // w1[k + K*j]: row j holds hidden unit j's weights
    const float * b1 = ggml_get_data_f32(n.b1);
    const float * w2 = ggml_get_data_f32(n.w2); // w2[j + H*o]
    const float * b2 = ggml_get_data_f32(n.b2);
    reference r = {std::vector<double>(K * H), std::vector<double>(H), std::vector<double>(H * O), std::vector<double>(O), 0.0};
    for (int s = 0; s < N; ++s) {
        double z[H], h[H], y[O], dy[O], dh[H];
        for (int j = 0; j < H; ++j) {
            z[j] = b1[j];
            for (int k = 0; k < K; ++k) z[j] += (double) w1[k + K * j] * x[k + K * s];
            h[j] = z[j] > 0 ? z[j] : 0;
            r.loss += h[j];
        }
        for (int o = 0; o < O; ++o) {
            y[o] = b2[o];
            for (int j = 0; j < H; ++j) y[o] += (double) w2[j + H * o] * h[j];
            const double e = y[o] - t[o + O * s];
            r.loss += e * e;
            dy[o] = 2 * e;
            r.b2[o] += dy[o];
            for (int j = 0; j < H; ++j) r.w2[j + H * o] += dy[o] * h[j];
        }
        for (int j = 0; j < H; ++j) {
            dh[j] = 1.0; // from sum(h)
            for (int o = 0; o < O; ++o) dh[j] += dy[o] * w2[j + H * o];
            const double dz = z[j] > 0 ? dh[j] : 0.0;
            r.b1[j] += dz;
            for (int k = 0; k < K; ++k) r.w1[k + K * j] += dz * x[k + K * s];
        }
    }
    return r;
}

static void expect_grad(const net & n, ggml_tensor * p, const std::vector<double> & ref, double factor) {
    ggml_tensor * g = ggml_graph_get_grad(n.g, p);
    CHECK(g != nullptr);
    if (!g) return;
    const float * d = ggml_get_data_f32(g);
    int bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        if (!close(d[i], factor * ref[i])) {
            if (bad++ == 0) fprintf(stderr, "  %s[%zu]: got %g, expected %g\n", p->name, i, d[i], factor * ref[i]);
        }
    }
    CHECK(bad == 0);
}

static void test_plain() {
    net n = build(false);
    ggml_set_name(n.w1, "w1"); ggml_set_name(n.b1, "b1"); ggml_set_name(n.w2, "w2"); ggml_set_name(n.b2, "b2");
    ggml_graph_reset(n.g);
    ggml_graph_compute_with_ctx(n.ctx, n.g, 2);
    const reference r = hand_gradients(n);
    CHECK(close(ggml_get_data_f32(n.loss)[0], r.loss));
    expect_grad(n, n.w1, r.w1, 1);
    expect_grad(n, n.b1, r.b1, 1);
    expect_grad(n, n.w2, r.w2, 1);
    expect_grad(n, n.b2, r.b2, 1);
    // the parameter outside the loss gets no gradient: nothing flows to it
    CHECK(ggml_graph_get_grad(n.g, n.unused) == nullptr);
    // recomputing without a reset gives the same gradients (no accumulators here)
    ggml_graph_compute_with_ctx(n.ctx, n.g, 1);
    expect_grad(n, n.w1, r.w1, 1);
    ggml_free(n.ctx);
}

static void test_accumulators() {
    net n = build(true);
    const reference r = hand_gradients(n);
    ggml_graph_reset(n.g);
    ggml_graph_compute_with_ctx(n.ctx, n.g, 2);
    ggml_graph_compute_with_ctx(n.ctx, n.g, 2);
    // two computes without a reset sum into the accumulators
    expect_grad(n, n.w1, r.w1, 2);
    expect_grad(n, n.b2, r.b2, 2);
    CHECK(ggml_graph_get_grad_acc(n.g, n.w1) != nullptr);
    // the unused parameter's accumulator exists and stays zero
    ggml_tensor * ua = ggml_graph_get_grad_acc(n.g, n.unused);
    CHECK(ua != nullptr && ggml_get_data_f32(ua)[0] == 0.0f);
    ggml_graph_reset(n.g);
    ggml_graph_compute_with_ctx(n.ctx, n.g, 1);
    expect_grad(n, n.w1, r.w1, 1);
    expect_grad(n, n.w2, r.w2, 1);
    ggml_free(n.ctx);
}

int main() {
    test_plain();
    test_accumulators();
    return oph::finish();
}
