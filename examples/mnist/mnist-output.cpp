// Atomic, all-or-none output files and the checks run on output paths before any work starts.

#include "mnist-output.h"

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------------
// The table of pending temps a signal handler may unlink: fixed storage, no allocation, a slot is
// published (in_use = 1) only after its name is complete.

#define MNIST_MAX_PENDING 16

struct pending_slot {
    volatile sig_atomic_t in_use;
    char                  name[PATH_MAX];
};
static pending_slot g_pending[MNIST_MAX_PENDING];

static int pending_add(const std::string & name) {
    if (name.size() >= PATH_MAX) {
        return -1;
    }
    for (int i = 0; i < MNIST_MAX_PENDING; ++i) {
        if (!g_pending[i].in_use) {
            memcpy(g_pending[i].name, name.c_str(), name.size() + 1);
            g_pending[i].in_use = 1;
            return i;
        }
    }
    return -1;
}

static void pending_remove(int slot) {
    if (slot >= 0) {
        g_pending[slot].in_use = 0;
    }
}

void mnist_staged_remove_all_signal_safe() {
    for (int i = 0; i < MNIST_MAX_PENDING; ++i) {
        if (g_pending[i].in_use) {
            unlink(g_pending[i].name);
        }
    }
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
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c >= 0x7f) {
                    char buf[8];
                    snprintf(buf, sizeof(buf), "\\x%02x", c);
                    out += buf;
                } else {
                    out += char(c);
                }
        }
    }
    return out;
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

// Stale temps of this target: `.NAME.tmp.PID.RANDOM` whose PID is no longer a live process.
static void remove_stale_temps(const std::string & path) {
    const std::string dir    = folder_of(path);
    const std::string prefix = "." + base_of(path) + ".tmp.";
    DIR * d = opendir(dir.c_str());
    if (!d) {
        return;
    }
    while (const dirent * e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0) {
            continue;
        }
        char * end = nullptr;
        const long pid = strtol(name.c_str() + prefix.size(), &end, 10);
        if (pid <= 0 || *end != '.' || pid == (long) getpid()) {
            continue;
        }
        if (kill(pid_t(pid), 0) != 0 && errno == ESRCH) {
            unlink((dir + "/" + name).c_str());
        }
    }
    closedir(d);
}

mnist_staged_file::~mnist_staged_file() {
    discard();
}

void mnist_staged_file::discard() {
    if (f_) {
        fclose(f_);
        f_ = nullptr;
    }
    if (!tmp_.empty()) {
        unlink(tmp_.c_str());
        tmp_.clear();
    }
    pending_remove(slot_);
    slot_ = -1;
}

bool mnist_staged_file::open(const std::string & path, std::string & err) {
    discard();
    path_     = path;
    finished_ = false;
    remove_stale_temps(path);

    // the permission bits of the file being replaced, or the usual 0666 & ~umask for a new one
    struct stat st;
    const bool replacing = lstat(path.c_str(), &st) == 0;
    if (replacing && !S_ISREG(st.st_mode)) {
        err = mnist_escape(path) + ": not a regular file; refusing to replace it";
        return false;
    }

    std::random_device rd;
    const std::string dir = folder_of(path);
    for (int attempt = 0; attempt < 100; ++attempt) {
        char suffix[64];
        snprintf(suffix, sizeof(suffix), ".tmp.%ld.%08x", (long) getpid(), (unsigned) rd());
        const std::string tmp = dir + "/." + base_of(path) + suffix;
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0 && errno == EEXIST) {
            continue;
        }
        if (fd < 0) {
            err = mnist_escape(path) + ": cannot create a temporary file in " + mnist_escape(dir) + ": " + errno_text(errno);
            return false;
        }
        tmp_  = tmp;
        slot_ = pending_add(tmp);
        if (replacing && fchmod(fd, st.st_mode & 07777) != 0) {
            err = mnist_escape(path) + ": cannot set the mode of the temporary file: " + errno_text(errno);
            close(fd);
            discard();
            return false;
        }
        f_ = fdopen(fd, "wb");
        if (!f_) {
            err = mnist_escape(path) + ": cannot open a stream: " + errno_text(errno);
            close(fd);
            discard();
            return false;
        }
        return true;
    }
    err = mnist_escape(path) + ": cannot create a unique temporary file";
    return false;
}

bool mnist_staged_file::finish(std::string & err) {
    if (finished_) {
        return true;
    }
    if (!f_) {
        err = mnist_escape(path_) + ": not open";
        return false;
    }
    const char * step = "write";
    bool ok = ferror(f_) == 0 && fflush(f_) == 0;
    int  e  = ok ? 0 : errno;
    if (ok && fsync(fileno(f_)) != 0) {
        step = "sync";
        e    = errno;
        ok   = false;
    }
    if (fclose(f_) != 0 && ok) {
        step = "close";
        e    = errno;
        ok   = false;
    }
    f_ = nullptr;
    if (!ok) {
        err = mnist_escape(path_) + ": failed to " + step + ": " + (e ? errno_text(e) : "I/O error");
        discard();
        return false;
    }
    finished_ = true;
    return true;
}

bool mnist_staged_file::commit(std::string & err) {
    return mnist_commit_all({ this }, err);
}

bool mnist_commit_all(const std::vector<mnist_staged_file *> & files, std::string & err) {
    for (mnist_staged_file * f : files) {
        if (!f->finish(err)) {
            for (mnist_staged_file * g : files) g->discard();
            return false;
        }
    }
    // Hard links keep the previous content of each target reachable until every rename succeeded.
    std::vector<std::string> backups(files.size());
    size_t renamed = 0;
    bool ok = true;
    for (size_t i = 0; i < files.size() && ok; ++i) {
        mnist_staged_file * f = files[i];
        if (files.size() > 1 && access(f->path_.c_str(), F_OK) == 0) {
            backups[i] = f->tmp_ + ".old";
            if (link(f->path_.c_str(), backups[i].c_str()) != 0) {
                err = mnist_escape(f->path_) + ": cannot keep the previous file while committing: " + errno_text(errno);
                backups[i].clear();
                ok = false;
                break;
            }
        }
        if (rename(f->tmp_.c_str(), f->path_.c_str()) != 0) {
            err = mnist_escape(f->path_) + ": cannot rename the temporary file over it: " + errno_text(errno);
            ok = false;
            break;
        }
        renamed = i + 1;
        f->tmp_.clear(); // now the target
    }
    if (!ok) {
        // roll back the targets already replaced
        for (size_t i = 0; i < renamed; ++i) {
            if (!backups[i].empty()) {
                rename(backups[i].c_str(), files[i]->path_.c_str());
                backups[i].clear();
            } else {
                unlink(files[i]->path_.c_str());
            }
        }
    }
    for (size_t i = 0; i < files.size(); ++i) {
        if (!backups[i].empty()) unlink(backups[i].c_str());
        files[i]->discard();
    }
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
