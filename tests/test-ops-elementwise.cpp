// Forward results of the element-wise ops (add, sub, mul, div with broadcasting, add1, acc, the
// unary activations, silu_back, sqr, sqrt, log, scale) against double-precision loops, for odd
// shapes, non-contiguous inputs and in-place variants. Each graph also runs with 1 and 3 threads.

#include "op-harness.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

using oph::layout;

static const layout LAYOUTS[] = {layout::contiguous, layout::transposed, layout::padded, layout::permuted};

struct shape4 {
    int64_t ne[4];
};

static const shape4 SHAPES[] = {
    {{1, 1, 1, 1}}, {{7, 1, 1, 1}}, {{5, 3, 1, 1}}, {{17, 4, 3, 2}}, {{33, 2, 5, 1}},
};

static std::string label(const char * op, const ggml_tensor * t, layout l, const char * extra = "") {
    char buf[256];
    snprintf(buf, sizeof buf, "%s [%lld, %lld, %lld, %lld] %s %s%s", op, (long long) t->ne[0], (long long) t->ne[1],
             (long long) t->ne[2], (long long) t->ne[3], ggml_type_name(t->type), oph::layout_name(l), extra);
    return buf;
}

// ---------------------------------------------------------------------------------------------
// binary ops

typedef double (*binary_fn)(double, double);

// b repeats over a: element (i0..i3) of the result reads b at (i0 % b.ne0, ...)
static std::vector<double> ref_binary(const ggml_tensor * a, const ggml_tensor * b, binary_fn f) {
    std::vector<double> out;
    for (int64_t i3 = 0; i3 < a->ne[3]; ++i3)
        for (int64_t i2 = 0; i2 < a->ne[2]; ++i2)
            for (int64_t i1 = 0; i1 < a->ne[1]; ++i1)
                for (int64_t i0 = 0; i0 < a->ne[0]; ++i0) {
                    const double x = oph::get_element(a, i0, i1, i2, i3);
                    const double y = oph::get_element(b, i0 % b->ne[0], i1 % b->ne[1], i2 % b->ne[2], i3 % b->ne[3]);
                    out.push_back(f(x, y));
                }
    return out;
}

struct binary_case {
    const char * name;
    ggml_tensor * (*op)(ggml_context *, ggml_tensor *, ggml_tensor *);
    ggml_tensor * (*op_inplace)(ggml_context *, ggml_tensor *, ggml_tensor *);
    binary_fn ref;
};

static const binary_case BINARY[] = {
    {"add", ggml_add, ggml_add_inplace, [](double x, double y) { return x + y; }},
    {"sub", ggml_sub, ggml_sub_inplace, [](double x, double y) { return x - y; }},
    {"mul", ggml_mul, ggml_mul_inplace, [](double x, double y) { return x * y; }},
    {"div", ggml_div, ggml_div_inplace, [](double x, double y) { return x / y; }},
};

// b's shapes for an a of shape ne: the same shape and several broadcasts
static std::vector<shape4> broadcast_shapes(const int64_t * ne) {
    std::vector<shape4> out = {
        {{ne[0], ne[1], ne[2], ne[3]}},
        {{ne[0], 1, 1, 1}},
        {{1, ne[1], 1, 1}},
        {{1, 1, 1, 1}},
        {{ne[0], ne[1], 1, ne[3]}},
    };
    return out;
}

static void test_binary() {
    for (const binary_case & bc : BINARY) {
        for (const shape4 & s : SHAPES) {
            for (const shape4 & bs : broadcast_shapes(s.ne)) {
                for (layout la : LAYOUTS) {
                    for (layout lb : {layout::contiguous, layout::padded, layout::transposed}) {
                        ggml_context * ctx = oph::new_context(16u << 20);
                        ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, s.ne, la, 1);
                        // divisors kept away from zero
                        ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_F32, bs.ne, lb, 2, 0.5, 2.0);
                        const std::vector<double> ref = ref_binary(a, b, bc.ref);
                        ggml_tensor * y = oph::compute(ctx, bc.op(ctx, a, b));
                        char extra[64];
                        snprintf(extra, sizeof extra, " b=[%lld,%lld,%lld,%lld] %s", (long long) bs.ne[0], (long long) bs.ne[1],
                                 (long long) bs.ne[2], (long long) bs.ne[3], oph::layout_name(lb));
                        oph::check_close(label(bc.name, a, la, extra).c_str(), y, ref, 1e-6, 1e-6);
                        ggml_free(ctx);
                    }
                }
            }
        }
        // in place: the result is a view of a, and a holds the result afterwards
        for (layout la : LAYOUTS) {
            ggml_context * ctx = oph::new_context(16u << 20);
            const int64_t ne[4] = {9, 4, 3, 1};
            const int64_t nb_[4] = {9, 1, 3, 1};
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, ne, la, 3);
            ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_F32, nb_, layout::contiguous, 4, 0.5, 2.0);
            const std::vector<double> ref = ref_binary(a, b, bc.ref);
            ggml_tensor * y = bc.op_inplace(ctx, a, b);
            oph::check(y->data == a->data && y->op != GGML_OP_NONE, "in-place result shares a's memory");
            oph::compute(ctx, y);
            oph::check_close(label(bc.name, a, la, " inplace").c_str(), a, ref, 1e-6, 1e-6);
            ggml_free(ctx);
        }
    }

    // tiles larger than 1: b's dims divide a's
    {
        ggml_context * ctx = oph::new_context(16u << 20);
        const int64_t na[4] = {6, 4, 6, 2}, nb_[4] = {3, 2, 3, 1};
        ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, na, layout::padded, 5);
        ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_F32, nb_, layout::transposed, 6);
        const std::vector<double> ref = ref_binary(a, b, BINARY[2].ref);
        oph::check_close("mul with b tiled 2x2x2x2", oph::compute(ctx, ggml_mul(ctx, a, b)), ref, 1e-6, 1e-6);
        ggml_free(ctx);
    }

    // F16 operands
    {
        ggml_context * ctx = oph::new_context(16u << 20);
        const int64_t na[4] = {13, 5, 2, 1}, nb_[4] = {13, 1, 1, 1};
        ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F16, na, layout::transposed, 7);
        ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_F32, nb_, layout::contiguous, 8);
        const std::vector<double> ref = ref_binary(a, b, BINARY[0].ref);
        ggml_tensor * y = oph::compute(ctx, ggml_add(ctx, a, b));
        oph::check(y->type == GGML_TYPE_F16, "add of an F16 tensor is F16");
        oph::check_close("add f16 + f32", y, ref, 2e-3, 2e-3);
        ggml_free(ctx);
    }
}

static void test_add1() {
    for (const shape4 & s : SHAPES) {
        for (layout la : LAYOUTS) {
            ggml_context * ctx = oph::new_context(16u << 20);
            ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, s.ne, la, 11);
            ggml_tensor * b = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 1);
            oph::fill_random(b, 12);
            const double bv = oph::get_element(b, 0);
            std::vector<double> ref = oph::read(a);
            for (double & v : ref) v += bv;
            oph::check_close(label("add1", a, la).c_str(), oph::compute(ctx, ggml_add1(ctx, a, b)), ref, 1e-6, 1e-6);
            oph::compute(ctx, ggml_add1_inplace(ctx, a, b));
            oph::check_close(label("add1_inplace", a, la).c_str(), a, ref, 1e-6, 1e-6);
            ggml_free(ctx);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// acc

static void test_acc() {
    for (bool inplace : {false, true}) {
        for (layout lb : LAYOUTS) {
            ggml_context * ctx = oph::new_context(16u << 20);
            ggml_tensor * a = ggml_new_tensor_3d(ctx, GGML_TYPE_F32, 7, 5, 3);
            oph::fill_random(a, 21);
            const int64_t nbe[4] = {3, 2, 2, 1};
            ggml_tensor * b = oph::new_input(ctx, GGML_TYPE_F32, nbe, lb, 22);
            // b lands at a[2.., 1.., 1..]
            const size_t offset = 2 * a->nb[0] + 1 * a->nb[1] + 1 * a->nb[2];
            std::vector<double> ref = oph::read(a);
            for (int64_t i2 = 0; i2 < 2; ++i2)
                for (int64_t i1 = 0; i1 < 2; ++i1)
                    for (int64_t i0 = 0; i0 < 3; ++i0) {
                        ref[(i0 + 2) + 7 * (i1 + 1) + 35 * (i2 + 1)] += oph::get_element(b, i0, i1, i2);
                    }
            ggml_tensor * y = inplace ? ggml_acc_inplace(ctx, a, b, a->nb[1], a->nb[2], a->nb[3], offset)
                                      : ggml_acc(ctx, a, b, a->nb[1], a->nb[2], a->nb[3], offset);
            oph::compute(ctx, y);
            oph::check_close(label(inplace ? "acc_inplace" : "acc", b, lb).c_str(), y, ref, 1e-6, 1e-6);
            if (inplace) oph::check_close("acc_inplace writes into a", a, ref, 1e-6, 1e-6);
            ggml_free(ctx);
        }
    }
    // a flat buffer seen as rows of 8 elements starting at element 1
    {
        ggml_context * ctx = oph::new_context(16u << 20);
        ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 30);
        ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 4, 3);
        oph::fill_random(a, 23);
        oph::fill_random(b, 24);
        std::vector<double> ref = oph::read(a);
        for (int64_t i1 = 0; i1 < 3; ++i1)
            for (int64_t i0 = 0; i0 < 4; ++i0) ref[1 + i0 + 8 * i1] += oph::get_element(b, i0, i1);
        ggml_tensor * y = oph::compute(ctx, ggml_acc(ctx, a, b, 8 * sizeof(float), 24 * sizeof(float), 24 * sizeof(float), sizeof(float)));
        oph::check_close("acc with row stride 8 into a 1-d tensor", y, ref, 1e-6, 1e-6);
        ggml_free(ctx);
    }
}

// ---------------------------------------------------------------------------------------------
// unary ops

static double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }
static double hardsigmoid_d(double x) { return std::min(1.0, std::max(0.0, (x + 3.0) / 6.0)); }

struct unary_case {
    ggml_unary_op op;
    ggml_tensor * (*fn)(ggml_context *, ggml_tensor *);
    double (*ref)(double);
};

static const unary_case UNARY[] = {
    {GGML_UNARY_OP_ABS, ggml_abs, [](double x) { return std::fabs(x); }},
    {GGML_UNARY_OP_SGN, ggml_sgn, [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }},
    {GGML_UNARY_OP_NEG, ggml_neg, [](double x) { return -x; }},
    {GGML_UNARY_OP_STEP, ggml_step, [](double x) { return x > 0 ? 1.0 : 0.0; }},
    {GGML_UNARY_OP_TANH, ggml_tanh, [](double x) { return std::tanh(x); }},
    {GGML_UNARY_OP_ELU, ggml_elu, [](double x) { return x > 0 ? x : std::exp(x) - 1.0; }},
    {GGML_UNARY_OP_RELU, ggml_relu, [](double x) { return x > 0 ? x : 0.0; }},
    {GGML_UNARY_OP_SIGMOID, ggml_sigmoid, [](double x) { return sigmoid_d(x); }},
    {GGML_UNARY_OP_GELU, ggml_gelu,
     [](double x) { return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))); }},
    {GGML_UNARY_OP_GELU_QUICK, ggml_gelu_quick, [](double x) { return x * sigmoid_d(1.702 * x); }},
    {GGML_UNARY_OP_SILU, ggml_silu, [](double x) { return x * sigmoid_d(x); }},
    {GGML_UNARY_OP_HARDSWISH, ggml_hardswish, [](double x) { return x * hardsigmoid_d(x); }},
    {GGML_UNARY_OP_HARDSIGMOID, ggml_hardsigmoid, [](double x) { return hardsigmoid_d(x); }},
    {GGML_UNARY_OP_EXP, ggml_exp, [](double x) { return std::exp(x); }},
};

static std::vector<double> map_ref(const ggml_tensor * a, double (*f)(double)) {
    std::vector<double> v = oph::read(a);
    for (double & x : v) x = f(x);
    return v;
}

static void test_unary() {
    oph::check(sizeof(UNARY) / sizeof(UNARY[0]) == GGML_UNARY_OP_COUNT, "every unary op has a test case");
    for (const unary_case & uc : UNARY) {
        const char * name = ggml_unary_op_name(uc.op);
        for (const shape4 & s : SHAPES) {
            for (layout la : LAYOUTS) {
                ggml_context * ctx = oph::new_context(16u << 20);
                ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, s.ne, la, 31, -4.0, 4.0);
                const std::vector<double> ref = map_ref(a, uc.ref);
                ggml_tensor * y = uc.fn(ctx, a);
                oph::check(y->op == GGML_OP_UNARY && ggml_get_unary_op(y) == uc.op, "unary op is recorded in op_params");
                oph::check_close(label(name, a, la).c_str(), oph::compute(ctx, y), ref, 1e-6, 1e-5);
                ggml_free(ctx);
            }
        }
        // in place
        ggml_context * ctx = oph::new_context(16u << 20);
        const int64_t ne[4] = {11, 3, 2, 1};
        ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, ne, layout::padded, 32, -4.0, 4.0);
        const std::vector<double> ref = map_ref(a, uc.ref);
        oph::compute(ctx, ggml_unary_inplace(ctx, a, uc.op));
        oph::check_close(label(name, a, layout::padded, " inplace").c_str(), a, ref, 1e-6, 1e-5);
        // F16 input
        ggml_tensor * h = oph::new_input(ctx, GGML_TYPE_F16, ne, layout::transposed, 33, -4.0, 4.0);
        oph::check_close(label(name, h, layout::transposed).c_str(), oph::compute(ctx, ggml_unary(ctx, h, uc.op)),
                         map_ref(h, uc.ref), 2e-3, 2e-3);
        ggml_free(ctx);
    }
    // special values: sgn(0) = 0, step(0) = 0, relu(-0) = 0
    {
        ggml_context * ctx = oph::new_context(1u << 20);
        ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 3);
        oph::write(a, {0.0, -0.0, 1e-30});
        oph::check_close("sgn at 0", oph::compute(ctx, ggml_sgn(ctx, a)), {0.0, 0.0, 1.0}, 0, 0);
        oph::check_close("step at 0", oph::compute(ctx, ggml_step(ctx, a)), {0.0, 0.0, 1.0}, 0, 0);
        ggml_free(ctx);
    }
}

static void test_silu_back() {
    for (const shape4 & s : SHAPES) {
        for (layout la : LAYOUTS) {
            ggml_context * ctx = oph::new_context(16u << 20);
            ggml_tensor * x  = oph::new_input(ctx, GGML_TYPE_F32, s.ne, la, 41, -4.0, 4.0);
            ggml_tensor * dy = oph::new_input(ctx, GGML_TYPE_F32, s.ne, layout::padded, 42);
            const std::vector<double> xv = oph::read(x), gv = oph::read(dy);
            std::vector<double> ref(xv.size());
            for (size_t i = 0; i < xv.size(); ++i) {
                const double sg = sigmoid_d(xv[i]);
                ref[i] = gv[i] * sg * (1.0 + xv[i] * (1.0 - sg));
            }
            oph::check_close(label("silu_back", x, la).c_str(), oph::compute(ctx, ggml_silu_back(ctx, x, dy)), ref, 1e-6, 1e-5);
            ggml_free(ctx);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// sqr, sqrt, log, scale

static void test_math() {
    struct math_case {
        const char * name;
        ggml_tensor * (*fn)(ggml_context *, ggml_tensor *);
        ggml_tensor * (*fn_inplace)(ggml_context *, ggml_tensor *);
        double (*ref)(double);
    };
    static const math_case CASES[] = {
        {"sqr", ggml_sqr, ggml_sqr_inplace, [](double x) { return x * x; }},
        {"sqrt", ggml_sqrt, ggml_sqrt_inplace, [](double x) { return std::sqrt(x); }},
        {"log", ggml_log, ggml_log_inplace, [](double x) { return std::log(x); }},
        {"scale", [](ggml_context * c, ggml_tensor * a) { return ggml_scale(c, a, -2.5f); },
         [](ggml_context * c, ggml_tensor * a) { return ggml_scale_inplace(c, a, -2.5f); }, [](double x) { return -2.5 * x; }},
    };
    for (const math_case & mc : CASES) {
        for (const shape4 & s : SHAPES) {
            for (layout la : LAYOUTS) {
                ggml_context * ctx = oph::new_context(16u << 20);
                ggml_tensor * a = oph::new_input(ctx, GGML_TYPE_F32, s.ne, la, 51, 0.05, 3.0);
                const std::vector<double> ref = map_ref(a, mc.ref);
                oph::check_close(label(mc.name, a, la).c_str(), oph::compute(ctx, mc.fn(ctx, a)), ref, 1e-6, 1e-6);
                oph::compute(ctx, mc.fn_inplace(ctx, a));
                oph::check_close(label(mc.name, a, la, " inplace").c_str(), a, ref, 1e-6, 1e-6);
                ggml_free(ctx);
            }
        }
    }
    // IEEE special cases pass through
    ggml_context * ctx = oph::new_context(1u << 20);
    ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 2);
    oph::write(a, {0.0, -1.0});
    ggml_tensor * l = oph::compute(ctx, ggml_log(ctx, a));
    oph::check(std::isinf(oph::get_element(l, 0)) && oph::get_element(l, 0) < 0, "log(0) = -inf");
    oph::check(std::isnan(oph::get_element(l, 1)), "log(-1) = nan");
    ggml_free(ctx);
}

int main() {
    test_binary();
    test_add1();
    test_acc();
    test_unary();
    test_silu_back();
    test_math();
    return oph::finish();
}
