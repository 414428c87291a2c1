// Programming errors abort with file:line and a message naming the op and the shapes. Each case
// runs in a child process; the parent checks that it died and what it printed.

#include "ggml.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include "death-test.h"
#include "op-harness.h"

#include <functional>
#include <string>
#include <vector>

static void expect_abort(const char * what, const std::function<void(ggml_context *)> & fn,
                         const std::vector<std::string> & needles) {
    std::string err;
    const bool died = death::dies([&] {
        ggml_init_params ip = {1024 * 1024, nullptr, true};
        ggml_context * ctx = ggml_init(ip);
        fn(ctx);
    }, err);
    // op names may be spelled ADD or ggml_add: compare case-insensitively
    auto lower = [](std::string s) { for (char & c : s) c = (char) tolower((unsigned char) c); return s; };
    const std::string low = lower(err);
    bool ok = died && err.find(".cpp:") != std::string::npos;
    for (const std::string & n : needles) ok = ok && low.find(lower(n)) != std::string::npos;
    if (!ok) fprintf(stderr, "case '%s': died=%d, message: %s\n", what, died, err.c_str());
    oph::check(ok, what);
}

int main() {
    expect_abort("add with shapes that do not broadcast", [](ggml_context * ctx) {
        ggml_add(ctx, ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 3, 4), ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 5, 4));
    }, {"ADD", "[3, 4", "[5, 4"});

    expect_abort("mul_mat with different inner dimensions", [](ggml_context * ctx) {
        ggml_mul_mat(ctx, ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 784, 500), ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 500, 32));
    }, {"MUL_MAT", "[784, 500", "[500, 32"});

    expect_abort("full graph", [](ggml_context * ctx) {
        ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
        ggml_tensor * b = ggml_sqr(ctx, ggml_sqr(ctx, ggml_sqr(ctx, a)));
        ggml_cgraph * g = ggml_new_graph_custom(ctx, 2, false);
        ggml_build_forward_expand(g, b);
    }, {"graph is full"});

    expect_abort("unsupported tensor type", [](ggml_context * ctx) {
        ggml_new_tensor_1d(ctx, (ggml_type) 2, 32);
    }, {"unsupported tensor type"});

    expect_abort("context out of memory", [](ggml_context *) {
        ggml_init_params ip = {4096, nullptr, false};
        ggml_context * small = ggml_init(ip);
        ggml_new_tensor_1d(small, GGML_TYPE_F32, 100000);
    }, {"not enough space"});

    expect_abort("backward without a loss", [](ggml_context * ctx) {
        ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
        ggml_set_param(a);
        ggml_cgraph * g = ggml_new_graph_custom(ctx, 16, true);
        ggml_build_forward_expand(g, ggml_sqr(ctx, a));
        ggml_build_backward_expand(ctx, g, nullptr);
    }, {"loss"});

    expect_abort("reshape to a different element count", [](ggml_context * ctx) {
        ggml_reshape_2d(ctx, ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 6, 4), 5, 5);
    }, {"[6, 4"});

    // shapes whose size overflows, and NULL arguments: a message naming the function, not a segfault
    expect_abort("tensor whose byte size overflows", [](ggml_context * ctx) {
        ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1LL << 62, 4);
    }, {"ggml_new_tensor", "overflows"});
    expect_abort("tensor whose element count overflows", [](ggml_context * ctx) {
        ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 1LL << 32, 1LL << 32, 1, 1);
    }, {"ggml_new_tensor", "overflows"});
    expect_abort("new tensor in a NULL context", [](ggml_context *) {
        ggml_new_tensor_1d(nullptr, GGML_TYPE_F32, 4);
    }, {"ggml_new_tensor", "ctx is NULL"});
    expect_abort("get_tensor in a NULL context", [](ggml_context *) { ggml_get_tensor(nullptr, "a"); },
                 {"ggml_get_tensor", "ctx is NULL"});
    expect_abort("get_tensor with a NULL name", [](ggml_context * ctx) { ggml_get_tensor(ctx, nullptr); },
                 {"ggml_get_tensor", "name is NULL"});

    return oph::finish();
}
