// Replays the fuzzer's seed corpus (tests/fuzz/gguf-corpus): files named valid-* load, files
// named bad-* are rejected with a message, and none of them crashes the reader.

#include "ggml.h"
#include "gguf.h"
#include "gguf-test-helpers.h"

#include <dirent.h>
#include <string>

using namespace gguf_test;

static counter g;

static std::string corpus_dir() {
    const std::string here = __FILE__;
    const size_t slash = here.find_last_of('/');
    return (slash == std::string::npos ? std::string(".") : here.substr(0, slash)) + "/fuzz/gguf-corpus";
}

int main() {
    const std::string dir = corpus_dir();
    DIR * d = opendir(dir.c_str());
    if (!g.check(d != nullptr, "corpus directory exists", __FILE__, __LINE__)) return g.finish();
    int n_files = 0;
    while (dirent * e = readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        const std::string path = dir + "/" + name;
        const bool expect_valid = name.rfind("valid-", 0) == 0;
        const bool expect_bad = name.rfind("bad-", 0) == 0;
        for (int mode = 0; mode < 3; ++mode) {
            ggml_context * tensors = nullptr;
            gguf_context * ctx = nullptr;
            const std::string err = capture_stderr([&] {
                ctx = gguf_init_from_file(path.c_str(), {mode == 1, mode == 2 ? nullptr : &tensors});
            });
            if (expect_valid) g.check(ctx != nullptr && err.empty(), path.c_str(), __FILE__, __LINE__);
            if (expect_bad) g.check(ctx == nullptr && !err.empty(), path.c_str(), __FILE__, __LINE__);
            gguf_free(ctx);
            ggml_free(tensors);
        }
        n_files++;
    }
    closedir(d);
    printf("replayed %d corpus files\n", n_files);
    g.check(n_files >= 10, "the seed corpus has at least 10 files", __FILE__, __LINE__);
    return g.finish();
}
