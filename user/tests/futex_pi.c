/* Priority-inheritance futexes: raw FUTEX_LOCK_PI/UNLOCK_PI/TRYLOCK_PI and their
 * errors, hand-over to sleepers and from a dead owner, requeue-PI (a condition
 * variable whose mutex is a PI lock), and PTHREAD_PRIO_INHERIT mutexes. */
#define _GNU_SOURCE
#include "futex_test.h"

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
