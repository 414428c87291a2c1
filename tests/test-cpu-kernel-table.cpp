// Every operator of the op list (src/ops/registry.cpp) either has a kernel in the CPU's kernel
// table or is one that computes nothing (a view, NONE), so the CPU can be every graph's last
// fallback; op facts agree with the table (views have no kernel; a CPU kernel's node is
// reported as supported by the CPU device).

#include "backend-test-helpers.h"
#include "core/ggml-impl.h"
#include "cpu/kernel-table.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

#include <cstdio>

int main() {
    int n_defined = 0, n_kernels = 0, n_views = 0;
    for (int i = 0; i < GGML_OP_EXT_END; ++i) { // with this library's own ops, numbered after GGML_OP_COUNT
        const ggml_op op = (ggml_op) i;
        if (!ggml_op_is_defined(op)) continue;
        ++n_defined;
        const cpu_kernel * k = ggml_cpu_kernel_of(op);
        const bool computes_nothing = op == GGML_OP_NONE || ggml_get_op_facts(op).is_view;
        if (!k && !computes_nothing) fprintf(stderr, "op %s has no CPU kernel\n", ggml_op_name(op));
        BT_CHECK(k != nullptr || computes_nothing);
        BT_CHECK(!(k && computes_nothing)); // a view's kernel would never run
        if (k) {
            ++n_kernels;
            BT_CHECK(k->run != nullptr);
        } else {
            ++n_views;
        }
        // every defined op has a name (the traits object of its op file)
        BT_CHECK(ggml_get_op_traits(op)->name != nullptr);
    }
    BT_CHECK(n_defined == n_kernels + n_views);
    BT_CHECK(n_kernels > 30);
    BT_CHECK(n_views == 5); // NONE, RESHAPE, VIEW, PERMUTE, TRANSPOSE

    // the CPU device answers supports_op from the table: a node of each kind
    ggml_init_params ip = {16 * ggml_tensor_overhead(), nullptr, true};
    ggml_context * ctx = ggml_init(ip);
    ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 4, 3);
    ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 4, 3);
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    BT_CHECK(cpu != nullptr);
    BT_CHECK(ggml_backend_dev_supports_op(cpu, ggml_add(ctx, a, b)));
    BT_CHECK(ggml_backend_dev_supports_op(cpu, ggml_mul_mat(ctx, a, b)));
    BT_CHECK(ggml_backend_dev_supports_op(cpu, ggml_transpose(ctx, a))); // computes nothing
    BT_CHECK(ggml_node_computes_nothing(ggml_reshape_1d(ctx, a, 12)));
    BT_CHECK(!ggml_node_computes_nothing(ggml_add(ctx, a, b)));
    ggml_free(ctx);
    return bt::finish();
}
