/* IPv4 multicast on UDP sockets, as Linux: IP_MULTICAST_TTL/LOOP/IF defaults,
 * values and errors; IP_ADD/DROP_MEMBERSHIP errors; and, where an interface with
 * multicast is up (ENODEV for a join otherwise, as Linux with only lo), a group
 * datagram looped back to every socket bound to its port, none with the loop
 * off. OSC_MCAST_NIC=1 in the environment says such an interface must be there. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define GROUP "239.255.42.99"

static int get_int(int fd, int opt)
{
    int v = -12345;
    socklen_t len = sizeof(v);
    return getsockopt(fd, IPPROTO_IP, opt, &v, &len) == 0 && len == sizeof(v) ? v : -12345;
}

static int set_int(int fd, int opt, int v)
{
    return setsockopt(fd, IPPROTO_IP, opt, &v, sizeof(v));
}

static struct ip_mreq mreq(const char *group)
{
    struct ip_mreq m = { .imr_interface.s_addr = htonl(INADDR_ANY) };
    inet_pton(AF_INET, group, &m.imr_multiaddr);
    return m;
}

/* Whether a route leads off this host (a default one in /proc/net/route). */
static int default_route(void)
{
    FILE *f = fopen("/proc/net/route", "r");
    char line[256], dev[32];
    unsigned dst;
    int found = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "%31s %x", dev, &dst) == 2 && dst == 0)
            found = 1;
    if (f)
        fclose(f);
    return found;
}

/* Whether a group has somewhere to go: an interface other than lo up with
 * IFF_MULTICAST, and a route (Linux picks the group's interface by route). */
static int multicast_interface_up(void)
{
    struct if_nameindex *ifs = if_nameindex();
    int found = 0, fd = socket(AF_INET, SOCK_DGRAM, 0);
    for (struct if_nameindex *i = ifs; i && i->if_index; i++) {
        struct ifreq r;
        memset(&r, 0, sizeof(r));
        strncpy(r.ifr_name, i->if_name, IFNAMSIZ - 1);
        if (ioctl(fd, SIOCGIFFLAGS, &r) == 0 && (r.ifr_flags & IFF_UP) &&
            (r.ifr_flags & IFF_MULTICAST) && !(r.ifr_flags & IFF_LOOPBACK))
            found = 1;
    }
    if (ifs)
        if_freenameindex(ifs);
    close(fd);
    return found && default_route();
}

static int bound_udp(unsigned short *port)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(*port),
                             .sin_addr.s_addr = htonl(INADDR_ANY) };
    socklen_t len = sizeof(a);
    if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
        bind(s, (struct sockaddr *)&a, sizeof(a)) || getsockname(s, (struct sockaddr *)&a, &len))
        return -1;
    *port = ntohs(a.sin_port);
    return s;
}

static int readable(int fd, int ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

TEST(multicast_ttl_loop_and_if_have_linux_defaults_and_limits)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(u >= 0);
    CHECK_EQ(get_int(u, IP_MULTICAST_TTL), 1);
    CHECK_EQ(set_int(u, IP_MULTICAST_TTL, 5), 0);
    CHECK_EQ(get_int(u, IP_MULTICAST_TTL), 5);
    unsigned char b = 9;                        /* one byte is enough */
    CHECK_EQ(setsockopt(u, IPPROTO_IP, IP_MULTICAST_TTL, &b, 1), 0);
    CHECK_EQ(get_int(u, IP_MULTICAST_TTL), 9);
    CHECK_EQ(set_int(u, IP_MULTICAST_TTL, -1), 0);
    CHECK_EQ(get_int(u, IP_MULTICAST_TTL), 1);
    CHECK_ERR(set_int(u, IP_MULTICAST_TTL, 256), EINVAL);
    CHECK_EQ(get_int(u, IP_MULTICAST_LOOP), 1);
    CHECK_EQ(set_int(u, IP_MULTICAST_LOOP, 0), 0);
    CHECK_EQ(get_int(u, IP_MULTICAST_LOOP), 0);
    struct in_addr a = { 0xffffffff };
    socklen_t len = sizeof(a);
    CHECK_EQ(getsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, &len), 0);
    CHECK_EQ(len, sizeof(a));
    CHECK_EQ(a.s_addr, htonl(INADDR_ANY));
    inet_pton(AF_INET, "192.0.2.77", &a);       /* no interface has it */
    CHECK_ERR(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)), EADDRNOTAVAIL);
    a.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)), 0);
    a.s_addr = 0;
    len = sizeof(a);
    CHECK_EQ(getsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, &len), 0);
    CHECK_EQ(a.s_addr, htonl(INADDR_LOOPBACK));
    close(u);
}

TEST(membership_errors_are_linuxs)
{
    int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(u >= 0 && t >= 0);
    struct ip_mreq m = mreq("10.1.2.3");        /* not a group */
    CHECK_ERR(setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)), EINVAL);
    m = mreq(GROUP);
    CHECK_ERR(setsockopt(u, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, 4), EINVAL);
    CHECK_ERR(setsockopt(t, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)), EPROTO);
    int r = setsockopt(u, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof(m));
    CHECK_EQ(r, -1);
    CHECK(errno == EADDRNOTAVAIL || (errno == ENODEV && !multicast_interface_up()));
    close(u);
    close(t);
}

TEST(a_group_datagram_loops_back_to_every_socket_on_its_port)
{
    unsigned short port = 0;
    int r1 = bound_udp(&port), r2 = bound_udp(&port), tx = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(r1 >= 0 && r2 >= 0 && tx >= 0);
    struct ip_mreq m = mreq(GROUP);
    if (setsockopt(r1, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) != 0) {
        /* Only lo (no multicast route): Linux says ENODEV, and so must we. */
        CHECK_EQ(errno, ENODEV);
        CHECK(!multicast_interface_up());
        CHECK(!getenv("OSC_MCAST_NIC"));
        printf("note: no interface with multicast: delivery not tried\n");
        close(r1);
        close(r2);
        close(tx);
        return;
    }
    CHECK_ERR(setsockopt(r1, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)), EADDRINUSE);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, GROUP, &to.sin_addr);
    CHECK_EQ(sendto(tx, "group", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
    char buf[16] = { 0 };
    CHECK(readable(r1, 3000));
    CHECK_EQ(recv(r1, buf, sizeof(buf), MSG_DONTWAIT), 5);
    CHECK(memcmp(buf, "group", 5) == 0);
    CHECK(readable(r2, 3000));
    CHECK_EQ(recv(r2, buf, sizeof(buf), MSG_DONTWAIT), 5);
    /* The loop off: nothing comes back to this host. */
    CHECK_EQ(set_int(tx, IP_MULTICAST_LOOP, 0), 0);
    CHECK_EQ(sendto(tx, "quiet", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
    CHECK(!readable(r1, 300));
    CHECK_EQ(setsockopt(r1, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof(m)), 0);
    CHECK_ERR(setsockopt(r1, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof(m)), EADDRNOTAVAIL);
    close(r1);
    close(r2);
    close(tx);
}
