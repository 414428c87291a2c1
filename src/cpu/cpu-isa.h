#pragma once

// The instruction sets the CPU kernels are built for, what this processor supports, and which
// one the CPU backend uses. This is the only place that asks the processor what it can do.
//
//   cpu_isa isa = cpu_isa_default();      // CGML_CPU_ISA if set, else the widest supported
//   ggml_compute_params params = {..., isa};
//   kernel->run(&params, node);           // kernels use params->isa, never detect one
//
// The default is fixed for the life of the process: the environment variable CGML_CPU_ISA
// (avx512, avx2 or scalar) is read once, on first use. Tests and benchmarks that compare the
// instruction sets pass each one explicitly (to the graph executor, the kernels or the GEMM)
// instead of changing any process-wide setting.

// Values of ggml_compute_params::isa for the CPU's kernels.
enum cpu_isa : int {
    CPU_ISA_SCALAR = 0, // portable C++ (WebAssembly builds with SIMD128: the SIMD128 kernels)
    CPU_ISA_AVX2   = 1, // AVX2 + FMA
    CPU_ISA_AVX512 = 2, // AVX-512 F, BW, DQ and VL
};

constexpr cpu_isa CPU_ISAS[] = {CPU_ISA_SCALAR, CPU_ISA_AVX2, CPU_ISA_AVX512};

// What the processor supports and the operating system has enabled (all false off x86).
struct cpu_x86_features {
    bool sse3 = false, ssse3 = false, avx = false, avx2 = false, fma = false, f16c = false, bmi2 = false;
    bool avx512 = false, avx512_bw = false, avx512_dq = false, avx512_vl = false;
    bool avx512_vbmi = false, avx512_vnni = false, avx512_bf16 = false, avx_vnni = false;
    bool amx_int8 = false;
};

// Detected once.
const cpu_x86_features & cpu_features();

// Whether this processor runs isa and this build holds its kernels.
bool cpu_isa_supported(cpu_isa isa);

// The widest supported instruction set.
cpu_isa cpu_isa_best();

// The instruction set the CPU backend and ggml_graph_compute use: CGML_CPU_ISA when set, else
// cpu_isa_best(). A value that names no instruction set, or one this processor or build lacks,
// is reported on one line and the process exits with status 1 (a forced choice must not be
// replaced silently by another).
cpu_isa cpu_isa_default();

// "scalar", "avx2", "avx512".
const char * cpu_isa_name(cpu_isa isa);

// The instruction set called name; false for a name that is none.
bool cpu_isa_from_name(const char * name, cpu_isa * isa);
