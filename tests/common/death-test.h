#pragma once

// Death tests: run code that must abort in a child process and capture what it printed.
//
// Usage:
//   std::string err;
//   bool aborted = death::dies([] { ggml_add(ctx, a, b_of_wrong_shape); }, err);

#include <cstdio>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace death {

// Runs fn in a child with stderr captured into err; returns the child's wait status (see
// waitpid), or -1 when no child could be started. fn's return value is the child's exit status.
inline int run_child(const std::function<int()> & fn, std::string & err) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pipefd[0]);
        dup2(pipefd[1], 2);
        _exit(fn());
    }
    close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) err.append(buf, (size_t) n);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

// Runs fn in a child with stderr captured into err; true if the child was killed by a signal
// (abort), false if it returned or exited.
inline bool dies(const std::function<void()> & fn, std::string & err) {
    const int status = run_child([&] { fn(); return 0; }, err);
    return status != -1 && WIFSIGNALED(status);
}

} // namespace death
