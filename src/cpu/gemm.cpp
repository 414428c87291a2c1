// GEMM front end: takes the kernels of the instruction set it is given, picks per shape the
// register tile (or the dot-product path for products with very few rows), splits C between
// threads and runs the blocked kernel on each thread's block. Also holds the portable kernel.

#include "cpu/gemm.h"
#include "cpu/gemm-blocked.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

// ---------------------------------------------------------------------------------------------
// portable kernel: plain loops over an 8 x 6 tile that compilers vectorise with baseline SIMD

namespace {

struct scalar_kernel : gemm_generic_packing<8, 6> {
    static constexpr int64_t MC = 256, KC = 256, NC = 1536;

    static void micro(int64_t kc, const float * __restrict a, const float * __restrict b, const gemm_tile_dst & d) {
        float acc[NR][MR] = {};
        for (int64_t k = 0; k < kc; ++k) {
            for (int j = 0; j < NR; ++j) {
                const float bj = b[k * NR + j];
                for (int i = 0; i < MR; ++i) acc[j][i] += a[k * MR + i] * bj;
            }
        }
        gemm_store_tile(acc, d);
    }
};

} // namespace

static const cgml_gemm_kernel scalar_tiles[] = {gemm_describe<scalar_kernel>(1.0f)};

const cgml_gemm_kernel_set cgml_gemm_kernels_scalar = {scalar_tiles, 1};

// ---------------------------------------------------------------------------------------------
// the kernels of an instruction set

// WebAssembly builds with SIMD: the portable instruction set runs the SIMD128 kernels
// (gemm-wasm-simd.cpp); there is nothing to choose at run time.
static const cgml_gemm_kernel_set & portable_kernels() {
#if defined(__wasm_simd128__)
    return cgml_gemm_kernels_wasm_simd;
#else
    return cgml_gemm_kernels_scalar;
#endif
}

static const cgml_gemm_kernel_set & kernels_of(cpu_isa isa) {
    switch (isa) {
        case CPU_ISA_AVX512: return cgml_gemm_kernels_avx512;
        case CPU_ISA_AVX2:   return cgml_gemm_kernels_avx2;
        default:             return portable_kernels();
    }
}

// ---------------------------------------------------------------------------------------------
// scratch

static int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static size_t kernel_floats(const cgml_gemm_kernel & kern, int64_t M, int64_t N, int64_t K) {
    const int64_t kc = min64(kern.kc, K);
    const int64_t mc = min64(kern.mc, round_up(M, kern.mr));
    const int64_t nc = min64(kern.nc, round_up(N, kern.nr)) + kern.nr; // a block's last panel may be partial
    return (size_t) (round_up(mc * kc, 16) + round_up(nc * kc, 16)) + cgml_gemm_steps_for(kern.mr, kern.nr, kern.mc, kern.kc, kern.nc, M, N, K).bytes / sizeof(float);
}

size_t cgml_gemm_thread_work_size(int64_t M, int64_t N, int64_t K) {
    size_t floats = 0;
    for (const cgml_gemm_kernel_set * set : {&cgml_gemm_kernels_scalar, &cgml_gemm_kernels_avx2, &cgml_gemm_kernels_avx512,
                                             &cgml_gemm_kernels_wasm_simd}) {
        for (int i = 0; i < set->n; ++i) {
            // either orientation (see orient_for_zeros)
            const size_t f = std::max(kernel_floats(set->kernels[i], M, N, K), kernel_floats(set->kernels[i], N, M, K));
            if (f > floats) floats = f;
        }
    }
    return floats * sizeof(float) + 64; // + alignment
}

// ---------------------------------------------------------------------------------------------
// splitting C between threads

// Thread ith's share of `units` items split in `parts` nearly equal parts.
static void split_units(int64_t units, int parts, int part, int64_t & u0, int64_t & u1) {
    u0 = units * part / parts;
    u1 = units * (part + 1) / parts;
}

// The grid of threads (tm rows x tn columns of blocks) whose slowest thread has least to do:
// its padded tile area plus the packing it repeats (rows and columns it packs, times a weight
// for how many multiply-adds one packed element costs).
static void choose_grid(const cgml_gemm_kernel & kern, int64_t M, int64_t N, int nth, int & tm, int & tn) {
    const int64_t mu = (M + kern.mr - 1) / kern.mr;
    const int64_t nu = (N + kern.nr - 1) / kern.nr;
    double best = -1.0;
    tm = 1;
    tn = nth;
    for (int t = 1; t <= nth; ++t) {
        if (nth % t) continue;
        const int64_t rows = (mu + t - 1) / t * kern.mr;
        const int64_t cols = (nu + nth / t - 1) / (nth / t) * kern.nr;
        const double  cost = (double) rows * (double) cols + 32.0 * (double) (rows + cols);
        if (best < 0 || cost < best) {
            best = cost;
            tm = t;
            tn = nth / t;
        }
    }
}

int cgml_gemm_n_tiles(cpu_isa isa) { return kernels_of(isa).n; }

// The tile that wastes least on this shape: the padded area of C, divided by the tile's speed.
// When B is mostly zeros, narrow panels of B have more zero steps to skip: a share of steps that
// grows about as the square root of the panel's width on images.
// A tile index given by the caller (tests) is used as it is.
static const cgml_gemm_kernel & choose_kernel(const cgml_gemm_kernel_set & set, int64_t M, int64_t N, bool sparse_b, int tile) {
    if (tile >= 0 && tile < set.n) return set.kernels[tile];
    int    best = 0;
    double best_cost = 0;
    for (int i = 0; i < set.n; ++i) {
        const cgml_gemm_kernel & k = set.kernels[i];
        double cost = (double) round_up(M, k.mr) * (double) round_up(N, k.nr) / k.efficiency;
        if (sparse_b && k.skips_zeros) cost *= std::sqrt((double) k.nr);
        if (i == 0 || cost < best_cost) {
            best = i;
            best_cost = cost;
        }
    }
    return set.kernels[best];
}

// The share of zero steps in 16 x 16 samples of an operand's panels of 8 rows (rows: i for A, j
// for B): a sampled step k of the 8 rows starting at r is zero when all 8 elements are. Zeros
// scattered at random (dropout, or a dense gradient's sparse half) seldom make a whole step zero;
// the blank pixels of images do.
static double zero_step_share(const float * p, int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
    if (rows < 8) return 0.0;
    int zero = 0;
    for (int a = 0; a < 16; ++a) {
        const int64_t r0 = (2 * a + 1) * (rows - 8) / 32;
        for (int b = 0; b < 16; ++b) {
            const float * x = p + r0 * row_stride + (2 * b + 1) * cols / 32 * col_stride;
            bool all = true;
            for (int t = 0; t < 8; ++t) all = all && x[t * row_stride] == 0.0f;
            zero += all;
        }
    }
    return zero / 256.0;
}

// The kernels that skip zero steps find them in B's narrow panels, hardly ever in A's tall ones,
// so when A has more (images in a weight gradient) the product is computed as Cᵀ = BᵀAᵀ.
// Operands without zero steps skip the search: scanning the panels would cost 4 to 6 %.
// Every thread samples the same elements, so all decide alike.
static cgml_gemm_args orient_for_zeros(const cgml_gemm_args & g, const cgml_gemm_kernel_set & set, bool & sparse_b) {
    sparse_b = false;
    // below a million multiply-adds the sampling would cost more than skipping saves
    if (set.n == 0 || !set.kernels[0].skips_zeros || g.K <= 0 || (double) g.M * g.N * g.K < 1e6) return g;
    const double za = zero_step_share(g.A, g.M, g.K, g.a_si, g.a_sk);
    const double zb = zero_step_share(g.B, g.N, g.K, g.b_sj, g.b_sk);
    if (za < 0.1 && zb < 0.1) return g;
    cgml_gemm_args t = g;
    t.scan_zeros = true;
    const bool transpose = za > zb && g.N >= 64;
    if (transpose) {
        t.M = g.N; t.N = g.M;
        t.A = g.B; t.a_si = g.b_sj; t.a_sk = g.b_sk;
        t.B = g.A; t.b_sk = g.a_sk; t.b_sj = g.a_si;
        t.c_rows = !g.c_rows;
    }
    sparse_b = (transpose ? za : zb) >= 0.1;
    return t;
}

// Thread ith's block of C with the blocked kernel kern.
static void blocked(const cgml_gemm_args & g, const cgml_gemm_kernel & kern, int ith, int nth, void * wdata, size_t wsize) {
    int tm, tn;
    choose_grid(kern, g.M, g.N, nth, tm, tn);
    int64_t mu0, mu1, nu0, nu1;
    split_units((g.M + kern.mr - 1) / kern.mr, tm, ith / tn, mu0, mu1);
    split_units((g.N + kern.nr - 1) / kern.nr, tn, ith % tn, nu0, nu1);
    const int64_t m0 = mu0 * kern.mr, m1 = min64(mu1 * kern.mr, g.M);
    const int64_t n0 = nu0 * kern.nr, n1 = min64(nu1 * kern.nr, g.N);
    if (m0 >= m1 || n0 >= n1) return;

    if (g.K <= 0) { // never transposed (see orient_for_zeros)
        for (int64_t j = n0; j < n1; ++j) memset(g.C + j * g.ldc + m0, 0, (size_t) (m1 - m0) * sizeof(float));
        return;
    }

    const size_t need = cgml_gemm_thread_work_size(g.M, g.N, g.K);
    if (!wdata || wsize < need) {
        // callers that did not reserve scratch: grow a per-thread buffer once and keep it
        thread_local std::vector<char> fallback;
        if (fallback.size() < need) fallback.resize(need);
        wdata = fallback.data();
    }
    float * pa = (float *) (((uintptr_t) wdata + 63) & ~(uintptr_t) 63);
    const int64_t kc = min64(kern.kc, g.K);
    const int64_t mc = min64(kern.mc, round_up(g.M, kern.mr));
    const int64_t nc = min64(kern.nc, round_up(g.N, kern.nr)) + kern.nr;
    float * pb    = pa + round_up(mc * kc, 16);
    float * steps = pb + round_up(nc * kc, 16);
    kern.block(g, m0, m1, n0, n1, pa, pb, steps);
}

void cgml_gemm_f32(const cgml_gemm_args & g, cpu_isa isa, int ith, int nth, void * wdata, size_t wsize, int tile) {
    if (g.M <= 0 || g.N <= 0) return;

    // a few rows, both operands along k: dot products beat a mostly empty tile and packing
    if (g.M <= 16 && g.K > 0 && g.a_sk == 1 && g.b_sk == 1 && isa == CPU_ISA_AVX512 && tile < 0 && cgml_gemm_small_m_avx512) {
        int64_t n0, n1;
        split_units(g.N, nth, ith, n0, n1);
        if (n0 < n1) cgml_gemm_small_m_avx512(g, n0, n1);
        return;
    }
    bool sparse_b;
    const cgml_gemm_kernel_set & set  = kernels_of(isa);
    const cgml_gemm_args         t    = orient_for_zeros(g, set, sparse_b);
    const cgml_gemm_kernel &     kern = choose_kernel(set, t.M, t.N, sparse_b, tile);
    blocked(t, kern, ith, nth, wdata, wsize);
}
