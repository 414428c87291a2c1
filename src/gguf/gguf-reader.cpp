// Parsing and validation of a GGUF file's metadata. Nothing read from the file is trusted: every
// count and length is compared with the bytes left before anything is allocated for it.

#include "gguf/gguf-reader.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_set>

namespace {

// The fewest bytes a key/value pair can take: key length, value type, a one-byte value.
constexpr uint64_t MIN_KV_BYTES = 8 + 4 + 1;
// The fewest bytes a tensor info can take: name length, n_dims (0), type, offset.
constexpr uint64_t MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

struct tensor_record {
    uint64_t info_pos;   // where the tensor's info starts, for messages
    uint64_t offset_pos; // where its offset field is
    uint64_t nbytes;
};

class meta_parser {
public:
    explicit meta_parser(gguf_file_cursor & cur) : cur_(cur), ctx_(new gguf_context()) {}

    gguf_context * parse() {
        if (!header() || !key_values() || !tensor_infos() || !data_layout()) return nullptr;
        return ctx_.release();
    }

private:
    gguf_file_cursor &            cur_;
    std::unique_ptr<gguf_context> ctx_;
    uint64_t                      n_tensors_ = 0;
    uint64_t                      n_kv_      = 0;
    std::vector<tensor_record>    records_;

    bool header() {
        char magic[4];
        if (!cur_.read_raw(magic, 4, "magic")) return false;
        if (memcmp(magic, GGUF_MAGIC, 4) != 0) {
            return cur_.fail(0, "not a GGUF file: magic is %02x %02x %02x %02x, expected \"GGUF\"",
                             (uint8_t) magic[0], (uint8_t) magic[1], (uint8_t) magic[2], (uint8_t) magic[3]);
        }
        uint32_t version = 0;
        if (!cur_.read(version, "version")) return false;
        if (version != 0 && (version & 0xffffu) == 0) {
            return cur_.fail(4, "version field is 0x%08x: a byte-swapped (big-endian) file, which is not supported",
                             version);
        }
        // version 2 has the same layout as 3 (3 only added big-endian files); 1 used 32-bit counts
        if (version < 2 || version > GGUF_VERSION) {
            return cur_.fail(4, "unsupported GGUF version %u (supported: 2 and 3)", version);
        }
        ctx_->version = version;

        if (!cur_.read(n_tensors_, "tensor count") || !cur_.read(n_kv_, "key/value count")) return false;
        const uint64_t left = cur_.remaining();
        if (n_kv_ > left / MIN_KV_BYTES) {
            return cur_.fail(16, "key/value count %llu is more than the %llu bytes left could hold",
                             (unsigned long long) n_kv_, (unsigned long long) left);
        }
        if (n_tensors_ > left / MIN_TENSOR_INFO_BYTES ||
            n_kv_ * MIN_KV_BYTES + n_tensors_ * MIN_TENSOR_INFO_BYTES > left) {
            return cur_.fail(8, "tensor count %llu is more than the %llu bytes left could hold",
                             (unsigned long long) n_tensors_, (unsigned long long) left);
        }
        return true;
    }

    bool value_type(int32_t & type, const char * what) {
        const uint64_t at = cur_.pos();
        if (!cur_.read(type, what)) return false;
        if (!gguf_type_is_valid(type)) return cur_.fail(at, "unknown value type %d in %s", type, what);
        return true;
    }

    // n values of a non-array type into kv.
    bool values(gguf_kv & kv, uint64_t n) {
        if (kv.type == GGUF_TYPE_STRING) {
            // each string takes at least its 8-byte length
            if (n > cur_.remaining() / 8) {
                return cur_.fail(cur_.pos(), "key '%s': %llu strings do not fit in the %llu bytes left",
                                 kv.key.c_str(), (unsigned long long) n, (unsigned long long) cur_.remaining());
            }
            kv.strings.resize((size_t) n);
            for (std::string & s : kv.strings) {
                if (!cur_.read_string(s, "string value")) return false;
            }
            return true;
        }
        const uint64_t elem = gguf_type_size(kv.type);
        if (n > cur_.remaining() / elem) {
            return cur_.fail(cur_.pos(), "key '%s': %llu values of type %s do not fit in the %llu bytes left",
                             kv.key.c_str(), (unsigned long long) n, gguf_type_name(kv.type),
                             (unsigned long long) cur_.remaining());
        }
        const uint64_t at = cur_.pos();
        kv.bytes.resize((size_t) (n * elem));
        if (!cur_.read_raw(kv.bytes.data(), n * elem, "value")) return false;
        if (kv.type == GGUF_TYPE_BOOL) {
            for (size_t i = 0; i < kv.bytes.size(); ++i) {
                if (kv.bytes[i] > 1) {
                    return cur_.fail(at + i, "key '%s': bool value %u is neither 0 nor 1", kv.key.c_str(),
                                     kv.bytes[i]);
                }
            }
        }
        return true;
    }

    bool alignment_key(const gguf_kv & kv, uint64_t key_pos, uint64_t value_pos) {
        if (kv.is_array || kv.type != GGUF_TYPE_UINT32) {
            return cur_.fail(key_pos, "'%s' has type %s, expected u32", GGUF_KEY_GENERAL_ALIGNMENT,
                             kv.is_array ? "arr" : gguf_type_name(kv.type));
        }
        uint32_t alignment;
        memcpy(&alignment, kv.bytes.data(), sizeof alignment);
        if (!gguf_is_power_of_two(alignment)) {
            return cur_.fail(value_pos, "'%s' is %u, which is not a power of two", GGUF_KEY_GENERAL_ALIGNMENT,
                             alignment);
        }
        // the same cap as ggml's reader (see GGUF_MAX_ALIGNMENT): a 57-byte file must not cost
        // gigabytes of padding when it is measured or written back
        if (alignment > GGUF_MAX_ALIGNMENT) {
            return cur_.fail(value_pos, "'%s' is %u, more than the supported %u", GGUF_KEY_GENERAL_ALIGNMENT,
                             alignment, (unsigned) GGUF_MAX_ALIGNMENT);
        }
        ctx_->alignment = alignment;
        return true;
    }

    bool key_values() {
        std::unordered_set<std::string> seen;
        ctx_->kv.reserve((size_t) n_kv_);
        for (uint64_t i = 0; i < n_kv_; ++i) {
            const uint64_t key_pos = cur_.pos();
            gguf_kv kv;
            if (!cur_.read_string(kv.key, "key")) return false;
            if (kv.key.find('\0') != std::string::npos) return cur_.fail(key_pos, "key contains a NUL byte");
            if (!seen.insert(kv.key).second) return cur_.fail(key_pos, "duplicate key '%s'", kv.key.c_str());

            int32_t type = 0;
            if (!value_type(type, "value type")) return false;
            uint64_t n = 1;
            if (type == GGUF_TYPE_ARRAY) {
                kv.is_array = true;
                const uint64_t elem_type_pos = cur_.pos();
                if (!value_type(type, "array element type")) return false;
                if (type == GGUF_TYPE_ARRAY) {
                    return cur_.fail(elem_type_pos, "key '%s': nested arrays are not supported", kv.key.c_str());
                }
                if (!cur_.read(n, "array length")) return false;
            }
            kv.type = (gguf_type) type;
            const uint64_t value_pos = cur_.pos();
            if (!values(kv, n)) return false;
            if (kv.key == GGUF_KEY_GENERAL_ALIGNMENT && !alignment_key(kv, key_pos, value_pos)) return false;
            // the architecture names code paths: "mnist-fc\0x" must not pass as mnist-fc
            if (kv.key == "general.architecture" && kv.type == GGUF_TYPE_STRING && !kv.is_array &&
                kv.strings[0].find('\0') != std::string::npos) {
                return cur_.fail(value_pos, "'general.architecture' contains a NUL byte");
            }
            ctx_->kv.push_back(std::move(kv));
        }
        return true;
    }

    bool tensor_info(std::unordered_set<std::string> & seen) {
        tensor_record rec = {cur_.pos(), 0, 0};
        std::string name;
        if (!cur_.read_string(name, "tensor name", GGML_MAX_NAME)) return false;
        if (name.find('\0') != std::string::npos) return cur_.fail(rec.info_pos, "tensor name contains a NUL byte");
        if (!seen.insert(name).second) return cur_.fail(rec.info_pos, "duplicate tensor name '%s'", name.c_str());

        const uint64_t dims_pos = cur_.pos();
        uint32_t n_dims = 0;
        if (!cur_.read(n_dims, "tensor dimension count")) return false;
        if (n_dims > GGML_MAX_DIMS) {
            return cur_.fail(dims_pos, "tensor '%s' has %u dimensions (at most %d)", name.c_str(), n_dims,
                             GGML_MAX_DIMS);
        }
        int64_t ne[GGML_MAX_DIMS] = {1, 1, 1, 1};
        for (uint32_t d = 0; d < n_dims; ++d) {
            const uint64_t at = cur_.pos();
            if (!cur_.read(ne[d], "tensor dimension")) return false;
            if (ne[d] < 0) {
                return cur_.fail(at, "tensor '%s' has negative dimension ne[%u] = %lld", name.c_str(), d,
                                 (long long) ne[d]);
            }
        }
        const uint64_t type_pos = cur_.pos();
        int32_t type = 0;
        if (!cur_.read(type, "tensor type")) return false;
        if (!gguf_tensor_type_is_supported(type)) {
            return cur_.fail(type_pos, "tensor '%s' has unknown tensor type %d", name.c_str(), type);
        }

        // element count and byte size must fit in int64_t, as ggml computes with both
        int64_t nbytes = (int64_t) ggml_type_size((ggml_type) type);
        for (int d = 0; d < GGML_MAX_DIMS; ++d) {
            if (__builtin_mul_overflow(nbytes, ne[d], &nbytes)) {
                return cur_.fail(dims_pos, "tensor '%s' byte size overflows ([%lld, %lld, %lld, %lld] of %s)",
                                 name.c_str(), (long long) ne[0], (long long) ne[1], (long long) ne[2],
                                 (long long) ne[3], ggml_type_name((ggml_type) type));
            }
        }
        rec.nbytes = (uint64_t) nbytes;

        gguf_tensor_info info;
        rec.offset_pos = cur_.pos();
        if (!cur_.read(info.offset, "tensor data offset")) return false;
        gguf_describe_tensor(&info.t, name.c_str(), (ggml_type) type, ne);
        ctx_->tensors.push_back(info);
        records_.push_back(rec);
        return true;
    }

    bool tensor_infos() {
        std::unordered_set<std::string> seen;
        ctx_->tensors.reserve((size_t) n_tensors_);
        records_.reserve((size_t) n_tensors_);
        for (uint64_t i = 0; i < n_tensors_; ++i) {
            if (!tensor_info(seen)) return false;
        }
        return true;
    }

    // Every tensor's data must start on the alignment and lie inside the file without overlap.
    bool data_layout() {
        ctx_->data_offset = gguf_pad(cur_.pos(), ctx_->alignment);
        const uint64_t data_size = cur_.size() > ctx_->data_offset ? cur_.size() - ctx_->data_offset : 0;
        const std::vector<gguf_tensor_info> & tensors = ctx_->tensors;

        for (size_t i = 0; i < tensors.size(); ++i) {
            const uint64_t offset = tensors[i].offset;
            if (offset % ctx_->alignment != 0) {
                return cur_.fail(records_[i].offset_pos, "tensor '%s' data offset %llu is not a multiple of the alignment %zu",
                                 tensors[i].t.name, (unsigned long long) offset, ctx_->alignment);
            }
            if (offset > data_size || records_[i].nbytes > data_size - offset) {
                return cur_.fail(records_[i].offset_pos,
                                 "tensor '%s' data (offset %llu, %llu bytes) extends past the end of the file "
                                 "(the data section holds %llu bytes)",
                                 tensors[i].t.name, (unsigned long long) offset,
                                 (unsigned long long) records_[i].nbytes, (unsigned long long) data_size);
            }
        }

        std::vector<size_t> order(tensors.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return tensors[a].offset != tensors[b].offset ? tensors[a].offset < tensors[b].offset : a < b;
        });
        // empty tensors occupy no bytes and may share an offset with anything
        size_t prev = SIZE_MAX;
        for (size_t i : order) {
            if (records_[i].nbytes == 0) continue;
            if (prev != SIZE_MAX && tensors[prev].offset + records_[prev].nbytes > tensors[i].offset) {
                return cur_.fail(records_[i].offset_pos, "tensor '%s' data (offset %llu) overlaps tensor '%s' "
                                 "(offset %llu, %llu bytes)", tensors[i].t.name,
                                 (unsigned long long) tensors[i].offset, tensors[prev].t.name,
                                 (unsigned long long) tensors[prev].offset, (unsigned long long) records_[prev].nbytes);
            }
            prev = i;
        }
        return true;
    }
};

} // namespace

gguf_context * gguf_read_meta(gguf_file_cursor & cur) {
    meta_parser parser(cur);
    return parser.parse();
}
