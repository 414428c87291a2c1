/* A tiny checker for the C client programs in this folder: count failures, print each one. */
#pragma once

#include <stdio.h>

static int compat_failures = 0;

#define COMPAT_CHECK(cond)                                                        \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            compat_failures++;                                                    \
        }                                                                         \
    } while (0)

#define COMPAT_EQ(a, b)                                                                      \
    do {                                                                                     \
        long long va_ = (long long) (a), vb_ = (long long) (b);                             \
        if (va_ != vb_) {                                                                    \
            fprintf(stderr, "%s:%d: %s is %lld, ggml has %lld\n", __FILE__, __LINE__, #a, va_, vb_); \
            compat_failures++;                                                               \
        }                                                                                    \
    } while (0)

static int compat_result(const char * name) {
    if (compat_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, compat_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}
