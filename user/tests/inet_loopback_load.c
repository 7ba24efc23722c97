/* Many connections over 127.0.0.1 at once, from many threads: each pair sends a
 * patterned stream both ways at the same time and checks every byte, while UDP
 * pairs ping-pong beside them; several rounds, so PCBs in TIME-WAIT and ones
 * that ended while their socket lived (both sides shut one direction at a time)
 * meet new connections. It found lwIP freeing PCBs its netconns still held
 * (kernel/net/lwip_port/tcp_timewait.c). */
#define _GNU_SOURCE
#include "testlib.h"
#include "inet_loopback.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define NEED(cond) do { if (!(cond)) return -1; } while (0)

#define PAIRS       12
#define BYTES       (192 * 1024)
#define CHUNK       3000            /* not a multiple of any segment size */
#define UDP_PAIRS   4
#define UDP_ROUNDS  300
#define ROUNDS      4

static unsigned char pattern(unsigned id, size_t i) { return (unsigned char)(i * 131 + id * 7 + (i >> 9)); }

struct half {
    int fd;
    unsigned id;                    /* whose pattern it sends */
    unsigned peer;                  /* whose pattern it expects */
    int bad;                        /* bytes wrong, short reads, errors */
};

static void *sender(void *arg)
{
    struct half *h = arg;
    unsigned char buf[CHUNK];
    for (size_t off = 0; off < BYTES;) {
        size_t n = BYTES - off < CHUNK ? BYTES - off : CHUNK;
        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(h->id, off + i);
        ssize_t w = write(h->fd, buf, n);
        if (w <= 0) {
            printf("  stream %u: write at %zu: %s\n", h->id, off, strerror(errno));
            h->bad++;
            return NULL;
        }
        off += (size_t)w;
    }
    shutdown(h->fd, SHUT_WR);
    return NULL;
}

static void *receiver(void *arg)
{
    struct half *h = arg;
    unsigned char buf[4096];
    size_t off = 0;
    for (;;) {
        ssize_t r = read(h->fd, buf, sizeof(buf));
        if (r < 0) {
            printf("  stream %u: read at %zu: %s\n", h->peer, off, strerror(errno));
            h->bad++;
            return NULL;
        }
        if (r == 0)
            break;
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != pattern(h->peer, off + (size_t)i) && !h->bad++)
                printf("  stream %u: byte %zu wrong\n", h->peer, off + (size_t)i);
        off += (size_t)r;
    }
    if (off != BYTES) {
        printf("  stream %u: ended at %zu of %u bytes\n", h->peer, off, BYTES);
        h->bad++;
    }
    return NULL;
}

struct udp_pair {
    int a, b;
    int bad;
};

static void *udp_pingpong(void *arg)
{
    struct udp_pair *p = arg;
    for (unsigned i = 0; i < UDP_ROUNDS; i++) {
        uint32_t v = i * 2654435761u, got = 0;
        if (send(p->a, &v, sizeof(v), 0) != sizeof(v) || recv(p->b, &got, sizeof(got), 0) != sizeof(got) ||
            got != v || send(p->b, &got, sizeof(got), 0) != sizeof(got) ||
            recv(p->a, &got, sizeof(got), 0) != sizeof(got) || got != v) {
            printf("  UDP round %u: %s\n", i, strerror(errno));
            p->bad++;
            return NULL;
        }
    }
    return NULL;
}

static int udp_connected_pair(int *a, int *b)
{
    *a = socket(AF_INET, SOCK_DGRAM, 0);
    *b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in x = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct sockaddr_in y = x;
    socklen_t len = sizeof(x);
    if (*a < 0 || *b < 0 || bind(*a, (struct sockaddr *)&x, sizeof(x)) ||
        bind(*b, (struct sockaddr *)&y, sizeof(y)) ||
        getsockname(*a, (struct sockaddr *)&x, &len) ||
        getsockname(*b, (struct sockaddr *)&y, &len))
        return -1;
    return connect(*a, (struct sockaddr *)&y, sizeof(y)) || connect(*b, (struct sockaddr *)&x, sizeof(x));
}

/* One round; the number of bytes wrong, short or failed, -1 if it could not set up. */
static int one_round(void)
{
    unsigned short port;
    int l = listener(&port);
    NEED(l >= 0);
    static struct half halves[PAIRS][4];    /* client send/recv, server send/recv */
    static pthread_t th[PAIRS * 4 + UDP_PAIRS];
    static struct udp_pair udp[UDP_PAIRS];
    int nth = 0;
    for (unsigned p = 0; p < PAIRS; p++) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        NEED(c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
        int s = accept(l, NULL, NULL);
        NEED(s >= 0);
        unsigned ci = 2 * p, si = 2 * p + 1;
        halves[p][0] = (struct half){ c, ci, si, 0 };
        halves[p][1] = (struct half){ c, ci, si, 0 };
        halves[p][2] = (struct half){ s, si, ci, 0 };
        halves[p][3] = (struct half){ s, si, ci, 0 };
    }
    for (unsigned u = 0; u < UDP_PAIRS; u++)
        NEED(udp_connected_pair(&udp[u].a, &udp[u].b) == 0);
    for (unsigned p = 0; p < PAIRS; p++) {
        NEED(pthread_create(&th[nth++], NULL, sender, &halves[p][0]) == 0);
        NEED(pthread_create(&th[nth++], NULL, receiver, &halves[p][1]) == 0);
        NEED(pthread_create(&th[nth++], NULL, sender, &halves[p][2]) == 0);
        NEED(pthread_create(&th[nth++], NULL, receiver, &halves[p][3]) == 0);
    }
    for (unsigned u = 0; u < UDP_PAIRS; u++)
        NEED(pthread_create(&th[nth++], NULL, udp_pingpong, &udp[u]) == 0);
    for (int i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    int bad = 0;
    for (unsigned p = 0; p < PAIRS; p++) {
        for (int k = 0; k < 4; k++)
            bad += halves[p][k].bad;
        close(halves[p][0].fd);
        close(halves[p][2].fd);
    }
    for (unsigned u = 0; u < UDP_PAIRS; u++) {
        bad += udp[u].bad;
        close(udp[u].a);
        close(udp[u].b);
    }
    close(l);
    return bad;
}

TEST(many_streams_both_ways_and_udp_pingpongs_at_once_lose_nothing)
{
    int bad = 0;
    for (int r = 0; r < ROUNDS && !bad; r++)
        bad = one_round();
    CHECK_EQ(bad, 0);
}
