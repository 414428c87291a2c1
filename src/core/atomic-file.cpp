// The one atomic-write implementation of the library and its programs (ggml-atomic-file.h):
// exclusive temp beside the target, fsync, rename; all-or-none commits of several files; temps
// removed on every error path, from signal handlers, and after a killed run.

#include "ggml-atomic-file.h"

#include "core/ggml-impl.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <new>
#include <random>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

struct ggml_atomic_file {
    std::string path;
    std::string tmp;      // empty once renamed or removed
    FILE *      f    = nullptr;
    int         slot = -1; // in the signal-safe table of pending temps
};

// ---------------------------------------------------------------------------------------------
// The table of pending temps a signal handler may unlink: fixed storage, no allocation; a slot
// is published (in_use = 1) only after its name is complete. A file without a slot (table full,
// path too long) is still written atomically, only not removed by a signal.

namespace {

constexpr int MAX_PENDING = 32;

struct pending_slot {
    volatile sig_atomic_t in_use;
    char                  name[PATH_MAX];
};
pending_slot g_pending[MAX_PENDING];

int pending_add(const std::string & name) {
    if (name.size() >= PATH_MAX) return -1;
    for (int i = 0; i < MAX_PENDING; ++i) {
        if (!g_pending[i].in_use) {
            memcpy(g_pending[i].name, name.c_str(), name.size() + 1);
            g_pending[i].in_use = 1;
            return i;
        }
    }
    return -1;
}

void pending_remove(int slot) {
    if (slot >= 0) g_pending[slot].in_use = 0;
}

// One message line into err, with the path's control characters escaped.
bool failf(char * err, size_t err_size, const char * path, const char * fmt, ...) GGML_ATTRIBUTE_FORMAT(4, 5);
bool failf(char * err, size_t err_size, const char * path, const char * fmt, ...) {
    if (!err || err_size == 0) return false;
    char shown[4 * PATH_MAX];
    ggml_escape_controls(path, strlen(path), shown, sizeof shown);
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(err, err_size, "%s: %s", shown, what);
    return false;
}

std::string folder_of(const std::string & path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::string base_of(const std::string & path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Temps of this target left by a process that no longer runs: `.NAME.tmp.PID.*` with a dead PID
// (and the `.old` links of an interrupted commit_all, which share the name). A live process's temp,
// or one of another user's process (EPERM), is kept.
void remove_stale_temps(const std::string & path) {
    const std::string dir    = folder_of(path);
    const std::string prefix = "." + base_of(path) + ".tmp.";
    DIR * d = opendir(dir.c_str());
    if (!d) return;
    while (const dirent * e = readdir(d)) {
        const char * name = e->d_name;
        if (strncmp(name, prefix.c_str(), prefix.size()) != 0) continue;
        char * end = nullptr;
        errno = 0;
        const long pid = strtol(name + prefix.size(), &end, 10);
        if (errno != 0 || pid <= 0 || pid > INT_MAX || *end != '.' || pid == (long) getpid()) continue;
        if (kill(pid_t(pid), 0) != 0 && errno == ESRCH) unlink((dir + "/" + name).c_str());
    }
    closedir(d);
}

// Closes the stream (if open) and removes the temp (if any); the target is untouched.
void drop_temp(ggml_atomic_file * file) {
    if (file->f) {
        fclose(file->f);
        file->f = nullptr;
    }
    if (!file->tmp.empty()) {
        unlink(file->tmp.c_str());
        file->tmp.clear();
    }
    pending_remove(file->slot);
    file->slot = -1;
}

// Flushes, fsyncs and closes the temp. On failure the temp is removed.
bool finish(ggml_atomic_file * file, char * err, size_t err_size) {
    const char * step = "write";
    bool ok = ferror(file->f) == 0 && fflush(file->f) == 0;
    int  e  = ok ? 0 : errno;
    if (ok && fsync(fileno(file->f)) != 0) {
        step = "sync";
        e    = errno;
        ok   = false;
    }
    if (fclose(file->f) != 0 && ok) {
        step = "close";
        e    = errno;
        ok   = false;
    }
    file->f = nullptr;
    if (!ok) {
        failf(err, err_size, file->path.c_str(), "failed to %s: %s", step, e ? strerror(e) : "I/O error");
        drop_temp(file);
    }
    return ok;
}

ggml_atomic_file * open_file(const char * path, char * err, size_t err_size) {
    remove_stale_temps(path);

    // the permission bits of the file being replaced, or the usual 0666 & ~umask for a new one
    struct stat st;
    const bool replacing = lstat(path, &st) == 0;
    if (replacing && !S_ISREG(st.st_mode)) {
        failf(err, err_size, path, S_ISLNK(st.st_mode) ? "is a symbolic link; refusing to replace it (give the target's path)"
                                                        : "is not a regular file; refusing to replace it");
        return nullptr;
    }

    std::random_device rd;
    const std::string dir = folder_of(path);
    for (int attempt = 0; attempt < 100; ++attempt) {
        char suffix[64];
        snprintf(suffix, sizeof suffix, ".tmp.%ld.%08x", (long) getpid(), (unsigned) rd());
        const std::string tmp = dir + "/." + base_of(path) + suffix;
        const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0) {
            const int e = errno;
            failf(err, err_size, path, "cannot create a temporary file in %s: %s", dir.c_str(), strerror(e));
            return nullptr;
        }
        ggml_atomic_file * file = new ggml_atomic_file;
        file->path = path;
        file->tmp  = tmp;
        file->slot = pending_add(tmp);
        if (replacing && fchmod(fd, st.st_mode & 07777) != 0) {
            failf(err, err_size, path, "cannot set the mode of the temporary file: %s", strerror(errno));
            close(fd);
            ggml_atomic_file_discard(file);
            return nullptr;
        }
        file->f = fdopen(fd, "wb");
        if (!file->f) {
            failf(err, err_size, path, "cannot open a stream: %s", strerror(errno));
            close(fd);
            ggml_atomic_file_discard(file);
            return nullptr;
        }
        return file;
    }
    failf(err, err_size, path, "cannot create a unique temporary file");
    return nullptr;
}

bool commit_all(ggml_atomic_file ** files, size_t n, char * err, size_t err_size) {
    for (size_t i = 0; i < n; ++i) {
        if (!finish(files[i], err, err_size)) return false;
    }
    // Hard links keep the previous content of each target reachable until every rename succeeded.
    // They are pending temps too: a signal handler removes them with the rest.
    std::vector<std::string> backups(n);
    std::vector<int>         backup_slots(n, -1);
    size_t renamed = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
        ggml_atomic_file * f = files[i];
        if (n > 1 && access(f->path.c_str(), F_OK) == 0) {
            backups[i]      = f->tmp + ".old";
            backup_slots[i] = pending_add(backups[i]);
            if (link(f->path.c_str(), backups[i].c_str()) != 0) {
                failf(err, err_size, f->path.c_str(), "cannot keep the previous file while committing: %s", strerror(errno));
                backups[i].clear();
                ok = false;
                break;
            }
        }
        if (rename(f->tmp.c_str(), f->path.c_str()) != 0) {
            failf(err, err_size, f->path.c_str(), "cannot rename the temporary file over it: %s", strerror(errno));
            ok = false;
            break;
        }
        renamed = i + 1;
        f->tmp.clear(); // now the target
    }
    if (!ok) {
        // roll back the targets already replaced
        for (size_t i = 0; i < renamed; ++i) {
            if (!backups[i].empty()) {
                rename(backups[i].c_str(), files[i]->path.c_str());
                backups[i].clear();
            } else {
                unlink(files[i]->path.c_str());
            }
        }
    }
    for (size_t i = 0; i < n; ++i) {
        if (!backups[i].empty()) unlink(backups[i].c_str());
        pending_remove(backup_slots[i]);
    }
    return ok;
}

} // namespace

// ---------------------------------------------------------------------------------------------

ggml_atomic_file * ggml_atomic_file_open(const char * path, char * err, size_t err_size) {
    if (!path || !*path) {
        if (err && err_size) snprintf(err, err_size, "ggml_atomic_file_open: empty path");
        return nullptr;
    }
    try {
        return open_file(path, err, err_size);
    } catch (const std::bad_alloc &) { // no exception crosses the C API
        failf(err, err_size, path, "out of memory");
        return nullptr;
    }
}

FILE * ggml_atomic_file_stream(ggml_atomic_file * file) {
    if (!file) GGML_ABORT("ggml_atomic_file_stream: file is NULL");
    return file->f;
}

const char * ggml_atomic_file_path(const ggml_atomic_file * file) {
    if (!file) GGML_ABORT("ggml_atomic_file_path: file is NULL");
    return file->path.c_str();
}

bool ggml_atomic_file_commit(ggml_atomic_file * file, char * err, size_t err_size) {
    return ggml_atomic_file_commit_all(&file, 1, err, err_size);
}

bool ggml_atomic_file_commit_all(ggml_atomic_file ** files, size_t n, char * err, size_t err_size) {
    if (n > 0 && !files) GGML_ABORT("ggml_atomic_file_commit_all: files is NULL");
    for (size_t i = 0; i < n; ++i) {
        if (!files[i]) GGML_ABORT("ggml_atomic_file_commit_all: files[%zu] is NULL", i);
    }
    bool ok = false;
    try {
        ok = commit_all(files, n, err, err_size);
    } catch (const std::bad_alloc &) {
        failf(err, err_size, files[0]->path.c_str(), "out of memory");
    }
    for (size_t i = 0; i < n; ++i) ggml_atomic_file_discard(files[i]);
    return ok;
}

void ggml_atomic_file_discard(ggml_atomic_file * file) {
    if (!file) return;
    drop_temp(file);
    delete file;
}

void ggml_atomic_file_remove_pending(void) {
    for (int i = 0; i < MAX_PENDING; ++i) {
        if (g_pending[i].in_use) unlink(g_pending[i].name);
    }
}
