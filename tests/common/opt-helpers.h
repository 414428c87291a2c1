#pragma once

// Helpers shared by the training API tests (test-opt-*.cpp): pass/fail counting, a CPU backend
// with its scheduler, and the one-parameter model outputs = inputs + w.

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "ggml-opt.h"

#include <cmath>
#include <cstdio>

namespace opth {

inline int & passes() { static int n = 0; return n; }
inline int & failures() { static int n = 0; return n; }

inline void check(bool ok, const char * file, int line, const char * what) {
    if (ok) {
        passes()++;
    } else {
        failures()++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}

// Prints the closing line and returns the exit status.
inline int finish() {
    printf("%d passed, %d failed\n", passes(), failures());
    return failures() == 0 ? 0 : 1;
}

inline bool near(double got, double want, double atol) { return std::fabs(got - want) <= atol; }

struct cpu_sched {
    ggml_backend_t       backend = nullptr;
    ggml_backend_sched_t sched   = nullptr;

    cpu_sched() {
        backend = ggml_backend_cpu_init();
        ggml_backend_cpu_set_n_threads(backend, 2);
        sched = ggml_backend_sched_new(&backend, nullptr, 1, GGML_DEFAULT_GRAPH_SIZE, false, true);
    }
    ~cpu_sched() {
        ggml_backend_sched_free(sched);
        ggml_backend_free(backend);
    }
    cpu_sched(const cpu_sched &) = delete;
    cpu_sched & operator=(const cpu_sched &) = delete;
};

// A context with room for a few static tensors or for the graphs of a small model.
inline ggml_context * new_meta_context(size_t n_tensors, size_t n_graphs) {
    const ggml_init_params params = {
        n_tensors * ggml_tensor_overhead() + n_graphs * ggml_graph_overhead_custom(GGML_DEFAULT_GRAPH_SIZE, true),
        nullptr, /*no_alloc =*/ true };
    return ggml_init(params);
}

inline float get_f32(const ggml_tensor * t) {
    float v;
    ggml_backend_tensor_get(t, &v, 0, sizeof v);
    return v;
}

inline void set_f32(ggml_tensor * t, float v) { ggml_backend_tensor_set(t, &v, 0, sizeof v); }

// An F32 dataset whose datapoint i holds 16i + k and its label 1000 + 16i + k (k counting the
// elements), so that both identify i.
inline ggml_opt_dataset_t numbered_dataset(int64_t ndata, int64_t ne_data, int64_t ne_label, int64_t shard) {
    ggml_opt_dataset_t ds = ggml_opt_dataset_init(GGML_TYPE_F32, GGML_TYPE_F32, ne_data, ne_label, ndata, shard);
    float * data   = ggml_get_data_f32(ggml_opt_dataset_data(ds));
    float * labels = ggml_get_data_f32(ggml_opt_dataset_labels(ds));
    for (int64_t i = 0; i < ndata; ++i) {
        for (int64_t k = 0; k < ne_data; ++k) data[i * ne_data + k] = (float) (16 * i + k);
        for (int64_t k = 0; k < ne_label; ++k) labels[i * ne_label + k] = (float) (1000 + 16 * i + k);
    }
    return ds;
}

// outputs = inputs + w with inputs [1, nbatch] and the parameter w [1] (static tensors in their
// own buffer), outputs in ctx_compute.
struct one_param_model {
    ggml_context *        ctx_static  = nullptr;
    ggml_context *        ctx_compute = nullptr;
    ggml_backend_buffer_t buf         = nullptr;
    ggml_tensor *         inputs      = nullptr;
    ggml_tensor *         w           = nullptr;
    ggml_tensor *         outputs     = nullptr;

    one_param_model(ggml_backend_t backend, int64_t nbatch, float w0) {
        ctx_static  = new_meta_context(4, 0);
        ctx_compute = new_meta_context(GGML_DEFAULT_GRAPH_SIZE, 4);
        inputs = ggml_new_tensor_2d(ctx_static, GGML_TYPE_F32, 1, nbatch);
        ggml_set_name(inputs, "inputs");
        w = ggml_new_tensor_1d(ctx_static, GGML_TYPE_F32, 1);
        ggml_set_name(w, "w");
        ggml_set_param(w);
        outputs = ggml_add(ctx_compute, inputs, w);
        ggml_set_name(outputs, "outputs");
        buf = ggml_backend_alloc_ctx_tensors(ctx_static, backend);
        set_f32(w, w0);
    }
    ~one_param_model() {
        ggml_backend_buffer_free(buf);
        ggml_free(ctx_static);
        ggml_free(ctx_compute);
    }
    // Default optimizer parameters with this model's graph as inputs -> outputs.
    ggml_opt_params opt_params(ggml_backend_sched_t sched, ggml_opt_loss_type loss) const {
        ggml_opt_params params = ggml_opt_default_params(sched, loss);
        params.ctx_compute = ctx_compute;
        params.inputs      = inputs;
        params.outputs     = outputs;
        return params;
    }
    one_param_model(const one_param_model &) = delete;
    one_param_model & operator=(const one_param_model &) = delete;
};

} // namespace opth

#define CHECK(cond) opth::check((cond), __FILE__, __LINE__, #cond)
