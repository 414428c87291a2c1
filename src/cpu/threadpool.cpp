// Persistent worker threads with a spin-then-sleep wait, used for every graph the CPU backend
// runs: threads are created when the pool is, not per graph.

#include "cpu/threadpool.h"

#include <cmath>
#include <sched.h>

#if defined(__EMSCRIPTEN_PTHREADS__)
#    include <emscripten/threading.h>
#elif defined(__linux__)
#    include <linux/futex.h>
#    include <sys/syscall.h>
#    include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#    include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

int ggml_cpu_default_n_threads() {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? (int) n : 1;
}

// Spinning longer than this wastes a core that another process may need; sleeping sooner adds
// wake-up latency to every barrier.
// WebAssembly has no pause instruction, so its iterations are some 50x shorter than x86's (about
// 140 cycles each); it spins longer in iterations for about the same time.
#if defined(__EMSCRIPTEN__)
static constexpr int SPIN_ITERATIONS = 200000;
#else
static constexpr int SPIN_ITERATIONS = 4000;
#endif

// In the browser the waits block on Atomics.wait (the pool runs in a worker, where blocking is
// allowed): yielding instead would keep every thread busy and starve the page and the other
// workers of the machine's few cores.
static void futex_wait(std::atomic<uint32_t> & word, uint32_t old_value) {
#if defined(__EMSCRIPTEN_PTHREADS__)
    emscripten_futex_wait(reinterpret_cast<uint32_t *>(&word), old_value, INFINITY);
#elif defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAIT_PRIVATE, old_value, nullptr, nullptr, 0);
#else
    (void) word; (void) old_value;
    std::this_thread::yield();
#endif
}

static void futex_wake_all(std::atomic<uint32_t> & word) {
#if defined(__EMSCRIPTEN_PTHREADS__)
    emscripten_futex_wake(reinterpret_cast<uint32_t *>(&word), INT32_MAX);
#elif defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<uint32_t *>(&word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr, nullptr, 0);
#else
    (void) word;
#endif
}

// Waits until word != old_value. The sleeper count is raised before the futex re-checks the
// word, and wakers read it after changing the word, so a wake-up is never missed.
static void wait_while_equal(std::atomic<uint32_t> & word, uint32_t old_value, std::atomic<int> & n_sleeping) {
    for (int i = 0; i < SPIN_ITERATIONS; ++i) {
        if (word.load(std::memory_order_acquire) != old_value) return;
        cpu_relax();
    }
    while (word.load(std::memory_order_seq_cst) == old_value) {
        n_sleeping.fetch_add(1, std::memory_order_seq_cst);
        futex_wait(word, old_value);
        n_sleeping.fetch_sub(1, std::memory_order_seq_cst);
    }
}

static void wake_if_sleeping(std::atomic<uint32_t> & word, std::atomic<int> & n_sleeping) {
    if (n_sleeping.load(std::memory_order_seq_cst) > 0) futex_wake_all(word);
}

cpu_threadpool::cpu_threadpool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
    workers_.reserve(n_threads_ - 1);
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back(&cpu_threadpool::worker_main, this, i);
}

cpu_threadpool::~cpu_threadpool() {
    stop_.store(true, std::memory_order_seq_cst);
    generation_.fetch_add(1, std::memory_order_seq_cst);
    futex_wake_all(generation_);
    for (std::thread & t : workers_) t.join();
}

void cpu_threadpool::worker_main(int ith) {
    uint32_t seen = 0;
    for (;;) {
        wait_while_equal(generation_, seen, n_sleeping_);
        seen = generation_.load(std::memory_order_acquire);
        if (stop_.load(std::memory_order_acquire)) return;
        if (ith < job_nth_) job_fn_(job_ctx_, ith, job_nth_);
        // every worker acknowledges every job, so the next job's fields are written only once
        // nobody reads the current ones
        n_done_.fetch_add(1, std::memory_order_seq_cst);
        wake_if_sleeping(n_done_, n_sleeping_);
    }
}

void cpu_threadpool::run(int nth, job_fn fn, void * ctx) {
    if (nth > n_threads_) nth = n_threads_;
    if (nth < 1) nth = 1;
    if (nth == 1 || n_threads_ == 1) {
        fn(ctx, 0, 1);
        return;
    }
    job_fn_ = fn;
    job_ctx_ = ctx;
    job_nth_ = nth;
    n_done_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_seq_cst); // publishes the job fields
    wake_if_sleeping(generation_, n_sleeping_);

    fn(ctx, 0, nth);

    for (;;) {
        const uint32_t done = n_done_.load(std::memory_order_acquire);
        if (done == (uint32_t) (n_threads_ - 1)) break;
        wait_while_equal(n_done_, done, n_sleeping_);
    }
}

void cpu_threadpool::barrier(int nth) {
    if (nth <= 1) return;
    const uint32_t phase = barrier_phase_.load(std::memory_order_acquire);
    if (barrier_count_.fetch_add(1, std::memory_order_acq_rel) == (uint32_t) (nth - 1)) {
        // last to arrive: reset for the next use before releasing the others
        barrier_count_.store(0, std::memory_order_relaxed);
        barrier_phase_.fetch_add(1, std::memory_order_seq_cst);
        wake_if_sleeping(barrier_phase_, n_sleeping_);
    } else {
        wait_while_equal(barrier_phase_, phase, n_sleeping_);
    }
}
