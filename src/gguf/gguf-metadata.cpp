// The key/value metadata store: lookup, typed getters and setters.

#include "gguf/gguf-impl.h"

#include <cstring>

size_t gguf_kv::n_elements() const {
    return type == GGUF_TYPE_STRING ? strings.size() : bytes.size() / gguf_type_size(type);
}

void gguf_check_not_null(const void * p, const char * what, const char * caller) {
    if (!p) GGML_ABORT("%s: %s is NULL", caller, what);
}

void gguf_check_key_id(const gguf_context * ctx, int64_t key_id, const char * caller) {
    gguf_check_not_null(ctx, "ctx", caller);
    if (key_id < 0 || key_id >= (int64_t) ctx->kv.size()) {
        GGML_ABORT("%s: key id %lld out of range (the context has %zu keys)", caller, (long long) key_id,
                   ctx->kv.size());
    }
}

static const char * kv_type_str(const gguf_kv & kv, char * buf, size_t size) {
    if (kv.is_array) {
        snprintf(buf, size, "array of %s", gguf_type_name(kv.type));
    } else {
        snprintf(buf, size, "%s", gguf_type_name(kv.type));
    }
    return buf;
}

// The pair key_id after checking that it holds one value of the given type.
static const gguf_kv & scalar_of_type(const gguf_context * ctx, int64_t key_id, gguf_type type, const char * caller) {
    gguf_check_key_id(ctx, key_id, caller);
    const gguf_kv & kv = ctx->kv[key_id];
    if (kv.is_array || kv.type != type) {
        char buf[64];
        GGML_ABORT("%s: key '%s' holds a %s, not a %s", caller, kv.key.c_str(), kv_type_str(kv, buf, sizeof buf),
                   gguf_type_name(type));
    }
    return kv;
}

static const gguf_kv & array_of_key(const gguf_context * ctx, int64_t key_id, const char * caller) {
    gguf_check_key_id(ctx, key_id, caller);
    const gguf_kv & kv = ctx->kv[key_id];
    if (!kv.is_array) {
        GGML_ABORT("%s: key '%s' holds a %s, not an array", caller, kv.key.c_str(), gguf_type_name(kv.type));
    }
    return kv;
}

template <typename T>
static T scalar_value(const gguf_context * ctx, int64_t key_id, gguf_type type, const char * caller) {
    const gguf_kv & kv = scalar_of_type(ctx, key_id, type, caller);
    T v;
    memcpy(&v, kv.bytes.data(), sizeof v);
    return v;
}

// ---------------------------------------------------------------------------------------------
// lookup

int64_t gguf_get_n_kv(const gguf_context * ctx) { gguf_check_not_null(ctx, "ctx", __func__); return (int64_t) ctx->kv.size(); }

int64_t gguf_find_key(const gguf_context * ctx, const char * key) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(key, "key", __func__);
    for (size_t i = 0; i < ctx->kv.size(); ++i) {
        if (ctx->kv[i].key == key) return (int64_t) i;
    }
    return -1;
}

const char * gguf_get_key(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_key_id(ctx, key_id, "gguf_get_key");
    return ctx->kv[key_id].key.c_str();
}

gguf_type gguf_get_kv_type(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_key_id(ctx, key_id, "gguf_get_kv_type");
    return ctx->kv[key_id].is_array ? GGUF_TYPE_ARRAY : ctx->kv[key_id].type;
}

gguf_type gguf_get_arr_type(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    return array_of_key(ctx, key_id, "gguf_get_arr_type").type;
}

// ---------------------------------------------------------------------------------------------
// getters

uint8_t  gguf_get_val_u8 (const gguf_context * c, int64_t id) { return scalar_value<uint8_t >(c, id, GGUF_TYPE_UINT8,   "gguf_get_val_u8"); }
int8_t   gguf_get_val_i8 (const gguf_context * c, int64_t id) { return scalar_value<int8_t  >(c, id, GGUF_TYPE_INT8,    "gguf_get_val_i8"); }
uint16_t gguf_get_val_u16(const gguf_context * c, int64_t id) { return scalar_value<uint16_t>(c, id, GGUF_TYPE_UINT16,  "gguf_get_val_u16"); }
int16_t  gguf_get_val_i16(const gguf_context * c, int64_t id) { return scalar_value<int16_t >(c, id, GGUF_TYPE_INT16,   "gguf_get_val_i16"); }
uint32_t gguf_get_val_u32(const gguf_context * c, int64_t id) { return scalar_value<uint32_t>(c, id, GGUF_TYPE_UINT32,  "gguf_get_val_u32"); }
int32_t  gguf_get_val_i32(const gguf_context * c, int64_t id) { return scalar_value<int32_t >(c, id, GGUF_TYPE_INT32,   "gguf_get_val_i32"); }
float    gguf_get_val_f32(const gguf_context * c, int64_t id) { return scalar_value<float   >(c, id, GGUF_TYPE_FLOAT32, "gguf_get_val_f32"); }
uint64_t gguf_get_val_u64(const gguf_context * c, int64_t id) { return scalar_value<uint64_t>(c, id, GGUF_TYPE_UINT64,  "gguf_get_val_u64"); }
int64_t  gguf_get_val_i64(const gguf_context * c, int64_t id) { return scalar_value<int64_t >(c, id, GGUF_TYPE_INT64,   "gguf_get_val_i64"); }
double   gguf_get_val_f64(const gguf_context * c, int64_t id) { return scalar_value<double  >(c, id, GGUF_TYPE_FLOAT64, "gguf_get_val_f64"); }

bool gguf_get_val_bool(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    return scalar_value<uint8_t>(ctx, key_id, GGUF_TYPE_BOOL, "gguf_get_val_bool") != 0;
}

const char * gguf_get_val_str(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    return scalar_of_type(ctx, key_id, GGUF_TYPE_STRING, "gguf_get_val_str").strings[0].c_str();
}

const void * gguf_get_val_data(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_key_id(ctx, key_id, "gguf_get_val_data");
    const gguf_kv & kv = ctx->kv[key_id];
    if (kv.is_array || kv.type == GGUF_TYPE_STRING) {
        char buf[64];
        GGML_ABORT("gguf_get_val_data: key '%s' holds a %s, not a fixed-size scalar", kv.key.c_str(),
                   kv_type_str(kv, buf, sizeof buf));
    }
    return kv.bytes.data();
}

size_t gguf_get_arr_n(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_key_id(ctx, key_id, "gguf_get_arr_n");
    return ctx->kv[key_id].n_elements();
}

// Like ggml, these also accept a scalar, which reads as an array of one element.
const void * gguf_get_arr_data(const gguf_context * ctx, int64_t key_id) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_key_id(ctx, key_id, "gguf_get_arr_data");
    const gguf_kv & kv = ctx->kv[key_id];
    if (kv.type == GGUF_TYPE_STRING) {
        GGML_ABORT("gguf_get_arr_data: key '%s' holds strings; use gguf_get_arr_str", kv.key.c_str());
    }
    return kv.bytes.data();
}

const char * gguf_get_arr_str(const gguf_context * ctx, int64_t key_id, size_t i) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_key_id(ctx, key_id, "gguf_get_arr_str");
    const gguf_kv & kv = ctx->kv[key_id];
    if (kv.type != GGUF_TYPE_STRING) {
        char buf[64];
        GGML_ABORT("gguf_get_arr_str: key '%s' holds a %s, not strings", kv.key.c_str(), kv_type_str(kv, buf, sizeof buf));
    }
    if (i >= kv.strings.size()) {
        GGML_ABORT("gguf_get_arr_str: index %zu out of range for key '%s' (%zu strings)", i, kv.key.c_str(),
                   kv.strings.size());
    }
    return kv.strings[i].c_str();
}

// ---------------------------------------------------------------------------------------------
// setters

// The alignment key decides the file layout, so it is checked here and the offsets follow it.
static void apply_alignment_key(gguf_context * ctx, const gguf_kv & kv) {
    uint32_t value = 0;
    if (!kv.is_array && kv.type == GGUF_TYPE_UINT32) memcpy(&value, kv.bytes.data(), sizeof value);
    if (kv.is_array || kv.type != GGUF_TYPE_UINT32 || !gguf_is_power_of_two(value) || value > GGUF_MAX_ALIGNMENT) {
        GGML_ABORT("gguf: '%s' must be a u32 power of two, at most %u", GGUF_KEY_GENERAL_ALIGNMENT,
                   (unsigned) GGUF_MAX_ALIGNMENT);
    }
    ctx->alignment = value;
    gguf_pack_offsets(ctx);
}

// Stores kv, replacing (and moving to the back) any pair with the same key.
static void store_kv(gguf_context * ctx, gguf_kv && kv) {
    if (kv.key == GGUF_KEY_GENERAL_ALIGNMENT) apply_alignment_key(ctx, kv);
    const int64_t old = gguf_find_key(ctx, kv.key.c_str());
    if (old >= 0) ctx->kv.erase(ctx->kv.begin() + old);
    ctx->kv.push_back(std::move(kv));
}

static gguf_kv make_kv(const char * key, gguf_type type, bool is_array) {
    if (!key) GGML_ABORT("gguf: key is NULL");
    gguf_kv kv;
    kv.key = key;
    kv.type = type;
    kv.is_array = is_array;
    return kv;
}

template <typename T>
static void set_scalar(gguf_context * ctx, const char * key, gguf_type type, T value) {
    gguf_kv kv = make_kv(key, type, false);
    kv.bytes.resize(sizeof value);
    memcpy(kv.bytes.data(), &value, sizeof value);
    store_kv(ctx, std::move(kv));
}

void gguf_set_val_u8 (gguf_context * c, const char * k, uint8_t  v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_UINT8,   v); }
void gguf_set_val_i8 (gguf_context * c, const char * k, int8_t   v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_INT8,    v); }
void gguf_set_val_u16(gguf_context * c, const char * k, uint16_t v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_UINT16,  v); }
void gguf_set_val_i16(gguf_context * c, const char * k, int16_t  v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_INT16,   v); }
void gguf_set_val_u32(gguf_context * c, const char * k, uint32_t v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_UINT32,  v); }
void gguf_set_val_i32(gguf_context * c, const char * k, int32_t  v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_INT32,   v); }
void gguf_set_val_f32(gguf_context * c, const char * k, float    v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_FLOAT32, v); }
void gguf_set_val_u64(gguf_context * c, const char * k, uint64_t v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_UINT64,  v); }
void gguf_set_val_i64(gguf_context * c, const char * k, int64_t  v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_INT64,   v); }
void gguf_set_val_f64(gguf_context * c, const char * k, double   v) { gguf_check_not_null(c, "ctx", __func__); gguf_check_not_null(k, "key", __func__); set_scalar(c, k, GGUF_TYPE_FLOAT64, v); }

void gguf_set_val_bool(gguf_context * ctx, const char * key, bool val) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(key, "key", __func__);
    set_scalar(ctx, key, GGUF_TYPE_BOOL, (uint8_t) (val ? 1 : 0));
}

void gguf_set_val_str(gguf_context * ctx, const char * key, const char * val) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(key, "key", __func__);
    if (!val) GGML_ABORT("gguf_set_val_str: value of key '%s' is NULL", key ? key : "(null)");
    gguf_kv kv = make_kv(key, GGUF_TYPE_STRING, false);
    kv.strings.emplace_back(val); // copied before store_kv can touch an old value val may point into
    store_kv(ctx, std::move(kv));
}

void gguf_set_arr_data(gguf_context * ctx, const char * key, gguf_type type, const void * data, size_t n) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(key, "key", __func__);
    const size_t elem = gguf_type_size(type);
    if (elem == 0) {
        GGML_ABORT("gguf_set_arr_data: key '%s': element type %d is not a fixed-size value type (strings: "
                   "gguf_set_arr_str; nested arrays are not supported)", key ? key : "(null)", (int) type);
    }
    if (n > 0 && !data) GGML_ABORT("gguf_set_arr_data: key '%s': data is NULL", key ? key : "(null)");
    size_t nbytes = 0;
    if (__builtin_mul_overflow(n, elem, &nbytes)) {
        GGML_ABORT("gguf_set_arr_data: key '%s': %zu elements of %zu bytes overflow size_t", key, n, elem);
    }
    gguf_kv kv = make_kv(key, type, true);
    kv.bytes.resize(nbytes);
    if (n > 0) memcpy(kv.bytes.data(), data, nbytes);
    store_kv(ctx, std::move(kv));
}

void gguf_set_arr_str(gguf_context * ctx, const char * key, const char ** data, size_t n) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(key, "key", __func__);
    gguf_kv kv = make_kv(key, GGUF_TYPE_STRING, true);
    kv.strings.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        if (!data[i]) GGML_ABORT("gguf_set_arr_str: key '%s': string %zu is NULL", key, i);
        kv.strings.emplace_back(data[i]);
    }
    store_kv(ctx, std::move(kv));
}

void gguf_set_kv(gguf_context * ctx, const gguf_context * src) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(src, "src", __func__);
    if (ctx == src) return;
    for (const gguf_kv & kv : src->kv) {
        gguf_kv copy = kv;
        store_kv(ctx, std::move(copy));
    }
}

int64_t gguf_remove_key(gguf_context * ctx, const char * key) {
    gguf_check_not_null(ctx, "ctx", __func__);
    gguf_check_not_null(key, "key", __func__);
    const int64_t id = gguf_find_key(ctx, key);
    if (id < 0) return -1;
    ctx->kv.erase(ctx->kv.begin() + id);
    if (strcmp(key, GGUF_KEY_GENERAL_ALIGNMENT) == 0) {
        ctx->alignment = GGUF_DEFAULT_ALIGNMENT;
        gguf_pack_offsets(ctx);
    }
    return id;
}
