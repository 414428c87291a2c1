#pragma once

// Helpers for the neural-network operator tests (softmax, losses, convolution, pooling,
// optimizer steps): strided views built without any operator, and abort checks.
//
// Usage:
//   ggml_tensor * v = nnt::strided_view(ctx, base, {5, 3}, {8, 40});   // every other float
//   nnt::expect_abort("pool of an I32", [](ggml_context * ctx) { ... }, "ggml_pool_2d");

#include "ggml.h"
#include "death-test.h"
#include "op-harness.h"

#include <cstdio>
#include <functional>
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
inline void expect_abort(const char * what, const std::function<void(ggml_context *)> & fn, const char * needle) {
    std::string err;
    const bool died = death::dies([&] {
        ggml_init_params ip = {1024 * 1024, nullptr, true};
        fn(ggml_init(ip));
    }, err);
    const bool ok = died && err.find(needle) != std::string::npos;
    if (!ok) fprintf(stderr, "abort case '%s': message was: %s\n", what, err.c_str());
    oph::check(ok, what);
}

} // namespace nnt
