/* POSIX timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
 * timer_delete) and clock_nanosleep with TIMER_ABSTIME: one-shot and periodic
 * timers send SI_TIMER signals with si_timerid and si_value; SIGEV_NONE only
 * counts down; SIGEV_THREAD_ID picks a thread; SIGEV_THREAD (libc's helper thread
 * on top of SIGEV_THREAD_ID and sigwaitinfo) runs a callback; while a timer's
 * signal is pending, expiries are overruns, not more signals. Timing checks are
 * lower bounds or generous timeouts only. Every test restores what it changed. */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN     /* main doubles as the image exec'd by the exec test */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#define MS 1000000L

static const struct timespec ten_s = { 10, 0 };

static sigset_t one(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    return s;
}

static int64_t clock_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
    return (struct timespec){ ns / 1000000000, ns % 1000000000 };
}

static int arm(timer_t t, int flags, int64_t value_ns, int64_t interval_ns)
{
    struct itimerspec its = { ts_of(interval_ns), ts_of(value_ns) };
    return timer_settime(t, flags, &its, NULL);
}

static int create(clockid_t c, int notify, int sig, int value, timer_t *t)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = notify;
    ev.sigev_signo = sig;
    ev.sigev_value.sival_int = value;
    return timer_create(c, &ev, t);
}

static int kernel_id(timer_t t)
{
    return (int)(intptr_t)t;        /* musl and glibc: the kernel's id, for signal timers */
}

TEST(one_shot_timer_sends_one_si_timer_signal_with_its_id_and_value)
{
    int sig = SIGRTMIN + 1;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    timer_t t;
    REQUIRE(create(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 777, &t) == 0);
    int64_t t0 = clock_ns(CLOCK_MONOTONIC);
    CHECK_EQ(arm(t, 0, 50 * MS, 0), 0);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &ten_s), sig);
    CHECK(clock_ns(CLOCK_MONOTONIC) - t0 >= 50 * MS);
    CHECK_EQ(si.si_code, SI_TIMER);
    CHECK_EQ(si.si_value.sival_int, 777);
    CHECK_EQ(si.si_timerid, kernel_id(t));
    CHECK_EQ(si.si_overrun, 0);
    struct timespec later = { 0, 200 * MS };
    CHECK_ERR(sigtimedwait(&s, &si, &later), EAGAIN);    /* one shot only */
    struct itimerspec cur;
    CHECK_EQ(timer_gettime(t, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    CHECK_EQ(timer_delete(t), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(default_sigevent_is_sigalrm_carrying_the_timer_id)
{
    /* Raw: glibc passes its own sigevent where the caller gives none. */
    sigset_t s = one(SIGALRM), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    int id = -1;
    REQUIRE(syscall(SYS_timer_create, CLOCK_REALTIME, NULL, &id) == 0);
    struct itimerspec its = { { 0, 0 }, { 0, 20 * MS } };
    CHECK_EQ(syscall(SYS_timer_settime, id, 0, &its, NULL), 0);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &ten_s), SIGALRM);
    CHECK_EQ(si.si_code, SI_TIMER);
    CHECK_EQ(si.si_timerid, id);
    CHECK_EQ(si.si_value.sival_int, id);
    CHECK_EQ(syscall(SYS_timer_delete, id), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(periodic_timer_expires_again_and_again)
{
    int sig = SIGRTMIN + 2;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    timer_t t;
    REQUIRE(create(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 5, &t) == 0);
    int64_t t0 = clock_ns(CLOCK_MONOTONIC);
    CHECK_EQ(arm(t, 0, 20 * MS, 20 * MS), 0);
    int got = 0, expiries = 0;
    siginfo_t si;
    for (int i = 0; i < 4; i++) {
        memset(&si, 0, sizeof(si));
        if (sigtimedwait(&s, &si, &ten_s) == sig && si.si_code == SI_TIMER &&
            si.si_value.sival_int == 5) {
            got++;
            expiries += 1 + si.si_overrun;
        }
    }
    CHECK_EQ(got, 4);
    CHECK(clock_ns(CLOCK_MONOTONIC) - t0 >= (int64_t)expiries * 20 * MS);
    struct itimerspec cur;
    CHECK_EQ(timer_gettime(t, &cur), 0);
    CHECK(cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 20 * MS);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20 * MS);
    CHECK_EQ(timer_delete(t), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(sigev_none_timer_only_counts_down_and_settime_returns_the_old_value)
{
    timer_t t;
    REQUIRE(create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, &t) == 0);
    struct itimerspec cur, old;
    CHECK_EQ(timer_gettime(t, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);      /* disarmed */
    CHECK_EQ(arm(t, 0, 10000 * MS, 0), 0);
    CHECK_EQ(timer_gettime(t, &cur), 0);
    int64_t first = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
    CHECK(first > 5000 * MS && first <= 10000 * MS);
    struct timespec nap = { 0, 50 * MS };
    nanosleep(&nap, NULL);
    CHECK_EQ(timer_gettime(t, &cur), 0);
    int64_t second = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
    CHECK(second <= first - 50 * MS);
    struct itimerspec zero;
    memset(&zero, 0, sizeof(zero));
    CHECK_EQ(timer_settime(t, 0, &zero, &old), 0);
    int64_t oldv = old.it_value.tv_sec * 1000000000LL + old.it_value.tv_nsec;
    CHECK(oldv > 0 && oldv <= second);
    /* An expired one-shot SIGEV_NONE timer reads 0. */
    CHECK_EQ(arm(t, 0, 1 * MS, 0), 0);
    nanosleep(&nap, NULL);
    CHECK_EQ(timer_gettime(t, &cur), 0);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    CHECK_EQ(timer_delete(t), 0);
}

struct waiter {
    int sig;
    volatile pid_t tid;
    volatile int got, code;
};

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    sigset_t s = one(w->sig);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    w->tid = (pid_t)syscall(SYS_gettid);
    if (sigtimedwait(&s, &si, &ten_s) == w->sig) {
        w->got = 1;
        w->code = si.si_code;
    }
    return NULL;
}

TEST(sigev_thread_id_timer_signals_the_named_thread_only)
{
    struct waiter w = { SIGRTMIN + 3, 0, 0, 0 };
    sigset_t s = one(w.sig), old, pend;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);    /* every thread blocks it */
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, wait_thread, &w) == 0);
    while (!w.tid)
        sched_yield();
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = w.sig;
#ifdef __GLIBC__
    ev._sigev_un._tid = w.tid;
#else
    ev.sigev_notify_thread_id = w.tid;
#endif
    timer_t t;
    REQUIRE(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    CHECK_EQ(arm(t, 0, 50 * MS, 0), 0);
    pthread_join(th, NULL);
    CHECK_EQ(w.got, 1);
    CHECK_EQ(w.code, SI_TIMER);
    CHECK_EQ(sigpending(&pend), 0);
    CHECK_EQ(sigismember(&pend, w.sig), 0);
    CHECK_EQ(timer_delete(t), 0);
    /* A tid outside this process is refused. */
#ifdef __GLIBC__
    ev._sigev_un._tid = getppid();
#else
    ev.sigev_notify_thread_id = getppid();
#endif
    CHECK_ERR(timer_create(CLOCK_MONOTONIC, &ev, &t), EINVAL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(blocked_periodic_timer_queues_one_signal_and_counts_overruns)
{
    int sig = SIGRTMIN + 4;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    timer_t t;
    REQUIRE(create(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 0, &t) == 0);
    CHECK_EQ(arm(t, 0, 10 * MS, 10 * MS), 0);
    struct timespec nap = { 0, 250 * MS };
    nanosleep(&nap, NULL);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    CHECK_EQ(sigtimedwait(&s, &si, &ten_s), sig);
    CHECK(si.si_overrun >= 3);          /* ~24 expiries passed; one signal for them */
    CHECK_EQ(timer_getoverrun(t), si.si_overrun);
    struct itimerspec zero;
    memset(&zero, 0, sizeof(zero));
    CHECK_EQ(timer_settime(t, 0, &zero, NULL), 0);
    struct timespec poll0 = { 0, 0 };
    int more = 0;
    while (sigtimedwait(&s, &si, &poll0) == sig)
        more++;
    CHECK(more <= 1);                   /* not one signal per expiry */
    CHECK_EQ(timer_delete(t), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(deleted_timer_is_gone_and_never_fires)
{
    int sig = SIGRTMIN + 5;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    timer_t t;
    REQUIRE(create(CLOCK_MONOTONIC, SIGEV_SIGNAL, sig, 0, &t) == 0);
    CHECK_EQ(arm(t, 0, 50 * MS, 0), 0);
    CHECK_EQ(timer_delete(t), 0);
    struct timespec wait = { 0, 200 * MS };
    CHECK_ERR(sigtimedwait(&s, NULL, &wait), EAGAIN);
    struct itimerspec cur;
    CHECK_ERR(syscall(SYS_timer_gettime, kernel_id(t), &cur), EINVAL);
    CHECK_ERR(syscall(SYS_timer_getoverrun, kernel_id(t)), EINVAL);
    CHECK_ERR(syscall(SYS_timer_delete, kernel_id(t)), EINVAL);
    struct itimerspec its = { { 0, 0 }, { 1, 0 } };
    CHECK_ERR(syscall(SYS_timer_settime, kernel_id(t), 0, &its, NULL), EINVAL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(abstime_timer_fires_at_an_absolute_deadline_on_both_clocks)
{
    int sig = SIGRTMIN + 6;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    clockid_t clocks[2] = { CLOCK_REALTIME, CLOCK_MONOTONIC };
    for (int i = 0; i < 2; i++) {
        timer_t t;
        REQUIRE(create(clocks[i], SIGEV_SIGNAL, sig, i, &t) == 0);
        int64_t deadline = clock_ns(clocks[i]) + 100 * MS;
        CHECK_EQ(arm(t, TIMER_ABSTIME, deadline, 0), 0);
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        CHECK_EQ(sigtimedwait(&s, &si, &ten_s), sig);
        CHECK(clock_ns(clocks[i]) >= deadline);
        CHECK_EQ(si.si_value.sival_int, i);
        /* A deadline already past fires at once. */
        CHECK_EQ(arm(t, TIMER_ABSTIME, clock_ns(clocks[i]) - 1000 * MS, 0), 0);
        CHECK_EQ(sigtimedwait(&s, &si, &ten_s), sig);
        CHECK_EQ(timer_delete(t), 0);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static volatile int callback_runs;
static volatile int callback_value;

static void on_timer_thread(union sigval v)
{
    callback_value = v.sival_int;
    __atomic_add_fetch(&callback_runs, 1, __ATOMIC_SEQ_CST);
}

TEST(sigev_thread_timer_runs_its_callback)
{
    callback_runs = 0;
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_notify_function = on_timer_thread;
    ev.sigev_value.sival_int = 31337;
    timer_t t;
    REQUIRE(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    CHECK_EQ(arm(t, 0, 30 * MS, 0), 0);
    for (int i = 0; i < 1000 && !callback_runs; i++) {
        struct timespec nap = { 0, 10 * MS };
        nanosleep(&nap, NULL);
    }
    CHECK_EQ(callback_runs, 1);
    CHECK_EQ(callback_value, 31337);
    CHECK_EQ(timer_delete(t), 0);
}

TEST(timer_create_checks_clock_notify_signal_and_pointers)
{
    timer_t t;
    CHECK_ERR(create(12345, SIGEV_SIGNAL, SIGUSR1, 0, &t), EINVAL);
    CHECK_ERR(create(CLOCK_MONOTONIC, 77, SIGUSR1, 0, &t), EINVAL);
    CHECK_ERR(create(CLOCK_MONOTONIC, SIGEV_SIGNAL, 65, 0, &t), EINVAL);
    CHECK_ERR(create(CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, 0, &t), EINVAL);
    int id;
    CHECK_ERR(syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)16, &id), EFAULT);
    REQUIRE(syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id) == 0);
    struct itimerspec bad = { { 0, 0 }, { 0, 1000000000L } };
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, &bad, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, NULL, NULL), EINVAL);
    CHECK_ERR(syscall(SYS_timer_settime, id, 0, (void *)16, NULL), EFAULT);
    CHECK_ERR(syscall(SYS_timer_gettime, id, (void *)16), EFAULT);
    CHECK_EQ(syscall(SYS_timer_delete, id), 0);
}

TEST(forked_child_does_not_inherit_timers)
{
    timer_t t;
    REQUIRE(create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, &t) == 0);
    CHECK_EQ(arm(t, 0, 10000 * MS, 0), 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct itimerspec cur;
        _exit(syscall(SYS_timer_gettime, kernel_id(t), &cur) == -1 && errno == EINVAL ? 0 : 1);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(timer_delete(t), 0);
}

TEST(process_cpu_time_timer_fires_after_that_much_cpu_time_not_wall_time)
{
    int sig = SIGRTMIN + 7;
    sigset_t s = one(sig), old;
    REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
    timer_t t;
    REQUIRE(create(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, sig, 0, &t) == 0);
    CHECK_EQ(arm(t, 0, 300 * MS, 0), 0);
    /* Asleep, the process uses next to no CPU time: nothing fires. */
    struct timespec nap = { 0, 500 * MS }, zero = { 0, 0 };
    nanosleep(&nap, NULL);
    CHECK_ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);
    /* Busy, it does (give up after 20 s of CPU time). The start is read before
     * arming: CPU time counted between the two (a busy host stalls a virtual CPU
     * that the guest then charges as run time) must not look like an early fire. */
    int64_t start = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK_EQ(arm(t, 0, 50 * MS, 0), 0);
    int got = 0;
    while (!got && clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start < 20000 * MS)
        got = sigtimedwait(&s, NULL, &zero) == sig;
    CHECK(got);
    CHECK(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start >= 50 * MS);
    CHECK_EQ(timer_delete(t), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

TEST(thread_cpu_time_timer_counts_its_thread_and_gettime_counts_down)
{
    timer_t t;
    REQUIRE(create(CLOCK_THREAD_CPUTIME_ID, SIGEV_NONE, 0, 0, &t) == 0);
    CHECK_EQ(arm(t, 0, 10000 * MS, 0), 0);
    struct itimerspec a, b;
    CHECK_EQ(timer_gettime(t, &a), 0);
    int64_t start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    while (clock_ns(CLOCK_THREAD_CPUTIME_ID) - start < 30 * MS)
        ;
    CHECK_EQ(timer_gettime(t, &b), 0);
    int64_t va = a.it_value.tv_sec * 1000000000LL + a.it_value.tv_nsec;
    int64_t vb = b.it_value.tv_sec * 1000000000LL + b.it_value.tv_nsec;
    CHECK(va <= 10000 * MS && vb <= va - 30 * MS);
    CHECK_EQ(timer_delete(t), 0);
}

static volatile unsigned long spin_sink;

/* Spins in user mode until sig is pending (taken) or 20 s of CPU time passed;
 * returns the CPU time used since start (a process CPU-clock reading), or -1 when
 * sig never came. */
static int64_t spin_until(int sig, int64_t start)
{
    sigset_t s = one(sig);
    struct timespec zero = { 0, 0 };
    while (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start < 20000 * MS) {
        for (int i = 0; i < 200000; i++)
            spin_sink++;
        if (sigtimedwait(&s, NULL, &zero) == sig)
            return clock_ns(CLOCK_PROCESS_CPUTIME_ID) - start;
    }
    return -1;
}

TEST(setitimer_prof_and_virtual_fire_after_cpu_time_not_while_asleep)
{
    int which[2] = { ITIMER_PROF, ITIMER_VIRTUAL }, sigs[2] = { SIGPROF, SIGVTALRM };
    for (int i = 0; i < 2; i++) {
        sigset_t s = one(sigs[i]), old;
        REQUIRE(sigprocmask(SIG_BLOCK, &s, &old) == 0);
        struct itimerval v = { { 0, 0 }, { 0, 300000 } }, cur, prev;
        CHECK_EQ(setitimer(which[i], &v, NULL), 0);
        CHECK_EQ(getitimer(which[i], &cur), 0);
        /* Linux adds a tick to CPU itimers: no exact upper bound. */
        CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0);
        struct timespec nap = { 0, 500 * MS }, zero = { 0, 0 };
        nanosleep(&nap, NULL);
        CHECK_ERR(sigtimedwait(&s, NULL, &zero), EAGAIN);   /* asleep: no CPU time */
        v.it_value.tv_usec = 50000;
        int64_t start = clock_ns(CLOCK_PROCESS_CPUTIME_ID);    /* before arming */
        CHECK_EQ(setitimer(which[i], &v, &prev), 0);
        CHECK(prev.it_value.tv_sec == 0 && prev.it_value.tv_usec > 0);
        int64_t used = spin_until(sigs[i], start);
        /* Linux charges CPU itimers whole ticks at a time, so by the precise
         * clock they fire early on a busy host (33-47 ms for 50 here): half is
         * the bound that still tells CPU time from nothing. */
        CHECK(used >= 25 * MS);
        CHECK_EQ(getitimer(which[i], &cur), 0);
        CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0);   /* one shot */
        sigprocmask(SIG_SETMASK, &old, NULL);
    }
}

/* Run as `ptimers exec-check ID` by the test below, in a process whose timer ID
 * (periodic, SIGRTMIN+1, blocked) existed before exec. The mask and pending
 * signals survive exec; the timer must not: once what came before exec is taken,
 * nothing new may arrive. */
static int exec_check(int id)
{
    struct itimerspec cur;
    if (syscall(SYS_timer_gettime, id, &cur) != -1 || errno != EINVAL)
        return 1;
    sigset_t s = one(SIGRTMIN + 1);
    struct timespec zero = { 0, 0 }, nap = { 0, 200 * MS };
    while (sigtimedwait(&s, NULL, &zero) == SIGRTMIN + 1)
        ;                           /* generated before the exec */
    nanosleep(&nap, NULL);
    return sigtimedwait(&s, NULL, &zero) == SIGRTMIN + 1 ? 4 : 0;    /* a survivor fired */
}

TEST(exec_deletes_the_timers_of_the_process)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* Blocked: a tick that comes before the exec completes (a slow exec on a
         * busy host) stays pending instead of killing the child. */
        sigset_t s = one(SIGRTMIN + 1);
        sigprocmask(SIG_BLOCK, &s, NULL);
        timer_t t;
        if (create(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 1, 0, &t) != 0 ||
            arm(t, 0, 20 * MS, 20 * MS) != 0)
            _exit(2);
        char id[16];
        snprintf(id, sizeof(id), "%d", kernel_id(t));
        execl("/proc/self/exe", "ptimers", "exec-check", id, (char *)NULL);
        _exit(3);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

TEST(clock_nanosleep_abstime_sleeps_until_the_deadline_on_both_clocks)
{
    clockid_t clocks[2] = { CLOCK_REALTIME, CLOCK_MONOTONIC };
    for (int i = 0; i < 2; i++) {
        int64_t deadline = clock_ns(clocks[i]) + 100 * MS;
        struct timespec dl = ts_of(deadline);
        CHECK_EQ(clock_nanosleep(clocks[i], TIMER_ABSTIME, &dl, NULL), 0);
        CHECK(clock_ns(clocks[i]) >= deadline);
        struct timespec past = ts_of(clock_ns(clocks[i]) - 1000 * MS);
        CHECK_EQ(clock_nanosleep(clocks[i], TIMER_ABSTIME, &past, NULL), 0);
    }
}

static volatile sig_atomic_t handled;
static void on_count(int sig) { (void)sig; handled++; }

static void *kick_later(void *arg)
{
    struct timespec nap = { 0, 100 * MS };
    nanosleep(&nap, NULL);
    pthread_kill(*(pthread_t *)arg, SIGUSR1);
    return NULL;
}

TEST(clock_nanosleep_abstime_interrupted_is_eintr_and_leaves_remain_untouched)
{
    handled = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_count;
    REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
    pthread_t self = pthread_self(), th;
    REQUIRE(pthread_create(&th, NULL, kick_later, &self) == 0);
    struct timespec dl = ts_of(clock_ns(CLOCK_MONOTONIC) + 10000 * MS);
    struct timespec rem = { 1234, 5678 };
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, &rem), EINTR);
    CHECK_EQ(handled, 1);
    CHECK(rem.tv_sec == 1234 && rem.tv_nsec == 5678);
    pthread_join(th, NULL);
    signal(SIGUSR1, SIG_DFL);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "exec-check") == 0)
        return exec_check(atoi(argv[2]));
    return tl_run_all(argv[0] ? argv[0] : "ptimers");
}
