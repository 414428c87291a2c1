// GGUF model files: key general.architecture plus one F32 tensor per weight.

#include "mnist-common.h"

#include "gguf.h"
#include "mnist-output.h"

#include <cmath>

#include <cinttypes>
#include <cstdio>

static std::string shape_str(const int64_t * ne) {
    char buf[96];
    snprintf(buf, sizeof(buf), "[%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64 "]", ne[0], ne[1], ne[2], ne[3]);
    return buf;
}

bool mnist_model_load(mnist_model & model, const std::string & fname, std::string & err) {
    // Check that the file exists first: the GGUF reader's own message then only covers bad content.
    FILE * probe = fopen(fname.c_str(), "rb");
    if (!probe) {
        err = fname + ": cannot open model file";
        return false;
    }
    fclose(probe);

    struct ggml_context * ctx_file = nullptr;
    struct gguf_init_params params = { /*no_alloc =*/ false, &ctx_file };
    // The reader's own error line becomes part of this one message (one line, not two).
    std::string reason;
    ggml_log_set([](enum ggml_log_level level, const char * text, void * user) {
        if (level == GGML_LOG_LEVEL_ERROR && ((std::string *) user)->empty()) *(std::string *) user = text;
    }, &reason);
    struct gguf_context * gguf = gguf_init_from_file(fname.c_str(), params);
    ggml_log_set(nullptr, nullptr);
    if (!gguf) {
        while (!reason.empty() && reason.back() == '\n') reason.pop_back();
        err = fname + ": not a valid GGUF file" + (reason.empty() ? "" : " (" + mnist_escape(reason) + ")");
        return false;
    }

    bool ok = true;
    const int64_t key = gguf_find_key(gguf, "general.architecture");
    if (key < 0) {
        err = fname + ": missing key general.architecture";
        ok = false;
    } else if (gguf_get_kv_type(gguf, key) != GGUF_TYPE_STRING) {
        err = fname + ": key general.architecture is not a string";
        ok = false;
    } else {
        model.arch = gguf_get_val_str(gguf, key);
        if (!mnist_arch_is_known(model.arch)) {
            err = fname + ": unsupported architecture '" + mnist_escape(model.arch) + "' (expected mnist-fc or mnist-cnn)";
            ok = false;
        }
    }

    const std::vector<mnist_tensor_spec> specs = ok ? mnist_arch_tensors(model.arch) : std::vector<mnist_tensor_spec>();
    for (const mnist_tensor_spec & spec : specs) {
        if (!ok) {
            break;
        }
        const ggml_tensor * t = ggml_get_tensor(ctx_file, spec.name);
        if (!t) {
            err = fname + ": tensor " + spec.name + " is missing";
            ok = false;
        } else if (t->type != GGML_TYPE_F32) {
            err = fname + ": tensor " + spec.name + " has type " + ggml_type_name(t->type) + ", expected f32";
            ok = false;
        } else if (t->ne[0] != spec.ne[0] || t->ne[1] != spec.ne[1] || t->ne[2] != spec.ne[2] || t->ne[3] != spec.ne[3]) {
            err = fname + ": tensor " + spec.name + " has shape " + shape_str(t->ne) + ", expected " + shape_str(spec.ne);
            ok = false;
        }
    }
    if (ok && gguf_get_n_tensors(gguf) != (int64_t) specs.size()) {
        for (int64_t i = 0; i < gguf_get_n_tensors(gguf); ++i) {
            const char * name = gguf_get_tensor_name(gguf, i);
            bool expected = false;
            for (const mnist_tensor_spec & spec : specs) {
                expected = expected || std::string(spec.name) == name;
            }
            if (!expected) {
                err = fname + ": unexpected tensor " + mnist_escape(name) + " for architecture " + model.arch;
                ok = false;
                break;
            }
        }
    }

    if (ok) {
        ok = mnist_model_create_tensors(model, err);
    }
    if (ok) {
        for (const mnist_tensor_spec & spec : specs) {
            const ggml_tensor * src = ggml_get_tensor(ctx_file, spec.name);
            ggml_tensor       * dst = ggml_get_tensor(model.ctx_static, spec.name);
            ggml_backend_tensor_set(dst, src->data, 0, ggml_nbytes(dst));
        }
    }

    gguf_free(gguf);
    ggml_free(ctx_file);
    return ok;
}

bool mnist_model_check_finite(const mnist_model & model, const std::string & what, std::string & err) {
    for (const mnist_tensor_spec & spec : mnist_arch_tensors(model.arch)) {
        const ggml_tensor * t = ggml_get_tensor(model.ctx_static, spec.name);
        std::vector<float> v(ggml_nelements(t));
        ggml_backend_tensor_get(t, v.data(), 0, ggml_nbytes(t));
        for (size_t i = 0; i < v.size(); ++i) {
            if (!std::isfinite(v[i])) {
                err = what + " tensor " + spec.name + " has a non-finite weight (" + std::to_string(v[i]) + " at index " +
                      std::to_string(i) + "); try a smaller --lr or --init-std";
                return false;
            }
        }
    }
    return true;
}

// The GGUF file layout: metadata, then each tensor's data padded to the alignment.
// tensors: in the order they were added to gguf.
static bool mnist_model_write(const gguf_context * gguf, const std::vector<const ggml_tensor *> & tensors, FILE * f,
                              const std::string & fname, std::string & err) {
    std::vector<uint8_t> bytes(gguf_get_meta_size(gguf));
    gguf_get_meta_data(gguf, bytes.data());
    bool ok = fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    const size_t align = gguf_get_alignment(gguf);
    const std::vector<uint8_t> zeros(align, 0);
    for (const ggml_tensor * t : tensors) {
        if (!ok) break;
        const size_t nbytes = ggml_nbytes(t);
        const size_t pad = (align - nbytes % align) % align;
        ok = fwrite(t->data, 1, nbytes, f) == nbytes && fwrite(zeros.data(), 1, pad, f) == pad;
    }
    if (!ok) {
        err = fname + ": failed to write the model file";
    }
    return ok;
}

bool mnist_model_save(const mnist_model & model, const std::string & fname, std::string & err,
                      mnist_staged_file * stage) {
    const std::vector<mnist_tensor_spec> specs = mnist_arch_tensors(model.arch);

    // Host copies of the weights, which may live on any backend.
    size_t nbytes = 0;
    for (const mnist_tensor_spec & spec : specs) {
        nbytes += ggml_nbytes(ggml_get_tensor(model.ctx_static, spec.name)) + GGML_MEM_ALIGN;
    }
    struct ggml_init_params params = { nbytes + specs.size()*ggml_tensor_overhead(), nullptr, /*no_alloc =*/ false };
    struct ggml_context * ctx_host = ggml_init(params);

    struct gguf_context * gguf = gguf_init_empty();
    gguf_set_val_str(gguf, "general.architecture", model.arch.c_str());
    for (const mnist_tensor_spec & spec : specs) {
        const ggml_tensor * t    = ggml_get_tensor(model.ctx_static, spec.name);
        ggml_tensor       * copy = ggml_dup_tensor(ctx_host, t);
        ggml_set_name(copy, spec.name);
        ggml_backend_tensor_get(t, copy->data, 0, ggml_nbytes(t));
        gguf_add_tensor(gguf, copy);
    }

    std::vector<const ggml_tensor *> tensors;
    for (const mnist_tensor_spec & spec : specs) {
        tensors.push_back(ggml_get_tensor(ctx_host, spec.name));
    }
    bool ok = mnist_model_check_finite(model, fname + ": not saved:", err);
    ok = ok && (stage ? mnist_model_write(gguf, tensors, stage->stream(), fname, err)
                      : mnist_write_atomically(fname, err, [&](FILE * f) { return mnist_model_write(gguf, tensors, f, fname, err); }));
    gguf_free(gguf);
    ggml_free(ctx_host);
    return ok;
}
