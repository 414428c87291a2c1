// The graph allocator on a small two-layer network: memory is reused (the buffer is smaller
// than the sum of the tensors), no two tensors that are alive at the same time share bytes
// (checked from the graph's structure alone), some ops run in place, and the results equal
// those of an allocation where every tensor has its own memory and a double-precision reference.

#include "backend-test-helpers.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "core/ggml-impl.h"

#include <algorithm>
#include <map>
#include <vector>

namespace {

constexpr int K = 20, H = 16, O = 4, N = 6;

struct weights {
    ggml_context * ctx;
    ggml_backend_buffer_t buf;
    ggml_tensor * w1, * b1, * w2, * b2;
    std::vector<float> w1v, b1v, w2v, b2v;
};

weights make_weights(ggml_backend_t backend) {
    weights w;
    ggml_init_params ip = {16 * ggml_tensor_overhead(), nullptr, true};
    w.ctx = ggml_init(ip);
    w.w1 = ggml_new_tensor_2d(w.ctx, GGML_TYPE_F32, K, H);
    w.b1 = ggml_new_tensor_1d(w.ctx, GGML_TYPE_F32, H);
    w.w2 = ggml_new_tensor_2d(w.ctx, GGML_TYPE_F32, H, O);
    w.b2 = ggml_new_tensor_1d(w.ctx, GGML_TYPE_F32, O);
    w.buf = ggml_backend_alloc_ctx_tensors(w.ctx, backend);
    ggml_backend_buffer_set_usage(w.buf, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    w.w1v = bt::random_floats(K * H, 1); w.b1v = bt::random_floats(H, 2);
    w.w2v = bt::random_floats(H * O, 3); w.b2v = bt::random_floats(O, 4);
    ggml_backend_tensor_set(w.w1, w.w1v.data(), 0, ggml_nbytes(w.w1));
    ggml_backend_tensor_set(w.b1, w.b1v.data(), 0, ggml_nbytes(w.b1));
    ggml_backend_tensor_set(w.w2, w.w2v.data(), 0, ggml_nbytes(w.w2));
    ggml_backend_tensor_set(w.b2, w.b2v.data(), 0, ggml_nbytes(w.b2));
    return w;
}

struct net {
    ggml_context * ctx;
    ggml_cgraph * gf;
    ggml_tensor * x, * out;
};

// out = 0.5 * (w2 relu(w1 x + b1) + b2)^2
net build(const weights & w) {
    net n;
    ggml_init_params ip = {64 * ggml_tensor_overhead() + ggml_graph_overhead(), nullptr, true};
    n.ctx = ggml_init(ip);
    n.x = ggml_new_tensor_2d(n.ctx, GGML_TYPE_F32, K, N);
    ggml_set_input(n.x);
    ggml_tensor * h = ggml_relu(n.ctx, ggml_add(n.ctx, ggml_mul_mat(n.ctx, w.w1, n.x), w.b1));
    ggml_tensor * y = ggml_add(n.ctx, ggml_mul_mat(n.ctx, w.w2, h), w.b2);
    n.out = ggml_scale(n.ctx, ggml_sqr(n.ctx, y), 0.5f);
    ggml_set_output(n.out);
    n.gf = ggml_new_graph(n.ctx);
    ggml_build_forward_expand(n.gf, n.out);
    return n;
}

std::vector<double> reference(const weights & w, const std::vector<float> & x) {
    std::vector<double> h = bt::matmul(bt::to_double(w.w1v), bt::to_double(x), K, H, N);
    for (int n = 0; n < N; ++n)
        for (int j = 0; j < H; ++j) h[n * H + j] = std::max(0.0, h[n * H + j] + w.b1v[j]);
    std::vector<double> y = bt::matmul(bt::to_double(w.w2v), h, H, O, N);
    for (int n = 0; n < N; ++n)
        for (int j = 0; j < O; ++j) {
            const double v = y[n * O + j] + w.b2v[j];
            y[n * O + j] = 0.5 * v * v;
        }
    return y;
}

std::vector<float> read(const ggml_tensor * t) {
    std::vector<float> v(ggml_nelements(t));
    ggml_backend_tensor_get(t, v.data(), 0, ggml_nbytes(t));
    return v;
}

// Live interval of every tensor with its own memory in buf, from the graph alone: from the node
// that computes it (or the start, for leaves) to its last reader (or the end, for outputs and
// tensors nobody reads). Views extend their source's interval.
void check_no_live_overlap(ggml_cgraph * gf, ggml_backend_buffer_t buf, int * n_in_place) {
    std::map<ggml_tensor *, std::pair<int, int>> live;
    auto owner = [](ggml_tensor * t) { return t->view_src ? t->view_src : t; };
    auto touch = [&](ggml_tensor * t, int def, int use) {
        ggml_tensor * o = owner(t);
        if (o->buffer != buf) return;
        auto it = live.find(o);
        if (it == live.end()) live[o] = {def, use};
        else it->second = {std::min(it->second.first, def), std::max(it->second.second, use)};
    };
    const int end = gf->n_nodes;
    for (int i = 0; i < gf->n_leafs; ++i) touch(gf->leafs[i], -1, -1);
    for (int i = 0; i < gf->n_nodes; ++i) {
        ggml_tensor * node = gf->nodes[i];
        touch(node, i, i);
        for (int s = 0; s < GGML_MAX_SRC; ++s) if (node->src[s]) touch(node->src[s], i, i);
    }
    // outputs and final results stay alive to the end
    for (int i = 0; i < gf->n_nodes; ++i) {
        ggml_tensor * node = gf->nodes[i];
        bool read_later = false;
        for (int j = i + 1; j < gf->n_nodes; ++j)
            for (int s = 0; s < GGML_MAX_SRC; ++s) read_later = read_later || gf->nodes[j]->src[s] == node;
        if (!read_later || (node->flags & GGML_TENSOR_FLAG_OUTPUT)) touch(node, i, end);
    }
    int bad = 0;
    *n_in_place = 0;
    for (auto a = live.begin(); a != live.end(); ++a) {
        for (auto b = std::next(a); b != live.end(); ++b) {
            const char * pa = (const char *) a->first->data, * pb = (const char *) b->first->data;
            const bool bytes_overlap = pa < pb + ggml_nbytes(b->first) && pb < pa + ggml_nbytes(a->first);
            if (!bytes_overlap) continue;
            const auto ia = a->second, ib = b->second;
            if (ia.second < ib.first || ib.second < ia.first) continue; // disjoint lifetimes
            // allowed: an op writing over the source it reads last (in place)
            const bool a_then_b = ia.second == ib.first, b_then_a = ib.second == ia.first;
            if ((a_then_b || b_then_a) && pa == pb) { (*n_in_place)++; continue; }
            fprintf(stderr, "tensors '%s' [%d, %d] and '%s' [%d, %d] share memory while both alive\n", a->first->name,
                    ia.first, ia.second, b->first->name, ib.first, ib.second);
            bad++;
        }
    }
    BT_CHECK(bad == 0);
}

} // namespace

// A graph allocated again after a larger graph made the allocator replace its buffer: the first
// graph's tensors (and views of them) still point at the replaced buffer and must be placed anew,
// not left pointing into freed memory.
static void test_realloc_after_growth(ggml_backend_t backend) {
    ggml_init_params pw = {4 * ggml_tensor_overhead(), nullptr, true};
    ggml_context * cw = ggml_init(pw);
    ggml_tensor * x = ggml_new_tensor_1d(cw, GGML_TYPE_F32, 4);
    ggml_backend_buffer_t wbuf = ggml_backend_alloc_ctx_tensors(cw, backend);
    const float xv[4] = {1, 2, 3, 4};
    ggml_backend_tensor_set(x, xv, 0, sizeof xv);

    ggml_init_params pc = {16 * ggml_tensor_overhead() + 2 * ggml_graph_overhead(), nullptr, true};
    ggml_context * cc = ggml_init(pc);
    ggml_tensor * y = ggml_scale(cc, ggml_view_1d(cc, ggml_scale(cc, x, 2.0f), 2, 2 * sizeof(float)), 10.0f);
    ggml_cgraph * small = ggml_new_graph(cc);
    ggml_build_forward_expand(small, y);
    ggml_tensor * big_in = ggml_new_tensor_1d(cc, GGML_TYPE_F32, 1 << 16);
    ggml_set_input(big_in);
    ggml_cgraph * large = ggml_new_graph(cc);
    ggml_build_forward_expand(large, ggml_scale(cc, big_in, 1.0f));

    ggml_gallocr_t galloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend));
    BT_CHECK(ggml_gallocr_alloc_graph(galloc, small));
    const size_t small_size = ggml_gallocr_get_buffer_size(galloc, 0);
    BT_CHECK(ggml_gallocr_alloc_graph(galloc, large));
    BT_CHECK(ggml_gallocr_get_buffer_size(galloc, 0) > small_size); // the buffer was replaced
    BT_CHECK(ggml_gallocr_alloc_graph(galloc, small));
    BT_CHECK(ggml_backend_graph_compute(backend, small) == GGML_STATUS_SUCCESS);
    float out[2] = {0, 0};
    ggml_backend_tensor_get(y, out, 0, sizeof out);
    BT_CHECK(out[0] == 60.0f && out[1] == 80.0f); // (3, 4) * 2 * 10

    ggml_gallocr_free(galloc);
    ggml_free(cc);
    ggml_backend_buffer_free(wbuf);
    ggml_free(cw);
}

int main() {
    ggml_backend_t backend = ggml_backend_cpu_init();
    ggml_backend_cpu_set_n_threads(backend, 2);
    weights w = make_weights(backend);
    const std::vector<float> xv = bt::random_floats(K * N, 5);
    const std::vector<double> ref = reference(w, xv);

    // every tensor with its own memory
    net plain = build(w);
    ggml_backend_buffer_t plain_buf = ggml_backend_alloc_ctx_tensors(plain.ctx, backend);
    ggml_backend_tensor_set(plain.x, xv.data(), 0, ggml_nbytes(plain.x));
    BT_CHECK(ggml_backend_graph_compute(backend, plain.gf) == GGML_STATUS_SUCCESS);
    const std::vector<float> plain_out = read(plain.out);
    BT_CHECK(bt::max_abs_diff(plain_out, ref) < 1e-4);

    // the graph allocator
    net shared = build(w);
    ggml_gallocr_t galloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(backend));
    BT_CHECK(ggml_gallocr_reserve(galloc, shared.gf));
    const size_t reserved = ggml_gallocr_get_buffer_size(galloc, 0);
    BT_CHECK(reserved > 0);
    BT_CHECK(shared.x->data == nullptr); // reserving does not touch the graph
    BT_CHECK(ggml_gallocr_alloc_graph(galloc, shared.gf));
    BT_CHECK(ggml_gallocr_get_buffer_size(galloc, 0) == reserved);

    size_t sum = 0;
    for (ggml_tensor * t = ggml_get_first_tensor(shared.ctx); t; t = ggml_get_next_tensor(shared.ctx, t)) {
        if (!t->view_src) sum += ggml_nbytes(t);
    }
    printf("graph allocator buffer: %zu bytes; tensors: %zu bytes\n", reserved, sum);
    BT_CHECK(reserved < sum);

    ggml_backend_buffer_t gbuf = shared.out->buffer;
    BT_CHECK(gbuf != nullptr && gbuf != w.buf);
    BT_CHECK(w.w1->buffer == w.buf); // weights stay where they are
    int n_in_place = 0;
    check_no_live_overlap(shared.gf, gbuf, &n_in_place);
    BT_CHECK(n_in_place > 0);

    ggml_backend_tensor_set(shared.x, xv.data(), 0, ggml_nbytes(shared.x));
    BT_CHECK(ggml_backend_graph_compute(backend, shared.gf) == GGML_STATUS_SUCCESS);
    const std::vector<float> shared_out = read(shared.out);
    BT_CHECK(shared_out == plain_out);
    BT_CHECK(bt::max_abs_diff(shared_out, ref) < 1e-4);

    // allocating the same graph again gives the same answer
    BT_CHECK(ggml_gallocr_alloc_graph(galloc, shared.gf));
    ggml_backend_tensor_set(shared.x, xv.data(), 0, ggml_nbytes(shared.x));
    BT_CHECK(ggml_backend_graph_compute(backend, shared.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(read(shared.out) == plain_out);

    // two buffers, nodes alternating between them
    net split = build(w);
    ggml_backend_buffer_type_t bufts[2] = {ggml_backend_cpu_buffer_type(), ggml_backend_cpu_buffer_type()};
    ggml_gallocr_t galloc2 = ggml_gallocr_new_n(bufts, 2);
    std::vector<int> node_ids(split.gf->n_nodes), leaf_ids(split.gf->n_leafs, 1);
    for (int i = 0; i < split.gf->n_nodes; ++i) node_ids[i] = i % 2;
    BT_CHECK(ggml_gallocr_reserve_n(galloc2, split.gf, node_ids.data(), leaf_ids.data()));
    BT_CHECK(ggml_gallocr_alloc_graph(galloc2, split.gf));
    BT_CHECK(ggml_gallocr_get_buffer_size(galloc2, 0) > 0 && ggml_gallocr_get_buffer_size(galloc2, 1) > 0);
    BT_CHECK(split.gf->nodes[0]->buffer != split.gf->nodes[1]->buffer);
    BT_CHECK(split.x->buffer == split.gf->nodes[1]->buffer);
    ggml_backend_tensor_set(split.x, xv.data(), 0, ggml_nbytes(split.x));
    BT_CHECK(ggml_backend_graph_compute(backend, split.gf) == GGML_STATUS_SUCCESS);
    BT_CHECK(read(split.out) == plain_out);

    ggml_gallocr_free(galloc2);
    ggml_gallocr_free(galloc);
    ggml_backend_buffer_free(plain_buf);
    ggml_free(split.ctx);
    ggml_free(shared.ctx);
    ggml_free(plain.ctx);
    ggml_backend_buffer_free(w.buf);
    ggml_free(w.ctx);
    test_realloc_after_growth(backend);
    ggml_backend_free(backend);
    return bt::finish();
}
