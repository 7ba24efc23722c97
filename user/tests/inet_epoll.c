/* epoll over AF_INET sockets (127.0.0.1): an edge-triggered item reports the
 * events of its own socket only, not those of other sockets (before, every AF_INET
 * event was an edge for every item), and a level-triggered listener keeps being
 * reported among busy edge-triggered items (a guard: it passed before too). */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(struct sockaddr_in *sa)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    *sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(*sa);
    if (l < 0 || bind(l, (struct sockaddr *)sa, sizeof(*sa)) || listen(l, 16) ||
        getsockname(l, (struct sockaddr *)sa, &len))
        return -1;
    return l;
}

/* A connected pair over 127.0.0.1: *c the connecting side, *a the accepted one. */
static int tcp_pair(int *c, int *a)
{
    struct sockaddr_in sa;
    int l = listener(&sa);
    if (l < 0)
        return -1;
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (*c < 0 || connect(*c, (struct sockaddr *)&sa, sizeof(sa)))
        return -1;
    *a = accept(l, NULL, NULL);
    close(l);
    return *a < 0 ? -1 : 0;
}

/* Events of epoll set ep for the item with data `key` within ms (0: none). */
static uint32_t events_for(int ep, int key, int ms)
{
    struct epoll_event ev[8];
    uint32_t m = 0;
    int n = epoll_wait(ep, ev, 8, ms);
    for (int i = 0; i < n; i++)
        if (ev[i].data.fd == key)
            m |= ev[i].events;
    return m;
}

TEST(edge_triggered_item_ignores_other_sockets_traffic)
{
    int c1, a1, c2, a2;
    CHECK_EQ(tcp_pair(&c1, &a1), 0);
    CHECK_EQ(tcp_pair(&c2, &a2), 0);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = a1 };
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, a1, &ev), 0);
    CHECK_EQ(events_for(ep, a1, 1000), (uint32_t)EPOLLOUT);     /* the first edge */
    CHECK_EQ(events_for(ep, a1, 50), 0u);
    /* Traffic on the other connection, both ways: no new edge for a1. */
    char buf[64];
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(write(c2, "ping", 4), 4);
        CHECK_EQ(read(a2, buf, sizeof(buf)), 4);
        CHECK_EQ(write(a2, "pong", 4), 4);
        CHECK_EQ(read(c2, buf, sizeof(buf)), 4);
        CHECK_EQ(events_for(ep, a1, 20), 0u);
    }
    /* Its own data: an edge. */
    CHECK_EQ(write(c1, "x", 1), 1);
    CHECK(events_for(ep, a1, 1000) & EPOLLIN);
    close(ep);
    close(c1);
    close(a1);
    close(c2);
    close(a2);
}

TEST(listener_is_reported_among_busy_edge_triggered_items)
{
    enum { N = 6 };
    int c[N], a[N];
    struct sockaddr_in sa;
    int l = listener(&sa);
    CHECK(l >= 0);
    int ep = epoll_create1(0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(tcp_pair(&c[i], &a[i]), 0);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = a[i] };
        CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, a[i], &ev), 0);
    }
    struct epoll_event lev = { .events = EPOLLIN, .data.fd = l };
    CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, l, &lev), 0);
    int k = socket(AF_INET, SOCK_STREAM, 0);
    CHECK_EQ(connect(k, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /* Every round: new data on every edge-triggered item, two events at most per
     * wait. The listener (level-triggered, never accepted) must come up anyway. */
    int seen = 0;
    for (int round = 0; round < 20 && !seen; round++) {
        for (int i = 0; i < N; i++)
            CHECK_EQ(write(c[i], "d", 1), 1);
        struct epoll_event ev[2];
        int n = epoll_wait(ep, ev, 2, 1000);
        CHECK(n > 0);
        for (int i = 0; i < n; i++)
            if (ev[i].data.fd == l)
                seen = 1;
    }
    CHECK(seen);
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0);
    close(s);
    close(k);
    for (int i = 0; i < N; i++) {
        close(c[i]);
        close(a[i]);
    }
    close(ep);
    close(l);
}
