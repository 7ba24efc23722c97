/* In-kernel self-tests. KTEST(name) { ... } defines a test; `test` on the kernel
 * command line runs them all after boot, prints "[test] START name" before each
 * and "[test] N passed, N failed" at the end, then exits QEMU with the result. */
#pragma once

#include <osc/log.h>
#include <osc/types.h>

struct ktest {
    const char *name;
    void (*fn)(bool *failed);
};

#define KTEST(tname)                                                               \
    static void ktest_fn_##tname(bool *ktest_failed);                               \
    static const struct ktest ktest_##tname                                        \
        __attribute__((used, section(".ktest"), aligned(8))) = { #tname, ktest_fn_##tname }; \
    static void ktest_fn_##tname(bool *ktest_failed)

/* Fails the current test and returns from it. */
#define KT_ASSERT(cond)                                                            \
    do {                                                                           \
        if (!(cond)) {                                                             \
            log_write(LOG_ERROR, "test", "assertion failed: %s (%s:%d)", #cond,   \
                      __FILE__, __LINE__);                                         \
            *ktest_failed = true;                                                  \
            return;                                                                \
        }                                                                          \
    } while (0)

#define KT_ASSERT_EQ(a, b)                                                         \
    do {                                                                           \
        long long ka_ = (long long)(a), kb_ = (long long)(b);                      \
        if (ka_ != kb_) {                                                          \
            log_write(LOG_ERROR, "test", "assertion failed: %s == %s (%lld != %lld) (%s:%d)", \
                      #a, #b, ka_, kb_, __FILE__, __LINE__);                       \
            *ktest_failed = true;                                                  \
            return;                                                                \
        }                                                                          \
    } while (0)

/* Runs every registered test; returns the number that failed. A run that executed
 * zero tests counts as a failure. */
int ktest_run_all(void);
