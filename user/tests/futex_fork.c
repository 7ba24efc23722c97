/* Futex sleepers across a fork by another thread: fork makes the sleeper's private
 * page copy-on-write, and the waker's write must still reach the sleeper (Linux
 * keys private futexes by address space and address; a kernel keying by frame
 * must keep the frame). Each wait is bounded, so a lost wake-up fails, not hangs. */
#define _GNU_SOURCE
#include "futex_test.h"

static uint32_t word __attribute__((aligned(4096)));   /* alone on its page */
static long wait_result;

static void *waiter(void *arg)
{
    (void)arg;
    struct timespec limit = { 10, 0 };
    wait_result = futex6(&word, FUTEX_WAIT_PRIVATE, 0, &limit, NULL, 0) == 0 ? 0 : -errno;
    return NULL;
}

/* A child that keeps its copy of memory (and so the page shared copy-on-write)
 * until the pipe closes. */
static pid_t fork_holder(int *wr)
{
    int p[2];
    if (pipe(p))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        char c;
        while (read(p[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(p[0]);
    *wr = p[1];
    return pid;
}

TEST(a_sleeper_is_woken_after_another_thread_forks)
{
    word = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, waiter, NULL) == 0);
    for (int i = 0; i < 1000 && private_waiters_on(&word, 0) < 1; i++)
        sleep_ms(10);
    CHECK_EQ(private_waiters_on(&word, 0), 1);
    int wr = -1;
    pid_t child = fork_holder(&wr);
    REQUIRE(child > 0);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);       /* the parent's write */
    CHECK_EQ(futex6(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
    pthread_join(t, NULL);
    CHECK_EQ(wait_result, 0);
    close(wr);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
}

TEST(the_child_gets_its_own_copy_of_the_sleepers_page)
{
    word = 0;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, waiter, NULL) == 0);
    for (int i = 0; i < 1000 && private_waiters_on(&word, 0) < 1; i++)
        sleep_ms(10);
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t child = fork();
    if (child == 0) {
        word = 7;                       /* the child's copy only */
        _exit(word == 7 ? 0 : 1);
    }
    int st = -1;
    CHECK_EQ(waitpid(child, &st, 0), child);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(word, 0);                  /* the parent's word is untouched */
    CHECK_EQ(private_waiters_on(&word, 0), 1);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    CHECK_EQ(futex6(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
    pthread_join(t, NULL);
    CHECK_EQ(wait_result, 0);
    close(p[0]);
    close(p[1]);
}

static volatile int forked;

static void *exit_after_fork(void *arg)
{
    (void)arg;
    while (!forked)
        sleep_ms(5);
    return NULL;
}

static void *forker(void *arg)
{
    int *wr = arg;
    sleep_ms(200);                        /* let the main thread block in join */
    *wr = -1;
    fork_holder(wr);
    forked = 1;
    return NULL;
}

TEST(pthread_join_returns_when_another_thread_forked_meanwhile)
{
    pthread_t t1, t2;
    int wr = -1;
    forked = 0;
    alarm(20);                          /* a lost wake-up ends the program */
    REQUIRE(pthread_create(&t1, NULL, exit_after_fork, NULL) == 0);
    REQUIRE(pthread_create(&t2, NULL, forker, &wr) == 0);
    CHECK_EQ(pthread_join(t1, NULL), 0);
    CHECK_EQ(pthread_join(t2, NULL), 0);
    alarm(0);
    if (wr >= 0)
        close(wr);
    while (waitpid(-1, NULL, 0) > 0)
        ;
}
