/* Proc KTEST program: orphans are adopted: with PR_SET_CHILD_SUBREAPER set, a
 * grandchild whose parent exits becomes our child (getppid changes to us) and we
 * reap it. Exit status = first failed check. */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    pid_t me = getpid();
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
        return 1;
    int fds[2];
    if (pipe(fds) == 0) {
        close(fds[0]);          /* unused: the VFS may not be there yet */
        close(fds[1]);
    }
    pid_t c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) {
            /* Wait (bounded) for our parent to die and the adoption. */
            struct timespec ts = { 0, 10 * 1000000L };
            for (int i = 0; i < 300 && getppid() != me; i++)
                nanosleep(&ts, NULL);
            _exit(getppid() == me ? 42 : 43);
        }
        _exit(g > 0 ? 0 : 1);
    }
    int st;
    if (waitpid(c, &st, 0) != c || WEXITSTATUS(st) != 0)
        return 2;
    pid_t g = waitpid(-1, &st, 0);      /* the adopted grandchild */
    if (g <= 0 || g == c)
        return 3;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 42)
        return 4;
    return 0;
}
