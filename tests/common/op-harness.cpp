// Operator test harness: see op-harness.h.

#include "op-harness.h"

#include "core/ggml-impl.h"
#include "cpu/kernel-table.h"
#include "reference/reference-kernels.h"

#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

namespace oph {

static int g_passed = 0;
static int g_failed = 0;

int n_passed() { return g_passed; }
int n_failed() { return g_failed; }

static void count(bool ok) { (ok ? g_passed : g_failed)++; }

ggml_context * new_context(size_t mem_bytes) {
    ggml_init_params ip = {mem_bytes, nullptr, false};
    ggml_context * ctx = ggml_init(ip);
    GGML_ASSERT(ctx);
    return ctx;
}

// ---------------------------------------------------------------------------------------------
// executor

namespace {

struct barrier {
    std::mutex              mutex;
    std::condition_variable cv;
    int                     n_threads;
    int                     arrived = 0;
    uint64_t                generation = 0;

    explicit barrier(int n) : n_threads(n) {}

    static void wait(void * p) {
        barrier * b = (barrier *) p;
        std::unique_lock<std::mutex> lock(b->mutex);
        const uint64_t gen = b->generation;
        if (++b->arrived == b->n_threads) {
            b->arrived = 0;
            b->generation++;
            b->cv.notify_all();
        } else {
            b->cv.wait(lock, [&] { return b->generation != gen; });
        }
    }
};

// The memory a node may write: the whole tensor it lives in, plus its sources' (some ops update
// sources in place, e.g. optimizer steps).
struct memory_region {
    const ggml_tensor * base;
    std::vector<char>   saved;
};

const ggml_tensor * base_of(const ggml_tensor * t) { return t->view_src ? t->view_src : t; }

} // namespace

static kernel_choice g_kernels = {false, cpu_isa_best()};

void set_kernels(const kernel_choice & k) { g_kernels = k; }
kernel_choice kernels() { return g_kernels; }

static void run_node(ggml_tensor * node, int n_threads) {
    if (ggml_node_computes_nothing(node)) return;
    const cpu_kernel * kernel = ggml_cpu_kernel_of(node->op);
    const ggml_forward_fn reference = g_kernels.reference ? ggml_reference_kernel_of(node->op) : nullptr;
    const int isa = g_kernels.reference ? CPU_ISA_SCALAR : g_kernels.isa;
    const int nth = reference || kernel->parallel ? n_threads : 1;
    const size_t wsize = !reference && kernel->work_size ? kernel->work_size(node, nth, isa) : 0;
    std::vector<char> work(wsize + 64);
    void * wdata = (void *) (((uintptr_t) work.data() + 63) & ~(uintptr_t) 63);

    barrier bar(nth);
    auto body = [&](int ith) {
        ggml_compute_params params = {ith, nth, wsize ? wdata : nullptr, wsize, &barrier::wait, &bar, isa};
        (reference ? reference : kernel->run)(&params, node);
    };
    if (nth == 1) {
        body(0);
        return;
    }
    std::vector<std::thread> threads;
    for (int i = 1; i < nth; ++i) threads.emplace_back(body, i);
    body(0);
    for (auto & t : threads) t.join();
}

void run_graph(ggml_cgraph * graph, int n_threads) {
    for (int i = 0; i < ggml_graph_n_nodes(graph); ++i) run_node(ggml_graph_node(graph, i), n_threads);
}

static std::vector<char> snapshot(const ggml_tensor * base) {
    const size_t n = ggml_nbytes(base);
    std::vector<char> bytes(n);
    if (n) memcpy(bytes.data(), base->data, n);
    return bytes;
}

static bool same_results(const ggml_tensor * base, const std::vector<char> & one, const std::vector<char> & many,
                         const ggml_tensor * node) {
    if (base->type == GGML_TYPE_F32 || base->type == GGML_TYPE_F16) {
        const bool f32 = base->type == GGML_TYPE_F32;
        const size_t esz = f32 ? 4 : 2;
        for (size_t off = 0; off + esz <= one.size(); off += esz) {
            double a, b;
            if (f32) {
                float fa, fb;
                memcpy(&fa, &one[off], 4);
                memcpy(&fb, &many[off], 4);
                a = fa; b = fb;
            } else {
                ggml_fp16_t ha, hb;
                memcpy(&ha, &one[off], 2);
                memcpy(&hb, &many[off], 2);
                a = ggml_fp16_to_fp32(ha); b = ggml_fp16_to_fp32(hb);
            }
            if (a == b || (std::isnan(a) && std::isnan(b))) continue;
            // different thread counts may sum in a different order
            if (!(std::fabs(a - b) <= 1e-5 + 1e-4 * std::fabs(a))) {
                fprintf(stderr, "  %s (%s): 1 thread gives %.9g, 3 threads give %.9g at byte %zu of '%s'\n",
                        ggml_op_desc(node), node->name, a, b, off, base->name);
                return false;
            }
        }
        return true;
    }
    if (memcmp(one.data(), many.data(), one.size()) != 0) {
        fprintf(stderr, "  %s (%s): results differ between 1 and 3 threads in '%s'\n", ggml_op_desc(node), node->name,
                base->name);
        return false;
    }
    return true;
}

// Like run_graph_checked, without counting.
static bool run_graph_compare_threads(ggml_cgraph * graph) {
    bool ok = true;
    for (int i = 0; i < ggml_graph_n_nodes(graph); ++i) {
        ggml_tensor * node = ggml_graph_node(graph, i);
        if (ggml_node_computes_nothing(node)) continue;
        if (!ggml_cpu_kernel_of(node->op)->parallel) {
            run_node(node, 1);
            continue;
        }
        std::vector<memory_region> regions;
        auto add_region = [&](const ggml_tensor * t) {
            const ggml_tensor * b = base_of(t);
            for (const auto & r : regions) if (r.base == b) return;
            regions.push_back({b, snapshot(b)});
        };
        add_region(node);
        for (int j = 0; j < GGML_MAX_SRC; ++j) if (node->src[j]) add_region(node->src[j]);

        run_node(node, 1);
        std::vector<std::vector<char>> after_one;
        for (auto & r : regions) {
            after_one.push_back(snapshot(r.base));
            if (!r.saved.empty()) memcpy(r.base->data, r.saved.data(), r.saved.size());
        }
        run_node(node, 3);
        for (size_t k = 0; k < regions.size(); ++k) {
            if (!same_results(regions[k].base, after_one[k], snapshot(regions[k].base), node)) ok = false;
        }
    }
    return ok;
}

bool run_graph_checked(ggml_cgraph * graph) {
    const bool ok = run_graph_compare_threads(graph);
    if (!ok) count(false);
    return ok;
}

ggml_tensor * compute(ggml_context * ctx, ggml_tensor * out) {
    ggml_cgraph * graph = ggml_new_graph_custom(ctx, 1024, false);
    ggml_build_forward_expand(graph, out);
    run_graph_checked(graph);
    return out;
}

// ---------------------------------------------------------------------------------------------
// element access

double get_element(const ggml_tensor * t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    const void * p = ggml_element_ptr(t, i0, i1, i2, i3);
    switch (t->type) {
        case GGML_TYPE_F32: return *(const float *) p;
        case GGML_TYPE_F16: return ggml_fp16_to_fp32(*(const ggml_fp16_t *) p);
        case GGML_TYPE_I8:  return *(const int8_t *) p;
        case GGML_TYPE_I16: return *(const int16_t *) p;
        case GGML_TYPE_I32: return *(const int32_t *) p;
        case GGML_TYPE_I64: return (double) *(const int64_t *) p;
        default: GGML_ABORT("get_element: unsupported type %s", ggml_type_name(t->type));
    }
}

void set_element(ggml_tensor * t, double v, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    void * p = ggml_element_ptr(t, i0, i1, i2, i3);
    switch (t->type) {
        case GGML_TYPE_F32: *(float *) p = (float) v; break;
        case GGML_TYPE_F16: *(ggml_fp16_t *) p = ggml_fp32_to_fp16((float) v); break;
        case GGML_TYPE_I8:  *(int8_t *) p = (int8_t) v; break;
        case GGML_TYPE_I16: *(int16_t *) p = (int16_t) v; break;
        case GGML_TYPE_I32: *(int32_t *) p = (int32_t) v; break;
        case GGML_TYPE_I64: *(int64_t *) p = (int64_t) v; break;
        default: GGML_ABORT("set_element: unsupported type %s", ggml_type_name(t->type));
    }
}

template <typename F>
static void for_each_index(const ggml_tensor * t, F f) {
    for (int64_t i3 = 0; i3 < t->ne[3]; ++i3)
        for (int64_t i2 = 0; i2 < t->ne[2]; ++i2)
            for (int64_t i1 = 0; i1 < t->ne[1]; ++i1)
                for (int64_t i0 = 0; i0 < t->ne[0]; ++i0) f(i0, i1, i2, i3);
}

std::vector<double> read(const ggml_tensor * t) {
    std::vector<double> v;
    v.reserve(ggml_nelements(t));
    for_each_index(t, [&](int64_t i0, int64_t i1, int64_t i2, int64_t i3) { v.push_back(get_element(t, i0, i1, i2, i3)); });
    return v;
}

void write(ggml_tensor * t, const std::vector<double> & values) {
    GGML_ASSERT((int64_t) values.size() == ggml_nelements(t));
    size_t k = 0;
    for_each_index(t, [&](int64_t i0, int64_t i1, int64_t i2, int64_t i3) { set_element(t, values[k++], i0, i1, i2, i3); });
}

void fill_random(ggml_tensor * t, uint32_t seed, double lo, double hi) {
    std::mt19937 rng(seed);
    const bool is_int = t->type != GGML_TYPE_F32 && t->type != GGML_TYPE_F16;
    std::uniform_real_distribution<double> real(lo, hi);
    std::uniform_int_distribution<int64_t> integer((int64_t) std::ceil(lo), std::max((int64_t) std::ceil(lo), (int64_t) std::ceil(hi) - 1));
    for_each_index(t, [&](int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
        set_element(t, is_int ? (double) integer(rng) : real(rng), i0, i1, i2, i3);
    });
}

const char * layout_name(layout l) {
    switch (l) {
        case layout::contiguous: return "contiguous";
        case layout::transposed: return "transposed";
        case layout::padded:     return "padded";
        case layout::permuted:   return "permuted";
    }
    return "?";
}

ggml_tensor * new_input(ggml_context * ctx, ggml_type type, const int64_t ne[4], layout l, uint32_t seed, double lo, double hi) {
    ggml_tensor * t = nullptr;
    switch (l) {
        case layout::contiguous:
            t = ggml_new_tensor_4d(ctx, type, ne[0], ne[1], ne[2], ne[3]);
            break;
        case layout::transposed:
            t = ggml_transpose(ctx, ggml_new_tensor_4d(ctx, type, ne[1], ne[0], ne[2], ne[3]));
            break;
        case layout::padded: {
            ggml_tensor * base = ggml_new_tensor_4d(ctx, type, ne[0] + 3, ne[1] + 1, ne[2] + 1, ne[3]);
            fill_random(base, seed + 1000, lo, hi); // the gaps hold values too, which must not leak in
            const size_t offset = base->nb[1] + 2 * base->nb[0];
            t = ggml_view_4d(ctx, base, ne[0], ne[1], ne[2], ne[3], base->nb[1], base->nb[2], base->nb[3], offset);
            break;
        }
        case layout::permuted:
            // result dim 2 <- base dim 0, dim 0 <- base dim 1, dim 1 <- base dim 2
            t = ggml_permute(ctx, ggml_new_tensor_4d(ctx, type, ne[2], ne[0], ne[1], ne[3]), 2, 0, 1, 3);
            break;
    }
    GGML_ASSERT(t->ne[0] == ne[0] && t->ne[1] == ne[1] && t->ne[2] == ne[2] && t->ne[3] == ne[3]);
    fill_random(t, seed, lo, hi);
    return t;
}

// ---------------------------------------------------------------------------------------------
// checks

bool check(bool ok, const char * what) {
    count(ok);
    if (!ok) fprintf(stderr, "FAIL: %s\n", what);
    return ok;
}

bool check_at(bool ok, const char * file, int line, const char * what) {
    count(ok);
    if (!ok) fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    return ok;
}

static bool close_enough(double got, double ref, double atol, double rtol) {
    if (std::isnan(got) || std::isnan(ref)) return std::isnan(got) && std::isnan(ref);
    if (std::isinf(ref)) return got == ref;
    return std::fabs(got - ref) <= atol + rtol * std::fabs(ref);
}

bool check_close(const char * what, const ggml_tensor * t, const std::vector<double> & ref, double atol, double rtol) {
    if ((int64_t) ref.size() != ggml_nelements(t)) {
        fprintf(stderr, "FAIL: %s: tensor has %lld elements, reference %zu\n", what, (long long) ggml_nelements(t), ref.size());
        count(false);
        return false;
    }
    size_t k = 0;
    bool ok = true;
    for_each_index(t, [&](int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
        const double got = get_element(t, i0, i1, i2, i3);
        if (ok && !close_enough(got, ref[k], atol, rtol)) {
            fprintf(stderr, "FAIL: %s: at [%lld, %lld, %lld, %lld] got %.9g, expected %.9g (shape [%lld, %lld, %lld, %lld])\n",
                    what, (long long) i0, (long long) i1, (long long) i2, (long long) i3, got, ref[k],
                    (long long) t->ne[0], (long long) t->ne[1], (long long) t->ne[2], (long long) t->ne[3]);
            ok = false;
        }
        k++;
    });
    count(ok);
    return ok;
}

// ---------------------------------------------------------------------------------------------
// gradients

bool check_grad(const char * what, ggml_context * ctx, const std::vector<ggml_tensor *> & params,
                const loss_builder & build, const grad_check_options & opt) {
    for (ggml_tensor * p : params) {
        GGML_ASSERT(p->type == GGML_TYPE_F32 && ggml_is_contiguous(p) && p->op == GGML_OP_NONE && !p->view_src);
        ggml_set_param(p);
    }
    ggml_tensor * loss = build(ctx, params);
    ggml_set_loss(loss);

    ggml_cgraph * gf = ggml_new_graph_custom(ctx, 2048, false);
    ggml_build_forward_expand(gf, loss);
    ggml_cgraph * gb = ggml_new_graph_custom(ctx, 2048, true);
    ggml_build_forward_expand(gb, loss);
    ggml_build_backward_expand(ctx, gb, nullptr);
    ggml_graph_reset(gb);
    bool ok = run_graph_compare_threads(gb);

    for (size_t ip = 0; ip < params.size() && ok; ++ip) {
        ggml_tensor * p = params[ip];
        const ggml_tensor * g = ggml_graph_get_grad(gb, p);
        const int64_t n = ggml_nelements(p);
        std::vector<double> analytic = g ? read(g) : std::vector<double>(n, 0.0);
        if ((int64_t) analytic.size() != n) {
            fprintf(stderr, "FAIL: %s: gradient of param %zu has %zu elements, param %lld\n", what, ip, analytic.size(), (long long) n);
            ok = false;
            break;
        }
        float * x = (float *) p->data;
        for (int64_t k = 0; k < n; ++k) {
            const float orig = x[k];
            x[k] = (float) (orig + opt.eps);
            run_graph(gf, 1);
            const double lp = get_element(loss, 0);
            x[k] = (float) (orig - opt.eps);
            run_graph(gf, 1);
            const double lm = get_element(loss, 0);
            x[k] = orig;
            const double numeric = (lp - lm) / (2.0 * opt.eps);
            const double scale = std::max(std::fabs(numeric), std::fabs(analytic[k]));
            if (!(std::fabs(numeric - analytic[k]) <= opt.atol + opt.rtol * scale)) {
                int64_t i0, i1, i2, i3;
                ggml_unravel_index(p, k, &i0, &i1, &i2, &i3);
                fprintf(stderr, "FAIL: %s: d loss / d param%zu[%lld, %lld, %lld, %lld]: backward %.7g, finite difference %.7g\n",
                        what, ip, (long long) i0, (long long) i1, (long long) i2, (long long) i3, analytic[k], numeric);
                ok = false;
                break;
            }
        }
    }
    count(ok);
    return ok;
}

int finish() {
    printf("%d passed, %d failed\n", g_passed, g_failed);
    fflush(stdout);
    return g_failed == 0 ? 0 : 1;
}

} // namespace oph
