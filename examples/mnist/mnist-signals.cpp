// SIGINT and SIGTERM during training: the first one only raises a flag, which the training loop
// polls after every optimizer step (it then writes a checkpoint and stops); the handler resets
// itself, so a second signal ends the process at once.

#include "mnist-common.h"

#include <cstring>

static volatile sig_atomic_t g_stop_signal = 0;

static void on_stop_signal(int signo) {
    g_stop_signal = signo;
}

const volatile sig_atomic_t * mnist_signals_install() {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND; // the second signal gets the default action
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return &g_stop_signal;
}
