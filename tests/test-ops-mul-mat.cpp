// mul_mat and out_prod forward results against naive double-precision loops: the blocked GEMM
// of every instruction set this CPU has (and the reference loops), odd sizes that are not
// multiples of any register tile, transposed and strided operands, broadcasting over dims 2
// and 3, F16 operands, and 1, 2 and 3 threads.

#include "op-harness.h"

#include "core/ggml-impl.h"
#include "cpu/gemm.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

// ---------------------------------------------------------------------------------------------
// the GEMM on raw strided arrays

static uint32_t g_seed = 12345;
static float frand() {
    g_seed = g_seed * 1664525u + 1013904223u;
    return (float) ((g_seed >> 8) / 16777216.0 * 2.0 - 1.0);
}

struct raw_case {
    int64_t M, N, K;
    bool a_k_contiguous, b_k_contiguous;
    int64_t pad; // extra elements between rows/columns, so no operand is densely packed
    // Zeros, for the kernels that skip zero steps: the share of steps k where A's column (all i)
    // or B's row (all j) is zero, and of single zero elements. With specials, an inf in A and a
    // NaN in B sit where the other operand is zero, whose products must still be NaN.
    double a_zero_steps = 0, b_zero_steps = 0, zero_elements = 0;
    bool   specials = false;
};

static bool chance(double p) { return (frand() + 1.0) * 0.5 < p; }

// name: the instruction set and tile, for messages.
static void run_raw_case(const raw_case & rc, int nth, cpu_isa isa, int tile, const char * name) {
    const int64_t M = rc.M, N = rc.N, K = rc.K, pad = rc.pad;
    // A(i, k), B(k, j) in arrays with padded leading dimensions; C(i, j) with ldc = M + pad
    const int64_t lda = (rc.a_k_contiguous ? K : M) + pad;
    const int64_t ldb = (rc.b_k_contiguous ? K : N) + pad;
    std::vector<float> A((size_t) (lda * (rc.a_k_contiguous ? M : K))), B((size_t) (ldb * (rc.b_k_contiguous ? N : K)));
    const int64_t ldc = M + pad;
    std::vector<float> C((size_t) (ldc * N), 12345.0f);

    cgml_gemm_args g;
    g.M = M; g.N = N; g.K = K;
    g.A = A.data(); g.a_si = rc.a_k_contiguous ? lda : 1; g.a_sk = rc.a_k_contiguous ? 1 : lda;
    g.B = B.data(); g.b_sk = rc.b_k_contiguous ? 1 : ldb; g.b_sj = rc.b_k_contiguous ? ldb : 1;
    g.C = C.data(); g.ldc = ldc;

    auto a_at = [&](int64_t i, int64_t k) -> float & { return A[(size_t) (i * g.a_si + k * g.a_sk)]; };
    auto b_at = [&](int64_t k, int64_t j) -> float & { return B[(size_t) (k * g.b_sk + j * g.b_sj)]; };
    for (float & x : A) x = frand();
    for (float & x : B) x = frand();
    for (int64_t k = 0; k < K; ++k) {
        const bool a_zero = chance(rc.a_zero_steps), b_zero = chance(rc.b_zero_steps);
        for (int64_t i = 0; i < M; ++i) if (a_zero || chance(rc.zero_elements)) a_at(i, k) = 0.0f;
        for (int64_t j = 0; j < N; ++j) if (b_zero || chance(rc.zero_elements)) b_at(k, j) = 0.0f;
    }
    if (rc.specials) {
        for (int64_t k = 0; k < K; ++k) {
            bool a_zero = true, b_zero = true;
            for (int64_t i = 0; i < M; ++i) a_zero = a_zero && a_at(i, k) == 0.0f;
            for (int64_t j = 0; j < N; ++j) b_zero = b_zero && b_at(k, j) == 0.0f;
            if (b_zero && !a_zero) a_at(M / 2, k) = INFINITY; // row M/2 of C: inf·0 = NaN
            if (a_zero && !b_zero) b_at(k, N / 3) = NAN;      // column N/3 of C: NaN·0 = NaN
            if (a_zero != b_zero) break;
        }
    }

    const size_t per_thread = cgml_gemm_thread_work_size(M, N, K);
    std::vector<char> work(per_thread * nth);
    std::vector<std::thread> threads;
    for (int ith = 1; ith < nth; ++ith) {
        threads.emplace_back([&, ith] { cgml_gemm_f32(g, isa, ith, nth, work.data() + per_thread * ith, per_thread, tile); });
    }
    cgml_gemm_f32(g, isa, 0, nth, work.data(), per_thread, tile);
    for (auto & t : threads) t.join();

    bool ok = true;
    for (int64_t j = 0; j < N && ok; ++j) {
        for (int64_t i = 0; i < ldc && ok; ++i) {
            const float got = C[(size_t) (i + j * ldc)];
            if (i >= M) { // padding must be left alone
                if (got != 12345.0f) {
                    fprintf(stderr, "padding of C overwritten at (%lld, %lld)\n", (long long) i, (long long) j);
                    ok = false;
                }
                continue;
            }
            double ref = 0, mag = 0;
            for (int64_t k = 0; k < K; ++k) {
                const double p = (double) A[(size_t) (i * g.a_si + k * g.a_sk)] * B[(size_t) (k * g.b_sk + j * g.b_sj)];
                ref += p;
                mag += std::fabs(p);
            }
            if (std::isnan(ref) ? !std::isnan(got) : std::fabs(got - ref) > 1e-5 + 1e-5 * mag) {
                fprintf(stderr, "C(%lld, %lld) = %.7g, expected %.7g\n", (long long) i, (long long) j, got, ref);
                ok = false;
            }
        }
    }
    char what[200];
    snprintf(what, sizeof what, "gemm %s M=%lld N=%lld K=%lld a_k_contig=%d b_k_contig=%d pad=%lld nth=%d zeros=%g/%g/%g%s",
             name, (long long) M, (long long) N, (long long) K, rc.a_k_contiguous, rc.b_k_contiguous, (long long) pad, nth,
             rc.a_zero_steps, rc.b_zero_steps, rc.zero_elements, rc.specials ? " inf/NaN" : "");
    oph::check(ok, what);
}

static void test_raw_gemm() {
    const cpu_isa isas[] = {CPU_ISA_SCALAR, CPU_ISA_AVX2, CPU_ISA_AVX512};
    const raw_case cases[] = {
        {1, 1, 1, true, true, 0},      {1, 1, 1, false, false, 1},   {7, 5, 3, true, true, 2},
        {33, 15, 17, true, true, 1},   {33, 15, 17, false, false, 0}, {31, 29, 300, true, false, 3},
        {47, 13, 261, false, true, 1}, {65, 43, 5, true, true, 0},   {100, 3, 513, false, false, 2},
        {3, 100, 40, true, true, 1},   {530, 37, 21, false, true, 0}, {20, 1500, 9, true, true, 0},
        {37, 41, 0, true, true, 1},    {50, 16, 40, true, true, 0},  {10, 200, 70, true, true, 2},
        {72, 8, 600, false, true, 1},
        // zero steps: skipped in B's panels (the forward product of images), in A's, in both,
        // next to inf and NaN, and in every step
        {70, 60, 300, true, true, 1, 0.0, 0.6, 0.3},      {500, 50, 784, true, true, 0, 0.0, 0.5, 0.5},
        {200, 64, 520, false, false, 0, 0.6, 0.0, 0.3},   {784, 40, 100, false, false, 0, 0.5, 0.0, 0.2},
        {96, 70, 260, false, true, 2, 0.4, 0.4, 0.0},     {100, 45, 300, true, true, 1, 0.3, 0.6, 0.0, true},
        {100, 45, 300, false, false, 0, 0.6, 0.3, 0.0, true}, {40, 30, 50, true, false, 0, 1.0, 1.0, 0.0},
        // A with most zeros and at least 64 columns: computed as Cᵀ = BᵀAᵀ, stored transposed
        {130, 100, 300, true, true, 1, 0.7, 0.0, 0.2, true}, {333, 77, 129, false, false, 2, 0.6, 0.2, 0.3},
        {784, 500, 64, false, false, 0, 0.5, 0.0, 0.4},    {70, 600, 260, true, false, 3, 0.5, 0.0, 0.5, true},
    };
    for (cpu_isa isa : isas) {
        if (!cpu_isa_supported(isa)) {
            printf("skipping the %s kernel: not supported by this CPU\n", cpu_isa_name(isa));
            continue;
        }
        for (int tile = -1; tile < cgml_gemm_n_tiles(isa); ++tile) { // -1: chosen per shape
            char name[64];
            snprintf(name, sizeof name, "%s tile %d", cpu_isa_name(isa), tile);
            for (const raw_case & rc : cases) {
                for (int nth = 1; nth <= 3; ++nth) run_raw_case(rc, nth, isa, tile, name);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the operators on tensors

// dst(i, j, i2, i3) = Σ_k A(i, k) B(k, j) in double, with a's batch broadcast like the ops.
static std::vector<double> reference_product(const ggml_tensor * a, const ggml_tensor * b, bool outer) {
    const int64_t M = outer ? a->ne[0] : a->ne[1];
    const int64_t N = outer ? b->ne[0] : b->ne[1];
    const int64_t K = outer ? a->ne[1] : a->ne[0];
    const int64_t ne2 = b->ne[2], ne3 = b->ne[3];
    const int64_t r2 = ne2 / a->ne[2], r3 = ne3 / a->ne[3];
    std::vector<double> out((size_t) (M * N * ne2 * ne3));
    for (int64_t i3 = 0; i3 < ne3; ++i3)
    for (int64_t i2 = 0; i2 < ne2; ++i2)
    for (int64_t j = 0; j < N; ++j)
    for (int64_t i = 0; i < M; ++i) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k) {
            const double x = outer ? oph::get_element(a, i, k, i2 / r2, i3 / r3) : oph::get_element(a, k, i, i2 / r2, i3 / r3);
            const double y = outer ? oph::get_element(b, j, k, i2, i3) : oph::get_element(b, k, j, i2, i3);
            s += x * y;
        }
        out[(size_t) (i + M * (j + N * (i2 + ne2 * i3)))] = s;
    }
    return out;
}

// Runs the graph of `out` with 1, 2 and 3 threads and checks each result.
static void check_product(ggml_context * ctx, ggml_tensor * out, const char * what, double tol) {
    const bool outer = out->op == GGML_OP_OUT_PROD;
    const std::vector<double> ref = reference_product(out->src[0], out->src[1], outer);
    oph::compute(ctx, out); // 1 thread against 3 threads
    oph::check_close(what, out, ref, tol, tol);
    ggml_cgraph * graph = ggml_new_graph_custom(ctx, 64, false);
    ggml_build_forward_expand(graph, out);
    oph::run_graph(graph, 2);
    std::string w2 = std::string(what) + " (2 threads)";
    oph::check_close(w2.c_str(), out, ref, tol, tol);
}

static ggml_tensor * random_tensor(ggml_context * ctx, ggml_type type, int64_t ne0, int64_t ne1, int64_t ne2 = 1,
                                   int64_t ne3 = 1) {
    static uint32_t seed = 1;
    ggml_tensor * t = ggml_new_tensor_4d(ctx, type, ne0, ne1, ne2, ne3);
    oph::fill_random(t, seed++);
    return t;
}

static void test_ops(const char * mode) {
    ggml_context * ctx = oph::new_context(256u * 1024 * 1024);
    const double tol = 1e-4;
    char what[160];
    auto name = [&](const char * s) { snprintf(what, sizeof what, "%s [%s]", s, mode); return what; };

    // plain 2-D products at sizes off every tile
    for (auto sz : {std::vector<int64_t>{1, 1, 1}, {3, 5, 7}, {37, 29, 53}, {70, 33, 130}, {129, 15, 300}}) {
        const int64_t M = sz[0], N = sz[1], K = sz[2];
        check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, K, M), random_tensor(ctx, GGML_TYPE_F32, K, N)),
                      name("mul_mat 2-D"), tol);
        check_product(ctx, ggml_out_prod(ctx, random_tensor(ctx, GGML_TYPE_F32, M, K), random_tensor(ctx, GGML_TYPE_F32, N, K)),
                      name("out_prod 2-D"), tol);
    }

    // transposed operands (views, not copies)
    {
        ggml_tensor * at = ggml_transpose(ctx, random_tensor(ctx, GGML_TYPE_F32, 45, 70)); // [70, 45]: K=70, M=45
        ggml_tensor * bt = ggml_transpose(ctx, random_tensor(ctx, GGML_TYPE_F32, 19, 70)); // [70, 19]
        check_product(ctx, ggml_mul_mat(ctx, at, random_tensor(ctx, GGML_TYPE_F32, 70, 23)), name("mul_mat transposed a"), tol);
        check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, 70, 33), bt), name("mul_mat transposed b"), tol);
        check_product(ctx, ggml_mul_mat(ctx, at, bt), name("mul_mat both transposed"), tol);
        ggml_tensor * ot = ggml_transpose(ctx, random_tensor(ctx, GGML_TYPE_F32, 31, 41)); // [41, 31]: M=41, K=31
        check_product(ctx, ggml_out_prod(ctx, random_tensor(ctx, GGML_TYPE_F32, 35, 31), ot), name("out_prod transposed b"), tol);
        check_product(ctx, ggml_out_prod(ctx, ot, random_tensor(ctx, GGML_TYPE_F32, 17, 31)), name("out_prod transposed a"), tol);
    }

    // strided views: every other row of a bigger tensor, and a column window
    {
        ggml_tensor * big = random_tensor(ctx, GGML_TYPE_F32, 50, 60);
        ggml_tensor * rows = ggml_view_2d(ctx, big, 50, 30, big->nb[1] * 2, 0);
        ggml_tensor * win  = ggml_view_2d(ctx, big, 33, 40, big->nb[1], 4 * sizeof(float));
        check_product(ctx, ggml_mul_mat(ctx, rows, random_tensor(ctx, GGML_TYPE_F32, 50, 21)), name("mul_mat strided a"), tol);
        check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, 33, 18), win), name("mul_mat window b"), tol);
        check_product(ctx, ggml_out_prod(ctx, win, random_tensor(ctx, GGML_TYPE_F32, 25, 40)), name("out_prod window a"), tol);
    }

    // batches and broadcasting over dims 2 and 3
    check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, 19, 13, 3, 2), random_tensor(ctx, GGML_TYPE_F32, 19, 11, 3, 2)),
                  name("mul_mat batched"), tol);
    check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, 19, 13, 2, 1), random_tensor(ctx, GGML_TYPE_F32, 19, 11, 4, 3)),
                  name("mul_mat broadcast a"), tol);
    check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, 40, 35, 1, 2), random_tensor(ctx, GGML_TYPE_F32, 40, 17, 1, 4)),
                  name("mul_mat broadcast dim 3"), tol);
    check_product(ctx, ggml_out_prod(ctx, random_tensor(ctx, GGML_TYPE_F32, 13, 19, 2, 1), random_tensor(ctx, GGML_TYPE_F32, 11, 19, 4, 3)),
                  name("out_prod broadcast a"), tol);
    check_product(ctx, ggml_mul_mat(ctx, ggml_permute(ctx, random_tensor(ctx, GGML_TYPE_F32, 19, 3, 13, 1), 0, 2, 1, 3),
                                    random_tensor(ctx, GGML_TYPE_F32, 19, 11, 3, 1)),
                  name("mul_mat permuted batches"), tol);

    // F16 operands take the reference loops
    check_product(ctx, ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F16, 30, 9), random_tensor(ctx, GGML_TYPE_F32, 30, 7)),
                  name("mul_mat f16 a"), 1e-3);

    // shape of the result
    {
        ggml_tensor * r = ggml_mul_mat(ctx, random_tensor(ctx, GGML_TYPE_F32, 8, 5, 2, 1), random_tensor(ctx, GGML_TYPE_F32, 8, 3, 4, 3));
        oph::check(r->type == GGML_TYPE_F32 && r->ne[0] == 5 && r->ne[1] == 3 && r->ne[2] == 4 && r->ne[3] == 3, "mul_mat result shape");
        ggml_tensor * o = ggml_out_prod(ctx, random_tensor(ctx, GGML_TYPE_F32, 5, 8, 2, 1), random_tensor(ctx, GGML_TYPE_F32, 3, 8, 4, 3));
        oph::check(o->type == GGML_TYPE_F32 && o->ne[0] == 5 && o->ne[1] == 3 && o->ne[2] == 4 && o->ne[3] == 3, "out_prod result shape");
        ggml_mul_mat_set_prec(r, GGML_PREC_F32);
        oph::check(ggml_get_op_params_i32(r, 0) == GGML_PREC_F32, "mul_mat_set_prec stores the precision");
    }
    ggml_free(ctx);
}

int main() {
    test_raw_gemm();
    // the widest instruction set, the reference loops, the portable GEMM
    for (const oph::kernel_choice k : {oph::kernel_choice{false, cpu_isa_best()}, oph::kernel_choice{true, CPU_ISA_SCALAR},
                                       oph::kernel_choice{false, CPU_ISA_SCALAR}}) {
        oph::set_kernels(k);
        test_ops(k.name());
    }
    return oph::finish();
}
