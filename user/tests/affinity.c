/* CPU affinity: sched_setaffinity accepts a mask holding an online CPU (for the
 * caller, pid 0 or its own, and for a child), refuses a mask of no online CPU
 * (EINVAL) and an unknown pid (ESRCH); sched_getaffinity still reports CPU 0 after
 * (busybox taskset sets and reads the mask back). */
#define _GNU_SOURCE
#include "testlib.h"

#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

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
