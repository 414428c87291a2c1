// Atomic, all-or-none output files and the checks run on output paths before any work starts.

#include "mnist-output.h"

#include "ggml-atomic-file.h"
#include "ggml-escape.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

void mnist_staged_remove_all_signal_safe() {
    ggml_atomic_file_remove_pending();
}

static void remove_temps_and_die(int sig) {
    mnist_staged_remove_all_signal_safe();
    signal(sig, SIG_DFL);
    raise(sig); // the usual exit status of a signal, for the shell
}

void mnist_remove_temps_on_signals() {
    signal(SIGINT, remove_temps_and_die);
    signal(SIGTERM, remove_temps_and_die);
    signal(SIGHUP, remove_temps_and_die);
}

// ---------------------------------------------------------------------------------------------

std::string mnist_escape(const std::string & s) {
    std::vector<char> shown(4*s.size() + 1);
    ggml_escape_controls(s.data(), s.size(), shown.data(), shown.size());
    return shown.data();
}

static std::string folder_of(const std::string & path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

static std::string base_of(const std::string & path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

static std::string errno_text(int e) {
    return std::strerror(e);
}

bool mnist_staged_file::open(const std::string & path, std::string & err) {
    discard();
    path_ = path;
    char msg[1024];
    file_ = ggml_atomic_file_open(path.c_str(), msg, sizeof msg);
    if (!file_) err = msg;
    return file_ != nullptr;
}

FILE * mnist_staged_file::stream() const {
    return file_ ? ggml_atomic_file_stream(file_) : nullptr;
}

void mnist_staged_file::discard() {
    ggml_atomic_file_discard(file_);
    file_ = nullptr;
}

bool mnist_staged_file::commit(std::string & err) {
    return mnist_commit_all({ this }, err);
}

bool mnist_commit_all(const std::vector<mnist_staged_file *> & files, std::string & err) {
    std::vector<ggml_atomic_file *> open;
    for (mnist_staged_file * f : files) {
        if (!f->file_) {
            err = mnist_escape(f->path_) + ": not open";
            for (mnist_staged_file * g : files) g->discard();
            return false;
        }
        open.push_back(f->file_);
        f->file_ = nullptr; // the commit frees it
    }
    char msg[1024];
    const bool ok = ggml_atomic_file_commit_all(open.data(), open.size(), msg, sizeof msg);
    if (!ok) err = msg;
    return ok;
}

// ---------------------------------------------------------------------------------------------

static bool same_file(const struct stat & a, const struct stat & b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The output's identity for comparisons between outputs that do not exist yet: its folder's
// device and inode plus its base name.
struct output_id {
    dev_t       dev;
    ino_t       ino;
    std::string base;
};

bool mnist_outputs_check(const std::vector<std::string> & outputs, const std::vector<std::string> & inputs,
                         std::string & err) {
    std::vector<output_id> seen;
    for (const std::string & out : outputs) {
        if (out.empty()) {
            continue;
        }
        const std::string shown = mnist_escape(out);
        if (out.back() == '/') {
            err = shown + ": is a folder, not a file name";
            return false;
        }
        struct stat st;
        const bool exists = lstat(out.c_str(), &st) == 0;
        if (!exists && errno != ENOENT) {
            err = shown + ": cannot check the output path: " + errno_text(errno);
            return false;
        }
        if (exists && S_ISLNK(st.st_mode)) {
            err = shown + ": is a symbolic link; refusing to write through it (give the target's path)";
            return false;
        }
        if (exists && !S_ISREG(st.st_mode)) {
            err = shown + ": is not a regular file; refusing to replace it";
            return false;
        }
        const std::string dir = folder_of(out);
        struct stat dst;
        if (stat(dir.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode) || access(dir.c_str(), W_OK | X_OK) != 0) {
            err = shown + ": the output directory does not exist or is not writable";
            return false;
        }
        for (const std::string & in : inputs) {
            struct stat ist;
            if (!in.empty() && exists && stat(in.c_str(), &ist) == 0 && same_file(st, ist)) {
                err = shown + ": is also an input (" + mnist_escape(in) + "); refusing to overwrite it";
                return false;
            }
        }
        const output_id id = { dst.st_dev, dst.st_ino, base_of(out) };
        for (const output_id & other : seen) {
            if (other.dev == id.dev && other.ino == id.ino && other.base == id.base) {
                err = shown + ": given as two different outputs";
                return false;
            }
        }
        if (exists) {
            // a hard link under another name is the same file too
            for (const std::string & o2 : outputs) {
                struct stat st2;
                if (&o2 != &out && !o2.empty() && lstat(o2.c_str(), &st2) == 0 && same_file(st, st2)) {
                    err = shown + ": given as two different outputs";
                    return false;
                }
            }
        }
        seen.push_back(id);
    }
    return true;
}
