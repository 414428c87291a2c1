// The scheduler over a test backend and the CPU. The test backend has its own (non-host) memory,
// does not support MUL and computes every other op with the reference kernels. Checked: MUL
// nodes run on the CPU, each node runs where its weights are or on the first backend supporting
// it, inputs are copied between the backends (every node only ever reads memory its backend can
// use), and the results match a double-precision reference.

#include "backend-test-helpers.h"
#include "test-buffer-type.h"
#include "backend/backend-impl.h"
#include "cpu/cpu-isa.h"
#include "cpu/kernel-table.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

#include <cstdlib>
#include <cstring>
#include <vector>

// ---------------------------------------------------------------------------------------------
// the test backend

namespace {

int g_test_nodes_computed = 0;
int g_test_bad_memory = 0;   // nodes the test backend saw whose memory was not its own
ggml_backend_buffer_type g_test_buft = test_buffer_type::make(/*host =*/ false); // the CPU must not read it directly

bool own_memory(const ggml_tensor * t) {
    const ggml_tensor * o = t->view_src ? t->view_src : t;
    return o->buffer && o->buffer->buft == &g_test_buft;
}

const char * test_backend_name(ggml_backend_t) { return "TEST"; }
void test_backend_free(ggml_backend_t b) { delete b; }

ggml_status test_backend_compute(ggml_backend_t, ggml_cgraph * g) {
    std::vector<uint8_t> work;
    for (int i = 0; i < g->n_nodes; ++i) {
        ggml_tensor * node = g->nodes[i];
        if (ggml_node_computes_nothing(node)) continue;
        const cpu_kernel * kernel = ggml_cpu_kernel_of(node->op);
        bool ok = own_memory(node);
        for (int s = 0; s < GGML_MAX_SRC; ++s) ok = ok && (!node->src[s] || own_memory(node->src[s]));
        if (!ok) g_test_bad_memory++;
        const size_t wsize = kernel->work_size ? kernel->work_size(node, 1, CPU_ISA_SCALAR) : 0;
        if (work.size() < wsize) work.resize(wsize);
        ggml_compute_params params = {0, 1, work.data(), wsize, [](void *) {}, nullptr, CPU_ISA_SCALAR};
        kernel->run(&params, node);
        g_test_nodes_computed++;
    }
    return GGML_STATUS_SUCCESS;
}

const char * test_dev_name(ggml_backend_dev_t) { return "TEST"; }
const char * test_dev_description(ggml_backend_dev_t) { return "test device without MUL"; }
void test_dev_memory(ggml_backend_dev_t, size_t * free, size_t * total) { *free = *total = 1 << 30; }
enum ggml_backend_dev_type test_dev_type(ggml_backend_dev_t) { return GGML_BACKEND_DEVICE_TYPE_ACCEL; }
ggml_backend_t test_dev_init(ggml_backend_dev_t dev, const char *);
ggml_backend_buffer_type_t test_dev_buft(ggml_backend_dev_t) { return &g_test_buft; }
bool test_dev_supports_op(ggml_backend_dev_t, const ggml_tensor * op) { return op->op != GGML_OP_MUL; }
bool test_dev_supports_buft(ggml_backend_dev_t, ggml_backend_buffer_type_t buft) { return buft == &g_test_buft; }
bool g_test_wants_add = false; // offload_op: ask for ADD nodes whose weights are in CPU memory
bool test_dev_offload_op(ggml_backend_dev_t, const ggml_tensor * op) { return g_test_wants_add && op->op == GGML_OP_ADD; }

ggml_backend_device g_test_dev = {
    {test_dev_name, test_dev_description, test_dev_memory, test_dev_type, test_dev_init, test_dev_buft,
     test_dev_supports_op, test_dev_supports_buft, test_dev_offload_op},
    nullptr, nullptr};

ggml_backend_t test_dev_init(ggml_backend_dev_t dev, const char *) {
    return new ggml_backend{{test_backend_name, test_backend_free, nullptr, test_backend_compute}, dev, nullptr};
}

// ---------------------------------------------------------------------------------------------
// the network

constexpr int D = 8, N = 5;

struct model {
    ggml_context * ctx_w = nullptr, * ctx_c = nullptr;
    ggml_backend_buffer_t buf_test = nullptr, buf_cpu = nullptr;
    ggml_tensor * wt, * wt2, * wc;  // wt, wt2 in test memory; wc in CPU memory
    std::vector<float> wtv, wt2v, wcv;
};

model make_model(ggml_backend_t test, ggml_backend_t cpu) {
    model m;
    ggml_init_params ip = {8 * ggml_tensor_overhead(), nullptr, true};
    m.ctx_w = ggml_init(ip);
    m.wt = ggml_new_tensor_2d(m.ctx_w, GGML_TYPE_F32, D, N);
    m.wt2 = ggml_new_tensor_2d(m.ctx_w, GGML_TYPE_F32, D, 3);
    ggml_init_params ip2 = {8 * ggml_tensor_overhead(), nullptr, true};
    m.ctx_c = ggml_init(ip2);
    m.wc = ggml_new_tensor_2d(m.ctx_c, GGML_TYPE_F32, D, N);
    m.buf_test = ggml_backend_alloc_ctx_tensors(m.ctx_w, test);
    m.buf_cpu = ggml_backend_alloc_ctx_tensors(m.ctx_c, cpu);
    ggml_backend_buffer_set_usage(m.buf_test, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    ggml_backend_buffer_set_usage(m.buf_cpu, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    m.wtv = bt::random_floats(D * N, 21);
    m.wt2v = bt::random_floats(D * 3, 22);
    m.wcv = bt::random_floats(D * N, 23);
    ggml_backend_tensor_set(m.wt, m.wtv.data(), 0, ggml_nbytes(m.wt));
    ggml_backend_tensor_set(m.wt2, m.wt2v.data(), 0, ggml_nbytes(m.wt2));
    ggml_backend_tensor_set(m.wc, m.wcv.data(), 0, ggml_nbytes(m.wc));
    return m;
}

struct net {
    ggml_context * ctx;
    ggml_cgraph * gf;
    ggml_tensor * x, * a, * mul, * r, * s, * t, * out;
};

net build(const model & m) {
    net n;
    ggml_init_params ip = {64 * ggml_tensor_overhead() + ggml_graph_overhead(), nullptr, true};
    n.ctx = ggml_init(ip);
    n.x = ggml_new_tensor_2d(n.ctx, GGML_TYPE_F32, D, N);
    ggml_set_input(n.x);
    n.a = ggml_add(n.ctx, n.x, m.wt);       // weights on TEST
    n.mul = ggml_mul(n.ctx, n.a, m.wc);     // MUL: TEST cannot
    ggml_set_output(n.mul);
    n.r = ggml_relu(n.ctx, n.mul);          // no weights: first backend
    n.s = ggml_add(n.ctx, n.r, m.wc);       // weights on the CPU
    n.t = ggml_mul_mat(n.ctx, m.wt2, n.s);  // weights on TEST
    n.out = ggml_scale(n.ctx, n.t, 2.0f);
    ggml_set_output(n.out);
    n.gf = ggml_new_graph(n.ctx);
    ggml_build_forward_expand(n.gf, n.out);
    return n;
}

struct reference {
    std::vector<double> mul, out;
};

reference compute_reference(const model & m, const std::vector<float> & x) {
    reference ref;
    std::vector<double> s(D * N);
    ref.mul.resize(D * N);
    for (int i = 0; i < D * N; ++i) {
        ref.mul[i] = ((double) x[i] + m.wtv[i]) * m.wcv[i];
        s[i] = std::max(0.0, ref.mul[i]) + m.wcv[i];
    }
    ref.out = bt::matmul(bt::to_double(m.wt2v), s, D, 3, N);
    for (double & v : ref.out) v *= 2.0;
    return ref;
}

std::vector<float> read(const ggml_tensor * t) {
    std::vector<float> v(ggml_nelements(t));
    ggml_backend_tensor_get(t, v.data(), 0, ggml_nbytes(t));
    return v;
}

struct eval_state {
    ggml_backend_sched_t sched;
    int seen = 0;
    int unreadable = 0; // nodes whose sources their backend cannot use
};

bool observe(ggml_tensor * t, bool ask, void * data) {
    eval_state * st = (eval_state *) data;
    if (ask) return true;
    st->seen++;
    ggml_backend_t b = ggml_backend_sched_get_tensor_backend(st->sched, t);
    for (int s = 0; s < GGML_MAX_SRC; ++s) {
        const ggml_tensor * src = t->src[s];
        if (!src) continue;
        const ggml_tensor * o = src->view_src ? src->view_src : src;
        if (!b || !o->buffer || !ggml_backend_supports_buft(b, o->buffer->buft)) st->unreadable++;
    }
    return true;
}

} // namespace

int main() {
    ggml_backend_device_register(&g_test_dev);
    BT_CHECK(ggml_backend_dev_by_name("test") == &g_test_dev);
    BT_CHECK(ggml_backend_dev_count() >= 2);

    ggml_backend_t test = ggml_backend_dev_init(&g_test_dev, nullptr);
    ggml_backend_t cpu = ggml_backend_cpu_init();
    ggml_backend_cpu_set_n_threads(cpu, 2);
    model m = make_model(test, cpu);
    const std::vector<float> xv = bt::random_floats(D * N, 24);
    const reference ref = compute_reference(m, xv);

    ggml_backend_t backends[2] = {test, cpu};
    ggml_backend_sched_t sched = ggml_backend_sched_new(backends, nullptr, 2, GGML_DEFAULT_GRAPH_SIZE, false, true);
    BT_CHECK(ggml_backend_sched_get_n_backends(sched) == 2);
    BT_CHECK(ggml_backend_sched_get_backend(sched, 0) == test);

    net n = build(m);
    BT_CHECK(ggml_backend_sched_reserve(sched, n.gf));
    BT_CHECK(ggml_backend_sched_get_buffer_size(sched, test) > 0);
    BT_CHECK(ggml_backend_sched_get_buffer_size(sched, cpu) > 0);

    BT_CHECK(ggml_backend_sched_alloc_graph(sched, n.gf));
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.a) == test);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.mul) == cpu);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.r) == test);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.s) == cpu);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.t) == test);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.out) == test);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.x) == cpu); // inputs live on the CPU
    BT_CHECK(ggml_backend_sched_get_n_splits(sched) == 5);
    BT_CHECK(ggml_backend_sched_get_n_input_copies(sched) == 5); // x, a, mul, r, s cross over
    BT_CHECK(ggml_backend_sched_get_n_copies(sched) == 1);       // not parallel
    BT_CHECK(n.a->src[0] == n.x); // the user's graph is left as built

    ggml_backend_tensor_set(n.x, xv.data(), 0, ggml_nbytes(n.x));
    eval_state st;
    st.sched = sched;
    ggml_backend_sched_set_eval_callback(sched, observe, &st);
    test_buffer_type::g_set_bytes = 0;
    BT_CHECK(ggml_backend_sched_graph_compute(sched, n.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(st.seen == 6);
    BT_CHECK(st.unreadable == 0);
    BT_CHECK(g_test_bad_memory == 0);
    BT_CHECK(g_test_nodes_computed == 4);
    BT_CHECK(test_buffer_type::g_set_bytes >= 3 * D * N * sizeof(float)); // x, mul and s copied in
    BT_CHECK(bt::max_abs_diff(read(n.mul), ref.mul) < 1e-5);
    BT_CHECK(bt::max_abs_diff(read(n.out), ref.out) < 1e-4);
    BT_CHECK(n.t->src[1] == n.s);

    // computing again (no new allocation) gives the same result
    ggml_backend_sched_set_eval_callback(sched, nullptr, nullptr);
    BT_CHECK(ggml_backend_sched_graph_compute(sched, n.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(bt::max_abs_diff(read(n.out), ref.out) < 1e-4);

    // a manual placement overrides the automatic one
    ggml_backend_sched_reset(sched);
    net n2 = build(m);
    ggml_backend_sched_set_tensor_backend(sched, n2.out, cpu);
    BT_CHECK(ggml_backend_sched_alloc_graph(sched, n2.gf));
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n2.out) == cpu);
    BT_CHECK(ggml_backend_sched_get_n_splits(sched) == 6);
    ggml_backend_tensor_set(n2.x, xv.data(), 0, ggml_nbytes(n2.x));
    BT_CHECK(ggml_backend_sched_graph_compute(sched, n2.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(bt::max_abs_diff(read(n2.out), ref.out) < 1e-4);

    // the first graph again after a reset: placed afresh, not where its old memory was
    ggml_backend_sched_reset(sched);
    ggml_backend_sched_set_tensor_backend(sched, n.r, cpu);
    BT_CHECK(ggml_backend_sched_alloc_graph(sched, n.gf));
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.r) == cpu);
    BT_CHECK(ggml_backend_sched_get_tensor_backend(sched, n.t) == test);
    BT_CHECK(ggml_backend_sched_get_n_splits(sched) == 3);
    ggml_backend_tensor_set(n.x, xv.data(), 0, ggml_nbytes(n.x));
    BT_CHECK(ggml_backend_sched_graph_compute(sched, n.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(bt::max_abs_diff(read(n.out), ref.out) < 1e-4);
    BT_CHECK(g_test_bad_memory == 0);
    ggml_backend_sched_free(sched);

    // op_offload: the ADD on CPU weights (s) moves to the test backend when it asks for it, and
    // only when the scheduler was created with op_offload; the answer stays the same
    g_test_wants_add = true;
    for (bool offload : {true, false}) {
        ggml_backend_sched_t osched = ggml_backend_sched_new(backends, nullptr, 2, GGML_DEFAULT_GRAPH_SIZE, true, offload);
        BT_CHECK(ggml_backend_sched_get_n_copies(osched) == 4); // parallel, as ggml reports it
        net no = build(m);
        BT_CHECK(ggml_backend_sched_alloc_graph(osched, no.gf));
        BT_CHECK(ggml_backend_sched_get_tensor_backend(osched, no.s) == (offload ? test : cpu));
        BT_CHECK(ggml_backend_sched_get_tensor_backend(osched, no.mul) == cpu); // unsupported stays put
        ggml_backend_tensor_set(no.x, xv.data(), 0, ggml_nbytes(no.x));
        BT_CHECK(ggml_backend_sched_graph_compute(osched, no.gf) == GGML_STATUS_SUCCESS);
        BT_CHECK(bt::max_abs_diff(read(no.out), ref.out) < 1e-4);
        BT_CHECK(g_test_bad_memory == 0);
        ggml_backend_sched_free(osched);
        ggml_free(no.ctx);
    }
    g_test_wants_add = false;

    // the CPU alone: one split, no copies, same answer
    ggml_backend_sched_t cpu_sched = ggml_backend_sched_new(&cpu, nullptr, 1, GGML_DEFAULT_GRAPH_SIZE, false, true);
    net n3 = build(m);
    // weights in test memory are copied to the CPU
    BT_CHECK(ggml_backend_sched_alloc_graph(cpu_sched, n3.gf));
    BT_CHECK(ggml_backend_sched_get_n_splits(cpu_sched) == 1);
    ggml_backend_tensor_set(n3.x, xv.data(), 0, ggml_nbytes(n3.x));
    BT_CHECK(ggml_backend_sched_graph_compute(cpu_sched, n3.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(bt::max_abs_diff(read(n3.out), ref.out) < 1e-4);
    ggml_backend_sched_free(cpu_sched);

    ggml_free(n3.ctx);
    ggml_free(n2.ctx);
    ggml_free(n.ctx);
    ggml_backend_buffer_free(m.buf_test);
    ggml_backend_buffer_free(m.buf_cpu);
    ggml_free(m.ctx_w);
    ggml_free(m.ctx_c);
    ggml_backend_free(cpu);
    ggml_backend_free(test);
    return bt::finish();
}
