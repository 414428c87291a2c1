// The CPU backend, its device and its registration.

#include "backend/backend-impl.h"
#include "cpu/graph-exec.h"
#include "cpu/kernel-table.h"
#include "ggml-cpu.h"

#include <memory>
#include <vector>
#include <unistd.h>

namespace {

struct cpu_backend_context {
    int                             n_threads;
    cpu_isa                         isa = cpu_isa_default(); // fixed per process (cpu/cpu-isa.h)
    std::unique_ptr<cpu_threadpool> pool;       // created once per backend, resized on request
    std::vector<uint8_t>            work;       // scratch for the kernels, grown as needed
    ggml_abort_callback             abort_callback = nullptr;
    void *                          abort_callback_data = nullptr;
};

const char * cpu_backend_get_name(ggml_backend_t) { return "CPU"; }

void cpu_backend_free(ggml_backend_t backend) {
    delete (cpu_backend_context *) backend->context;
    delete backend;
}

ggml_status cpu_backend_graph_compute(ggml_backend_t backend, ggml_cgraph * cgraph) {
    cpu_backend_context * ctx = (cpu_backend_context *) backend->context;
    const size_t wsize = ggml_cpu_graph_work_size(cgraph, ctx->n_threads, ctx->isa);
    if (ctx->work.size() < wsize) ctx->work.resize(wsize);
    return ggml_cpu_graph_run(cgraph, *ctx->pool, ctx->n_threads, ctx->isa, ctx->work.empty() ? nullptr : ctx->work.data(), wsize,
                              ctx->abort_callback, ctx->abort_callback_data);
}

const ggml_backend_i CPU_BACKEND_IFACE = {cpu_backend_get_name, cpu_backend_free, nullptr, cpu_backend_graph_compute};

// device

const char * cpu_dev_get_name(ggml_backend_dev_t) { return "CPU"; }
const char * cpu_dev_get_description(ggml_backend_dev_t) { return "CPU (host memory)"; }

void cpu_dev_get_memory(ggml_backend_dev_t, size_t * free, size_t * total) {
    const long page = sysconf(_SC_PAGESIZE);
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long avail = sysconf(_SC_AVPHYS_PAGES);
    *total = page > 0 && pages > 0 ? (size_t) page * (size_t) pages : 0;
    *free = page > 0 && avail > 0 ? (size_t) page * (size_t) avail : *total;
}

enum ggml_backend_dev_type cpu_dev_get_type(ggml_backend_dev_t) { return GGML_BACKEND_DEVICE_TYPE_CPU; }

ggml_backend_t cpu_dev_init_backend(ggml_backend_dev_t, const char *) { return ggml_backend_cpu_init(); }

ggml_backend_buffer_type_t cpu_dev_get_buffer_type(ggml_backend_dev_t) { return ggml_backend_cpu_buffer_type(); }

// Answered from the kernel table: nodes computing nothing, and nodes a CPU kernel supports.
bool cpu_dev_supports_op(ggml_backend_dev_t, const ggml_tensor * op) { return ggml_cpu_supports_node(op); }

bool cpu_dev_supports_buft(ggml_backend_dev_t, ggml_backend_buffer_type_t buft) { return ggml_backend_buft_is_host(buft); }

// registration

const char * cpu_reg_get_name(ggml_backend_reg_t) { return "CPU"; }
size_t cpu_reg_get_device_count(ggml_backend_reg_t) { return 1; }
ggml_backend_dev_t cpu_reg_get_device(ggml_backend_reg_t, size_t index);
void * cpu_reg_get_proc_address(ggml_backend_reg_t, const char * name);

ggml_backend_reg cpu_reg_instance = {
    {cpu_reg_get_name, cpu_reg_get_device_count, cpu_reg_get_device, cpu_reg_get_proc_address},
    nullptr,
};

ggml_backend_device cpu_device_instance = {
    {cpu_dev_get_name, cpu_dev_get_description, cpu_dev_get_memory, cpu_dev_get_type, cpu_dev_init_backend,
     cpu_dev_get_buffer_type, cpu_dev_supports_op, cpu_dev_supports_buft, nullptr},
    &cpu_reg_instance,
    nullptr,
};

ggml_backend_dev_t cpu_reg_get_device(ggml_backend_reg_t, size_t index) {
    GGML_ASSERT(index == 0);
    return &cpu_device_instance;
}

void * cpu_reg_get_proc_address(ggml_backend_reg_t, const char * name) {
    if (strcmp(name, "ggml_backend_set_n_threads") == 0) return (void *) ggml_backend_cpu_set_n_threads;
    if (strcmp(name, "ggml_backend_set_abort_callback") == 0) return (void *) ggml_backend_cpu_set_abort_callback;
    return nullptr;
}

} // namespace

ggml_backend_reg_t ggml_backend_cpu_reg(void) { return &cpu_reg_instance; }

ggml_backend_t ggml_backend_cpu_init(void) {
    cpu_backend_context * ctx = new cpu_backend_context;
    ctx->n_threads = ggml_cpu_default_n_threads();
    ctx->pool.reset(new cpu_threadpool(ctx->n_threads));
    return new ggml_backend{CPU_BACKEND_IFACE, &cpu_device_instance, ctx};
}

bool ggml_backend_is_cpu(ggml_backend_t backend) {
    return backend && backend->iface.get_name == cpu_backend_get_name;
}

void ggml_backend_cpu_set_n_threads(ggml_backend_t backend_cpu, int n_threads) {
    GGML_ASSERT(ggml_backend_is_cpu(backend_cpu));
    GGML_ASSERT(n_threads >= 1 && n_threads <= GGML_MAX_N_THREADS);
    cpu_backend_context * ctx = (cpu_backend_context *) backend_cpu->context;
    if (ctx->n_threads == n_threads) return;
    ctx->n_threads = n_threads;
    ctx->pool.reset(new cpu_threadpool(n_threads));
}

void ggml_backend_cpu_set_abort_callback(ggml_backend_t backend_cpu, ggml_abort_callback abort_callback, void * abort_callback_data) {
    GGML_ASSERT(ggml_backend_is_cpu(backend_cpu));
    cpu_backend_context * ctx = (cpu_backend_context *) backend_cpu->context;
    ctx->abort_callback = abort_callback;
    ctx->abort_callback_data = abort_callback_data;
}

void ggml_backend_cpu_parallel_for(ggml_backend_t backend_cpu, void (*fn)(void * ctx, int ith, int nth), void * ctx) {
    GGML_ASSERT(ggml_backend_is_cpu(backend_cpu) && fn);
    cpu_backend_context * bctx = (cpu_backend_context *) backend_cpu->context;
    bctx->pool->run(bctx->n_threads, fn, ctx);
}
