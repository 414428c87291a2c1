// Matrix product throughput for the MNIST shapes, beside this machine's FMA peak.
//
// Usage: bench-mul-mat [--reps R] [--isa avx512|avx2|scalar]
//
// The peak is measured with a loop of independent FMAs in the widest instruction set the CPU
// has; the products run the library's GEMM (the kernel behind mul_mat and out_prod) on 1 and 2
// threads of our own, with the operand layouts the forward and backward passes produce. In GEMM
// terms C[M, N] = A[M, K] B[K, N]; for batch N the training graphs contain:
//
//   FC 784-500-10    forward   mul_mat(W1[784,500], X[784,N])       M=500  N=N    K=784  A, B along k
//                              mul_mat(W2[500,10],  H[500,N])       M=10   N=N    K=500
//                    backward  out_prod(H[500,N], dY[10,N])   = dW2 M=500  N=10   K=N    A along i, B along j
//                              out_prod(W2, transpose(dY))    = dH  M=500  N=N    K=10   A along i, B along k
//                              out_prod(X[784,N], dH[500,N])  = dW1 M=784  N=500  K=N
//   CNN (8, 16 ch.)  forward   mul_mat(im2col[9,784N], K1[9,8])     M=784N N=8    K=9
//                              mul_mat(im2col[72,196N], K2[72,16])  M=196N N=16   K=72
//                    backward  out_prod(K2, dY2[196N,16]) = d im2col M=72 N=196N  K=16
//                              out_prod(im2col, transpose(dY2)) = dK2 M=72 N=16  K=196N
//
// The table covers these with N = 500 and 1000 for the FC model and N = 100 for the CNN.

#include "cpu/gemm.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#    include <immintrin.h>
#    define BENCH_X86 1
#endif

static double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

static double thread_cpu_s() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + 1e-9 * (double) ts.tv_nsec;
}

struct timing {
    double wall; // seconds from the common start to the last thread's end
    double cpu;  // the largest CPU time of one thread: the wall time had no other process run
};

// Runs body(ith) on n threads started together.
static timing run_threads(int n, const std::function<void(int)> & body) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<double> cpu(n);
    auto timed = [&](int ith) {
        const double c0 = thread_cpu_s();
        body(ith);
        cpu[ith] = thread_cpu_s() - c0;
    };
    std::vector<std::thread> threads;
    for (int i = 1; i < n; ++i) {
        threads.emplace_back([&, i] {
            ready++;
            while (!go.load(std::memory_order_acquire)) {}
            timed(i);
        });
    }
    while (ready.load() != n - 1) {}
    const double t0 = now_s();
    go.store(true, std::memory_order_release);
    timed(0);
    for (auto & t : threads) t.join();
    timing r;
    r.wall = now_s() - t0;
    r.cpu = *std::max_element(cpu.begin(), cpu.end());
    return r;
}

// ---------------------------------------------------------------------------------------------
// FMA peak: 24 independent accumulators (more than latency x pipes on current cores)

#ifdef BENCH_X86
__attribute__((target("avx512f"))) static float fma_loop_avx512(int64_t iters) {
    __m512 acc[24];
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps((float) i);
    const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
        for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    }
    __m512 s = acc[0];
    for (int i = 1; i < 24; ++i) s = _mm512_add_ps(s, acc[i]);
    float out[16];
    _mm512_storeu_ps(out, s);
    return out[0] + out[15];
}

__attribute__((target("avx2,fma"))) static float fma_loop_avx2(int64_t iters) {
    __m256 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps((float) i);
    const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    }
    __m256 s = acc[0];
    for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[7];
}
#endif

static volatile float g_sink;

// GFLOP/s: from the wall clock, and from the threads' CPU time (what a quiet machine would show).
struct rate {
    double wall = 0, cpu = 0;
};

// GFLOP/s of the FMA loop on n threads (best of a few runs).
static rate fma_peak(int n, const char ** isa) {
    int64_t iters = 2 * 1000 * 1000; // ~10 ms: short runs dodge other processes' time slices
    double flops_per_iter = 0;
    std::function<float(int64_t)> loop;
#ifdef BENCH_X86
    if (__builtin_cpu_supports("avx512f")) {
        loop = fma_loop_avx512; flops_per_iter = 24 * 16 * 2; *isa = "avx512";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        loop = fma_loop_avx2; flops_per_iter = 12 * 8 * 2; *isa = "avx2";
    }
#endif
    if (!loop) {
        *isa = "scalar";
        loop = [](int64_t it) {
            float a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
            for (int64_t i = 0; i < it; ++i) for (float & v : a) v = v * 0.999999f + 1e-7f;
            return a[0] + a[7];
        };
        flops_per_iter = 16;
        iters /= 4;
    }
    rate best;
    for (int rep = 0; rep < 30; ++rep) {
        const timing t = run_threads(n, [&](int) { g_sink = loop(iters); });
        best.wall = std::max(best.wall, flops_per_iter * (double) iters * n / t.wall * 1e-9);
        best.cpu  = std::max(best.cpu, flops_per_iter * (double) iters * n / t.cpu * 1e-9);
    }
    return best;
}

// ---------------------------------------------------------------------------------------------
// products

struct shape {
    const char * name;
    int64_t M, N, K;
    bool a_k_contiguous; // A(i, k) contiguous along k (mul_mat's a) rather than along i
    bool b_k_contiguous; // B(k, j) contiguous along k (mul_mat's b) rather than along j
};

static void fill(std::vector<float> & v, uint32_t seed) {
    for (float & x : v) {
        seed = seed * 1664525u + 1013904223u;
        x = (float) ((seed >> 8) / 16777216.0 - 0.5);
    }
}

static rate bench_shape(const shape & s, cpu_isa isa, int nth, int reps, double * max_err) {
    std::vector<float> A((size_t) (s.M * s.K)), B((size_t) (s.K * s.N)), C((size_t) (s.M * s.N));
    fill(A, 1);
    fill(B, 2);
    cgml_gemm_args g;
    g.M = s.M; g.N = s.N; g.K = s.K;
    g.A = A.data(); g.a_si = s.a_k_contiguous ? s.K : 1; g.a_sk = s.a_k_contiguous ? 1 : s.M;
    g.B = B.data(); g.b_sk = s.b_k_contiguous ? 1 : s.N; g.b_sj = s.b_k_contiguous ? s.K : 1;
    g.C = C.data(); g.ldc = s.M;

    const size_t per_thread = cgml_gemm_thread_work_size(s.M, s.N, s.K);
    std::vector<char> work(per_thread * nth + 64);

    auto body = [&](int ith) {
        for (int r = 0; r < reps; ++r) cgml_gemm_f32(g, isa, ith, nth, work.data() + per_thread * ith, per_thread);
    };
    run_threads(nth, [&](int ith) { cgml_gemm_f32(g, isa, ith, nth, work.data() + per_thread * ith, per_thread); });
    timing best = {1e30, 1e30};
    for (int trial = 0; trial < 10; ++trial) {
        const timing t = run_threads(nth, body);
        best.wall = std::min(best.wall, t.wall / reps);
        best.cpu  = std::min(best.cpu, t.cpu / reps);
    }

    // spot check against a double-precision dot product
    double err = 0;
    for (int t = 0; t < 64; ++t) {
        const int64_t i = (t * 7919) % s.M, j = (t * 104729) % s.N;
        double ref = 0;
        for (int64_t k = 0; k < s.K; ++k) ref += (double) A[(size_t) (i * g.a_si + k * g.a_sk)] * B[(size_t) (k * g.b_sk + j * g.b_sj)];
        err = std::max(err, std::fabs(ref - C[(size_t) (i + j * s.M)]));
    }
    *max_err = std::max(*max_err, err);
    const double flops = 2.0 * (double) s.M * (double) s.N * (double) s.K;
    rate r;
    r.wall = flops / best.wall * 1e-9;
    r.cpu  = flops / best.cpu * 1e-9;
    return r;
}

int main(int argc, char ** argv) {
    int reps = 20;
    cpu_isa isa = cpu_isa_default();
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--reps" && i + 1 < argc) {
            reps = std::max(1, atoi(argv[++i]));
        } else if (arg == "--isa" && i + 1 < argc) {
            const std::string v = argv[++i];
            if (!cpu_isa_from_name(v.c_str(), &isa)) {
                fprintf(stderr, "--isa: expected avx512, avx2 or scalar, got '%s'\n", v.c_str());
                return 1;
            }
            if (!cpu_isa_supported(isa)) {
                fprintf(stderr, "this CPU does not support %s\n", v.c_str());
                return 1;
            }
        } else {
            fprintf(stderr, "usage: %s [--reps R] [--isa avx512|avx2|scalar]\n", argv[0]);
            return 1;
        }
    }

    const char * peak_isa = "";
    const rate peak1 = fma_peak(1, &peak_isa);
    const rate peak2 = fma_peak(2, &peak_isa);
    printf("FMA peak (%s): %.1f GFLOP/s with 1 thread, %.1f GFLOP/s with 2 threads (CPU time: %.1f, %.1f)\n",
           peak_isa, peak1.wall, peak2.wall, peak1.cpu, peak2.cpu);
    printf("GEMM kernel: %s\n\n", cpu_isa_name(isa));

    // FC model 784-500-10 (batch N) and the CNN's convolutions as im2col products (batch 100)
    const shape shapes[] = {
        {"fwd  W1[784,500] x X[784,500]", 500, 500, 784, true, true},
        {"fwd  W1[784,500] x X[784,1000]", 500, 1000, 784, true, true},
        {"dW1  out_prod(X[784,500], dH[500,500])", 784, 500, 500, false, false},
        {"dW1  out_prod(X[784,1000], dH[500,1000])", 784, 500, 1000, false, false},
        {"dX   out_prod(W1, dH^T) N=1000", 784, 1000, 500, false, true},
        {"fwd  W2[500,10] x H[500,1000]", 10, 1000, 500, true, true},
        {"dW2  out_prod(H[500,1000], dY[10,1000])", 500, 10, 1000, false, false},
        {"dH   out_prod(W2, dY^T) N=1000", 500, 1000, 10, false, true},
        {"conv1 im2col[9,78400] x K[9,8]", 78400, 8, 9, true, true},
        {"conv2 im2col[72,19600] x K[72,16]", 19600, 16, 72, true, true},
        {"conv2 d im2col: out_prod(K, dY)", 72, 19600, 16, false, false},
        {"conv2 dK: out_prod(im2col, dY^T)", 72, 16, 19600, false, true},
    };

    printf("%-42s %16s %16s %16s\n", "", "1 thread", "2 threads", "2 thr, CPU time");
    printf("%-42s %8s %7s %8s %7s %8s %7s\n", "product", "GFLOP/s", "% peak", "GFLOP/s", "% peak", "GFLOP/s", "% peak");
    double max_err = 0;
    for (const shape & s : shapes) {
        const rate g1 = bench_shape(s, isa, 1, reps, &max_err);
        const rate g2 = bench_shape(s, isa, 2, reps, &max_err);
        printf("%-42s %8.1f %6.1f%% %8.1f %6.1f%% %8.1f %6.1f%%\n", s.name, g1.wall, 100 * g1.wall / peak1.wall, g2.wall,
               100 * g2.wall / peak2.wall, g2.cpu, 100 * g2.cpu / peak2.cpu);
    }
    printf("\nbest of 10 runs of %d products; largest error against a double-precision reference: %.2e\n", reps, max_err);
    printf("CPU-time columns count only the time the threads ran (they match the wall clock on an idle machine)\n");
    return 0;
}
