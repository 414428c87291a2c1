// soft_max, soft_max_ext_back, cross_entropy_loss and cross_entropy_loss_back against
// double-precision references (log-sum-exp written out below), on contiguous and strided
// inputs of several shapes, plus their gradient rules against central finite differences.

#include "ggml.h"
#include "nn-test-helpers.h"
#include "op-harness.h"

#include <cmath>
#include <string>
#include <vector>

namespace {

struct shape4 { int64_t ne[4]; };

std::vector<double> ref_softmax(const std::vector<double> & x, int64_t nc) {
    std::vector<double> y(x.size());
    for (size_t r = 0; r < x.size() / nc; ++r) {
        const double * xr = &x[r * nc];
        double mx = -INFINITY;
        for (int64_t i = 0; i < nc; ++i) mx = std::max(mx, xr[i]);
        double sum = 0;
        for (int64_t i = 0; i < nc; ++i) sum += std::exp(xr[i] - mx);
        for (int64_t i = 0; i < nc; ++i) y[r * nc + i] = std::exp(xr[i] - mx) / sum;
    }
    return y;
}

double ref_cross_entropy(const std::vector<double> & x, const std::vector<double> & t, int64_t nc) {
    const size_t nr = x.size() / nc;
    double total = 0;
    for (size_t r = 0; r < nr; ++r) {
        const double * xr = &x[r * nc];
        double mx = -INFINITY;
        for (int64_t i = 0; i < nc; ++i) mx = std::max(mx, xr[i]);
        double sum = 0;
        for (int64_t i = 0; i < nc; ++i) sum += std::exp(xr[i] - mx);
        const double lse = mx + std::log(sum);
        for (int64_t i = 0; i < nc; ++i) total += t[r * nc + i] * (xr[i] - lse);
    }
    return -total / (double) nr;
}

// Rows of random non-negative weights summing to 1, or one-hot rows.
void fill_targets(ggml_tensor * t, uint32_t seed, bool one_hot) {
    oph::fill_random(t, seed, 0.0, 1.0);
    std::vector<double> v = oph::read(t);
    const int64_t nc = t->ne[0];
    for (size_t r = 0; r < v.size() / nc; ++r) {
        double sum = 0;
        int64_t best = 0;
        for (int64_t i = 0; i < nc; ++i) {
            sum += v[r * nc + i];
            if (v[r * nc + i] > v[r * nc + best]) best = i;
        }
        for (int64_t i = 0; i < nc; ++i) v[r * nc + i] = one_hot ? (i == best ? 1.0 : 0.0) : v[r * nc + i] / sum;
    }
    oph::write(t, v);
}

std::string label(const char * what, const int64_t * ne) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s [%lld, %lld, %lld, %lld]", what, (long long) ne[0], (long long) ne[1], (long long) ne[2],
             (long long) ne[3]);
    return buf;
}

const std::vector<shape4> k_shapes = {
    {{10, 500, 1, 1}}, {{1, 4, 1, 1}}, {{7, 3, 2, 1}}, {{33, 5, 2, 3}}, {{130, 2, 1, 1}},
};

void test_soft_max_forward() {
    uint32_t seed = 1;
    for (const shape4 & s : k_shapes) {
        for (double range : {1.0, 50.0}) {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * a = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            oph::fill_random(a, seed++, -range, range);
            ggml_tensor * y = oph::compute(ctx, ggml_soft_max(ctx, a));
            oph::check_close(label("soft_max", s.ne).c_str(), y, ref_softmax(oph::read(a), s.ne[0]), 1e-6, 1e-5);
            ggml_free(ctx);
        }
    }

    // huge logits: the max must be subtracted before exponentiating
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 6, 3);
        oph::fill_random(a, 99, 900.0, 1000.0);
        oph::set_element(a, -1000.0, 2, 1);
        ggml_tensor * y = oph::compute(ctx, ggml_soft_max(ctx, a));
        oph::check_close("soft_max of logits near 1000", y, ref_softmax(oph::read(a), 6), 1e-6, 1e-5);
        ggml_free(ctx);
    }

    // strided input: rows of 5 taken from every other float, rows 56 bytes apart
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * base = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 14 * 4 * 3);
        oph::fill_random(base, 5, -3.0, 3.0);
        ggml_tensor * a = nnt::strided_view(ctx, base, {5, 4, 3}, {8, 56, 224});
        ggml_tensor * y = oph::compute(ctx, ggml_soft_max(ctx, a));
        oph::check_close("soft_max of a strided view", y, ref_softmax(oph::read(a), 5), 1e-6, 1e-5);
        ggml_free(ctx);
    }

    // in place: the result shares a's memory
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * a = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 9, 4, 2);
        oph::fill_random(a, 6, -4.0, 4.0);
        const std::vector<double> ref = ref_softmax(oph::read(a), 9);
        ggml_tensor * y = oph::compute(ctx, ggml_soft_max_inplace(ctx, a));
        oph::check(y->data == a->data, "soft_max_inplace returns a view of its input");
        oph::check_close("soft_max_inplace", a, ref, 1e-6, 1e-5);
        ggml_free(ctx);
    }
}

void test_soft_max_back_forward() {
    uint32_t seed = 100;
    for (const shape4 & s : k_shapes) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * x = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
        ggml_tensor * dy = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
        oph::fill_random(x, seed++, -2.0, 2.0);
        oph::fill_random(dy, seed++, -1.0, 1.0);
        const std::vector<double> y = ref_softmax(oph::read(x), s.ne[0]);
        ggml_tensor * yt = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
        oph::write(yt, y);
        ggml_tensor * dx = oph::compute(ctx, ggml_soft_max_ext_back(ctx, dy, yt, 1.0f, 0.0f));
        const std::vector<double> g = oph::read(dy);
        std::vector<double> ref(y.size());
        const int64_t nc = s.ne[0];
        for (size_t r = 0; r < y.size() / nc; ++r) {
            double dot = 0;
            for (int64_t i = 0; i < nc; ++i) dot += y[r * nc + i] * g[r * nc + i];
            for (int64_t i = 0; i < nc; ++i) ref[r * nc + i] = y[r * nc + i] * (g[r * nc + i] - dot);
        }
        oph::check_close(label("soft_max_ext_back", s.ne).c_str(), dx, ref, 1e-6, 1e-5);
        ggml_free(ctx);
    }
}

void test_cross_entropy_forward() {
    uint32_t seed = 200;
    for (const shape4 & s : k_shapes) {
        for (bool one_hot : {true, false}) {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * a = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            ggml_tensor * b = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            oph::fill_random(a, seed++, -5.0, 5.0);
            fill_targets(b, seed++, one_hot);
            ggml_tensor * loss = oph::compute(ctx, ggml_cross_entropy_loss(ctx, a, b));
            oph::check(ggml_nelements(loss) == 1 && loss->type == GGML_TYPE_F32, "cross_entropy_loss is one F32");
            const double ref = ref_cross_entropy(oph::read(a), oph::read(b), s.ne[0]);
            oph::check_close(label(one_hot ? "cross_entropy_loss one-hot" : "cross_entropy_loss soft", s.ne).c_str(), loss, {ref},
                             1e-6, 1e-5);
            ggml_free(ctx);
        }
    }

    // hand-derived: two classes with equal logits and a one-hot target give log(2)
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 2, 3);
        ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 2, 3);
        oph::write(a, {0.5, 0.5, -2, -2, 7, 7});
        oph::write(b, {1, 0, 0, 1, 1, 0});
        ggml_tensor * loss = oph::compute(ctx, ggml_cross_entropy_loss(ctx, a, b));
        oph::check_close("cross_entropy_loss of equal logits is log 2", loss, {std::log(2.0)}, 1e-6, 1e-6);
        ggml_free(ctx);
    }

    // huge logits stay finite
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 10, 4);
        ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 10, 4);
        oph::fill_random(a, 7, -3000.0, 3000.0);
        fill_targets(b, 8, true);
        ggml_tensor * loss = oph::compute(ctx, ggml_cross_entropy_loss(ctx, a, b));
        oph::check_close("cross_entropy_loss of logits up to 3000", loss, {ref_cross_entropy(oph::read(a), oph::read(b), 10)},
                         1e-3, 1e-5);
        ggml_free(ctx);
    }

    // strided logits and targets
    {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * abase = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 400);
        ggml_tensor * bbase = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 400);
        oph::fill_random(abase, 9, -2.0, 2.0);
        ggml_tensor * a = nnt::strided_view(ctx, abase, {7, 9}, {8, 64});
        ggml_tensor * b = nnt::strided_view(ctx, bbase, {7, 9}, {4, 40});
        fill_targets(b, 10, false);
        ggml_tensor * loss = oph::compute(ctx, ggml_cross_entropy_loss(ctx, a, b));
        oph::check_close("cross_entropy_loss of strided views", loss, {ref_cross_entropy(oph::read(a), oph::read(b), 7)}, 1e-6,
                         1e-5);
        ggml_free(ctx);
    }
}

void test_cross_entropy_back_forward() {
    uint32_t seed = 300;
    for (const shape4 & s : k_shapes) {
        ggml_context * ctx = oph::new_context();
        ggml_tensor * a = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
        ggml_tensor * b = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
        ggml_tensor * c = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 1);
        oph::fill_random(a, seed++, -4.0, 4.0);
        fill_targets(b, seed++, false);
        oph::write(c, {2.5});
        ggml_tensor * g = oph::compute(ctx, ggml_cross_entropy_loss_back(ctx, a, b, c));
        const std::vector<double> p = ref_softmax(oph::read(a), s.ne[0]);
        const std::vector<double> t = oph::read(b);
        const double nr = (double) (p.size() / s.ne[0]);
        std::vector<double> ref(p.size());
        for (size_t i = 0; i < p.size(); ++i) ref[i] = 2.5 * (p[i] - t[i]) / nr;
        oph::check_close(label("cross_entropy_loss_back", s.ne).c_str(), g, ref, 1e-7, 1e-5);
        // ggml's own gradient rule passes (gradient, logits, labels): the same result
        ggml_tensor * g2 = oph::compute(ctx, ggml_cross_entropy_loss_back(ctx, c, a, b));
        oph::check_close(label("cross_entropy_loss_back (gradient, logits, labels)", s.ne).c_str(), g2, ref, 1e-7, 1e-5);
        ggml_free(ctx);
    }
}

void test_gradients() {
    const std::vector<shape4> shapes = {{{5, 3, 1, 1}}, {{10, 4, 1, 1}}, {{3, 2, 2, 1}}};
    uint32_t seed = 400;
    for (const shape4 & s : shapes) {
        // d/dx of sum(softmax(x) * w): exercises soft_max's rule (soft_max_ext_back)
        {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * x = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            ggml_tensor * w = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            oph::fill_random(x, seed++, -2.0, 2.0);
            oph::fill_random(w, seed++, -3.0, 3.0);
            oph::check_grad(label("grad sum(soft_max(x) * w)", s.ne).c_str(), ctx, {x},
                            [w](ggml_context * c, const std::vector<ggml_tensor *> & p) {
                                return ggml_sum(c, ggml_mul(c, ggml_soft_max(c, p[0]), w));
                            });
            ggml_free(ctx);
        }
        // d/dx of cross_entropy_loss(x, t): the loss's own rule
        {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * x = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            ggml_tensor * t = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            oph::fill_random(x, seed++, -2.0, 2.0);
            fill_targets(t, seed++, false);
            oph::check_grad(label("grad cross_entropy_loss(x, t)", s.ne).c_str(), ctx, {x},
                            [t](ggml_context * c, const std::vector<ggml_tensor *> & p) {
                                return ggml_cross_entropy_loss(c, p[0], t);
                            });
            ggml_free(ctx);
        }
        // both rules chained, with no other op involved
        {
            ggml_context * ctx = oph::new_context();
            ggml_tensor * x = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            ggml_tensor * t = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, s.ne);
            oph::fill_random(x, seed++, -3.0, 3.0);
            fill_targets(t, seed++, true);
            oph::check_grad(label("grad cross_entropy_loss(soft_max(x), t)", s.ne).c_str(), ctx, {x},
                            [t](ggml_context * c, const std::vector<ggml_tensor *> & p) {
                                return ggml_cross_entropy_loss(c, ggml_soft_max(c, p[0]), t);
                            });
            ggml_free(ctx);
        }
    }
}

void test_misuse() {
    nnt::expect_abort("soft_max_ext_back with scale != 1", [](ggml_context * ctx) {
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 4, 2);
        ggml_soft_max_ext_back(ctx, a, a, 0.5f, 0.0f);
    }, "ggml_soft_max_ext_back");
    nnt::expect_abort("cross_entropy_loss of different shapes", [](ggml_context * ctx) {
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 10, 2);
        ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 10, 3);
        ggml_cross_entropy_loss(ctx, a, b);
    }, "[10, 3, 1, 1]");
    nnt::expect_abort("soft_max of I32", [](ggml_context * ctx) {
        ggml_soft_max(ctx, ggml_new_tensor_1d(ctx, GGML_TYPE_I32, 4));
    }, "ggml_soft_max");
}

} // namespace

int main() {
    test_soft_max_forward();
    test_soft_max_back_forward();
    test_cross_entropy_forward();
    test_cross_entropy_back_forward();
    test_gradients();
    test_misuse();
    return oph::finish();
}
