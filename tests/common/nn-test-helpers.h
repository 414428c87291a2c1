#pragma once

// Helpers for the neural-network operator tests (softmax, losses, convolution, pooling,
// optimizer steps): strided views built without any operator, abort checks, convolution cases
// and inputs with distinct values.
//
// Usage:
//   ggml_tensor * v = nnt::strided_view(ctx, base, {5, 3}, {8, 40});   // every other float
//   nnt::expect_abort("pool of an I32", [](ggml_context * ctx) { ... }, "ggml_pool_2d");
//   nnt::fill_distinct(x, seed, 0.05);   // values 0.05 apart, shuffled

#include "ggml.h"
#include "death-test.h"
#include "op-harness.h"

#include <cstdio>
#include <functional>
#include <utility>
#include <string>
#include <vector>

namespace nnt {

// A view of base's memory with the given shape and byte strides (up to 4 dims), bypassing the
// view operators so these tests depend only on the ops they test.
inline ggml_tensor * strided_view(ggml_context * ctx, ggml_tensor * base, std::vector<int64_t> ne, std::vector<size_t> nb) {
    ggml_tensor * v = ggml_view_tensor(ctx, base);
    for (int i = 0; i < GGML_MAX_DIMS; ++i) {
        v->ne[i] = i < (int) ne.size() ? ne[i] : 1;
        v->nb[i] = i < (int) nb.size() ? nb[i] : (i == 0 ? ggml_type_size(base->type) : v->nb[i - 1] * v->ne[i - 1]);
    }
    GGML_ASSERT(ggml_nbytes(v) <= ggml_nbytes(base));
    return v;
}

// Runs fn in a child process and counts a pass when it aborts with a message containing needle.
// WebAssembly builds (run by node) have no child processes: the abort cases are skipped there.
inline void expect_abort(const char * what, const std::function<void(ggml_context *)> & fn, const char * needle) {
#if defined(__EMSCRIPTEN__)
    printf("skipped (no child processes here): abort case '%s'\n", what);
    (void) fn; (void) needle;
    return;
#endif
    std::string err;
    const bool died = death::dies([&] {
        ggml_init_params ip = {1024 * 1024, nullptr, true};
        fn(ggml_init(ip));
    }, err);
    const bool ok = died && err.find(needle) != std::string::npos;
    if (!ok) fprintf(stderr, "abort case '%s': message was: %s\n", what, err.c_str());
    oph::check(ok, what);
}

// A 2-D convolution: input [IW, IH, IC, N], kernel [KW, KH, IC, OC], strides s, padding p and
// dilation d along W (0) and H (1).
struct conv_case {
    int64_t IW, IH, IC, N, KW, KH, OC;
    int s0, s1, p0, p1, d0, d1;
};

// Output extent of a convolution along one axis.
inline int64_t conv_out(int64_t in, int64_t k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }

// A case's kernel [KW, KH, IC, OC], data [IW, IH, IC, N] and a tensor of the output's shape, F32,
// filled with random values from seeds seed, seed + 1, seed + 2 (seed is advanced past them).
struct conv_tensors {
    ggml_tensor * k, * x, * out;
};
inline conv_tensors new_conv_tensors(ggml_context * ctx, const conv_case & c, uint32_t & seed) {
    conv_tensors t;
    t.k = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.KW, c.KH, c.IC, c.OC);
    t.x = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, c.IW, c.IH, c.IC, c.N);
    t.out = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, conv_out(c.IW, c.KW, c.s0, c.p0, c.d0), conv_out(c.IH, c.KH, c.s1, c.p1, c.d1), c.OC, c.N);
    oph::fill_random(t.k, seed++);
    oph::fill_random(t.x, seed++);
    oph::fill_random(t.out, seed++);
    return t;
}

inline std::string conv_label(const char * what, const conv_case & c) {
    char buf[200];
    snprintf(buf, sizeof buf, "%s in [%lld,%lld,%lld,%lld] k [%lld,%lld,%lld] s %d,%d p %d,%d d %d,%d", what, (long long) c.IW,
             (long long) c.IH, (long long) c.IC, (long long) c.N, (long long) c.KW, (long long) c.KH, (long long) c.OC, c.s0, c.s1,
             c.p0, c.p1, c.d0, c.d1);
    return buf;
}

// Distinct values `step` apart, centred on 0, in an order shuffled by seed: the maximum of a
// pooling window is unambiguous.
inline void fill_distinct(ggml_tensor * t, uint32_t seed, double step) {
    const int64_t n = ggml_nelements(t);
    std::vector<double> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = step * ((double) i - 0.5 * (double) n);
    uint32_t s = seed;
    for (int64_t i = n - 1; i > 0; --i) {
        s = s * 1664525u + 1013904223u;
        std::swap(v[i], v[(s >> 8) % (uint32_t) (i + 1)]);
    }
    oph::write(t, v);
}

} // namespace nnt
