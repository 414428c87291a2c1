// Random affine and elastic transforms of images, drawn per image from (seed, epoch, index) so
// that neither the thread count nor the batch size changes them. The maths is in
// include/ggml-opt-augment.h.

#include "ggml-opt-augment.h"

#include "opt/opt-prng.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

static const double DEG = 3.14159265358979323846 / 180.0;

// Four lanes in the compiler's vector extension (SSE2 on x86-64, WebAssembly SIMD with
// -msimd128, plain scalar code elsewhere).
typedef float   v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static v4f load4(const float * p) {
    v4f v;
    memcpy(&v, p, sizeof(v));
    return v;
}

struct ggml_opt_augment_params ggml_opt_augment_default_params(void) {
    ggml_opt_augment_params p = {};
    p.width        = 28;
    p.height       = 28;
    p.elastic_grid = 7.0f;
    p.n_threads    = 1;
    return p;
}

bool ggml_opt_augment_params_check(const struct ggml_opt_augment_params * p, char * err, size_t err_size) {
    const char * field = nullptr;
    double lo = 0.0, hi = 0.0, value = 0.0;
    auto out_of = [&](const char * name, double v, double l, double h) {
        if (field == nullptr && !(v >= l && v <= h)) {
            field = name; value = v; lo = l; hi = h;
        }
    };
    if (p->width < 2 || p->height < 2 || p->width > 4096 || p->height > 4096) {
        if (err) snprintf(err, err_size, "augmentation: image size %lldx%lld is outside 2..4096",
                          (long long) p->width, (long long) p->height);
        return false;
    }
    const double w = (double) std::min(p->width, p->height);
    out_of("translate",    p->translate,    0.0, w / 2);
    out_of("rotate",       p->rotate,       0.0, 180.0);
    out_of("scale",        p->scale,        0.0, 0.9);
    out_of("shear",        p->shear,        0.0, 60.0);
    out_of("elastic",      p->elastic,      0.0, w / 4);
    out_of("elastic_grid", p->elastic_grid, 2.0, w);
    if (field) {
        if (err) snprintf(err, err_size, "augmentation: %s = %g is outside [%g, %g]", field, value, lo, hi);
        return false;
    }
    return true;
}

bool ggml_opt_augment_enabled(const struct ggml_opt_augment_params * p) {
    return p->translate > 0 || p->rotate > 0 || p->scale > 0 || p->shear > 0 || p->elastic > 0;
}

// A splitmix64 step as a hash: distinct inputs give well-mixed, distinct outputs.
static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Uniform in [-r, r] from the top 24 bits of one draw (exactly 0 when r is 0).
static float uniform_sym(ggml_opt_prng & rng, float r) {
    const double u = (double) (ggml_opt_prng_next(rng) >> 40) * (1.0 / 16777216.0); // [0, 1)
    return (float) ((2.0 * u - 1.0) * r);
}

static int64_t elastic_points(int64_t n, float grid) {
    return (int64_t) std::floor((double) (n - 1) / grid) + 2;
}

void ggml_opt_augment_draw(const struct ggml_opt_augment_params * p, int64_t index, struct ggml_opt_augment_sample * s,
                           float * dx, float * dy) {
    ggml_opt_prng rng;
    ggml_opt_prng_seed(rng, mix64(p->seed ^ mix64((uint64_t) p->epoch ^ mix64((uint64_t) index))));
    s->angle = uniform_sym(rng, p->rotate);
    s->scale = 1.0f + uniform_sym(rng, p->scale);
    s->shear = uniform_sym(rng, p->shear);
    s->tx    = uniform_sym(rng, p->translate);
    s->ty    = uniform_sym(rng, p->translate);

    const int64_t n = p->width * p->height;
    if (!(p->elastic > 0)) {
        if (dx) std::fill(dx, dx + n, 0.0f);
        if (dy) std::fill(dy, dy + n, 0.0f);
        return;
    }
    // Control points, x fastest; all x displacements first, then all y displacements.
    const int64_t gw = elastic_points(p->width, p->elastic_grid);
    const int64_t gh = elastic_points(p->height, p->elastic_grid);
    std::vector<float> cx(gw * gh), cy(gw * gh);
    for (float & v : cx) v = uniform_sym(rng, p->elastic);
    for (float & v : cy) v = uniform_sym(rng, p->elastic);
    // Bilinear weights per column and per row, then two interpolations per pixel.
    std::vector<int64_t> ci(p->width), rj(p->height);
    std::vector<float>   cf(p->width), rf(p->height);
    for (int64_t x = 0; x < p->width; ++x) {
        const double g = x / (double) p->elastic_grid;
        ci[x] = (int64_t) g;
        cf[x] = (float) (g - ci[x]);
    }
    for (int64_t y = 0; y < p->height; ++y) {
        const double g = y / (double) p->elastic_grid;
        rj[y] = (int64_t) g;
        rf[y] = (float) (g - rj[y]);
    }
    for (int64_t y = 0; y < p->height; ++y) {
        const float fy = rf[y];
        for (int64_t x = 0; x < p->width; ++x) {
            const float   fx = cf[x];
            const int64_t k  = rj[y] * gw + ci[x];
            dx[y * p->width + x] = (1 - fy) * ((1 - fx) * cx[k]      + fx * cx[k + 1]) +
                                        fy  * ((1 - fx) * cx[k + gw] + fx * cx[k + gw + 1]);
            dy[y * p->width + x] = (1 - fy) * ((1 - fx) * cy[k]      + fx * cy[k + 1]) +
                                        fy  * ((1 - fx) * cy[k + gw] + fx * cy[k + gw + 1]);
        }
    }
}

void ggml_opt_augment_image(const float * src, float * dst, int64_t w, int64_t h, const struct ggml_opt_augment_sample * s,
                            const float * dx, const float * dy) {
    // Forward matrix M = R * H * S, then its inverse: the output pixel p reads the input at
    // M^-1 (p - c - t) + c.
    const double ca = std::cos(s->angle * DEG), sa = std::sin(s->angle * DEG), sh = std::tan(s->shear * DEG);
    const double m00 = ca * s->scale, m01 = (ca * sh + sa) * s->scale;
    const double m10 = -sa * s->scale, m11 = (-sa * sh + ca) * s->scale;
    const double det = m00 * m11 - m01 * m10;
    const double i00 = m11 / det, i01 = -m01 / det, i10 = -m10 / det, i11 = m00 / det;
    const double cx = 0.5 * (w - 1), cy = 0.5 * (h - 1);

    // The input inside a zero border of PAD pixels: a position clamped into [-1.5, size + 0.5]
    // reads four existing pixels, all of them border when it was outside [-1, size), so the
    // loop needs no branch.
    const int64_t PAD = 2, pw = w + 2 * PAD;
    // one buffer per thread, reused: its border stays zero, the interior is overwritten below
    thread_local std::vector<float> padded;
    if (padded.size() != (size_t) (pw * (h + 2 * PAD))) padded.assign(pw * (h + 2 * PAD), 0.0f);
    // Only positions within one pixel of the box around the non-zero input can read a non-zero
    // value (MNIST digits fill about half of the image): each row computes just the columns whose
    // position may fall there, widened by the largest elastic displacement, and zeroes the rest.
    int64_t bx0 = w, bx1 = -1, by0 = h, by1 = -1;
    for (int64_t y = 0; y < h; ++y) {
        const float * r = src + y * w;
        std::copy(r, r + w, padded.begin() + (y + PAD) * pw + PAD);
        // the first and last non-zero pixel of the row: two scans that stop early
        int64_t first = 0, last = w - 1;
        while (first < w && r[first] == 0.0f) ++first;
        if (first == w) continue;
        while (r[last] == 0.0f) --last;
        bx0 = std::min(bx0, first); bx1 = std::max(bx1, last);
        by0 = std::min(by0, y);     by1 = y;
    }
    double dmax = 0.0;
    if (dx || dy) {
        for (int64_t i = 0; i < w * h; ++i) {
            dmax = std::max(dmax, (double) std::max(dx ? std::fabs(dx[i]) : 0.0f, dy ? std::fabs(dy[i]) : 0.0f));
        }
    }
    const float * base = padded.data() + PAD * pw + PAD;
    const float xmax = (float) w + 0.5f, ymax = (float) h + 0.5f;

    // one fill for every pixel that the loop below leaves out (many small fills cost more)
    std::fill(dst, dst + w * h, 0.0f);
    for (int64_t y = 0; y < h; ++y) {
        const double py = y - cy - s->ty;
        // the source position moves by (i00, i10) per output column
        const double ax = i00 * (-cx - s->tx) + i01 * py + cx;
        const double ay = i10 * (-cx - s->tx) + i11 * py + cy;

        // columns x where ax + i00 x and ay + i10 x both lie within (b0 - 1 - dmax, b1 + 1 + dmax),
        // one column more on each side against rounding
        double xlo = 0.0, xhi = (double) (w - 1);
        auto narrow = [&](double a, double b, double lo, double hi) {
            if (b == 0.0) {
                if (!(a > lo && a < hi)) xhi = -1.0;
                return;
            }
            const double t0 = (lo - a) / b, t1 = (hi - a) / b;
            xlo = std::max(xlo, std::min(t0, t1) - 1.0);
            xhi = std::min(xhi, std::max(t0, t1) + 1.0);
        };
        if (bx1 < 0) {
            xhi = -1.0;
        } else {
            narrow(ax, i00, bx0 - 1 - dmax, bx1 + 1 + dmax);
            narrow(ay, i10, by0 - 1 - dmax, by1 + 1 + dmax);
        }
        const int64_t x_begin = xhi < xlo ? w : (int64_t) std::ceil(xlo);
        const int64_t x_end   = xhi < xlo ? w : (int64_t) std::floor(xhi) + 1;

        float * row = dst + y * w;
        const float qx0 = (float) ax, qy0 = (float) ay, ix = (float) i00, iy = (float) i10;
        const float * ex = dx ? dx + y * w : nullptr;
        const float * ey = dy ? dy + y * w : nullptr;
        int64_t x = x_begin;
        // Four pixels at a time: the same operations in the same order as the scalar loop below,
        // lane by lane (IEEE arithmetic, no contraction), so the bytes do not change.
        for (; x + 4 <= x_end; x += 4) {
            const v4f xs = { (float) x, (float) (x + 1), (float) (x + 2), (float) (x + 3) };
            v4f qx = qx0 + ix * xs;
            v4f qy = qy0 + iy * xs;
            if (ex) qx += load4(ex + x);
            if (ey) qy += load4(ey + x);
            qx = qx < -1.5f ? v4f{} - 1.5f : qx; // std::max(q, -1.5f), then std::min(q, size + 0.5f)
            qx = xmax < qx ? v4f{} + xmax : qx;
            qy = qy < -1.5f ? v4f{} - 1.5f : qy;
            qy = ymax < qy ? v4f{} + ymax : qy;
            const v4i x0 = __builtin_convertvector(qx + 2.0f, v4i) - 2;
            const v4i y0 = __builtin_convertvector(qy + 2.0f, v4i) - 2;
            const v4f fx = qx - __builtin_convertvector(x0, v4f), fy = qy - __builtin_convertvector(y0, v4f);
            const v4i cell = y0 * (int32_t) pw + x0;
            const float * c0 = base + cell[0], * c1 = base + cell[1], * c2 = base + cell[2], * c3 = base + cell[3];
            const v4f p00 = { c0[0],  c1[0],  c2[0],  c3[0] },  p01 = { c0[1],      c1[1],      c2[1],      c3[1] };
            const v4f p10 = { c0[pw], c1[pw], c2[pw], c3[pw] }, p11 = { c0[pw + 1], c1[pw + 1], c2[pw + 1], c3[pw + 1] };
            const v4f v = (1 - fy) * ((1 - fx) * p00 + fx * p01) + fy * ((1 - fx) * p10 + fx * p11);
            memcpy(row + x, &v, sizeof(v));
        }
        for (; x < x_end; ++x) {
            float qx = qx0 + ix * (float) x;
            float qy = qy0 + iy * (float) x;
            if (ex) qx += ex[x];
            if (ey) qy += ey[x];
            qx = std::min(std::max(qx, -1.5f), xmax);
            qy = std::min(std::max(qy, -1.5f), ymax);
            const int64_t x0 = (int64_t) (qx + 2.0f) - 2; // floor, as qx + 2 > 0
            const int64_t y0 = (int64_t) (qy + 2.0f) - 2;
            const float   fx = qx - (float) x0, fy = qy - (float) y0;
            const float * p  = base + y0 * pw + x0;
            row[x] = (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[pw] + fx * p[pw + 1]);
        }
    }
}

static void augment_range(const ggml_opt_augment_params * p, float * data, int64_t begin, int64_t end, int64_t ifirst) {
    const int64_t n = p->width * p->height;
    const bool elastic = p->elastic > 0;
    std::vector<float> src(n), dx(elastic ? n : 0), dy(elastic ? n : 0);
    for (int64_t i = begin; i < end; ++i) {
        ggml_opt_augment_sample s;
        ggml_opt_augment_draw(p, ifirst + i, &s, elastic ? dx.data() : nullptr, elastic ? dy.data() : nullptr);
        float * img = data + i * n;
        std::copy(img, img + n, src.begin());
        ggml_opt_augment_image(src.data(), img, p->width, p->height, &s, elastic ? dx.data() : nullptr,
                               elastic ? dy.data() : nullptr);
    }
}

void ggml_opt_augment_images(const struct ggml_opt_augment_params * p, float * data, int64_t n, int64_t ifirst) {
    const int64_t nth = std::max<int64_t>(1, std::min<int64_t>(p->n_threads, n));
    if (nth == 1) {
        augment_range(p, data, 0, n, ifirst);
        return;
    }
    // Each image depends only on its own index, so any split gives the same bytes.
    std::vector<std::thread> workers;
    for (int64_t t = 1; t < nth; ++t) {
        workers.emplace_back(augment_range, p, data, t * n / nth, (t + 1) * n / nth, ifirst);
    }
    augment_range(p, data, 0, n / nth, ifirst);
    for (std::thread & th : workers) th.join();
}

void ggml_opt_augment_batch_transform(void * userdata, float * data, float * labels, int64_t ne_datapoint,
                                      int64_t ne_label, int64_t ndata_batch, int64_t ibatch) {
    const ggml_opt_augment_params * p = (const ggml_opt_augment_params *) userdata;
    GGML_ASSERT(ne_datapoint == p->width * p->height);
    ggml_opt_augment_images(p, data, ndata_batch, ibatch * ndata_batch);
}
