// Layout ops (reshape, view, permute, transpose) and copies (dup, cpy, cont, cont_Nd, cast):
// element positions against index arithmetic done here, values against the source's values in
// logical order, F32 <-> F16 conversion, and non-contiguous sources and destinations.

#include "op-harness.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using oph::layout;

static const layout LAYOUTS[] = {layout::contiguous, layout::transposed, layout::padded, layout::permuted};

static std::string label(const char * op, const ggml_tensor * t, layout l) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s [%lld, %lld, %lld, %lld] %s %s", op, (long long) t->ne[0], (long long) t->ne[1],
             (long long) t->ne[2], (long long) t->ne[3], ggml_type_name(t->type), oph::layout_name(l));
    return buf;
}

// F16-rounded copies of values
static std::vector<double> to_f16(std::vector<double> v) {
    for (double & x : v) x = ggml_fp16_to_fp32(ggml_fp32_to_fp16((float) x));
    return v;
}

static void test_reshape() {
    ggml_context * ctx = oph::new_context(4u << 20);
    ggml_tensor * a = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 6, 5, 4);
    oph::fill_random(a, 1);
    const std::vector<double> v = oph::read(a);

    ggml_tensor * r1 = ggml_reshape_1d(ctx, a, 120);
    ggml_tensor * r2 = ggml_reshape_2d(ctx, a, 10, 12);
    ggml_tensor * r3 = ggml_reshape_3d(ctx, a, 3, 8, 5);
    ggml_tensor * r4 = ggml_reshape_4d(ctx, a, 2, 3, 4, 5);
    ggml_tensor * like = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 24, 5);
    ggml_tensor * rl = ggml_reshape(ctx, a, like);
    for (ggml_tensor * r : {r1, r2, r3, r4, rl}) {
        oph::check(r->op == GGML_OP_RESHAPE && r->src[0] == a && r->data == a->data && ggml_is_contiguous(r),
                   "reshape is a contiguous view of its source");
        oph::compute(ctx, r);
        oph::check_close("reshape keeps the logical order", r, v, 0, 0);
    }
    oph::check(ggml_n_dims(r3) == 3 && r3->ne[0] == 3 && r3->ne[1] == 8 && r3->ne[2] == 5, "reshape_3d shape");
    oph::check(ggml_are_same_shape(rl, like), "reshape(a, b) takes b's shape");
    ggml_free(ctx);
}

static void test_view() {
    ggml_context * ctx = oph::new_context(4u << 20);
    ggml_tensor * a = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 7, 6, 5, 3);
    oph::fill_random(a, 2);
    const size_t es = sizeof(float);

    ggml_tensor * v1 = ggml_view_1d(ctx, a, 10, 3 * es);
    std::vector<double> ref1;
    for (int i = 0; i < 10; ++i) ref1.push_back(oph::get_element(a, 3 + i));
    oph::check(v1->op == GGML_OP_VIEW && v1->src[0] == a && v1->view_src == a, "view_1d records its source");
    oph::check_close("view_1d", oph::compute(ctx, v1), ref1, 0, 0);

    // columns 2..5 of rows 1..4 of plane 0
    ggml_tensor * v2 = ggml_view_2d(ctx, a, 4, 4, a->nb[1], 2 * es + a->nb[1]);
    std::vector<double> ref2;
    for (int i1 = 0; i1 < 4; ++i1)
        for (int i0 = 0; i0 < 4; ++i0) ref2.push_back(oph::get_element(a, 2 + i0, 1 + i1));
    oph::check_close("view_2d", oph::compute(ctx, v2), ref2, 0, 0);
    oph::check(!ggml_is_contiguous(v2), "a strided view is not contiguous");

    // every other plane
    ggml_tensor * v3 = ggml_view_3d(ctx, a, 7, 6, 3, a->nb[1], 2 * a->nb[2], a->nb[3]);
    std::vector<double> ref3;
    for (int i2 = 0; i2 < 3; ++i2)
        for (int i1 = 0; i1 < 6; ++i1)
            for (int i0 = 0; i0 < 7; ++i0) ref3.push_back(oph::get_element(a, i0, i1, 2 * i2, 1));
    oph::check_close("view_3d", oph::compute(ctx, v3), ref3, 0, 0);

    ggml_tensor * v4 = ggml_view_4d(ctx, a, 2, 2, 2, 2, a->nb[1], a->nb[2], a->nb[3], es);
    std::vector<double> ref4;
    for (int i3 = 0; i3 < 2; ++i3)
        for (int i2 = 0; i2 < 2; ++i2)
            for (int i1 = 0; i1 < 2; ++i1)
                for (int i0 = 0; i0 < 2; ++i0) ref4.push_back(oph::get_element(a, 1 + i0, i1, i2, i3));
    oph::check_close("view_4d", oph::compute(ctx, v4), ref4, 0, 0);

    // a view of a view resolves to the original memory
    ggml_tensor * vv = ggml_view_1d(ctx, v1, 2, 4 * es);
    oph::check(vv->view_src == a && vv->data == (char *) a->data + 7 * es, "view of a view points into the root tensor");
    ggml_free(ctx);
}

static void test_permute() {
    ggml_context * ctx = oph::new_context(4u << 20);
    ggml_tensor * a = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, 2, 3, 4, 5);
    oph::fill_random(a, 3);
    int axes[4] = {0, 1, 2, 3};
    int n = 0;
    do {
        ggml_tensor * p = ggml_permute(ctx, a, axes[0], axes[1], axes[2], axes[3]);
        bool ok = p->op == GGML_OP_PERMUTE && p->data == a->data;
        for (int i = 0; i < 4; ++i) ok = ok && p->ne[axes[i]] == a->ne[i];
        // element idx of a is element pidx of p, with pidx[axes[i]] = idx[i]
        for (int64_t k = 0; k < ggml_nelements(a) && ok; ++k) {
            int64_t idx[4], pidx[4];
            ggml_unravel_index(a, k, &idx[0], &idx[1], &idx[2], &idx[3]);
            for (int i = 0; i < 4; ++i) pidx[axes[i]] = idx[i];
            ok = oph::get_element(p, pidx[0], pidx[1], pidx[2], pidx[3]) == oph::get_element(a, idx[0], idx[1], idx[2], idx[3]);
        }
        char what[64];
        snprintf(what, sizeof what, "permute(%d, %d, %d, %d)", axes[0], axes[1], axes[2], axes[3]);
        oph::check(ok, what);

        // a contiguous copy of the permutation holds the same values in its own logical order
        ggml_tensor * c = oph::compute(ctx, ggml_cont(ctx, p));
        oph::check_close(what, c, oph::read(p), 0, 0);
        n++;
    } while (std::next_permutation(axes, axes + 4));
    oph::check(n == 24, "all 24 permutations tried");

    ggml_tensor * t = ggml_transpose(ctx, a);
    bool ok = t->op == GGML_OP_TRANSPOSE && t->ne[0] == 3 && t->ne[1] == 2 && ggml_is_transposed(t);
    for (int64_t i1 = 0; i1 < 3; ++i1)
        for (int64_t i0 = 0; i0 < 2; ++i0) ok = ok && oph::get_element(t, i1, i0, 2, 3) == oph::get_element(a, i0, i1, 2, 3);
    oph::check(ok, "transpose swaps dims 0 and 1");
    ggml_free(ctx);
}

static void test_copies() {
    const int64_t shapes[][4] = {{1, 1, 1, 1}, {7, 5, 1, 1}, {13, 4, 3, 2}, {64, 3, 2, 1}};
    for (const auto & ne : shapes) {
        for (layout l : LAYOUTS) {
            ggml_context * ctx = oph::new_context(8u << 20);
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, ne, l, 4);
            const std::vector<double> v = oph::read(a);

            ggml_tensor * d = oph::compute(ctx, ggml_dup(ctx, a));
            oph::check(d->op == GGML_OP_DUP && ggml_is_contiguous(d) && d->data != a->data, "dup is a new contiguous tensor");
            oph::check_close(label("dup", a, l).c_str(), d, v, 0, 0);

            ggml_tensor * c = oph::compute(ctx, ggml_cont(ctx, a));
            oph::check(c->op == GGML_OP_CONT && ggml_is_contiguous(c) && c->data != a->data, "cont always copies");
            oph::check_close(label("cont", a, l).c_str(), c, v, 0, 0);

            const int64_t n = ggml_nelements(a);
            oph::check_close(label("cont_1d", a, l).c_str(), oph::compute(ctx, ggml_cont_1d(ctx, a, n)), v, 0, 0);
            ggml_tensor * c2 = oph::compute(ctx, ggml_cont_2d(ctx, a, ne[0] * ne[1], ne[2] * ne[3]));
            oph::check(c2->ne[0] == ne[0] * ne[1] && c2->ne[1] == ne[2] * ne[3], "cont_2d shape");
            oph::check_close(label("cont_2d", a, l).c_str(), c2, v, 0, 0);
            oph::check_close(label("cont_3d", a, l).c_str(), oph::compute(ctx, ggml_cont_3d(ctx, a, ne[0], ne[1] * ne[2], ne[3])), v, 0, 0);
            oph::check_close(label("cont_4d", a, l).c_str(), oph::compute(ctx, ggml_cont_4d(ctx, a, ne[1], ne[0], ne[3], ne[2])), v, 0, 0);

            // F32 -> F16 -> F32 through casts
            ggml_tensor * h = oph::compute(ctx, ggml_cast(ctx, a, GGML_TYPE_F16));
            oph::check(h->type == GGML_TYPE_F16 && h->op == GGML_OP_CPY, "cast is a CPY into a new tensor");
            oph::check_close(label("cast to f16", a, l).c_str(), h, to_f16(v), 0, 0);
            ggml_tensor * back = oph::compute(ctx, ggml_cast(ctx, h, GGML_TYPE_F32));
            oph::check_close(label("cast f16 to f32", a, l).c_str(), back, to_f16(v), 0, 0);
            ggml_tensor * h2 = oph::new_input(ctx, GGML_TYPE_F16, ne, layout::permuted, 10);
            oph::compute(ctx, ggml_cpy(ctx, ggml_transpose(ctx, ggml_cont(ctx, ggml_transpose(ctx, h))), h2));
            oph::check_close(label("cpy f16 to f16", a, l).c_str(), h2, to_f16(v), 0, 0);

            // cpy into destinations of every layout, F32 and F16
            for (layout lb : LAYOUTS) {
                for (ggml_type bt : {GGML_TYPE_F32, GGML_TYPE_F16}) {
                    ggml_tensor * b = oph::new_input(ctx, bt, ne, lb, 5);
                    ggml_tensor * y = ggml_cpy(ctx, a, b);
                    oph::check(y->op == GGML_OP_CPY && y->data == b->data && y->src[0] == a && y->src[1] == b,
                               "cpy returns a view of b");
                    oph::compute(ctx, y);
                    std::string what = label("cpy", a, l) + " into " + oph::layout_name(lb) + " " + ggml_type_name(bt);
                    oph::check_close(what.c_str(), b, bt == GGML_TYPE_F16 ? to_f16(v) : v, 0, 0);
                }
            }
            ggml_free(ctx);
        }
    }

    // shapes differ, element counts match: copy in logical order
    for (layout la : LAYOUTS) {
        for (layout lb : LAYOUTS) {
            ggml_context * ctx = oph::new_context(4u << 20);
            const int64_t na[4] = {6, 4, 5, 1}, nb[4] = {8, 3, 1, 5};
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, na, la, 6);
            ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_F32, nb, lb, 7);
            oph::compute(ctx, ggml_cpy(ctx, a, b));
            std::string what = label("cpy to another shape", a, la) + " into " + oph::layout_name(lb);
            oph::check_close(what.c_str(), b, oph::read(a), 0, 0);
            ggml_free(ctx);
        }
    }

    // same-type copies of integer types
    for (ggml_type t : {GGML_TYPE_I8, GGML_TYPE_I16, GGML_TYPE_I32, GGML_TYPE_I64}) {
        ggml_context * ctx = oph::new_context(1u << 20);
        const int64_t ne[4] = {5, 4, 3, 1};
        ggml_tensor * a = oph::new_input(ctx, t, ne, layout::transposed, 8, -100, 100);
        ggml_tensor * b = oph::new_input(ctx, t, ne, layout::padded, 9);
        oph::compute(ctx, ggml_cpy(ctx, a, b));
        oph::check_close(label("cpy", a, layout::transposed).c_str(), b, oph::read(a), 0, 0);
        oph::check_close(label("cont", a, layout::transposed).c_str(), oph::compute(ctx, ggml_cont(ctx, a)), oph::read(a), 0, 0);
        ggml_free(ctx);
    }
}

// conversions between floats and integers: truncation toward zero, saturation at the type's range
static void test_integer_casts() {
    ggml_context * ctx = oph::new_context(1u << 20);
    const int64_t ne[4] = {6, 5, 1, 1};
    ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, ne, layout::transposed, 11, -150.0, 150.0);
    oph::set_element(a, 1e10, 0, 0);
    oph::set_element(a, -1e10, 1, 0);
    oph::set_element(a, NAN, 2, 0);
    const std::vector<double> v = oph::read(a);
    auto expect = [&](double lo, double hi) {
        std::vector<double> r;
        for (double x : v) r.push_back(std::isnan(x) ? 0.0 : std::min(hi, std::max(lo, std::trunc(x))));
        return r;
    };
    ggml_tensor * i32 = oph::compute(ctx, ggml_cast(ctx, a, GGML_TYPE_I32));
    oph::check_close("cast f32 to i32", i32, expect(INT32_MIN, INT32_MAX), 0, 0);
    oph::check_close("cast f32 to i8", oph::compute(ctx, ggml_cast(ctx, a, GGML_TYPE_I8)), expect(-128, 127), 0, 0);
    oph::check_close("cast i32 to f32", oph::compute(ctx, ggml_cast(ctx, i32, GGML_TYPE_F32)), expect(INT32_MIN, INT32_MAX), 0, 1e-7);
    ggml_tensor * i16 = oph::new_input(ctx, GGML_TYPE_I16, ne, layout::padded, 12, -1000, 1000);
    oph::check_close("cast i16 to f16", oph::compute(ctx, ggml_cast(ctx, i16, GGML_TYPE_F16)), to_f16(oph::read(i16)), 0, 0);
    ggml_free(ctx);
}

int main() {
    test_integer_casts();
    test_reshape();
    test_view();
    test_permute();
    test_copies();
    return oph::finish();
}
