// Random affine and elastic transforms of images, drawn per image from (seed, epoch, index) so
// that neither the thread count nor the batch size changes them. The maths is in
// include/ggml-opt-augment.h.

#include "ggml-opt-augment.h"

#include "ggml-cpu.h"
#include "opt/opt-impl.h"
#include "opt/opt-prng.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#    include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#    include "cpu/cpu-isa.h"
#    include <immintrin.h>
#    define AUGMENT_AVX2 1
#endif

static const double DEG = 3.14159265358979323846 / 180.0;

// Four lanes in the compiler's vector extension (SSE2 on x86-64, WebAssembly SIMD with
// -msimd128, plain scalar code elsewhere).
typedef float   v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));
typedef float   v2f __attribute__((vector_size(8)));

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

// Four bilinear samples at once: (qx, qy) are positions already clamped into the padded image,
// base its pixel (0, 0), pw its row pitch. Two 8-byte loads per sample fetch its 2x2 cell.
static v4f sample4(const float * base, int64_t pw, v4f qx, v4f qy) {
    // floor, as q + 2 > 0; the cell's offset is exact in float (|offset| < 2^24)
    const v4f x0 = __builtin_convertvector(__builtin_convertvector(qx + 2.0f, v4i), v4f) - 2.0f;
    const v4f y0 = __builtin_convertvector(__builtin_convertvector(qy + 2.0f, v4i), v4f) - 2.0f;
    const v4f fx = qx - x0, fy = qy - y0;
    const v4i cell = __builtin_convertvector(y0 * (float) pw + x0, v4i);
    v2f t[4], b[4];
    for (int k = 0; k < 4; ++k) {
        memcpy(&t[k], base + cell[k], sizeof(v2f));
        memcpy(&b[k], base + cell[k] + pw, sizeof(v2f));
    }
    const v4f t01 = __builtin_shufflevector(t[0], t[1], 0, 1, 2, 3), t23 = __builtin_shufflevector(t[2], t[3], 0, 1, 2, 3);
    const v4f b01 = __builtin_shufflevector(b[0], b[1], 0, 1, 2, 3), b23 = __builtin_shufflevector(b[2], b[3], 0, 1, 2, 3);
    const v4f p00 = __builtin_shufflevector(t01, t23, 0, 2, 4, 6), p01 = __builtin_shufflevector(t01, t23, 1, 3, 5, 7);
    const v4f p10 = __builtin_shufflevector(b01, b23, 0, 2, 4, 6), p11 = __builtin_shufflevector(b01, b23, 1, 3, 5, 7);
    return (1 - fy) * ((1 - fx) * p00 + fx * p01) + fy * ((1 - fx) * p10 + fx * p11);
}

// std::min(std::max(q, lo), hi) lane by lane: on x86 one maxps and one minps, which compute
// exactly that (the second operand when the first is not greater, or less)
static v4f clamp4(v4f q, v4f lo, v4f hi) {
#if defined(__SSE2__)
    return (v4f) _mm_min_ps(_mm_max_ps((__m128) q, (__m128) lo), (__m128) hi);
#else
    q = q > lo ? q : lo;
    return q < hi ? q : hi;
#endif
}

#if defined(AUGMENT_AVX2)
// Two adjacent floats into the low half of a register in one 8-byte load. Through memcpy, since
// the pair is only 4-byte aligned (a cast to double * would be a misaligned access).
__attribute__((target("avx2"))) static inline __m128 load_pair(const float * p) {
    double d;
    memcpy(&d, p, sizeof(d));
    return _mm_castpd_ps(_mm_set_sd(d));
}

// The pixels [x, x_end) of one output row in steps of eight, up to the last whole step: the same
// operations per lane and in the same order as the loops in augment_image (no FMA: the target
// leaves it out, so nothing is contracted), hence the same bytes. Returns the first pixel not
// done. Each 2x2 cell comes in two 8-byte loads (the processor's gathers measured slower).
__attribute__((target("avx2"))) static int64_t sample_row_avx2(const float * base, int64_t pw, float * row, int64_t x,
                                                               int64_t x_end, float qx0, float qy0, float ix, float iy,
                                                               const float * ex, const float * ey, float xmax, float ymax) {
    const __m256 lo = _mm256_set1_ps(-1.5f), hix = _mm256_set1_ps(xmax), hiy = _mm256_set1_ps(ymax);
    const __m256 one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f), eight = _mm256_set1_ps(8.0f);
    const __m256 pwf = _mm256_set1_ps((float) pw);
    const __m256 vqx0 = _mm256_set1_ps(qx0), vqy0 = _mm256_set1_ps(qy0), vix = _mm256_set1_ps(ix), viy = _mm256_set1_ps(iy);
    __m256 xs = _mm256_setr_ps((float) x, (float) (x + 1), (float) (x + 2), (float) (x + 3), (float) (x + 4),
                               (float) (x + 5), (float) (x + 6), (float) (x + 7));
    for (; x + 8 <= x_end; x += 8, xs = _mm256_add_ps(xs, eight)) {
        __m256 qx = _mm256_add_ps(vqx0, _mm256_mul_ps(vix, xs));
        __m256 qy = _mm256_add_ps(vqy0, _mm256_mul_ps(viy, xs));
        if (ex) qx = _mm256_add_ps(qx, _mm256_loadu_ps(ex + x));
        if (ey) qy = _mm256_add_ps(qy, _mm256_loadu_ps(ey + x));
        qx = _mm256_min_ps(_mm256_max_ps(qx, lo), hix);
        qy = _mm256_min_ps(_mm256_max_ps(qy, lo), hiy);
        const __m256 x0 = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvttps_epi32(_mm256_add_ps(qx, two))), two);
        const __m256 y0 = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvttps_epi32(_mm256_add_ps(qy, two))), two);
        const __m256 fx = _mm256_sub_ps(qx, x0), fy = _mm256_sub_ps(qy, y0);
        alignas(32) int32_t cell[8];
        _mm256_store_si256((__m256i *) cell, _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(y0, pwf), x0)));
        __m128 t[8], b[8]; // (p00, p01) and (p10, p11) of each pixel in the low half
        for (int k = 0; k < 8; ++k) {
            t[k] = load_pair(base + cell[k]);
            b[k] = load_pair(base + cell[k] + pw);
        }
        // lanes 0-3 from pixels 0-3 and lanes 4-7 from pixels 4-7, so that one shuffle per pair
        // of registers separates the left and the right pixels of the cells
        const __m256 t02 = _mm256_set_m128(_mm_movelh_ps(t[4], t[5]), _mm_movelh_ps(t[0], t[1]));
        const __m256 t13 = _mm256_set_m128(_mm_movelh_ps(t[6], t[7]), _mm_movelh_ps(t[2], t[3]));
        const __m256 b02 = _mm256_set_m128(_mm_movelh_ps(b[4], b[5]), _mm_movelh_ps(b[0], b[1]));
        const __m256 b13 = _mm256_set_m128(_mm_movelh_ps(b[6], b[7]), _mm_movelh_ps(b[2], b[3]));
        const __m256 p00 = _mm256_shuffle_ps(t02, t13, 0x88), p01 = _mm256_shuffle_ps(t02, t13, 0xdd);
        const __m256 p10 = _mm256_shuffle_ps(b02, b13, 0x88), p11 = _mm256_shuffle_ps(b02, b13, 0xdd);
        const __m256 gx = _mm256_sub_ps(one, fx), gy = _mm256_sub_ps(one, fy);
        const __m256 top = _mm256_add_ps(_mm256_mul_ps(gx, p00), _mm256_mul_ps(fx, p01));
        const __m256 bot = _mm256_add_ps(_mm256_mul_ps(gx, p10), _mm256_mul_ps(fx, p11));
        _mm256_storeu_ps(row + x, _mm256_add_ps(_mm256_mul_ps(gy, top), _mm256_mul_ps(fy, bot)));
    }
    return x;
}
#endif

// The body of ggml_opt_augment_image, built twice: for the baseline and for AVX2 (where the
// copy below runs eight lanes wide and the rows go through sample_row_avx2).
template <bool AVX2>
static inline __attribute__((always_inline)) void augment_image(const float * src, float * dst, int64_t w, int64_t h,
                                                                const ggml_opt_augment_sample * s, const float * dx,
                                                                const float * dy) {
    if (!dx && !dy && s->angle == 0.0f && s->scale == 1.0f && s->shear == 0.0f && s->tx == 0.0f && s->ty == 0.0f) {
        if (dst != src) memcpy(dst, src, (size_t) (w * h) * sizeof(float)); // the identity
        return;
    }
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
    // loop needs no branch. One buffer per thread, reused: its border stays zero, the interior
    // is overwritten below (all of src is read before dst is written, so they may be the same).
    const int64_t PAD = 2, pw = w + 2 * PAD;
    thread_local std::vector<float>    padded;
    thread_local std::vector<uint32_t> cols;
    if (padded.size() != (size_t) (pw * (h + 2 * PAD))) padded.assign(pw * (h + 2 * PAD), 0.0f);
    cols.assign(w, 0u);
    // Only positions within one pixel of the box around the non-zero input can read a non-zero
    // value (MNIST digits fill about half of the image). The box comes from the bits of the
    // values (sign cleared, so -0 counts as 0), OR-ed per column and per row: loops without
    // branches, which the compiler vectorizes, in the same pass as the copy.
    int64_t by0 = h, by1 = -1;
    for (int64_t y = 0; y < h; ++y) {
        const float * r = src + y * w;
        float * out = padded.data() + (y + PAD) * pw + PAD;
        uint32_t any = 0;
        for (int64_t x = 0; x < w; ++x) {
            uint32_t bits;
            memcpy(&bits, r + x, sizeof(bits));
            bits &= 0x7fffffffu;
            cols[x] |= bits;
            any |= bits;
            out[x] = r[x];
        }
        if (any) {
            by0 = std::min(by0, y);
            by1 = y;
        }
    }
    int64_t bx0 = 0, bx1 = w - 1;
    while (bx0 < w && cols[bx0] == 0) ++bx0;
    while (bx1 >= 0 && cols[bx1] == 0) --bx1;
    double dmax = 0.0;
    if (dx || dy) {
        for (int64_t i = 0; i < w * h; ++i) {
            dmax = std::max(dmax, (double) std::max(dx ? std::fabs(dx[i]) : 0.0f, dy ? std::fabs(dy[i]) : 0.0f));
        }
    }
    const float * base = padded.data() + PAD * pw + PAD;
    const float xmax = (float) w + 0.5f, ymax = (float) h + 0.5f;
    // the column at which a row's source position crosses a bound: one multiplication per bound
    const double r00 = i00 != 0.0 ? 1.0 / i00 : 0.0, r10 = i10 != 0.0 ? 1.0 / i10 : 0.0;

    // one fill for every pixel that the loop below leaves out (many small fills cost more)
    std::fill(dst, dst + w * h, 0.0f);
    if (bx1 < 0) return; // a blank input
    // First the range of every row, then the samples: the rows' samples do not wait for each
    // other, and without the setup's branches between them the processor overlaps their loads.
    struct row_span {
        int64_t y, x_begin, x_end;
        float   qx0, qy0;
    };
    thread_local std::vector<row_span> spans;
    spans.clear();
    for (int64_t y = 0; y < h; ++y) {
        const double py = y - cy - s->ty;
        // the source position moves by (i00, i10) per output column
        const double ax = i00 * (-cx - s->tx) + i01 * py + cx;
        const double ay = i10 * (-cx - s->tx) + i11 * py + cy;

        // Columns x where ax + i00 x and ay + i10 x both lie within (b0 - 1 - dmax, b1 + 1 + dmax),
        // widened by SLACK pixels: far more than the float positions of the loop below differ
        // from these (some 1e-5 pixels), so a pixel left out reads only zeros there as well and
        // the output is the same as if every pixel were computed.
        const double SLACK = 1e-3;
        double xlo = 0.0, xhi = (double) (w - 1);
        auto narrow = [&](double a, double b, double rb, double lo, double hi) {
            if (b == 0.0) {
                if (!(a > lo && a < hi)) xhi = -1.0;
                return;
            }
            const double t0 = (lo - a) * rb, t1 = (hi - a) * rb;
            xlo = std::max(xlo, std::min(t0, t1));
            xhi = std::min(xhi, std::max(t0, t1));
        };
        narrow(ax, i00, r00, bx0 - 1 - dmax - SLACK, bx1 + 1 + dmax + SLACK);
        narrow(ay, i10, r10, by0 - 1 - dmax - SLACK, by1 + 1 + dmax + SLACK);
        if (xhi < xlo) continue;
        int64_t x_begin = (int64_t) std::ceil(xlo);
        int64_t x_end   = (int64_t) std::floor(xhi) + 1;
        // Any output pixel may be computed (outside the range it comes out as the 0 it is), so
        // the range grows to whole groups of four where the row has room: fewer scalar pixels.
        const int64_t n4 = (x_end - x_begin + 3) / 4 * 4;
        if (n4 <= w) {
            x_end = std::min(w, x_begin + n4);
            x_begin = x_end - n4;
        }

        spans.push_back({ y, x_begin, x_end, (float) ax, (float) ay });
    }
    const float ix = (float) i00, iy = (float) i10;
    for (const row_span & span : spans) {
        const int64_t y = span.y, x_end = span.x_end;
        const float qx0 = span.qx0, qy0 = span.qy0;
        float * row = dst + y * w;
        const float * ex = dx ? dx + y * w : nullptr;
        const float * ey = dy ? dy + y * w : nullptr;
        int64_t x = span.x_begin;
        // Four pixels at a time: the same operations in the same order as the scalar loop below,
        // lane by lane (IEEE arithmetic, no contraction), so a pixel's bytes do not depend on
        // which loop computes it.
#if defined(AUGMENT_AVX2)
        if (AVX2) x = sample_row_avx2(base, pw, row, x, x_end, qx0, qy0, ix, iy, ex, ey, xmax, ymax);
#endif
        const v4f lo = v4f{} - 1.5f, hix = v4f{} + xmax, hiy = v4f{} + ymax;
        v4f xs = { (float) x, (float) (x + 1), (float) (x + 2), (float) (x + 3) }; // exact: x < 2^24
        for (; x + 4 <= x_end; x += 4, xs += 4.0f) {
            v4f qx = qx0 + ix * xs;
            v4f qy = qy0 + iy * xs;
            if (ex) qx += load4(ex + x);
            if (ey) qy += load4(ey + x);
            const v4f v = sample4(base, pw, clamp4(qx, lo, hix), clamp4(qy, lo, hiy));
            memcpy(row + x, &v, sizeof(v));
        }
        for (; x < x_end; ++x) {
            float qx = qx0 + ix * (float) x;
            float qy = qy0 + iy * (float) x;
            if (ex) qx += ex[x];
            if (ey) qy += ey[x];
            qx = std::min(std::max(qx, -1.5f), xmax);
            qy = std::min(std::max(qy, -1.5f), ymax);
            const float   x0 = (float) (int64_t) (qx + 2.0f) - 2.0f; // floor, as qx + 2 > 0
            const float   y0 = (float) (int64_t) (qy + 2.0f) - 2.0f;
            const float   fx = qx - x0, fy = qy - y0;
            const float * p  = base + (int64_t) (y0 * (float) pw + x0);
            row[x] = (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[pw] + fx * p[pw + 1]);
        }
    }
}

#if defined(AUGMENT_AVX2)
__attribute__((target("avx2"))) static void augment_image_avx2(const float * src, float * dst, int64_t w, int64_t h,
                                                               const ggml_opt_augment_sample * s, const float * dx,
                                                               const float * dy) {
    augment_image<true>(src, dst, w, h, s, dx, dy);
}
#endif

void ggml_opt_augment_image(const float * src, float * dst, int64_t w, int64_t h, const struct ggml_opt_augment_sample * s,
                            const float * dx, const float * dy) {
#if defined(AUGMENT_AVX2)
    // the CPU backend's choice, so that CGML_CPU_ISA=scalar runs (and tests) the baseline here too
    static const bool avx2 = cpu_isa_default() >= CPU_ISA_AVX2;
    if (avx2) {
        augment_image_avx2(src, dst, w, h, s, dx, dy);
        return;
    }
#endif
    augment_image<false>(src, dst, w, h, s, dx, dy);
}

namespace {

struct augment_job {
    const ggml_opt_augment_params * p;
    const float * const * src = nullptr; // where each image comes from (NULL: data, in place)
    float * data;
    int64_t n, ifirst;
    std::atomic<int64_t> next{0}; // the first image no thread has taken yet
};

} // namespace

// Images of a job, transformed in place, a few at a time as long as any are left: a thread that
// starts late (descheduled, or still waking up) finds less to do instead of holding up the others.
static void augment_part(void * ctx, int ith, int nth) {
    (void) ith; (void) nth;
    augment_job & job = *(augment_job *) ctx;
    const ggml_opt_augment_params * p = job.p;
    const int64_t n = p->width * p->height;
    const bool elastic = p->elastic > 0;
    thread_local std::vector<float> dx, dy;
    if (elastic) {
        dx.resize(n);
        dy.resize(n);
    }
    // A thread claims its next chunk before it transforms the current one, and while it works on
    // the current chunk's k-th image it asks for the next chunk's k-th: the sources lie in
    // shuffled order across the whole dataset, and reading them straight from memory stalled the
    // transform on its first loads (prefetched into the second-level cache: into the first, the
    // requests measured about half as effective).
    const int64_t CHUNK = 4;
    auto source = [&](int64_t i) { return (const char *) (job.src ? job.src[i] : job.data + i * n); };
    int64_t begin = job.next.fetch_add(CHUNK, std::memory_order_relaxed);
    while (begin < job.n) {
        const int64_t end = std::min(begin + CHUNK, job.n);
        const int64_t next = job.next.fetch_add(CHUNK, std::memory_order_relaxed);
        for (int64_t i = begin; i < end; ++i) {
            const int64_t ahead = next + (i - begin);
            if (ahead < job.n) {
                const char * from = source(ahead);
                for (int64_t b = 0; b < n * (int64_t) sizeof(float); b += 64) __builtin_prefetch(from + b, 0, 2);
            }
            ggml_opt_augment_sample s;
            ggml_opt_augment_draw(p, job.ifirst + i, &s, elastic ? dx.data() : nullptr, elastic ? dy.data() : nullptr);
            float * img = job.data + i * n;
            ggml_opt_augment_image(job.src ? job.src[i] : img, img, p->width, p->height, &s, elastic ? dx.data() : nullptr,
                                   elastic ? dy.data() : nullptr);
        }
        begin = next;
    }
}

void ggml_opt_augment_images(const struct ggml_opt_augment_params * p, float * data, int64_t n, int64_t ifirst) {
    ggml_opt_augment_images_from(p, nullptr, data, n, ifirst);
}

void ggml_opt_augment_images_from(const ggml_opt_augment_params * p, const float * const * src, float * data, int64_t n,
                                  int64_t ifirst) {
    augment_job job;
    job.p = p;
    job.src = src;
    job.data = data;
    job.n = n;
    job.ifirst = ifirst;
    // Each image depends only on its own index, so any split gives the same bytes.
    if (p->backend && n > 1) {
        ggml_backend_cpu_parallel_for(p->backend, augment_part, &job);
    } else {
        augment_part(&job, 0, 1);
    }
}

void ggml_opt_augment_batch_transform(void * userdata, float * data, float * labels, int64_t ne_datapoint,
                                      int64_t ne_label, int64_t ndata_batch, int64_t ibatch) {
    (void) labels; (void) ne_label;
    const ggml_opt_augment_params * p = (const ggml_opt_augment_params *) userdata;
    GGML_ASSERT(ne_datapoint == p->width * p->height);
    ggml_opt_augment_images(p, data, ndata_batch, ibatch * ndata_batch);
}
