/* Proc KTEST program: fork and wait like Linux: exit codes through wait4/waitid,
 * copy-on-write isolation, WNOHANG on a running child, -ECHILD, process groups and
 * sessions with their errnos. Exit status = number of the first failed check. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int shared_var = 100;

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int main(void)
{
    /* 1-4: exit codes of several children, each reaped once. */
    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        kids[i] = fork();
        if (kids[i] < 0)
            return 1;
        if (kids[i] == 0)
            _exit(10 + i);
    }
    for (int i = 4; i >= 0; i--) {
        int st;
        if (waitpid(kids[i], &st, 0) != kids[i])
            return 2;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 10 + i)
            return 3;
    }
    if (wait(NULL) != -1 || errno != ECHILD)
        return 4;

    /* 5-8: copy-on-write: both sides write the same variable. */
    char *heap = malloc(64 * 4096);
    memset(heap, 'p', 64 * 4096);
    pid_t c = fork();
    if (c == 0) {
        if (shared_var != 100 || heap[5000] != 'p')
            _exit(1);
        shared_var = 200;
        memset(heap, 'c', 64 * 4096);
        sleep_ms(50);
        _exit(shared_var == 200 && heap[64 * 4096 - 1] == 'c' ? 0 : 2);
    }
    shared_var = 300;
    heap[5000] = 'P';
    int st;
    if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
        return 5;
    if (WEXITSTATUS(st) != 0)
        return 6;
    if (shared_var != 300 || heap[5000] != 'P' || heap[0] != 'p')
        return 7;
    if (getpid() == c)
        return 8;

    /* 9-11: WNOHANG on a running child is 0; then it is reaped. */
    c = fork();
    if (c == 0) {
        sleep_ms(200);
        _exit(3);
    }
    if (waitpid(c, &st, WNOHANG) != 0)
        return 9;
    if (waitpid(-1, &st, 0) != c || WEXITSTATUS(st) != 3)
        return 10;
    if (waitpid(-1, &st, WNOHANG) != -1 || errno != ECHILD)
        return 11;

    /* 12-14: waitid with WNOWAIT leaves the zombie; rusage comes back zeroed. */
    c = fork();
    if (c == 0)
        _exit(4);
    siginfo_t si;
    memset(&si, 0xff, sizeof(si));
    if (waitid(P_PID, c, &si, WEXITED | WNOWAIT) != 0)
        return 12;
    if (si.si_pid != c || si.si_code != CLD_EXITED || si.si_status != 4 || si.si_signo != SIGCHLD)
        return 13;
    struct rusage ru;
    memset(&ru, 0xff, sizeof(ru));
    if (wait4(c, &st, 0, &ru) != c || WEXITSTATUS(st) != 4 || ru.ru_utime.tv_sec < 0)
        return 14;

    /* 15-22: process groups and sessions. */
    pid_t me = getpid();
    if (getpgrp() != getpgid(0) || getsid(0) <= 0)
        return 15;
    c = fork();
    if (c == 0) {
        sleep_ms(300);
        _exit(0);
    }
    if (setpgid(c, c) != 0 || getpgid(c) != c)          /* child into its own group */
        return 16;
    if (waitpid(0, &st, WNOHANG) != -1 || errno != ECHILD)      /* not in our group */
        return 17;
    if (waitpid(-c, &st, 0) != c)                       /* by its group */
        return 18;
    if (getpgid(999999) != -1 || errno != ESRCH)
        return 19;
    if (setpgid(999999, 0) != -1 || errno != ESRCH)
        return 20;
    c = fork();
    if (c == 0) {
        /* A new session: we are not a group leader here. */
        pid_t s = setsid();
        if (s != getpid() || getsid(0) != s || getpgrp() != s)
            _exit(1);
        if (setpgid(0, me) != -1 || errno != EPERM)     /* session leader */
            _exit(2);
        _exit(0);
    }
    if (waitpid(c, &st, 0) != c || WEXITSTATUS(st) != 0)
        return 21;
    c = fork();
    if (c == 0) {
        execl("/bin/busybox", "sleep", "1", (char *)NULL);
        _exit(99);
    }
    sleep_ms(300);
    if (setpgid(c, c) != -1 || errno != EACCES)         /* after its exec */
        return 22;
    if (waitpid(c, &st, 0) != c || WEXITSTATUS(st) != 0)
        return 23;

    /* 24: a page read-only at fork and made writable in the child stays private. */
    char *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro[0] = 'a';
    mprotect(ro, 4096, PROT_READ);
    c = fork();
    if (c == 0) {
        if (mprotect(ro, 4096, PROT_READ | PROT_WRITE))
            _exit(1);
        ro[0] = 'b';
        _exit(ro[0] == 'b' ? 0 : 2);
    }
    if (waitpid(c, &st, 0) != c || WEXITSTATUS(st) != 0 || ro[0] != 'a')
        return 24;
    return 0;
}
