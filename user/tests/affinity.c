/* CPU affinity: sched_setaffinity accepts a mask holding an online CPU (for the
 * caller, pid 0 or its own, and for a child), refuses a mask of no online CPU
 * (EINVAL) and an unknown pid (ESRCH), reads back what was set (busybox taskset),
 * and is obeyed: a thread runs only where its mask allows, threads inherit it, and
 * a running thread is moved when another one changes its mask. */
#define _GNU_SOURCE
#include "testlib.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The CPU this thread runs on, sampled until it is cpu (up to 5 s: a move may wait
 * for the next switch); the last one seen. */
static int settle_on(int cpu)
{
    int seen = sched_getcpu();
    for (double end = now_s() + 5; seen != cpu && now_s() < end;) {
        sched_yield();
        seen = sched_getcpu();
    }
    return seen;
}

TEST(setaffinity_to_cpu0_is_kept_and_read_back)
{
    cpu_set_t old, set, got;
    REQUIRE(sched_getaffinity(0, sizeof old, &old) == 0);
    CHECK(CPU_ISSET(0, &old));
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    CHECK_EQ(sched_setaffinity(0, sizeof set, &set), 0);
    CHECK_EQ(sched_setaffinity(getpid(), sizeof set, &set), 0);
    REQUIRE(sched_getaffinity(0, sizeof got, &got) == 0);
    CHECK(CPU_ISSET(0, &got));
    CHECK_EQ(CPU_COUNT(&got), 1);
    sched_setaffinity(0, sizeof old, &old);
}

TEST(setaffinity_refuses_no_online_cpu_and_unknown_pids)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK_ERR(sched_setaffinity(0, sizeof set, &set), EINVAL);
    CPU_SET(1000, &set);                /* far beyond any CPU here */
    CHECK_ERR(sched_setaffinity(0, sizeof set, &set), EINVAL);
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    CHECK_ERR(sched_setaffinity(INT_MAX, sizeof set, &set), ESRCH);
    CHECK_ERR(sched_setaffinity(-1, sizeof set, &set), ESRCH);
}

TEST(setaffinity_of_a_child_process)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        pause();
        _exit(0);
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    CHECK_EQ(sched_setaffinity(pid, sizeof set, &set), 0);
    kill(pid, SIGKILL);
    CHECK_EQ(waitpid(pid, NULL, 0), pid);
}

TEST(every_allowed_cpu_can_be_chosen_and_the_thread_runs_only_there)
{
    cpu_set_t old, one, got;
    REQUIRE(sched_getaffinity(0, sizeof old, &old) == 0);
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &old))
            continue;
        n++;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        CHECK_EQ(sched_setaffinity(0, sizeof one, &one), 0);
        REQUIRE(sched_getaffinity(0, sizeof got, &got) == 0);
        CHECK(CPU_EQUAL(&got, &one));
        CHECK_EQ(settle_on(cpu), cpu);
        for (int i = 0; i < 200; i++) {         /* and stays there across switches */
            if (i % 20 == 0)
                sched_yield();
            if (sched_getcpu() != cpu) {
                CHECK_EQ(sched_getcpu(), cpu);
                break;
            }
        }
    }
    CHECK(n >= 1);
    sched_setaffinity(0, sizeof old, &old);
    if (n < 2)
        printf("  (one CPU allowed: the moves were not exercised)\n");
}

static void *report_mask_and_cpu(void *arg)
{
    int *out = arg;
    cpu_set_t got;
    out[0] = sched_getaffinity(0, sizeof got, &got) == 0 && CPU_COUNT(&got) == 1 &&
             CPU_ISSET(out[2], &got);
    out[1] = settle_on(out[2]);
    return NULL;
}

/* The last allowed CPU, or -1. */
static int last_allowed(const cpu_set_t *s)
{
    int last = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, s))
            last = cpu;
    return last;
}

TEST(a_new_thread_inherits_its_creators_mask)
{
    cpu_set_t old, one;
    REQUIRE(sched_getaffinity(0, sizeof old, &old) == 0);
    int cpu = last_allowed(&old);
    REQUIRE(cpu >= 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
    int res[3] = { 0, -1, cpu };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, report_mask_and_cpu, res) == 0);
    pthread_join(t, NULL);
    CHECK_EQ(res[0], 1);
    CHECK_EQ(res[1], cpu);
    sched_setaffinity(0, sizeof old, &old);
}

static volatile int spin_tid, spin_cpu, spin_stop;

static void *spin_and_report(void *arg)
{
    (void)arg;
    spin_tid = (int)syscall(SYS_gettid);
    while (!spin_stop)
        spin_cpu = sched_getcpu();
    return NULL;
}

TEST(a_spinning_thread_is_moved_when_another_thread_changes_its_mask)
{
    cpu_set_t old;
    REQUIRE(sched_getaffinity(0, sizeof old, &old) == 0);
    if (CPU_COUNT(&old) < 2) {
        printf("  (one CPU allowed: skipped)\n");
        return;
    }
    spin_stop = 0;
    spin_tid = 0;
    spin_cpu = -1;
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, spin_and_report, NULL) == 0);
    while (!spin_tid || spin_cpu < 0)
        sched_yield();
    /* Two moves: to the first allowed CPU, then to the last one. */
    int targets[2] = { -1, last_allowed(&old) };
    for (int cpu = 0; cpu < CPU_SETSIZE && targets[0] < 0; cpu++)
        if (CPU_ISSET(cpu, &old))
            targets[0] = cpu;
    for (int i = 0; i < 2; i++) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(targets[i], &one);
        CHECK_EQ(sched_setaffinity(spin_tid, sizeof one, &one), 0);
        double end = now_s() + 5;
        while (spin_cpu != targets[i] && now_s() < end)
            sched_yield();
        CHECK_EQ(spin_cpu, targets[i]);
    }
    spin_stop = 1;
    pthread_join(t, NULL);
}
