/* A TCP peer that vanishes (closes with SO_LINGER 0, which sends a reset) over
 * 127.0.0.1: the other side's writer, blocked reader, poll and SO_ERROR all see
 * the error (ECONNRESET, then EPIPE) instead of waiting forever. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A connected pair over 127.0.0.1: *c the connecting side, *a the accepted one. */
static int tcp_pair(int *c, int *a)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&sa, &len))
        return -1;
    *c = socket(AF_INET, SOCK_STREAM, 0);
    if (*c < 0 || connect(*c, (struct sockaddr *)&sa, sizeof(sa)))
        return -1;
    *a = accept(l, NULL, NULL);
    close(l);
    return *a < 0 ? -1 : 0;
}

/* Closes fd so that the peer gets a reset (RST), not an orderly end. */
static void close_with_reset(int fd)
{
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

static void *reset_later(void *arg)
{
    struct timespec ts = { 0, 200 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    close_with_reset(*(int *)arg);
    return NULL;
}

/* Sends until an error (at most ~64 MiB); the errno, or 0 if every send worked. */
static int send_until_error(int fd)
{
    static char buf[65536];
    for (int i = 0; i < 1024; i++)
        if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
            return errno;
    return 0;
}

TEST(writer_gets_econnreset_when_peer_resets_mid_transfer)
{
    int c, a;
    REQUIRE(tcp_pair(&c, &a) == 0);
    char buf[4096] = { 0 };
    /* A transfer under way: the peer read some of it. */
    CHECK_EQ(send(c, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
    CHECK_EQ(recv(a, buf, sizeof(buf), MSG_WAITALL), (ssize_t)sizeof(buf));
    close_with_reset(a);
    int err = send_until_error(c);
    CHECK(err == ECONNRESET || err == EPIPE);
    /* Once reset, the socket stays broken: EPIPE for every later send. */
    errno = 0;
    CHECK_EQ(send(c, buf, 1, MSG_NOSIGNAL), -1);
    CHECK_EQ(errno, EPIPE);
    close(c);
}

TEST(blocked_reader_gets_econnreset_when_peer_resets)
{
    int c, a;
    REQUIRE(tcp_pair(&c, &a) == 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, reset_later, &a) == 0);
    char buf[64];
    errno = 0;
    ssize_t r = recv(c, buf, sizeof(buf), 0);      /* blocks until the reset */
    CHECK_EQ(r, -1);
    CHECK_EQ(errno, ECONNRESET);
    /* The error is reported once; then the stream reads as ended. */
    CHECK_EQ(recv(c, buf, sizeof(buf), MSG_DONTWAIT), 0);
    pthread_join(t, NULL);
    close(c);
}

TEST(blocked_writer_gets_error_when_peer_resets)
{
    int c, a;
    REQUIRE(tcp_pair(&c, &a) == 0);
    pthread_t t;
    /* The peer never reads: the writer fills both buffers and blocks in send. */
    REQUIRE(pthread_create(&t, NULL, reset_later, &a) == 0);
    int err = send_until_error(c);
    CHECK(err == ECONNRESET || err == EPIPE);
    pthread_join(t, NULL);
    close(c);
}

TEST(poll_and_so_error_report_the_reset)
{
    int c, a;
    REQUIRE(tcp_pair(&c, &a) == 0);
    close_with_reset(a);
    struct pollfd p = { .fd = c, .events = POLLIN };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(p.revents & POLLHUP);
    CHECK(p.revents & POLLERR);
    int so = -1;
    socklen_t len = sizeof(so);
    CHECK_EQ(getsockopt(c, SOL_SOCKET, SO_ERROR, &so, &len), 0);
    CHECK_EQ(so, ECONNRESET);
    /* SO_ERROR took the pending error. */
    CHECK_EQ(getsockopt(c, SOL_SOCKET, SO_ERROR, &so, &len), 0);
    CHECK_EQ(so, 0);
    close(c);
}

