// Devices, buffers, tensor placement and tensor reads/writes with offsets, element access and
// direct graph computation, checked against host-side mirrors of the same bytes.

#include "backend-test-helpers.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

#include <cstdint>
#include <cstring>
#include <vector>

static ggml_context * new_ctx(bool no_alloc, size_t mem = 1 << 20) {
    ggml_init_params ip = {mem, nullptr, no_alloc};
    return ggml_init(ip);
}

static void test_registry() {
    BT_CHECK(ggml_backend_dev_count() >= 1);
    BT_CHECK(ggml_backend_reg_count() >= 1);
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    BT_CHECK(cpu != nullptr);
    BT_CHECK(ggml_backend_dev_by_name("cpu") == cpu);
    BT_CHECK(ggml_backend_dev_by_name("no-such-device") == nullptr);
    BT_CHECK(strcmp(ggml_backend_dev_name(cpu), "CPU") == 0);
    BT_CHECK(ggml_backend_dev_description(cpu) != nullptr);
    BT_CHECK(ggml_backend_reg_by_name("CPU") == ggml_backend_cpu_reg());
    BT_CHECK(ggml_backend_dev_backend_reg(cpu) == ggml_backend_cpu_reg());
    BT_CHECK(ggml_backend_reg_dev_count(ggml_backend_cpu_reg()) == 1);
    BT_CHECK(ggml_backend_reg_get_proc_address(ggml_backend_cpu_reg(), "ggml_backend_set_n_threads") != nullptr);

    ggml_backend_dev_props props;
    ggml_backend_dev_get_props(cpu, &props);
    BT_CHECK(props.type == GGML_BACKEND_DEVICE_TYPE_CPU && props.memory_total > 0);

    ggml_backend_t backend = ggml_backend_dev_init(cpu, nullptr);
    BT_CHECK(backend && ggml_backend_is_cpu(backend));
    BT_CHECK(strcmp(ggml_backend_name(backend), "CPU") == 0);
    BT_CHECK(ggml_backend_get_device(backend) == cpu);
    BT_CHECK(ggml_backend_get_default_buffer_type(backend) == ggml_backend_cpu_buffer_type());
    BT_CHECK(ggml_backend_dev_supports_buft(cpu, ggml_backend_cpu_buffer_type()));
    ggml_backend_free(backend);

    ggml_backend_t best = ggml_backend_init_best();
    BT_CHECK(best && ggml_backend_is_cpu(best));
    ggml_backend_free(best);
    ggml_backend_t by_name = ggml_backend_init_by_name("CPU", nullptr);
    BT_CHECK(by_name && ggml_backend_is_cpu(by_name));
    ggml_backend_free(by_name);
}

static void test_buffer_basics() {
    ggml_backend_buffer_type_t buft = ggml_backend_cpu_buffer_type();
    BT_CHECK(ggml_backend_buft_is_host(buft));
    const size_t align = ggml_backend_buft_get_alignment(buft);
    BT_CHECK(align >= 16 && (align & (align - 1)) == 0);

    ggml_backend_buffer_t buf = ggml_backend_buft_alloc_buffer(buft, 1000);
    BT_CHECK(buf != nullptr);
    BT_CHECK(ggml_backend_buffer_get_size(buf) == 1000);
    BT_CHECK(ggml_backend_buffer_get_type(buf) == buft);
    BT_CHECK(((uintptr_t) ggml_backend_buffer_get_base(buf) % align) == 0);
    ggml_backend_buffer_clear(buf, 0xab);
    const uint8_t * base = (const uint8_t *) ggml_backend_buffer_get_base(buf);
    bool all = true;
    for (int i = 0; i < 1000; ++i) all = all && base[i] == 0xab;
    BT_CHECK(all);
    BT_CHECK(ggml_backend_buffer_get_usage(buf) == GGML_BACKEND_BUFFER_USAGE_ANY);
    ggml_backend_buffer_set_usage(buf, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    BT_CHECK(ggml_backend_buffer_get_usage(buf) == GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    ggml_backend_buffer_free(buf);
}

static void test_ctx_tensors_and_offsets() {
    ggml_context * ctx = new_ctx(true);
    ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 7, 5);
    ggml_tensor * b = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, 13);
    ggml_tensor * c = ggml_new_tensor_2d(ctx, GGML_TYPE_F16, 3, 3);
    ggml_tensor * v = ggml_view_2d(ctx, a, 3, 2, a->nb[1], 2 * a->nb[0] + a->nb[1]); // rows 1-2, columns 2-4
    ggml_tensor * t = ggml_transpose(ctx, a);

    ggml_backend_t backend = ggml_backend_cpu_init();
    const size_t expected = ggml_backend_alloc_ctx_tensors_from_buft_size(ctx, ggml_backend_cpu_buffer_type());
    BT_CHECK(expected >= ggml_nbytes(a) + ggml_nbytes(b) + ggml_nbytes(c));
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, backend);
    BT_CHECK(buf != nullptr);
    BT_CHECK(ggml_backend_buffer_get_size(buf) == expected);

    // every tensor inside the buffer, aligned, without overlaps
    const char * base = (const char *) ggml_backend_buffer_get_base(buf);
    const size_t align = ggml_backend_buffer_get_alignment(buf);
    ggml_tensor * owned[3] = {a, b, c};
    for (ggml_tensor * x : owned) {
        BT_CHECK(x->buffer == buf);
        BT_CHECK((const char *) x->data >= base && (const char *) x->data + ggml_nbytes(x) <= base + ggml_backend_buffer_get_size(buf));
        BT_CHECK(((uintptr_t) x->data % align) == 0);
    }
    for (int i = 0; i < 3; ++i)
        for (int j = i + 1; j < 3; ++j) {
            const char * pi = (const char *) owned[i]->data, * pj = (const char *) owned[j]->data;
            BT_CHECK(pi + ggml_nbytes(owned[i]) <= pj || pj + ggml_nbytes(owned[j]) <= pi);
        }
    BT_CHECK(v->buffer == buf && v->data == (char *) a->data + 2 * 4 + a->nb[1]);
    BT_CHECK(t->data == a->data);

    // writes and memsets at offsets, mirrored on the host
    std::vector<uint8_t> mirror(ggml_nbytes(a), 0);
    ggml_backend_tensor_memset(a, 0, 0, ggml_nbytes(a));
    uint32_t seed = 7;
    for (int round = 0; round < 200; ++round) {
        seed = seed * 1664525u + 1013904223u;
        const size_t off = (seed >> 8) % mirror.size();
        const size_t len = (seed >> 20) % (mirror.size() - off + 1);
        if (round % 3 == 0) {
            const uint8_t value = (uint8_t) (seed >> 3);
            ggml_backend_tensor_memset(a, value, off, len);
            memset(mirror.data() + off, value, len);
        } else {
            std::vector<uint8_t> data(len);
            for (size_t i = 0; i < len; ++i) data[i] = (uint8_t) (seed >> (i % 24));
            ggml_backend_tensor_set(a, data.data(), off, len);
            if (len) memcpy(mirror.data() + off, data.data(), len);
        }
    }
    std::vector<uint8_t> got(mirror.size());
    ggml_backend_tensor_get(a, got.data(), 0, got.size());
    BT_CHECK(got == mirror);
    std::vector<uint8_t> part(10);
    ggml_backend_tensor_get(a, part.data(), 37, part.size());
    BT_CHECK(memcmp(part.data(), mirror.data() + 37, 10) == 0);

    // a view's offsets are relative to the view's first byte
    std::vector<float> av = bt::random_floats(35, 3);
    ggml_backend_tensor_set(a, av.data(), 0, ggml_nbytes(a));
    float x = 0;
    ggml_backend_tensor_get(v, &x, 0, sizeof x);
    BT_CHECK(x == av[1 * 7 + 2]);
    ggml_backend_tensor_get(v, &x, v->nb[1] + 2 * sizeof(float), sizeof x);
    BT_CHECK(x == av[2 * 7 + 4]);

    // element access honours strides: the transpose's element (i0, i1) is a's (i1, i0)
    bool same = true;
    for (int i1 = 0; i1 < 7; ++i1)
        for (int i0 = 0; i0 < 5; ++i0) same = same && ggml_get_f32_nd(t, i0, i1, 0, 0) == av[i0 * 7 + i1];
    BT_CHECK(same);
    BT_CHECK(ggml_get_f32_1d(t, 1) == av[7]); // flat index 1 of the transpose is (1, 0)
    ggml_set_f32_1d(t, 1, 42.0f);
    ggml_backend_tensor_get(a, &x, 7 * sizeof(float), sizeof x);
    BT_CHECK(x == 42.0f);

    ggml_set_i32(b, -5);
    bool all = true;
    for (int i = 0; i < 13; ++i) all = all && ggml_get_i32_1d(b, i) == -5;
    BT_CHECK(all);
    ggml_set_i32_1d(b, 12, 123456789);
    int32_t bi = 0;
    ggml_backend_tensor_get(b, &bi, 12 * sizeof(int32_t), sizeof bi);
    BT_CHECK(bi == 123456789);
    ggml_set_f32_nd(c, 1, 2, 0, 0, 1.5f);
    BT_CHECK(ggml_get_f32_1d(c, 2 * 3 + 1) == 1.5f);
    ggml_fp16_t h = 0;
    ggml_backend_tensor_get(c, &h, (2 * 3 + 1) * sizeof(h), sizeof h);
    BT_CHECK(h == 0x3e00); // 1.5 in half precision

    // ggml_set_zero on buffer tensors
    ggml_set_zero(a);
    ggml_backend_tensor_get(a, got.data(), 0, got.size());
    all = true;
    for (uint8_t byte : got) all = all && byte == 0;
    BT_CHECK(all);

    // tensor copy between buffers
    ggml_context * ctx2 = new_ctx(true);
    ggml_tensor * a2 = ggml_dup_tensor(ctx2, a);
    ggml_backend_buffer_t buf2 = ggml_backend_alloc_ctx_tensors(ctx2, backend);
    ggml_backend_tensor_set(a, av.data(), 0, ggml_nbytes(a));
    ggml_backend_tensor_copy(a, a2);
    std::vector<float> av2(35);
    ggml_backend_tensor_get(a2, av2.data(), 0, ggml_nbytes(a2));
    BT_CHECK(av2 == av);

    // nothing left to allocate: NULL
    BT_CHECK(ggml_backend_alloc_ctx_tensors(ctx2, backend) == nullptr);

    ggml_backend_buffer_free(buf2);
    ggml_free(ctx2);
    ggml_backend_buffer_free(buf);
    ggml_backend_free(backend);
    ggml_free(ctx);
}

static void test_tallocr_from_ptr() {
    alignas(64) static uint8_t memory[4096];
    ggml_backend_buffer_t buf = ggml_backend_cpu_buffer_from_ptr(memory, sizeof memory);
    BT_CHECK(ggml_backend_buffer_get_base(buf) == memory);
    ggml_context * ctx = new_ctx(true);
    ggml_tensor * t1 = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 3);   // 12 bytes
    ggml_tensor * t2 = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, 100); // 400 bytes
    ggml_tallocr talloc = ggml_tallocr_new(buf);
    BT_CHECK(ggml_tallocr_alloc(&talloc, t1) == GGML_STATUS_SUCCESS);
    BT_CHECK(ggml_tallocr_alloc(&talloc, t2) == GGML_STATUS_SUCCESS);
    BT_CHECK(t1->data == memory);
    BT_CHECK(t2->data == memory + talloc.alignment); // 12 bytes rounded up to one alignment unit
    BT_CHECK(talloc.offset == talloc.alignment + GGML_PAD(400, talloc.alignment));
    const float vals[3] = {1, 2, 3};
    ggml_backend_tensor_set(t1, vals, 0, sizeof vals);
    BT_CHECK(memcmp(memory, vals, sizeof vals) == 0);
    ggml_backend_buffer_free(buf); // does not free memory it does not own
    ggml_free(ctx);
}

static void test_compute_with_ctx() {
    ggml_context * ctx = new_ctx(false, 4 << 20);
    ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 33, 9);
    ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 33, 9);
    std::vector<float> av = bt::random_floats(33 * 9, 11), bv = bt::random_floats(33 * 9, 12);
    memcpy(a->data, av.data(), ggml_nbytes(a));
    memcpy(b->data, bv.data(), ggml_nbytes(b));
    ggml_tensor * s = ggml_new_f32(ctx, 0.25f);
    BT_CHECK(ggml_get_f32_1d(s, 0) == 0.25f);
    ggml_tensor * i = ggml_new_i32(ctx, 77);
    BT_CHECK(ggml_get_i32_1d(i, 0) == 77);

    ggml_tensor * y = ggml_mul(ctx, ggml_add(ctx, a, b), a);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, y);
    BT_CHECK(ggml_graph_compute_with_ctx(ctx, gf, 3) == GGML_STATUS_SUCCESS);
    bool ok = true;
    for (int k = 0; k < 33 * 9; ++k) {
        const double ref = ((double) av[k] + bv[k]) * av[k];
        ok = ok && std::fabs(ggml_get_f32_1d(y, k) - ref) < 1e-6;
    }
    BT_CHECK(ok);

    ggml_cplan plan = ggml_graph_plan(gf, 2, nullptr);
    BT_CHECK(plan.n_threads == 2);
    ggml_set_f32(y, -1.0f);
    BT_CHECK(ggml_graph_compute(gf, &plan) == GGML_STATUS_SUCCESS);
    BT_CHECK(std::fabs(ggml_get_f32_1d(y, 5) - ((double) av[5] + bv[5]) * av[5]) < 1e-6);
    ggml_free(ctx);
}

static bool abort_now(void *) { return true; }

static void test_abort_callback() {
    ggml_context * ctx = new_ctx(true);
    ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 64);
    ggml_tensor * first = ggml_add(ctx, a, a);
    ggml_tensor * second = ggml_add(ctx, first, a);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, second);
    ggml_backend_t backend = ggml_backend_cpu_init();
    ggml_backend_cpu_set_n_threads(backend, 2);
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, backend);
    ggml_set_f32(a, 1.0f);
    ggml_set_f32(first, 0.0f);
    ggml_set_f32(second, -7.0f);
    ggml_backend_cpu_set_abort_callback(backend, abort_now, nullptr);
    BT_CHECK(ggml_backend_graph_compute(backend, gf) == GGML_STATUS_ABORTED);
    BT_CHECK(ggml_get_f32_1d(first, 63) == 2.0f);   // ran
    BT_CHECK(ggml_get_f32_1d(second, 63) == -7.0f); // stopped before
    ggml_backend_cpu_set_abort_callback(backend, nullptr, nullptr);
    BT_CHECK(ggml_backend_graph_compute(backend, gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(ggml_get_f32_1d(second, 63) == 3.0f);
    ggml_backend_buffer_free(buf);
    ggml_backend_free(backend);
    ggml_free(ctx);
}

static void test_cpu_features() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    BT_CHECK(ggml_cpu_has_avx2() == (__builtin_cpu_supports("avx2") ? 1 : 0));
    BT_CHECK(ggml_cpu_has_fma() == (__builtin_cpu_supports("fma") ? 1 : 0));
    BT_CHECK(ggml_cpu_has_avx512() == (__builtin_cpu_supports("avx512f") ? 1 : 0));
    BT_CHECK(ggml_cpu_has_sse3() == (__builtin_cpu_supports("sse3") ? 1 : 0));
#endif
    BT_CHECK(!ggml_cpu_has_avx512() || ggml_cpu_has_avx2());
    BT_CHECK(!ggml_cpu_has_avx2() || ggml_cpu_has_avx());
}

int main() {
    test_registry();
    test_buffer_basics();
    test_ctx_tensors_and_offsets();
    test_tallocr_from_ptr();
    test_compute_with_ctx();
    test_abort_callback();
    test_cpu_features();
    return bt::finish();
}
