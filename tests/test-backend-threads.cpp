// The CPU backend's persistent thread pool: barriers order the threads' work, the same threads
// serve every job (none is created per graph), graphs of parallel ops give the same results with
// 1 to 4 threads, an ADD followed by a ReLU (run as one fused pass) writes both results as the
// two ops would, and the default thread count follows the process's CPU affinity mask.

#include "backend-test-helpers.h"
#include "cpu/threadpool.h"
#include "cpu/fused.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sched.h>
#include <string>
#include <thread>
#include <vector>

namespace {

// Each round: every thread writes its slot, waits at the barrier, then checks all slots.
struct barrier_job {
    cpu_threadpool * pool;
    std::vector<long> slots;
    std::atomic<int> errors{0};
    int rounds = 200;
    std::mutex mutex;
    std::set<std::thread::id> ids;
};

void barrier_worker(void * ctx, int ith, int nth) {
    barrier_job * job = (barrier_job *) ctx;
    {
        std::lock_guard<std::mutex> lock(job->mutex);
        job->ids.insert(std::this_thread::get_id());
    }
    for (int r = 0; r < job->rounds; ++r) {
        job->slots[ith] = (long) r * 100 + ith;
        job->pool->barrier(nth);
        for (int j = 0; j < nth; ++j) {
            if (job->slots[j] != (long) r * 100 + j) job->errors++;
        }
        job->pool->barrier(nth); // nobody overwrites a slot another thread is still checking
    }
}

void test_pool() {
    for (int n = 1; n <= 4; ++n) {
        cpu_threadpool pool(n);
        BT_CHECK(pool.n_threads() == n);
        std::set<std::thread::id> first_ids;
        for (int run = 0; run < 3; ++run) {
            barrier_job job;
            job.pool = &pool;
            job.slots.assign(n, -1);
            pool.run(n, barrier_worker, &job);
            BT_CHECK(job.errors.load() == 0);
            BT_CHECK((int) job.ids.size() == n);
            if (run == 0) first_ids = job.ids;
            else BT_CHECK(job.ids == first_ids); // the same threads every time
        }
    }
}

std::set<int> parse_cpu_list(const std::string & list) {
    std::set<int> cpus;
    size_t i = 0;
    while (i < list.size()) {
        size_t j = list.find(',', i);
        if (j == std::string::npos) j = list.size();
        const std::string part = list.substr(i, j - i);
        const size_t dash = part.find('-');
        if (!part.empty()) {
            const int lo = std::stoi(part.substr(0, dash));
            const int hi = dash == std::string::npos ? lo : std::stoi(part.substr(dash + 1));
            for (int c = lo; c <= hi; ++c) cpus.insert(c);
        }
        i = j + 1;
    }
    return cpus;
}

// The kernel's view of the allowed CPUs, read independently of sched_getaffinity.
int allowed_cpus_from_proc() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("Cpus_allowed_list:", 0) == 0) {
            std::string list = line.substr(strlen("Cpus_allowed_list:"));
            list.erase(0, list.find_first_not_of(" \t"));
            return (int) parse_cpu_list(list).size();
        }
    }
    return -1;
}

void test_default_threads() {
    const int from_proc = allowed_cpus_from_proc();
    if (from_proc > 0) BT_CHECK(ggml_cpu_default_n_threads() == from_proc);

    // restrict this thread to one CPU: the default follows
    cpu_set_t saved;
    CPU_ZERO(&saved);
    BT_CHECK(sched_getaffinity(0, sizeof saved, &saved) == 0);
    int one = -1;
    for (int c = 0; c < CPU_SETSIZE && one < 0; ++c) if (CPU_ISSET(c, &saved)) one = c;
    cpu_set_t single;
    CPU_ZERO(&single);
    CPU_SET(one, &single);
    if (sched_setaffinity(0, sizeof single, &single) == 0) {
        BT_CHECK(ggml_cpu_default_n_threads() == 1);
        BT_CHECK(allowed_cpus_from_proc() == 1);
        sched_setaffinity(0, sizeof saved, &saved);
    }
    BT_CHECK(ggml_cpu_default_n_threads() >= 1);
}

// A graph of parallel ops, computed with 1..4 threads on one backend (one pool per setting).
void test_graph_threads() {
    ggml_init_params ip = {64 * ggml_tensor_overhead() + ggml_graph_overhead(), nullptr, true};
    ggml_context * ctx = ggml_init(ip);
    ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 67, 45);
    ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 67, 31);
    ggml_tensor * c = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 45);
    ggml_tensor * y = ggml_mul_mat(ctx, a, b);                       // [45, 31]
    y = ggml_add(ctx, y, c);
    y = ggml_mul(ctx, ggml_relu(ctx, y), ggml_sqr(ctx, y));
    y = ggml_soft_max(ctx, y);
    ggml_tensor * out = ggml_sum_rows(ctx, ggml_scale(ctx, y, 3.0f));
    ggml_cgraph * gf = ggml_new_graph(ctx);
    ggml_build_forward_expand(gf, out);
    ggml_build_forward_expand(gf, y);

    ggml_backend_t backend = ggml_backend_cpu_init();
    ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, backend);
    std::vector<float> av = bt::random_floats(67 * 45, 31), bv = bt::random_floats(67 * 31, 32), cv = bt::random_floats(45, 33);
    ggml_backend_tensor_set(a, av.data(), 0, ggml_nbytes(a));
    ggml_backend_tensor_set(b, bv.data(), 0, ggml_nbytes(b));
    ggml_backend_tensor_set(c, cv.data(), 0, ggml_nbytes(c));

    std::vector<float> y1, out1;
    for (int n = 1; n <= 4; ++n) {
        ggml_backend_cpu_set_n_threads(backend, n);
        for (int rep = 0; rep < 3; ++rep) {
            ggml_set_zero(y);
            BT_CHECK(ggml_backend_graph_compute(backend, gf) == GGML_STATUS_SUCCESS);
            std::vector<float> yv(ggml_nelements(y)), ov(ggml_nelements(out));
            ggml_backend_tensor_get(y, yv.data(), 0, ggml_nbytes(y));
            ggml_backend_tensor_get(out, ov.data(), 0, ggml_nbytes(out));
            if (n == 1 && rep == 0) {
                y1 = yv;
                out1 = ov;
                // softmax rows sum to one, scaled by 3: an independent sanity check
                bool ok = true;
                for (float v : ov) ok = ok && std::fabs(v - 3.0f) < 1e-4f;
                BT_CHECK(ok);
            } else {
                BT_CHECK(bt::max_abs_diff(yv, bt::to_double(y1)) < 1e-5);
                BT_CHECK(bt::max_abs_diff(ov, bt::to_double(out1)) < 1e-5);
            }
        }
    }
    ggml_backend_buffer_free(buf);
    ggml_backend_free(backend);
    ggml_free(ctx);
}

// ADD then ReLU, the pair the executor fuses, against naive loops: a bias along dim 0 (the FC
// layer), a per-channel bias (the CNN), same shapes, a ReLU in place, and a sum that another op
// also reads; 1 to 3 threads.
void test_fused_add_relu() {
    struct fuse_case { int64_t ne[4], bne[4]; bool inplace, sum_also_read; };
    const fuse_case cases[] = {
        {{37, 23, 1, 1}, {37, 1, 1, 1}, false, false},
        {{7, 6, 5, 3}, {1, 1, 5, 1}, false, true},
        {{9, 4, 3, 2}, {9, 4, 3, 2}, true, false},
        {{64, 100, 1, 1}, {64, 1, 1, 1}, false, true},
    };
    int seed = 70;
    for (const fuse_case & fc : cases) {
        ggml_init_params ip = {16 * ggml_tensor_overhead() + ggml_graph_overhead(), nullptr, true};
        ggml_context * ctx = ggml_init(ip);
        ggml_tensor * a = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, fc.ne);
        ggml_tensor * b = ggml_new_tensor(ctx, GGML_TYPE_F32, 4, fc.bne);
        ggml_tensor * sum = ggml_add(ctx, a, b);
        ggml_tensor * relu = fc.inplace ? ggml_relu_inplace(ctx, sum) : ggml_relu(ctx, sum);
        ggml_cgraph * gf = ggml_new_graph(ctx);
        ggml_build_forward_expand(gf, relu);
        ggml_tensor * other = nullptr;
        if (fc.sum_also_read) {
            other = ggml_scale(ctx, sum, 2.0f);
            ggml_build_forward_expand(gf, other);
        }
        BT_CHECK(ggml_add_relu_fusable(gf->nodes[0], gf->nodes[1])); // the executor sees the pair

        ggml_backend_t backend = ggml_backend_cpu_init();
        ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, backend);
        const std::vector<float> av = bt::random_floats(ggml_nelements(a), seed++), bv = bt::random_floats(ggml_nelements(b), seed++);
        ggml_backend_tensor_set(a, av.data(), 0, ggml_nbytes(a));
        ggml_backend_tensor_set(b, bv.data(), 0, ggml_nbytes(b));

        std::vector<double> sum_ref, relu_ref;
        for (int64_t i3 = 0; i3 < fc.ne[3]; ++i3)
            for (int64_t i2 = 0; i2 < fc.ne[2]; ++i2)
                for (int64_t i1 = 0; i1 < fc.ne[1]; ++i1)
                    for (int64_t i0 = 0; i0 < fc.ne[0]; ++i0) {
                        const int64_t ia = ((i3 * fc.ne[2] + i2) * fc.ne[1] + i1) * fc.ne[0] + i0;
                        const int64_t ib = (((i3 % fc.bne[3]) * fc.bne[2] + i2 % fc.bne[2]) * fc.bne[1] + i1 % fc.bne[1]) * fc.bne[0] +
                                           i0 % fc.bne[0];
                        const double v = (double) av[ia] + (double) bv[ib];
                        sum_ref.push_back(v);
                        relu_ref.push_back(v > 0 ? v : 0.0);
                    }
        for (int n = 1; n <= 3; ++n) {
            ggml_backend_cpu_set_n_threads(backend, n);
            BT_CHECK(ggml_backend_graph_compute(backend, gf) == GGML_STATUS_SUCCESS);
            std::vector<float> rv(ggml_nelements(relu));
            ggml_backend_tensor_get(relu, rv.data(), 0, ggml_nbytes(relu));
            BT_CHECK(bt::max_abs_diff(rv, relu_ref) < 1e-6);
            if (!fc.inplace) {
                std::vector<float> sv(ggml_nelements(sum));
                ggml_backend_tensor_get(sum, sv.data(), 0, ggml_nbytes(sum));
                BT_CHECK(bt::max_abs_diff(sv, sum_ref) < 1e-6);
            }
            if (other) {
                std::vector<float> ov(ggml_nelements(other));
                ggml_backend_tensor_get(other, ov.data(), 0, ggml_nbytes(other));
                std::vector<double> oref(sum_ref);
                for (double & v : oref) v *= 2.0;
                BT_CHECK(bt::max_abs_diff(ov, oref) < 1e-5);
            }
        }
        ggml_backend_buffer_free(buf);
        ggml_backend_free(backend);
        ggml_free(ctx);
    }

    // The ReLU may not write over an input the fused pass still reads (unfused it could reuse it).
    ggml_init_params ip = {8 * ggml_tensor_overhead() + 4096, nullptr, false};
    ggml_context * ctx = ggml_init(ip);
    ggml_tensor * a = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 64);
    ggml_tensor * b = ggml_new_tensor_1d(ctx, GGML_TYPE_F32, 64);
    ggml_tensor * sum = ggml_add(ctx, a, b);
    ggml_tensor * relu = ggml_relu(ctx, sum);
    BT_CHECK(ggml_add_relu_fusable(sum, relu));
    void * own = relu->data;
    relu->data = (char *) a->data + 8;   // partly over a
    BT_CHECK(!ggml_add_relu_fusable(sum, relu));
    relu->data = b->data;                // exactly over b
    BT_CHECK(!ggml_add_relu_fusable(sum, relu));
    relu->data = sum->data;              // in place on the sum: safe
    BT_CHECK(ggml_add_relu_fusable(sum, relu));
    relu->data = own;
    BT_CHECK(!ggml_add_relu_fusable(relu, sum)); // not the other way round
    BT_CHECK(!ggml_add_relu_fusable(sum, ggml_sqr(ctx, sum)));
    ggml_free(ctx);
}

} // namespace

int main() {
    test_pool();
    test_default_threads();
    test_graph_threads();
    test_fused_add_relu();
    return bt::finish();
}
