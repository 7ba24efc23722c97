/* A futex sleeper woken by a signal that no handler takes goes back to sleep, as
 * on Linux (the wait restarts): here SIGCHLD, generated while the main thread
 * blocks it, so it is queued and wakes the sleeper, then ignored. musl's fork
 * blocks every signal around the fork itself, so a child that exits at once hits
 * this window; the sleeper must not see EINTR. */
#define _GNU_SOURCE
#include "futex_test.h"

static uint32_t word;
static volatile int returned;
static long wait_result;
static const struct timespec *wait_timeout;

static void *waiter(void *arg)
{
    (void)arg;
    long r = futex6(&word, FUTEX_WAIT_PRIVATE, 0, wait_timeout, NULL, 0);
    wait_result = r == 0 ? 0 : -errno;
    returned = 1;
    return NULL;
}

/* One waiter, a child that exits while SIGCHLD is blocked in the main thread
 * (so the signal is queued, not discarded), then SIGCHLD unblocked: the waiter
 * must still be asleep afterwards and wake normally. */
static void ignored_signal_case(const struct timespec *timeout)
{
    word = 0;
    returned = 0;
    wait_timeout = timeout;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, waiter, NULL) == 0);
    for (int i = 0; i < 500 && private_waiters_on(&word, 0) < 1; i++)
        sleep_ms(10);
    REQUIRE(private_waiters_on(&word, 0) == 1);
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    REQUIRE(pthread_sigmask(SIG_BLOCK, &chld, &old) == 0);
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    REQUIRE(child > 0);
    siginfo_t si;
    CHECK_EQ(waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);  /* SIGCHLD sent */
    sleep_ms(50);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sleep_ms(50);
    CHECK_EQ(returned, 0);
    for (int i = 0; i < 100 && private_waiters_on(&word, 0) < 1; i++)
        sleep_ms(10);
    CHECK_EQ(private_waiters_on(&word, 0), 1);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    CHECK_EQ(futex6(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
    pthread_join(t, NULL);
    CHECK_EQ(wait_result, 0);
    int st;
    CHECK_EQ(waitpid(child, &st, 0), child);
}

TEST(futex_wait_without_timeout_sleeps_on_through_an_ignored_signal)
{
    ignored_signal_case(NULL);
}

TEST(futex_wait_with_timeout_sleeps_on_through_an_ignored_signal)
{
    static const struct timespec ten_s = { 10, 0 };
    ignored_signal_case(&ten_s);
}

static volatile int handled;
static void on_usr1(int sig)
{
    (void)sig;
    handled = 1;
}

/* A handler that runs still ends the wait with EINTR. */
TEST(futex_wait_interrupted_by_a_handled_signal_returns_eintr)
{
    word = 0;
    returned = 0;
    handled = 0;
    wait_timeout = NULL;
    struct sigaction sa = { .sa_handler = on_usr1 }, old;
    REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, waiter, NULL) == 0);
    for (int i = 0; i < 500 && private_waiters_on(&word, 0) < 1; i++)
        sleep_ms(10);
    REQUIRE(private_waiters_on(&word, 0) == 1);
    CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    pthread_join(t, NULL);
    CHECK_EQ(handled, 1);
    CHECK_EQ(wait_result, -EINTR);
    sigaction(SIGUSR1, &old, NULL);
}
