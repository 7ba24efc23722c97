/* AF_INET6 sockets over ::1 and the dual stack: TCP and UDP with the addresses
 * each side sees, IPv4 peers of a socket bound to :: seen as ::ffff:a.b.c.d,
 * IPV6_V6ONLY, a connect to a v4-mapped address, Linux's errors for bad
 * addresses, and non-blocking connect with poll. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct in6_addr loop6 = IN6ADDR_LOOPBACK_INIT;

static struct sockaddr_in6 addr6(const char *text, unsigned short port)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
    inet_pton(AF_INET6, text, &a.sin6_addr);
    return a;
}

/* A socket of type bound to [text]:0, listening if a stream; its address in *a. */
static int bound6(int type, const char *text, struct sockaddr_in6 *a)
{
    int s = socket(AF_INET6, type, 0);
    if (s < 0)
        return -1;
    *a = addr6(text, 0);
    socklen_t len = sizeof(*a);
    if (bind(s, (struct sockaddr *)a, sizeof(*a)) ||
        (type == SOCK_STREAM && listen(s, 8)) ||
        getsockname(s, (struct sockaddr *)a, &len)) {
        close(s);
        return -1;
    }
    return s;
}

static int is_addr(const struct sockaddr_in6 *a, const char *text)
{
    struct in6_addr want;
    inet_pton(AF_INET6, text, &want);
    return a->sin6_family == AF_INET6 && !memcmp(&a->sin6_addr, &want, sizeof(want));
}

TEST(tcp6_over_loopback_carries_data_and_names_both_ends)
{
    struct sockaddr_in6 la;
    int l = bound6(SOCK_STREAM, "::1", &la);
    REQUIRE(l >= 0);
    CHECK(is_addr(&la, "::1") && la.sin6_port != 0);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    REQUIRE(c >= 0);
    REQUIRE(connect(c, (struct sockaddr *)&la, sizeof(la)) == 0);
    struct sockaddr_in6 peer, cname, cpeer, aname;
    socklen_t plen = sizeof(peer), len = sizeof(cname);
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    REQUIRE(a >= 0);
    CHECK_EQ(plen, sizeof(struct sockaddr_in6));
    CHECK(getsockname(c, (struct sockaddr *)&cname, &len) == 0);
    CHECK_EQ(len, sizeof(cname));
    CHECK(is_addr(&cname, "::1"));
    CHECK(is_addr(&peer, "::1"));
    CHECK_EQ(peer.sin6_port, cname.sin6_port);
    CHECK_EQ(peer.sin6_scope_id, 0);
    CHECK_EQ(peer.sin6_flowinfo, 0);
    len = sizeof(cpeer);
    CHECK(getpeername(c, (struct sockaddr *)&cpeer, &len) == 0);
    CHECK(is_addr(&cpeer, "::1"));
    CHECK_EQ(cpeer.sin6_port, la.sin6_port);
    len = sizeof(aname);
    CHECK(getsockname(a, (struct sockaddr *)&aname, &len) == 0);
    CHECK(is_addr(&aname, "::1"));
    CHECK_EQ(aname.sin6_port, la.sin6_port);
    char buf[16] = { 0 };
    CHECK_EQ(write(c, "ping6", 5), 5);
    CHECK_EQ(read(a, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "ping6");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(write(a, "pong6!", 6), 6);
    CHECK_EQ(read(c, buf, sizeof(buf)), 6);
    CHECK_STR(buf, "pong6!");
    int v = 0;
    len = sizeof(v);
    CHECK(getsockopt(a, SOL_SOCKET, SO_DOMAIN, &v, &len) == 0);
    CHECK_EQ(v, AF_INET6);
    close(a);
    CHECK_EQ(read(c, buf, sizeof(buf)), 0);
    close(c);
    close(l);
}

TEST(udp6_sendto_recvfrom_reports_the_sender)
{
    struct sockaddr_in6 ra, sa, from;
    int r = bound6(SOCK_DGRAM, "::1", &ra), s = bound6(SOCK_DGRAM, "::1", &sa);
    REQUIRE(r >= 0 && s >= 0);
    CHECK_EQ(sendto(s, "datagram6", 9, 0, (struct sockaddr *)&ra, sizeof(ra)), 9);
    char buf[32] = { 0 };
    socklen_t flen = sizeof(from);
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 9);
    CHECK_STR(buf, "datagram6");
    CHECK_EQ(flen, sizeof(from));
    CHECK(is_addr(&from, "::1"));
    CHECK_EQ(from.sin6_port, sa.sin6_port);
    /* recvmsg names the sender too; the reply goes back to it. */
    CHECK_EQ(sendto(r, "reply", 5, 0, (struct sockaddr *)&from, flen), 5);
    memset(buf, 0, sizeof(buf));
    struct sockaddr_in6 mfrom;
    struct iovec iov = { buf, sizeof(buf) };
    struct msghdr m = { .msg_name = &mfrom, .msg_namelen = sizeof(mfrom), .msg_iov = &iov,
                        .msg_iovlen = 1 };
    CHECK_EQ(recvmsg(s, &m, 0), 5);
    CHECK_STR(buf, "reply");
    CHECK_EQ(m.msg_namelen, sizeof(mfrom));
    CHECK(is_addr(&mfrom, "::1"));
    CHECK_EQ(mfrom.sin6_port, ra.sin6_port);
    close(r);
    close(s);
}

TEST(dual_stack_listener_sees_ipv4_client_as_v4_mapped)
{
    struct sockaddr_in6 la;
    int l = bound6(SOCK_STREAM, "::", &la);
    REQUIRE(l >= 0);
    CHECK(is_addr(&la, "::"));
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0);
    CHECK_EQ(v, 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = la.sin6_port,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    REQUIRE(c >= 0 && connect(c, (struct sockaddr *)&a4, sizeof(a4)) == 0);
    struct sockaddr_in6 peer, aname;
    struct sockaddr_in cname;
    socklen_t plen = sizeof(peer);
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    REQUIRE(a >= 0);
    len = sizeof(cname);
    CHECK(getsockname(c, (struct sockaddr *)&cname, &len) == 0);
    CHECK_EQ(plen, sizeof(peer));
    CHECK(is_addr(&peer, "::ffff:127.0.0.1"));
    CHECK_EQ(peer.sin6_port, cname.sin_port);
    len = sizeof(aname);
    CHECK(getsockname(a, (struct sockaddr *)&aname, &len) == 0);
    CHECK(is_addr(&aname, "::ffff:127.0.0.1"));
    CHECK_EQ(aname.sin6_port, la.sin6_port);
    char buf[8] = { 0 };
    CHECK_EQ(write(c, "v4", 2), 2);
    CHECK_EQ(read(a, buf, sizeof(buf)), 2);
    CHECK_STR(buf, "v4");
    close(a);
    close(c);
    close(l);
}

TEST(v6only_listener_refuses_ipv4_clients)
{
    int l = socket(AF_INET6, SOCK_STREAM, 0);
    REQUIRE(l >= 0);
    int one = 1, v = 0;
    socklen_t len = sizeof(v);
    CHECK(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0);
    CHECK(getsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len) == 0);
    CHECK_EQ(v, 1);
    struct sockaddr_in6 la = addr6("::", 0);
    len = sizeof(la);
    REQUIRE(bind(l, (struct sockaddr *)&la, sizeof(la)) == 0 && listen(l, 4) == 0);
    REQUIRE(getsockname(l, (struct sockaddr *)&la, &len) == 0);
    /* Once it has a port the option is fixed, as Linux. */
    CHECK_ERR(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), EINVAL);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = la.sin6_port,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    REQUIRE(c >= 0);
    CHECK_ERR(connect(c, (struct sockaddr *)&a4, sizeof(a4)), ECONNREFUSED);
    close(c);
    /* IPv6 clients still get in. */
    c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = la.sin6_port,
                               .sin6_addr = loop6 };
    CHECK(c >= 0 && connect(c, (struct sockaddr *)&to, sizeof(to)) == 0);
    int a = accept(l, NULL, NULL);
    CHECK(a >= 0);
    close(a);
    close(c);
    /* A v4-mapped destination is unreachable from an IPv6-only socket. */
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    REQUIRE(u >= 0);
    CHECK(setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0);
    struct sockaddr_in6 m = addr6("::ffff:127.0.0.1", 9);
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&m, sizeof(m)), ENETUNREACH);
    CHECK_ERR(bind(u, (struct sockaddr *)&m, sizeof(m)), EINVAL);
    close(u);
    close(l);
}

TEST(inet6_socket_reaches_ipv4_peer_through_v4_mapped_address)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in la = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(la);
    REQUIRE(l >= 0 && bind(l, (struct sockaddr *)&la, sizeof(la)) == 0 && listen(l, 4) == 0 &&
            getsockname(l, (struct sockaddr *)&la, &len) == 0);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = addr6("::ffff:127.0.0.1", ntohs(la.sin_port));
    REQUIRE(c >= 0 && connect(c, (struct sockaddr *)&to, sizeof(to)) == 0);
    struct sockaddr_in peer;
    socklen_t plen = sizeof(peer);
    int a = accept(l, (struct sockaddr *)&peer, &plen);
    REQUIRE(a >= 0);
    struct sockaddr_in6 cname, cpeer;
    len = sizeof(cname);
    CHECK(getsockname(c, (struct sockaddr *)&cname, &len) == 0);
    CHECK(is_addr(&cname, "::ffff:127.0.0.1"));
    CHECK_EQ(cname.sin6_port, peer.sin_port);
    len = sizeof(cpeer);
    CHECK(getpeername(c, (struct sockaddr *)&cpeer, &len) == 0);
    CHECK(is_addr(&cpeer, "::ffff:127.0.0.1"));
    CHECK_EQ(cpeer.sin6_port, la.sin_port);
    char buf[8] = { 0 };
    CHECK_EQ(write(a, "hi4", 3), 3);
    CHECK_EQ(read(c, buf, sizeof(buf)), 3);
    CHECK_STR(buf, "hi4");
    close(a);
    close(c);
    close(l);
}

TEST(udp6_dual_stack_exchanges_with_ipv4_socket)
{
    struct sockaddr_in6 ra;
    int r = bound6(SOCK_DGRAM, "::", &ra);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(r >= 0 && s >= 0);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = ra.sin6_port,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECK_EQ(sendto(s, "four", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
    struct sockaddr_in6 from;
    socklen_t flen = sizeof(from);
    char buf[8] = { 0 };
    CHECK_EQ(recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen), 4);
    CHECK_STR(buf, "four");
    CHECK(is_addr(&from, "::ffff:127.0.0.1"));
    /* Back through the v4-mapped address, and through a plain sockaddr_in (which
     * an AF_INET6 UDP socket takes, as Linux). */
    CHECK_EQ(sendto(r, "back", 4, 0, (struct sockaddr *)&from, flen), 4);
    struct sockaddr_in sname;
    socklen_t slen = sizeof(sname);
    CHECK(getsockname(s, (struct sockaddr *)&sname, &slen) == 0);
    sname.sin_addr.s_addr = htonl(INADDR_LOOPBACK);     /* it is bound to 0.0.0.0 */
    CHECK_EQ(sendto(r, "bak4", 4, 0, (struct sockaddr *)&sname, sizeof(sname)), 4);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(s, buf, sizeof(buf), 0), 4);
    CHECK_STR(buf, "back");
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(recv(s, buf, sizeof(buf), 0), 4);
    CHECK_STR(buf, "bak4");
    close(r);
    close(s);
}

TEST(bad_addresses_get_linux_errors)
{
    int t = socket(AF_INET6, SOCK_STREAM, 0);
    REQUIRE(t >= 0);
    struct sockaddr_in6 a = addr6("::1", 0);
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(9),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct { struct sockaddr_in a; char pad[12]; } a4long = { a4, { 0 } };
    CHECK_ERR(bind(t, (struct sockaddr *)&a, 23), EINVAL);
    CHECK_ERR(bind(t, (struct sockaddr *)&a4, sizeof(a4)), EINVAL);
    CHECK_ERR(bind(t, (struct sockaddr *)&a4long, sizeof(a4long)), EAFNOSUPPORT);
    CHECK_ERR(connect(t, (struct sockaddr *)&a4, sizeof(a4)), EINVAL);
    CHECK_ERR(connect(t, (struct sockaddr *)&a4long, sizeof(a4long)), EAFNOSUPPORT);
    /* 24 bytes (no sin6_scope_id, RFC 2133's size) are enough. */
    CHECK(bind(t, (struct sockaddr *)&a, 24) == 0);
    struct sockaddr_in6 name;
    socklen_t len = sizeof(name);
    CHECK(getsockname(t, (struct sockaddr *)&name, &len) == 0);
    CHECK(is_addr(&name, "::1") && name.sin6_port != 0);
    /* A short buffer gets the start and the full length back. */
    len = 8;
    memset(&name, 0, sizeof(name));
    CHECK(getsockname(t, (struct sockaddr *)&name, &len) == 0);
    CHECK_EQ(len, sizeof(struct sockaddr_in6));
    CHECK_EQ(name.sin6_family, AF_INET6);
    close(t);
    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    REQUIRE(u >= 0);
    /* Unbound and unconnected: [::]:0, and no peer. */
    len = sizeof(name);
    CHECK(getsockname(u, (struct sockaddr *)&name, &len) == 0);
    CHECK_EQ(len, sizeof(name));
    CHECK(is_addr(&name, "::") && name.sin6_port == 0);
    len = sizeof(name);
    CHECK_ERR(getpeername(u, (struct sockaddr *)&name, &len), ENOTCONN);
    struct sockaddr_in6 to = addr6("::1", 9);
    CHECK_ERR(sendto(u, "x", 1, 0, (struct sockaddr *)&to, 20), EINVAL);
    close(u);
    CHECK_ERR(socket(AF_INET6, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
}

TEST(bind_twice_is_einval_and_a_foreign_address_is_not_available)
{
    int types[2] = { SOCK_STREAM, SOCK_DGRAM };
    for (int i = 0; i < 2; i++) {
        int s = socket(AF_INET6, types[i], 0);
        REQUIRE(s >= 0);
        struct sockaddr_in6 a = addr6("::1", 0);
        CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
        CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof(a)), EINVAL);
        close(s);
        s = socket(AF_INET6, types[i], 0);
        a = addr6("2001:db8::1", 0);
        CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof(a)), EADDRNOTAVAIL);
        close(s);
        /* And AF_INET's (a second TCP bind once looped lwIP's bound list). */
        s = socket(AF_INET, types[i], 0);
        struct sockaddr_in a4 = { .sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        REQUIRE(s >= 0);
        CHECK(bind(s, (struct sockaddr *)&a4, sizeof(a4)) == 0);
        CHECK_ERR(bind(s, (struct sockaddr *)&a4, sizeof(a4)), EINVAL);
        close(s);
    }
}

TEST(nonblocking_connect_over_loopback6_completes_under_poll)
{
    struct sockaddr_in6 la;
    int l = bound6(SOCK_STREAM, "::1", &la);
    REQUIRE(l >= 0);
    int c = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(c >= 0);
    int r = connect(c, (struct sockaddr *)&la, sizeof(la));
    CHECK(r == 0 || errno == EINPROGRESS);
    struct pollfd p = { .fd = c, .events = POLLOUT };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLOUT);
    int err = -1;
    socklen_t len = sizeof(err);
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
    CHECK_EQ(err, 0);
    struct pollfd pl = { .fd = l, .events = POLLIN };
    CHECK_EQ(poll(&pl, 1, 5000), 1);
    int a = accept(l, NULL, NULL);
    REQUIRE(a >= 0);
    struct pollfd pr = { .fd = a, .events = POLLIN };
    CHECK_EQ(poll(&pr, 1, 0), 0);
    CHECK_EQ(write(c, "x", 1), 1);
    CHECK_EQ(poll(&pr, 1, 5000), 1);
    CHECK(pr.revents & POLLIN);
    /* A refused non-blocking connect reports through poll and SO_ERROR. */
    close(l);
    int d = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(d >= 0);
    r = connect(d, (struct sockaddr *)&la, sizeof(la));
    if (r < 0 && errno == EINPROGRESS) {
        struct pollfd pd = { .fd = d, .events = POLLOUT };
        CHECK_EQ(poll(&pd, 1, 5000), 1);
        len = sizeof(err);
        CHECK(getsockopt(d, SOL_SOCKET, SO_ERROR, &err, &len) == 0);
        CHECK_EQ(err, ECONNREFUSED);
    } else {
        CHECK(r < 0 && errno == ECONNREFUSED);
    }
    close(d);
    close(a);
    close(c);
}

TEST(epoll_reports_inet6_listener_and_data)
{
    struct sockaddr_in6 la;
    int l = bound6(SOCK_STREAM, "::", &la);
    int ep = epoll_create1(0);
    REQUIRE(l >= 0 && ep >= 0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, out;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev) == 0);
    CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_port = la.sin6_port,
                               .sin6_addr = loop6 };
    REQUIRE(c >= 0 && connect(c, (struct sockaddr *)&to, sizeof(to)) == 0);
    CHECK_EQ(epoll_wait(ep, &out, 1, 5000), 1);
    CHECK_EQ(out.data.fd, l);
    int a = accept(l, NULL, NULL);
    REQUIRE(a >= 0);
    ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.fd = a };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev) == 0);
    CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
    CHECK_EQ(write(c, "e6", 2), 2);
    CHECK_EQ(epoll_wait(ep, &out, 1, 5000), 1);
    CHECK_EQ(out.data.fd, a);
    CHECK(out.events & EPOLLIN);
    CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);       /* edge-triggered: once */
    close(a);
    close(c);
    close(ep);
    close(l);
}

TEST(tcp6_half_close_then_peer_close_ends_the_stream)
{
    struct sockaddr_in6 la;
    int l = bound6(SOCK_STREAM, "::1", &la);
    REQUIRE(l >= 0);
    int c = socket(AF_INET6, SOCK_STREAM, 0);
    REQUIRE(c >= 0 && connect(c, (struct sockaddr *)&la, sizeof(la)) == 0);
    int a = accept(l, NULL, NULL);
    REQUIRE(a >= 0);
    char buf[8];
    CHECK(shutdown(c, SHUT_WR) == 0);
    CHECK_EQ(read(a, buf, sizeof(buf)), 0);
    CHECK_EQ(write(a, "last", 4), 4);
    close(a);
    /* c's connection is in TIME-WAIT now: the data, then the end, then EPIPE. */
    CHECK_EQ(read(c, buf, sizeof(buf)), 4);
    CHECK_EQ(read(c, buf, sizeof(buf)), 0);
    CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    close(c);
    close(l);
}

TEST(getaddrinfo_numeric_inet6_address)
{
    struct addrinfo hints = { .ai_family = AF_INET6, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    REQUIRE(getaddrinfo("::1", "80", &hints, &res) == 0 && res);
    CHECK_EQ(res->ai_family, AF_INET6);
    CHECK_EQ(res->ai_addrlen, sizeof(struct sockaddr_in6));
    CHECK(is_addr((struct sockaddr_in6 *)res->ai_addr, "::1"));
    freeaddrinfo(res);
}
