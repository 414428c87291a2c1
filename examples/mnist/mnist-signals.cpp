// SIGINT and SIGTERM during training: the first one only raises a flag, which the training loop
// polls after every optimizer step (it then writes a checkpoint and stops) and mnist-train checks
// once the final evaluation and save are done (the model is then complete). A second signal ends
// the process at once, as the signal would have, after removing the temporary files of the saves
// in progress: the targets keep their previous content.

#include "mnist-common.h"

#include "ggml-atomic-file.h"

#include <cstring>

static volatile sig_atomic_t g_stop_signal = 0;

static void on_stop_signal(int signo) {
    if (g_stop_signal != 0) {
        ggml_atomic_file_remove_pending(); // unlink only: async-signal-safe
        signal(signo, SIG_DFL);
        raise(signo); // pending while the handler runs (signo is blocked), delivered on return
        return;
    }
    g_stop_signal = signo;
}

const volatile sig_atomic_t * mnist_signals_install() {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    // one handler at a time: a SIGTERM inside the SIGINT handler waits for it to return
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART; // a flag is all the first signal does: let reads and writes go on
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    return &g_stop_signal;
}
