/* IP_PKTINFO on UDP sockets over 127.0.0.1, as Linux: the option reads back; a
 * receive carries struct in_pktinfo (the interface's index, the destination
 * address, the local address to answer from) only when asked, cut with
 * MSG_CTRUNC when the buffer is short; a send may name the source with one. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A UDP socket bound to INADDR_ANY, its port in *port. */
static int udp_any(unsigned short *port)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
    socklen_t len = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
        getsockname(s, (struct sockaddr *)&a, &len))
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    return a;
}

/* Receives one datagram with a control buffer of clen bytes; the first
 * in_pktinfo found goes to *pi. Returns the data length, or -1. */
static ssize_t recv_info(int s, size_t clen, struct in_pktinfo *pi, int *found, int *mflags)
{
    char data[64], ctl[256];
    struct iovec iov = { data, sizeof(data) };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = clen ? ctl : NULL,
                        .msg_controllen = clen };
    ssize_t r = recvmsg(s, &m, 0);
    *found = 0;
    *mflags = m.msg_flags;
    if (r < 0)
        return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
            c->cmsg_len >= CMSG_LEN(sizeof(*pi))) {
            memcpy(pi, CMSG_DATA(c), sizeof(*pi));
            *found = 1;
        }
    }
    return r;
}

TEST(ip_pktinfo_is_off_at_first_and_reads_back)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(s >= 0);
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK_EQ(getsockopt(s, IPPROTO_IP, IP_PKTINFO, &v, &len), 0);
    CHECK_EQ(v, 0);
    v = 1;
    CHECK_EQ(setsockopt(s, IPPROTO_IP, IP_PKTINFO, &v, sizeof(v)), 0);
    v = -1;
    CHECK_EQ(getsockopt(s, IPPROTO_IP, IP_PKTINFO, &v, &len), 0);
    CHECK_EQ(v, 1);
    close(s);
}

TEST(a_datagram_carries_in_pktinfo_only_when_asked)
{
    unsigned short port;
    int r = udp_any(&port), t = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(r >= 0 && t >= 0);
    struct sockaddr_in to = loopback(port);
    struct in_pktinfo pi;
    int found, mflags;
    CHECK_EQ(sendto(t, "a", 1, 0, (struct sockaddr *)&to, sizeof(to)), 1);
    CHECK_EQ(recv_info(r, 256, &pi, &found, &mflags), 1);
    CHECK(!found);
    int one = 1;
    REQUIRE(setsockopt(r, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == 0);
    CHECK_EQ(sendto(t, "bb", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
    memset(&pi, 0xee, sizeof(pi));
    CHECK_EQ(recv_info(r, 256, &pi, &found, &mflags), 2);
    CHECK(found);
    CHECK_EQ(pi.ipi_ifindex, (int)if_nametoindex("lo"));
    CHECK_EQ(pi.ipi_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(pi.ipi_spec_dst.s_addr, htonl(INADDR_LOOPBACK));
    CHECK(!(mflags & MSG_CTRUNC));
    /* Too small a buffer for it: cut, and said so. */
    CHECK_EQ(sendto(t, "ccc", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
    CHECK_EQ(recv_info(r, 8, &pi, &found, &mflags), 3);
    CHECK(!found);
    CHECK(mflags & MSG_CTRUNC);
    close(r);
    close(t);
}

TEST(a_send_may_name_its_source_with_in_pktinfo)
{
    unsigned short port, tport;
    int r = udp_any(&port), t = udp_any(&tport);
    REQUIRE(r >= 0 && t >= 0);
    struct sockaddr_in to = loopback(port);
    char ctl[CMSG_SPACE(sizeof(struct in_pktinfo))];
    memset(ctl, 0, sizeof(ctl));
    struct iovec iov = { "dd", 2 };
    struct msghdr m = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
                        .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    struct in_pktinfo pi = { .ipi_ifindex = 0, .ipi_spec_dst.s_addr = htonl(INADDR_LOOPBACK) };
    memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    CHECK_EQ(sendmsg(t, &m, 0), 2);
    char buf[8];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 2);
    CHECK_EQ(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(ntohs(from.sin_port), tport);
    /* A short in_pktinfo is refused. */
    c->cmsg_len = CMSG_LEN(4);
    CHECK_ERR(sendmsg(t, &m, 0), EINVAL);
    close(r);
    close(t);
}
