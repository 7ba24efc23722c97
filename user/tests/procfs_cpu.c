/* CPU time as /proc shows it: the times and run states of /proc/<pid>/stat, the
 * cpu line of /proc/stat and /proc/loadavg (cputime.c covers the system calls).
 * A separate program because it needs a mounted /proc: the chroot check of the
 * initramfs (tests/initramfs-host.sh) runs every program but the procfs ones. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#define MS 1000000LL

static volatile unsigned long sink;

static long long process_cpu_ns(void)
{
    struct timespec t = { 0, 0 };
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Spins in user mode until the process CPU clock advanced by cpu_ns, giving up
 * after 10 s of wall time (a loaded machine makes it longer, not flaky). */
static void burn(long long cpu_ns)
{
    long long c0 = process_cpu_ns();
    time_t start = time(NULL);
    while (process_cpu_ns() - c0 < cpu_ns && time(NULL) - start < 10)
        for (int i = 0; i < 200000; i++)
            sink = sink * 6364136223846793005UL + 1442695040888963407UL;
}

/* /proc/<pid>/stat: state (field 3), utime stime cutime cstime (14-17), starttime
 * (22). 0, or -1 when unreadable. */
static int read_stat(pid_t pid, char *state, unsigned long long f[23])
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -1;
    *state = p[2];
    p += 3;
    for (int i = 4; i <= 22; i++) {
        char *end;
        f[i] = strtoull(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
    }
    return 0;
}

TEST(proc_self_stat_utime_parses_and_grows)
{
    char st;
    unsigned long long a[23], b[23];
    REQUIRE(read_stat(getpid(), &st, a) == 0);
    CHECK_EQ(st, 'R');
    burn(60 * MS);
    REQUIRE(read_stat(getpid(), &st, b) == 0);
    CHECK(b[14] + b[15] >= a[14] + a[15] + 3);
    CHECK(b[14] >= a[14] && b[15] >= a[15]);
    CHECK_EQ(b[22], a[22]);             /* starttime is fixed */
}

/* Polls pid's state for up to 5 s until it is want. */
static char wait_state(pid_t pid, char want)
{
    char st = '?';
    unsigned long long f[23];
    for (int i = 0; i < 500; i++) {
        if (read_stat(pid, &st, f) == 0 && st == want)
            return st;
        struct timespec d = { 0, 10 * MS };
        nanosleep(&d, NULL);
    }
    return st;
}

TEST(proc_stat_shows_sleeping_stopped_runnable_and_zombie_children)
{
    pid_t sleeper = fork();
    if (sleeper == 0) {
        for (;;)
            pause();
    }
    REQUIRE(sleeper > 0);
    CHECK_EQ(wait_state(sleeper, 'S'), 'S');
    CHECK_EQ(kill(sleeper, SIGSTOP), 0);
    int status;
    CHECK_EQ(waitpid(sleeper, &status, WUNTRACED), sleeper);
    CHECK_EQ(wait_state(sleeper, 'T'), 'T');
    CHECK_EQ(kill(sleeper, SIGKILL), 0);
    siginfo_t si;
    CHECK_EQ(waitid(P_PID, sleeper, &si, WEXITED | WNOWAIT), 0);
    CHECK_EQ(wait_state(sleeper, 'Z'), 'Z');
    CHECK_EQ(waitpid(sleeper, &status, 0), sleeper);

    pid_t spinner = fork();
    if (spinner == 0) {
        for (;;)
            sink++;
    }
    REQUIRE(spinner > 0);
    CHECK_EQ(wait_state(spinner, 'R'), 'R');
    kill(spinner, SIGKILL);
    CHECK_EQ(waitpid(spinner, &status, 0), spinner);
}

/* The start of a /proc file as a string (one read); its length, or -1. */
static ssize_t read_head(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    return n;
}

TEST(proc_stat_cpu_line_counts_user_time)
{
    char buf[256];
    REQUIRE(read_head("/proc/stat", buf, sizeof(buf)) > 0);
    unsigned long long user = 0, nice = 0, sys = 0, idle = 0;
    CHECK_EQ(sscanf(buf, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle), 4);
    CHECK(user + sys > 0);
}

TEST(proc_loadavg_has_three_averages_and_running_over_total)
{
    char buf[128];
    REQUIRE(read_head("/proc/loadavg", buf, sizeof(buf)) > 0);
    double a, b, c;
    int running, total, last;
    CHECK_EQ(sscanf(buf, "%lf %lf %lf %d/%d %d", &a, &b, &c, &running, &total, &last), 6);
    CHECK(a >= 0 && b >= 0 && c >= 0);
    CHECK(running >= 1 && total >= running);
}
