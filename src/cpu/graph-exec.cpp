// The CPU graph executor: one pool dispatch per graph; all threads walk the nodes together.

#include "cpu/graph-exec.h"
#include "cpu/fused.h"
#include "cpu/kernel-table.h"

#include <climits>
#include <memory>
#include <mutex>

// Whether the CPU runs a kernel for node: views, leaves and empty tensors compute nothing.
static bool node_is_computed(const ggml_tensor * node) { return !ggml_node_computes_nothing(node); }

// The node's kernel; a node the CPU cannot run is an error of whoever placed it here.
static const cpu_kernel * kernel_for(const ggml_tensor * node) {
    const cpu_kernel * k = ggml_cpu_kernel_of(node->op);
    if (!ggml_cpu_kernel_supports(k, node)) {
        GGML_ABORT("CPU backend: no kernel for op %s of node '%s'", ggml_op_desc(node), node->name);
    }
    return k;
}

size_t ggml_cpu_graph_work_size(const ggml_cgraph * graph, int n_threads, cpu_isa isa) {
    size_t max_size = 0;
    for (int i = 0; i < graph->n_nodes; ++i) {
        const ggml_tensor * node = graph->nodes[i];
        if (!node_is_computed(node)) continue;
        const cpu_kernel * kernel = kernel_for(node);
        if (!kernel->work_size) continue;
        const size_t size = kernel->work_size(node, kernel->parallel ? n_threads : 1, isa);
        if (size > max_size) max_size = size;
    }
    return max_size;
}

namespace {

struct graph_job {
    ggml_cgraph *       graph;
    cpu_threadpool *    pool;
    cpu_isa             isa;
    void *              wdata;
    size_t              wsize;
    ggml_abort_callback abort_callback;
    void *              abort_callback_data;
    std::atomic<bool>   aborted{false};
    std::atomic<int>    stop_from_barrier{INT_MAX}; // see run_graph_on_thread
    std::vector<int>    plan;          // fusion plan of the graph, made once before the threads start
    const cpu_fusion *  fusions = nullptr;
};

struct barrier_ctx {
    cpu_threadpool * pool;
    int              nth;
};

void pool_barrier(void * ctx) {
    barrier_ctx * b = (barrier_ctx *) ctx;
    b->pool->barrier(b->nth);
}

void no_barrier(void *) {}

// Nodes with less work than this run on thread 0 alone: splitting them gains less than the
// barrier it costs, and runs of such nodes (small layers, optimizer steps of biases) then need no
// barrier between them at all. Work is counted in elements touched, in multiply-adds for matrix
// products, and at EXP_COST per element for ops that take an exponential of each (a batch's
// loss is small in elements but not in time).
constexpr int64_t SERIAL_MAX_WORK = 1 << 14;
constexpr int64_t EXP_COST = 8;

int64_t node_work(const ggml_tensor * node) {
    if (node->op == GGML_OP_MUL_MAT) return ggml_nelements(node) * node->src[0]->ne[0];
    if (node->op == GGML_OP_OUT_PROD) return ggml_nelements(node) * node->src[0]->ne[1];
    if (node->op == GGML_OP_CROSS_ENTROPY_LOSS || node->op == GGML_OP_CROSS_ENTROPY_LOSS_BACK || node->op == GGML_OP_SOFT_MAX) {
        return ggml_nelements(node->src[0]) * EXP_COST;
    }
    int64_t work = ggml_nelements(node);
    for (int s = 0; s < GGML_MAX_SRC; ++s) {
        if (node->src[s] && ggml_nelements(node->src[s]) > work) work = ggml_nelements(node->src[s]);
    }
    return work;
}

// Node i computed alone, or as the first node of the fused run the plan starts there.
void run_node(const ggml_compute_params * params, const graph_job * job, const cpu_kernel * kernel, int i) {
    ggml_tensor * node = job->graph->nodes[i];
    const int f = job->plan[i];
    if (f < 0) {
        kernel->run(params, node);
    } else {
        job->fusions[f].run(params, node, job->graph->nodes[i + job->fusions[f].pattern.n_ops - 1]);
    }
}

// Every thread walks the same nodes and makes the same choices, so all meet at the same
// barriers. A barrier is placed only where it orders work of different threads: before a split
// node when anything ran since the last barrier, and before a thread-0 node when a split node
// ran since the last barrier. Consecutive thread-0 nodes are ordered by running on one thread.
//
// Aborting: thread 0 polls the callback after each node. It stops its own thread-0 nodes at
// once; split nodes stop from the next barrier on, whose number thread 0 records before
// entering it, so that all threads skip exactly the same split nodes (whose kernels may wait on
// barriers of their own). The walk itself goes on, so every thread takes part in every barrier.
void run_graph_on_thread(void * ctx, int ith, int nth) {
    graph_job * job = (graph_job *) ctx;
    barrier_ctx bctx = {job->pool, nth};
    bool ran_split = false; // a split node ran since the last barrier
    bool ran_any = false;   // any node ran since the last barrier
    int  n_barriers = 0;
    bool stopped = false;   // split nodes are skipped (the same on every thread)
    bool aborted = false;   // thread 0 only: the callback asked to stop
    for (int i = 0; i < job->graph->n_nodes; ++i) {
        ggml_tensor * node = job->graph->nodes[i];
        if (!node_is_computed(node)) continue;
        const cpu_kernel * kernel = kernel_for(node);
        // a run of nodes fused into one is computed as its first node
        const int first = i;
        if (job->plan[i] >= 0) i += job->fusions[job->plan[i]].pattern.n_ops - 1;
        const bool split = nth > 1 && kernel->parallel && node_work(node) > SERIAL_MAX_WORK;
        if (split ? ran_any : ran_split) {
            ++n_barriers;
            if (aborted && job->stop_from_barrier.load(std::memory_order_relaxed) > n_barriers) {
                job->stop_from_barrier.store(n_barriers, std::memory_order_relaxed);
            }
            job->pool->barrier(nth); // publishes stop_from_barrier
            stopped = job->stop_from_barrier.load(std::memory_order_relaxed) <= n_barriers;
            ran_split = ran_any = false;
        }
        ran_split = ran_split || split;
        ran_any = true;
        if (split) {
            if (stopped) continue;
            ggml_compute_params params = {ith, nth, job->wdata, job->wsize, pool_barrier, &bctx, job->isa};
            run_node(&params, job, kernel, first);
        } else if (ith == 0) {
            if (aborted) continue;
            ggml_compute_params params = {0, 1, job->wdata, job->wsize, no_barrier, nullptr, job->isa};
            run_node(&params, job, kernel, first);
        }
        if (ith == 0 && !aborted && job->abort_callback && job->abort_callback(job->abort_callback_data)) {
            aborted = true;
            job->aborted.store(true, std::memory_order_relaxed);
        }
    }
}

void check_allocated(const ggml_cgraph * graph) {
    for (int i = 0; i < graph->n_nodes; ++i) {
        const ggml_tensor * node = graph->nodes[i];
        if (!node_is_computed(node)) continue;
        if (!node->data) {
            GGML_ABORT("graph compute: node %d '%s' (%s) has no memory; allocate the graph first", i, node->name,
                       ggml_op_desc(node));
        }
        for (int s = 0; s < GGML_MAX_SRC; ++s) {
            const ggml_tensor * src = node->src[s];
            if (src && !src->data && !ggml_is_empty(src)) {
                GGML_ABORT("graph compute: source %d '%s' of node '%s' (%s) has no memory", s, src->name, node->name,
                           ggml_op_desc(node));
            }
        }
    }
}

} // namespace

ggml_status ggml_cpu_graph_run(ggml_cgraph * graph, cpu_threadpool & pool, int nth, cpu_isa isa, void * wdata, size_t wsize,
                               ggml_abort_callback abort_callback, void * abort_callback_data) {
    check_allocated(graph);
    if (nth > pool.n_threads()) nth = pool.n_threads();
    if (nth < 1) nth = 1;
    graph_job job;
    job.graph = graph;
    job.pool = &pool;
    job.isa = isa;
    job.wdata = wdata;
    job.wsize = wsize;
    job.abort_callback = abort_callback;
    job.abort_callback_data = abort_callback_data;
    int n_fusions = 0;
    job.fusions = ggml_cpu_fusions(&n_fusions);
    ggml_cpu_fusion_plan(graph, isa, job.plan);
    pool.run(nth, run_graph_on_thread, &job);
    return job.aborted.load() ? GGML_STATUS_ABORTED : GGML_STATUS_SUCCESS;
}

ggml_status ggml_cpu_graph_run_shared(ggml_cgraph * graph, int nth, cpu_isa isa, void * wdata, size_t wsize,
                                      ggml_abort_callback abort_callback, void * abort_callback_data) {
    static std::mutex mutex;
    static std::unique_ptr<cpu_threadpool> pool; // replaced only when the thread count changes
    std::lock_guard<std::mutex> lock(mutex);
    if (nth < 1) nth = 1;
    if (!pool || pool->n_threads() != nth) pool.reset(new cpu_threadpool(nth));
    return ggml_cpu_graph_run(graph, *pool, nth, isa, wdata, wsize, abort_callback, abort_callback_data);
}
