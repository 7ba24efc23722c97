/* Shared by the futex tests (futex_ops.c, futex_pi.c, futex_robust.c): Linux's
 * futex constants (musl ships no <linux/futex.h>) and small helpers. */
#pragma once

#include "testlib.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* From <linux/futex.h>, which musl-gcc's include path does not have. */
#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_LOCK_PI         6
#define FUTEX_UNLOCK_PI       7
#define FUTEX_TRYLOCK_PI      8
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI  12
#define FUTEX_LOCK_PI2        13
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_WAIT_PRIVATE        (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE        (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_WAITERS         0x80000000u
#define FUTEX_OWNER_DIED      0x40000000u
#define FUTEX_TID_MASK        0x3fffffffu
#define FUTEX_OP(op, oparg, cmp, cmparg) \
    (((op) & 0xf) << 28 | ((cmp) & 0xf) << 24 | ((oparg) & 0xfff) << 12 | ((cmparg) & 0xfff))
#define OP_SET 0
#define OP_ADD 1
#define OP_OR 2
#define OP_ANDN 3
#define OP_XOR 4
#define OP_OPARG_SHIFT 8
#define CMP_EQ 0
#define CMP_NE 1
#define CMP_LT 2
#define CMP_LE 3
#define CMP_GT 4
#define CMP_GE 5

struct robust_head {            /* struct robust_list_head */
    void *list;
    long futex_offset;
    void *list_op_pending;
};

static inline long futex6(void *uaddr, int op, uint32_t val, const void *timeout_or_val2,
                   void *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static inline long gettid_(void) { return syscall(SYS_gettid); }

static inline void sleep_ms(long ms)
{
    struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {}
}

static inline long long now_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static inline struct timespec ts_of(long long ns)
{
    struct timespec t = { ns / 1000000000LL, ns % 1000000000LL };
    return t;
}

/* How many plain waiters sleep on w: a CMP_REQUEUE of w onto itself moves none but
 * counts them (Linux and OSCortex alike). */
static inline long waiters_on(uint32_t *w)
{
    return futex6(w, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, w,
                  __atomic_load_n(w, __ATOMIC_SEQ_CST));
}

/* The same for FUTEX_WAIT_PRIVATE sleepers (val: the word's expected value). */
static inline long private_waiters_on(uint32_t *w, uint32_t val)
{
    return futex6(w, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, w, val);
}

/* Waits (bounded: 10 s) until n waiters sleep on w. */
static inline int wait_for_waiters(uint32_t *w, long n)
{
    for (int i = 0; i < 10000; i++) {
        if (waiters_on(w) >= n)
            return 1;
        sleep_ms(1);
    }
    return 0;
}

static inline int wait_exit_status(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* A PTHREAD_PRIO_INHERIT mutex, robust and process-shared when asked; 0 or the
 * pthread error. */
static inline int init_pi_mutex(pthread_mutex_t *m, int robust, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    int r = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    if (!r && robust)
        r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (!r && pshared)
        r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (!r)
        r = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return r;
}
