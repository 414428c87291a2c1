/* A client written from ggml's simple-ctx example: the context is sized by ggml's formula
 * (the two matrices, two tensor overheads, one graph overhead and 1024 bytes of slack), the
 * product is computed with ggml_graph_compute_with_ctx on one thread, and the result must equal
 * the example's printed numbers (checked against a plain triple loop as well). */

#include "compat-check.h"

#include "ggml.h"
#include "ggml-cpu.h"

#include <string.h>

enum { ROWS_A = 4, COLS_A = 2, ROWS_B = 3, COLS_B = 2 };

int main(void) {
    const float matrix_A[ROWS_A * COLS_A] = { 2, 8, 5, 1, 4, 2, 8, 6 };
    const float matrix_B[ROWS_B * COLS_B] = { 10, 5, 9, 9, 5, 4 };

    size_t ctx_size = 0;
    ctx_size += ROWS_A * COLS_A * ggml_type_size(GGML_TYPE_F32);
    ctx_size += ROWS_B * COLS_B * ggml_type_size(GGML_TYPE_F32);
    ctx_size += 2 * ggml_tensor_overhead();
    ctx_size += ggml_graph_overhead();
    ctx_size += 1024;

    struct ggml_init_params params = { ctx_size, NULL, false };
    struct ggml_context * ctx = ggml_init(params);

    struct ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, COLS_A, ROWS_A);
    struct ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, COLS_B, ROWS_B);
    memcpy(a->data, matrix_A, ggml_nbytes(a));
    memcpy(b->data, matrix_B, ggml_nbytes(b));

    struct ggml_cgraph * gf = ggml_new_graph(ctx);
    struct ggml_tensor * result = ggml_mul_mat(ctx, a, b);
    ggml_build_forward_expand(gf, result);
    COMPAT_EQ(ggml_graph_compute_with_ctx(ctx, gf, 1), GGML_STATUS_SUCCESS);

    /* ggml's example prints, one row of the result per line: */
    const float expected[ROWS_B * ROWS_A] = {
        60, 55, 50, 110,
        90, 54, 54, 126,
        42, 29, 28, 64,
    };
    COMPAT_EQ(result->ne[0], ROWS_A);
    COMPAT_EQ(result->ne[1], ROWS_B);
    const float * out = (const float *) result->data;
    for (int j = 0; j < ROWS_B; ++j) {
        for (int i = 0; i < ROWS_A; ++i) {
            float naive = 0;
            for (int k = 0; k < COLS_A; ++k) naive += matrix_A[i * COLS_A + k] * matrix_B[j * COLS_B + k];
            COMPAT_CHECK(out[j * ROWS_A + i] == naive);
            COMPAT_CHECK(out[j * ROWS_A + i] == expected[j * ROWS_A + i]);
        }
    }

    ggml_free(ctx);
    return compat_result("compat-simple-ctx");
}
