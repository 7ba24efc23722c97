/* More AF_INET socket options, as Linux answers them over 127.0.0.1: IP_TOS (a
 * stream keeps its ECN bits to itself), SO_PRIORITY, IP_MTU_DISCOVER, TCP_MAXSEG
 * (before and after the connection), TCP_CORK (uncorking sends what was held),
 * TCP_QUICKACK and TCP_INFO's state and segment sizes. */
#define _GNU_SOURCE
#include "testlib.h"
#include "inet_loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_PMTUDISC_WANT
#define IP_PMTUDISC_WANT 1
#endif

/* A connected pair over 127.0.0.1 (*c the client, *s the accepted end); the
 * listener stays open in *l for the caller to look at. */
static int tcp_pair(int *l, int *c, int *s)
{
    unsigned short port;
    *l = listener(&port);
    if (*l < 0)
        return -1;
    *c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (*c < 0 || connect(*c, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -1;
    *s = accept(*l, NULL, NULL);
    return *s < 0 ? -1 : 0;
}

TEST(ip_tos_is_set_and_read_back_a_stream_keeping_its_ecn_bits)
{
    int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(t >= 0 && u >= 0);
    CHECK_EQ(get_int(t, IPPROTO_IP, IP_TOS), 0);
    CHECK_EQ(set_int(t, IPPROTO_IP, IP_TOS, 0x10), 0);
    CHECK_EQ(get_int(t, IPPROTO_IP, IP_TOS), 0x10);
    CHECK_EQ(set_int(t, IPPROTO_IP, IP_TOS, 0x2b), 0);
    CHECK_EQ(get_int(t, IPPROTO_IP, IP_TOS), 0x28);     /* ECN bits are TCP's own */
    CHECK_EQ(set_int(u, IPPROTO_IP, IP_TOS, 0x2b), 0);
    CHECK_EQ(get_int(u, IPPROTO_IP, IP_TOS), 0x2b);
    close(t);
    close(u);
}

TEST(so_priority_and_ip_mtu_discover_are_set_and_read_back)
{
    int t = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(t >= 0);
    CHECK_EQ(get_int(t, SOL_SOCKET, SO_PRIORITY), 0);
    CHECK_EQ(set_int(t, SOL_SOCKET, SO_PRIORITY, 4), 0);
    CHECK_EQ(get_int(t, SOL_SOCKET, SO_PRIORITY), 4);
    CHECK_EQ(get_int(t, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_WANT);
    CHECK_EQ(set_int(t, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO), 0);
    CHECK_EQ(get_int(t, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_DO);
    CHECK_ERR(set_int(t, IPPROTO_IP, IP_MTU_DISCOVER, 6), EINVAL);
    CHECK_EQ(get_int(t, IPPROTO_IP, IP_MTU_DISCOVER), IP_PMTUDISC_DO);
    close(t);
}

TEST(tcp_maxseg_is_536_unconnected_takes_a_setting_and_is_positive_connected)
{
    int t = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(t >= 0);
    CHECK_EQ(get_int(t, IPPROTO_TCP, TCP_MAXSEG), 536);
    CHECK_EQ(set_int(t, IPPROTO_TCP, TCP_MAXSEG, 1200), 0);
    CHECK_EQ(get_int(t, IPPROTO_TCP, TCP_MAXSEG), 1200);
    CHECK_ERR(set_int(t, IPPROTO_TCP, TCP_MAXSEG, 10), EINVAL);
    close(t);
    int l, c, s;
    REQUIRE(tcp_pair(&l, &c, &s) == 0);
    CHECK(get_int(c, IPPROTO_TCP, TCP_MAXSEG) > 0);
    CHECK(get_int(s, IPPROTO_TCP, TCP_MAXSEG) > 0);
    close(c);
    close(s);
    close(l);
}

TEST(tcp_cork_is_read_back_and_uncorking_sends_what_was_written)
{
    int l, c, s;
    REQUIRE(tcp_pair(&l, &c, &s) == 0);
    CHECK_EQ(get_int(c, IPPROTO_TCP, TCP_CORK), 0);
    CHECK_EQ(set_int(c, IPPROTO_TCP, TCP_CORK, 1), 0);
    CHECK_EQ(get_int(c, IPPROTO_TCP, TCP_CORK), 1);
    CHECK_EQ(send(c, "corked", 6, 0), 6);
    CHECK_EQ(set_int(c, IPPROTO_TCP, TCP_CORK, 0), 0);
    CHECK_EQ(get_int(c, IPPROTO_TCP, TCP_CORK), 0);
    struct pollfd p = { s, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 2000), 1);
    char buf[16] = { 0 };
    CHECK_EQ(recv(s, buf, sizeof(buf), 0), 6);
    CHECK(memcmp(buf, "corked", 6) == 0);
    close(c);
    close(s);
    close(l);
}

TEST(tcp_quickack_reads_back_what_was_set)
{
    int t = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(t >= 0);
    CHECK_EQ(get_int(t, IPPROTO_TCP, TCP_QUICKACK), 1);
    CHECK_EQ(set_int(t, IPPROTO_TCP, TCP_QUICKACK, 0), 0);
    CHECK_EQ(get_int(t, IPPROTO_TCP, TCP_QUICKACK), 0);
    CHECK_EQ(set_int(t, IPPROTO_TCP, TCP_QUICKACK, 1), 0);
    CHECK_EQ(get_int(t, IPPROTO_TCP, TCP_QUICKACK), 1);
    close(t);
}

TEST(tcp_info_gives_the_state_and_segment_sizes)
{
    int l, c, s;
    REQUIRE(tcp_pair(&l, &c, &s) == 0);
    struct tcp_info ti;
    memset(&ti, 0xff, sizeof(ti));
    socklen_t len = sizeof(ti);
    CHECK_EQ(getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
    CHECK(len > 0 && len <= sizeof(ti));
    CHECK_EQ(ti.tcpi_state, TCP_ESTABLISHED);
    CHECK(ti.tcpi_snd_mss > 0 && ti.tcpi_snd_mss <= 65535);
    CHECK(ti.tcpi_rcv_mss > 0 && ti.tcpi_rcv_mss <= 65535);
    CHECK(ti.tcpi_rto > 0);
    CHECK_EQ(ti.tcpi_unacked, 0);
    len = sizeof(ti);
    CHECK_EQ(getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
    CHECK_EQ(ti.tcpi_state, TCP_LISTEN);
    len = 8;                                    /* a short buffer gets what fits */
    CHECK_EQ(getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
    CHECK_EQ(len, 8);
    CHECK_EQ(ti.tcpi_state, TCP_ESTABLISHED);
    close(c);
    close(s);
    close(l);
}
