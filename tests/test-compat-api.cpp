// The small parts of ggml's API that clients call besides the tensor ops: bfloat16 conversions
// (against values worked out by hand from the bit layout), file types, version strings, backend
// loading over the registry (idempotent, unload really removes, load by library name), events,
// the ggml-cpp.h owners, the CPU type traits (against a plain loop) and op names for enum values
// that name no operator here.

#include "ggml.h"
#include "ggml-backend.h"
#include "ggml-cpp.h"
#include "ggml-cpu.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

static int g_failures = 0;
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); g_failures++; } } while (0)

static uint32_t bits_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float float_of(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static void test_bf16() {
    CHECK(ggml_fp32_to_bf16(1.0f).bits == 0x3f80);
    CHECK(ggml_fp32_to_bf16(-2.0f).bits == 0xc000);
    CHECK(ggml_bf16_to_fp32(ggml_bf16_t{0x3f80}) == 1.0f);
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties go to the even (lower) value
    CHECK(ggml_fp32_to_bf16(float_of(0x3f808000u)).bits == 0x3f80);
    // the next halfway point rounds up to the even value
    CHECK(ggml_fp32_to_bf16(float_of(0x3f818000u)).bits == 0x3f82);
    CHECK(ggml_fp32_to_bf16(float_of(0x3f808001u)).bits == 0x3f81); // above halfway
    CHECK(ggml_fp32_to_bf16(INFINITY).bits == 0x7f80);
    // the largest finite float rounds to infinity; a NaN whose payload is in the low bits stays NaN
    CHECK(ggml_fp32_to_bf16(float_of(0x7f7fffffu)).bits == 0x7f80);
    const ggml_bf16_t nan = ggml_fp32_to_bf16(float_of(0x7f800001u));
    CHECK((nan.bits & 0x7f80) == 0x7f80 && (nan.bits & 0x7f) != 0);

    const float x[5] = {0.0f, 1.5f, -3.25f, 1e-3f, 65504.0f};
    ggml_bf16_t y[5], z[5];
    ggml_fp32_to_bf16_row(x, y, 5);
    ggml_fp32_to_bf16_row_ref(x, z, 5);
    float back[5];
    ggml_bf16_to_fp32_row(y, back, 5);
    for (int i = 0; i < 5; ++i) {
        CHECK(y[i].bits == z[i].bits);
        CHECK(y[i].bits == ggml_fp32_to_bf16(x[i]).bits);
        CHECK(std::fabs(back[i] - x[i]) <= std::fabs(x[i]) * (1.0f / 256)); // 8 bits of mantissa
        CHECK(bits_of(back[i]) == (uint32_t) y[i].bits << 16);
    }
}

static void test_ftype_version() {
    CHECK(ggml_ftype_to_ggml_type(GGML_FTYPE_ALL_F32) == GGML_TYPE_F32);
    CHECK(ggml_ftype_to_ggml_type(GGML_FTYPE_MOSTLY_F16) == GGML_TYPE_F16);
    CHECK(ggml_ftype_to_ggml_type(GGML_FTYPE_MOSTLY_Q4_0) == GGML_TYPE_COUNT);
    CHECK(ggml_ftype_to_ggml_type(GGML_FTYPE_UNKNOWN) == GGML_TYPE_COUNT);
    CHECK(ggml_version() != nullptr && strchr(ggml_version(), '.') != nullptr);
    CHECK(ggml_commit() != nullptr && ggml_commit()[0] != '\0');
}

static void test_loading() {
    ggml_backend_load_all();
    const size_t nregs = ggml_backend_reg_count(), ndevs = ggml_backend_dev_count();
    CHECK(nregs >= 1 && ndevs >= 1);
    ggml_backend_load_all();
    ggml_backend_load_all_from_path("/nonexistent");
    CHECK(ggml_backend_reg_count() == nregs && ggml_backend_dev_count() == ndevs); // idempotent

    ggml_backend_reg_t cpu = ggml_backend_reg_by_name("CPU");
    CHECK(cpu != nullptr);
    ggml_backend_unload(cpu);
    CHECK(ggml_backend_reg_by_name("CPU") == nullptr);
    CHECK(ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) == nullptr);
    CHECK(ggml_backend_reg_count() == nregs - 1);

    CHECK(ggml_backend_load("/usr/lib/libggml-cuda.so") == nullptr); // not built in
    CHECK(ggml_backend_load("/opt/ggml/lib/libggml-cpu.so") == cpu);
    CHECK(ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU) != nullptr);
    CHECK(ggml_backend_load("ggml-cpu") == cpu);
    CHECK(ggml_backend_reg_count() == nregs && ggml_backend_dev_count() == ndevs);

    ggml_backend_unload(cpu);
    ggml_backend_load_all();
    CHECK(ggml_backend_reg_by_name("CPU") == cpu && ggml_backend_dev_count() == ndevs);
}

static void test_cpp_owners_and_events() {
    ggml_init_params ip = {4 * ggml_tensor_overhead(), nullptr, true};
    ggml_context_ptr ctx{ggml_init(ip)};
    CHECK(ctx != nullptr);
    ggml_tensor * t = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_F32, 4);
    ggml_tensor * u = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_F32, 4);

    ggml_backend_ptr backend{ggml_backend_init_by_type(GGML_BACKEND_DEVICE_TYPE_CPU, nullptr)};
    CHECK(backend != nullptr);
    ggml_backend_buffer_ptr buf{ggml_backend_alloc_ctx_tensors(ctx.get(), backend.get())};
    CHECK(buf != nullptr);

    const float values[4] = {1, 2, 3, 4};
    ggml_backend_tensor_set(t, values, 0, sizeof values);
    const ggml_tensor * src = t;
    ggml_backend_tensor_copy(src, u); // const source, as in ggml
    float out[4] = {};
    ggml_backend_tensor_get(u, out, 0, sizeof out);
    CHECK(memcmp(out, values, sizeof out) == 0);

    ggml_backend_event_ptr event{ggml_backend_event_new(ggml_backend_get_device(backend.get()))};
    CHECK(event != nullptr);
    ggml_backend_event_record(event.get(), backend.get());
    ggml_backend_event_wait(backend.get(), event.get());
    ggml_backend_event_synchronize(event.get());
    CHECK(ggml_backend_event_new(nullptr) == nullptr);

    ggml_backend_dev_props props;
    ggml_backend_dev_get_props(ggml_backend_get_device(backend.get()), &props);
    CHECK(props.type == GGML_BACKEND_DEVICE_TYPE_CPU && props.device_id == nullptr && !props.caps.mmap_support);
}

static void test_cpu_type_traits() {
    const ggml_type_traits_cpu * f32 = ggml_get_type_traits_cpu(GGML_TYPE_F32);
    const ggml_type_traits_cpu * f16 = ggml_get_type_traits_cpu(GGML_TYPE_F16);
    CHECK(f32 && f32->vec_dot && f32->from_float && f32->vec_dot_type == GGML_TYPE_F32 && f32->nrows == 1);
    CHECK(f16 && f16->vec_dot && f16->from_float && f16->vec_dot_type == GGML_TYPE_F16);
    CHECK(ggml_get_type_traits_cpu(GGML_TYPE_I32)->vec_dot == nullptr);

    std::vector<float> a(37), b(37);
    double naive = 0;
    for (int i = 0; i < 37; ++i) {
        a[i] = 0.25f * (float) (i - 18);
        b[i] = 0.5f * (float) (i % 7);
        naive += (double) a[i] * b[i];
    }
    float s = 0;
    f32->vec_dot(37, &s, 0, a.data(), 0, b.data(), 0, 1);
    CHECK(s == (float) naive);

    std::vector<ggml_fp16_t> ha(37), hb(37);
    f16->from_float(a.data(), ha.data(), 37);
    f16->from_float(b.data(), hb.data(), 37);
    f16->vec_dot(37, &s, 0, ha.data(), 0, hb.data(), 0, 1);
    CHECK(s == (float) naive); // these values are exact in half precision
}

static void test_op_names() {
    CHECK(strcmp(ggml_op_name(GGML_OP_MUL_MAT), "MUL_MAT") == 0);
    CHECK(strcmp(ggml_op_name((ggml_op) 3), "UNKNOWN") == 0);  // ggml's ADD_ID: not implemented here
    CHECK(strcmp(ggml_op_name((ggml_op) GGML_OP_COUNT), "UNKNOWN") == 0);
    CHECK(strcmp(ggml_op_symbol((ggml_op) 12), "?") == 0);
    CHECK(strcmp(ggml_op_name(GGML_OP_CONV_2D_BACK_INPUT), "UNKNOWN") != 0);
}

int main() {
    test_bf16();
    test_ftype_version();
    test_loading();
    test_cpp_owners_and_events();
    test_cpu_type_traits();
    test_op_names();
    if (g_failures) { fprintf(stderr, "%d check(s) failed\n", g_failures); return 1; }
    printf("all checks passed\n");
    return 0;
}
