// The CPU instruction-set module (src/cpu/cpu-isa.h): names, what this processor supports
// against the compiler's own detection, the default taken from CGML_CPU_ISA (read in child
// processes, since the default is fixed once read), and the reference kernels' ops all having a
// CPU kernel to fall back on.

#include "backend-test-helpers.h"
#include "cpu/cpu-isa.h"
#include "death-test.h"
#include "cpu/kernel-table.h"
#include "ggml-cpu.h"
#include "reference/reference-kernels.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

// Runs fn in a child whose environment has CGML_CPU_ISA=value; returns its exit status (-1 when
// it did not exit) and what it wrote to stderr.
static int child_exit_status(const char * value, int (*fn)(), std::string & err) {
    const int status = death::run_child([&] {
        setenv("CGML_CPU_ISA", value, 1);
        return fn();
    }, err);
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int default_isa() { return cpu_isa_default(); }

static void test_names() {
    for (cpu_isa isa : CPU_ISAS) {
        cpu_isa back = CPU_ISA_SCALAR;
        BT_CHECK(cpu_isa_from_name(cpu_isa_name(isa), &back) && back == isa);
    }
    cpu_isa unused;
    BT_CHECK(!cpu_isa_from_name("avx", &unused));
    BT_CHECK(!cpu_isa_from_name("", &unused));
    BT_CHECK(!cpu_isa_from_name(nullptr, &unused));
}

static void test_support() {
    BT_CHECK(cpu_isa_supported(CPU_ISA_SCALAR));
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    // the compiler's runtime detection as the independent answer (this build has both kernel sets)
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    BT_CHECK(cpu_isa_supported(CPU_ISA_AVX512) == avx512);
    BT_CHECK(cpu_isa_supported(CPU_ISA_AVX2) == avx2);
    BT_CHECK(ggml_cpu_has_avx512() == (__builtin_cpu_supports("avx512f") ? 1 : 0));
#else
    BT_CHECK(!cpu_isa_supported(CPU_ISA_AVX512) && !cpu_isa_supported(CPU_ISA_AVX2));
#endif
    // the best is supported, and nothing wider is
    const cpu_isa best = cpu_isa_best();
    BT_CHECK(cpu_isa_supported(best));
    for (cpu_isa isa : CPU_ISAS) BT_CHECK(isa <= best || !cpu_isa_supported(isa));
}

static void test_environment() {
    for (cpu_isa isa : CPU_ISAS) {
        if (!cpu_isa_supported(isa)) continue;
        std::string err;
        BT_CHECK(child_exit_status(cpu_isa_name(isa), default_isa, err) == (int) isa);
        BT_CHECK(err.empty());
    }
    {
        std::string err;
        BT_CHECK(child_exit_status("", default_isa, err) == (int) cpu_isa_best()); // empty: unset
    }
    // a name that is no instruction set, or one with a line break: one line, exit status 1
    for (const char * bad : {"avx1024", "AVX2", "avx2\nforged line"}) {
        std::string err;
        BT_CHECK(child_exit_status(bad, default_isa, err) == 1);
        BT_CHECK(err.find("CGML_CPU_ISA=") == 0 && err.find('\n') == err.size() - 1);
    }
    for (cpu_isa isa : CPU_ISAS) {
        if (cpu_isa_supported(isa)) continue;
        std::string err;
        BT_CHECK(child_exit_status(cpu_isa_name(isa), default_isa, err) == 1);
        BT_CHECK(err.find("not supported") != std::string::npos);
    }
}

// Tests replace a CPU kernel by the reference kernel of its op; each such op has a CPU kernel.
static void test_reference_ops() {
    int n = 0;
    for (int i = 0; i < GGML_OP_EXT_END; ++i) { // this library's own ops are numbered after GGML_OP_COUNT
        if (!ggml_reference_kernel_of((ggml_op) i)) continue;
        ++n;
        BT_CHECK(ggml_cpu_kernel_of((ggml_op) i) != nullptr);
    }
    BT_CHECK(n == 5); // MUL_MAT, OUT_PROD and the three direct convolutions
}

int main() {
    test_names();
    test_support();
    test_environment();
    test_reference_ops();
    return bt::finish();
}
