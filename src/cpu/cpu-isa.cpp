// Processor feature detection and the CPU backend's choice of instruction set (see cpu-isa.h).

#include "cpu/cpu-isa.h"
#include "core/ggml-impl.h"
#include "cpu/gemm.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#    include <cpuid.h>

static cpu_x86_features detect() {
    cpu_x86_features f;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    f.sse3 = c & (1u << 0);
    f.ssse3 = c & (1u << 9);
    const bool cpu_fma = c & (1u << 12), osxsave = c & (1u << 27), cpu_avx = c & (1u << 28), cpu_f16c = c & (1u << 29);
    // the OS must save the wider registers on context switches, or using them is unsafe
    unsigned long long xcr0 = 0;
    if (osxsave) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = ((unsigned long long) hi << 32) | lo;
    }
    const bool os_avx = (xcr0 & 0x6) == 0x6;
    const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
    f.avx = cpu_avx && os_avx;
    f.fma = cpu_fma && os_avx;
    f.f16c = cpu_f16c && os_avx;
    const unsigned max_leaf = __get_cpuid_max(0, nullptr);
    if (max_leaf < 7) return f;
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = (b & (1u << 5)) && os_avx;
    f.bmi2 = b & (1u << 8);
    f.avx512 = (b & (1u << 16)) && os_avx512;
    f.avx512_dq = (b & (1u << 17)) && f.avx512;
    f.avx512_bw = (b & (1u << 30)) && f.avx512;
    f.avx512_vl = (b & (1u << 31)) && f.avx512;
    f.avx512_vbmi = (c & (1u << 1)) && f.avx512;
    f.avx512_vnni = (c & (1u << 11)) && f.avx512;
    f.amx_int8 = d & (1u << 25);
    const unsigned max_sub = a;
    if (max_sub >= 1) {
        __cpuid_count(7, 1, a, b, c, d);
        f.avx_vnni = (a & (1u << 4)) && os_avx;
        f.avx512_bf16 = (a & (1u << 5)) && f.avx512;
    }
    return f;
}
#else
static cpu_x86_features detect() { return cpu_x86_features(); }
#endif

const cpu_x86_features & cpu_features() {
    static const cpu_x86_features f = detect();
    return f;
}

bool cpu_isa_supported(cpu_isa isa) {
    const cpu_x86_features & f = cpu_features();
    switch (isa) {
        case CPU_ISA_SCALAR: return true;
        // the AVX-512 files are compiled with BW, DQ and VL too, and the compiler uses them (mask moves)
        case CPU_ISA_AVX512: return f.avx512 && f.avx512_bw && f.avx512_dq && f.avx512_vl && cgml_gemm_kernels_avx512.n > 0;
        case CPU_ISA_AVX2:   return f.avx2 && f.fma && cgml_gemm_kernels_avx2.n > 0;
    }
    return false;
}

cpu_isa cpu_isa_best() {
    static const cpu_isa best = cpu_isa_supported(CPU_ISA_AVX512) ? CPU_ISA_AVX512
                                : cpu_isa_supported(CPU_ISA_AVX2) ? CPU_ISA_AVX2
                                                                  : CPU_ISA_SCALAR;
    return best;
}

const char * cpu_isa_name(cpu_isa isa) {
    switch (isa) {
        case CPU_ISA_SCALAR: return "scalar";
        case CPU_ISA_AVX2:   return "avx2";
        case CPU_ISA_AVX512: return "avx512";
    }
    return "?";
}

bool cpu_isa_from_name(const char * name, cpu_isa * isa) {
    for (cpu_isa i : CPU_ISAS) {
        if (name && strcmp(name, cpu_isa_name(i)) == 0) {
            *isa = i;
            return true;
        }
    }
    return false;
}

static cpu_isa from_environment() {
    const char * v = getenv("CGML_CPU_ISA");
    if (!v || !*v) return cpu_isa_best();
    cpu_isa isa;
    const bool known = cpu_isa_from_name(v, &isa);
    if (!known || !cpu_isa_supported(isa)) {
        char shown[4 * 32 + 1];
        ggml_escape_controls(v, strlen(v), shown, sizeof shown);
        fprintf(stderr, "CGML_CPU_ISA=%s: %s\n", shown,
                known ? "not supported by this CPU or build" : "not an instruction set (avx512, avx2 or scalar)");
        exit(1);
    }
    return isa;
}

cpu_isa cpu_isa_default() {
    static const cpu_isa isa = from_environment();
    return isa;
}
