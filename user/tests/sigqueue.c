/* Queued signals: real-time signals (32..64) queue one entry per send with its own
 * siginfo and are delivered in order, lowest number first; standard signals still
 * coalesce; sigqueue (rt_sigqueueinfo, rt_tgsigqueueinfo) carries si_value, si_pid,
 * si_uid and SI_QUEUE, to this process, a child or one thread; Linux's checks on a
 * forged si_code; rt_sigpending shows queued signals; a full queue is EAGAIN.
 * Every test restores the mask and actions it changed. */
#define _GNU_SOURCE
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define LOG_MAX 64
static volatile int log_n;
static volatile int log_sig[LOG_MAX], log_val[LOG_MAX], log_code[LOG_MAX], log_pid[LOG_MAX];

static void on_log(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int i = log_n;
    if (i < LOG_MAX) {
        log_sig[i] = sig;
        log_val[i] = si->si_value.sival_int;
        log_code[i] = si->si_code;
        log_pid[i] = si->si_pid;
        log_n = i + 1;
    }
}

/* A logging handler for sig whose sa_mask blocks every signal in `also` while
 * it runs, so no other handler nests inside it. */
static int log_handler(int sig, const sigset_t *also)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_log;
    sa.sa_flags = SA_SIGINFO;
    if (also)
        sa.sa_mask = *also;
    return sigaction(sig, &sa, NULL);
}

static sigset_t one(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

static int queue(pid_t pid, int sig, int value)
{
    return sigqueue(pid, sig, (union sigval){ .sival_int = value });
}

static const struct timespec ten_s = { 10, 0 };

TEST(libc_sigrtmin_and_sigrtmax_lie_within_32_to_64)
{
    CHECK(SIGRTMIN >= 32 && SIGRTMIN <= 35);
    CHECK_EQ(SIGRTMAX, 64);
}

TEST(rt_signal_sent_five_times_while_blocked_runs_its_handler_five_times_in_order)
{
    int sig = SIGRTMIN;
    log_n = 0;
    REQUIRE(log_handler(sig, NULL) == 0);
    sigset_t s = one(sig), old, pend;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    for (int i = 1; i <= 5; i++)
        CHECK_EQ(queue(getpid(), sig, 100 + i), 0);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, sig), 1);
    CHECK_EQ(log_n, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK_EQ(log_n, 5);
    for (int i = 0; i < 5 && i < log_n; i++) {
        CHECK_EQ(log_sig[i], sig);
        CHECK_EQ(log_val[i], 101 + i);
        CHECK_EQ(log_code[i], SI_QUEUE);
        CHECK_EQ(log_pid[i], getpid());
    }
    signal(sig, SIG_DFL);
}

TEST(rt_signals_are_delivered_lowest_number_first_each_in_send_order)
{
    int a = SIGRTMIN + 1, b = SIGRTMIN + 2, c = SIGRTMAX;
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, a);
    sigaddset(&all, b);
    sigaddset(&all, c);
    log_n = 0;
    REQUIRE(log_handler(a, &all) == 0 && log_handler(b, &all) == 0 && log_handler(c, &all) == 0);
    sigset_t old;
    REQUIRE(sigprocmask(SIG_BLOCK, &all, &old) == 0);
    queue(getpid(), c, 1);
    queue(getpid(), b, 2);
    queue(getpid(), a, 3);
    queue(getpid(), c, 4);
    queue(getpid(), a, 5);
    sigprocmask(SIG_SETMASK, &old, NULL);
    int want_sig[5] = { a, a, b, c, c }, want_val[5] = { 3, 5, 2, 1, 4 };
    CHECK_EQ(log_n, 5);
    for (int i = 0; i < 5 && i < log_n; i++) {
        CHECK_EQ(log_sig[i], want_sig[i]);
        CHECK_EQ(log_val[i], want_val[i]);
    }
    signal(a, SIG_DFL);
    signal(b, SIG_DFL);
    signal(c, SIG_DFL);
}

TEST(every_signal_from_32_to_64_queues)
{
    /* libc keeps 32..34 for itself (its sigaddset refuses them), but the kernel
     * queues them all: block them and take them with the raw calls, so libc's own
     * handlers never see ours. */
    uint64_t kset = 0, kold = 0;
    for (int sig = 32; sig <= 64; sig++)
        kset |= 1ull << (sig - 1);
    REQUIRE(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &kset, &kold, 8) == 0);
    for (int sig = 32; sig <= 64; sig++) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        si.si_signo = sig;
        si.si_code = SI_QUEUE;
        si.si_pid = getpid();
        si.si_uid = getuid();
        for (int v = 0; v < 2; v++) {
            si.si_value.sival_int = sig * 10 + v;
            CHECK_EQ(syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si), 0);
        }
    }
    struct timespec zero = { 0, 0 };
    for (int sig = 32; sig <= 64; sig++) {
        for (int v = 0; v < 2; v++) {
            siginfo_t si;
            memset(&si, 0, sizeof(si));
            CHECK_EQ(syscall(SYS_rt_sigtimedwait, &kset, &si, &zero, 8), sig);
            CHECK_EQ(si.si_value.sival_int, sig * 10 + v);
        }
    }
    CHECK_ERR(syscall(SYS_rt_sigtimedwait, &kset, NULL, &zero, 8), EAGAIN);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &kold, NULL, 8);
}

TEST(standard_signal_sent_three_times_while_blocked_is_delivered_once)
{
    log_n = 0;
    REQUIRE(log_handler(SIGUSR1, NULL) == 0);
    sigset_t s = one(SIGUSR1), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    CHECK_EQ(queue(getpid(), SIGUSR1, 7), 0);
    CHECK_EQ(queue(getpid(), SIGUSR1, 8), 0);
    CHECK_EQ(kill(getpid(), SIGUSR1), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK_EQ(log_n, 1);
    CHECK_EQ(log_val[0], 7);        /* the first one's siginfo is kept */
    CHECK_EQ(log_code[0], SI_QUEUE);
    signal(SIGUSR1, SIG_DFL);
}

TEST(rt_sigpending_shows_a_queued_rt_signal_until_the_last_is_taken)
{
    int sig = SIGRTMIN + 4;
    sigset_t s = one(sig), old, pend;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    queue(getpid(), sig, 1);
    queue(getpid(), sig, 2);
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, sig), 1);
    CHECK_EQ(sigtimedwait(&s, &si, &zero), sig);
    CHECK_EQ(si.si_value.sival_int, 1);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, sig), 1);
    CHECK_EQ(sigtimedwait(&s, &si, &zero), sig);
    CHECK_EQ(si.si_value.sival_int, 2);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, sig), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigqueue_to_a_child_delivers_the_value_and_sender_pid)
{
    int sig = SIGRTMIN + 3;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);    /* the child inherits it */
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        siginfo_t si;
        int got = 0;
        for (int i = 0; i < 3; i++) {
            memset(&si, 0, sizeof(si));
            if (sigtimedwait(&s, &si, &ten_s) != sig || si.si_code != SI_QUEUE ||
                si.si_pid != getppid() || si.si_value.sival_int != 500 + i)
                _exit(10 + i);
            got++;
        }
        _exit(got == 3 ? 0 : 1);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(queue(pid, sig, 500 + i), 0);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

TEST(rt_sigqueueinfo_forging_kill_or_tkill_codes_to_another_process_is_eperm)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), EPERM);
    si.si_code = SI_TKILL;
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), EPERM);
    CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, pid, pid, SIGUSR1, &si), EPERM);
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, (void *)16), EFAULT);
    si.si_code = SI_QUEUE;
    CHECK_ERR(syscall(SYS_rt_sigqueueinfo, pid, 65, &si), EINVAL);
    CHECK_EQ(syscall(SYS_rt_sigqueueinfo, pid, 0, &si), 0);      /* existence probe */
    /* To itself a process may claim any code. */
    sigset_t s = one(SIGUSR2), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    si.si_code = SI_USER;
    si.si_pid = 12345;
    CHECK_EQ(syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si), 0);
    siginfo_t got;
    struct timespec zero = { 0, 0 };
    CHECK_EQ(sigtimedwait(&s, &got, &zero), SIGUSR2);
    CHECK_EQ(got.si_code, SI_USER);
    CHECK_EQ(got.si_pid, 12345);
    sigprocmask(SIG_SETMASK, &old, NULL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

struct waiter {
    int sig;
    volatile pid_t tid;
    int value, code;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->tid = (pid_t)syscall(SYS_gettid);
    sigset_t s = one(w->sig);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (sigtimedwait(&s, &si, &ten_s) == w->sig) {
        w->value = si.si_value.sival_int;
        w->code = si.si_code;
    }
    return NULL;
}

TEST(rt_tgsigqueueinfo_reaches_the_named_thread_with_its_value)
{
    struct waiter w = { SIGRTMIN + 5, 0, 0, 0 };
    sigset_t s = one(w.sig), old, pend;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, wait_thread, &w) == 0);
    while (!w.tid)
        sched_yield();
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = w.sig;
    si.si_code = SI_QUEUE;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 9090;
    CHECK_EQ(syscall(SYS_rt_tgsigqueueinfo, getpid(), w.tid, w.sig, &si), 0);
    pthread_join(th, NULL);
    CHECK_EQ(w.value, 9090);
    CHECK_EQ(w.code, SI_QUEUE);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, w.sig), 0);     /* it went to that thread only */
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigqueue_past_the_pending_limit_is_eagain_while_kill_still_succeeds)
{
    /* Linux's limit is RLIMIT_SIGPENDING (per user; lowered here so the test
     * stays short); OSCortex's is a fixed pool of 4096. */
    struct rlimit rl, low = { 2048, 2048 };
    int have_rl = getrlimit(RLIMIT_SIGPENDING, &rl) == 0;
    if (have_rl && rl.rlim_cur > 2048)
        setrlimit(RLIMIT_SIGPENDING, &low);
    int sig = SIGRTMIN + 6;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    int sent = 0, r = 0;
    while (sent < 20000 && (r = queue(getpid(), sig, sent)) == 0)
        sent++;
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK(sent >= 1000);
    CHECK_EQ(kill(getpid(), sig), 0);   /* SI_USER: not refused, only its siginfo is lost */
    struct timespec zero = { 0, 0 };
    siginfo_t si;
    int taken = 0, in_order = 1;
    while (sigtimedwait(&s, &si, &zero) == sig) {
        if (taken < sent && si.si_value.sival_int != taken)
            in_order = 0;
        taken++;
    }
    CHECK_EQ(taken, sent);
    CHECK(in_order);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (have_rl)
        setrlimit(RLIMIT_SIGPENDING, &rl);
}
