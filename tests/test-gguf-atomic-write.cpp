// Writes are atomic: a failed write returns false with a message and leaves no file (and no
// temporary file) behind; a successful one replaces the previous file in one step.

#include "ggml.h"
#include "gguf.h"
#include "gguf-test-helpers.h"

#include <dirent.h>
#include <sys/stat.h>

using namespace gguf_test;

static counter g;
#define CHECK(cond) g.check((cond), #cond, __FILE__, __LINE__)

static std::vector<std::string> list_dir(const std::string & dir) {
    std::vector<std::string> names;
    DIR * d = opendir(dir.c_str());
    if (!d) return names;
    while (dirent * e = readdir(d)) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    }
    closedir(d);
    return names;
}

int main() {
    gguf_context * ctx = gguf_init_empty();
    gguf_set_val_str(ctx, "general.name", "atomic");
    ggml_init_params ip = {1024 * 1024, nullptr, false};
    ggml_context * src = ggml_init(ip);
    ggml_tensor * t = ggml_new_tensor_1d(src, GGML_TYPE_F32, 1000);
    ggml_set_name(t, "t");
    for (int i = 0; i < 1000; ++i) ((float *) t->data)[i] = (float) i;
    gguf_add_tensor(ctx, t);

    const std::string dir = temp_path("out");
    CHECK(mkdir(dir.c_str(), 0755) == 0);

    // a directory that does not exist
    {
        const std::string target = temp_path("missing-dir/model.gguf");
        bool ok = true;
        const std::string err = capture_stderr([&] { ok = gguf_write_to_file(ctx, target.c_str(), false); });
        CHECK(!ok);
        CHECK(!file_exists(target));
        CHECK(err.find("missing-dir/model.gguf") != std::string::npos);
    }

    // the target is a directory: the temporary file is written, the rename fails, nothing is left
    {
        const std::string target = dir + "/is-a-directory";
        CHECK(mkdir(target.c_str(), 0755) == 0);
        bool ok = true;
        const std::string err = capture_stderr([&] { ok = gguf_write_to_file(ctx, target.c_str(), false); });
        CHECK(!ok);
        CHECK(!err.empty());
        CHECK(list_dir(dir).size() == 1); // only the directory itself
        CHECK(list_dir(target).empty());
    }

    // a read-only directory (meaningless for root, who may write anyway)
    if (geteuid() != 0) {
        const std::string ro = temp_path("read-only");
        CHECK(mkdir(ro.c_str(), 0555) == 0);
        bool ok = true;
        const std::string err = capture_stderr([&] { ok = gguf_write_to_file(ctx, (ro + "/model.gguf").c_str(), false); });
        CHECK(!ok && !err.empty());
        CHECK(list_dir(ro).empty());
        chmod(ro.c_str(), 0755);
    }

    // success replaces an existing file and leaves nothing else behind
    {
        const std::string target = dir + "/model.gguf";
        write_file(target, std::vector<uint8_t>(10, 'x'));
        CHECK(gguf_write_to_file(ctx, target.c_str(), false));
        const std::vector<uint8_t> bytes = read_file(target);
        CHECK(bytes.size() == gguf_get_meta_size(ctx) + 4000);
        CHECK(bytes.size() > 4 && memcmp(bytes.data(), "GGUF", 4) == 0);
        CHECK(list_dir(dir).size() == 2); // the directory from above and model.gguf
        gguf_context * back = gguf_init_from_file(target.c_str(), {true, nullptr});
        CHECK(back && gguf_get_n_tensors(back) == 1);
        gguf_free(back);
        // the new file gets the permissions of any new file (umask applied), not private ones
        const std::string plain = dir + "/plain";
        write_file(plain, {});
        struct stat st, st_plain;
        CHECK(stat(target.c_str(), &st) == 0 && stat(plain.c_str(), &st_plain) == 0);
        CHECK((st.st_mode & 0777) == (st_plain.st_mode & 0777));
        unlink(plain.c_str());
    }

    gguf_free(ctx);
    ggml_free(src);
    return g.finish();
}
