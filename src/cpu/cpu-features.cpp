// CPU feature queries: what the processor supports and the operating system has enabled.

#include "ggml-cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#    include <cpuid.h>

namespace {

struct x86_features {
    bool sse3 = false, ssse3 = false, avx = false, avx2 = false, fma = false, f16c = false, bmi2 = false;
    bool avx512 = false, avx512_vbmi = false, avx512_vnni = false, avx512_bf16 = false, avx_vnni = false;
    bool amx_int8 = false;

    x86_features() {
        unsigned a, b, c, d;
        if (!__get_cpuid(1, &a, &b, &c, &d)) return;
        sse3 = c & (1u << 0);
        ssse3 = c & (1u << 9);
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
        avx = cpu_avx && os_avx;
        fma = cpu_fma && os_avx;
        f16c = cpu_f16c && os_avx;
        unsigned max_leaf = __get_cpuid_max(0, nullptr);
        if (max_leaf < 7) return;
        __cpuid_count(7, 0, a, b, c, d);
        avx2 = (b & (1u << 5)) && os_avx;
        bmi2 = b & (1u << 8);
        avx512 = (b & (1u << 16)) && os_avx512;
        avx512_vbmi = (c & (1u << 1)) && avx512;
        avx512_vnni = (c & (1u << 11)) && avx512;
        amx_int8 = d & (1u << 25);
        const unsigned max_sub = a;
        if (max_sub >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            avx_vnni = (a & (1u << 4)) && os_avx;
            avx512_bf16 = (a & (1u << 5)) && avx512;
        }
    }
};

const x86_features & features() {
    static const x86_features f;
    return f;
}

} // namespace

int ggml_cpu_has_sse3(void)        { return features().sse3; }
int ggml_cpu_has_ssse3(void)       { return features().ssse3; }
int ggml_cpu_has_avx(void)         { return features().avx; }
int ggml_cpu_has_avx_vnni(void)    { return features().avx_vnni; }
int ggml_cpu_has_avx2(void)        { return features().avx2; }
int ggml_cpu_has_bmi2(void)        { return features().bmi2; }
int ggml_cpu_has_f16c(void)        { return features().f16c; }
int ggml_cpu_has_fma(void)         { return features().fma; }
int ggml_cpu_has_avx512(void)      { return features().avx512; }
int ggml_cpu_has_avx512_vbmi(void) { return features().avx512_vbmi; }
int ggml_cpu_has_avx512_vnni(void) { return features().avx512_vnni; }
int ggml_cpu_has_avx512_bf16(void) { return features().avx512_bf16; }
int ggml_cpu_has_amx_int8(void)    { return features().amx_int8; }
#else
int ggml_cpu_has_sse3(void)        { return 0; }
int ggml_cpu_has_ssse3(void)       { return 0; }
int ggml_cpu_has_avx(void)         { return 0; }
int ggml_cpu_has_avx_vnni(void)    { return 0; }
int ggml_cpu_has_avx2(void)        { return 0; }
int ggml_cpu_has_bmi2(void)        { return 0; }
int ggml_cpu_has_f16c(void)        { return 0; }
int ggml_cpu_has_fma(void)         { return 0; }
int ggml_cpu_has_avx512(void)      { return 0; }
int ggml_cpu_has_avx512_vbmi(void) { return 0; }
int ggml_cpu_has_avx512_vnni(void) { return 0; }
int ggml_cpu_has_avx512_bf16(void) { return 0; }
int ggml_cpu_has_amx_int8(void)    { return 0; }
#endif

#if defined(__ARM_NEON)
int ggml_cpu_has_neon(void) { return 1; }
#else
int ggml_cpu_has_neon(void) { return 0; }
#endif
#if defined(__ARM_FEATURE_FMA)
int ggml_cpu_has_arm_fma(void) { return 1; }
#else
int ggml_cpu_has_arm_fma(void) { return 0; }
#endif

// Kernels here use none of these.
int ggml_cpu_has_fp16_va(void)     { return 0; }
int ggml_cpu_has_dotprod(void)     { return 0; }
int ggml_cpu_has_matmul_int8(void) { return 0; }
int ggml_cpu_has_sve(void)         { return 0; }
int ggml_cpu_get_sve_cnt(void)     { return 0; }
int ggml_cpu_has_sme(void)         { return 0; }
int ggml_cpu_has_riscv_v(void)     { return 0; }
int ggml_cpu_has_vsx(void)         { return 0; }
int ggml_cpu_has_vxe(void)         { return 0; }
int ggml_cpu_has_wasm_simd(void)   { return 0; }
int ggml_cpu_has_llamafile(void)   { return 0; }

void ggml_cpu_init(void) {}

void ggml_cpu_fp32_to_fp16(const float * x, ggml_fp16_t * y, int64_t n) { ggml_fp32_to_fp16_row(x, y, n); }
void ggml_cpu_fp16_to_fp32(const ggml_fp16_t * x, float * y, int64_t n) { ggml_fp16_to_fp32_row(x, y, n); }
