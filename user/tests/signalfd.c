/* signalfd: blocked signals of a mask are read as 128-byte signalfd_siginfo
 * records instead of being delivered; the thread's own queue comes before the
 * process's; poll reports readable while one is pending; the mask of an existing
 * descriptor can be replaced. */
#include "testlib.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>

static sigset_t block(int a, int b)
{
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, a);
    if (b)
        sigaddset(&s, b);
    sigprocmask(SIG_BLOCK, &s, &old);
    return s;
}

static void unblock_all(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigprocmask(SIG_SETMASK, &s, NULL);
}

static void drain(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&s, NULL, &zero) > 0) {
    }
}

TEST(signalfd_siginfo_is_128_bytes_with_linux_field_offsets)
{
    CHECK_EQ(sizeof(struct signalfd_siginfo), 128);
    CHECK_EQ(offsetof(struct signalfd_siginfo, ssi_pid), 12);
    CHECK_EQ(offsetof(struct signalfd_siginfo, ssi_int), 44);
    CHECK_EQ(offsetof(struct signalfd_siginfo, ssi_ptr), 48);
    CHECK_EQ(offsetof(struct signalfd_siginfo, ssi_addr), 72);
}

TEST(signalfd_reads_a_blocked_signal_with_sender_pid_and_code)
{
    sigset_t s = block(SIGUSR1, 0);
    int fd = signalfd(-1, &s, SFD_NONBLOCK);
    REQUIRE(fd >= 0);
    struct signalfd_siginfo si;
    CHECK_ERR(read(fd, &si, sizeof(si)), EAGAIN);
    kill(getpid(), SIGUSR1);
    memset(&si, 0, sizeof(si));
    CHECK_EQ(read(fd, &si, sizeof(si)), 128);
    CHECK_EQ(si.ssi_signo, SIGUSR1);
    CHECK_EQ(si.ssi_code, SI_USER);
    CHECK_EQ(si.ssi_pid, getpid());
    CHECK_ERR(read(fd, &si, sizeof(si)), EAGAIN);  /* consumed: no longer pending */
    sigset_t pend;
    sigpending(&pend);
    CHECK(!sigismember(&pend, SIGUSR1));
    close(fd);
    unblock_all();
}

TEST(signalfd_read_needs_room_for_one_record_and_takes_several)
{
    sigset_t s = block(SIGUSR1, SIGUSR2);
    int fd = signalfd(-1, &s, SFD_NONBLOCK);
    REQUIRE(fd >= 0);
    char small[100];
    CHECK_ERR(read(fd, small, sizeof(small)), EINVAL);
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR2);
    struct signalfd_siginfo si[4];
    CHECK_EQ(read(fd, si, sizeof(si)), 256);
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);  /* lowest number first */
    CHECK_EQ(si[1].ssi_signo, SIGUSR2);
    close(fd);
    unblock_all();
}

TEST(signalfd_carries_sigqueue_value)
{
    sigset_t s = block(SIGRTMIN + 1, 0);
    int fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    union sigval v = { .sival_int = 1234 };
    CHECK_EQ(sigqueue(getpid(), SIGRTMIN + 1, v), 0);
    CHECK_EQ(sigqueue(getpid(), SIGRTMIN + 1, v), 0);
    struct signalfd_siginfo si[2];
    CHECK_EQ(read(fd, si, sizeof(si)), 256);     /* real-time signals queue */
    CHECK_EQ(si[0].ssi_signo, SIGRTMIN + 1);
    CHECK_EQ(si[0].ssi_code, SI_QUEUE);
    CHECK_EQ(si[0].ssi_int, 1234);
    close(fd);
    unblock_all();
}

TEST(signalfd_takes_the_threads_own_signal_before_the_processes)
{
    sigset_t s = block(SIGUSR1, SIGUSR2);
    int fd = signalfd(-1, &s, SFD_NONBLOCK);
    REQUIRE(fd >= 0);
    kill(getpid(), SIGUSR1);                            /* process-directed */
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);  /* thread-directed */
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof(si)), 128);
    CHECK_EQ(si.ssi_signo, SIGUSR2);
    CHECK_EQ(si.ssi_code, SI_TKILL);
    CHECK_EQ(read(fd, &si, sizeof(si)), 128);
    CHECK_EQ(si.ssi_signo, SIGUSR1);
    close(fd);
    unblock_all();
}

TEST(signalfd_ignores_signals_outside_its_mask)
{
    sigset_t s = block(SIGUSR1, SIGUSR2);
    sigset_t only1;
    sigemptyset(&only1);
    sigaddset(&only1, SIGUSR1);
    int fd = signalfd(-1, &only1, SFD_NONBLOCK);
    REQUIRE(fd >= 0);
    kill(getpid(), SIGUSR2);
    struct signalfd_siginfo si;
    CHECK_ERR(read(fd, &si, sizeof(si)), EAGAIN);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 0), 0);
    sigset_t pend;
    sigpending(&pend);
    CHECK(sigismember(&pend, SIGUSR2));    /* still pending for others */
    /* Replacing the mask of the same descriptor makes it take SIGUSR2. */
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    CHECK_EQ(signalfd(fd, &only2, 0), fd);
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(read(fd, &si, sizeof(si)), 128);
    CHECK_EQ(si.ssi_signo, SIGUSR2);
    close(fd);
    (void)s;
    unblock_all();
}

TEST(signalfd_bad_arguments_are_rejected)
{
    sigset_t s;
    sigemptyset(&s);
    CHECK_ERR(syscall(SYS_signalfd4, -1, &s, 4, 0), EINVAL);   /* sigset size */
    CHECK_ERR(syscall(SYS_signalfd4, -1, &s, 8, 0x10), EINVAL);
    CHECK_ERR(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
    int pfd[2];
    REQUIRE(pipe(pfd) == 0);
    CHECK_ERR(signalfd(pfd[0], &s, 0), EINVAL);    /* not a signalfd */
    CHECK_ERR(signalfd(999, &s, 0), EBADF);
    close(pfd[0]);
    close(pfd[1]);
}

static void *send_later(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    kill(getpid(), SIGUSR1);
    return NULL;
}

TEST(signalfd_blocking_read_and_poll_wake_for_a_signal_sent_later)
{
    sigset_t s = block(SIGUSR1, 0);
    int fd = signalfd(-1, &s, 0);
    REQUIRE(fd >= 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, send_later, NULL) == 0);
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof(si)), 128);
    CHECK_EQ(si.ssi_signo, SIGUSR1);
    pthread_join(t, NULL);
    REQUIRE(pthread_create(&t, NULL, send_later, NULL) == 0);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 10000), 1);
    CHECK_EQ(p.revents, POLLIN);
    pthread_join(t, NULL);
    drain(SIGUSR1);
    close(fd);
    unblock_all();
}

TEST(signalfd_never_takes_sigkill_or_sigstop)
{
    sigset_t s;
    sigfillset(&s);
    int fd = signalfd(-1, &s, SFD_NONBLOCK);   /* accepted; the two are dropped */
    REQUIRE(fd >= 0);
    struct signalfd_siginfo si;
    CHECK_ERR(read(fd, &si, sizeof(si)), EAGAIN);
    close(fd);
}

TEST(signalfd_reports_a_childs_exit_as_sigchld_with_pid_and_status)
{
    sigset_t s = block(SIGCHLD, 0);
    int fd = signalfd(-1, &s, 0);
    REQUIRE(fd >= 0);
    pid_t c = fork();
    if (c == 0)
        _exit(7);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 10000), 1);        /* woken by the exit */
    struct signalfd_siginfo si;
    CHECK_EQ(read(fd, &si, sizeof(si)), 128);
    CHECK_EQ(si.ssi_signo, SIGCHLD);
    CHECK_EQ(si.ssi_code, CLD_EXITED);
    CHECK_EQ(si.ssi_pid, c);
    CHECK_EQ(si.ssi_status, 7);
    int st;
    CHECK_EQ(waitpid(c, &st, 0), c);
    close(fd);
    unblock_all();
}
