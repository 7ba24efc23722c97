/* Proc KTEST program: futex(2) like Linux: a timed wait returns ETIMEDOUT after at
 * least its timeout, a changed value is EAGAIN, a wake with no waiter wakes nobody
 * (and is not remembered), and a non-private futex in MAP_SHARED memory wakes a
 * waiter in another process (keys are physical addresses). Exit status = first
 * failed check. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h (musl-gcc has no kernel headers) */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(void)
{
    static uint32_t word;
    struct timespec to = { 0, 200 * 1000000L };
    uint64_t t0 = now_ns();
    if (futex(&word, FUTEX_WAIT_PRIVATE, 0, &to) != -1 || errno != ETIMEDOUT)
        return 1;
    if (now_ns() - t0 < 200 * 1000000ull)
        return 2;
    if (futex(&word, FUTEX_WAIT_PRIVATE, 1, &to) != -1 || errno != EAGAIN)
        return 3;
    if (futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL) != 0)        /* nobody waits */
        return 4;
    /* LESSONS 4: that wake is not pending: a wait still times out. */
    struct timespec short_to = { 0, 50 * 1000000L };
    if (futex(&word, FUTEX_WAIT, 0, &short_to) != -1 || errno != ETIMEDOUT)
        return 5;
    struct timespec bad = { 0, 1000000000L };
    if (futex(&word, FUTEX_WAIT, 0, &bad) != -1 || errno != EINVAL)
        return 6;
    if (futex((uint32_t *)((char *)&word + 1), FUTEX_WAKE, 1, NULL) != -1 || errno != EINVAL)
        return 7;
    /* WAIT_BITSET with an absolute monotonic deadline. */
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 50 * 1000000L;
    if (abs.tv_nsec >= 1000000000L) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000L;
    }
    if (syscall(SYS_futex, &word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY) != -1 ||
        errno != ETIMEDOUT)
        return 8;

    /* Shared memory across fork: the child waits, the parent wakes it. */
    uint32_t *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 9;
    sh[0] = 0;                  /* the futex word */
    sh[1] = 0;                  /* child: "about to wait" */
    pid_t c = fork();
    if (c == 0) {
        __atomic_store_n(&sh[1], 1, __ATOMIC_SEQ_CST);
        struct timespec limit = { 5, 0 };
        while (__atomic_load_n(&sh[0], __ATOMIC_SEQ_CST) == 0) {
            long r = futex(&sh[0], FUTEX_WAIT, 0, &limit);
            if (r == -1 && errno == ETIMEDOUT)
                _exit(1);
        }
        _exit(sh[0] == 7 ? 0 : 2);
    }
    while (__atomic_load_n(&sh[1], __ATOMIC_SEQ_CST) == 0)
        sched_yield();
    struct timespec settle = { 0, 50 * 1000000L };
    nanosleep(&settle, NULL);   /* let it block */
    __atomic_store_n(&sh[0], 7, __ATOMIC_SEQ_CST);
    long woke = futex(&sh[0], FUTEX_WAKE, 1, NULL);
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 10;
    if (woke != 1)
        return 11;
    return 0;
}
