// Conformance of every registered non-CPU backend against the CPU backend: each op case is built
// twice from the same inputs, once on the CPU and once on the device, and the results (and every
// input, which catches in-place writes such as optimizer steps) are compared. Ops the device does
// not claim are listed as falling back to the CPU and are not compared.
//
// Error measure: max |device - cpu| / max(max |cpu|, 1e-6) over the tensor (normwise relative).
// Tolerances per case are in the table below: 1e-6 for exact float arithmetic (copies, +,-,*,/,
// relu), 2e-5 for transcendental functions and sums/products whose summation order differs from
// the CPU's (matrix products, reductions, losses, AdamW, convolutions), 1e-4 for the
// convolution kernel gradient (a sum over the whole batch) and for the gradients of the small
// autodiff graphs (forward values and every gradient compared), which chain several reductions.
//
// Exit code 77 (ctest: skipped) when no non-CPU device is registered.

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "core/ggml-impl.h" // the convolution gradients, built directly here

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

// Builds the case in ctx and returns its result. Input tensors are filled according to their
// name's prefix: "pos" strictly positive, "onehot" one-hot rows, "int" small integers, "hp"
// AdamW/SGD hyper-parameters; anything else uniform in [-1, 1].
using builder = std::function<ggml_tensor *(ggml_context *)>;

struct op_case {
    std::string name;
    double      tol;
    builder     build;
    // The result is a loss: the graph also holds its backward pass, and the gradients (tensors
    // of the context like any other) are compared too.
    bool        backward = false;
};

ggml_tensor * in(ggml_context * ctx, const char * name, int64_t n0, int64_t n1 = 1, int64_t n2 = 1, int64_t n3 = 1,
                 ggml_type type = GGML_TYPE_F32) {
    ggml_tensor * t = ggml_new_tensor_4d(ctx, type, n0, n1, n2, n3);
    ggml_set_name(t, name);
    return t;
}

void fill(ggml_tensor * t, unsigned seed) {
    std::mt19937 rng(seed);
    const std::string name = ggml_get_name(t);
    const int64_t n = ggml_nelements(t);
    if (t->type == GGML_TYPE_I32) {
        std::vector<int32_t> v(n);
        for (auto & x : v) x = (int32_t) (rng() % 4);
        ggml_backend_tensor_set(t, v.data(), 0, n * sizeof(int32_t));
        return;
    }
    std::vector<float> v(n);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    if (name.rfind("onehot", 0) == 0) {
        for (int64_t r = 0; r < n / t->ne[0]; ++r) {
            const int64_t hot = rng() % t->ne[0];
            for (int64_t i = 0; i < t->ne[0]; ++i) v[r * t->ne[0] + i] = i == hot ? 1.0f : 0.0f;
        }
    } else if (name.rfind("hp", 0) == 0) {
        const float adamw[7] = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 1.0f / (1 - 0.9f * 0.9f), 1.0f / (1 - 0.999f * 0.999f)};
        for (int64_t i = 0; i < n; ++i) v[i] = adamw[i % 7];
    } else {
        for (auto & x : v) x = name.rfind("pos", 0) == 0 ? 0.1f + std::fabs(u(rng)) : u(rng);
    }
    ggml_backend_tensor_set(t, v.data(), 0, n * sizeof(float));
}

std::vector<double> read(const ggml_tensor * t) {
    const int64_t n = ggml_nelements(t);
    std::vector<double> out(n);
    if (!ggml_is_contiguous(t)) return out; // compared through their contiguous sources
    if (t->type == GGML_TYPE_F32) {
        std::vector<float> v(n);
        ggml_backend_tensor_get(t, v.data(), 0, n * 4);
        for (int64_t i = 0; i < n; ++i) out[i] = v[i];
    } else if (t->type == GGML_TYPE_I32) {
        std::vector<int32_t> v(n);
        ggml_backend_tensor_get(t, v.data(), 0, n * 4);
        for (int64_t i = 0; i < n; ++i) out[i] = v[i];
    } else if (t->type == GGML_TYPE_I64) {
        std::vector<int64_t> v(n);
        ggml_backend_tensor_get(t, v.data(), 0, n * 8);
        for (int64_t i = 0; i < n; ++i) out[i] = (double) v[i];
    }
    return out;
}

struct built {
    ggml_context *        ctx = nullptr;
    ggml_backend_buffer_t buf = nullptr;
    ggml_cgraph *         graph = nullptr;
    ggml_tensor *         out = nullptr;
    ~built() {
        ggml_backend_buffer_free(buf);
        ggml_free(ctx);
    }
};

void build(built & b, const op_case & c, ggml_backend_t backend) {
    ggml_init_params ip = {256 * ggml_tensor_overhead() + ggml_graph_overhead_custom(GGML_DEFAULT_GRAPH_SIZE, true), nullptr, true};
    b.ctx = ggml_init(ip);
    b.out = c.build(b.ctx);
    b.graph = ggml_new_graph_custom(b.ctx, GGML_DEFAULT_GRAPH_SIZE, c.backward);
    ggml_build_forward_expand(b.graph, b.out);
    if (c.backward) {
        ggml_set_loss(b.out);
        ggml_build_backward_expand(b.ctx, b.graph, nullptr);
    }
    b.buf = ggml_backend_alloc_ctx_tensors(b.ctx, backend);
    unsigned seed = 1;
    for (ggml_tensor * t = ggml_get_first_tensor(b.ctx); t; t = ggml_get_next_tensor(b.ctx, t)) {
        if (t->op == GGML_OP_NONE) fill(t, seed++);
    }
    if (c.backward) ggml_graph_reset(b.graph); // loss gradient 1, the rest 0
}

// Whether the device claims every computing node of the case.
bool claimed(const built & b, ggml_backend_t dev) {
    for (int i = 0; i < ggml_graph_n_nodes(b.graph); ++i) {
        if (!ggml_backend_supports_op(dev, ggml_graph_node(b.graph, i))) return false;
    }
    return true;
}

double rel_error(const std::vector<double> & got, const std::vector<double> & want) {
    double diff = 0.0, scale = 1e-6;
    for (size_t i = 0; i < want.size(); ++i) {
        if (std::isnan(got[i]) != std::isnan(want[i])) return INFINITY;
        diff = std::max(diff, std::fabs(got[i] - want[i]));
        scale = std::max(scale, std::fabs(want[i]));
    }
    return diff / scale;
}

// Convolution shapes: (kernel [KW, KH, IC, OC], input [IW, IH, IC, N], s0, s1, p0, p1, d0, d1).
struct conv_case {
    const char * name;
    int64_t      k[4], x[4];
    int          s0, s1, p0, p1, d0, d1;
};
const conv_case CONVS[] = {
    {"mnist conv1", {3, 3, 1, 8}, {28, 28, 1, 5}, 1, 1, 1, 1, 1, 1},
    {"mnist conv2", {3, 3, 8, 16}, {14, 14, 8, 5}, 1, 1, 1, 1, 1, 1},
    {"odd strided dilated", {3, 2, 3, 5}, {11, 9, 3, 2}, 2, 3, 2, 1, 2, 1},
    {"odd strided dilated, 72 channel pairs", {3, 2, 8, 9}, {11, 9, 8, 2}, 2, 3, 2, 1, 2, 1},
    {"odd 5x5 no padding", {5, 5, 2, 3}, {13, 10, 2, 3}, 1, 2, 0, 0, 1, 1},
};

int64_t conv_out(int64_t in, int64_t k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }

// The direct convolution and its gradients, im2col and its backward, and ggml_conv_2d (im2col +
// mul_mat), at the MNIST CNN's shapes and at odd ones; plus a permuted (non-contiguous) input.
// Tolerances: 1e-6 for im2col (a copy); 2e-5 for sums of at most a few hundred products; 1e-4 for
// the kernel gradient, a sum over the whole batch (about 4000 products at the MNIST shapes) whose
// order differs from the CPU's.
void conv_cases(std::vector<op_case> & v) {
    for (const conv_case & cc : CONVS) {
        const conv_case q = cc;
        const int64_t OW = conv_out(q.x[0], q.k[0], q.s0, q.p0, q.d0), OH = conv_out(q.x[1], q.k[1], q.s1, q.p1, q.d1);
        const std::string n = q.name;
        v.push_back({"conv_2d_direct " + n, 2e-5, [=](ggml_context * c) {
            return ggml_conv_2d_direct(c, in(c, "k", q.k[0], q.k[1], q.k[2], q.k[3]), in(c, "x", q.x[0], q.x[1], q.x[2], q.x[3]),
                                       q.s0, q.s1, q.p0, q.p1, q.d0, q.d1);
        }});
        v.push_back({"conv_2d_back_input " + n, 2e-5, [=](ggml_context * c) {
            return ggml_conv_2d_back_input(c, in(c, "k", q.k[0], q.k[1], q.k[2], q.k[3]), in(c, "g", OW, OH, q.k[3], q.x[3]),
                                           q.x, q.s0, q.s1, q.p0, q.p1, q.d0, q.d1);
        }});
        v.push_back({"conv_2d_back_kernel " + n, 1e-4, [=](ggml_context * c) {
            return ggml_conv_2d_back_kernel(c, in(c, "x", q.x[0], q.x[1], q.x[2], q.x[3]), in(c, "g", OW, OH, q.k[3], q.x[3]),
                                            q.k, q.s0, q.s1, q.p0, q.p1, q.d0, q.d1);
        }});
        v.push_back({"im2col " + n, 1e-6, [=](ggml_context * c) {
            return ggml_im2col(c, in(c, "k", q.k[0], q.k[1], q.k[2], q.k[3]), in(c, "x", q.x[0], q.x[1], q.x[2], q.x[3]),
                               q.s0, q.s1, q.p0, q.p1, q.d0, q.d1, true, GGML_TYPE_F32);
        }});
        v.push_back({"im2col_back " + n, 2e-5, [=](ggml_context * c) {
            int64_t ne[4] = {q.x[0], q.x[1], q.x[2], q.x[3]};
            return ggml_im2col_back(c, in(c, "k", q.k[0], q.k[1], q.k[2], q.k[3]),
                                    in(c, "g", q.k[0] * q.k[1] * q.k[2], OW, OH, q.x[3]), ne, q.s0, q.s1, q.p0, q.p1, q.d0, q.d1, true);
        }});
        v.push_back({"conv_2d (im2col+mul_mat) " + n, 2e-5, [=](ggml_context * c) {
            return ggml_conv_2d(c, in(c, "k", q.k[0], q.k[1], q.k[2], q.k[3]), in(c, "x", q.x[0], q.x[1], q.x[2], q.x[3]),
                                q.s0, q.s1, q.p0, q.p1, q.d0, q.d1);
        }});
    }
    // x stored [IH, IW, IC, N] and seen transposed; dY stored with its channel and batch axes swapped
    v.push_back({"conv_2d_direct permuted input", 2e-5, [](ggml_context * c) {
        return ggml_conv_2d_direct(c, in(c, "k", 3, 3, 3, 4), ggml_transpose(c, in(c, "x", 9, 11, 3, 2)), 1, 1, 1, 1, 1, 1);
    }});
    v.push_back({"conv_2d_back_kernel permuted", 1e-4, [](ggml_context * c) {
        const int64_t kne[4] = {3, 3, 3, 4};
        return ggml_conv_2d_back_kernel(c, ggml_transpose(c, in(c, "x", 9, 11, 3, 2)),
                                        ggml_permute(c, in(c, "g", 11, 9, 2, 4), 0, 1, 3, 2), kne, 1, 1, 1, 1, 1, 1);
    }});
    v.push_back({"conv_2d_back_input permuted", 2e-5, [](ggml_context * c) {
        const int64_t xne[4] = {11, 9, 3, 2};
        return ggml_conv_2d_back_input(c, in(c, "k", 3, 3, 3, 4), ggml_permute(c, in(c, "g", 11, 9, 2, 4), 0, 1, 3, 2), xne,
                                       1, 1, 1, 1, 1, 1);
    }});
}

ggml_tensor * param(ggml_context * c, const char * name, int64_t n0, int64_t n1 = 1, int64_t n2 = 1, int64_t n3 = 1) {
    ggml_tensor * t = in(c, name, n0, n1, n2, n3);
    ggml_set_param(t);
    return t;
}

// Small graphs differentiated by ggml_build_backward_expand: the forward values and every
// gradient are compared. Tolerance 1e-4: gradients chain several reductions.
void gradient_cases(std::vector<op_case> & v) {
    v.push_back({"grad fc: mul_mat add relu cross_entropy", 1e-4, [](ggml_context * c) {
        ggml_tensor * h = ggml_relu(c, ggml_add(c, ggml_mul_mat(c, param(c, "w1", 37, 23), in(c, "x", 37, 20)), param(c, "b1", 23)));
        ggml_tensor * logits = ggml_add(c, ggml_mul_mat(c, param(c, "w2", 23, 10), h), param(c, "b2", 10));
        return ggml_cross_entropy_loss(c, logits, in(c, "onehot", 10, 20));
    }, true});
    v.push_back({"grad cnn: conv pool bias relu dense", 1e-4, [](ggml_context * c) {
        ggml_tensor * x = ggml_conv_2d_direct(c, param(c, "k1", 3, 3, 1, 4), in(c, "x", 12, 12, 1, 6), 1, 1, 1, 1, 1, 1);
        x = ggml_relu(c, ggml_add(c, ggml_pool_2d(c, x, GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0), param(c, "b1", 1, 1, 4)));
        x = ggml_conv_2d_direct(c, param(c, "k2", 3, 3, 4, 6), x, 1, 1, 1, 1, 1, 1);
        x = ggml_relu(c, ggml_add(c, ggml_pool_2d(c, x, GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0), param(c, "b2", 1, 1, 6)));
        ggml_tensor * w = ggml_cont(c, ggml_permute(c, ggml_reshape_4d(c, param(c, "wd", 6 * 9, 10), 6, 3, 3, 10), 2, 0, 1, 3));
        ggml_tensor * logits = ggml_add(c, ggml_mul_mat(c, ggml_reshape_2d(c, w, 54, 10), ggml_reshape_2d(c, x, 54, 6)), param(c, "bd", 10));
        return ggml_cross_entropy_loss(c, logits, in(c, "onehot", 10, 6));
    }, true});
    v.push_back({"grad conv_2d via im2col, input too", 1e-4, [](ggml_context * c) {
        ggml_tensor * y = ggml_conv_2d(c, param(c, "k", 3, 3, 2, 4), param(c, "x", 9, 8, 2, 3), 2, 1, 1, 1, 1, 2);
        return ggml_sum(c, ggml_sqr(c, y));
    }, true});
    v.push_back({"grad conv_2d_direct input, avg pool", 1e-4, [](ggml_context * c) {
        ggml_tensor * y = ggml_conv_2d_direct(c, param(c, "k", 3, 3, 2, 4), param(c, "x", 9, 8, 2, 3), 1, 2, 1, 0, 2, 1);
        return ggml_sum(c, ggml_sqr(c, ggml_pool_2d(c, y, GGML_OP_POOL_AVG, 2, 2, 1, 1, 1, 1)));
    }, true});
    v.push_back({"grad broadcast mul sub div", 1e-4, [](ggml_context * c) {
        ggml_tensor * a = param(c, "a", 7, 5, 3), * b = param(c, "b", 7, 1, 3), * d = param(c, "pos_d", 1, 5);
        return ggml_sum(c, ggml_div(c, ggml_sub(c, ggml_mul(c, a, b), b), d));
    }, true});
}

std::vector<op_case> cases() {
    std::vector<op_case> v;
    const int64_t odd[4] = {7, 5, 3, 2};
    const char * bin_names[4] = {"add", "sub", "mul", "div"};
    using bin_fn = ggml_tensor * (*)(ggml_context *, ggml_tensor *, ggml_tensor *);
    const bin_fn bins[4] = {ggml_add, ggml_sub, ggml_mul, ggml_div};
    for (int k = 0; k < 4; ++k) {
        const bin_fn f = bins[k];
        v.push_back({std::string(bin_names[k]) + " odd", 1e-6, [=](ggml_context * c) {
            return f(c, in(c, "a", odd[0], odd[1], odd[2], odd[3]), in(c, "pos_b", odd[0], odd[1], odd[2], odd[3]));
        }});
        v.push_back({std::string(bin_names[k]) + " broadcast", 1e-6, [=](ggml_context * c) {
            return f(c, in(c, "a", 7, 5, 3, 2), in(c, "pos_b", 7, 1, 3, 1));
        }});
        v.push_back({std::string(bin_names[k]) + " permuted", 1e-6, [=](ggml_context * c) {
            return f(c, ggml_permute(c, in(c, "a", 5, 7, 2, 3), 1, 0, 3, 2), in(c, "pos_b", 7, 5, 3, 2));
        }});
    }
    v.push_back({"add bias mnist", 1e-6, [](ggml_context * c) { return ggml_add(c, in(c, "a", 500, 1000), in(c, "b", 500)); }});
    v.push_back({"scale", 1e-6, [](ggml_context * c) { return ggml_scale(c, in(c, "a", 7, 5, 3), 0.37f); }});
    v.push_back({"relu", 1e-6, [](ggml_context * c) { return ggml_relu(c, in(c, "a", 33, 17, 3)); }});
    v.push_back({"relu permuted", 1e-6, [](ggml_context * c) { return ggml_relu(c, ggml_transpose(c, in(c, "a", 33, 17))); }});
    v.push_back({"step (relu gradient)", 1e-6, [](ggml_context * c) {
        return ggml_mul(c, in(c, "g", 33, 17), ggml_step(c, in(c, "x", 33, 17)));
    }});
    v.push_back({"neg", 1e-6, [](ggml_context * c) { return ggml_neg(c, in(c, "a", 9, 4)); }});
    v.push_back({"sqr", 1e-6, [](ggml_context * c) { return ggml_sqr(c, in(c, "a", 9, 4)); }});
    v.push_back({"sqrt", 2e-5, [](ggml_context * c) { return ggml_sqrt(c, in(c, "pos_a", 9, 4)); }});
    v.push_back({"log", 2e-5, [](ggml_context * c) { return ggml_log(c, in(c, "pos_a", 9, 4)); }});
    v.push_back({"exp", 2e-5, [](ggml_context * c) { return ggml_exp(c, in(c, "a", 9, 4)); }});
    v.push_back({"tanh", 2e-5, [](ggml_context * c) { return ggml_tanh(c, in(c, "a", 9, 4)); }});
    v.push_back({"sigmoid", 2e-5, [](ggml_context * c) { return ggml_sigmoid(c, in(c, "a", 9, 4)); }});
    v.push_back({"cont permuted", 1e-6, [](ggml_context * c) { return ggml_cont(c, ggml_permute(c, in(c, "a", 7, 5, 3, 2), 2, 0, 3, 1)); }});
    v.push_back({"cont transposed mnist", 1e-6, [](ggml_context * c) { return ggml_cont(c, ggml_transpose(c, in(c, "a", 784, 100))); }});
    v.push_back({"dup", 1e-6, [](ggml_context * c) { return ggml_dup(c, in(c, "a", 7, 5, 3)); }});
    v.push_back({"cpy into reshaped", 1e-6, [](ggml_context * c) {
        return ggml_cpy(c, ggml_transpose(c, in(c, "a", 6, 35)), in(c, "b", 5, 42));
    }});
    v.push_back({"repeat", 1e-6, [](ggml_context * c) { return ggml_repeat(c, in(c, "a", 7, 1, 3), in(c, "b", 14, 5, 3, 2)); }});
    v.push_back({"repeat_back", 2e-5, [](ggml_context * c) { return ggml_repeat_back(c, in(c, "a", 14, 5, 3, 2), in(c, "b", 7, 1, 3)); }});
    v.push_back({"repeat_back fc bias", 2e-5, [](ggml_context * c) { return ggml_repeat_back(c, in(c, "a", 500, 1000), in(c, "b", 500)); }});
    v.push_back({"repeat_back conv bias", 2e-5, [](ggml_context * c) {
        return ggml_repeat_back(c, in(c, "a", 14, 14, 8, 100), in(c, "b", 1, 1, 8, 1));
    }});
    v.push_back({"repeat_back permuted", 2e-5, [](ggml_context * c) {
        return ggml_repeat_back(c, ggml_permute(c, in(c, "a", 5, 9, 6, 4), 2, 0, 3, 1), in(c, "b", 3, 1, 5, 2));
    }});
    v.push_back({"mul_mat odd", 2e-5, [](ggml_context * c) { return ggml_mul_mat(c, in(c, "a", 37, 19), in(c, "b", 37, 23)); }});
    v.push_back({"mul_mat batched broadcast", 2e-5, [](ggml_context * c) {
        return ggml_mul_mat(c, in(c, "a", 17, 9, 2, 1), in(c, "b", 17, 11, 4, 3));
    }});
    v.push_back({"mul_mat transposed inputs", 2e-5, [](ggml_context * c) {
        return ggml_mul_mat(c, ggml_transpose(c, in(c, "a", 19, 37)), ggml_transpose(c, in(c, "b", 23, 37)));
    }});
    v.push_back({"mul_mat mnist fc1", 2e-5, [](ggml_context * c) { return ggml_mul_mat(c, in(c, "w", 784, 500), in(c, "x", 784, 100)); }});
    v.push_back({"out_prod odd", 2e-5, [](ggml_context * c) { return ggml_out_prod(c, in(c, "a", 13, 29), in(c, "b", 7, 29)); }});
    v.push_back({"out_prod mnist", 2e-5, [](ggml_context * c) { return ggml_out_prod(c, in(c, "a", 500, 100), in(c, "b", 10, 100)); }});
    v.push_back({"out_prod batched broadcast", 2e-5, [](ggml_context * c) {
        return ggml_out_prod(c, in(c, "a", 13, 29, 2, 1), in(c, "b", 70, 29, 4, 3));
    }});
    v.push_back({"out_prod transposed inputs", 2e-5, [](ggml_context * c) {
        return ggml_out_prod(c, ggml_transpose(c, in(c, "a", 29, 67)), ggml_transpose(c, in(c, "b", 29, 13)));
    }});
    v.push_back({"out_prod mnist fc1 gradient", 2e-5, [](ggml_context * c) {
        return ggml_out_prod(c, in(c, "x", 784, 1000), in(c, "g", 500, 1000));
    }});
    v.push_back({"sum", 2e-5, [](ggml_context * c) { return ggml_sum(c, in(c, "a", 37, 19, 3)); }});
    v.push_back({"sum permuted", 2e-5, [](ggml_context * c) { return ggml_sum(c, ggml_permute(c, in(c, "a", 37, 19, 3), 1, 2, 0, 3)); }});
    v.push_back({"sum_rows", 2e-5, [](ggml_context * c) { return ggml_sum_rows(c, in(c, "a", 1000, 7, 3)); }});
    v.push_back({"sum_rows transposed", 2e-5, [](ggml_context * c) { return ggml_sum_rows(c, ggml_transpose(c, in(c, "a", 7, 300))); }});
    v.push_back({"mean", 2e-5, [](ggml_context * c) { return ggml_mean(c, in(c, "a", 37, 19)); }});
    v.push_back({"argmax", 0.0, [](ggml_context * c) { return ggml_argmax(c, in(c, "a", 10, 1000)); }});
    v.push_back({"count_equal", 0.0, [](ggml_context * c) {
        return ggml_count_equal(c, in(c, "int_a", 1000, 1, 1, 1, GGML_TYPE_I32), in(c, "int_b", 1000, 1, 1, 1, GGML_TYPE_I32));
    }});
    v.push_back({"cross_entropy_loss mnist", 2e-5, [](ggml_context * c) {
        return ggml_cross_entropy_loss(c, in(c, "logits", 10, 500), in(c, "onehot", 10, 500));
    }});
    v.push_back({"cross_entropy_loss_back mnist", 2e-5, [](ggml_context * c) {
        return ggml_cross_entropy_loss_back(c, in(c, "logits", 10, 500), in(c, "onehot", 10, 500), in(c, "pos_d", 1));
    }});
    v.push_back({"opt_step_adamw", 2e-5, [](ggml_context * c) {
        ggml_tensor * w = in(c, "w", 37, 19);
        ggml_set_param(w);
        return ggml_opt_step_adamw(c, w, in(c, "g", 37, 19), in(c, "m", 37, 19), in(c, "pos_v", 37, 19), in(c, "hp", 7));
    }});
    v.push_back({"opt_step_sgd", 1e-6, [](ggml_context * c) {
        ggml_tensor * w = in(c, "w", 37, 19);
        ggml_set_param(w);
        return ggml_opt_step_sgd(c, w, in(c, "g", 37, 19), in(c, "pos_hp", 2));
    }});
    // pooling (the CNN's other ops)
    v.push_back({"pool_2d max", 1e-6, [](ggml_context * c) {
        return ggml_pool_2d(c, in(c, "x", 28, 28, 8, 2), GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0);
    }});
    v.push_back({"pool_2d avg padded", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d(c, in(c, "x", 9, 7, 3, 2), GGML_OP_POOL_AVG, 3, 3, 2, 2, 1, 1);
    }});
    v.push_back({"pool_2d max overlapping", 1e-6, [](ggml_context * c) {
        return ggml_pool_2d(c, in(c, "x", 9, 7, 3, 2), GGML_OP_POOL_MAX, 3, 2, 2, 1, 1, 0);
    }});
    v.push_back({"pool_2d_back max mnist", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 14, 14, 8, 2), in(c, "x", 28, 28, 8, 2), GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0);
    }});
    v.push_back({"pool_2d_back max overlapping", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 5, 6, 3, 2), in(c, "x", 9, 7, 3, 2), GGML_OP_POOL_MAX, 3, 2, 2, 1, 1, 0);
    }});
    v.push_back({"pool_2d_back avg padded", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 5, 4, 3, 2), in(c, "x", 9, 7, 3, 2), GGML_OP_POOL_AVG, 3, 3, 2, 2, 1, 1);
    }});
    v.push_back({"pool_2d_back max odd padded", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 5, 4, 3, 2), in(c, "x", 9, 7, 3, 2), GGML_OP_POOL_MAX, 2, 2, 2, 2, 1, 1);
    }});
    v.push_back({"pool_2d_back max gaps", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 3, 3, 3, 2), in(c, "x", 10, 8, 3, 2), GGML_OP_POOL_MAX, 2, 2, 3, 3, 0, 0);
    }});
    v.push_back({"pool_2d_back max ties (relu input)", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 14, 14, 4, 2), ggml_relu(c, in(c, "x", 28, 28, 4, 2)), GGML_OP_POOL_MAX, 2, 2, 2, 2, 0, 0);
    }});
    v.push_back({"pool_2d_back avg gaps padded", 2e-5, [](ggml_context * c) {
        return ggml_pool_2d_back(c, in(c, "g", 4, 3, 3, 2), in(c, "x", 10, 8, 3, 2), GGML_OP_POOL_AVG, 2, 2, 3, 3, 1, 1);
    }});
    conv_cases(v);
    gradient_cases(v);
    return v;
}

} // namespace

int main() {
    ggml_backend_t cpu = ggml_backend_cpu_init();
    int devices = 0, failures = 0;
    for (size_t d = 0; d < ggml_backend_dev_count(); ++d) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(d);
        if (ggml_backend_dev_backend_reg(dev) == ggml_backend_cpu_reg()) continue;
        ggml_backend_t backend = ggml_backend_dev_init(dev, nullptr);
        if (!backend) {
            fprintf(stderr, "FAIL %s: cannot initialise\n", ggml_backend_dev_name(dev));
            ++failures;
            continue;
        }
        ++devices;
        printf("== %s (%s)\n", ggml_backend_dev_name(dev), ggml_backend_dev_description(dev));
        std::vector<std::string> fallback;
        for (const op_case & c : cases()) {
            built on_dev, on_cpu;
            build(on_dev, c, backend);
            if (!claimed(on_dev, backend)) {
                fallback.push_back(c.name);
                continue;
            }
            build(on_cpu, c, cpu);
            const bool ok_dev = ggml_backend_graph_compute(backend, on_dev.graph) == GGML_STATUS_SUCCESS;
            const bool ok_cpu = ggml_backend_graph_compute(cpu, on_cpu.graph) == GGML_STATUS_SUCCESS;
            double err = ok_dev && ok_cpu ? 0.0 : INFINITY;
            // the result and every tensor of the case (inputs written in place included)
            ggml_tensor * td = ggml_get_first_tensor(on_dev.ctx);
            ggml_tensor * tc = ggml_get_first_tensor(on_cpu.ctx);
            for (; td && tc && std::isfinite(err); td = ggml_get_next_tensor(on_dev.ctx, td), tc = ggml_get_next_tensor(on_cpu.ctx, tc)) {
                err = std::max(err, rel_error(read(td), read(tc)));
            }
            const bool pass = err <= c.tol;
            printf("%s %-32s max rel error %.3g (tolerance %.0e)\n", pass ? "ok  " : "FAIL", c.name.c_str(), err, c.tol);
            failures += pass ? 0 : 1;
        }
        for (const std::string & f : fallback) printf("cpu  %-32s not claimed: falls back to the CPU\n", f.c_str());
        ggml_backend_free(backend);
    }
    ggml_backend_free(cpu);
    if (devices == 0 && failures == 0) {
        printf("SKIPPED: no non-CPU backend device registered\n");
        return 77;
    }
    printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
