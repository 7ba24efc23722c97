/* AF_INET TCP sockets over 127.0.0.1: connect/accept with the addresses each side
 * sees, data both ways, a large transfer between processes, end of stream and
 * half-close, refused and in-use errors, non-blocking accept/recv and poll. */
#define _GNU_SOURCE
#include "testlib.h"
#include "inet_loopback.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG (256 * 1024)

static int connect_to(unsigned short port)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(c);
        return -1;
    }
    return c;
}

/* Reads exactly n bytes (less only at the end of the stream or on an error). */
static size_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

TEST(tcp_connect_accept_and_echo_over_loopback)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    CHECK(port != 0);
    int c = connect_to(port);
    REQUIRE(c >= 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    REQUIRE(a >= 0);
    CHECK_EQ(plen, sizeof(peer));
    CHECK_EQ(peer.sin_family, AF_INET);
    CHECK_EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    /* The client's own name is the peer the server saw; its peer is the listener. */
    struct sockaddr_in me, srv;
    socklen_t mlen = sizeof(me), slen = sizeof(srv);
    CHECK(getsockname(c, (struct sockaddr *)&me, &mlen) == 0);
    CHECK(getpeername(c, (struct sockaddr *)&srv, &slen) == 0);
    CHECK_EQ(me.sin_port, peer.sin_port);
    CHECK(me.sin_port != 0);
    CHECK_EQ(ntohs(srv.sin_port), port);
    CHECK_EQ(write(c, "hello", 5), 5);
    char buf[16] = { 0 };
    CHECK_EQ(read_full(a, buf, 5), 5);
    CHECK_STR(buf, "hello");
    CHECK_EQ(send(a, "HELLO!", 6, 0), 6);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read_full(c, buf, 6), 6);
    CHECK_STR(buf, "HELLO!");
    close(a);
    close(c);
    close(l);
}

TEST(tcp_large_transfer_between_processes_arrives_intact)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* The child sends BIG bytes of a pattern, then reads the server's count. */
        int c = connect_to(port);
        if (c < 0)
            _exit(2);
        static unsigned char out[BIG];
        for (size_t i = 0; i < BIG; i++)
            out[i] = (unsigned char)(i * 31 + (i >> 10));
        size_t done = 0;
        while (done < BIG) {
            ssize_t w = write(c, out + done, BIG - done);
            if (w <= 0)
                _exit(3);
            done += (size_t)w;
        }
        char ack[16] = { 0 };
        _exit(read_full(c, ack, 3) == 3 && memcmp(ack, "ok\n", 3) == 0 ? 0 : 4);
    }
    int a = accept(l, NULL, NULL);
    CHECK(a >= 0);
    static unsigned char in[BIG];
    size_t got = a >= 0 ? read_full(a, in, BIG) : 0;
    CHECK_EQ(got, BIG);
    size_t bad = 0;
    for (size_t i = 0; i < got; i++)
        bad += in[i] != (unsigned char)(i * 31 + (i >> 10));
    CHECK_EQ(bad, 0);
    if (a >= 0)
        CHECK_EQ(write(a, "ok\n", 3), 3);
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(a);
    close(l);
}

TEST(tcp_close_gives_end_of_stream_and_shutdown_is_half_close)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    int c = connect_to(port);
    REQUIRE(c >= 0);
    int a = accept(l, NULL, NULL);
    REQUIRE(a >= 0);
    /* shutdown(SHUT_WR): the server reads the data, then the end; it can still
     * answer and the client still reads. */
    CHECK_EQ(write(c, "last", 4), 4);
    CHECK(shutdown(c, SHUT_WR) == 0);
    char buf[8] = { 0 };
    CHECK_EQ(read_full(a, buf, sizeof(buf)), 4);
    CHECK_EQ(read(a, buf, sizeof(buf)), 0);
    CHECK_EQ(write(a, "back", 4), 4);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(read_full(c, buf, 4), 4);
    CHECK_STR(buf, "back");
    close(a);
    CHECK_EQ(read(c, buf, sizeof(buf)), 0);      /* the server closed */
    close(c);
    close(l);
}

TEST(tcp_connect_to_a_closed_port_is_refused)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    close(l);                                   /* the port is free again */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(c >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
    close(c);
}

TEST(tcp_bind_to_a_port_in_use_fails)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
    close(s);
    close(l);
}

TEST(tcp_nonblocking_accept_and_recv_then_poll_sees_them)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    CHECK(fcntl(l, F_SETFL, O_NONBLOCK) == 0);
    CHECK_ERR(accept(l, NULL, NULL), EAGAIN);
    struct pollfd p = { .fd = l, .events = POLLIN };
    CHECK_EQ(poll(&p, 1, 0), 0);
    int c = connect_to(port);
    REQUIRE(c >= 0);
    p.revents = 0;
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLIN);
    int a = accept4(l, NULL, NULL, SOCK_NONBLOCK);
    REQUIRE(a >= 0);
    char buf[8];
    CHECK_ERR(read(a, buf, sizeof(buf)), EAGAIN);
    struct pollfd q = { .fd = a, .events = POLLIN | POLLOUT };
    CHECK_EQ(poll(&q, 1, 5000), 1);
    CHECK_EQ(q.revents, POLLOUT);               /* writable, nothing to read */
    CHECK_EQ(write(c, "x", 1), 1);
    q.events = POLLIN;
    q.revents = 0;
    CHECK_EQ(poll(&q, 1, 5000), 1);
    CHECK(q.revents & POLLIN);
    CHECK_EQ(read(a, buf, sizeof(buf)), 1);
    close(a);
    close(c);
    close(l);
}

TEST(tcp_socket_options_and_bad_protocol)
{
    CHECK_ERR(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK(getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
    CHECK_EQ(v, SOCK_STREAM);
    len = sizeof(v);
    CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0);
    CHECK_EQ(v, 1);
    len = sizeof(v);
    CHECK(getsockopt(l, SOL_SOCKET, SO_PROTOCOL, &v, &len) == 0);
    CHECK_EQ(v, IPPROTO_TCP);
    int c = connect_to(port);
    REQUIRE(c >= 0);
    v = 1;
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0);
    v = 0;
    len = sizeof(v);
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
    CHECK(v != 0);
    len = sizeof(v);
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len) == 0);
    CHECK_EQ(v, 0);
    close(c);
    close(l);
}

TEST(tcp_write_after_the_peer_closed_fails_with_epipe_or_reset)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    int c = connect_to(port);
    REQUIRE(c >= 0);
    int a = accept(l, NULL, NULL);
    REQUIRE(a >= 0);
    close(a);
    signal(SIGPIPE, SIG_IGN);
    /* The first writes may still be accepted; the peer's reset ends them. */
    int err = 0;
    for (int i = 0; i < 200 && !err; i++) {
        if (write(c, "data", 4) < 0)
            err = errno;
        else
            usleep(10000);
    }
    CHECK(err == EPIPE || err == ECONNRESET);
    signal(SIGPIPE, SIG_DFL);
    close(c);
    close(l);
}

TEST(tcp_nonblocking_connect_completes_and_polls_writable)
{
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(c >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int r = connect(c, (struct sockaddr *)&a, sizeof(a));
    CHECK(r == 0 || (r == -1 && errno == EINPROGRESS));
    struct pollfd p = { .fd = c, .events = POLLOUT };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLOUT);
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len) == 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(write(c, "nb", 2), 2);
    int s = accept(l, NULL, NULL);
    REQUIRE(s >= 0);
    char buf[4] = { 0 };
    CHECK_EQ(read_full(s, buf, 2), 2);
    CHECK_STR(buf, "nb");
    close(s);
    close(c);
    close(l);
}
