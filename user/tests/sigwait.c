/* rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): a blocked signal already
 * pending or arriving later (from another thread, a child's SIGCHLD) is taken with
 * its siginfo instead of running a handler; zero timeout polls, a timeout gives
 * EAGAIN, a handled signal outside the set EINTR; bad arguments EINVAL / EFAULT.
 * Every test restores the mask and actions it changed. */
#define _GNU_SOURCE
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t handled;
static void on_count(int sig) { (void)sig; handled++; }

static sigset_t set_of(int a, int b)
{
    sigset_t s;
    sigemptyset(&s);
    if (a)
        sigaddset(&s, a);
    if (b)
        sigaddset(&s, b);
    return s;
}

/* The raw call: libc wrappers may retry on EINTR (musl's sigtimedwait does). */
static long raw_sigtimedwait(const void *set, siginfo_t *si, const struct timespec *ts,
                             size_t size)
{
    return syscall(SYS_rt_sigtimedwait, set, si, ts, size);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0)
        ;
}

static const struct timespec ten_s = { 10, 0 };

TEST(sigwaitinfo_takes_an_already_pending_signal_with_its_siginfo)
{
    handled = 0;
    signal(SIGUSR1, on_count);
    sigset_t s = set_of(SIGUSR1, 0), old, pend;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigwaitinfo(&s, &si), SIGUSR1);
    CHECK_EQ(si.si_signo, SIGUSR1);
    CHECK_EQ(si.si_code, SI_USER);
    CHECK_EQ(si.si_pid, getpid());
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, SIGUSR1), 0);   /* taken, not left pending */
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK_EQ(handled, 0);                       /* the handler never ran */
    signal(SIGUSR1, SIG_DFL);
}

TEST(sigwait_takes_pending_standard_signals_lowest_number_first)
{
    sigset_t s = set_of(SIGUSR1, SIGUSR2), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    int sig = 0;
    CHECK_EQ(sigwait(&s, &sig), 0);
    CHECK_EQ(sig, SIGUSR1);
    CHECK_EQ(sigwait(&s, &sig), 0);
    CHECK_EQ(sig, SIGUSR2);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigtimedwait_zero_timeout_polls_with_eagain)
{
    sigset_t s = set_of(SIGUSR2, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    struct timespec zero = { 0, 0 };
    CHECK_ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);
    kill(getpid(), SIGUSR2);
    CHECK_EQ(sigtimedwait(&s, NULL, &zero), SIGUSR2);
    CHECK_ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigtimedwait_times_out_with_eagain_not_before_the_timeout)
{
    sigset_t s = set_of(SIGUSR2, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    struct timespec ts = { 0, 100 * 1000000L };
    double t0 = now_s();
    CHECK_ERR(sigtimedwait(&s, NULL, &ts), EAGAIN);
    CHECK(now_s() - t0 >= 0.099);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

struct sender {
    pthread_t target;
    int how;            /* 0: kill the process, 1: sigqueue with a value, 2: pthread_kill */
    int sig;
};

static void *send_later(void *arg)
{
    struct sender *s = arg;
    sleep_ms(100);      /* long enough for the waiter to be asleep, usually */
    if (s->how == 0)
        kill(getpid(), s->sig);
    else if (s->how == 1)
        sigqueue(getpid(), s->sig, (union sigval){ .sival_int = 4242 });
    else
        pthread_kill(s->target, s->sig);
    return NULL;
}

TEST(sigwaitinfo_gets_a_signal_another_thread_sends_later)
{
    sigset_t s = set_of(SIGUSR1, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);    /* the thread inherits it */
    struct sender snd = { pthread_self(), 0, SIGUSR1 };
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, send_later, &snd) == 0);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &ten_s), SIGUSR1);
    CHECK_EQ(si.si_code, SI_USER);
    CHECK_EQ(si.si_pid, getpid());
    pthread_join(th, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigwaitinfo_gets_a_queued_value_sent_later)
{
    sigset_t s = set_of(SIGRTMIN + 1, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    struct sender snd = { pthread_self(), 1, SIGRTMIN + 1 };
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, send_later, &snd) == 0);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &ten_s), SIGRTMIN + 1);
    CHECK_EQ(si.si_code, SI_QUEUE);
    CHECK_EQ(si.si_value.sival_int, 4242);
    CHECK_EQ(si.si_pid, getpid());
    CHECK_EQ(si.si_uid, getuid());
    pthread_join(th, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigtimedwait_gets_sigchld_of_an_exiting_child_within_a_time_limit)
{
    /* The test-harness pattern: SIGCHLD at its default action (ignore) but
     * blocked, so it stays pending until taken. */
    signal(SIGCHLD, SIG_DFL);
    sigset_t s = set_of(SIGCHLD, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        sleep_ms(50);
        _exit(7);
    }
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &ten_s), SIGCHLD);
    CHECK_EQ(si.si_code, CLD_EXITED);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 7);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigtimedwait_takes_sigchld_of_a_child_that_already_exited)
{
    signal(SIGCHLD, SIG_DFL);
    sigset_t s = set_of(SIGCHLD, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0)
        _exit(3);
    siginfo_t wi;
    memset(&wi, 0, sizeof(wi));
    CHECK_EQ(waitid(P_PID, pid, &wi, WEXITED | WNOWAIT), 0);   /* it has exited */
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &zero), SIGCHLD);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 3);
    waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigtimedwait_is_interrupted_with_eintr_by_a_handled_signal_outside_the_set)
{
    handled = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_count;
    sa.sa_flags = SA_RESTART;           /* EINTR all the same (Linux) */
    REQUIRE(sigaction(SIGUSR2, &sa, NULL) == 0);
    sigset_t s = set_of(SIGUSR1, 0), old, u2 = set_of(SIGUSR2, 0);
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    REQUIRE(sigprocmask(SIG_UNBLOCK, &u2, NULL) == 0);
    struct sender snd = { pthread_self(), 2, SIGUSR2 };
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, send_later, &snd) == 0);
    uint64_t kset = 1ull << (SIGUSR1 - 1);
    errno = 0;
    CHECK_ERR(raw_sigtimedwait(&kset, NULL, &ten_s, 8), EINTR);
    CHECK_EQ(handled, 1);
    pthread_join(th, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGUSR2, SIG_DFL);
}

TEST(sigtimedwait_bad_arguments_are_einval_or_efault)
{
    sigset_t s = set_of(SIGUSR1, 0), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    uint64_t kset = 1ull << (SIGUSR1 - 1);
    struct timespec bad_ns = { 0, 1000000000L }, neg = { -1, 0 };
    CHECK_ERR(raw_sigtimedwait(&kset, NULL, &bad_ns, 8), EINVAL);
    CHECK_ERR(raw_sigtimedwait(&kset, NULL, &neg, 8), EINVAL);
    struct timespec zero = { 0, 0 };
    CHECK_ERR(raw_sigtimedwait(&kset, NULL, &zero, 4), EINVAL);
    CHECK_ERR(raw_sigtimedwait((void *)16, NULL, &zero, 8), EFAULT);
    CHECK_ERR(raw_sigtimedwait(&kset, NULL, (void *)16, 8), EFAULT);
    /* A bad siginfo pointer: EFAULT, and the signal is consumed (Linux). */
    kill(getpid(), SIGUSR1);
    CHECK_ERR(raw_sigtimedwait(&kset, (void *)16, &zero, 8), EFAULT);
    CHECK_ERR(raw_sigtimedwait(&kset, NULL, &zero, 8), EAGAIN);
    sigprocmask(SIG_SETMASK, &old, NULL);
}
