/* AF_UNIX sockets: socketpair echo, a forked server and client over a filesystem
 * name and an abstract one, connect errors, EPIPE/SIGPIPE, EOF, nonblocking accept,
 * poll on a listener, datagram boundaries and senders, family errors. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static socklen_t make_addr(struct sockaddr_un *a, const char *path, bool abstract)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (abstract) {
        memcpy(a->sun_path + 1, path, n);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
    }
    memcpy(a->sun_path, path, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static void tmp_path(char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/tmp/unixsock-%s-%d", tag, (int)getpid());
    unlink(buf);
}

TEST(socketpair_stream_echoes_both_ways)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char buf[32] = { 0 };
    CHECK_EQ(write(sv[0], "ping", 4), 4);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    CHECK_EQ(send(sv[1], "pong!", 5, 0), 5);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 5);
    CHECK_STR(buf, "pong!");
    struct stat st;
    CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
    char link[64], want[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", sv[0]);
    ssize_t n = readlink(link, want, sizeof want - 1);
    CHECK(n > 8);
    if (n > 0) {
        want[n] = 0;
        CHECK(strncmp(want, "socket:[", 8) == 0 && want[n - 1] == ']');
    }
    int type = 0;
    socklen_t len = sizeof type;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0);
    CHECK_EQ(type, SOCK_STREAM);
    close(sv[0]), close(sv[1]);
}

TEST(peek_leaves_data_and_dontwait_says_eagain)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char buf[8] = { 0 };
    CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    CHECK_EQ(send(sv[0], "abc", 3, 0), 3);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, MSG_PEEK), 3);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 3);
    CHECK_STR(buf, "abc");
    close(sv[0]), close(sv[1]);
}

TEST(read_after_peer_close_gives_eof)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(write(sv[0], "xy", 2), 2);
    close(sv[0]);
    char buf[8];
    CHECK_EQ(read(sv[1], buf, sizeof buf), 2);  /* queued data first */
    CHECK_EQ(read(sv[1], buf, sizeof buf), 0);
    struct pollfd p = { sv[1], POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 1000), 1);
    CHECK(p.revents & POLLIN);
    CHECK(p.revents & POLLHUP);
    close(sv[1]);
}

static volatile sig_atomic_t got_sigpipe;
static void on_sigpipe(int sig) { (void)sig; got_sigpipe++; }

TEST(write_to_closed_peer_is_epipe_and_sigpipe_unless_nosignal)
{
    struct sigaction sa = { 0 }, old;
    sa.sa_handler = on_sigpipe;
    sigaction(SIGPIPE, &sa, &old);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    close(sv[1]);
    got_sigpipe = 0;
    CHECK_ERR(write(sv[0], "x", 1), EPIPE);
    CHECK_EQ(got_sigpipe, 1);
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(got_sigpipe, 1);
    close(sv[0]);
    sigaction(SIGPIPE, &old, NULL);
}

TEST(stream_server_and_client_over_a_path_with_fork)
{
    char path[64];
    tmp_path(path, sizeof path, "srv");
    struct sockaddr_un a;
    socklen_t alen = make_addr(&a, path, false);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(ls >= 0);
    REQUIRE(bind(ls, (struct sockaddr *)&a, alen) == 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK_ERR(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen), EADDRINUSE);
    REQUIRE(listen(ls, 4) == 0);
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    CHECK(getsockname(ls, (struct sockaddr *)&got, &glen) == 0);
    CHECK_EQ(glen, alen);
    CHECK_STR(got.sun_path, path);

    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&a, alen) != 0)
            _exit(2);
        struct sockaddr_un pa;
        socklen_t plen = sizeof pa;
        if (getpeername(c, (struct sockaddr *)&pa, &plen) != 0 || strcmp(pa.sun_path, path))
            _exit(3);
        struct ucred cr;
        socklen_t clen = sizeof cr;
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &clen) != 0 || cr.pid != getppid())
            _exit(4);
        char buf[16] = { 0 };
        if (write(c, "hello", 5) != 5 || read(c, buf, sizeof buf) != 6 || strcmp(buf, "HELLO!"))
            _exit(5);
        _exit(0);
    }
    struct sockaddr_un ca;
    socklen_t clen = sizeof ca;
    int s = accept(ls, (struct sockaddr *)&ca, &clen);
    REQUIRE(s >= 0);
    CHECK_EQ(clen, offsetof(struct sockaddr_un, sun_path));    /* an unnamed client */
    CHECK_EQ(ca.sun_family, AF_UNIX);
    struct ucred cr;
    socklen_t crl = sizeof cr;
    CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &crl) == 0);
    CHECK_EQ(crl, sizeof cr);
    CHECK_EQ(cr.pid, child);
    CHECK_EQ(cr.uid, geteuid());
    glen = sizeof got;
    CHECK(getsockname(s, (struct sockaddr *)&got, &glen) == 0);
    CHECK_STR(got.sun_path, path);
    char buf[16] = { 0 };
    CHECK_EQ(read(s, buf, sizeof buf), 5);
    CHECK_STR(buf, "hello");
    CHECK_EQ(write(s, "HELLO!", 6), 6);
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(read(s, buf, sizeof buf), 0);    /* the client exited */
    close(s);
    close(ls);
    unlink(path);
}

TEST(abstract_names_connect_without_a_file)
{
    char name[64];
    snprintf(name, sizeof name, "oscortex-test-%d", (int)getpid());
    struct sockaddr_un a;
    socklen_t alen = make_addr(&a, name, true);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(ls >= 0);
    REQUIRE(bind(ls, (struct sockaddr *)&a, alen) == 0);
    CHECK_ERR(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen), EADDRINUSE);
    REQUIRE(listen(ls, 1) == 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(c >= 0);
    CHECK(connect(c, (struct sockaddr *)&a, alen) == 0);  /* queued before accept */
    int s = accept(ls, NULL, NULL);
    REQUIRE(s >= 0);
    CHECK_EQ(write(c, "abs", 3), 3);
    char buf[8] = { 0 };
    CHECK_EQ(read(s, buf, sizeof buf), 3);
    CHECK_STR(buf, "abs");
    struct sockaddr_un got;
    socklen_t glen = sizeof got;
    CHECK(getpeername(c, (struct sockaddr *)&got, &glen) == 0);
    CHECK_EQ(glen, alen);
    CHECK(got.sun_path[0] == 0 && memcmp(got.sun_path + 1, name, strlen(name)) == 0);
    close(c), close(s), close(ls);
}

TEST(connect_to_missing_path_is_enoent_and_to_unlistened_is_econnrefused)
{
    char path[64];
    tmp_path(path, sizeof path, "nol");
    struct sockaddr_un a;
    socklen_t alen = make_addr(&a, path, false);
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(c >= 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ENOENT);
    int b = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(bind(b, (struct sockaddr *)&a, alen) == 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED);
    close(b);
    CHECK_ERR(connect(c, (struct sockaddr *)&a, alen), ECONNREFUSED);  /* node stays */
    unlink(path);
    close(c);
}

TEST(nonblocking_accept_is_eagain_and_poll_sees_a_pending_connection)
{
    struct sockaddr_un a;
    char name[64];
    snprintf(name, sizeof name, "oscortex-poll-%d", (int)getpid());
    socklen_t alen = make_addr(&a, name, true);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(ls >= 0);
    REQUIRE(bind(ls, (struct sockaddr *)&a, alen) == 0);
    REQUIRE(listen(ls, 2) == 0);
    CHECK_ERR(accept(ls, NULL, NULL), EAGAIN);
    struct pollfd p = { ls, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 0), 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        _exit(c >= 0 && connect(c, (struct sockaddr *)&a, alen) == 0 ? 0 : 1);
    }
    p.revents = 0;
    CHECK_EQ(poll(&p, 1, 10000), 1);            /* the child's connect wakes us */
    CHECK(p.revents & POLLIN);
    int s = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK(s >= 0);
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(s), close(ls);
}

TEST(dgram_socketpair_keeps_message_boundaries)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    CHECK_EQ(send(sv[0], "one", 3, 0), 3);
    CHECK_EQ(send(sv[0], "three", 5, 0), 5);
    char buf[16] = { 0 };
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 3);
    CHECK(memcmp(buf, "one", 3) == 0);
    CHECK_EQ(recv(sv[1], buf, 2, 0), 2);        /* the rest of "three" is dropped */
    CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    int type = 0;
    socklen_t len = sizeof type;
    CHECK(getsockopt(sv[1], SOL_SOCKET, SO_TYPE, &type, &len) == 0);
    CHECK_EQ(type, SOCK_DGRAM);
    close(sv[0]), close(sv[1]);
}

TEST(recvfrom_of_a_bound_dgram_socket_names_the_sender)
{
    char rpath[64], spath[64];
    tmp_path(rpath, sizeof rpath, "dr");
    tmp_path(spath, sizeof spath, "ds");
    struct sockaddr_un ra, sa;
    socklen_t ralen = make_addr(&ra, rpath, false), salen = make_addr(&sa, spath, false);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
    REQUIRE(r >= 0 && s >= 0);
    REQUIRE(bind(r, (struct sockaddr *)&ra, ralen) == 0);
    REQUIRE(bind(s, (struct sockaddr *)&sa, salen) == 0);
    CHECK_EQ(sendto(s, "msg1", 4, 0, (struct sockaddr *)&ra, ralen), 4);
    char buf[16] = { 0 };
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    CHECK_EQ(recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen), 4);
    CHECK_EQ(flen, salen);
    CHECK_STR(from.sun_path, spath);
    /* recvmsg too, with MSG_TRUNC reporting a cut datagram */
    CHECK_EQ(sendto(s, "longer", 6, 0, (struct sockaddr *)&ra, ralen), 6);
    struct iovec iov = { buf, 3 };
    struct msghdr m = { 0 };
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    CHECK_EQ(recvmsg(r, &m, 0), 3);
    CHECK(m.msg_flags & MSG_TRUNC);
    close(r), close(s);
    unlink(rpath), unlink(spath);
}

TEST(unsupported_families_and_types_fail_like_linux)
{
    CHECK_ERR(socket(AF_INET6 + 1000, SOCK_STREAM, 0), EAFNOSUPPORT);
    CHECK_ERR(socket(AF_UNIX, 1000, 0), EINVAL);
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
    int sv[2];
    CHECK_ERR(socketpair(AF_UNIX + 1000, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
    int p[2];
    REQUIRE(pipe(p) == 0);
    struct sockaddr_un a;
    socklen_t alen = sizeof a;
    CHECK_ERR(getsockname(p[0], (struct sockaddr *)&a, &alen), ENOTSOCK);
    close(p[0]), close(p[1]);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    int v = 1;
    CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == 0);
    CHECK_ERR(setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v), ENOPROTOOPT);
    close(s);
}

TEST(dgram_write_and_read_move_whole_records_beyond_4k)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    static char big[10000], got[12000];
    memset(big, 'q', sizeof big);
    CHECK_EQ(write(sv[0], big, sizeof big), (long)sizeof big);
    struct iovec iov[2] = { { big, 3 }, { big, 5 } };
    CHECK_EQ(writev(sv[0], iov, 2), 8);
    CHECK_EQ(read(sv[1], got, sizeof got), (long)sizeof big);
    CHECK_EQ(read(sv[1], got, sizeof got), 8);          /* one record from writev */
    close(sv[0]), close(sv[1]);
}

TEST(seqpacket_connection_keeps_records)
{
    char name[64];
    snprintf(name, sizeof name, "oscortex-seq-%d", (int)getpid());
    struct sockaddr_un a;
    socklen_t alen = make_addr(&a, name, true);
    int ls = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    REQUIRE(ls >= 0);
    REQUIRE(bind(ls, (struct sockaddr *)&a, alen) == 0 && listen(ls, 1) == 0);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    REQUIRE(connect(c, (struct sockaddr *)&a, alen) == 0);
    int s = accept(ls, NULL, NULL);
    REQUIRE(s >= 0);
    CHECK_EQ(send(c, "ab", 2, 0), 2);
    CHECK_EQ(send(c, "cde", 3, 0), 3);
    char buf[8];
    CHECK_EQ(recv(s, buf, sizeof buf, 0), 2);
    CHECK_EQ(recv(s, buf, sizeof buf, 0), 3);
    close(c);
    CHECK_EQ(recv(s, buf, sizeof buf, 0), 0);
    close(s), close(ls);
}

TEST(shutdown_wr_gives_the_peer_eof_but_keeps_the_other_direction)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK(shutdown(sv[0], SHUT_WR) == 0);
    char buf[8];
    CHECK_EQ(read(sv[1], buf, sizeof buf), 0);
    CHECK_EQ(write(sv[1], "back", 4), 4);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 4);
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_ERR(shutdown(sv[0], 7), EINVAL);
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(shutdown(u, SHUT_RDWR), 0);          /* Linux: fine unconnected */
    close(u), close(sv[0]), close(sv[1]);
}

TEST(nonblocking_connect_to_a_full_backlog_is_eagain)
{
    char name[64];
    snprintf(name, sizeof name, "oscortex-full-%d", (int)getpid());
    struct sockaddr_un a;
    socklen_t alen = make_addr(&a, name, true);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(ls >= 0);
    REQUIRE(bind(ls, (struct sockaddr *)&a, alen) == 0 && listen(ls, 1) == 0);
    int c[4], ok = 0, eagain = 0;
    for (int i = 0; i < 4; i++) {
        c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(c[i], (struct sockaddr *)&a, alen) == 0)
            ok++;
        else if (errno == EAGAIN)
            eagain++;
    }
    CHECK(ok >= 1);
    CHECK(eagain >= 1);
    CHECK_EQ(ok + eagain, 4);
    for (int i = 0; i < 4; i++)
        close(c[i]);
    close(ls);
}

static void on_alarm(int sig) { (void)sig; }

TEST(blocked_recv_is_interrupted_by_a_signal_and_select_sees_data)
{
    struct sigaction sa = { 0 }, old;
    sa.sa_handler = on_alarm;                   /* no SA_RESTART: EINTR */
    sigaction(SIGALRM, &sa, &old);
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    alarm(1);
    char buf[4];
    CHECK_ERR(recv(sv[0], buf, sizeof buf, 0), EINTR);
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(sv[0], &rd);
    struct timeval tv = { 0, 0 };
    CHECK_EQ(select(sv[0] + 1, &rd, NULL, NULL, &tv), 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0)
        _exit(write(sv[1], "w", 1) == 1 ? 0 : 1);
    FD_ZERO(&rd);
    FD_SET(sv[0], &rd);
    tv.tv_sec = 10;
    CHECK_EQ(select(sv[0] + 1, &rd, NULL, NULL, &tv), 1);
    CHECK(FD_ISSET(sv[0], &rd));
    waitpid(child, NULL, 0);
    close(sv[0]), close(sv[1]);
}

TEST(empty_sends_are_not_eof_on_streams_but_are_records_on_dgram)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char buf[8];
    CHECK_EQ(send(sv[0], "", 0, 0), 0);
    CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    close(sv[0]), close(sv[1]);
    REQUIRE(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    CHECK_EQ(send(sv[0], "", 0, 0), 0);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), 0);
    CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    close(sv[0]), close(sv[1]);
}

TEST(a_megabyte_crosses_a_stream_between_processes_in_order)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    enum { TOTAL = 1 << 20 };
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(sv[0]);
        static unsigned char out[TOTAL];
        for (int i = 0; i < TOTAL; i++)
            out[i] = (unsigned char)(i * 7 + i / 251);
        _exit(write(sv[1], out, TOTAL) == TOTAL ? 0 : 1);   /* blocks on a full queue */
    }
    close(sv[1]);
    static unsigned char in[8192];
    long got = 0, bad = 0;
    for (;;) {
        ssize_t r = read(sv[0], in, sizeof in);
        if (r <= 0)
            break;
        for (ssize_t k = 0; k < r; k++, got++)
            bad += in[k] != (unsigned char)(got * 7 + got / 251);
    }
    CHECK_EQ(got, TOTAL);
    CHECK_EQ(bad, 0);
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(sv[0]);
}

TEST(fionread_and_bad_pointers)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    CHECK_EQ(write(sv[0], "12345", 5), 5);
    int n = -1;
    CHECK(ioctl(sv[1], FIONREAD, &n) == 0);
    CHECK_EQ(n, 5);
    static void *volatile bad_ptr = (void *)16;
    void *bad = bad_ptr;
    CHECK_ERR(recv(sv[1], bad, 5, 0), EFAULT);
    char buf[8] = { 0 };
    CHECK_EQ(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), 5);    /* still queued */
    CHECK_ERR(send(sv[0], bad, 5, 0), EFAULT);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, bad), EFAULT);
    CHECK_ERR(bind(sv[0], bad, sizeof(struct sockaddr_un)), EFAULT);
    socklen_t len = sizeof(struct sockaddr_un);
    CHECK_ERR(getsockname(sv[0], bad, &len), EFAULT);
    CHECK_ERR(syscall(SYS_recvmsg, sv[1], bad, 0), EFAULT);    /* musl reads *msg itself */
    close(sv[0]), close(sv[1]);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

TEST(so_rcvtimeo_ends_a_blocked_recv_and_accept_with_eagain)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    struct timeval tv = { 0, 200000 }, got = { 0, 0 };
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    socklen_t len = sizeof got;
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0);
    CHECK_EQ(len, sizeof got);
    CHECK_EQ(got.tv_usec, 200000);
    char buf[4];
    double t0 = now_s();
    CHECK_ERR(recv(sv[0], buf, sizeof buf, 0), EAGAIN);
    double dt = now_s() - t0;
    CHECK(dt >= 0.1 && dt < 20);
    CHECK_EQ(write(sv[1], "ok", 2), 2);         /* data still arrives afterwards */
    CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 2);
    struct timeval badtv = { 0, 2000000 };
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &badtv, sizeof badtv), EDOM);
    close(sv[0]), close(sv[1]);

    char name[64];
    snprintf(name, sizeof name, "oscortex-timeo-%d", (int)getpid());
    struct sockaddr_un a;
    socklen_t alen = make_addr(&a, name, true);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(ls >= 0);
    REQUIRE(bind(ls, (struct sockaddr *)&a, alen) == 0 && listen(ls, 1) == 0);
    CHECK(setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    CHECK_ERR(accept(ls, NULL, NULL), EAGAIN);
    close(ls);
}

TEST(msg_waitall_waits_for_the_whole_buffer_or_eof)
{
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(sv[0]);
        struct timespec d = { 0, 100 * 1000 * 1000 };
        if (write(sv[1], "01234", 5) != 5)
            _exit(1);
        nanosleep(&d, NULL);
        if (write(sv[1], "56789", 5) != 5)
            _exit(2);
        nanosleep(&d, NULL);
        _exit(write(sv[1], "ab", 2) == 2 ? 0 : 3);
    }
    close(sv[1]);
    char buf[16] = { 0 };
    CHECK_EQ(recv(sv[0], buf, 10, MSG_WAITALL), 10);
    CHECK(memcmp(buf, "0123456789", 10) == 0);
    CHECK_EQ(recv(sv[0], buf, sizeof buf, MSG_WAITALL), 2);    /* then the end */
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(sv[0]);
}
