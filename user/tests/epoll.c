/* epoll: level-triggered items report while ready, edge-triggered ones once per
 * new event, EPOLLONESHOT ones once until EPOLL_CTL_MOD re-arms them; the data
 * field comes back as given; epoll_wait times out, is interrupted by signals, and
 * wakes when another thread makes an item ready; closing the last reference to a
 * registered file drops it; eventfd, timerfd, signalfd, AF_UNIX sockets and other
 * epoll sets can be watched. */
#include "testlib.h"
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/timerfd.h>
#include <time.h>

static int add(int ep, int fd, uint32_t ev, uint64_t data)
{
    struct epoll_event e = { .events = ev, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t ev, uint64_t data)
{
    struct epoll_event e = { .events = ev, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

TEST(epoll_create_rejects_bad_size_and_flags_and_sets_cloexec)
{
    CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL);   /* musl does not check */
    CHECK_ERR(epoll_create1(0x1234), EINVAL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    REQUIRE(ep >= 0);
    CHECK_EQ(fcntl(ep, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    close(ep);
    ep = epoll_create(1);
    REQUIRE(ep >= 0);
    CHECK_EQ(fcntl(ep, F_GETFD) & FD_CLOEXEC, 0);
    close(ep);
}

TEST(epoll_level_triggered_pipe_reports_while_data_remains)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 0x1122334455667788ull), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    CHECK_EQ(write(p[1], "ab", 2), 2);
    for (int i = 0; i < 2; i++) {
        memset(ev, 0, sizeof(ev));
        CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
        CHECK_EQ(ev[0].events, EPOLLIN);
        CHECK_EQ(ev[0].data.u64, 0x1122334455667788ull);   /* as given */
    }
    char b[2];
    CHECK_EQ(read(p[0], b, 2), 2);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(epoll_edge_triggered_pipe_reports_once_per_new_write)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN | EPOLLET, 7), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    CHECK_EQ(write(p[1], "a", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].data.u64, 7);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);    /* still readable, but no new event */
    CHECK_EQ(write(p[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);    /* a new write: reported again */
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(epoll_edge_triggered_add_of_a_ready_file_reports_once)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(write(p[1], "a", 1), 1);
    CHECK_EQ(add(ep, p[0], EPOLLIN | EPOLLET, 1), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(epoll_oneshot_reports_once_until_ctl_mod_rearms)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN | EPOLLONESHOT, 1), 0);
    CHECK_EQ(write(p[1], "a", 1), 1);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    CHECK_EQ(write(p[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);    /* disabled, even for new data */
    CHECK_EQ(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 2), 0);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].data.u64, 2);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(epoll_reports_pollout_and_hangup_of_a_pipe)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[1], EPOLLOUT, 1), 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 0), 0);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].events, EPOLLOUT);
    CHECK_EQ(ev[0].data.u64, 1);
    close(p[1]);                              /* removed; the reader sees HUP */
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].events, EPOLLHUP);         /* always reported, even unasked */
    CHECK_EQ(ev[0].data.u64, 0);
    close(p[0]);
    close(ep);
}

TEST(epoll_ctl_errors_eexist_enoent_einval_ebadf_eperm)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    struct epoll_event e = { .events = EPOLLIN };
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), 0);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), EEXIST);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e), ENOENT);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &e), ENOENT);
    CHECK_ERR(epoll_ctl(ep, 99, p[0], &e), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e), EINVAL);       /* itself */
    CHECK_ERR(epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &e), EINVAL);   /* not an epoll */
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &e), EBADF);
    CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &e), EBADF);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (void *)8), EFAULT);
    e.events = EPOLLIN | EPOLLEXCLUSIVE;
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e), 0);           /* accepted */
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e), EINVAL);
    e.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e), EINVAL);
    int f = open("/bin/sh", O_RDONLY);                          /* a regular file */
    REQUIRE(f >= 0);
    e.events = EPOLLIN;
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, f, &e), EPERM);
    close(f);
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(epoll_wait_rejects_bad_arguments)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    struct epoll_event ev[1];
    CHECK_ERR(epoll_wait(ep, ev, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_epoll_wait, ep, ev, -1, 0), EINVAL);
    CHECK_ERR(epoll_wait(p[0], ev, 1, 0), EINVAL);
    CHECK_ERR(epoll_wait(999, ev, 1, 0), EBADF);
    CHECK_ERR(epoll_wait(ep, (void *)-4096L, 1, 0), EFAULT);   /* kernel half */
    close(p[0]);
    close(p[1]);
    close(ep);
}

TEST(epoll_closing_the_only_reference_removes_the_item)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 1), 0);
    CHECK_EQ(write(p[1], "a", 1), 1);
    close(p[0]);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    int q[2];                                /* the number comes back: a new file */
    REQUIRE(pipe(q) == 0);
    CHECK_EQ(add(ep, q[0], EPOLLIN, 2), 0);
    close(q[0]);
    close(q[1]);
    close(p[1]);
    close(ep);
}

TEST(epoll_item_survives_closing_one_of_two_references)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 5), 0);
    int d = dup(p[0]);
    REQUIRE(d >= 0);
    close(p[0]);                             /* the open file lives on through d */
    CHECK_EQ(write(p[1], "a", 1), 1);
    struct epoll_event ev[4];
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 1);
    CHECK_EQ(ev[0].data.u64, 5);
    close(d);
    CHECK_EQ(epoll_wait(ep, ev, 4, 0), 0);
    close(p[1]);
    close(ep);
}

TEST(epoll_wait_times_out_after_roughly_the_timeout)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 0), 0);
    struct epoll_event ev[1];
    uint64_t t0 = mono_ms();
    CHECK_EQ(epoll_wait(ep, ev, 1, 60), 0);
    uint64_t took = mono_ms() - t0;
    CHECK(took >= 50 && took < 20000);
    close(p[0]);
    close(p[1]);
    close(ep);
}

static void on_alarm(int sig) { (void)sig; }

TEST(epoll_wait_is_interrupted_by_a_signal_even_with_sa_restart)
{
    int ep = epoll_create1(0);
    REQUIRE(ep >= 0);
    struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    struct epoll_event ev[1];
    CHECK_ERR(epoll_wait(ep, ev, 1, 20000), EINTR);
    signal(SIGALRM, SIG_DFL);
    close(ep);
}

TEST(epoll_pwait_mask_lets_only_the_wait_be_interrupted)
{
    int ep = epoll_create1(0);
    REQUIRE(ep >= 0);
    struct sigaction sa = { .sa_handler = on_alarm };
    sigaction(SIGALRM, &sa, NULL);
    sigset_t blk, none, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGALRM);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &blk, NULL);
    struct itimerval it = { { 0, 0 }, { 0, 50000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    struct epoll_event ev[1];
    CHECK_ERR(epoll_pwait(ep, ev, 1, 20000, &none), EINTR);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    CHECK(sigismember(&cur, SIGALRM));       /* the old mask is back */
    CHECK_ERR(syscall(SYS_epoll_pwait, ep, ev, 1, 0, &none, 4), EINVAL);
    sigprocmask(SIG_UNBLOCK, &blk, NULL);
    signal(SIGALRM, SIG_DFL);
    close(ep);
}

struct writer { int fd; int delay_ms; };

static void *write_later(void *arg)
{
    struct writer *w = arg;
    struct timespec ts = { 0, w->delay_ms * 1000000L };
    nanosleep(&ts, NULL);
    uint64_t one = 1;
    (void)!write(w->fd, &one, 8);
    return NULL;
}

TEST(epoll_wait_in_one_thread_is_woken_by_another_threads_write)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 9), 0);
    struct writer w = { p[1], 50 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &w) == 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 20000), 1);
    CHECK_EQ(ev[0].data.u64, 9);
    pthread_join(t, NULL);
    close(p[0]);
    close(p[1]);
    close(ep);
}

struct waiter { int ep; int n; uint64_t data; };

static void *wait_in_thread(void *arg)
{
    struct waiter *w = arg;
    struct epoll_event ev[1];
    w->n = epoll_wait(w->ep, ev, 1, 20000);
    w->data = ev[0].data.u64;
    return NULL;
}

TEST(epoll_closing_a_watched_socket_while_another_thread_waits_releases_it)
{
    int ep = epoll_create1(0), e = eventfd(0, 0), sv[2];
    REQUIRE(ep >= 0 && e >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(add(ep, sv[0], EPOLLIN, 1), 0);
    CHECK_EQ(add(ep, e, EPOLLIN, 2), 0);
    struct waiter w = { ep, -2, 0 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, wait_in_thread, &w) == 0);
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);                    /* the thread sleeps in epoll_wait */
    close(sv[0]);                            /* the last reference: the peer sees EOF */
    struct pollfd pf = { sv[1], POLLIN, 0 };
    CHECK_EQ(poll(&pf, 1, 5000), 1);
    char c;
    CHECK_EQ(read(sv[1], &c, 1), 0);
    uint64_t one = 1;
    CHECK_EQ(write(e, &one, 8), 8);          /* now wake the waiter */
    pthread_join(t, NULL);
    CHECK_EQ(w.n, 1);
    CHECK_EQ(w.data, 2);
    close(sv[1]);
    close(e);
    close(ep);
}

TEST(epoll_level_triggered_item_wakes_every_thread_waiting_on_the_set)
{
    int ep = epoll_create1(0), e = eventfd(0, 0);
    REQUIRE(ep >= 0 && e >= 0);
    CHECK_EQ(add(ep, e, EPOLLIN, 12), 0);
    struct waiter w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct waiter){ ep, -2, 0 };
        REQUIRE(pthread_create(&t[i], NULL, wait_in_thread, &w[i]) == 0);
    }
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    uint64_t one = 1;
    CHECK_EQ(write(e, &one, 8), 8);          /* never read: stays ready for all */
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ(w[i].n, 1);
        CHECK_EQ(w[i].data, 12);
    }
    close(e);
    close(ep);
}

TEST(epoll_watches_an_eventfd)
{
    int ep = epoll_create1(0), e = eventfd(0, EFD_NONBLOCK);
    REQUIRE(ep >= 0 && e >= 0);
    CHECK_EQ(add(ep, e, EPOLLIN | EPOLLET, 3), 0);
    struct writer w = { e, 30 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &w) == 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 20000), 1);
    CHECK_EQ(ev[0].events, EPOLLIN);
    pthread_join(t, NULL);
    uint64_t v;
    CHECK_EQ(read(e, &v, 8), 8);
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    close(e);
    close(ep);
}

TEST(epoll_wakes_at_a_timerfd_expiry_and_edges_again_only_after_a_read)
{
    int ep = epoll_create1(0), t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    REQUIRE(ep >= 0 && t >= 0);
    CHECK_EQ(add(ep, t, EPOLLIN | EPOLLET, 4), 0);
    struct itimerspec its = { { 0, 30000000 }, { 0, 30000000 } };
    CHECK_EQ(timerfd_settime(t, 0, &its, NULL), 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    CHECK_EQ(epoll_wait(ep, ev, 2, 20000), 1);
    CHECK_EQ(ev[0].data.u64, 4);
    /* Linux: while the count is unread, further expiries are no new edge. */
    CHECK_EQ(epoll_wait(ep, ev, 2, 100), 0);
    uint64_t n = 0;
    CHECK_EQ(read(t, &n, 8), 8);
    CHECK(n >= 2);
    CHECK_EQ(epoll_wait(ep, ev, 2, 20000), 1);  /* the next expiry after the read */
    CHECK_EQ(ev[0].data.u64, 4);
    close(t);
    close(ep);
}

TEST(epoll_watches_a_signalfd)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int ep = epoll_create1(0), sfd = signalfd(-1, &s, SFD_NONBLOCK);
    REQUIRE(ep >= 0 && sfd >= 0);
    CHECK_EQ(add(ep, sfd, EPOLLIN, 6), 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    kill(getpid(), SIGUSR1);
    CHECK_EQ(epoll_wait(ep, ev, 2, 1000), 1);
    CHECK_EQ(ev[0].data.u64, 6);
    struct signalfd_siginfo si;
    CHECK_EQ(read(sfd, &si, sizeof(si)), 128);
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    close(sfd);
    close(ep);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
}

TEST(epoll_watches_unix_sockets_with_rdhup_on_peer_close)
{
    int ep = epoll_create1(0), sv[2];
    REQUIRE(ep >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(add(ep, sv[0], EPOLLIN | EPOLLRDHUP, 8), 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(epoll_wait(ep, ev, 2, 1000), 1);
    CHECK_EQ(ev[0].events, EPOLLIN);
    char c;
    CHECK_EQ(read(sv[0], &c, 1), 1);
    close(sv[1]);
    CHECK_EQ(epoll_wait(ep, ev, 2, 1000), 1);
    CHECK(ev[0].events & EPOLLRDHUP);
    CHECK(ev[0].events & EPOLLIN);           /* EOF reads as readable */
    close(sv[0]);
    close(ep);
}

TEST(epoll_reports_a_pending_connection_on_a_listening_unix_socket)
{
    int ep = epoll_create1(0), l = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(ep >= 0 && l >= 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int len = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "osc-epoll-%d", (int)getpid());
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len);
    REQUIRE(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 4) == 0);
    CHECK_EQ(add(ep, l, EPOLLIN, 11), 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(c >= 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&a, alen), 0);
    CHECK_EQ(epoll_wait(ep, ev, 2, 1000), 1);
    CHECK_EQ(ev[0].events, EPOLLIN);
    CHECK_EQ(ev[0].data.u64, 11);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0);
    CHECK_EQ(epoll_wait(ep, ev, 2, 0), 0);
    close(s);
    close(c);
    close(l);
    close(ep);
}

TEST(epoll_select_on_a_set_sees_it_readable_once_an_item_is)
{
    int ep = epoll_create1(0), e = eventfd(0, 0);
    REQUIRE(ep >= 0 && e >= 0);
    CHECK_EQ(add(ep, e, EPOLLIN, 1), 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(ep, &r);
    struct timeval tv = { 0, 0 };
    CHECK_EQ(select(ep + 1, &r, NULL, NULL, &tv), 0);
    uint64_t one = 1;
    CHECK_EQ(write(e, &one, 8), 8);
    FD_SET(ep, &r);
    tv.tv_sec = 5;
    CHECK_EQ(select(ep + 1, &r, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(ep, &r));
    close(e);
    close(ep);
}

TEST(epoll_set_nested_in_another_reports_readable_and_is_pollable)
{
    int outer = epoll_create1(0), inner = epoll_create1(0), p[2];
    REQUIRE(outer >= 0 && inner >= 0 && pipe(p) == 0);
    CHECK_EQ(add(inner, p[0], EPOLLIN, 1), 0);
    CHECK_EQ(add(outer, inner, EPOLLIN, 2), 0);
    struct epoll_event ev[2];
    CHECK_EQ(epoll_wait(outer, ev, 2, 0), 0);
    struct pollfd pf = { inner, POLLIN, 0 };
    CHECK_EQ(poll(&pf, 1, 0), 0);
    struct writer w = { p[1], 40 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &w) == 0);
    CHECK_EQ(epoll_wait(outer, ev, 2, 20000), 1);   /* woken through the inner set */
    CHECK_EQ(ev[0].data.u64, 2);
    pthread_join(t, NULL);
    CHECK_EQ(poll(&pf, 1, 0), 1);
    CHECK_EQ(pf.revents, POLLIN);
    CHECK_EQ(epoll_wait(inner, ev, 2, 0), 1);
    CHECK_EQ(ev[0].data.u64, 1);
    close(p[0]);
    close(p[1]);
    close(inner);
    close(outer);
}

TEST(epoll_poll_on_a_set_wakes_when_an_item_becomes_ready)
{
    int ep = epoll_create1(0), e = eventfd(0, 0);
    REQUIRE(ep >= 0 && e >= 0);
    CHECK_EQ(add(ep, e, EPOLLIN, 1), 0);
    struct writer w = { e, 40 };
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &w) == 0);
    struct pollfd pf = { ep, POLLIN, 0 };
    CHECK_EQ(poll(&pf, 1, 20000), 1);
    CHECK_EQ(pf.revents, POLLIN);
    pthread_join(t, NULL);
    close(e);
    close(ep);
}

TEST(epoll_loops_between_sets_are_eloop_and_deep_nesting_is_refused)
{
    int a = epoll_create1(0), b = epoll_create1(0);
    REQUIRE(a >= 0 && b >= 0);
    CHECK_EQ(add(a, b, EPOLLIN, 0), 0);
    CHECK_ERR(add(b, a, EPOLLIN, 0), ELOOP);
    close(a);
    close(b);
    /* A chain of sets may be 5 deep (4 nestings): built top-down, the fifth
     * nesting fails; built bottom-up, the same (Linux counts both ways). */
    int e[12], failed_at = -1;
    for (int i = 0; i < 12; i++)
        REQUIRE((e[i] = epoll_create1(0)) >= 0);
    for (int i = 0; i < 11 && failed_at < 0; i++) {
        errno = 0;
        if (add(e[i], e[i + 1], EPOLLIN, 0) < 0) {
            CHECK_EQ(errno, ELOOP);
            failed_at = i;
        }
    }
    CHECK_EQ(failed_at, 4);
    for (int i = 0; i < 12; i++)
        close(e[i]);
    for (int i = 0; i < 12; i++)
        REQUIRE((e[i] = epoll_create1(0)) >= 0);
    failed_at = -1;
    for (int i = 10; i >= 0 && failed_at < 0; i--) {
        errno = 0;
        if (add(e[i], e[i + 1], EPOLLIN, 0) < 0) {
            CHECK_EQ(errno, ELOOP);
            failed_at = i;
        }
    }
    CHECK_EQ(failed_at, 6);
    for (int i = 0; i < 12; i++)
        close(e[i]);
}

TEST(epoll_small_maxevents_serves_every_ready_item_in_turn)
{
    int ep = epoll_create1(0), e[3];
    REQUIRE(ep >= 0);
    for (int i = 0; i < 3; i++) {
        e[i] = eventfd(1, 0);
        REQUIRE(e[i] >= 0);
        CHECK_EQ(add(ep, e[i], EPOLLIN, (uint64_t)i), 0);
    }
    int seen = 0;
    for (int k = 0; k < 3; k++) {
        struct epoll_event ev[1];
        CHECK_EQ(epoll_wait(ep, ev, 1, 0), 1);
        seen |= 1 << ev[0].data.u64;
    }
    CHECK_EQ(seen, 7);
    for (int i = 0; i < 3; i++)
        close(e[i]);
    close(ep);
}

TEST(epoll_del_stops_reports_and_fork_shares_the_set)
{
    int ep = epoll_create1(0), p[2];
    REQUIRE(ep >= 0 && pipe(p) == 0);
    CHECK_EQ(add(ep, p[0], EPOLLIN, 1), 0);
    pid_t c = fork();
    if (c == 0) {
        struct epoll_event ev[1];
        _exit(epoll_wait(ep, ev, 1, 20000) == 1 && ev[0].data.u64 == 1 ? 0 : 1);
    }
    CHECK_EQ(write(p[1], "a", 1), 1);
    int st;
    CHECK_EQ(waitpid(c, &st, 0), c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
    struct epoll_event ev[1];
    CHECK_EQ(epoll_wait(ep, ev, 1, 0), 0);
    close(p[0]);
    close(p[1]);
    close(ep);
}
