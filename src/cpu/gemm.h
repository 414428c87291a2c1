#pragma once

// Single-precision matrix product on the CPU: C = A·B with strided A and B and a C whose
// columns are contiguous. Used by the mul_mat and out_prod kernels.
//
// Usage (on each of nth threads, ith = 0..nth-1; no barrier needed, threads write disjoint
// blocks of C):
//   cgml_gemm_args g = {M, N, K, A, a_si, a_sk, B, b_sk, b_sj, C, ldc};
//   size_t per_thread = cgml_gemm_thread_work_size(M, N, K);
//   cgml_gemm_f32(g, (cpu_isa) params->isa, ith, nth, (char *) wdata + ith * per_thread, per_thread);
//
// Element (i, k) of A is A[i*a_si + k*a_sk], element (k, j) of B is B[k*b_sk + j*b_sj] and
// element (i, j) of C is C[i + j*ldc] (strides in floats; transposed operands are handled
// while packing, never copied whole). C is overwritten.
//
// The AVX-512 and AVX2 kernels skip the steps of k where a packed panel of one operand is zero
// (see gemm_steps in gemm-blocked.h); when A is the operand with more zero steps, the product is
// computed as Cᵀ = BᵀAᵀ so that they fall in the narrow panels of B, where they are found.
//
// The caller names the instruction set (cpu/cpu-isa.h): the kernels of the CPU backend pass the
// one in their compute params; tests and benchmarks pass each in turn.

#include "cpu/cpu-isa.h"

#include <cstddef>
#include <cstdint>

struct cgml_gemm_args {
    int64_t M, N, K;
    const float * A; int64_t a_si, a_sk;
    const float * B; int64_t b_sk, b_sj;
    float *       C; int64_t ldc;
    // internal: element (i, j) of C at C[i*ldc + j] instead (a product computed transposed)
    bool c_rows = false;
    // internal: operands with enough zeros that the kernels look for zero steps (see gemm_steps)
    bool scan_zeros = false;
};

// The register tiles isa offers (chosen per shape); tests pass each index to cgml_gemm_f32.
int cgml_gemm_n_tiles(cpu_isa isa);

// Scratch bytes one thread needs for packing (valid for every instruction set).
size_t cgml_gemm_thread_work_size(int64_t M, int64_t N, int64_t K);

// Computes thread ith's share of C with the kernels of isa (one cpu_isa_supported holds for).
// wdata: cgml_gemm_thread_work_size bytes private to this thread (NULL or too small: a
// thread-local buffer is used instead). tile: the register tile (< cgml_gemm_n_tiles(isa)) for
// tests that reach every tile; -1 chooses one per shape, as the kernels do.
void cgml_gemm_f32(const cgml_gemm_args & g, cpu_isa isa, int ith, int nth, void * wdata, size_t wsize, int tile = -1);

// ---------------------------------------------------------------------------------------------
// internal: per-instruction-set blocked kernels (gemm-avx512.cpp, gemm-avx2.cpp, gemm-wasm-simd.cpp,
// gemm.cpp)

struct cgml_gemm_kernel {
    int mr, nr;         // register tile: rows of C (vector lanes) x columns (broadcasts)
    int64_t mc, kc, nc; // cache blocks of A (L2), of K and of B
    float efficiency;   // relative speed on full tiles, for choosing between tiles
    bool  skips_zeros;  // skips zero steps of panels (see gemm_steps)
    // Computes C[m0:m1, n0:n1] with packing buffers pa (mc*kc floats) and pb (kc*nc floats),
    // both 64-byte aligned, and steps (laid out by cgml_gemm_steps_for) for the kernels that
    // skip zero steps. m0 is a multiple of mr.
    void (*block)(const cgml_gemm_args & g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float * pa, float * pb,
                  void * steps);
};

// Where the step lists of one thread's blocks live: a_panels + b_panels lists of kc entries
// (see gemm-blocked.h), bytes in all. Both the scratch sizing and the kernels compute it here.
struct cgml_gemm_steps_layout {
    int64_t a_panels, b_panels, kc;
    size_t  bytes;
};

// mr, nr, mc, kc, nc: the tile and cache blocks of the kernel (cgml_gemm_kernel).
inline cgml_gemm_steps_layout cgml_gemm_steps_for(int mr, int nr, int64_t mc, int64_t kc, int64_t nc, int64_t M, int64_t N,
                                                  int64_t K) {
    auto up = [](int64_t x, int64_t m) { return (x + m - 1) / m * m; };
    cgml_gemm_steps_layout l;
    l.kc       = K < kc ? K : kc;
    l.a_panels = (M < mc ? up(M, mr) : mc) / mr + 1;
    l.b_panels = (N < nc ? up(N, nr) : nc) / nr + 1;
    const size_t per_panel = (size_t) l.kc * sizeof(uint16_t) + sizeof(int32_t) + 1;
    l.bytes = ((size_t) (l.a_panels + l.b_panels) * per_panel + 2 * 64 + 63) / 64 * 64;
    return l;
}

// The tiles one instruction set offers; n = 0 where the compiler could not build them.
struct cgml_gemm_kernel_set {
    const cgml_gemm_kernel * kernels;
    int                      n;
};

extern const cgml_gemm_kernel_set cgml_gemm_kernels_scalar;
extern const cgml_gemm_kernel_set cgml_gemm_kernels_avx2;
extern const cgml_gemm_kernel_set cgml_gemm_kernels_avx512;
// WebAssembly SIMD128 (gemm-wasm-simd.cpp); the portable set of wasm builds with -msimd128.
extern const cgml_gemm_kernel_set cgml_gemm_kernels_wasm_simd;

// C[:, n0:n1] for M <= 16 with A and B both contiguous along k (dot products); NULL if not built.
extern void (*const cgml_gemm_small_m_avx512)(const cgml_gemm_args & g, int64_t n0, int64_t n1);
