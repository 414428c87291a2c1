// Forward results of the reductions (sum, sum_rows, mean, argmax, count_equal) and of repeat /
// repeat_back against double-precision loops, for odd shapes and non-contiguous inputs.

#include "op-harness.h"

#include <cstdio>
#include <string>
#include <vector>

using oph::layout;

static const layout LAYOUTS[] = {layout::contiguous, layout::transposed, layout::padded, layout::permuted};

struct shape4 {
    int64_t ne[4];
};

static const shape4 SHAPES[] = {
    {{1, 1, 1, 1}}, {{7, 1, 1, 1}}, {{5, 3, 1, 1}}, {{17, 4, 3, 2}}, {{33, 2, 5, 1}}, {{300, 7, 1, 1}},
};

static std::string label(const char * op, const ggml_tensor * t, layout l) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s [%lld, %lld, %lld, %lld] %s %s", op, (long long) t->ne[0], (long long) t->ne[1],
             (long long) t->ne[2], (long long) t->ne[3], ggml_type_name(t->type), oph::layout_name(l));
    return buf;
}

static void test_sums() {
    for (const shape4 & s : SHAPES) {
        for (layout l : LAYOUTS) {
            ggml_context * ctx = oph::new_context(16u << 20);
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, s.ne, l, 1);
            const std::vector<double> v = oph::read(a);
            const int64_t ne0 = a->ne[0], nrows = ggml_nrows(a);

            double total = 0;
            std::vector<double> rows(nrows, 0.0), means(nrows);
            for (int64_t r = 0; r < nrows; ++r) {
                for (int64_t i = 0; i < ne0; ++i) rows[r] += v[r * ne0 + i];
                means[r] = rows[r] / (double) ne0;
                total += rows[r];
            }

            ggml_tensor * sum = oph::compute(ctx, ggml_sum(ctx, a));
            oph::check(ggml_nelements(sum) == 1, "sum has one element");
            oph::check_close(label("sum", a, l).c_str(), sum, {total}, 1e-5, 1e-5);

            ggml_tensor * sr = oph::compute(ctx, ggml_sum_rows(ctx, a));
            oph::check(sr->ne[0] == 1 && sr->ne[1] == a->ne[1] && sr->ne[2] == a->ne[2] && sr->ne[3] == a->ne[3],
                       "sum_rows has shape [1, ne1, ne2, ne3]");
            oph::check_close(label("sum_rows", a, l).c_str(), sr, rows, 1e-5, 1e-5);

            ggml_tensor * mean = oph::compute(ctx, ggml_mean(ctx, a));
            oph::check(ggml_are_same_shape(mean, sr), "mean has the shape of sum_rows");
            oph::check_close(label("mean", a, l).c_str(), mean, means, 1e-6, 1e-5);
            ggml_free(ctx);
        }
    }
    // F16 input
    ggml_context * ctx = oph::new_context(1u << 20);
    const int64_t ne[4] = {9, 4, 1, 1};
    ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F16, ne, layout::transposed, 2);
    const std::vector<double> v = oph::read(a);
    std::vector<double> rows(4, 0.0);
    for (int r = 0; r < 4; ++r)
        for (int i = 0; i < 9; ++i) rows[r] += v[r * 9 + i];
    oph::check_close("sum_rows f16", oph::compute(ctx, ggml_sum_rows(ctx, a)), rows, 1e-2, 1e-3);
    ggml_free(ctx);
}

static void test_argmax() {
    const int64_t shapes[][2] = {{1, 1}, {10, 1}, {10, 33}, {257, 5}, {3, 100}};
    for (const auto & sh : shapes) {
        for (layout l : {layout::contiguous, layout::transposed, layout::padded}) {
            ggml_context * ctx = oph::new_context(4u << 20);
            const int64_t ne[4] = {sh[0], sh[1], 1, 1};
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, ne, l, 3);
            // a tie in row 0: the first index wins
            if (sh[0] >= 3) {
                oph::set_element(a, 5.0, 1, 0);
                oph::set_element(a, 5.0, 2, 0);
            }
            std::vector<double> ref(sh[1]);
            for (int64_t i1 = 0; i1 < sh[1]; ++i1) {
                int64_t best = 0;
                for (int64_t i0 = 1; i0 < sh[0]; ++i0) {
                    if (oph::get_element(a, i0, i1) > oph::get_element(a, best, i1)) best = i0;
                }
                ref[i1] = (double) best;
            }
            ggml_tensor * y = oph::compute(ctx, ggml_argmax(ctx, a));
            oph::check(y->type == GGML_TYPE_I32 && y->ne[0] == sh[1] && ggml_n_dims(y) == 1, "argmax is I32 [ne1]");
            oph::check_close(label("argmax", a, l).c_str(), y, ref, 0, 0);
            ggml_free(ctx);
        }
    }
}

static void test_count_equal() {
    const shape4 shapes[] = {{{1, 1, 1, 1}}, {{10, 1, 1, 1}}, {{7, 3, 2, 1}}, {{500, 3, 1, 1}}};
    for (const shape4 & s : shapes) {
        for (layout l : LAYOUTS) {
            ggml_context * ctx = oph::new_context(4u << 20);
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_I32, s.ne, l, 4, 0, 4);
            ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_I32, s.ne, layout::contiguous, 5, 0, 4);
            const std::vector<double> va = oph::read(a), vb = oph::read(b);
            double n = 0;
            for (size_t i = 0; i < va.size(); ++i) n += va[i] == vb[i];
            ggml_tensor * y = oph::compute(ctx, ggml_count_equal(ctx, a, b));
            oph::check(y->type == GGML_TYPE_I64 && ggml_nelements(y) == 1, "count_equal is an I64 scalar");
            oph::check_close(label("count_equal", a, l).c_str(), y, {n}, 0, 0);
            ggml_free(ctx);
        }
    }
}

static void test_repeat() {
    struct repeat_case {
        int64_t small[4];
        int64_t big[4];
    };
    const repeat_case cases[] = {
        {{1, 1, 1, 1}, {5, 3, 2, 1}},
        {{5, 1, 1, 1}, {5, 4, 1, 1}},
        {{1, 4, 1, 1}, {6, 4, 1, 1}},
        {{3, 2, 1, 2}, {9, 4, 3, 2}},
        {{7, 3, 2, 1}, {7, 3, 2, 1}},
        {{2, 1, 3, 1}, {4, 5, 3, 3}},
    };
    for (const repeat_case & rc : cases) {
        for (layout l : LAYOUTS) {
            ggml_context * ctx = oph::new_context(4u << 20);
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, rc.small, l, 6);
            ggml_tensor * shape = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, rc.big[0], rc.big[1], rc.big[2], rc.big[3]);
            std::vector<double> ref;
            for (int64_t i3 = 0; i3 < rc.big[3]; ++i3)
                for (int64_t i2 = 0; i2 < rc.big[2]; ++i2)
                    for (int64_t i1 = 0; i1 < rc.big[1]; ++i1)
                        for (int64_t i0 = 0; i0 < rc.big[0]; ++i0)
                            ref.push_back(oph::get_element(a, i0 % a->ne[0], i1 % a->ne[1], i2 % a->ne[2], i3 % a->ne[3]));
            ggml_tensor * y = oph::compute(ctx, ggml_repeat(ctx, a, shape));
            oph::check(ggml_are_same_shape(y, shape), "repeat has b's shape");
            oph::check_close(label("repeat", a, l).c_str(), y, ref, 0, 0);

            // repeat_back: sum of the tiles of a big tensor
            ggml_tensor * big = oph::new_input(ctx, GGML_TYPE_F32, rc.big, l, 7);
            ggml_tensor * small = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, rc.small[0], rc.small[1], rc.small[2], rc.small[3]);
            std::vector<double> sums(ggml_nelements(small), 0.0);
            for (int64_t i3 = 0; i3 < rc.big[3]; ++i3)
                for (int64_t i2 = 0; i2 < rc.big[2]; ++i2)
                    for (int64_t i1 = 0; i1 < rc.big[1]; ++i1)
                        for (int64_t i0 = 0; i0 < rc.big[0]; ++i0) {
                            const int64_t j = (i0 % rc.small[0]) + rc.small[0] * ((i1 % rc.small[1]) +
                                              rc.small[1] * ((i2 % rc.small[2]) + rc.small[2] * (i3 % rc.small[3])));
                            sums[j] += oph::get_element(big, i0, i1, i2, i3);
                        }
            ggml_tensor * rb = oph::compute(ctx, ggml_repeat_back(ctx, big, small));
            oph::check(ggml_are_same_shape(rb, small), "repeat_back has b's shape");
            oph::check_close(label("repeat_back", big, l).c_str(), rb, sums, 1e-5, 1e-5);
            ggml_free(ctx);
        }
    }
}

int main() {
    test_sums();
    test_argmax();
    test_count_equal();
    test_repeat();
    return oph::finish();
}
