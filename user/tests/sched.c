/* Scheduling calls: policies and their priority ranges, sched_{set,get}{scheduler,
 * param}, sched_rr_get_interval, nice values through setpriority/getpriority/nice
 * (the raw getpriority returns 20 - nice), /proc/<pid>/stat's priority, nice,
 * rt_priority and policy, and one behaviour the scheduler must honour: a running
 * SCHED_FIFO thread keeps its CPU from a normal thread. Changes happen in
 * children; the real-time cases need root (CAP_SYS_NICE) and skip otherwise. */
#define _GNU_SOURCE
#include "../lib/testlib.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Raw calls: musl's sched_setscheduler/sched_getscheduler wrappers return ENOSYS
 * by design (POSIX process vs Linux thread semantics). */
static long set_sched(pid_t pid, int policy, int prio)
{
    struct sched_param sp = { .sched_priority = prio };
    return syscall(SYS_sched_setscheduler, pid, policy, &sp);
}

static long get_sched(pid_t pid)
{
    return syscall(SYS_sched_getscheduler, pid);
}

static int get_param(pid_t pid)
{
    struct sched_param sp = { .sched_priority = -1 };
    return syscall(SYS_sched_getparam, pid, &sp) == 0 ? sp.sched_priority : -100;
}

/* Field n (1-based, proc(5)) of /proc/self/stat, or want when there is no /proc
 * (the host's chroot check of the image), or -1000. */
#define stat_is(n, want) (stat_field(n, want) == (want))
static long stat_field(int n, long want)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY);
    if (fd < 0)
        return errno == ENOENT && access("/proc/self", F_OK) != 0 ? want : -1000;
    ssize_t len = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (len <= 0)
        return -1000;
    buf[len] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1000;
    p += 2;                             /* field 3 starts here */
    for (int f = 3; f < n; f++) {
        p = strchr(p, ' ');
        if (!p)
            return -1000;
        p++;
    }
    return strtol(p, NULL, 10);
}

TEST(priority_ranges_match_linux)
{
    CHECK_EQ(sched_get_priority_min(SCHED_FIFO), 1);
    CHECK_EQ(sched_get_priority_max(SCHED_FIFO), 99);
    CHECK_EQ(sched_get_priority_min(SCHED_RR), 1);
    CHECK_EQ(sched_get_priority_max(SCHED_RR), 99);
    CHECK_EQ(sched_get_priority_min(SCHED_OTHER), 0);
    CHECK_EQ(sched_get_priority_max(SCHED_OTHER), 0);
    CHECK_EQ(sched_get_priority_max(SCHED_BATCH), 0);
    CHECK_EQ(sched_get_priority_max(SCHED_IDLE), 0);
    CHECK_ERR(sched_get_priority_max(4), EINVAL);
    CHECK_ERR(sched_get_priority_min(42), EINVAL);
}

TEST(a_new_process_runs_sched_other_at_priority_0)
{
    CHECK_EQ(get_sched(0), SCHED_OTHER);
    CHECK_EQ(get_sched(getpid()), SCHED_OTHER);
    CHECK_EQ(get_param(0), 0);
    CHECK(stat_is(41, SCHED_OTHER));
    CHECK(stat_is(40, 0));
}

TEST(bad_policies_priorities_and_pids_are_refused)
{
    CHECK_ERR(set_sched(0, SCHED_OTHER, 5), EINVAL);
    CHECK_ERR(set_sched(0, SCHED_FIFO, 0), EINVAL);
    CHECK_ERR(set_sched(0, SCHED_RR, 100), EINVAL);
    CHECK_ERR(set_sched(0, 7, 0), EINVAL);
    CHECK_ERR(set_sched(-1, SCHED_OTHER, 0), EINVAL);
    CHECK_ERR(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL), EINVAL);
    CHECK_ERR(get_sched(-1), EINVAL);
    CHECK_ERR(get_sched(0x3ffffff0), ESRCH);
    CHECK_ERR(set_sched(0x3ffffff0, SCHED_OTHER, 0), ESRCH);
    CHECK_EQ(get_sched(0), SCHED_OTHER);        /* nothing changed */
}

static void batch_idle(void)
{
    EXPECT(set_sched(0, SCHED_BATCH, 0) == 0);
    EXPECT(get_sched(0) == SCHED_BATCH);
    EXPECT(stat_is(41, SCHED_BATCH));
    EXPECT(set_sched(0, SCHED_IDLE, 0) == 0);
    EXPECT(get_sched(0) == SCHED_IDLE);
    EXPECT(get_param(0) == 0);
    struct timespec ts;
    EXPECT(sched_rr_get_interval(0, &ts) == 0);
}

TEST(batch_and_idle_policies_read_back)
{
    CHECK_EQ(tl_in_child(batch_idle), 0);
}

static void fifo_rr(void)
{
    EXPECT(set_sched(0, SCHED_FIFO, 10) == 0);
    EXPECT(get_sched(0) == SCHED_FIFO);
    EXPECT(get_param(0) == 10);
    EXPECT(stat_is(18, -11));              /* -1 - rt_priority */
    EXPECT(stat_is(40, 10));
    EXPECT(stat_is(41, SCHED_FIFO));
    struct sched_param sp = { .sched_priority = 20 };
    EXPECT(syscall(SYS_sched_setparam, 0, &sp) == 0);
    EXPECT(get_param(0) == 20 && get_sched(0) == SCHED_FIFO);
    sp.sched_priority = 0;
    EXPECT(syscall(SYS_sched_setparam, 0, &sp) == -1 && errno == EINVAL);
    EXPECT(set_sched(0, SCHED_RR, 5) == 0);
    EXPECT(get_sched(0) == SCHED_RR && get_param(0) == 5);
    struct timespec ts = { -1, -1 };
    EXPECT(sched_rr_get_interval(0, &ts) == 0);
    EXPECT(ts.tv_sec == 0 && ts.tv_nsec > 0);
    EXPECT(set_sched(0, SCHED_OTHER, 0) == 0);
    EXPECT(get_sched(0) == SCHED_OTHER && get_param(0) == 0);
    EXPECT(stat_is(18, 20));
}

TEST(fifo_and_rr_priorities_read_back_and_show_in_proc_stat)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    CHECK_EQ(tl_in_child(fifo_rr), 0);
}

static void nice_values(void)
{
    errno = 0;
    EXPECT(getpriority(PRIO_PROCESS, 0) == 0 && errno == 0);
    EXPECT(setpriority(PRIO_PROCESS, 0, 5) == 0);
    EXPECT(getpriority(PRIO_PROCESS, 0) == 5);
    EXPECT(syscall(SYS_getpriority, PRIO_PROCESS, 0) == 15);    /* 20 - nice */
    EXPECT(getpriority(PRIO_PROCESS, getpid()) == 5);
    errno = 0;
    EXPECT(nice(2) == 7 && errno == 0);
    EXPECT(stat_is(19, 7));
    EXPECT(stat_is(18, 27));
    EXPECT(setpriority(PRIO_PROCESS, 0, 40) == 0);              /* clamped */
    EXPECT(getpriority(PRIO_PROCESS, 0) == 19);
    EXPECT(setpgid(0, 0) == 0);                 /* a group of its own */
    EXPECT(setpriority(PRIO_PGRP, 0, 19) == 0);
    errno = 0;
    EXPECT(getpriority(PRIO_PGRP, 0) == 19 && errno == 0);
    errno = 0;
    EXPECT(getpriority(PRIO_USER, 0) != -1 || errno == 0);
    EXPECT(setpriority(3, 0, 0) == -1 && errno == EINVAL);
    EXPECT(setpriority(PRIO_PROCESS, 0x3ffffff0, 0) == -1 && errno == ESRCH);
    EXPECT(getpriority(PRIO_PROCESS, 0x3ffffff0) == -1 && errno == ESRCH);
    if (geteuid() == 0) {
        /* Without privilege (RLIMIT_NICE 0), a nice value only goes up. */
        EXPECT(setgid(65534) == 0 && setuid(65534) == 0);
        struct rlimit rl = { 0, 0 };
        EXPECT(setrlimit(RLIMIT_NICE, &rl) == 0);
        EXPECT(setpriority(PRIO_PROCESS, 0, 10) == -1 && errno == EACCES);
        EXPECT(getpriority(PRIO_PROCESS, 0) == 19);
        EXPECT(set_sched(0, SCHED_FIFO, 1) == -1 && errno == EPERM);
    }
}

TEST(nice_values_through_setpriority_getpriority_and_nice)
{
    CHECK_EQ(tl_in_child(nice_values), 0);
}

/* ---- a FIFO thread keeps its CPU ---- */

static volatile int normal_ran;
static int wake_pipe[2];

static void *normal_thread(void *arg)
{
    (void)arg;
    char b;
    if (read(wake_pipe[0], &b, 1) == 1)
        normal_ran = 1;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fifo_keeps_cpu(void)
{
    /* One CPU for both threads (OSCortex has one; the call may be missing). */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof(one), &one);
    EXPECT(pipe(wake_pipe) == 0);
    pthread_t t;
    EXPECT(pthread_create(&t, NULL, normal_thread, NULL) == 0);
    EXPECT(set_sched(0, SCHED_FIFO, 10) == 0);          /* this thread only */
    EXPECT(write(wake_pipe[1], "x", 1) == 1);           /* the normal one is ready */
    double end = now_s() + 0.2;
    while (now_s() < end)
        EXPECT(!normal_ran);                            /* never while we spin */
    struct timespec ms = { 0, 1000000 };
    for (int i = 0; i < 2000 && !normal_ran; i++)
        nanosleep(&ms, NULL);                           /* now it may run */
    EXPECT(normal_ran);
    EXPECT(pthread_join(t, NULL) == 0);
}

TEST(a_spinning_fifo_thread_keeps_its_cpu_from_a_normal_thread)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    CHECK_EQ(tl_in_child(fifo_keeps_cpu), 0);
}

TEST(sched_yield_returns_0)
{
    CHECK_EQ(sched_yield(), 0);
}
