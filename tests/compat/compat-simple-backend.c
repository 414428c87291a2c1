/* A client written from ggml's simple-backend example: load the backends, pick the best one,
 * keep the matrices in a backend buffer, build the graph in a no_alloc context sized by ggml's
 * formula, allocate it with the graph allocator and read the product back. */

#include "compat-check.h"

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"

enum { ROWS_A = 4, COLS_A = 2, ROWS_B = 3, COLS_B = 2 };

int main(void) {
    const float matrix_A[ROWS_A * COLS_A] = { 2, 8, 5, 1, 4, 2, 8, 6 };
    const float matrix_B[ROWS_B * COLS_B] = { 10, 5, 9, 9, 5, 4 };

    ggml_backend_load_all();
    ggml_backend_t backend = ggml_backend_init_best();
    COMPAT_CHECK(backend != NULL);
    if (!backend) return compat_result("compat-simple-backend");

    struct ggml_init_params params = { 2 * ggml_tensor_overhead(), NULL, true };
    struct ggml_context * ctx = ggml_init(params);
    struct ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, COLS_A, ROWS_A);
    struct ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, COLS_B, ROWS_B);
    ggml_backend_buffer_t buffer = ggml_backend_alloc_ctx_tensors(ctx, backend);
    ggml_backend_tensor_set(a, matrix_A, 0, ggml_nbytes(a));
    ggml_backend_tensor_set(b, matrix_B, 0, ggml_nbytes(b));

    size_t buf_size = ggml_tensor_overhead() * GGML_DEFAULT_GRAPH_SIZE + ggml_graph_overhead();
    static unsigned char graph_mem[368 * GGML_DEFAULT_GRAPH_SIZE + 82608];
    COMPAT_CHECK(buf_size <= sizeof graph_mem);
    struct ggml_init_params gparams = { buf_size, graph_mem, true };
    struct ggml_context * ctx0 = ggml_init(gparams);
    struct ggml_cgraph * gf = ggml_new_graph(ctx0);
    struct ggml_tensor * result = ggml_mul_mat(ctx0, a, b);
    ggml_build_forward_expand(gf, result);

    ggml_gallocr_t allocr = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend));
    COMPAT_CHECK(ggml_gallocr_reserve(allocr, gf));
    COMPAT_CHECK(ggml_gallocr_alloc_graph(allocr, gf));
    COMPAT_EQ(ggml_backend_graph_compute(backend, gf), GGML_STATUS_SUCCESS);

    struct ggml_tensor * out = ggml_graph_node(gf, -1);
    float values[ROWS_A * ROWS_B];
    ggml_backend_tensor_get(out, values, 0, ggml_nbytes(out));
    for (int j = 0; j < ROWS_B; ++j) {
        for (int i = 0; i < ROWS_A; ++i) {
            float naive = 0;
            for (int k = 0; k < COLS_A; ++k) naive += matrix_A[i * COLS_A + k] * matrix_B[j * COLS_B + k];
            COMPAT_CHECK(values[j * ROWS_A + i] == naive);
        }
    }

    ggml_gallocr_free(allocr);
    ggml_free(ctx0);
    ggml_backend_buffer_free(buffer);
    ggml_free(ctx);
    ggml_backend_free(backend);
    return compat_result("compat-simple-backend");
}
