#pragma once

// A persistent pool of worker threads for the CPU backend. The calling thread takes part as
// thread 0, so a pool of n threads owns n - 1 workers. Jobs are dispatched by bumping a
// generation counter; idle workers and barrier waiters spin briefly, then sleep on a futex.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

// CPUs this process may run on (its affinity mask), at least 1.
int ggml_cpu_default_n_threads();

class cpu_threadpool {
public:
    using job_fn = void (*)(void * ctx, int ith, int nth);

    explicit cpu_threadpool(int n_threads);
    ~cpu_threadpool();
    cpu_threadpool(const cpu_threadpool &) = delete;
    cpu_threadpool & operator=(const cpu_threadpool &) = delete;

    int n_threads() const { return n_threads_; }

    // Runs fn(ctx, ith, nth) for ith in [0, nth) on nth threads (nth <= n_threads()); the caller
    // runs ith = 0. Returns when all are done. Not reentrant: one job at a time.
    void run(int nth, job_fn fn, void * ctx);

    // Inside a job: waits until all nth threads of the job have arrived.
    void barrier(int nth);

private:
    void worker_main(int ith);

    int n_threads_;
    std::vector<std::thread> workers_;

    // the current job
    job_fn job_fn_ = nullptr;
    void * job_ctx_ = nullptr;
    int    job_nth_ = 0;

    std::atomic<uint32_t> generation_{0}; // bumped once per job
    std::atomic<uint32_t> n_done_{0};     // workers that finished (or skipped) the current job
    std::atomic<bool>     stop_{false};

    std::atomic<uint32_t> barrier_count_{0};
    std::atomic<uint32_t> barrier_phase_{0};

    std::atomic<int> n_sleeping_{0}; // threads asleep on any of the words above
};
