#pragma once

// mnist-output: every file the MNIST programs write (models, predictions, checkpoints, logs) goes
// through here, so that no failure leaves a partial file or loses one that existed before.
//
//   std::string err;
//   if (!mnist_outputs_check({ model_path, pred_path }, { images, labels }, err)) { fail(err); }  // before any work
//   ... work ...
//   mnist_staged_file model, pred;
//   if (!model.open(model_path, err) || !write_model(model.stream()) ||
//       !pred.open(pred_path, err)   || !write_pred(pred.stream()) ||
//       !mnist_commit_all({ &model, &pred }, err)) { fail(err); }      // all renamed, or none
//
// The writes themselves go through the library's one atomic writer (ggml-atomic-file.h): a temp
// `.NAME.tmp.PID.RANDOM` created exclusively in the target's folder, fsync'ed and renamed over the
// target; removed on every error path, by the destructor and by mnist_staged_remove_all_signal_safe();
// one left by a killed run is removed by the next run that writes the same target. A replaced file
// keeps its permission bits. This layer adds the checks made before any work starts and RAII.
//
// Symbolic links: an output path that is a symlink is refused (replacing the link with a file would
// surprise, following it lets a planted link redirect the write); give the target's path instead.

#include <cstdio>
#include <string>
#include <vector>

// Refuses, with one message line, an output that exists and is not a regular file (devices, FIFOs,
// folders, symlinks), whose folder is missing or not writable, that is one of the inputs (same device
// and inode) or that equals another output. Inputs that do not exist are ignored (their own reader
// reports them). Empty paths in either list are skipped.
bool mnist_outputs_check(const std::vector<std::string> & outputs, const std::vector<std::string> & inputs,
                         std::string & err);

struct ggml_atomic_file;

class mnist_staged_file {
public:
    mnist_staged_file() = default;
    mnist_staged_file(const mnist_staged_file &) = delete;
    mnist_staged_file & operator=(const mnist_staged_file &) = delete;
    ~mnist_staged_file() { discard(); } // removes the temp unless committed

    // Creates the temp file beside path. Returns false with err set.
    bool open(const std::string & path, std::string & err);
    FILE * stream() const;
    const std::string & path() const { return path_; }

    // Flushes, fsyncs and renames the temp over the target (any earlier stream error fails here).
    bool commit(std::string & err);
    // Removes the temp (if any) without touching the target.
    void discard();

private:
    friend bool mnist_commit_all(const std::vector<mnist_staged_file *> & files, std::string & err);
    std::string        path_;
    ggml_atomic_file * file_ = nullptr;
};

// Commits several staged files as one (ggml_atomic_file_commit_all): all renamed, or none and every
// target as it was. Returns false with err set.
bool mnist_commit_all(const std::vector<mnist_staged_file *> & files, std::string & err);

// Writes a whole file atomically from a callback that fills the stream.
template <typename F>
bool mnist_write_atomically(const std::string & path, std::string & err, F && fill) {
    mnist_staged_file f;
    return f.open(path, err) && fill(f.stream()) && f.commit(err);
}

// unlink()s every pending temp file (ggml_atomic_file_remove_pending); only async-signal-safe
// calls. For a program's own SIGINT or SIGTERM handler.
void mnist_staged_remove_all_signal_safe();
// For programs without handlers of their own: SIGINT, SIGTERM and SIGHUP remove the pending temps,
// then end the process as the signal would have.
void mnist_remove_temps_on_signals();

// Shows a string from a file or the command line safely in a one-line message: ggml_escape_controls
// (ggml-escape.h) for a std::string, embedded NULs included. Backslashes stay as they are, so
// escaping twice changes nothing and a whole message can be escaped once more where it is printed.
std::string mnist_escape(const std::string & s);
