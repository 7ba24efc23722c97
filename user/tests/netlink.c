/* AF_NETLINK / NETLINK_ROUTE as busybox `ip` and libc's getifaddrs use it: the
 * socket and its port, link and address dumps (the loopback interface with
 * 127.0.0.1/8), one link by index, the error and acknowledgement messages,
 * MSG_PEEK|MSG_TRUNC sizes, an empty queue, and getifaddrs itself. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* <linux/netlink.h> and <linux/rtnetlink.h>, spelled out: musl ships no kernel headers. */
#ifndef AF_NETLINK
#define AF_NETLINK 16
#endif
#define NETLINK_ROUTE 0
struct nl_addr { uint16_t family, pad; uint32_t pid, groups; };
struct nl_hdr { uint32_t len; uint16_t type, flags; uint32_t seq, pid; };
struct ifinfo { uint8_t family, pad; uint16_t type; int32_t index; uint32_t flags, change; };
struct ifaddrmsg_ { uint8_t family, prefixlen, flags, scope; uint32_t index; };
struct rtattr_ { uint16_t len, type; };
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 1
#define NLM_F_MULTI 2
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define ALIGN4(n) (((n) + 3u) & ~3u)

static int nl_open(uint32_t *port)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct nl_addr a = { .family = AF_NETLINK };
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
        getsockname(fd, (struct sockaddr *)&a, &len))
        return -1;
    *port = a.pid;
    return fd;
}

/* Sends a request of type with a fixed part (len bytes of body) to the kernel. */
static int request(int fd, uint16_t type, uint16_t flags, uint32_t seq, const void *body,
                   size_t len)
{
    struct { struct nl_hdr h; uint8_t body[64]; } m;
    memset(&m, 0, sizeof(m));
    m.h.len = (uint32_t)(sizeof(m.h) + len);
    m.h.type = type;
    m.h.flags = (uint16_t)(NLM_F_REQUEST | flags);
    m.h.seq = seq;
    memcpy(m.body, body, len);
    struct nl_addr k = { .family = AF_NETLINK };
    return sendto(fd, &m, m.h.len, 0, (struct sockaddr *)&k, sizeof(k)) == (ssize_t)m.h.len ? 0 : -1;
}

static const void *attr(const struct nl_hdr *h, size_t fixed, uint16_t type, size_t *len)
{
    size_t at = sizeof(*h) + ALIGN4(fixed);
    while (at + sizeof(struct rtattr_) <= h->len) {
        const struct rtattr_ *a = (const void *)((const char *)h + at);
        if (a->len < sizeof(*a))
            return NULL;
        if (a->type == type) {
            *len = a->len - sizeof(*a);
            return a + 1;
        }
        at += ALIGN4(a->len);
    }
    return NULL;
}

struct dump {
    int messages, done, bad_seq, lo_index, lo_flags, lo_mtu, lo_addr_prefix, lo_addr_index;
    uint32_t lo_addr;
    char lo_label[16];
};

/* Reads a dump's replies until NLMSG_DONE; every message must carry seq and port. */
static int read_dump(int fd, uint32_t seq, uint32_t port, struct dump *d)
{
    static char buf[32768];
    memset(d, 0, sizeof(*d));
    d->lo_index = -1;
    while (!d->done) {
        struct nl_addr from;
        socklen_t flen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
        if (n <= 0 || from.family != AF_NETLINK || from.pid != 0)
            return -1;
        for (size_t at = 0; at + sizeof(struct nl_hdr) <= (size_t)n;) {
            const struct nl_hdr *h = (const void *)(buf + at);
            if (h->len < sizeof(*h) || at + h->len > (size_t)n)
                return -1;
            d->messages++;
            if (h->seq != seq || h->pid != port)
                d->bad_seq++;
            size_t len;
            if (h->type == NLMSG_DONE) {
                d->done = 1;
            } else if (h->type == NLMSG_ERROR) {
                return -1;
            } else if (h->type == RTM_NEWLINK) {
                const struct ifinfo *m = (const void *)(h + 1);
                const char *name = attr(h, sizeof(*m), IFLA_IFNAME, &len);
                const uint32_t *mtu = attr(h, sizeof(*m), IFLA_MTU, &len);
                if (name && strcmp(name, "lo") == 0) {
                    d->lo_index = m->index;
                    d->lo_flags = (int)m->flags;
                    d->lo_mtu = mtu ? (int)*mtu : -1;
                }
            } else if (h->type == RTM_NEWADDR) {
                const struct ifaddrmsg_ *m = (const void *)(h + 1);
                const uint32_t *ip = attr(h, sizeof(*m), IFA_LOCAL, &len);
                const char *label = attr(h, sizeof(*m), IFA_LABEL, &len);
                if (m->family == AF_INET && ip && *ip == htonl(INADDR_LOOPBACK)) {
                    d->lo_addr = *ip;
                    d->lo_addr_prefix = m->prefixlen;
                    d->lo_addr_index = (int)m->index;
                    snprintf(d->lo_label, sizeof(d->lo_label), "%s", label ? label : "");
                }
            }
            at += ALIGN4(h->len);
        }
    }
    return 0;
}

TEST(netlink_route_socket_gets_a_port)
{
    uint32_t port = 0;
    int fd = nl_open(&port);
    CHECK(fd >= 0);
    CHECK(port != 0);
    int t = -1;
    socklen_t len = sizeof(t);
    CHECK_EQ(getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &len), 0);
    CHECK_EQ(t, SOCK_RAW);
    /* A second socket bound to the same port is refused. */
    int fd2 = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    struct nl_addr a = { .family = AF_NETLINK, .pid = port };
    CHECK_ERR(bind(fd2, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
    close(fd2);
    close(fd);
    CHECK_ERR(socket(AF_NETLINK, SOCK_RAW, 40), EPROTONOSUPPORT);
    CHECK_ERR(socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), ESOCKTNOSUPPORT);
}

TEST(link_dump_lists_the_loopback)
{
    uint32_t port;
    int fd = nl_open(&port);
    CHECK(fd >= 0);
    struct ifinfo any = { 0 };
    CHECK_EQ(request(fd, RTM_GETLINK, NLM_F_DUMP, 41, &any, sizeof(any)), 0);
    struct dump d;
    CHECK_EQ(read_dump(fd, 41, port, &d), 0);
    CHECK(d.done);
    CHECK_EQ(d.bad_seq, 0);
    CHECK(d.lo_index > 0);
    CHECK_EQ(d.lo_flags & (IFF_UP | IFF_LOOPBACK), IFF_UP | IFF_LOOPBACK);
    CHECK(d.lo_mtu >= 1500);
    close(fd);
}

TEST(address_dump_has_127_0_0_1_on_lo)
{
    uint32_t port;
    int fd = nl_open(&port);
    CHECK(fd >= 0);
    struct ifinfo any = { 0 };
    CHECK_EQ(request(fd, RTM_GETLINK, NLM_F_DUMP, 7, &any, sizeof(any)), 0);
    struct dump links, addrs;
    CHECK_EQ(read_dump(fd, 7, port, &links), 0);
    struct ifaddrmsg_ inet = { .family = AF_INET };
    CHECK_EQ(request(fd, RTM_GETADDR, NLM_F_DUMP, 8, &inet, sizeof(inet)), 0);
    CHECK_EQ(read_dump(fd, 8, port, &addrs), 0);
    CHECK_EQ(addrs.bad_seq, 0);
    CHECK_EQ(addrs.lo_addr, htonl(INADDR_LOOPBACK));
    CHECK_EQ(addrs.lo_addr_prefix, 8);
    CHECK_EQ(addrs.lo_addr_index, links.lo_index);
    CHECK_STR(addrs.lo_label, "lo");
    close(fd);
}

TEST(one_link_by_index_and_errors_for_a_missing_one)
{
    uint32_t port;
    int fd = nl_open(&port);
    CHECK(fd >= 0);
    struct ifinfo any = { 0 };
    struct dump d;
    CHECK_EQ(request(fd, RTM_GETLINK, NLM_F_DUMP, 8, &any, sizeof(any)), 0);
    CHECK_EQ(read_dump(fd, 8, port, &d), 0);
    struct ifinfo lo = { .index = d.lo_index };
    CHECK(lo.index > 0);
    char buf[4096];
    CHECK_EQ(request(fd, RTM_GETLINK, 0, 9, &lo, sizeof(lo)), 0);
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    const struct nl_hdr *h = (const void *)buf;
    CHECK(n >= (ssize_t)(sizeof(*h) + sizeof(lo)));
    CHECK_EQ(h->type, RTM_NEWLINK);
    CHECK_EQ(h->flags & NLM_F_MULTI, 0);
    CHECK_EQ(((const struct ifinfo *)(h + 1))->index, lo.index);
    struct ifinfo missing = { .index = 99999 };
    CHECK_EQ(request(fd, RTM_GETLINK, 0, 10, &missing, sizeof(missing)), 0);
    n = recv(fd, buf, sizeof(buf), 0);
    CHECK(n >= (ssize_t)(sizeof(*h) + 4 + sizeof(*h)));
    CHECK_EQ(h->type, NLMSG_ERROR);
    CHECK_EQ(h->seq, 10);
    CHECK_EQ(*(const int32_t *)(h + 1), -ENODEV);
    /* The error quotes the request's header. */
    CHECK_EQ(((const struct nl_hdr *)((const char *)(h + 1) + 4))->seq, 10);
    close(fd);
}

TEST(an_ack_when_asked_and_peek_truncation_sizes)
{
    uint32_t port;
    int fd = nl_open(&port);
    CHECK(fd >= 0);
    char buf[256];
    CHECK_ERR(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
    /* NLMSG_NOOP with NLM_F_ACK: Linux answers with error 0. */
    CHECK_EQ(request(fd, 1, NLM_F_ACK, 12, NULL, 0), 0);
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    const struct nl_hdr *h = (const void *)buf;
    CHECK(n >= (ssize_t)(sizeof(*h) + 4));
    CHECK_EQ(h->type, NLMSG_ERROR);
    CHECK_EQ(*(const int32_t *)(h + 1), 0);
    /* A dump reply peeked with a tiny buffer reports its whole length. */
    struct ifinfo any = { 0 };
    CHECK_EQ(request(fd, RTM_GETLINK, NLM_F_DUMP, 13, &any, sizeof(any)), 0);
    n = recv(fd, buf, 4, MSG_PEEK | MSG_TRUNC);
    CHECK(n > (ssize_t)sizeof(struct nl_hdr));
    static char big[16384];
    CHECK(n <= (ssize_t)sizeof(big));
    CHECK_EQ(recv(fd, big, sizeof(big), 0), n);
    close(fd);
}

TEST(getifaddrs_finds_lo_with_its_address)
{
    struct ifaddrs *list;
    CHECK_EQ(getifaddrs(&list), 0);
    int found = 0;
    for (struct ifaddrs *i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") || !i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        const struct sockaddr_in *a = (const void *)i->ifa_addr, *m = (const void *)i->ifa_netmask;
        if (a->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && m &&
            m->sin_addr.s_addr == htonl(0xff000000u) && (i->ifa_flags & IFF_LOOPBACK))
            found = 1;
    }
    freeifaddrs(list);
    CHECK(found);
}

