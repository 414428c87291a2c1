/* Preloaded into mnist-train or mnist-eval by signals.sh (LD_PRELOAD): at the first rename() whose
 * new name ends with $SIGNAL_AT_RENAME, it sends the process the signals listed in
 * $SIGNAL_AT_RENAME_SIGNALS (numbers, comma-separated, one after another) before renaming. That is
 * the moment a save is under way: its temporary file is complete and not yet in place. A signal
 * at a known point, without sleeps or races. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rename(const char * oldpath, const char * newpath) {
    static int done = 0;
    int (*real_rename)(const char *, const char *) = (int (*)(const char *, const char *)) dlsym(RTLD_NEXT, "rename");
    const char * suffix  = getenv("SIGNAL_AT_RENAME");
    const char * signals = getenv("SIGNAL_AT_RENAME_SIGNALS");
    if (!done && suffix && signals && newpath) {
        const size_t n = strlen(newpath), m = strlen(suffix);
        if (n >= m && strcmp(newpath + n - m, suffix) == 0) {
            done = 1;
            for (const char * p = signals; *p;) {
                char * end;
                const long sig = strtol(p, &end, 10);
                if (end == p) break;
                raise((int) sig);
                p = *end == ',' ? end + 1 : end;
            }
        }
    }
    return real_rename(oldpath, newpath);
}
