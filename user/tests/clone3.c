/* clone3(2) through the raw system call: a fork-like child with its exit signal in
 * the struct, the tid written for CLONE_PARENT_SETTID, and the argument checks
 * (size versions, unknown trailing fields, a signal in flags, half a stack). */
#define _GNU_SOURCE
#include "testlib.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define PARENT_SETTID 0x00100000

struct cargs {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
    uint64_t newer[4];                  /* what a future version might add */
};

static long clone3(struct cargs *a, size_t size)
{
    return syscall(SYS_clone3, a, size);
}

TEST(clone3_forks_a_child_that_reports_with_its_exit_signal)
{
    struct cargs a;
    memset(&a, 0, sizeof(a));
    int tid_word = 0;
    a.flags = PARENT_SETTID;
    a.parent_tid = (uintptr_t)&tid_word;
    a.exit_signal = SIGCHLD;
    long pid = clone3(&a, 64);
    if (pid == 0)
        _exit(getpid() == (pid_t)syscall(SYS_gettid) ? 42 : 1);
    REQUIRE(pid > 0);
    CHECK_EQ(tid_word, pid);
    int st = 0;
    CHECK_EQ(waitpid((pid_t)pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
}

TEST(clone3_accepts_a_larger_struct_whose_extra_fields_are_zero)
{
    struct cargs a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    long pid = clone3(&a, sizeof(a));
    if (pid == 0)
        _exit(7);
    REQUIRE(pid > 0);
    int st = 0;
    CHECK_EQ(waitpid((pid_t)pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

TEST(clone3_refuses_bad_arguments_as_linux_does)
{
    struct cargs a;
    memset(&a, 0, sizeof(a));
    a.exit_signal = SIGCHLD;
    CHECK_ERR(clone3(&a, 32), EINVAL);                  /* before version 0 */
    CHECK_ERR(clone3(&a, 8192), E2BIG);                 /* more than a page */
    a.newer[3] = 1;
    CHECK_ERR(clone3(&a, sizeof(a)), E2BIG);            /* an unknown field set */
    a.newer[3] = 0;
    a.flags = SIGCHLD;                                  /* the signal belongs in exit_signal */
    CHECK_ERR(clone3(&a, 64), EINVAL);
    a.flags = 0;
    a.exit_signal = 65;
    CHECK_ERR(clone3(&a, 64), EINVAL);
    a.exit_signal = SIGCHLD;
    a.stack_size = 4096;                                /* a size without a stack */
    CHECK_ERR(clone3(&a, 64), EINVAL);
    a.stack_size = 0;
    CHECK_ERR(clone3((struct cargs *)8, 64), EFAULT);
}
