#pragma once

// The blocked GEMM driver shared by the per-instruction-set files (Goto's loop order):
//
//   for each block of nc columns of C:           B block packed once (kc x nc, L3)
//     for each block of kc steps of K:
//       pack B[k-block, column block] into NR-wide panels
//       for each block of mc rows of C:           A block packed (mc x kc, stays in L2)
//         pack A[row block, k-block] into MR-tall panels
//         for each NR panel of B:                 B panel (kc x NR) stays in L1
//           for each MR panel of A: micro-kernel  MR x NR tile of C in registers
//
// Packing absorbs the operands' strides, so transposed views cost one strided read per element.
// Everything here has internal linkage: each including file compiles it for its own
// instruction set, and no copy may leak into another file's code through the linker.
//
// A kernel type provides: MR, NR, MC, KC, NC, micro(kc, a, b, dst) (dst: a gemm_tile_dst),
// pack_a(g, i0, mc, k0, kc, dst), pack_b(g, k0, kc, j0, nc, dst), DIRECT_A and SKIPS_ZEROS.
// When DIRECT_A is true, also micro_direct(kc, a, a_step, b, dst), which reads A unpacked.
// When SKIPS_ZEROS is true, also scan_a/scan_b(panel, kc, steps, p) (see gemm_steps) and
// micro_steps(n, steps, a, b, dst), which visits only the n listed steps of the packed panels.
// Deriving from gemm_generic_packing<MR, NR> supplies MR, NR, the portable packing and
// DIRECT_A = SKIPS_ZEROS = false.

#include "cpu/gemm.h"

namespace {

inline int64_t gb_min(int64_t a, int64_t b) { return a < b ? a : b; }

// A[i0:i0+mc, k0:k0+kc] as panels of MR rows; in a panel, step k holds MR consecutive rows.
// Rows past mc are zero so that the micro-kernel can always work on full tiles.
template <int MR>
void gemm_pack_a_generic(const cgml_gemm_args & g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float * dst) {
    for (int64_t p = 0; p < mc; p += MR) {
        const int     mr = (int) gb_min(MR, mc - p);
        float *       d  = dst + p * kc;
        const float * s  = g.A + (i0 + p) * g.a_si + k0 * g.a_sk;
        if (g.a_si == 1) {
            for (int64_t k = 0; k < kc; ++k) {
                const float * sk = s + k * g.a_sk;
                float *       dk = d + k * MR;
                for (int ii = 0; ii < mr; ++ii) dk[ii] = sk[ii];
                for (int ii = mr; ii < MR; ++ii) dk[ii] = 0.0f;
            }
        } else {
            // rows are read along k (contiguous when a_sk == 1) and written with stride MR
            for (int ii = 0; ii < mr; ++ii) {
                const float * si = s + ii * g.a_si;
                for (int64_t k = 0; k < kc; ++k) d[k * MR + ii] = si[k * g.a_sk];
            }
            for (int ii = mr; ii < MR; ++ii) {
                for (int64_t k = 0; k < kc; ++k) d[k * MR + ii] = 0.0f;
            }
        }
    }
}

// B[k0:k0+kc, j0:j0+nc] as panels of NR columns; in a panel, step k holds NR consecutive columns.
template <int NR>
void gemm_pack_b_generic(const cgml_gemm_args & g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float * dst) {
    for (int64_t q = 0; q < nc; q += NR) {
        const int     nr = (int) gb_min(NR, nc - q);
        float *       d  = dst + q * kc;
        const float * s  = g.B + k0 * g.b_sk + (j0 + q) * g.b_sj;
        if (g.b_sj == 1) {
            for (int64_t k = 0; k < kc; ++k) {
                const float * sk = s + k * g.b_sk;
                float *       dk = d + k * NR;
                for (int jj = 0; jj < nr; ++jj) dk[jj] = sk[jj];
                for (int jj = nr; jj < NR; ++jj) dk[jj] = 0.0f;
            }
        } else {
            for (int jj = 0; jj < nr; ++jj) {
                const float * sj = s + jj * g.b_sj;
                for (int64_t k = 0; k < kc; ++k) d[k * NR + jj] = sj[k * g.b_sk];
            }
            for (int jj = nr; jj < NR; ++jj) {
                for (int64_t k = 0; k < kc; ++k) d[k * NR + jj] = 0.0f;
            }
        }
    }
}

// The steps of each packed panel that hold a nonzero value, and whether the panel is finite.
// A term x·0 with a finite x adds exactly nothing to a sum (acc + ±0 == acc, and a sum that
// starts at +0 never becomes -0), so where one operand's panel is zero at a step and the other
// operand's panel is finite, the tile may skip the step and its result is bit for bit the dense
// one. Images' blank pixels make whole steps of a panel zero often: 53 % of the steps of an
// 8-image panel of MNIST.
struct gemm_steps {
    uint16_t * idx;    // panel p's nonzero steps, ascending, at idx + p * kc
    int32_t *  count;  // panel p's number of them
    uint8_t *  finite; // panel p has no inf or NaN
    int64_t    kc;

    // One of the two lists in a buffer laid out by cgml_gemm_steps_for; advances p past it.
    static gemm_steps carve(char *& p, int64_t panels, int64_t kc) {
        gemm_steps s;
        s.count  = (int32_t *) p;
        s.idx    = (uint16_t *) (p + panels * sizeof(int32_t));
        s.finite = (uint8_t *) (s.idx + panels * kc);
        s.kc     = kc;
        p = (char *) (((uintptr_t) (s.finite + panels) + 63) & ~(uintptr_t) 63);
        return s;
    }

    // Fewer than 1/16 of the steps skipped do not pay for the indexing.
    bool worth_skipping(int64_t p, int64_t kc) const { return count[p] < kc - kc / 16; }
};

// scan_a/scan_b for kernels without a vector version: lists the steps of a packed panel W floats
// wide that hold a nonzero (NaN counts as one) and records whether the panel is finite.
template <int W>
void gemm_scan_panel(const float * panel, int64_t kc, gemm_steps & s, int64_t p) {
    uint16_t * idx    = s.idx + p * s.kc;
    int32_t    n      = 0;
    bool       finite = true;
    for (int64_t k = 0; k < kc; ++k) {
        bool nonzero = false;
        for (int i = 0; i < W; ++i) {
            const float x = panel[k * W + i];
            nonzero |= x != 0.0f;     // NaN too
            finite &= x - x == 0.0f; // not for inf or NaN
        }
        idx[n] = (uint16_t) k;
        n += nonzero;
    }
    s.count[p]  = n;
    s.finite[p] = finite;
}

// MR, NR and packing for kernels with no packing of their own.
template <int MR_, int NR_>
struct gemm_generic_packing {
    static constexpr int MR = MR_, NR = NR_;

    static constexpr bool DIRECT_A = false, SKIPS_ZEROS = false;

    static void pack_a(const cgml_gemm_args & g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float * dst) {
        gemm_pack_a_generic<MR>(g, i0, mc, k0, kc, dst);
    }
    static void pack_b(const cgml_gemm_args & g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float * dst) {
        gemm_pack_b_generic<NR>(g, k0, kc, j0, nc, dst);
    }
};

// Where one micro-kernel call puts its tile: the first mr rows and nr columns, element (i, j) at
// c[i + j*ldc], or c[i*ldc + j] for a product computed transposed (rows), added to C's values
// when accumulate is set (every K block after the first).
struct gemm_tile_dst {
    float * c;
    int64_t ldc;
    bool    rows;
    int     mr, nr;
    bool    accumulate;

    float & at(int i, int j) const { return rows ? c[i * ldc + j] : c[i + j * ldc]; }
};

// Writes a tile held column by column (tile[j][i] is element (i, j)).
template <int MR, int NR>
void gemm_store_tile(const float (&tile)[NR][MR], const gemm_tile_dst & d) {
    for (int j = 0; j < d.nr; ++j) {
        for (int i = 0; i < d.mr; ++i) d.at(i, j) = d.accumulate ? d.at(i, j) + tile[j][i] : tile[j][i];
    }
}

template <class Kern>
void gemm_blocked(const cgml_gemm_args & g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, float * pa, float * pb,
                  void * steps) {
    constexpr int MR = Kern::MR, NR = Kern::NR;
    const int64_t K = g.K;
    // equal K blocks: a short last block would waste the C loads and stores around it
    const int64_t n_kblocks = (K + Kern::KC - 1) / Kern::KC;
    const int64_t kcb       = (K + n_kblocks - 1) / n_kblocks;
    // Packing A pays off through reuse across B's panels; with at most two panels, a kernel
    // that can read rows of A in place (contiguous along i) skips it.
    const bool direct_a = Kern::DIRECT_A && g.a_si == 1 && n1 - n0 <= 2 * NR;

    // (dense operands skip the scans: they would find nothing to skip)
    const bool skip_zeros = Kern::SKIPS_ZEROS && g.scan_zeros;
    gemm_steps sa{}, sb{};
    if constexpr (Kern::SKIPS_ZEROS) {
        const cgml_gemm_steps_layout l = cgml_gemm_steps_for(MR, NR, Kern::MC, Kern::KC, Kern::NC, g.M, g.N, g.K);
        char * p = (char *) steps;
        sa = gemm_steps::carve(p, l.a_panels, l.kc);
        sb = gemm_steps::carve(p, l.b_panels, l.kc);
    }

    for (int64_t jc = n0; jc < n1; jc += Kern::NC) {
        const int64_t nc = gb_min(Kern::NC, n1 - jc);
        for (int64_t pc = 0; pc < K; pc += kcb) {
            const int64_t kc = gb_min(kcb, K - pc);
            Kern::pack_b(g, pc, kc, jc, nc, pb);
            if constexpr (Kern::SKIPS_ZEROS) {
                if (skip_zeros) {
                    for (int64_t q = 0; q * NR < nc; ++q) Kern::scan_b(pb + q * NR * kc, kc, sb, q);
                }
            }
            for (int64_t ic = m0; ic < m1; ic += Kern::MC) {
                const int64_t mc = gb_min(Kern::MC, m1 - ic);
                if (!direct_a) {
                    Kern::pack_a(g, ic, mc, pc, kc, pa);
                    if constexpr (Kern::SKIPS_ZEROS) {
                        if (skip_zeros) {
                            for (int64_t q = 0; q * MR < mc; ++q) Kern::scan_a(pa + q * MR * kc, kc, sa, q);
                        }
                    }
                }
                for (int64_t jr = 0; jr < nc; jr += NR) {
                    const int nr = (int) gb_min(NR, nc - jr);
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        const int mr = (int) gb_min(MR, mc - ir);
                        const int64_t  i = ic + ir, j = jc + jr;
                        gemm_tile_dst d = {g.C + (g.c_rows ? i * g.ldc + j : i + j * g.ldc), g.ldc, g.c_rows, mr, nr, pc > 0};
                        if constexpr (Kern::DIRECT_A) {
                            if (direct_a) {
                                Kern::micro_direct(kc, g.A + i + pc * g.a_sk, g.a_sk, pb + jr * kc, d);
                                continue;
                            }
                        }
                        if constexpr (Kern::SKIPS_ZEROS) {
                            if (skip_zeros) {
                                // the shorter list of the two panels whose partner is finite
                                const int64_t pa_i = ir / MR, pb_j = jr / NR;
                                const gemm_steps * use = nullptr;
                                if (sa.finite[pa_i] && sb.worth_skipping(pb_j, kc)) use = &sb;
                                if (sb.finite[pb_j] && sa.worth_skipping(pa_i, kc) &&
                                    (!use || sa.count[pa_i] < sb.count[pb_j])) {
                                    use = &sa;
                                }
                                if (use) {
                                    const int64_t p = use == &sa ? pa_i : pb_j;
                                    Kern::micro_steps(use->count[p], use->idx + p * use->kc, pa + ir * kc, pb + jr * kc, d);
                                    continue;
                                }
                            }
                        }
                        Kern::micro(kc, pa + ir * kc, pb + jr * kc, d);
                    }
                }
            }
        }
    }
}

// The table entry for kernel type Kern.
template <class Kern> constexpr cgml_gemm_kernel gemm_describe(float efficiency) {
    return {Kern::MR, Kern::NR, Kern::MC, Kern::KC, Kern::NC, efficiency, Kern::SKIPS_ZEROS, gemm_blocked<Kern>};
}

} // namespace
