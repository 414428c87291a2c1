#pragma once

// Helpers for the backend, allocator and scheduler tests: pass/fail counting, deterministic
// random data and naive double-precision references for the small networks they run.
//
// Usage:
//   BT_CHECK(x == 1);
//   std::vector<float> v = bt::random_floats(100, seed);
//   return bt::finish();   // prints "N passed, M failed", returns the exit status

#include "ggml.h"

#include <cmath>
#include <cstdio>
#include <vector>

namespace bt {

inline int & passed() { static int n = 0; return n; }
inline int & failed() { static int n = 0; return n; }

inline void check(bool ok, const char * what, const char * file, int line) {
    if (ok) {
        passed()++;
    } else {
        failed()++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}

inline int finish() {
    printf("%d passed, %d failed\n", passed(), failed());
    return failed() == 0 ? 0 : 1;
}

// Uniform in [-1, 1), reproducible across platforms.
inline std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = (float) ((double) (seed >> 8) / (double) (1u << 24) * 2.0 - 1.0);
    }
    return v;
}

// y[n][m] = sum_k w[m][k] * x[n][k]   (ggml_mul_mat layout: w is [K, M], x is [K, N])
inline std::vector<double> matmul(const std::vector<double> & w, const std::vector<double> & x, int K, int M, int N) {
    std::vector<double> y((size_t) M * N, 0.0);
    for (int n = 0; n < N; ++n)
        for (int m = 0; m < M; ++m) {
            double s = 0.0;
            for (int k = 0; k < K; ++k) s += w[(size_t) m * K + k] * x[(size_t) n * K + k];
            y[(size_t) n * M + m] = s;
        }
    return y;
}

inline std::vector<double> to_double(const std::vector<float> & v) { return std::vector<double>(v.begin(), v.end()); }

inline double max_abs_diff(const std::vector<float> & a, const std::vector<double> & b) {
    if (a.size() != b.size()) return INFINITY;
    double m = 0.0;
    for (size_t i = 0; i < a.size(); ++i) m = std::fmax(m, std::fabs((double) a[i] - b[i]));
    return m;
}

} // namespace bt

#define BT_CHECK(cond) bt::check((cond), #cond, __FILE__, __LINE__)
