// Atomic file replacement: write under a temporary name in the target's directory, then rename.
// rename() within one directory (one file system) replaces the target in a single step, so
// readers see either the old file or the complete new one, never a partial write.

#include "gguf/gguf-impl.h"
#include "core/ggml-impl.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

// Creates a fresh temporary file next to fname; returns its descriptor (or -1) and its name.
static int create_temp_beside(const std::string & fname, std::string & tmp_name) {
    static std::atomic<unsigned> counter{0};
    for (int attempt = 0; attempt < 100; ++attempt) {
        tmp_name = fname + ".tmp." + std::to_string((long) getpid()) + "." + std::to_string(counter++);
        const int fd = open(tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    return -1;
}

bool gguf_write_file_atomically(const char * fname, const char * caller,
                                bool (*write_body)(FILE * f, const void * user), const void * user) {
    std::string tmp_name;
    const int fd = create_temp_beside(fname, tmp_name);
    if (fd < 0) {
        GGML_LOG_ERROR("%s: cannot create a temporary file next to '%s': %s\n", caller, fname, strerror(errno));
        return false;
    }
    FILE * f = fdopen(fd, "wb");
    if (!f) {
        const int err = errno;
        close(fd);
        unlink(tmp_name.c_str());
        GGML_LOG_ERROR("%s: cannot open a stream for '%s': %s\n", caller, tmp_name.c_str(), strerror(err));
        return false;
    }

    const char * step = "write";
    bool ok = write_body(f, user);
    if (ok && fflush(f) != 0) ok = false;
    if (ok && fsync(fileno(f)) != 0) { step = "sync"; ok = false; }
    int err = ok ? 0 : errno;
    if (fclose(f) != 0 && ok) {
        step = "close";
        err = errno;
        ok = false;
    }
    if (ok && rename(tmp_name.c_str(), fname) != 0) {
        step = "rename the temporary file to";
        err = errno;
        ok = false;
    }
    if (!ok) {
        unlink(tmp_name.c_str());
        GGML_LOG_ERROR("%s: failed to %s '%s': %s\n", caller, step, fname, err ? strerror(err) : "I/O error");
    }
    return ok;
}
