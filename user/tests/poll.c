/* I/O multiplexing on pipes: select, pselect6, poll, ppoll — readiness, timeouts
 * (and the time left Linux writes back), bad descriptors, and the temporary signal
 * mask of pselect6/ppoll, and wake-ups: a waiter sleeps until the event comes (a
 * child acts after 50 ms; only an upper bound far below the 10 s timeout is
 * asserted, never a tight one). The raw system calls are used where libcs differ. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Kernel timeval / timespec as the raw calls take them. */
struct k_timeval { long tv_sec, tv_usec; };

TEST(select_on_an_empty_pipe_times_out_and_clears_the_set)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct k_timeval tv = { 0, 100 * 1000 };
    long long t0 = now_ms();
    CHECK_EQ(syscall(SYS_select, p[0] + 1, &r, NULL, NULL, &tv), 0);
    CHECK(now_ms() - t0 >= 99);
    CHECK(!FD_ISSET(p[0], &r));
    CHECK(tv.tv_sec == 0 && tv.tv_usec == 0);   /* the time left: none */
    close(p[0]), close(p[1]);
}

TEST(select_reports_a_pipe_readable_after_a_write_and_writes_back_time_left)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(p[1], &r);                           /* the write end never reads */
    struct k_timeval tv = { 5, 0 };
    CHECK_EQ(syscall(SYS_select, p[1] + 1, &r, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(p[0], &r));
    CHECK(!FD_ISSET(p[1], &r));
    long left_us = tv.tv_sec * 1000000 + tv.tv_usec;
    CHECK(left_us > 4000000 && left_us <= 5000000);
    /* Through the C library too (musl: select; glibc: pselect6 underneath). */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timeval ltv = { 1, 0 };
    CHECK_EQ(select(p[0] + 1, &r, NULL, NULL, &ltv), 1);
    CHECK(FD_ISSET(p[0], &r));
    close(p[0]), close(p[1]);
}

static void *write_later(void *arg)
{
    struct timespec ts = { 0, 50 * 1000000 };
    nanosleep(&ts, NULL);
    if (write(*(int *)arg, "x", 1) != 1)
        return (void *)1;
    return NULL;
}

TEST(select_without_a_timeout_blocks_until_a_thread_writes)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &p[1]) == 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    long long t0 = now_ms();
    CHECK_EQ(select(p[0] + 1, &r, NULL, NULL, NULL), 1);
    CHECK(now_ms() - t0 >= 40);
    CHECK(FD_ISSET(p[0], &r));
    void *ret;
    pthread_join(t, &ret);
    CHECK(ret == NULL);
    close(p[0]), close(p[1]);
}

TEST(select_write_set_is_ready_and_except_set_never_is)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    FD_SET(p[0], &e);
    FD_SET(p[1], &e);
    struct timeval tv = { 0, 0 };
    CHECK_EQ(select(p[1] + 1, &r, &w, &e, &tv), 1);
    CHECK(!FD_ISSET(p[0], &r));
    CHECK(FD_ISSET(p[1], &w));
    CHECK(!FD_ISSET(p[0], &e) && !FD_ISSET(p[1], &e));
    /* An fd ready in two sets counts twice. */
    CHECK_EQ(write(p[1], "x", 1), 1);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    CHECK_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 2);
    close(p[0]), close(p[1]);
}

TEST(select_with_a_closed_fd_in_a_set_is_ebadf)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    close(p[1]);
    fd_set w;
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    struct timeval tv = { 0, 0 };
    CHECK_ERR(select(p[1] + 1, NULL, &w, NULL, &tv), EBADF);
    close(p[0]);
}

TEST(select_negative_nfds_is_einval_and_huge_nfds_is_clamped)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    struct k_timeval tv = { 0, 0 };
    CHECK_ERR(syscall(SYS_select, -1, NULL, NULL, NULL, &tv), EINVAL);
    /* Linux clamps nfds to the descriptor table; bits past it are not looked at. */
    static unsigned long big[4096 / (8 * sizeof(long))];
    memset(big, 0, sizeof big);
    big[p[1] / (8 * sizeof(long))] |= 1UL << (p[1] % (8 * sizeof(long)));
    CHECK_EQ(syscall(SYS_select, 4096, NULL, big, NULL, &tv), 1);
    close(p[0]), close(p[1]);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1++; }

/* SIGUSR1 blocked and pending, a handler without SA_RESTART; returns the old mask. */
static sigset_t pend_usr1(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    got_usr1 = 0;
    raise(SIGUSR1);
    return old;
}

static int usr1_blocked(void)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, SIGUSR1);
}

TEST(pselect6_mask_keeps_a_signal_blocked_or_lets_it_interrupt)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    sigset_t old = pend_usr1();
    sigset_t keep, open_;
    sigemptyset(&keep);
    sigaddset(&keep, SIGUSR1);
    sigemptyset(&open_);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = { 0, 50 * 1000000 };
    CHECK_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, &keep), 0);    /* still blocked */
    CHECK_EQ(got_usr1, 0);
    FD_SET(p[0], &r);
    ts.tv_sec = 5;
    long long t0 = now_ms();
    CHECK_ERR(pselect(p[0] + 1, &r, NULL, NULL, &ts, &open_), EINTR);
    CHECK(now_ms() - t0 < 4000);
    CHECK_EQ(got_usr1, 1);                      /* delivered under the temporary mask */
    CHECK(usr1_blocked());                      /* and the old mask is back */
    /* A bad mask size is EINVAL (raw call: the libcs always pass 8). */
    struct { const sigset_t *ss; size_t len; } sm = { &open_, 4 };
    CHECK_ERR(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, &sm), EINVAL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGUSR1, SIG_DFL);
    close(p[0]), close(p[1]);
}

TEST(pselect6_writes_back_the_time_left)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = { 5, 0 };
    CHECK_EQ(syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL), 1);
    CHECK(ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0));
    close(p[0]), close(p[1]);
}

TEST(ppoll_waits_for_a_pipe_and_honours_its_mask)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    struct timespec ts = { 0, 50 * 1000000 };
    long long t0 = now_ms();
    CHECK_EQ(ppoll(&pf, 1, &ts, NULL), 0);
    CHECK(now_ms() - t0 >= 49);
    CHECK_EQ(pf.revents, 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    ts.tv_sec = 5;
    CHECK_EQ(ppoll(&pf, 1, &ts, NULL), 1);
    CHECK_EQ(pf.revents, POLLIN);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    sigset_t old = pend_usr1(), open_;
    sigemptyset(&open_);
    CHECK_ERR(ppoll(&pf, 1, NULL, &open_), EINTR);
    CHECK_EQ(got_usr1, 1);
    CHECK(usr1_blocked());
    CHECK_ERR(syscall(SYS_ppoll, &pf, 1, NULL, &open_, 4), EINVAL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGUSR1, SIG_DFL);
    close(p[0]), close(p[1]);
}

TEST(poll_reports_pollhup_when_the_writer_closes)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
    CHECK_EQ(poll(pf, 2, 0), 1);
    CHECK_EQ(pf[0].revents, 0);
    CHECK_EQ(pf[1].revents, POLLOUT);
    close(p[1]);
    pf[0].revents = 0;
    CHECK_EQ(poll(pf, 1, 1000), 1);
    CHECK(pf[0].revents & POLLHUP);
    CHECK(!(pf[0].revents & POLLIN));           /* nothing to read, only the hang-up */
    close(p[0]);
}

TEST(poll_marks_a_closed_fd_pollnval_and_skips_negative_fds)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    close(p[1]);
    struct pollfd pf[2] = { { p[1], POLLIN, 0 }, { -1, POLLIN, 0 } };
    CHECK_EQ(poll(pf, 2, 0), 1);
    CHECK_EQ(pf[0].revents, POLLNVAL);
    CHECK_EQ(pf[1].revents, 0);
    close(p[0]);
}

/* ---- woken by the event, not by the timeout ---- */

static void nap_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

enum child_act { WRITE_BYTE, CLOSE_FD, DRAIN_FD, KILL_USR1 };

/* Forks a child that, after 50 ms, writes a byte to fd, exits (closing its copy
 * of every descriptor), reads fd dry, or sends SIGUSR1 to the parent; close_fd,
 * when not -1, is closed in the child first. */
static pid_t child_after_50ms(enum child_act act, int fd, int close_fd)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (close_fd >= 0)
        close(close_fd);
    nap_ms(50);
    char buf[4096];
    int ok = 1;
    switch (act) {
    case WRITE_BYTE: ok = write(fd, "x", 1) == 1; break;
    case CLOSE_FD: break;
    case DRAIN_FD:
        while (read(fd, buf, sizeof buf) > 0)
            ;
        break;
    case KILL_USR1: ok = kill(parent, SIGUSR1) == 0; break;
    }
    _exit(ok ? 0 : 1);
}

static int child_ok(pid_t pid)
{
    int st;
    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

TEST(poll_is_woken_by_a_write_long_before_its_timeout)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t c = child_after_50ms(WRITE_BYTE, p[1], p[0]);
    REQUIRE(c > 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    long long t0 = now_ms();
    CHECK_EQ(poll(&pf, 1, 10000), 1);
    CHECK(now_ms() - t0 < 5000);
    CHECK_EQ(pf.revents, POLLIN);
    CHECK(child_ok(c));
    close(p[0]), close(p[1]);
}

TEST(poll_is_woken_with_pollhup_when_the_last_writer_closes)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t c = child_after_50ms(CLOSE_FD, p[1], p[0]);
    REQUIRE(c > 0);
    close(p[1]);                                /* the child's copy is the last */
    struct pollfd pf = { p[0], POLLIN, 0 };
    long long t0 = now_ms();
    CHECK_EQ(poll(&pf, 1, 10000), 1);
    CHECK(now_ms() - t0 < 5000);
    CHECK(pf.revents & POLLHUP);
    CHECK(!(pf.revents & POLLIN));
    CHECK(child_ok(c));
    close(p[0]);
}

/* Fills a pipe through a non-blocking write end; returns the bytes written. */
static long fill_pipe(int wfd)
{
    static char buf[4096];
    int fl = fcntl(wfd, F_GETFL);
    fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
    long total = 0, n;
    while ((n = write(wfd, buf, sizeof buf)) > 0)
        total += n;
    fcntl(wfd, F_SETFL, fl);
    return total;
}

TEST(poll_on_a_full_pipe_is_woken_for_pollout_when_the_reader_drains_it)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK(fill_pipe(p[1]) > 0);
    struct pollfd pf = { p[1], POLLOUT, 0 };
    CHECK_EQ(poll(&pf, 1, 0), 0);               /* full: not writable */
    int fl = fcntl(p[0], F_GETFL);
    fcntl(p[0], F_SETFL, fl | O_NONBLOCK);      /* the child reads until EAGAIN */
    pid_t c = child_after_50ms(DRAIN_FD, p[0], p[1]);
    REQUIRE(c > 0);
    long long t0 = now_ms();
    CHECK_EQ(poll(&pf, 1, 10000), 1);
    CHECK(now_ms() - t0 < 5000);
    CHECK(pf.revents & POLLOUT);
    CHECK(child_ok(c));
    close(p[0]), close(p[1]);
}

TEST(poll_on_a_full_pipe_is_woken_with_pollerr_when_the_last_reader_closes)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK(fill_pipe(p[1]) > 0);
    pid_t c = child_after_50ms(CLOSE_FD, p[0], p[1]);
    REQUIRE(c > 0);
    close(p[0]);                                /* the child's copy is the last */
    struct pollfd pf = { p[1], POLLOUT, 0 };
    long long t0 = now_ms();
    CHECK_EQ(poll(&pf, 1, 10000), 1);
    CHECK(now_ms() - t0 < 5000);
    CHECK(pf.revents & POLLERR);
    CHECK(child_ok(c));
    close(p[1]);
}

TEST(select_on_two_pipes_is_woken_by_the_second)
{
    int a[2], b[2];
    REQUIRE(pipe(a) == 0);
    REQUIRE(pipe(b) == 0);
    pid_t c = child_after_50ms(WRITE_BYTE, b[1], -1);
    REQUIRE(c > 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(a[0], &r);
    FD_SET(b[0], &r);
    int nfds = (a[0] > b[0] ? a[0] : b[0]) + 1;
    struct timeval tv = { 10, 0 };
    long long t0 = now_ms();
    CHECK_EQ(select(nfds, &r, NULL, NULL, &tv), 1);
    CHECK(now_ms() - t0 < 5000);
    CHECK(!FD_ISSET(a[0], &r));
    CHECK(FD_ISSET(b[0], &r));
    CHECK(child_ok(c));
    close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

TEST(poll_is_interrupted_promptly_by_a_signal_handler)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;                    /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, &old);
    got_usr1 = 0;
    pid_t c = child_after_50ms(KILL_USR1, -1, -1);
    REQUIRE(c > 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    long long t0 = now_ms();
    CHECK_ERR(poll(&pf, 1, 10000), EINTR);
    CHECK(now_ms() - t0 < 5000);
    CHECK_EQ(got_usr1, 1);
    CHECK(child_ok(c));
    sigaction(SIGUSR1, &old, NULL);
    close(p[0]), close(p[1]);
}

TEST(ppoll_and_poll_with_a_zero_timeout_do_not_sleep)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    struct pollfd pf = { p[0], POLLIN, 0 };
    struct timespec ts = { 0, 0 };
    long long t0 = now_ms();
    for (int i = 0; i < 20; i++) {
        CHECK_EQ(ppoll(&pf, 1, &ts, NULL), 0);
        CHECK_EQ(poll(&pf, 1, 0), 0);
    }
    CHECK(now_ms() - t0 < 5000);                /* 40 calls, no sleeps among them */
    CHECK(ts.tv_sec == 0 && ts.tv_nsec == 0);   /* a zero timeout is left alone */
    close(p[0]), close(p[1]);
}

#define MANY_PIPES 200

TEST(poll_on_200_pipes_is_woken_by_the_last_one)
{
    static int p[MANY_PIPES][2];
    static struct pollfd pf[MANY_PIPES];
    int made = 0;
    while (made < MANY_PIPES && pipe(p[made]) == 0)
        made++;
    REQUIRE(made == MANY_PIPES);
    for (int i = 0; i < MANY_PIPES; i++)
        pf[i] = (struct pollfd){ p[i][0], POLLIN, 0 };
    CHECK_EQ(poll(pf, MANY_PIPES, 0), 0);
    pid_t c = child_after_50ms(WRITE_BYTE, p[MANY_PIPES - 1][1], -1);
    REQUIRE(c > 0);
    long long t0 = now_ms();
    CHECK_EQ(poll(pf, MANY_PIPES, 10000), 1);
    CHECK(now_ms() - t0 < 5000);
    CHECK_EQ(pf[MANY_PIPES - 1].revents, POLLIN);
    CHECK_EQ(pf[0].revents, 0);
    CHECK(child_ok(c));
    for (int i = 0; i < MANY_PIPES; i++)
        close(p[i][0]), close(p[i][1]);
}
