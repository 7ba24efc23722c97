/* IPV6_RECVPKTINFO and IPV6_PKTINFO on UDP sockets over ::1, as Linux: a receive
 * carries struct in6_pktinfo (the destination, the interface's index) only when
 * asked, an IPv4 datagram to a dual-stack socket as a v4-mapped address; a send
 * may name its source with one, which must be this host's. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A UDP socket of family fam bound to its any address, its port in *port. */
static int udp_any(int fam, unsigned short *port)
{
    int s = socket(fam, SOCK_DGRAM, 0);
    struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
    struct sockaddr_in b = { .sin_family = AF_INET };
    struct sockaddr *sa = fam == AF_INET6 ? (struct sockaddr *)&a : (struct sockaddr *)&b;
    socklen_t len = fam == AF_INET6 ? sizeof(a) : sizeof(b);
    if (s < 0 || bind(s, sa, len) || getsockname(s, sa, &len))
        return -1;
    *port = ntohs(fam == AF_INET6 ? a.sin6_port : b.sin_port);
    return s;
}

static struct sockaddr_in6 loopback6(unsigned short port)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port),
                              .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    return a;
}

/* Receives one datagram; the first in6_pktinfo found goes to *pi. Returns the
 * data length, or -1. */
static ssize_t recv_info6(int s, struct in6_pktinfo *pi, int *found)
{
    char data[64], ctl[256];
    struct iovec iov = { data, sizeof(data) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                        .msg_controllen = sizeof(ctl) };
    ssize_t r = recvmsg(s, &m, 0);
    *found = 0;
    if (r < 0)
        return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(*pi))) {
            memcpy(pi, CMSG_DATA(c), sizeof(*pi));
            *found = 1;
        }
    }
    return r;
}

TEST(a_datagram_carries_in6_pktinfo_only_when_asked)
{
    unsigned short port;
    int r = udp_any(AF_INET6, &port), t = socket(AF_INET6, SOCK_DGRAM, 0);
    REQUIRE(r >= 0 && t >= 0);
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK_EQ(getsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, &len), 0);
    CHECK_EQ(v, 0);
    struct sockaddr_in6 to = loopback6(port);
    struct in6_pktinfo pi;
    int found;
    CHECK_EQ(sendto(t, "a", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    CHECK_EQ(recv_info6(r, &pi, &found), 1);
    CHECK(!found);
    int one = 1;
    REQUIRE(setsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == 0);
    CHECK_EQ(getsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, &v, &len), 0);
    CHECK_EQ(v, 1);
    CHECK_EQ(sendto(t, "bb", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
    memset(&pi, 0xee, sizeof(pi));
    CHECK_EQ(recv_info6(r, &pi, &found), 2);
    CHECK(found);
    CHECK(IN6_IS_ADDR_LOOPBACK(&pi.ipi6_addr));
    CHECK_EQ(pi.ipi6_ifindex, if_nametoindex("lo"));
    close(r);
    close(t);
}

TEST(an_ipv4_datagram_to_a_dual_stack_socket_gives_a_mapped_destination)
{
    unsigned short port;
    int r = udp_any(AF_INET6, &port), t = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(r >= 0 && t >= 0);
    int one = 1;
    REQUIRE(setsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_EQ(sendto(t, "ccc", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
    struct in6_pktinfo pi;
    int found;
    CHECK_EQ(recv_info6(r, &pi, &found), 3);
    CHECK(found);
    CHECK(IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr));
    uint32_t v4;
    memcpy(&v4, &pi.ipi6_addr.s6_addr[12], 4);
    CHECK_EQ(v4, htonl(INADDR_LOOPBACK));
    CHECK_EQ(pi.ipi6_ifindex, if_nametoindex("lo"));
    close(r);
    close(t);
}

/* Sends "dd" from t to port with an IPV6_PKTINFO of source src and cmsg data
 * length dlen. */
static ssize_t send_from(int t, unsigned short port, const struct in6_addr *src, size_t dlen)
{
    struct sockaddr_in6 to = loopback6(port);
    char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = { "dd", 2 };
    struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
                        .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(dlen);
    struct in6_pktinfo pi = { .ipi6_addr = *src, .ipi6_ifindex = 0 };
    memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    return sendmsg(t, &m, 0);
}

TEST(a_send_may_name_its_source_with_in6_pktinfo)
{
    unsigned short port, tport;
    int r = udp_any(AF_INET6, &port), t = udp_any(AF_INET6, &tport);
    REQUIRE(r >= 0 && t >= 0);
    CHECK_EQ(send_from(t, port, &in6addr_loopback, sizeof(struct in6_pktinfo)), 2);
    char buf[8];
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 2);
    CHECK(IN6_IS_ADDR_LOOPBACK(&from.sin6_addr));
    CHECK_EQ(ntohs(from.sin6_port), tport);
    /* The unspecified source: the route's. */
    CHECK_EQ(send_from(t, port, &in6addr_any, sizeof(struct in6_pktinfo)), 2);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 2);
    CHECK(IN6_IS_ADDR_LOOPBACK(&from.sin6_addr));
    /* Not this host's (documentation prefix), or a short in6_pktinfo: refused. */
    struct in6_addr other;
    REQUIRE(inet_pton(AF_INET6, "2001:db8::1", &other) == 1);
    CHECK_ERR(send_from(t, port, &other, sizeof(struct in6_pktinfo)), EINVAL);
    CHECK_ERR(send_from(t, port, &in6addr_loopback, 8), EINVAL);
    close(r);
    close(t);
}
