/* CPU time: getrusage, times, wait4's rusage and the CPU-time clocks (their /proc
 * side is in procfs_cpu.c, which needs a mounted /proc). Burning loops run until the process CPU
 * clock moved by a fixed amount (capped in wall time), so a loaded machine makes
 * them longer, not the checks fragile. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>

#define MS 1000000LL

static long long ns_of(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long clock_ns(clockid_t c)
{
    struct timespec t = { 0, 0 };
    clock_gettime(c, &t);
    return ns_of(&t);
}

static long long tv_ns(const struct timeval *t)
{
    return (long long)t->tv_sec * 1000000000LL + (long long)t->tv_usec * 1000;
}

static volatile unsigned long sink;

/* Spins in user mode until clock c advanced by cpu_ns and at least min_wall_ns of
 * wall time passed, giving up after 10 s of wall time. */
static void burn_on(clockid_t c, long long cpu_ns, long long min_wall_ns)
{
    long long w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(c);
    for (;;) {
        for (int i = 0; i < 200000; i++)
            sink = sink * 6364136223846793005UL + 1442695040888963407UL;
        long long w = clock_ns(CLOCK_MONOTONIC) - w0;
        if (w > 10000 * MS)
            break;
        if (w >= min_wall_ns && clock_ns(c) - c0 >= cpu_ns)
            break;
    }
}

static void burn(long long cpu_ns)
{
    burn_on(CLOCK_PROCESS_CPUTIME_ID, cpu_ns, 0);
}

TEST(getrusage_self_user_time_grows_while_burning_and_stays_below_wall_time)
{
    struct rusage r0, r1;
    CHECK_EQ(getrusage(RUSAGE_SELF, &r0), 0);
    long long w0 = clock_ns(CLOCK_MONOTONIC);
    burn_on(CLOCK_PROCESS_CPUTIME_ID, 50 * MS, 200 * MS);
    long long w1 = clock_ns(CLOCK_MONOTONIC);
    CHECK_EQ(getrusage(RUSAGE_SELF, &r1), 0);
    CHECK(tv_ns(&r1.ru_utime) > tv_ns(&r0.ru_utime));
    CHECK(tv_ns(&r1.ru_stime) >= tv_ns(&r0.ru_stime));
    long long cpu = tv_ns(&r1.ru_utime) + tv_ns(&r1.ru_stime) -
                    tv_ns(&r0.ru_utime) - tv_ns(&r0.ru_stime);
    CHECK(cpu <= (w1 - w0) + 50 * MS);
    CHECK(r1.ru_utime.tv_usec >= 0 && r1.ru_utime.tv_usec < 1000000);
}

TEST(getrusage_rejects_an_unknown_who)
{
    struct rusage r;
    CHECK_ERR(getrusage(5, &r), EINVAL);
}

TEST(process_cpu_clock_advances_when_burning_and_barely_while_sleeping)
{
    long long c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    long long w0 = clock_ns(CLOCK_MONOTONIC);
    burn_on(CLOCK_MONOTONIC, 0, 200 * MS);
    long long c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    long long w1 = clock_ns(CLOCK_MONOTONIC);
    CHECK(c1 > c0);
    CHECK(c1 - c0 <= (w1 - w0) + 50 * MS);
    /* At least the 300 ms asleep go uncharged, measured against the span's own
     * wall time: a host that stalls the machine shows in both, never fails it. */
    struct timespec nap = { 0, 300 * MS };
    CHECK_EQ(nanosleep(&nap, NULL), 0);
    long long c2 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    long long w2 = clock_ns(CLOCK_MONOTONIC);
    CHECK(c2 >= c1);
    CHECK(c2 - c1 + 150 * MS <= w2 - w1);
}

TEST(thread_cpu_clock_advances_and_stays_within_the_process_clock)
{
    long long t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    burn_on(CLOCK_THREAD_CPUTIME_ID, 20 * MS, 0);
    long long t1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    long long p1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    CHECK(t1 - t0 >= 20 * MS);
    CHECK(t1 <= p1);
}

TEST(cpu_clocks_have_a_fine_resolution)
{
    struct timespec r;
    CHECK_EQ(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &r), 0);
    CHECK(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10 * MS);
    CHECK_EQ(clock_getres(CLOCK_THREAD_CPUTIME_ID, &r), 0);
    CHECK(r.tv_sec == 0 && r.tv_nsec > 0 && r.tv_nsec <= 10 * MS);
}

TEST(clock_getcpuclockid_and_pthread_getcpuclockid_name_working_clocks)
{
    clockid_t pc, tc;
    CHECK_EQ(clock_getcpuclockid(getpid(), &pc), 0);
    CHECK_EQ(pthread_getcpuclockid(pthread_self(), &tc), 0);
    long long before = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    struct timespec t;
    CHECK_EQ(clock_gettime(pc, &t), 0);
    CHECK(ns_of(&t) >= before);
    long long tb = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    CHECK_EQ(clock_gettime(tc, &t), 0);
    CHECK(ns_of(&t) >= tb);
    CHECK_EQ(clock_getres(pc, &t), 0);
}

TEST(cpu_clock_of_a_bad_encoding_or_a_gone_process_is_einval)
{
    struct timespec t;
    /* Low bits 3 name no clock (CPUCLOCK_MAX). */
    CHECK_ERR(clock_gettime((clockid_t)(-8 | 3), &t), EINVAL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    REQUIRE(pid > 0);
    CHECK_EQ(waitpid(pid, NULL, 0), pid);
    clockid_t gone = (clockid_t)(((unsigned)~pid << 3) | 2);   /* MAKE_PROCESS_CPUCLOCK */
    CHECK_ERR(clock_gettime(gone, &t), EINVAL);
}

TEST(rusage_children_grows_only_once_a_child_is_waited_for)
{
    struct rusage c0, c1, c2, ru;
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &c0), 0);
    pid_t pid = fork();
    if (pid == 0) {
        burn(60 * MS);
        _exit(0);
    }
    REQUIRE(pid > 0);
    siginfo_t si;
    CHECK_EQ(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);   /* a zombie now */
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &c1), 0);
    CHECK_EQ(tv_ns(&c1.ru_utime) + tv_ns(&c1.ru_stime),
             tv_ns(&c0.ru_utime) + tv_ns(&c0.ru_stime));
    int st;
    CHECK_EQ(wait4(pid, &st, 0, &ru), pid);
    CHECK(WIFEXITED(st));
    long long child = tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime);
    CHECK(child >= 30 * MS);
    CHECK(tv_ns(&ru.ru_utime) > 0);
    CHECK_EQ(getrusage(RUSAGE_CHILDREN, &c2), 0);
    long long grew = tv_ns(&c2.ru_utime) + tv_ns(&c2.ru_stime) -
                     tv_ns(&c0.ru_utime) - tv_ns(&c0.ru_stime);
    CHECK(grew >= child - 1 * MS);
}

TEST(waitid_fills_the_rusage_of_the_reaped_child)
{
    pid_t pid = fork();
    if (pid == 0) {
        burn(40 * MS);
        _exit(3);
    }
    REQUIRE(pid > 0);
    siginfo_t si;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    CHECK_EQ(syscall(SYS_waitid, P_PID, pid, &si, WEXITED, &ru), 0);
    CHECK_EQ(si.si_pid, pid);
    CHECK_EQ(si.si_status, 3);
    CHECK(tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime) >= 20 * MS);
}

TEST(times_counts_up_and_reports_own_and_reaped_children_time)
{
    struct tms a, b;
    clock_t t0 = times(&a);
    burn(60 * MS);
    pid_t pid = fork();
    if (pid == 0) {
        burn(60 * MS);
        _exit(0);
    }
    REQUIRE(pid > 0);
    CHECK_EQ(waitpid(pid, NULL, 0), pid);
    clock_t t1 = times(&b);
    CHECK(t0 != (clock_t)-1);
    CHECK(t1 > t0);
    CHECK(b.tms_utime + b.tms_stime >= a.tms_utime + a.tms_stime + 3);
    CHECK(b.tms_cutime + b.tms_cstime >= a.tms_cutime + a.tms_cstime + 3);
    long hz = sysconf(_SC_CLK_TCK);
    CHECK_EQ(hz, 100);
}

struct burner {
    long long thread_ns;
};

static void *burn_thread(void *arg)
{
    struct burner *b = arg;
    burn_on(CLOCK_THREAD_CPUTIME_ID, 40 * MS, 0);
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    b->thread_ns = tv_ns(&r.ru_utime) + tv_ns(&r.ru_stime);
    return NULL;
}

TEST(rusage_thread_is_per_thread_and_an_exited_thread_stays_in_rusage_self)
{
    struct rusage s0, s1, me0, me1;
    CHECK_EQ(getrusage(RUSAGE_SELF, &s0), 0);
    CHECK_EQ(getrusage(RUSAGE_THREAD, &me0), 0);
    struct burner b = { 0 };
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, burn_thread, &b) == 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(getrusage(RUSAGE_THREAD, &me1), 0);
    CHECK_EQ(getrusage(RUSAGE_SELF, &s1), 0);
    CHECK(b.thread_ns >= 40 * MS);
    long long self_grew = tv_ns(&s1.ru_utime) + tv_ns(&s1.ru_stime) -
                          tv_ns(&s0.ru_utime) - tv_ns(&s0.ru_stime);
    long long me_grew = tv_ns(&me1.ru_utime) + tv_ns(&me1.ru_stime) -
                        tv_ns(&me0.ru_utime) - tv_ns(&me0.ru_stime);
    CHECK(self_grew >= b.thread_ns - 2 * MS);
    /* Per thread: the process grew by this thread's time plus the burner's. (Not
     * "me_grew < 40 ms": a busy host can stall a virtual CPU while this thread
     * runs, and the guest rightly charges that to it.) */
    CHECK(me_grew + b.thread_ns <= self_grew + 2 * MS);
}
