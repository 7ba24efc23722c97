/* Futex operations beyond wait/wake: bitset waits and wakes, FUTEX_WAKE_OP,
 * requeue, and the count of unknown futex operations in /sys/kernel/unimplemented
 * (OSCortex only). PI locks are in futex_pi.c, robust lists in futex_robust.c. */
#define _GNU_SOURCE
#include "futex_test.h"

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
