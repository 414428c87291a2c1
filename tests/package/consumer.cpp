// Uses the installed headers (ggml-cpp.h included) and library: 2 + 3 on the best backend.

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpp.h"

#include <cstdio>

int main() {
    ggml_backend_load_all();
    ggml_backend_ptr backend{ggml_backend_init_best()};
    ggml_init_params ip = {4 * ggml_tensor_overhead() + ggml_graph_overhead(), nullptr, true};
    ggml_context_ptr ctx{ggml_init(ip)};
    ggml_tensor * a = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_F32, 1);
    ggml_tensor * b = ggml_new_tensor_1d(ctx.get(), GGML_TYPE_F32, 1);
    ggml_tensor * c = ggml_add(ctx.get(), a, b);
    ggml_cgraph * gf = ggml_new_graph(ctx.get());
    ggml_build_forward_expand(gf, c);
    ggml_backend_buffer_ptr buf{ggml_backend_alloc_ctx_tensors(ctx.get(), backend.get())};
    const float x = 2.0f, y = 3.0f;
    ggml_backend_tensor_set(a, &x, 0, sizeof x);
    ggml_backend_tensor_set(b, &y, 0, sizeof y);
    if (ggml_backend_graph_compute(backend.get(), gf) != GGML_STATUS_SUCCESS) return 1;
    float z = 0;
    ggml_backend_tensor_get(c, &z, 0, sizeof z);
    printf("ggml %s (%s): 2 + 3 = %g\n", ggml_version(), ggml_commit(), z);
    return z == 5.0f ? 0 : 1;
}
