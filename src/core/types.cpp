// Element types: sizes, names and conversions (F16 <-> F32).

#include "core/ggml-impl.h"

#include <cmath>

// Half precision conversion by bit manipulation, round to nearest even; portable (no F16C needed).
float ggml_fp16_to_fp32(ggml_fp16_t h) {
    const uint32_t sign = (uint32_t) (h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: normalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400) == 0) { mant <<= 1; exp--; }
            mant &= 0x3ff;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

ggml_fp16_t ggml_fp32_to_fp16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000;
    const uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) { // inf or nan
        return (ggml_fp16_t) (sign | 0x7c00 | (absx > 0x7f800000u ? 0x200 : 0));
    }
    if (absx >= 0x477ff000u) { // rounds to >= 65520: overflow to inf
        return (ggml_fp16_t) (sign | 0x7c00);
    }
    if (absx < 0x38800000u) { // below the smallest normal half: subnormal or zero
        float a;
        memcpy(&a, &absx, 4);
        // a * 2^24 is the subnormal mantissa; nearbyint rounds half to even
        const uint32_t m = (uint32_t) std::nearbyint(a * 16777216.0f);
        return (ggml_fp16_t) (sign | m);
    }
    const uint32_t exp = ((absx >> 23) - 127 + 15) << 10;
    const uint32_t mant = absx & 0x7fffff;
    uint32_t h = exp | (mant >> 13);
    const uint32_t rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++; // carries into the exponent correctly
    return (ggml_fp16_t) (sign | h);
}

void ggml_fp16_to_fp32_row(const ggml_fp16_t * x, float * y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = ggml_fp16_to_fp32(x[i]);
}
void ggml_fp32_to_fp16_row(const float * x, ggml_fp16_t * y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = ggml_fp32_to_fp16(x[i]);
}

static void f16_to_float(const void * x, float * y, int64_t k) { ggml_fp16_to_fp32_row((const ggml_fp16_t *) x, y, k); }
static void float_to_f16(const float * x, void * y, int64_t k) { ggml_fp32_to_fp16_row(x, (ggml_fp16_t *) y, k); }
static void f32_to_float(const void * x, float * y, int64_t k) { memcpy(y, x, k * sizeof(float)); }
static void float_to_f32(const float * x, void * y, int64_t k) { memcpy(y, x, k * sizeof(float)); }

static const ggml_type_traits TRAITS_F32 = {"f32", 1, 0, sizeof(float),       false, f32_to_float, float_to_f32};
static const ggml_type_traits TRAITS_F16 = {"f16", 1, 0, sizeof(ggml_fp16_t), false, f16_to_float, float_to_f16};
static const ggml_type_traits TRAITS_I8  = {"i8",  1, 0, sizeof(int8_t),      false, nullptr, nullptr};
static const ggml_type_traits TRAITS_I16 = {"i16", 1, 0, sizeof(int16_t),     false, nullptr, nullptr};
static const ggml_type_traits TRAITS_I32 = {"i32", 1, 0, sizeof(int32_t),     false, nullptr, nullptr};
static const ggml_type_traits TRAITS_I64 = {"i64", 1, 0, sizeof(int64_t),     false, nullptr, nullptr};

// NULL for a type this library does not support.
const ggml_type_traits * ggml_get_type_traits(ggml_type type) {
    switch (type) {
        case GGML_TYPE_F32: return &TRAITS_F32;
        case GGML_TYPE_F16: return &TRAITS_F16;
        case GGML_TYPE_I8:  return &TRAITS_I8;
        case GGML_TYPE_I16: return &TRAITS_I16;
        case GGML_TYPE_I32: return &TRAITS_I32;
        case GGML_TYPE_I64: return &TRAITS_I64;
        default:            return nullptr;
    }
}

static const ggml_type_traits & traits_or_abort(ggml_type type) {
    const ggml_type_traits * t = ggml_get_type_traits(type);
    if (!t) GGML_ABORT("unsupported tensor type %d", (int) type);
    return *t;
}

int64_t ggml_blck_size(ggml_type type) { return traits_or_abort(type).blck_size; }
size_t  ggml_type_size(ggml_type type) { return traits_or_abort(type).type_size; }
size_t  ggml_row_size(ggml_type type, int64_t ne) { return ggml_type_size(type) * ne / ggml_blck_size(type); }
bool    ggml_is_quantized(ggml_type type) { return false; }

const char * ggml_type_name(ggml_type type) {
    const ggml_type_traits * t = ggml_get_type_traits(type);
    return t ? t->type_name : "NONE";
}

// bfloat16 keeps the upper 16 bits of a single: widening is exact; narrowing adds half an ulp
// of the kept part (less one, plus the kept lowest bit: ties go to even) before truncating.
// A NaN only truncates, with the quiet bit set so that no NaN turns into an infinity.
ggml_bf16_t ggml_fp32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    ggml_bf16_t h;
    if ((x & 0x7fffffffu) > 0x7f800000u) {
        h.bits = (uint16_t) ((x >> 16) | 0x40);
    } else {
        h.bits = (uint16_t) ((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
    }
    return h;
}

float ggml_bf16_to_fp32(ggml_bf16_t h) {
    const uint32_t x = (uint32_t) h.bits << 16;
    float f;
    memcpy(&f, &x, 4);
    return f;
}

void ggml_bf16_to_fp32_row(const ggml_bf16_t * x, float * y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = ggml_bf16_to_fp32(x[i]);
}

void ggml_fp32_to_bf16_row_ref(const float * x, ggml_bf16_t * y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = ggml_fp32_to_bf16(x[i]);
}

void ggml_fp32_to_bf16_row(const float * x, ggml_bf16_t * y, int64_t n) { ggml_fp32_to_bf16_row_ref(x, y, n); }

ggml_type ggml_ftype_to_ggml_type(ggml_ftype ftype) {
    switch (ftype) {
        case GGML_FTYPE_ALL_F32:    return GGML_TYPE_F32;
        case GGML_FTYPE_MOSTLY_F16: return GGML_TYPE_F16;
        default:                    return GGML_TYPE_COUNT;
    }
}
