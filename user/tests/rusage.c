/* getrusage and wait4's rusage beyond CPU time: ru_maxrss (KiB, the resident set's
 * high-water mark), ru_minflt (page faults), ru_nvcsw (voluntary switches: sleeps),
 * children's counts after wait; /proc/self/status's Vm* lines and context-switch
 * counts, /proc/self/stat's minflt and rss. Bounds are generous: only growth that
 * the touched pages force is asserted. */
#define _GNU_SOURCE
#include "../lib/testlib.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024ul * 1024)

/* Maps len bytes and writes every page (no huge pages: one fault per page). */
static char *touch_new(size_t len)
{
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    return p;
}

static struct rusage usage(int who)
{
    struct rusage ru;
    memset(&ru, 0xff, sizeof(ru));
    if (getrusage(who, &ru) != 0)
        memset(&ru, 0, sizeof(ru));
    return ru;
}

TEST(maxrss_grows_after_touching_8_mib)
{
    /* ru_maxrss keeps the peak of the image before exec too (Linux), which may be
     * a big parent's: touch 8 MiB more than that peak so the mark must move. */
    struct rusage a = usage(RUSAGE_SELF);
    size_t len = (size_t)a.ru_maxrss * 1024 + 8 * MIB;
    REQUIRE(len <= 1024 * MIB);
    char *p = touch_new(len);
    REQUIRE(p);
    struct rusage b = usage(RUSAGE_SELF);
    CHECK(b.ru_maxrss >= a.ru_maxrss + 7 * 1024);
    munmap(p, len);
    struct rusage c = usage(RUSAGE_SELF);
    CHECK(c.ru_maxrss >= b.ru_maxrss);          /* a high-water mark stays */
    CHECK(usage(RUSAGE_THREAD).ru_maxrss >= b.ru_maxrss);
}

TEST(minflt_counts_the_faults_of_new_pages)
{
    struct rusage a = usage(RUSAGE_SELF), ta = usage(RUSAGE_THREAD);
    char *p = touch_new(MIB);
    REQUIRE(p);
    struct rusage b = usage(RUSAGE_SELF), tb = usage(RUSAGE_THREAD);
    CHECK(b.ru_minflt >= a.ru_minflt + 200);
    CHECK(tb.ru_minflt >= ta.ru_minflt + 200);
    CHECK(b.ru_majflt >= 0);
    munmap(p, MIB);
}

TEST(nvcsw_counts_sleeps)
{
    struct rusage a = usage(RUSAGE_SELF), ta = usage(RUSAGE_THREAD);
    for (int i = 0; i < 5; i++) {
        struct timespec ms = { 0, 2000000 };
        nanosleep(&ms, NULL);
    }
    struct rusage b = usage(RUSAGE_SELF), tb = usage(RUSAGE_THREAD);
    CHECK(b.ru_nvcsw >= a.ru_nvcsw + 5);
    CHECK(tb.ru_nvcsw >= ta.ru_nvcsw + 5);
    CHECK(b.ru_nivcsw >= a.ru_nivcsw);
}

/* In a fresh process P: a child that touches 8 MiB and sleeps; P checks its
 * children's usage before and after the wait, and wait4's. Exit 0 when right. */
static int children_case(void)
{
    struct rusage before = usage(RUSAGE_CHILDREN);
    if (before.ru_maxrss != 0 || before.ru_minflt != 0)
        return 2;                       /* nothing reaped yet */
    pid_t c = fork();
    if (c == 0) {
        if (!touch_new(8 * MIB))
            _exit(1);
        for (int i = 0; i < 3; i++) {
            struct timespec ms = { 0, 2000000 };
            nanosleep(&ms, NULL);
        }
        _exit(0);
    }
    int st;
    struct rusage w;
    memset(&w, 0, sizeof(w));
    if (c < 0 || wait4(c, &st, 0, &w) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 3;
    if (w.ru_maxrss < 7 * 1024 || w.ru_minflt < 1500 || w.ru_nvcsw < 3)
        return 4;
    struct rusage after = usage(RUSAGE_CHILDREN);
    if (after.ru_maxrss < 7 * 1024 || after.ru_minflt < 1500 || after.ru_nvcsw < 3)
        return 5;
    return 0;
}

TEST(children_usage_counts_after_the_wait)
{
    pid_t p = fork();
    if (p == 0)
        _exit(children_case());
    int st;
    REQUIRE(p > 0 && waitpid(p, &st, 0) == p);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

/* The value of a "Name:   N kB" line of /proc/self/status, or -1. */
static long status_value(const char *name)
{
    static char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    size_t len = strlen(name);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, name, len) == 0 && line[len] == ':')
            return strtol(line + len + 1, NULL, 10);
    return -1;
}

/* Field n (1-based, proc(5)) of /proc/self/stat, or -1. */
static long stat_field(int n)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t len = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (len <= 0)
        return -1;
    buf[len] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p += 2;
    for (int f = 3; f < n && p; f++)
        if ((p = strchr(p, ' ')))
            p++;
    return p ? strtol(p, NULL, 10) : -1;
}

TEST(proc_status_and_stat_show_memory_and_switches)
{
    if (access("/proc/self/stat", R_OK) != 0) {
        printf("  (no /proc: skipped)\n");     /* the host's chroot check */
        return;
    }
    char *p = touch_new(4 * MIB);
    REQUIRE(p);
    long rss = status_value("VmRSS"), hwm = status_value("VmHWM");
    long size = status_value("VmSize"), peak = status_value("VmPeak");
    CHECK(rss >= 4096);
    CHECK(hwm >= rss);
    CHECK(size >= rss);
    CHECK(peak >= size);
    CHECK(status_value("VmData") >= 4096);
    CHECK(status_value("VmStk") > 0);
    struct timespec ms = { 0, 1000000 };
    nanosleep(&ms, NULL);
    CHECK(status_value("voluntary_ctxt_switches") >= 1);
    CHECK(status_value("nonvoluntary_ctxt_switches") >= 0);
    CHECK(stat_field(10) >= 1024);              /* minflt: at least these pages */
    /* rss in pages: Linux fills this field from its per-CPU approximate counters
     * (off by up to a batch per CPU; seen 4 MiB short on the host), so only its
     * presence is portable; VmRSS above is the checked figure. */
    CHECK(stat_field(24) > 0);
    munmap(p, 4 * MIB);
    CHECK(status_value("VmRSS") < rss);         /* unmapped pages leave the RSS */
    CHECK(status_value("VmHWM") >= rss);
}
