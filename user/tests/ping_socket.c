/* Ping sockets (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)) over 127.0.0.1, as
 * Linux's: the kernel puts the socket's identifier (its "port": bind picks it,
 * a send without bind takes a free one) and the checksum into the echo request;
 * what is read is the echo reply from its ICMP header on, no IP header. On a
 * host whose net.ipv4.ping_group_range leaves this process out (Linux's default
 * "1 0"), the tests say so and skip; OSCortex lets every group in. */
#define _GNU_SOURCE
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static uint16_t csum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(b[i] << 8 | b[i + 1]);
    if (n & 1)
        sum += (uint32_t)b[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* A ping socket, or -1. *skip: the host's ping_group_range refuses it. */
static int ping_socket(bool *skip)
{
    *skip = false;
    int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    if (s < 0 && errno == EACCES && !tl_on_oscortex()) {
        char r[64] = "?";
        FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
        if (f) {
            if (!fgets(r, sizeof(r), f))
                strcpy(r, "?");
            fclose(f);
        }
        r[strcspn(r, "\n")] = 0;
        printf("SKIP: this host's net.ipv4.ping_group_range (%s) does not include gid %u\n",
               r, (unsigned)getegid());
        *skip = true;
        return -1;
    }
    if (s >= 0) {
        struct timeval tv = { 2, 0 };
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    return s;
}

static const struct sockaddr_in lo = { .sin_family = AF_INET,
                                       .sin_addr.s_addr = 0x0100007F };   /* 127.0.0.1 */

static unsigned local_id(int s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    if (getsockname(s, (struct sockaddr *)&a, &len))
        return 0;
    return ntohs(a.sin_port);
}

/* Sends an echo request with a wrong identifier and checksum (the kernel sets
 * both) and sequence seq; reads the reply into r (n bytes: the length or -1). */
static void echo(int s, uint16_t seq, uint8_t *r, size_t rsize, ssize_t *n,
                 struct sockaddr_in *from)
{
    uint8_t msg[8 + 32];
    memset(msg, 0, sizeof(msg));
    msg[0] = ICMP_ECHO;
    msg[2] = 0xde;                      /* checksum: the kernel's job */
    msg[4] = 0x12;                      /* identifier: replaced */
    msg[5] = 0x34;
    msg[6] = (uint8_t)(seq >> 8);
    msg[7] = (uint8_t)seq;
    memcpy(msg + 8, "oscortex ping socket payload 32", 32);
    *n = -1;
    if (sendto(s, msg, sizeof(msg), 0, (const struct sockaddr *)&lo, sizeof(lo)) !=
        (ssize_t)sizeof(msg))
        return;
    socklen_t len = sizeof(*from);
    *n = recvfrom(s, r, rsize, 0, (struct sockaddr *)from, &len);
}

TEST(echo_to_loopback_reads_the_reply_without_ip_header)
{
    bool skip;
    int s = ping_socket(&skip);
    if (skip)
        return;
    CHECK(s >= 0);
    int v = 0;
    socklen_t len = sizeof(v);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
    CHECK_EQ(v, SOCK_DGRAM);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &len), 0);
    CHECK_EQ(v, IPPROTO_ICMP);
    struct sockaddr_in a = lo;
    CHECK_EQ(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    unsigned id = local_id(s);
    CHECK(id != 0);                     /* bind to port 0 picked an identifier */

    uint8_t r[256];
    ssize_t n;
    struct sockaddr_in from;
    memset(&from, 0xff, sizeof(from));
    echo(s, 7, r, sizeof(r), &n, &from);
    CHECK_EQ(n, 40);
    if (n == 40) {
        CHECK_EQ(r[0], ICMP_ECHOREPLY);
        CHECK_EQ(r[1], 0);
        CHECK_EQ((unsigned)(r[4] << 8 | r[5]), id);
        CHECK_EQ((unsigned)(r[6] << 8 | r[7]), 7u);
        CHECK(memcmp(r + 8, "oscortex ping socket payload 32", 32) == 0);
        CHECK_EQ(csum(r, 40), 0);       /* a valid checksum sums to 0 */
    }
    CHECK_EQ(from.sin_family, AF_INET);
    CHECK_EQ(from.sin_addr.s_addr, lo.sin_addr.s_addr);
    CHECK_EQ(from.sin_port, 0);
    close(s);
}

TEST(bind_port_is_the_identifier)
{
    bool skip;
    int s = ping_socket(&skip);
    if (skip)
        return;
    CHECK(s >= 0);
    /* A free identifier: the first of a range nobody else here binds. */
    struct sockaddr_in a = lo;
    unsigned id = 0;
    for (unsigned want = 41000; want < 41100 && !id; want++) {
        a.sin_port = htons((uint16_t)want);
        if (bind(s, (struct sockaddr *)&a, sizeof(a)) == 0)
            id = want;
    }
    CHECK(id != 0);
    CHECK_EQ(local_id(s), id);
    CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof(a)), EINVAL);   /* bound already */
    uint8_t r[256];
    ssize_t n;
    struct sockaddr_in from;
    echo(s, 9, r, sizeof(r), &n, &from);
    CHECK_EQ(n, 40);
    if (n == 40)
        CHECK_EQ((unsigned)(r[4] << 8 | r[5]), id);
    close(s);
}

TEST(send_without_bind_takes_an_identifier_and_others_replies_stay_out)
{
    bool skip;
    int s = ping_socket(&skip);
    if (skip)
        return;
    int t = ping_socket(&skip);
    CHECK(s >= 0 && t >= 0);
    uint8_t r[256];
    ssize_t n;
    struct sockaddr_in from;
    echo(s, 1, r, sizeof(r), &n, &from);
    unsigned id = local_id(s);
    CHECK(id != 0);
    CHECK_EQ(n, 40);
    if (n == 40)
        CHECK_EQ((unsigned)(r[4] << 8 | r[5]), id);
    echo(t, 2, r, sizeof(r), &n, &from);
    CHECK(local_id(t) != 0 && local_id(t) != id);
    CHECK_EQ(n, 40);
    /* t's reply went to t only: s has nothing to read. */
    CHECK_ERR(recv(s, r, sizeof(r), MSG_DONTWAIT), EAGAIN);
    close(s);
    close(t);
}

TEST(only_echo_requests_may_be_sent)
{
    bool skip;
    int s = ping_socket(&skip);
    if (skip)
        return;
    CHECK(s >= 0);
    uint8_t msg[16] = { ICMP_TIMESTAMP };
    CHECK_ERR(sendto(s, msg, sizeof(msg), 0, (const struct sockaddr *)&lo, sizeof(lo)), EINVAL);
    msg[0] = ICMP_ECHO;
    CHECK_ERR(sendto(s, msg, 4, 0, (const struct sockaddr *)&lo, sizeof(lo)), EINVAL);
    CHECK_ERR(send(s, msg, sizeof(msg), 0), EDESTADDRREQ);
    close(s);
}

TEST(ping_group_range_is_readable)
{
    FILE *f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[64] = "";
    CHECK(fgets(line, sizeof(line), f) != NULL);
    fclose(f);
    unsigned long lo_g, hi_g;
    CHECK_EQ(sscanf(line, "%lu\t%lu", &lo_g, &hi_g), 2);
    if (tl_on_oscortex())
        CHECK_STR(line, "0\t2147483647\n");
}
