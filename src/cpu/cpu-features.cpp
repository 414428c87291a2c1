// CPU feature queries: what the processor supports and the operating system has enabled, as
// detected by cpu/cpu-isa.cpp.

#include "cpu/cpu-isa.h"
#include "ggml-cpu.h"

int ggml_cpu_has_sse3(void)          { return cpu_features().sse3; }
int ggml_cpu_has_ssse3(void)         { return cpu_features().ssse3; }
int ggml_cpu_has_avx(void)           { return cpu_features().avx; }
int ggml_cpu_has_avx_vnni(void)      { return cpu_features().avx_vnni; }
int ggml_cpu_has_avx2(void)          { return cpu_features().avx2; }
int ggml_cpu_has_bmi2(void)          { return cpu_features().bmi2; }
int ggml_cpu_has_f16c(void)          { return cpu_features().f16c; }
int ggml_cpu_has_fma(void)           { return cpu_features().fma; }
int ggml_cpu_has_avx512(void)        { return cpu_features().avx512; }
int ggml_cpu_has_avx512_vbmi(void)   { return cpu_features().avx512_vbmi; }
int ggml_cpu_has_avx512_vnni(void)   { return cpu_features().avx512_vnni; }
int ggml_cpu_has_avx512_bf16(void)   { return cpu_features().avx512_bf16; }
int ggml_cpu_has_amx_int8(void)      { return cpu_features().amx_int8; }

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
