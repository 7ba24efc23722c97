/* AF_INET TCP receive over 127.0.0.1: one read takes everything that has arrived,
 * however many segments it came in (as Linux's), and the bytes stay in order. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SMALL       1000
#define NSMALL      5
#define LARGE       60000
#define TOTAL       (NSMALL * SMALL + LARGE)

/* A connected pair over 127.0.0.1 (*c connected, *a accepted); 0 or -1. */
static int tcp_pair(int *c, int *a)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    *c = *a = -1;
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&sa, &len) ||
        (*c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        connect(*c, (struct sockaddr *)&sa, sizeof(sa)) || (*a = accept(l, NULL, NULL)) < 0) {
        if (l >= 0)
            close(l);
        return -1;
    }
    close(l);
    return 0;
}

/* Waits (up to 5 s) until fd has n bytes to read; the count it last saw. */
static int wait_readable_bytes(int fd, int n)
{
    int avail = 0;
    for (int i = 0; i < 500 && avail < n; i++) {
        if (ioctl(fd, FIONREAD, &avail) < 0)
            return -1;
        if (avail < n) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
    }
    return avail;
}

TEST(tcp_one_read_takes_every_segment_that_has_arrived)
{
    int c, a, one = 1;
    REQUIRE(tcp_pair(&c, &a) == 0);
    /* Without Nagle each small write leaves as its own segment. */
    CHECK_EQ(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    static unsigned char out[TOTAL], in[2 * TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        out[i] = (unsigned char)(i * 7 + i / 251);
    size_t at = 0;
    for (int i = 0; i < NSMALL; i++, at += SMALL)
        CHECK_EQ(write(c, out + at, SMALL), SMALL);
    CHECK_EQ(write(c, out + at, LARGE), LARGE);
    CHECK_EQ(wait_readable_bytes(a, TOTAL), TOTAL);
    /* One read: all of it, not one segment's worth. */
    CHECK_EQ(read(a, in, sizeof(in)), TOTAL);
    CHECK(memcmp(in, out, TOTAL) == 0);
    /* And the stream goes on: more data, then the end. */
    CHECK_EQ(write(c, "tail", 4), 4);
    close(c);
    CHECK_EQ(read(a, in, sizeof(in)), 4);
    CHECK(memcmp(in, "tail", 4) == 0);
    CHECK_EQ(read(a, in, sizeof(in)), 0);
    close(a);
}

TEST(tcp_read_in_small_pieces_keeps_the_order_across_segments)
{
    int c, a, one = 1;
    REQUIRE(tcp_pair(&c, &a) == 0);
    CHECK_EQ(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    static unsigned char out[TOTAL], in[TOTAL];
    for (size_t i = 0; i < TOTAL; i++)
        out[i] = (unsigned char)(i * 13 + i / 257);
    for (size_t at = 0; at < TOTAL; at += SMALL)
        CHECK_EQ(write(c, out + at, SMALL), SMALL);
    CHECK_EQ(wait_readable_bytes(a, TOTAL), TOTAL);
    /* 777-byte reads straddle every segment boundary. */
    size_t got = 0;
    while (got < TOTAL) {
        ssize_t r = read(a, in + got, TOTAL - got < 777 ? TOTAL - got : 777);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    CHECK_EQ(got, TOTAL);
    CHECK(memcmp(in, out, TOTAL) == 0);
    close(c);
    close(a);
}

/* MSG_PEEK, as Linux's: a peek sees everything queued across segments (programs
 * peek for a whole header that came in pieces), and leaves all of it for the
 * read after. */
TEST(tcp_peek_sees_every_segment_that_has_arrived_and_leaves_them)
{
    int c, a, one = 1;
    REQUIRE(tcp_pair(&c, &a) == 0);
    CHECK_EQ(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    static unsigned char out[NSMALL * SMALL], in[2 * NSMALL * SMALL];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (unsigned char)(i * 11 + i / 253);
    for (size_t at = 0; at < sizeof(out); at += SMALL)
        CHECK_EQ(write(c, out + at, SMALL), SMALL);
    CHECK_EQ(wait_readable_bytes(a, (int)sizeof(out)), (int)sizeof(out));
    CHECK_EQ(recv(a, in, 10, MSG_PEEK), 10);            /* the first bytes, twice */
    CHECK(memcmp(in, out, 10) == 0);
    memset(in, 0, sizeof(in));
    CHECK_EQ(recv(a, in, sizeof(in), MSG_PEEK), (ssize_t)sizeof(out));
    CHECK(memcmp(in, out, sizeof(out)) == 0);
    CHECK_EQ(read(a, in, 1500), 1500);                  /* part of a segment taken */
    CHECK(memcmp(in, out, 1500) == 0);
    CHECK_EQ(recv(a, in, sizeof(in), MSG_PEEK), (ssize_t)sizeof(out) - 1500);
    CHECK(memcmp(in, out + 1500, sizeof(out) - 1500) == 0);
    CHECK_EQ(read(a, in, sizeof(in)), (ssize_t)sizeof(out) - 1500);
    CHECK(memcmp(in, out + 1500, sizeof(out) - 1500) == 0);
    close(c);
    close(a);
}

/* The exchange a request/response client makes: send, shut the sending side,
 * read the whole answer. The answer comes with the server's FIN, which puts this
 * end in TIME-WAIT; it must still be read whole every time (the last bytes were
 * once taken for the end of the stream when the connection left during a read). */
TEST(tcp_answer_after_shutdown_write_is_read_whole_every_time)
{
    int lost = 0;
    for (int i = 0; i < 200 && !lost; i++) {
        int c, a;
        REQUIRE(tcp_pair(&c, &a) == 0);
        CHECK_EQ(write(c, "ask", 3), 3);
        CHECK_EQ(shutdown(c, SHUT_WR), 0);
        char buf[16];
        ssize_t r;
        size_t got = 0;
        while ((r = read(a, buf, sizeof(buf))) > 0)
            got += (size_t)r;
        CHECK_EQ(got, 3);
        CHECK_EQ(write(a, "OK 3\n", 5), 5);
        close(a);
        got = 0;
        while (got < sizeof(buf) && (r = read(c, buf + got, sizeof(buf) - got)) > 0)
            got += (size_t)r;
        if (got != 5 || memcmp(buf, "OK 3\n", 5) != 0)
            lost = i + 1;
        close(c);
    }
    CHECK_EQ(lost, 0);
}
