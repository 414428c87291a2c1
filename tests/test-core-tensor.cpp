// Contexts, tensor metadata and F16 conversion, checked against independent computations.

#include "ggml.h"
#include "op-harness.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#define CHECK(cond) OPH_CHECK(cond)

// Reference half -> float: decode the fields with plain arithmetic.
static double half_to_double(uint16_t h) {
    const int sign = (h >> 15) ? -1 : 1;
    const int exp = (h >> 10) & 0x1f;
    const int mant = h & 0x3ff;
    if (exp == 0) return sign * std::ldexp((double) mant, -24);
    if (exp == 31) return mant ? NAN : sign * INFINITY;
    return sign * std::ldexp(1.0 + mant / 1024.0, exp - 15);
}

static void test_fp16() {
    // every half value decodes exactly
    int bad = 0;
    for (uint32_t h = 0; h < 65536; ++h) {
        const double ref = half_to_double((uint16_t) h);
        const float got = ggml_fp16_to_fp32((ggml_fp16_t) h);
        if (std::isnan(ref) ? !std::isnan(got) : (double) got != ref) bad++;
    }
    CHECK(bad == 0);

    // float -> half rounds to the nearest half, ties to even: compare against a search over all halves
    uint32_t seed = 12345;
    bad = 0;
    for (int i = 0; i < 3000; ++i) {
        seed = seed * 1664525u + 1013904223u;
        const float x = (float) std::ldexp((double) (int32_t) seed / 2147483648.0, (int) (seed % 40) - 28);
        const uint16_t got = ggml_fp32_to_fp16(x);
        double best = INFINITY;
        for (uint32_t h = 0; h < 0x7c00; ++h) {
            const double d = std::fabs(half_to_double((uint16_t) h) - std::fabs((double) x));
            if (d < best) best = d;
        }
        const double err = std::fabs(half_to_double(got) - (double) x);
        if (std::fabs(x) < 65504.0f && err > best) bad++;
    }
    CHECK(bad == 0);
    // exact ties round to even
    CHECK(ggml_fp32_to_fp16(1.0f + 1.0f / 2048.0f) == 0x3c00);
    CHECK(ggml_fp32_to_fp16(1.0f + 3.0f / 2048.0f) == 0x3c02);
    CHECK(ggml_fp32_to_fp16(1e9f) == 0x7c00);
    CHECK(ggml_fp32_to_fp16(-0.0f) == 0x8000);
}

static void test_tensors() {
    ggml_init_params ip = {4 * 1024 * 1024, nullptr, false};
    ggml_context * ctx = ggml_init(ip);
    CHECK(ctx != nullptr);

    ggml_tensor * a = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 5, 4, 3);
    CHECK(a->ne[0] == 5 && a->ne[1] == 4 && a->ne[2] == 3 && a->ne[3] == 1);
    CHECK(a->nb[0] == 4 && a->nb[1] == 20 && a->nb[2] == 80 && a->nb[3] == 240);
    CHECK(ggml_nelements(a) == 60);
    CHECK(ggml_nrows(a) == 12);
    CHECK(ggml_nbytes(a) == 240);
    CHECK(ggml_n_dims(a) == 3);
    CHECK(ggml_is_contiguous(a));
    CHECK(a->data != nullptr);
    CHECK(((uintptr_t) a->data % GGML_MEM_ALIGN) == 0);

    ggml_tensor * s = ggml_new_tensor_1d(ctx, GGML_TYPE_I64, 1);
    CHECK(ggml_n_dims(s) == 1 && ggml_is_scalar(s) && ggml_nbytes(s) == 8);

    ggml_tensor * h = ggml_new_tensor_2d(ctx, GGML_TYPE_F16, 7, 2);
    CHECK(ggml_nbytes(h) == 28 && ggml_type_size(GGML_TYPE_F16) == 2);
    CHECK(ggml_row_size(GGML_TYPE_I16, 9) == 18);
    CHECK(strcmp(ggml_type_name(GGML_TYPE_I32), "i32") == 0);
    CHECK(ggml_blck_size(GGML_TYPE_F32) == 1);

    ggml_set_name(a, "alpha");
    ggml_format_name(h, "half_%d", 7);
    CHECK(strcmp(ggml_get_name(h), "half_7") == 0);
    CHECK(ggml_get_tensor(ctx, "alpha") == a);
    CHECK(ggml_get_tensor(ctx, "missing") == nullptr);

    // long names are truncated, never overflow
    std::string long_name(200, 'x');
    ggml_set_name(s, long_name.c_str());
    CHECK(strlen(s->name) == GGML_MAX_NAME - 1);

    // enumeration visits tensors in creation order
    ggml_tensor * order[3] = {a, s, h};
    int k = 0;
    for (ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        CHECK(k < 3 && t == order[k]);
        k++;
    }
    CHECK(k == 3);

    ggml_tensor * d = ggml_dup_tensor(ctx, a);
    CHECK(ggml_are_same_shape(a, d) && d->data != a->data);

    // strided layouts: a transposed view is not contiguous, its nbytes spans the source
    ggml_tensor * vt = ggml_view_tensor(ctx, a);
    CHECK(vt->view_src == a && vt->data == a->data);
    std::swap(vt->ne[0], vt->ne[1]);
    std::swap(vt->nb[0], vt->nb[1]);
    CHECK(!ggml_is_contiguous(vt) && ggml_is_transposed(vt) && ggml_is_permuted(vt));
    CHECK(ggml_nbytes(vt) == ggml_nbytes(a));

    int64_t i0, i1, i2, i3;
    ggml_unravel_index(a, 37, &i0, &i1, &i2, &i3);
    CHECK(i0 == 2 && i1 == 3 && i2 == 1 && i3 == 0);

    ggml_set_param(a);
    CHECK(a->flags & GGML_TENSOR_FLAG_PARAM);
    ggml_set_input(h);
    ggml_set_output(h);
    CHECK((h->flags & GGML_TENSOR_FLAG_INPUT) && (h->flags & GGML_TENSOR_FLAG_OUTPUT));

    float * p = ggml_get_data_f32(a);
    for (int i = 0; i < 60; ++i) p[i] = 1.0f;
    ggml_set_zero(a);
    bool zero = true;
    for (int i = 0; i < 60; ++i) zero = zero && p[i] == 0.0f;
    CHECK(zero);

    const size_t used = ggml_used_mem(ctx);
    CHECK(used > 0 && used <= ggml_get_mem_size(ctx));
    ggml_free(ctx);

    // metadata-only contexts: tensor structs cost ggml_tensor_overhead() each, no data
    ggml_init_params ip2 = {8 * ggml_tensor_overhead(), nullptr, true};
    ggml_context * meta = ggml_init(ip2);
    for (int i = 0; i < 8; ++i) {
        ggml_tensor * t = ggml_new_tensor_2d(meta, GGML_TYPE_F32, 1000, 1000);
        CHECK(t->data == nullptr);
    }
    ggml_free(meta);

    // a caller-provided arena
    std::vector<char> arena(1 << 16);
    ggml_init_params ip3 = {arena.size(), arena.data(), false};
    ggml_context * own = ggml_init(ip3);
    ggml_tensor * t = ggml_new_tensor_1d(own, GGML_TYPE_F32, 16);
    CHECK((char *) t->data > arena.data() && (char *) t->data < arena.data() + arena.size());
    ggml_free(own);
}

static void test_graph_basics() {
    ggml_init_params ip = {16 * 1024 * 1024, nullptr, true};
    ggml_context * ctx = ggml_init(ip);
    const size_t before = ggml_used_mem(ctx);
    ggml_cgraph * g = ggml_new_graph_custom(ctx, 64, true);
    CHECK(ggml_used_mem(ctx) - before <= ggml_graph_overhead_custom(64, true));
    CHECK(ggml_graph_size(g) == 64 && ggml_graph_n_nodes(g) == 0);

    ggml_tensor * w = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 4);
    ggml_set_param(w);
    ggml_set_name(w, "w");
    ggml_build_forward_expand(g, w);
    CHECK(ggml_graph_n_nodes(g) == 1 && ggml_graph_node(g, 0) == w && ggml_graph_node(g, -1) == w);
    CHECK(ggml_graph_get_tensor(g, "w") == w);
    ggml_build_forward_expand(g, w); // already visited: no duplicate
    CHECK(ggml_graph_n_nodes(g) == 1);

    ggml_cgraph * d = ggml_graph_dup(ctx, g, false);
    CHECK(ggml_graph_n_nodes(d) == 1 && ggml_graph_node(d, 0) == w);
    ggml_graph_clear(d);
    CHECK(ggml_graph_n_nodes(d) == 0);
    ggml_free(ctx);
}

int main() {
    test_fp16();
    test_tensors();
    test_graph_basics();
    return oph::finish();
}
