/* Proc KTEST program: vfork + execve of busybox true (the parent sleeps until the
 * exec), vfork + _exit, and clone(CLONE_VM|CLONE_VFORK) on a separate stack, as
 * posix_spawn does it, running busybox false. Exit status = first failed check. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int spawn_child(void *arg)
{
    execve("/bin/busybox", arg, environ);
    return 99;
}

static char child_stack[64 * 1024] __attribute__((aligned(16)));

int main(void)
{
    char *argv_true[] = { "true", NULL };
    int st;
    pid_t c = vfork();
    if (c == 0) {
        execve("/bin/busybox", argv_true, environ);
        _exit(99);
    }
    if (c < 0)
        return 1;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 2;
    volatile int touched = 0;
    c = vfork();
    if (c == 0) {
        touched = 1;            /* same memory as the parent until _exit */
        _exit(5);
    }
    if (waitpid(c, &st, 0) != c || WEXITSTATUS(st) != 5)
        return 3;
    if (touched != 1)
        return 4;
    char *argv_false[] = { "false", NULL };
    c = clone(spawn_child, child_stack + sizeof(child_stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
              argv_false);
    if (c <= 0)
        return 5;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st) != 1)
        return 6;
    return 0;
}
