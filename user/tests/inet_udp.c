/* AF_INET UDP sockets over 127.0.0.1: sendto/recvfrom with the sender's address,
 * datagram boundaries, truncation, connected sockets, and the errors and
 * non-blocking/poll behaviour of an empty socket. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A UDP socket bound to 127.0.0.1 at a free port; its address in *a. */
static int bound(struct sockaddr_in *a)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return -1;
    memset(a, 0, sizeof(*a));
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(*a);
    if (bind(s, (struct sockaddr *)a, sizeof(*a)) ||
        getsockname(s, (struct sockaddr *)a, &len)) {
        close(s);
        return -1;
    }
    return s;
}

TEST(udp_sendto_recvfrom_reports_the_sender)
{
    struct sockaddr_in ra, sa, from;
    int r = bound(&ra), s = bound(&sa);
    REQUIRE(r >= 0 && s >= 0);
    CHECK(ra.sin_port != 0 && ra.sin_port != sa.sin_port);
    CHECK_EQ(sendto(s, "datagram", 8, 0, (struct sockaddr *)&ra, sizeof(ra)), 8);
    char buf[32] = { 0 };
    socklen_t flen = sizeof(from);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 8);
    CHECK_STR(buf, "datagram");
    CHECK_EQ(flen, sizeof(from));
    CHECK_EQ(from.sin_family, AF_INET);
    CHECK_EQ(from.sin_port, sa.sin_port);
    CHECK_EQ(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
    /* And back to the address it came from. */
    CHECK_EQ(sendto(r, "reply", 5, 0, (struct sockaddr *)&from, flen), 5);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(s, buf, sizeof(buf), 0), 5);
    CHECK_STR(buf, "reply");
    close(r);
    close(s);
}

TEST(udp_keeps_datagram_boundaries_and_truncates)
{
    struct sockaddr_in ra, sa;
    int r = bound(&ra), s = bound(&sa);
    REQUIRE(r >= 0 && s >= 0);
    CHECK_EQ(sendto(s, "one", 3, 0, (struct sockaddr *)&ra, sizeof(ra)), 3);
    CHECK_EQ(sendto(s, "second", 6, 0, (struct sockaddr *)&ra, sizeof(ra)), 6);
    CHECK_EQ(sendto(s, "a long datagram", 15, 0, (struct sockaddr *)&ra, sizeof(ra)), 15);
    char buf[32] = { 0 };
    CHECK_EQ(recv(r, buf, sizeof(buf), 0), 3);
    CHECK_STR(buf, "one");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(r, buf, sizeof(buf), 0), 6);
    CHECK_STR(buf, "second");
    /* A short buffer gets the start; MSG_TRUNC returns the datagram's real length. */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(r, buf, 6, MSG_TRUNC), 15);
    CHECK_STR(buf, "a long");
    close(r);
    close(s);
}

TEST(udp_connected_socket_sends_without_address)
{
    struct sockaddr_in ra, sa;
    int r = bound(&ra), s = bound(&sa);
    REQUIRE(r >= 0 && s >= 0);
    CHECK_ERR(send(s, "x", 1, 0), EDESTADDRREQ);
    CHECK(connect(s, (struct sockaddr *)&ra, sizeof(ra)) == 0);
    CHECK_EQ(write(s, "via connect", 11), 11);
    char buf[32] = { 0 };
    CHECK_EQ(read(r, buf, sizeof(buf)), 11);
    CHECK_STR(buf, "via connect");
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    CHECK(getpeername(s, (struct sockaddr *)&peer, &plen) == 0);
    CHECK_EQ(peer.sin_port, ra.sin_port);
    close(r);
    close(s);
}

TEST(udp_empty_socket_is_eagain_then_poll_sees_the_datagram)
{
    struct sockaddr_in ra, sa;
    int r = bound(&ra), s = bound(&sa);
    REQUIRE(r >= 0 && s >= 0);
    char buf[8];
    CHECK_ERR(recv(r, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    struct pollfd p = { .fd = r, .events = POLLIN | POLLOUT };
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLOUT);
    CHECK_EQ(sendto(s, "ping", 4, 0, (struct sockaddr *)&ra, sizeof(ra)), 4);
    p.events = POLLIN;
    p.revents = 0;
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLIN);
    CHECK_EQ(recv(r, buf, sizeof(buf), MSG_DONTWAIT), 4);
    int v = 0;
    socklen_t len = sizeof(v);
    CHECK(getsockopt(r, SOL_SOCKET, SO_TYPE, &v, &len) == 0);
    CHECK_EQ(v, SOCK_DGRAM);
    CHECK_ERR(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
    close(r);
    close(s);
}

TEST(udp_receive_timeout_ends_a_blocking_recv_with_eagain)
{
    struct sockaddr_in ra;
    int r = bound(&ra);
    REQUIRE(r >= 0);
    struct timeval tv = { 0, 200000 }, got = { 9, 9 };
    CHECK(setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    socklen_t len = sizeof(got);
    CHECK(getsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0);
    CHECK_EQ(got.tv_sec, 0);
    CHECK_EQ(got.tv_usec, 200000);
    struct timeval bad = { 0, 1000000 };
    CHECK_ERR(setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof(bad)), EDOM);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char buf[8];
    CHECK_ERR(recv(r, buf, sizeof(buf), 0), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(ms >= 150);                           /* it did wait (no upper bound) */
    close(r);
}

/* Linux picks the source address at connect: getsockname then tells the address
 * the route gives (programs find their own address this way), and the receiver
 * sees the datagram come from exactly that. */
TEST(udp_connect_of_an_unbound_socket_sets_its_source_address)
{
    struct sockaddr_in ra, me, from;
    int r = bound(&ra);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(r >= 0 && s >= 0);
    CHECK(connect(s, (struct sockaddr *)&ra, sizeof(ra)) == 0);
    socklen_t len = sizeof(me);
    CHECK(getsockname(s, (struct sockaddr *)&me, &len) == 0);
    CHECK_EQ(ntohl(me.sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK(me.sin_port != 0);
    CHECK_EQ(send(s, "src", 3, 0), 3);
    char buf[8] = { 0 };
    socklen_t flen = sizeof(from);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 3);
    CHECK_EQ(from.sin_addr.s_addr, me.sin_addr.s_addr);
    CHECK_EQ(from.sin_port, me.sin_port);
    close(r);
    close(s);
}

/* connect with AF_UNSPEC dissolves the association: no peer, and a send needs an
 * address again. */
TEST(udp_connect_af_unspec_disconnects)
{
    struct sockaddr_in ra, sa, peer;
    int r = bound(&ra), s = bound(&sa);
    REQUIRE(r >= 0 && s >= 0);
    CHECK(connect(s, (struct sockaddr *)&ra, sizeof(ra)) == 0);
    struct sockaddr unspec = { .sa_family = AF_UNSPEC };
    CHECK(connect(s, &unspec, sizeof(unspec)) == 0);
    socklen_t plen = sizeof(peer);
    CHECK_ERR(getpeername(s, (struct sockaddr *)&peer, &plen), ENOTCONN);
    CHECK_ERR(send(s, "x", 1, 0), EDESTADDRREQ);
    CHECK_EQ(sendto(s, "y", 1, 0, (struct sockaddr *)&ra, sizeof(ra)), 1);
    char buf[4];
    CHECK_EQ(recv(r, buf, sizeof(buf), 0), 1);
    close(r);
    close(s);
}
