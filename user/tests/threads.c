/* Threads and futexes: pthread create/join with results, mutex contention (futex
 * wait/wake under load), condition variables, thread-local storage, thread ids,
 * raw futex error cases. */
#define _GNU_SOURCE
#include "testlib.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

/* From <linux/futex.h>, which musl-gcc's include path does not have. */
#define FUTEX_WAIT_PRIVATE 128      /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129      /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */

static void *return_arg_plus_one(void *arg)
{
    return (void *)((uintptr_t)arg + 1);
}

TEST(pthread_create_and_join_return_the_result)
{
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, return_arg_plus_one, (void *)41) == 0);
    void *res = NULL;
    CHECK_EQ(pthread_join(t, &res), 0);
    CHECK_EQ((uintptr_t)res, 42);
}

TEST(many_threads_join_in_order)
{
    pthread_t t[16];
    for (uintptr_t i = 0; i < 16; i++)
        REQUIRE(pthread_create(&t[i], NULL, return_arg_plus_one, (void *)i) == 0);
    for (uintptr_t i = 0; i < 16; i++) {
        void *res;
        CHECK_EQ(pthread_join(t[i], &res), 0);
        CHECK_EQ((uintptr_t)res, i + 1);
    }
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
#define ROUNDS 20000

static void *increment(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        long v = counter;
        if ((i & 255) == 0)
            sched_yield();      /* hold the lock across a yield: real contention */
        counter = v + 1;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

TEST(mutex_contention_loses_no_increment)
{
    pthread_t t[4];
    counter = 0;
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&t[i], NULL, increment, NULL) == 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(counter, 4L * ROUNDS);
}

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;    /* 0: main's turn, 1: the thread's */

static void *ping(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&cv_lock);
        while (turn != 1)
            pthread_cond_wait(&cv, &cv_lock);
        turn = 0;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&cv_lock);
    }
    return NULL;
}

TEST(condition_variable_ping_pong)
{
    pthread_t t;
    turn = 0;
    REQUIRE(pthread_create(&t, NULL, ping, NULL) == 0);
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&cv_lock);
        turn = 1;
        pthread_cond_signal(&cv);
        while (turn != 0)
            pthread_cond_wait(&cv, &cv_lock);
        pthread_mutex_unlock(&cv_lock);
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
}

static __thread int tls_value = 5;

static void *tls_thread(void *arg)
{
    (void)arg;
    int first = tls_value;      /* the initial image, not main's value */
    tls_value = 99;
    return (void *)(uintptr_t)first;
}

TEST(thread_local_storage_is_per_thread)
{
    tls_value = 7;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, tls_thread, NULL) == 0);
    void *res;
    CHECK_EQ(pthread_join(t, &res), 0);
    CHECK_EQ((uintptr_t)res, 5);
    CHECK_EQ(tls_value, 7);
}

static void *ids(void *arg)
{
    long *out = arg;
    out[0] = getpid();
    out[1] = syscall(SYS_gettid);
    return NULL;
}

TEST(threads_share_the_pid_but_not_the_tid)
{
    long out[2] = { 0, 0 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, ids, out) == 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(out[0], getpid());
    CHECK(out[1] > 0);
    CHECK(out[1] != syscall(SYS_gettid));
}

static int shared_word;

static void *store_in_shared(void *arg)
{
    (void)arg;
    shared_word = 1234;     /* threads share the address space */
    return NULL;
}

TEST(threads_share_memory)
{
    shared_word = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, store_in_shared, NULL) == 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(shared_word, 1234);
}

static long futex(int *uaddr, int op, int val, const struct timespec *timeout)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

TEST(futex_wait_with_a_stale_value_is_eagain)
{
    int word = 1;
    CHECK_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL), EAGAIN);
}

TEST(futex_wait_times_out)
{
    int word = 0;
    struct timespec t0, t1, rel = { 0, 20 * 1000000L };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel), ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    CHECK(ns >= 20 * 1000000LL);
}

TEST(futex_wake_without_waiters_wakes_nobody)
{
    int word = 0;
    CHECK_EQ(futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL), 0);
}

static int gate;

static void *open_gate(void *arg)
{
    (void)arg;
    struct timespec d = { 0, 10 * 1000000L };
    nanosleep(&d, NULL);
    __atomic_store_n(&gate, 1, __ATOMIC_SEQ_CST);
    futex(&gate, FUTEX_WAKE_PRIVATE, 1, NULL);
    return NULL;
}

TEST(futex_wait_is_woken_by_another_thread)
{
    gate = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, open_gate, NULL) == 0);
    while (__atomic_load_n(&gate, __ATOMIC_SEQ_CST) == 0) {
        long r = futex(&gate, FUTEX_WAIT_PRIVATE, 0, NULL);
        CHECK(r == 0 || errno == EAGAIN || errno == EINTR);
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
}
