#pragma once

// Shared helpers for operator tests: a small graph executor that calls the CPU's kernels (or the
// reference kernels of src/reference/) directly, no backend involved, random fills, comparison against double-precision
// references and a central finite-difference gradient checker.
//
// Usage:
//   ggml_context * ctx = oph::new_context();
//   ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 5, 3);
//   oph::fill_random(a, 1);
//   ggml_tensor * y = oph::compute(ctx, ggml_sqr(ctx, a));  // checks 1 thread vs 3 threads
//   std::vector<double> ref = ...;                          // naive loops over oph::read(a)
//   oph::check_close("sqr", y, ref);
//   ...
//   return oph::finish();                                   // prints "N passed, M failed"

#include "cpu/cpu-isa.h"
#include "ggml.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace oph {

// A context that owns the data of every tensor it creates (no_alloc = false).
ggml_context * new_context(size_t mem_bytes = 64u * 1024 * 1024);

// The kernels run_graph calls: the CPU's with instruction set isa (at first cpu_isa_best()), or
// with reference set, the reference kernels (src/reference/) for the ops that have one and the
// CPU's portable kernels for the rest. isa must be supported (cpu_isa_supported).
struct kernel_choice {
    bool        reference;
    cpu_isa     isa;
    const char * name() const { return reference ? "reference" : cpu_isa_name(isa); }
};
void          set_kernels(const kernel_choice & k);
kernel_choice kernels();

// Runs every node of the graph in order on n_threads threads (kernels that are not parallel
// run on one thread). Nodes without a forward kernel (views) are skipped.
void run_graph(ggml_cgraph * graph, int n_threads = 1);

// Runs the graph, computing each parallel node once with 1 thread and once with 3 threads
// (restoring the memory it touches in between) and records a failure if the results differ.
// Returns false on a mismatch.
bool run_graph_checked(ggml_cgraph * graph);

// Builds a graph for `out`, runs it with run_graph_checked and returns `out`.
ggml_tensor * compute(ggml_context * ctx, ggml_tensor * out);

// Element access by logical index, honouring strides; converts from/to the tensor's type.
double get_element(const ggml_tensor * t, int64_t i0, int64_t i1 = 0, int64_t i2 = 0, int64_t i3 = 0);
void   set_element(ggml_tensor * t, double v, int64_t i0, int64_t i1 = 0, int64_t i2 = 0, int64_t i3 = 0);

// All elements in logical order (i0 fastest), whatever the strides.
std::vector<double> read(const ggml_tensor * t);
void                write(ggml_tensor * t, const std::vector<double> & values);

// Uniform values in [lo, hi) (integers for integer types), seeded, honouring strides.
void fill_random(ggml_tensor * t, uint32_t seed, double lo = -1.0, double hi = 1.0);

// How a test input is laid out in memory; all give the same logical shape.
enum class layout {
    contiguous,
    transposed, // a transpose of a contiguous tensor (dims 0 and 1 swapped in memory)
    padded,     // a view into a larger tensor: rows and planes have gaps, data starts at an offset
    permuted,   // a permutation of a contiguous tensor with all of dims 0..2 moved
};
const char * layout_name(layout l);

// A tensor of shape ne with the given layout, filled by fill_random(seed, lo, hi).
ggml_tensor * new_input(ggml_context * ctx, ggml_type type, const int64_t ne[4], layout l, uint32_t seed,
                        double lo = -1.0, double hi = 1.0);

// Counts a pass when every element satisfies |got - ref| <= atol + rtol * |ref| (NaN matches NaN),
// otherwise a failure, printing the first mismatch with its indices.
bool check_close(const char * what, const ggml_tensor * t, const std::vector<double> & ref,
                 double atol = 1e-5, double rtol = 1e-5);

// Counts a pass or a failure; prints `what` on failure.
bool check(bool ok, const char * what);
// The same, naming the failed condition's place: "file:line: check failed: what".
bool check_at(bool ok, const char * file, int line, const char * what);
#define OPH_CHECK(cond) oph::check_at((cond), __FILE__, __LINE__, #cond)

// Builds the loss from parameter tensors that already hold their values.
using loss_builder = std::function<ggml_tensor *(ggml_context * ctx, const std::vector<ggml_tensor *> & params)>;

struct grad_check_options {
    double eps  = 1e-3; // step of the central difference
    double atol = 3e-3;
    double rtol = 3e-2;
};

// Marks params as parameters, builds the loss, its backward graph and compares
// ggml_graph_get_grad(graph, param) with central differences of the loss for every element of
// every parameter. Params must be contiguous F32 leaves in ctx (data filled by the caller).
bool check_grad(const char * what, ggml_context * ctx, const std::vector<ggml_tensor *> & params,
                const loss_builder & build, const grad_check_options & opt = grad_check_options());

// Prints "N passed, M failed" and returns the process exit code (non-zero on any failure).
int finish();

int n_passed();
int n_failed();

} // namespace oph
