/* Proc KTEST program: a fork bomb is bounded by RLIMIT_NPROC: with the limit at 24,
 * fork fails with EAGAIN before 24 children exist, the system stays up, and after
 * the children are reaped fork works again. Root is exempt from the limit (Linux),
 * so the program first becomes uid 1000 (run as root; on the host too). Exit
 * status = first failed check; prints how many forks succeeded. */
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct rlimit rl = { 24, 24 };
    if (setrlimit(RLIMIT_NPROC, &rl))
        return 1;
    struct rlimit got;
    if (getrlimit(RLIMIT_NPROC, &got) || got.rlim_cur != 24)
        return 2;
    if (setgid(1000) || setuid(1000))
        return 6;
    int made = 0, err = 0;
    for (int i = 0; i < 200; i++) {
        pid_t c = fork();
        if (c == 0) {
            /* Every child tries to fork too, like a bomb, then lingers. */
            pid_t g = fork();
            struct timespec ts = { 0, 300 * 1000000L };
            nanosleep(&ts, NULL);
            if (g > 0)
                waitpid(g, NULL, 0);
            _exit(0);
        }
        if (c < 0) {
            err = errno;
            break;
        }
        made++;
    }
    printf("forks before the limit: %d\n", made);
    while (wait(NULL) > 0)
        ;
    if (err != EAGAIN)
        return 3;
    if (made >= 24)
        return 4;
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    if (c < 0 || waitpid(c, NULL, 0) != c)
        return 5;
    return 0;
}
