/* Pipes and signals: a write with no reader raises SIGPIPE (handled, then ignored:
 * -EPIPE), and a blocked pipe read is interrupted by a signal (EINTR without
 * SA_RESTART). Exits with the number of the first failing check; 0 prints "pipes ok". */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pipe_signals, alarms;

static void on_pipe(int sig) { (void)sig; pipe_signals++; }
static void on_alarm(int sig) { (void)sig; alarms++; }

int main(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    close(fds[0]);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_pipe;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        return 2;
    errno = 0;
    if (write(fds[1], "x", 1) != -1 || errno != EPIPE)
        return 3;
    if (pipe_signals != 1)
        return 4;
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    if (write(fds[1], "x", 1) != -1 || errno != EPIPE || pipe_signals != 1)
        return 5;
    close(fds[1]);

    if (pipe(fds) != 0)
        return 6;
    sa.sa_handler = on_alarm;
    sa.sa_flags = 0;            /* no SA_RESTART: the read must fail with EINTR */
    if (sigaction(SIGALRM, &sa, NULL) != 0)
        return 7;
    alarm(1);
    char c;
    errno = 0;
    if (read(fds[0], &c, 1) != -1 || errno != EINTR || alarms != 1)
        return 8;
    /* Data written before the read is still delivered normally. */
    if (write(fds[1], "y", 1) != 1 || read(fds[0], &c, 1) != 1 || c != 'y')
        return 9;
    static const char ok[] = "pipes ok\n";
    write(1, ok, sizeof(ok) - 1);
    return 0;
}
