/* Futex operations beyond wait/wake: bitset waits and wakes, FUTEX_WAKE_OP, requeue,
 * priority-inheritance locks (raw, requeue-PI, and PTHREAD_PRIO_INHERIT mutexes), robust
 * lists walked when a thread or process dies holding a lock (EOWNERDEAD, then
 * pthread_mutex_consistent), get_robust_list, and the count of unknown futex
 * operations in /sys/kernel/unimplemented (OSCortex only). */
#define _GNU_SOURCE
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

static long futex6(void *uaddr, int op, uint32_t val, const void *timeout_or_val2,
                   void *uaddr2, uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

static long gettid_(void) { return syscall(SYS_gettid); }

static void sleep_ms(long ms)
{
    struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&d, &d) != 0 && errno == EINTR) {}
}

static long long now_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec ts_of(long long ns)
{
    struct timespec t = { ns / 1000000000LL, ns % 1000000000LL };
    return t;
}

/* How many plain waiters sleep on w: a CMP_REQUEUE of w onto itself moves none but
 * counts them (Linux and OSCortex alike). */
static long waiters_on(uint32_t *w)
{
    return futex6(w, FUTEX_CMP_REQUEUE, 0, (void *)(long)INT_MAX, w,
                  __atomic_load_n(w, __ATOMIC_SEQ_CST));
}

/* Waits (bounded: 10 s) until n waiters sleep on w. */
static int wait_for_waiters(uint32_t *w, long n)
{
    for (int i = 0; i < 10000; i++) {
        if (waiters_on(w) >= n)
            return 1;
        sleep_ms(1);
    }
    return 0;
}

static int wait_exit_status(pid_t pid)
{
    int st = -1;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* ---- bitsets ---- */

struct bitset_waiter {
    uint32_t *word;
    uint32_t bitset;
    long ret;
    int done;
};

static void *bitset_wait(void *arg)
{
    struct bitset_waiter *b = arg;
    struct timespec dl = ts_of(now_ns(CLOCK_MONOTONIC) + 10000000000LL);
    /* Not private: waiters_on (a shared-key requeue) must see it on Linux. */
    b->ret = futex6(b->word, FUTEX_WAIT_BITSET, 0, &dl, NULL, b->bitset);
    __atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

TEST(futex_wake_bitset_wakes_only_waiters_whose_bitset_matches)
{
    static uint32_t word;
    struct bitset_waiter a = { &word, 0x1, -2, 0 }, b = { &word, 0x6, -2, 0 };
    pthread_t ta, tb;
    REQUIRE(pthread_create(&ta, NULL, bitset_wait, &a) == 0);
    REQUIRE(pthread_create(&tb, NULL, bitset_wait, &b) == 0);
    REQUIRE(wait_for_waiters(&word, 2));
    CHECK_EQ(futex6(&word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x8), 0);
    CHECK_EQ(futex6(&word, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 0x4), 1);
    CHECK_EQ(pthread_join(tb, NULL), 0);
    CHECK_EQ(b.ret, 0);
    CHECK_EQ(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST), 0);
    CHECK_EQ(waiters_on(&word), 1);
    /* A plain FUTEX_WAKE matches every bitset. */
    CHECK_EQ(futex6(&word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1);
    CHECK_EQ(pthread_join(ta, NULL), 0);
    CHECK_EQ(a.ret, 0);
}

TEST(futex_bitset_zero_is_einval)
{
    uint32_t word = 0;
    CHECK_ERR(futex6(&word, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0), EINVAL);
    CHECK_ERR(futex6(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL);
}

TEST(futex_wait_bitset_absolute_monotonic_deadline_times_out)
{
    uint32_t word = 0;
    long long dl = now_ns(CLOCK_MONOTONIC) + 30000000LL;
    struct timespec t = ts_of(dl);
    CHECK_ERR(futex6(&word, FUTEX_WAIT_BITSET, 0, &t, NULL, ~0u), ETIMEDOUT);
    CHECK(now_ns(CLOCK_MONOTONIC) >= dl);
}

TEST(futex_wait_bitset_clock_realtime_deadline_times_out)
{
    uint32_t word = 0;
    long long dl = now_ns(CLOCK_REALTIME) + 30000000LL;
    struct timespec t = ts_of(dl);
    CHECK_ERR(futex6(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &t, NULL, ~0u),
              ETIMEDOUT);
    CHECK(now_ns(CLOCK_REALTIME) >= dl);
    /* A realtime deadline in the past (1 s after the epoch) is already over. */
    t = ts_of(1000000000LL);
    CHECK_ERR(futex6(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &t, NULL, ~0u),
              ETIMEDOUT);
}

TEST(futex_clock_realtime_flag_on_a_wake_is_enosys)
{
    uint32_t word = 0;
    CHECK_ERR(futex6(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
    CHECK_ERR(futex6(&word, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0), ENOSYS);
}

/* ---- FUTEX_WAKE_OP ---- */

struct op_case { uint32_t before; int op, oparg; uint32_t after; };

TEST(futex_wake_op_applies_each_operation_to_the_second_word)
{
    static const struct op_case cases[] = {
        { 5, OP_SET, 9, 9 },
        { 5, OP_SET, -3, (uint32_t)-3 },
        { 5, OP_ADD, 3, 8 },
        { 5, OP_ADD, -7, (uint32_t)-2 },
        { 0x10, OP_OR, 0x3, 0x13 },
        { 0xff, OP_ANDN, 0x0f, 0xf0 },
        { 0xf0, OP_XOR, 0xff, 0x0f },
        { 0, OP_SET | OP_OPARG_SHIFT, 5, 1u << 5 },
        { 1, OP_OR | OP_OPARG_SHIFT, 31, 0x80000001u },
        { 0xff, OP_ANDN | OP_OPARG_SHIFT, 3, 0xf7 },
        { 2, OP_ADD | OP_OPARG_SHIFT, 4, 18 },
    };
    uint32_t w1 = 0, w2;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        w2 = cases[i].before;
        long r = futex6(&w1, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, (void *)1L, &w2,
                        FUTEX_OP(cases[i].op, cases[i].oparg, CMP_EQ, 0));
        if (r != 0 || w2 != cases[i].after)
            tl_fail(__FILE__, __LINE__, "case %zu: returned %ld, word %#x (want %#x)", i, r,
                    w2, cases[i].after);
    }
}

static uint32_t op_w2;
static long op_waiter_ret;

static void *wait_on_w2(void *arg)
{
    struct timespec rel = { 10, 0 };
    op_waiter_ret = futex6(&op_w2, FUTEX_WAIT, (uint32_t)(uintptr_t)arg, &rel, NULL, 0);
    return NULL;
}

/* With a waiter asleep on the second word (holding old), whether WAKE_OP's
 * comparison of old with cmparg wakes it; the waiter is then released either way. */
static long wake_op_cmp(int32_t old, int cmp, int cmparg)
{
    op_w2 = (uint32_t)old;
    pthread_t t;
    if (pthread_create(&t, NULL, wait_on_w2, (void *)(uintptr_t)(uint32_t)old) != 0)
        return -100;
    if (!wait_for_waiters(&op_w2, 1))
        return -101;
    uint32_t w1 = 0;
    /* SET to the same value: only the comparison decides. */
    long r = futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &op_w2, FUTEX_OP(OP_SET, old, cmp, cmparg));
    if (r != 1)
        futex6(&op_w2, FUTEX_WAKE, 1, NULL, NULL, 0);
    pthread_join(t, NULL);
    return op_waiter_ret == 0 ? r : -102;
}

TEST(futex_wake_op_wakes_the_second_word_when_the_old_value_compares_true)
{
    CHECK_EQ(wake_op_cmp(7, CMP_EQ, 7), 1);
    CHECK_EQ(wake_op_cmp(7, CMP_EQ, 8), 0);
    CHECK_EQ(wake_op_cmp(7, CMP_NE, 8), 1);
    CHECK_EQ(wake_op_cmp(7, CMP_NE, 7), 0);
    CHECK_EQ(wake_op_cmp(-2, CMP_LT, 1), 1);       /* signed comparison */
    CHECK_EQ(wake_op_cmp(3, CMP_LT, 3), 0);
    CHECK_EQ(wake_op_cmp(3, CMP_LE, 3), 1);
    CHECK_EQ(wake_op_cmp(4, CMP_LE, 3), 0);
    CHECK_EQ(wake_op_cmp(4, CMP_GT, 3), 1);
    CHECK_EQ(wake_op_cmp(-1, CMP_GT, 0), 0);
    CHECK_EQ(wake_op_cmp(3, CMP_GE, 3), 1);
    CHECK_EQ(wake_op_cmp(2, CMP_GE, 3), 0);
}

TEST(futex_wake_op_wakes_the_first_word_and_counts_both)
{
    static uint32_t w1;
    struct bitset_waiter a = { &w1, ~0u, -2, 0 };
    pthread_t ta;
    REQUIRE(pthread_create(&ta, NULL, bitset_wait, &a) == 0);
    REQUIRE(wait_for_waiters(&w1, 1));
    op_w2 = 0;
    pthread_t tb;
    REQUIRE(pthread_create(&tb, NULL, wait_on_w2, (void *)0) == 0);
    REQUIRE(wait_for_waiters(&op_w2, 1));
    CHECK_EQ(futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &op_w2, FUTEX_OP(OP_ADD, 1, CMP_EQ, 0)), 2);
    CHECK_EQ(op_w2, 1);
    CHECK_EQ(pthread_join(ta, NULL), 0);
    CHECK_EQ(pthread_join(tb, NULL), 0);
    CHECK_EQ(a.ret, 0);
    CHECK_EQ(op_waiter_ret, 0);
}

TEST(futex_wake_op_errors)
{
    uint32_t w1 = 0, w2 = 5;
    CHECK_ERR(futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, (void *)8, FUTEX_OP(OP_SET, 1, CMP_EQ, 0)),
              EFAULT);
    CHECK_ERR(futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, (char *)&w2 + 1,
                     FUTEX_OP(OP_SET, 1, CMP_EQ, 0)), EINVAL);
    /* An unknown operation changes nothing; an unknown comparison comes after it. */
    CHECK_ERR(futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, FUTEX_OP(7, 1, CMP_EQ, 0)), ENOSYS);
    CHECK_EQ(w2, 5);
    CHECK_ERR(futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, FUTEX_OP(OP_SET, 2, 9, 0)), ENOSYS);
    CHECK_EQ(w2, 2);
    /* The second word must be writable. */
    uint32_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(ro != MAP_FAILED);
    CHECK_ERR(futex6(&w1, FUTEX_WAKE_OP, 1, (void *)1L, ro, FUTEX_OP(OP_SET, 1, CMP_EQ, 0)), EFAULT);
    CHECK_EQ(*ro, 0);
    munmap(ro, 4096);
}

/* ---- requeue ---- */

static uint32_t rq_a, rq_b;

static void *wait_on_rq_a(void *arg)
{
    struct timespec rel = { 10, 0 };
    *(long *)arg = futex6(&rq_a, FUTEX_WAIT, 0, &rel, NULL, 0);
    return NULL;
}

static void requeue_case(int cmd)
{
    rq_a = rq_b = 0;
    pthread_t t[3];
    long ret[3] = { -2, -2, -2 };
    for (int i = 0; i < 3; i++)
        if (pthread_create(&t[i], NULL, wait_on_rq_a, &ret[i]) != 0)
            abort();
    if (!wait_for_waiters(&rq_a, 3)) {
        tl_fail(__FILE__, __LINE__, "3 waiters never slept");
        return;
    }
    if (cmd == FUTEX_CMP_REQUEUE)
        CHECK_ERR(futex6(&rq_a, cmd, 1, (void *)(long)INT_MAX, &rq_b, 1), EAGAIN);
    CHECK_EQ(futex6(&rq_a, cmd, 1, (void *)(long)INT_MAX, &rq_b, 0), 3);
    CHECK_EQ(waiters_on(&rq_a), 0);
    CHECK_EQ(waiters_on(&rq_b), 2);
    CHECK_EQ(futex6(&rq_b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 2);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK_EQ(ret[i], 0);
    }
}

TEST(futex_cmp_requeue_wakes_some_and_moves_the_rest)
{
    requeue_case(FUTEX_CMP_REQUEUE);
}

TEST(futex_requeue_wakes_some_and_moves_the_rest)
{
    requeue_case(FUTEX_REQUEUE);
}

TEST(futex_requeue_negative_counts_are_einval)
{
    uint32_t a = 0, b = 0;
    CHECK_ERR(futex6(&a, FUTEX_CMP_REQUEUE, -1, (void *)1L, &b, 0), EINVAL);
    CHECK_ERR(futex6(&a, FUTEX_CMP_REQUEUE, 1, (void *)-1L, &b, 0), EINVAL);
}

/* ---- raw PI futexes ---- */

/* One futex call from another thread; a lock it gets is released at once, after
 * noting the word's value as the new owner saw it. */
struct pi_call {
    uint32_t *word;
    int op;
    const struct timespec *timeout;
    long ret;
    int err;
    long tid;
    uint32_t seen;
};

static void *pi_call_thread(void *arg)
{
    struct pi_call *c = arg;
    c->tid = gettid_();
    errno = 0;
    c->ret = futex6(c->word, c->op, 0, c->timeout, NULL, 0);
    c->err = errno;
    c->seen = __atomic_load_n(c->word, __ATOMIC_SEQ_CST);
    if (c->ret == 0 && c->op != FUTEX_UNLOCK_PI)
        futex6(c->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    return NULL;
}

static void run_pi_call(struct pi_call *c)
{
    pthread_t t;
    if (pthread_create(&t, NULL, pi_call_thread, c) != 0)
        abort();
    pthread_join(t, NULL);
}

TEST(futex_lock_pi_takes_a_free_word_and_refuses_its_owner)
{
    uint32_t word = 0;
    uint32_t me = (uint32_t)gettid_();
    CHECK_EQ(futex6(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, me);
    CHECK_ERR(futex6(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EDEADLK);
    CHECK_ERR(futex6(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EDEADLK);
    /* Another thread may neither unlock it nor take it with trylock. */
    struct pi_call c = { .word = &word, .op = FUTEX_UNLOCK_PI };
    run_pi_call(&c);
    CHECK_EQ(c.ret, -1);
    CHECK_EQ(c.err, EPERM);
    c.op = FUTEX_TRYLOCK_PI;
    run_pi_call(&c);
    CHECK_EQ(c.ret, -1);
    CHECK(c.err == EAGAIN || c.err == EWOULDBLOCK);
    CHECK_EQ(word & FUTEX_TID_MASK, me);
    CHECK_EQ(futex6(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, 0);
    CHECK_ERR(futex6(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM);
    CHECK_EQ(futex6(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, me);
    CHECK_EQ(futex6(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(futex6(&word, FUTEX_LOCK_PI2, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, me);
    CHECK_EQ(futex6(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
}

TEST(futex_lock_pi_owner_that_does_not_exist_is_esrch)
{
    uint32_t word = 0x3ffffff0;     /* no such thread */
    CHECK_ERR(futex6(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0), ESRCH);
    CHECK_ERR(futex6(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), ESRCH);
    CHECK_EQ(word & FUTEX_TID_MASK, 0x3ffffff0);       /* Linux may add FUTEX_WAITERS */
    uint32_t *odd = (uint32_t *)((char *)&word + 2);
    CHECK_ERR(futex6(odd, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EINVAL);
    CHECK_ERR(futex6((void *)8, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EFAULT);
}

TEST(futex_lock_pi_takes_an_owner_died_word_keeping_the_flag)
{
    uint32_t word = FUTEX_OWNER_DIED;
    CHECK_EQ(futex6(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, FUTEX_OWNER_DIED | (uint32_t)gettid_());
    CHECK_EQ(futex6(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, 0);
}

TEST(futex_lock_pi_times_out_at_its_absolute_deadline)
{
    static uint32_t word;
    word = 0;
    REQUIRE(futex6(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0) == 0);
    /* FUTEX_LOCK_PI: CLOCK_REALTIME. */
    long long dl = now_ns(CLOCK_REALTIME) + 50000000LL;
    struct timespec t = ts_of(dl);
    struct pi_call c = { .word = &word, .op = FUTEX_LOCK_PI, .timeout = &t };
    run_pi_call(&c);
    CHECK_EQ(c.ret, -1);
    CHECK_EQ(c.err, ETIMEDOUT);
    CHECK(now_ns(CLOCK_REALTIME) >= dl);
    /* FUTEX_LOCK_PI2: CLOCK_MONOTONIC. */
    dl = now_ns(CLOCK_MONOTONIC) + 50000000LL;
    t = ts_of(dl);
    c.op = FUTEX_LOCK_PI2;
    run_pi_call(&c);
    CHECK_EQ(c.ret, -1);
    CHECK_EQ(c.err, ETIMEDOUT);
    CHECK(now_ns(CLOCK_MONOTONIC) >= dl);
    CHECK_EQ(word & FUTEX_TID_MASK, (uint32_t)gettid_());
    CHECK_EQ(futex6(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    CHECK_EQ(word, 0);
}

static uint32_t handoff_word;

TEST(futex_unlock_pi_hands_the_word_to_the_sleeping_waiter)
{
    handoff_word = 0;
    REQUIRE(futex6(&handoff_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0) == 0);
    struct pi_call c = { .word = &handoff_word, .op = FUTEX_LOCK_PI };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, pi_call_thread, &c) == 0);
    /* The kernel marks the word before the waiter sleeps. */
    int marked = 0;
    for (int i = 0; i < 10000 && !marked; i++) {
        marked = (__atomic_load_n(&handoff_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) != 0;
        if (!marked)
            sleep_ms(1);
    }
    CHECK(marked);
    sleep_ms(20);
    CHECK_EQ(futex6(&handoff_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    pthread_join(t, NULL);
    CHECK_EQ(c.ret, 0);
    CHECK_EQ(c.seen & FUTEX_TID_MASK, (uint32_t)c.tid);     /* the waiter owned it */
    CHECK_EQ(handoff_word, 0);                              /* and released it */
}

static uint32_t orphan_word;

static void *lock_pi_wait_for_waiter_then_exit_raw(void *arg)
{
    (void)arg;
    if (futex6(&orphan_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0) != 0)
        _exit(5);
    while (!(__atomic_load_n(&orphan_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS))
        sleep_ms(1);
    syscall(SYS_exit, 0);       /* dies owning it; no robust list involved */
    return NULL;
}

TEST(futex_pi_word_of_a_thread_that_died_goes_to_its_sleeping_waiter)
{
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        orphan_word = 0;
        pthread_t t;
        if (pthread_create(&t, NULL, lock_pi_wait_for_waiter_then_exit_raw, NULL) != 0)
            _exit(2);
        while (!__atomic_load_n(&orphan_word, __ATOMIC_SEQ_CST))
            sleep_ms(1);
        if (futex6(&orphan_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0) != 0)
            _exit(3);
        _exit((orphan_word & FUTEX_TID_MASK) == (uint32_t)gettid_() ? 0 : 4);
    }
    CHECK_EQ(wait_exit_status(pid), 0);
}

/* ---- requeue-PI: a condition variable whose mutex is a PI lock ---- */

static uint32_t rqpi_cv, rqpi_lock;

struct rqpi_waiter { long ret; int err; long tid; uint32_t seen; };

static void *wait_requeue_pi(void *arg)
{
    struct rqpi_waiter *r = arg;
    r->tid = gettid_();
    struct timespec dl = ts_of(now_ns(CLOCK_MONOTONIC) + 10000000000LL);
    errno = 0;
    r->ret = futex6(&rqpi_cv, FUTEX_WAIT_REQUEUE_PI, 0, &dl, &rqpi_lock, ~0u);
    r->err = errno;
    r->seen = __atomic_load_n(&rqpi_lock, __ATOMIC_SEQ_CST);
    if (r->ret == 0)
        futex6(&rqpi_lock, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    return NULL;
}

TEST(futex_requeue_pi_errors)
{
    uint32_t cv = 0, lock = 0;
    CHECK_ERR(futex6(&cv, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &cv, ~0u), EINVAL);
    CHECK_ERR(futex6(&cv, FUTEX_WAIT_REQUEUE_PI, 1, NULL, &lock, ~0u), EAGAIN);
    CHECK_ERR(futex6(&cv, FUTEX_CMP_REQUEUE_PI, 2, (void *)1L, &lock, 0), EINVAL);
    CHECK_ERR(futex6(&cv, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &cv, 0), EINVAL);
    CHECK_ERR(futex6(&cv, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &lock, 1), EAGAIN);
    CHECK_EQ(futex6(&cv, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &lock, 0), 0);   /* nobody */
}

TEST(futex_cmp_requeue_pi_gives_a_free_lock_to_the_first_waiter)
{
    rqpi_cv = 0;
    rqpi_lock = 0;
    struct rqpi_waiter w = { -2, 0, 0, 0 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, wait_requeue_pi, &w) == 0);
    long r = 0;
    for (int i = 0; i < 10000 && r == 0; i++) {
        r = futex6(&rqpi_cv, FUTEX_CMP_REQUEUE_PI, 1, (void *)0L, &rqpi_lock, 0);
        if (r == 0)
            sleep_ms(1);
    }
    CHECK_EQ(r, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(w.ret, 0);
    CHECK_EQ(w.seen & FUTEX_TID_MASK, (uint32_t)w.tid);
    CHECK_EQ(rqpi_lock, 0);
}

TEST(futex_cmp_requeue_pi_moves_waiters_onto_a_held_lock_which_hands_them_over)
{
    rqpi_cv = 0;
    rqpi_lock = 0;
    REQUIRE(futex6(&rqpi_lock, FUTEX_LOCK_PI, 0, NULL, NULL, 0) == 0);
    struct rqpi_waiter w[2] = { { -2, 0, 0, 0 }, { -2, 0, 0, 0 } };
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        REQUIRE(pthread_create(&t[i], NULL, wait_requeue_pi, &w[i]) == 0);
    long moved = 0;
    for (int i = 0; i < 10000 && moved < 2; i++) {
        long r = futex6(&rqpi_cv, FUTEX_CMP_REQUEUE_PI, 1, (void *)(long)INT_MAX, &rqpi_lock, 0);
        if (r < 0)
            break;
        moved += r;
        if (moved < 2)
            sleep_ms(1);
    }
    CHECK_EQ(moved, 2);
    /* Still ours, now with sleepers: unlocking hands it to one, which hands it on. */
    CHECK_EQ(rqpi_lock, FUTEX_WAITERS | (uint32_t)gettid_());
    CHECK_EQ(futex6(&rqpi_lock, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK_EQ(w[i].ret, 0);
        CHECK_EQ(w[i].seen & FUTEX_TID_MASK, (uint32_t)w[i].tid);
    }
    CHECK_EQ(rqpi_lock, 0);
}

/* ---- PTHREAD_PRIO_INHERIT mutexes ---- */

static pthread_mutex_t pi_mutex;
static long pi_counter;

static int init_pi_mutex(pthread_mutex_t *m, int robust, int pshared)
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

static void *pi_increment(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        if (pthread_mutex_lock(&pi_mutex) != 0)
            return (void *)1;
        long v = pi_counter;
        if (i % 64 == 0)
            sched_yield();      /* hold it across a switch now and then: contention */
        pi_counter = v + 1;
        pthread_mutex_unlock(&pi_mutex);
    }
    return NULL;
}

TEST(pi_mutex_lock_trylock_unlock_in_one_thread)
{
    REQUIRE(init_pi_mutex(&pi_mutex, 0, 0) == 0);
    CHECK_EQ(pthread_mutex_lock(&pi_mutex), 0);
    CHECK_EQ(pthread_mutex_unlock(&pi_mutex), 0);
    CHECK_EQ(pthread_mutex_trylock(&pi_mutex), 0);
    CHECK_EQ(pthread_mutex_unlock(&pi_mutex), 0);
    CHECK_EQ(pthread_mutex_destroy(&pi_mutex), 0);
}

TEST(pi_mutex_serialises_contending_threads)
{
    REQUIRE(init_pi_mutex(&pi_mutex, 0, 0) == 0);
    pi_counter = 0;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&t[i], NULL, pi_increment, NULL) == 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        CHECK_EQ(pthread_join(t[i], &r), 0);
        CHECK(r == NULL);
    }
    CHECK_EQ(pi_counter, 4 * 2000);
    CHECK_EQ(pthread_mutex_destroy(&pi_mutex), 0);
}

static void *pi_try_and_timed(void *arg)
{
    long *res = arg;
    res[0] = pthread_mutex_trylock(&pi_mutex);
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 50000000LL);
    res[1] = pthread_mutex_timedlock(&pi_mutex, &dl);
    /* Blocks until main unlocks: a real kernel sleep and hand-over. */
    res[2] = pthread_mutex_lock(&pi_mutex);
    if (res[2] == 0)
        res[3] = pthread_mutex_unlock(&pi_mutex);
    return NULL;
}

TEST(pi_mutex_held_elsewhere_trylock_ebusy_timedlock_etimedout_lock_waits)
{
    REQUIRE(init_pi_mutex(&pi_mutex, 0, 0) == 0);
    REQUIRE(pthread_mutex_lock(&pi_mutex) == 0);
    long res[4] = { -1, -1, -1, -1 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, pi_try_and_timed, res) == 0);
    sleep_ms(200);
    CHECK_EQ(pthread_mutex_unlock(&pi_mutex), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(res[0], EBUSY);
    CHECK_EQ(res[1], ETIMEDOUT);
    CHECK_EQ(res[2], 0);
    CHECK_EQ(res[3], 0);
    CHECK_EQ(pthread_mutex_destroy(&pi_mutex), 0);
}

/* ---- robust mutexes: the owner dies holding the lock ---- */

static void *shared_page(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int init_robust(pthread_mutex_t *m, int pi, int pshared)
{
    if (pi)
        return init_pi_mutex(m, 1, pshared);
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    int r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (!r && pshared)
        r = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (!r)
        r = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return r;
}

/* The next locker after an owner died: EOWNERDEAD, then consistent, and the mutex
 * works as before. Returns the number of failed steps. */
static int recover(pthread_mutex_t *m)
{
    int bad = 0;
    /* Bounded: without the kernel's walk it would wait for ever. */
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    if (pthread_mutex_timedlock(m, &dl) != EOWNERDEAD)
        return 1;               /* and nothing more: the lock would block */
    bad += pthread_mutex_consistent(m) != 0;
    bad += pthread_mutex_unlock(m) != 0;
    bad += pthread_mutex_lock(m) != 0;
    bad += pthread_mutex_unlock(m) != 0;
    return bad;
}

static void robust_process_exit_case(int pi)
{
    pthread_mutex_t *m = shared_page();
    if (!m) {
        tl_fail(__FILE__, __LINE__, "mmap");
        return;
    }
    int r = init_robust(m, pi, 1);
    CHECK_EQ(r, 0);
    if (r)
        return;
    pid_t pid = fork();
    if (pid == 0)
        _exit(pthread_mutex_lock(m) == 0 ? 0 : 1);     /* dies holding it */
    CHECK_EQ(wait_exit_status(pid), 0);
    CHECK_EQ(recover(m), 0);
    pthread_mutex_destroy(m);
    munmap(m, 4096);
}

TEST(robust_mutex_of_a_process_that_exited_gives_eownerdead_then_consistent)
{
    robust_process_exit_case(0);
}

TEST(robust_pi_mutex_of_a_process_that_exited_gives_eownerdead_then_consistent)
{
    robust_process_exit_case(1);
}

struct robust_locker { pthread_mutex_t *m; int lock, consistent, unlock; };

static void *robust_lock_recover(void *arg)
{
    struct robust_locker *l = arg;
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    l->lock = pthread_mutex_timedlock(l->m, &dl);
    l->consistent = l->lock == EOWNERDEAD ? pthread_mutex_consistent(l->m) : -1;
    l->unlock = pthread_mutex_unlock(l->m);
    return NULL;
}

/* The owner is killed by a signal while another process's thread sleeps in lock. */
static void robust_killed_case(int pi)
{
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, pi, 1) == 0);
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (pthread_mutex_lock(m) != 0)
            _exit(1);
        (void)!write(p[1], "L", 1);
        for (;;)
            pause();
    }
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    struct robust_locker l = { m, -1, -1, -1 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, robust_lock_recover, &l) == 0);
    sleep_ms(100);              /* let it block (if not yet, it gets the same answer) */
    kill(pid, SIGKILL);
    int st = wait_exit_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(l.lock, EOWNERDEAD);
    CHECK_EQ(l.consistent, 0);
    CHECK_EQ(l.unlock, 0);
    if (l.lock == EOWNERDEAD) {
        CHECK_EQ(pthread_mutex_lock(m), 0);
        CHECK_EQ(pthread_mutex_unlock(m), 0);
    }
    close(p[0]);
    close(p[1]);
    munmap(m, 4096);
}

TEST(robust_mutex_owner_killed_by_a_signal_wakes_the_waiter_with_eownerdead)
{
    robust_killed_case(0);
}

TEST(robust_pi_mutex_owner_killed_by_a_signal_wakes_the_waiter_with_eownerdead)
{
    robust_killed_case(1);
}

TEST(robust_mutex_not_made_consistent_becomes_unrecoverable)
{
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, 0, 1) == 0);
    pid_t pid = fork();
    if (pid == 0)
        _exit(pthread_mutex_lock(m) == 0 ? 0 : 1);
    CHECK_EQ(wait_exit_status(pid), 0);
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    int r = pthread_mutex_timedlock(m, &dl);
    CHECK_EQ(r, EOWNERDEAD);
    if (r == EOWNERDEAD) {
        CHECK_EQ(pthread_mutex_unlock(m), 0);
        CHECK_EQ(pthread_mutex_lock(m), ENOTRECOVERABLE);
    }
    munmap(m, 4096);
}

static void *lock_and_return(void *m)
{
    return (void *)(intptr_t)pthread_mutex_lock(m);
}

TEST(robust_mutex_of_a_thread_that_returned_gives_eownerdead)
{
    static pthread_mutex_t m;
    REQUIRE(init_robust(&m, 0, 0) == 0);
    pthread_t t;
    void *r;
    REQUIRE(pthread_create(&t, NULL, lock_and_return, &m) == 0);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((intptr_t)r, 0);
    CHECK_EQ(recover(&m), 0);
}

static void *lock_and_exit_raw(void *m)
{
    if (pthread_mutex_lock(m) == 0)
        syscall(SYS_exit, 0);   /* no libc clean-up: only the kernel's list walk */
    return NULL;
}

/* In a child process (the raw exit leaves the C library's thread bookkeeping
 * behind): a thread dies holding a robust lock (plain or PI), the main thread's
 * lock returns EOWNERDEAD. Process-shared: musl puts only those on the kernel's
 * list (it cleans up private ones itself in pthread_exit). */
static void robust_raw_thread_exit_case(int pi)
{
    pid_t pid = fork();
    if (pid == 0) {
        static pthread_mutex_t m;
        alarm(20);
        if (init_robust(&m, pi, 1) != 0)
            _exit(2);
        pthread_t t;
        if (pthread_create(&t, NULL, lock_and_exit_raw, &m) != 0)
            _exit(3);
        sleep_ms(50);
        _exit(recover(&m) == 0 ? 0 : 4);
    }
    CHECK_EQ(wait_exit_status(pid), 0);
}

TEST(robust_mutex_of_a_thread_ended_by_raw_exit_gives_eownerdead)
{
    robust_raw_thread_exit_case(0);
}

TEST(robust_pi_mutex_of_a_thread_ended_by_raw_exit_gives_eownerdead)
{
    robust_raw_thread_exit_case(1);
}

static void *lock_and_sleep(void *m)
{
    if (pthread_mutex_lock(m) == 0)
        __atomic_store_n((int *)((pthread_mutex_t *)m + 1), 1, __ATOMIC_SEQ_CST);
    for (;;)
        pause();
    return NULL;
}

TEST(robust_mutex_of_a_sibling_thread_ended_by_exit_group_gives_eownerdead)
{
    /* The mutex and a "locked" flag right after it, in memory the child shares. */
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, 0, 1) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        pthread_t t;
        if (pthread_create(&t, NULL, lock_and_sleep, m) != 0)
            _exit(2);
        while (!__atomic_load_n((int *)(m + 1), __ATOMIC_SEQ_CST))
            sleep_ms(1);
        _exit(0);               /* exit_group: the sleeping owner is killed */
    }
    CHECK_EQ(wait_exit_status(pid), 0);
    CHECK_EQ(recover(m), 0);
    munmap(m, 4096);
}

TEST(robust_mutex_held_across_execve_is_released_by_the_exec)
{
    pthread_mutex_t *m = shared_page();
    REQUIRE(m != NULL);
    REQUIRE(init_robust(m, 0, 1) == 0);
    int p[2], locked[2];
    REQUIRE(pipe(p) == 0 && pipe(locked) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (pthread_mutex_lock(m) != 0)
            _exit(1);
        (void)!write(locked[1], "L", 1);
        dup2(p[0], 0);
        close(p[1]);
        /* The new image lives on, blocked reading the pipe. */
        execl("/bin/sh", "sh", "-c", "read x", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    char c;
    CHECK_EQ(read(locked[0], &c, 1), 1);
    close(locked[0]);
    close(locked[1]);
    struct timespec dl = ts_of(now_ns(CLOCK_REALTIME) + 10000000000LL);
    CHECK_EQ(pthread_mutex_timedlock(m, &dl), EOWNERDEAD);
    CHECK_EQ(pthread_mutex_consistent(m), 0);
    CHECK_EQ(pthread_mutex_unlock(m), 0);
    CHECK_EQ(waitpid(pid, NULL, WNOHANG), 0);   /* still running the shell */
    (void)!write(p[1], "\n", 1);
    close(p[1]);
    CHECK_EQ(wait_exit_status(pid), 0);
    munmap(m, 4096);
}

/* ---- the robust list walk, with hand-made lists (no C library involved) ---- */

struct rentry {
    struct rentry *next;
    uint32_t word;
};

struct rpage {
    struct robust_head head;
    struct rentry e[4];
};

/* Runs body in a child that registers the list at r and dies; bounded at 10 s. */
static int child_with_list(struct rpage *r, void (*body)(struct rpage *))
{
    pid_t pid = fork();
    if (pid == 0) {
        body(r);
        if (syscall(SYS_set_robust_list, &r->head, sizeof(r->head)) != 0)
            _exit(2);
        _exit(0);
    }
    for (int i = 0; i < 1000; i++) {
        int st;
        pid_t got = waitpid(pid, &st, WNOHANG);
        if (got == pid)
            return st;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void list_of_four(struct rpage *r)
{
    uint32_t tid = (uint32_t)gettid_();
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->e[0];
    r->e[0].next = &r->e[1];
    r->e[1].next = &r->e[2];
    r->e[2].next = (struct rentry *)&r->head;
    r->e[0].word = tid | FUTEX_WAITERS;
    r->e[1].word = tid;
    r->e[2].word = 1234;            /* someone else's: left alone */
    r->e[3].word = tid;             /* only the pending op names it */
    r->head.list_op_pending = &r->e[3];
}

TEST(robust_list_walk_marks_the_dead_owners_words_only)
{
    struct rpage *r = shared_page();
    REQUIRE(r != NULL);
    CHECK_EQ(child_with_list(r, list_of_four), 0);
    CHECK_EQ(r->e[0].word, FUTEX_OWNER_DIED | FUTEX_WAITERS);
    CHECK_EQ(r->e[1].word, FUTEX_OWNER_DIED);
    CHECK_EQ(r->e[2].word, 1234);
    CHECK_EQ(r->e[3].word, FUTEX_OWNER_DIED);
    munmap(r, 4096);
}

static void circular_list(struct rpage *r)
{
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->e[0];
    r->e[0].next = &r->e[1];
    r->e[1].next = &r->e[0];        /* never back to the head */
    r->e[0].word = (uint32_t)gettid_();
    r->e[1].word = (uint32_t)gettid_();
}

TEST(robust_list_walk_of_a_circular_list_is_bounded)
{
    struct rpage *r = shared_page();
    REQUIRE(r != NULL);
    CHECK_EQ(child_with_list(r, circular_list), 0);
    CHECK_EQ(r->e[0].word, FUTEX_OWNER_DIED);
    CHECK_EQ(r->e[1].word, FUTEX_OWNER_DIED);
    munmap(r, 4096);
}

static void bad_pointer_list(struct rpage *r)
{
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->e[0];
    r->e[0].next = (struct rentry *)8;     /* unmapped: the walk stops there */
    r->e[0].word = (uint32_t)gettid_();
    r->head.list_op_pending = (void *)0x7ffffffff000;
}

TEST(robust_list_walk_stops_at_a_bad_pointer_without_harm)
{
    struct rpage *r = shared_page();
    REQUIRE(r != NULL);
    CHECK_EQ(child_with_list(r, bad_pointer_list), 0);
    CHECK_EQ(r->e[0].word, FUTEX_OWNER_DIED);
    munmap(r, 4096);
}

static struct rpage *pending_page;
static int pending_pipe[2];

static void *wait_on_pending_word(void *arg)
{
    struct timespec rel = { 10, 0 };
    *(long *)arg = futex6(&pending_page->e[0].word, FUTEX_WAIT, 0, &rel, NULL, 0);
    return NULL;
}

TEST(robust_list_pending_unlock_of_a_free_word_wakes_a_waiter)
{
    /* Died between storing 0 and waking: the kernel does the wake-up it owed. */
    pending_page = shared_page();
    REQUIRE(pending_page != NULL);
    REQUIRE(pipe(pending_pipe) == 0);
    struct rpage *r = pending_page;
    r->head.futex_offset = offsetof(struct rentry, word);
    r->head.list = &r->head;
    r->head.list_op_pending = &r->e[0];
    r->e[0].word = 0;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        if (syscall(SYS_set_robust_list, &r->head, sizeof(r->head)) != 0)
            _exit(2);
        (void)!read(pending_pipe[0], &c, 1);
        _exit(0);
    }
    long ret = -2;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, wait_on_pending_word, &ret) == 0);
    CHECK(wait_for_waiters(&r->e[0].word, 1));
    (void)!write(pending_pipe[1], "x", 1);
    CHECK_EQ(wait_exit_status(pid), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(ret, 0);               /* woken, not timed out */
    close(pending_pipe[0]);
    close(pending_pipe[1]);
    munmap(r, 4096);
}

/* ---- get_robust_list ---- */

static struct robust_head other_head;
static uint32_t other_go;
static long other_tid;

static void *register_and_wait(void *arg)
{
    (void)arg;
    other_head.list = &other_head;
    syscall(SYS_set_robust_list, &other_head, sizeof(other_head));
    __atomic_store_n(&other_tid, gettid_(), __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&other_go, __ATOMIC_SEQ_CST))
        futex6(&other_go, FUTEX_WAIT, 0, NULL, NULL, 0);
    return NULL;
}

TEST(get_robust_list_reports_the_list_of_self_and_of_another_thread)
{
    static struct robust_head mine;
    mine.list = &mine;
    void *orig = NULL, *got = NULL;
    size_t len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &orig, &len), 0);
    CHECK_EQ(len, sizeof(struct robust_head));
    CHECK_ERR(syscall(SYS_set_robust_list, &mine, sizeof(mine) - 1), EINVAL);
    CHECK_ERR(syscall(SYS_set_robust_list, &mine, sizeof(mine) + 8), EINVAL);
    CHECK_EQ(syscall(SYS_set_robust_list, &mine, sizeof(mine)), 0);
    len = 0;
    CHECK_EQ(syscall(SYS_get_robust_list, 0, &got, &len), 0);
    CHECK(got == &mine);
    CHECK_EQ(len, 24);
    got = NULL;
    CHECK_EQ(syscall(SYS_get_robust_list, gettid_(), &got, &len), 0);
    CHECK(got == &mine);
    CHECK_ERR(syscall(SYS_get_robust_list, 0, (void *)8, &len), EFAULT);
    CHECK_ERR(syscall(SYS_get_robust_list, 0x3ffffff0, &got, &len), ESRCH);
    CHECK_EQ(syscall(SYS_set_robust_list, orig, sizeof(mine)), 0);    /* the C library's */

    other_go = 0;
    other_tid = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, register_and_wait, NULL) == 0);
    for (int i = 0; i < 10000 && !__atomic_load_n(&other_tid, __ATOMIC_SEQ_CST); i++)
        sleep_ms(1);
    got = NULL;
    CHECK_EQ(syscall(SYS_get_robust_list, other_tid, &got, &len), 0);
    CHECK(got == &other_head);
    __atomic_store_n(&other_go, 1, __ATOMIC_SEQ_CST);
    futex6(&other_go, FUTEX_WAKE, 1, NULL, NULL, 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
}

/* ---- unknown operations ---- */

/* The count on /sys/kernel/unimplemented's "202 futex:op=OP N" line (0 without
 * one), or -1 without the file (not OSCortex). */
static long unimplemented_futex_op(int op)
{
    char buf[8192];
    int fd = open("/sys/kernel/unimplemented", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    char want[32];
    snprintf(want, sizeof(want), "202 futex:op=%d ", op);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, want, strlen(want)) == 0)
            return strtol(line + strlen(want), NULL, 10);
    return 0;
}

TEST(unknown_futex_operation_is_enosys_and_counted_per_operation)
{
    uint32_t w = 0;
    long before = unimplemented_futex_op(14);
    CHECK_ERR(futex6(&w, 14, 0, NULL, NULL, 0), ENOSYS);
    CHECK_ERR(futex6(&w, 14 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), ENOSYS);
    if (before < 0) {
        printf("  note: no /sys/kernel/unimplemented here (not OSCortex): count not checked\n");
        return;
    }
    CHECK_EQ(unimplemented_futex_op(14), before + 2);
    CHECK_EQ(unimplemented_futex_op(FUTEX_LOCK_PI), 0);   /* known ones never appear */
}
