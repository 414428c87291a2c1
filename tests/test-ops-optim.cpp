// opt_step_adamw and opt_step_sgd: a first step checked against values worked out by hand, then
// several steps against the update rules written out in double precision, on small, strided
// and large (multi-threaded) parameters.

#include "ggml.h"
#include "nn-test-helpers.h"
#include "op-harness.h"

#include <cmath>
#include <string>
#include <vector>

namespace {

struct adamw_hparams {
    double alpha, beta1, beta2, eps, wd;
};

// Writes the 7 AdamW parameters for step t (1-based) into p.
void set_adamw_params(ggml_tensor * p, const adamw_hparams & h, int t) {
    const double beta1h = 1.0 / (1.0 - std::pow(h.beta1, t));
    const double beta2h = 1.0 / (1.0 - std::pow(h.beta2, t));
    oph::write(p, {h.alpha, h.beta1, h.beta2, h.eps, h.wd, beta1h, beta2h});
}

// Plain AdamW in double: the reference the op is compared with.
struct adamw_reference {
    std::vector<double> w, m, v;
    void step(const std::vector<double> & g, const adamw_hparams & h, int t) {
        const double beta1h = 1.0 / (1.0 - std::pow(h.beta1, t));
        const double beta2h = 1.0 / (1.0 - std::pow(h.beta2, t));
        for (size_t i = 0; i < w.size(); ++i) {
            m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
            v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
            const double mh = m[i] * beta1h, vh = v[i] * beta2h;
            w[i] = w[i] * (1 - h.alpha * h.wd) - h.alpha * mh / (std::sqrt(vh) + h.eps);
        }
    }
};

void test_adamw_first_step_by_hand() {
    // With zero moments, the bias-corrected first step moves each weight by alpha * sign(g)
    // (up to eps), shrunk first by the decay factor (1 - alpha*wd).
    ggml_context * ctx = oph::new_context();
    ggml_tensor * w = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
    ggml_tensor * g = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
    ggml_tensor * m = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
    ggml_tensor * v = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
    ggml_tensor * p = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 7);
    ggml_set_param(w);
    oph::write(w, {1.0, -2.0, 0.5, 3.0});
    oph::write(g, {0.5, -4.0, 2.0, -0.25});
    oph::write(m, {0, 0, 0, 0});
    oph::write(v, {0, 0, 0, 0});
    set_adamw_params(p, {0.1, 0.9, 0.999, 1e-8, 0.01}, 1);
    ggml_tensor * r = oph::compute(ctx, ggml_opt_step_adamw(ctx, w, g, m, v, p));
    oph::check(r->data == w->data, "opt_step_adamw returns a view of the parameter");
    // decay factor 1 - 0.1*0.01 = 0.999, then a step of 0.1 against the gradient's sign
    oph::check_close("adamw step 1 by hand: weights", w, {0.999 - 0.1, -1.998 + 0.1, 0.4995 - 0.1, 2.997 + 0.1}, 1e-6, 1e-6);
    // m = 0.1*g, v = 0.001*g^2
    oph::check_close("adamw step 1 by hand: m", m, {0.05, -0.4, 0.2, -0.025}, 1e-7, 1e-6);
    oph::check_close("adamw step 1 by hand: v", v, {0.00025, 0.016, 0.004, 0.0000625}, 1e-9, 1e-4);
    ggml_free(ctx);
}

// Several steps of a graph holding one opt_step_adamw node, with a new gradient each step.
void test_adamw_steps(const char * what, std::vector<int64_t> ne, bool strided, int n_threads) {
    ggml_context * ctx = oph::new_context(256u * 1024 * 1024);
    const adamw_hparams h = {0.01, 0.9, 0.999, 1e-8, 0.1};
    ggml_tensor * w = ggml_new_tensor(ctx, GGML_TYPE_F32, (int) ne.size(), ne.data());
    ggml_set_param(w);
    ggml_tensor *g, *m, *v;
    if (strided) {
        // gradient and moments live in every other float of larger buffers
        std::vector<size_t> nb = {8};
        for (size_t i = 1; i < ne.size(); ++i) nb.push_back(nb.back() * ne[i - 1]);
        const int64_t n = 2 * ggml_nelements(w);
        g = nnt::strided_view(ctx, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, n), ne, nb);
        m = nnt::strided_view(ctx, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, n), ne, nb);
        v = nnt::strided_view(ctx, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, n), ne, nb);
    } else {
        g = ggml_dup_tensor(ctx, w);
        m = ggml_dup_tensor(ctx, w);
        v = ggml_dup_tensor(ctx, w);
    }
    ggml_tensor * p = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 7);
    oph::fill_random(w, 11, -1.0, 1.0);
    const size_t n = (size_t) ggml_nelements(w);
    oph::write(m, std::vector<double>(n, 0.0));
    oph::write(v, std::vector<double>(n, 0.0));

    adamw_reference ref = {oph::read(w), std::vector<double>(n, 0.0), std::vector<double>(n, 0.0)};
    ggml_tensor * step = ggml_opt_step_adamw(ctx, w, g, m, v, p);
    ggml_cgraph * graph = ggml_new_graph(ctx);
    ggml_build_forward_expand(graph, step);
    bool ok = true;
    for (int t = 1; t <= 5; ++t) {
        oph::fill_random(g, 100 + t, -1.0, 1.0);
        set_adamw_params(p, h, t);
        if (t == 1) ok = oph::run_graph_checked(graph) && ok; // also compares 1 and 3 threads
        else oph::run_graph(graph, n_threads);
        ref.step(oph::read(g), h, t);
    }
    oph::check(ok, what);
    oph::check_close((std::string(what) + ": weights").c_str(), w, ref.w, 1e-6, 1e-4);
    oph::check_close((std::string(what) + ": first moment").c_str(), m, ref.m, 1e-7, 1e-4);
    oph::check_close((std::string(what) + ": second moment").c_str(), v, ref.v, 1e-9, 1e-4);
    ggml_free(ctx);
}

void test_sgd() {
    // by hand: w = w*(1 - alpha*wd) - alpha*g with alpha = 0.5, wd = 0.2
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * w = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 3);
        ggml_tensor * g = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 3);
        ggml_tensor * p = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 2);
        ggml_set_param(w);
        oph::write(w, {1.0, -2.0, 4.0});
        oph::write(g, {0.2, 1.0, -2.0});
        oph::write(p, {0.5, 0.2});
        ggml_tensor * r = oph::compute(ctx, ggml_opt_step_sgd(ctx, w, g, p));
        oph::check(r->data == w->data, "opt_step_sgd returns a view of the parameter");
        oph::check_close("sgd step by hand", w, {0.9 - 0.1, -1.8 - 0.5, 3.6 + 1.0}, 1e-6, 1e-6);
        ggml_free(ctx);
    }
    // several steps on a large parameter, 2 threads
    for (bool strided : {false, true}) {
        ggml_context * ctx = oph::new_context(64u * 1024 * 1024);
        const int64_t ne0 = strided ? 301 : 784, ne1 = strided ? 17 : 500;
        ggml_tensor * w = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, ne0, ne1);
        ggml_set_param(w);
        ggml_tensor * g = strided ? nnt::strided_view(ctx, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 3 * ne0 * ne1), {ne0, ne1},
                                                      {12, 12 * (size_t) ne0})
                                  : ggml_dup_tensor(ctx, w);
        ggml_tensor * p = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 2);
        oph::fill_random(w, 21, -1.0, 1.0);
        std::vector<double> ref = oph::read(w);
        ggml_cgraph * graph = ggml_new_graph(ctx);
        ggml_build_forward_expand(graph, ggml_opt_step_sgd(ctx, w, g, p));
        bool ok = true;
        for (int t = 1; t <= 4; ++t) {
            const double alpha = 0.1 / t, wd = 0.05;
            oph::write(p, {alpha, wd});
            oph::fill_random(g, 200 + t, -1.0, 1.0);
            if (t == 1) ok = oph::run_graph_checked(graph) && ok;
            else oph::run_graph(graph, 2);
            const std::vector<double> gv = oph::read(g);
            for (size_t i = 0; i < ref.size(); ++i) ref[i] = ref[i] * (1 - alpha * wd) - alpha * gv[i];
        }
        oph::check(ok, "sgd: 1 and 3 threads agree");
        oph::check_close(strided ? "sgd 4 steps, strided gradient" : "sgd 4 steps, 784x500", w, ref, 1e-6, 1e-5);
        ggml_free(ctx);
    }
}

void test_misuse() {
    nnt::expect_abort("adamw on a tensor that is not a parameter", [](ggml_context * ctx) {
        ggml_tensor * w = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
        ggml_opt_step_adamw(ctx, w, w, w, w, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 7));
    }, "ggml_opt_step_adamw");
    nnt::expect_abort("adamw with 6 parameters", [](ggml_context * ctx) {
        ggml_tensor * w = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
        ggml_set_param(w);
        ggml_tensor * g = ggml_dup_tensor(ctx, w);
        ggml_opt_step_adamw(ctx, w, g, g, g, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 6));
    }, "ggml_opt_step_adamw");
    nnt::expect_abort("sgd with a gradient of another shape", [](ggml_context * ctx) {
        ggml_tensor * w = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
        ggml_set_param(w);
        ggml_opt_step_sgd(ctx, w, ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 5), ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 2));
    }, "[5, 1, 1, 1]");
}

} // namespace

int main() {
    test_adamw_first_step_by_hand();
    test_adamw_steps("adamw 5 steps, [7, 3]", {7, 3}, false, 1);
    test_adamw_steps("adamw 5 steps, strided [5, 3, 2]", {5, 3, 2}, true, 2);
    test_adamw_steps("adamw 5 steps, [784, 500] + threads", {784, 500}, false, 2);
    test_adamw_steps("adamw 5 steps, odd [1001, 7]", {1001, 7}, false, 3);
    test_sgd();
    test_misuse();
    return oph::finish();
}
