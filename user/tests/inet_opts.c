/* AF_INET socket options and the TCP send path over 127.0.0.1: SO_KEEPALIVE,
 * SO_LINGER (a zero linger resets the connection), SO_RCVBUF/SO_SNDBUF (Linux
 * doubles what it is given), IP_TTL, a refused non-blocking connect (ECONNREFUSED
 * in SO_ERROR), a blocking send to a peer that does not read ended by a signal,
 * POLLOUT off while the send buffer is full, MSG_PEEK on UDP, FIONREAD, TCP
 * keepalive timing, SO_BROADCAST, and ECONNREFUSED on a connected UDP socket. */
#define _GNU_SOURCE
#include "testlib.h"
#include "inet_loopback.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A connected pair over 127.0.0.1: *c the client, *s the accepted end. */
static int tcp_pair(int *c, int *s)
{
    unsigned short port;
    int l = listener(&port);
    if (l < 0)
        return -1;
    *c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (*c < 0 || connect(*c, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(l);
        return -1;
    }
    *s = accept(l, NULL, NULL);
    close(l);
    return *s < 0 ? -1 : 0;
}

static volatile sig_atomic_t got_alarm;
static void on_alarm(int sig) { (void)sig; got_alarm = 1; }

TEST(so_keepalive_is_set_and_read_back)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    CHECK_EQ(set_int(s, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_KEEPALIVE), 1);
    CHECK_EQ(set_int(s, SOL_SOCKET, SO_KEEPALIVE, 0), 0);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_KEEPALIVE), 0);
    close(s);
}

TEST(so_linger_is_set_and_read_back)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(s >= 0);
    struct linger l = { 7, 7 };
    socklen_t len = sizeof(l);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len), 0);
    CHECK(l.l_onoff == 0 && len == sizeof(l));
    l.l_onoff = 1;
    l.l_linger = 5;
    CHECK_EQ(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
    memset(&l, 0, sizeof(l));
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len), 0);
    CHECK(l.l_onoff == 1 && l.l_linger == 5);
    CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(int)), EINVAL);
    close(s);
}

TEST(closing_with_a_zero_linger_resets_the_connection)
{
    int c, s;
    REQUIRE(tcp_pair(&c, &s) == 0);
    struct linger l = { 1, 0 };
    CHECK_EQ(setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
    close(c);
    char b[4];
    struct pollfd p = { s, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_ERR(recv(s, b, sizeof(b), 0), ECONNRESET);
    close(s);
}

TEST(so_rcvbuf_and_so_sndbuf_report_double_what_was_set)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0 && u >= 0);
    CHECK(get_int(s, SOL_SOCKET, SO_RCVBUF) > 0);
    CHECK(get_int(s, SOL_SOCKET, SO_SNDBUF) > 0);
    CHECK(get_int(u, SOL_SOCKET, SO_RCVBUF) > 0);
    CHECK_EQ(set_int(s, SOL_SOCKET, SO_RCVBUF, 32768), 0);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_RCVBUF), 65536);
    CHECK_EQ(set_int(s, SOL_SOCKET, SO_SNDBUF, 40000), 0);
    CHECK_EQ(get_int(s, SOL_SOCKET, SO_SNDBUF), 80000);
    CHECK_EQ(set_int(u, SOL_SOCKET, SO_RCVBUF, 20000), 0);
    CHECK_EQ(get_int(u, SOL_SOCKET, SO_RCVBUF), 40000);
    close(s);
    close(u);
}

TEST(ip_ttl_defaults_to_64_and_is_set_and_read_back)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    CHECK_EQ(get_int(s, IPPROTO_IP, IP_TTL), 64);
    CHECK_EQ(set_int(s, IPPROTO_IP, IP_TTL, 32), 0);
    CHECK_EQ(get_int(s, IPPROTO_IP, IP_TTL), 32);
    CHECK_ERR(set_int(s, IPPROTO_IP, IP_TTL, 0), EINVAL);
    CHECK_ERR(set_int(s, IPPROTO_IP, IP_TTL, 256), EINVAL);
    CHECK_EQ(set_int(s, IPPROTO_IP, IP_TTL, -1), 0);          /* back to the default */
    CHECK_EQ(get_int(s, IPPROTO_IP, IP_TTL), 64);
    close(s);
}

TEST(a_refused_nonblocking_connect_reports_econnrefused)
{
    unsigned short port;
    int l = listener(&port);                    /* a port that was free a moment ago */
    REQUIRE(l >= 0);
    close(l);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(c >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int r = connect(c, (struct sockaddr *)&a, sizeof(a));
    if (r < 0 && errno == EINPROGRESS) {
        struct pollfd p = { c, POLLOUT, 0 };
        CHECK_EQ(poll(&p, 1, 5000), 1);
        CHECK(p.revents & (POLLERR | POLLHUP));
        CHECK_EQ(get_int(c, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
        CHECK_EQ(get_int(c, SOL_SOCKET, SO_ERROR), 0);          /* read once */
    } else {
        CHECK(r < 0 && errno == ECONNREFUSED);
    }
    close(c);
}

TEST(a_blocking_send_to_a_peer_that_does_not_read_ends_on_a_signal)
{
    int c, s;
    REQUIRE(tcp_pair(&c, &s) == 0);
    /* Should the signal not end the send, this ends it (and the test fails). */
    struct timeval tv = { 20, 0 };
    CHECK_EQ(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;                   /* no SA_RESTART */
    CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
    got_alarm = 0;
    size_t big = 64u << 20;
    char *buf = calloc(1, big);
    REQUIRE(buf != NULL);
    struct itimerval it = { { 0, 0 }, { 0, 500000 } };
    CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    ssize_t r = send(c, buf, big, 0);
    int e = errno;
    gettimeofday(&t1, NULL);
    CHECK(got_alarm);
    /* Linux: what was queued before the signal, or EINTR if nothing was. */
    CHECK((r > 0 && (size_t)r < big) || (r < 0 && e == EINTR));
    CHECK(t1.tv_sec - t0.tv_sec < 15);
    free(buf);
    signal(SIGALRM, SIG_DFL);
    close(c);
    close(s);
}

TEST(pollout_is_off_while_the_send_buffer_is_full_and_back_when_drained)
{
    int c, s;
    REQUIRE(tcp_pair(&c, &s) == 0);
    REQUIRE(fcntl(c, F_SETFL, O_NONBLOCK) == 0);
    static char chunk[65536];
    size_t sent = 0;
    ssize_t r;
    while ((r = send(c, chunk, sizeof(chunk), 0)) > 0 && sent < (256u << 20))
        sent += (size_t)r;
    CHECK(r < 0 && errno == EAGAIN);
    struct pollfd p = { c, POLLOUT, 0 };
    CHECK_EQ(poll(&p, 1, 0), 0);
    /* The peer reads everything: room again. */
    REQUIRE(fcntl(s, F_SETFL, O_NONBLOCK) == 0);
    size_t got = 0;
    for (int i = 0; i < 2000 && got < sent; i++) {
        r = recv(s, chunk, sizeof(chunk), 0);
        if (r > 0) {
            got += (size_t)r;
        } else {
            struct pollfd q = { s, POLLIN, 0 };
            poll(&q, 1, 100);
        }
    }
    CHECK_EQ(got, sent);
    p.revents = 0;
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLOUT);
    close(c);
    close(s);
}

/* Two UDP sockets on 127.0.0.1, *b's address in *ba. */
static int udp_pair(int *a, int *b, struct sockaddr_in *ba)
{
    *a = socket(AF_INET, SOCK_DGRAM, 0);
    *b = socket(AF_INET, SOCK_DGRAM, 0);
    memset(ba, 0, sizeof(*ba));
    ba->sin_family = AF_INET;
    ba->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(*ba);
    if (*a < 0 || *b < 0 || bind(*b, (struct sockaddr *)ba, sizeof(*ba)) ||
        getsockname(*b, (struct sockaddr *)ba, &len))
        return -1;
    return 0;
}

TEST(udp_msg_peek_leaves_the_datagram_for_the_next_receive)
{
    int a, b;
    struct sockaddr_in ba;
    REQUIRE(udp_pair(&a, &b, &ba) == 0);
    CHECK_EQ(sendto(a, "first", 5, 0, (struct sockaddr *)&ba, sizeof(ba)), 5);
    CHECK_EQ(sendto(a, "second", 6, 0, (struct sockaddr *)&ba, sizeof(ba)), 6);
    struct pollfd p = { b, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    char buf[16] = "";
    struct sockaddr_in from;
    socklen_t fl = sizeof(from);
    CHECK_EQ(recvfrom(b, buf, sizeof(buf), MSG_PEEK, (struct sockaddr *)&from, &fl), 5);
    CHECK(memcmp(buf, "first", 5) == 0 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK_EQ(recv(b, buf, 3, MSG_PEEK), 3);
    CHECK_EQ(recv(b, buf, sizeof(buf), 0), 5);
    CHECK(memcmp(buf, "first", 5) == 0);
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(recv(b, buf, sizeof(buf), 0), 6);
    CHECK(memcmp(buf, "second", 6) == 0);
    CHECK_ERR(recv(b, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    close(a);
    close(b);
}

TEST(fionread_counts_a_streams_bytes_and_the_next_datagram)
{
    int c, s, v = -1;
    REQUIRE(tcp_pair(&c, &s) == 0);
    static char data[1000];
    CHECK_EQ(send(c, data, sizeof(data), 0), (ssize_t)sizeof(data));
    for (int i = 0; i < 200 && (ioctl(s, FIONREAD, &v) != 0 || v < (int)sizeof(data)); i++)
        usleep(10000);
    CHECK_EQ(v, (int)sizeof(data));
    CHECK_EQ(read(s, data, 300), 300);
    CHECK_EQ(ioctl(s, FIONREAD, &v), 0);
    CHECK_EQ(v, 700);
    CHECK_EQ(ioctl(c, TIOCOUTQ, &v), 0);        /* SIOCOUTQ */
    CHECK(v >= 0 && v <= (int)sizeof(data));
    close(c);
    close(s);
    unsigned short port;
    int l = listener(&port);
    REQUIRE(l >= 0);
    CHECK_ERR(ioctl(l, FIONREAD, &v), EINVAL);
    close(l);

    int a, b;
    struct sockaddr_in ba;
    REQUIRE(udp_pair(&a, &b, &ba) == 0);
    CHECK_EQ(ioctl(b, FIONREAD, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(sendto(a, data, 10, 0, (struct sockaddr *)&ba, sizeof(ba)), 10);
    CHECK_EQ(sendto(a, data, 20, 0, (struct sockaddr *)&ba, sizeof(ba)), 20);
    struct pollfd p = { b, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(ioctl(b, FIONREAD, &v), 0);
    CHECK_EQ(v, 10);                            /* the next datagram's size */
    CHECK_EQ(recv(b, data, sizeof(data), 0), 10);
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK_EQ(ioctl(b, FIONREAD, &v), 0);
    CHECK_EQ(v, 20);
    close(a);
    close(b);
}

TEST(tcp_keepalive_timing_and_so_broadcast_are_set_and_read_back)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0 && u >= 0);
    CHECK_EQ(get_int(s, IPPROTO_TCP, TCP_KEEPIDLE), 7200);      /* Linux's defaults */
    CHECK_EQ(get_int(s, IPPROTO_TCP, TCP_KEEPINTVL), 75);
    CHECK_EQ(get_int(s, IPPROTO_TCP, TCP_KEEPCNT), 9);
    CHECK_EQ(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 60), 0);
    CHECK_EQ(set_int(s, IPPROTO_TCP, TCP_KEEPINTVL, 10), 0);
    CHECK_EQ(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
    CHECK_EQ(get_int(s, IPPROTO_TCP, TCP_KEEPIDLE), 60);
    CHECK_EQ(get_int(s, IPPROTO_TCP, TCP_KEEPINTVL), 10);
    CHECK_EQ(get_int(s, IPPROTO_TCP, TCP_KEEPCNT), 3);
    CHECK_ERR(set_int(s, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL);
    CHECK_ERR(set_int(s, IPPROTO_TCP, TCP_KEEPCNT, 128), EINVAL);
    CHECK_EQ(get_int(u, SOL_SOCKET, SO_BROADCAST), 0);
    CHECK_EQ(set_int(u, SOL_SOCKET, SO_BROADCAST, 1), 0);
    CHECK_EQ(get_int(u, SOL_SOCKET, SO_BROADCAST), 1);
    close(s);
    close(u);
}

/* Linux turns the ICMP port unreachable that answers a connected UDP socket into
 * ECONNREFUSED on its next receive (glibc's resolver gives up at once on it). */
TEST(a_connected_udp_socket_to_a_closed_port_gets_econnrefused)
{
    int a, b;
    struct sockaddr_in ba;
    REQUIRE(udp_pair(&a, &b, &ba) == 0);
    close(b);                                   /* nothing listens on ba now */
    REQUIRE(connect(a, (struct sockaddr *)&ba, sizeof(ba)) == 0);
    CHECK_EQ(send(a, "q", 1, 0), 1);
    struct pollfd p = { a, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLERR);
    int v = -1;
    CHECK_EQ(ioctl(a, FIONREAD, &v), 0);        /* as glibc's resolver asks: no data, */
    CHECK_EQ(v, 0);                             /* and the error stays for recv */
    char buf[4];
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), ECONNREFUSED);
    CHECK_ERR(recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);     /* reported once */
    close(a);
}
