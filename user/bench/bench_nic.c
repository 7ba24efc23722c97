/* The benchmark's figures through the NIC (see bench.c; group "nic", which
 * tools/bench.py runs with "net"):
 * TCP throughput guest -> host and host -> guest, and connections from the host
 * accepted per second, over a virtio-net device on QEMU's user network. The host's
 * peer is tools/bench.py's, at 10.0.2.2:PORT (--peer=PORT); it speaks one line per
 * connection: "SINK" (it reads to the end and answers "OK <bytes>"), "SOURCE <n>"
 * (it sends n bytes and closes) and "ACCEPTS <n>" (it connects n times, one after
 * the other, to its forwarded port, which reaches this machine's port 5001, each
 * waiting for the close; then "DONE"). eth0 is set to QEMU's 10.0.2.15/24 with the
 * interface ioctls on both kernels (Linux's bench init configures nothing). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define GUEST_ADDR  "10.0.2.15"
#define PEER_ADDR   "10.0.2.2"
#define ACCEPT_PORT 5001
#define CHUNK       65536

int nic_peer_port;

static int set_in(int s, unsigned long req, const char *addr)
{
    struct ifreq r = { 0 };
    strcpy(r.ifr_name, "eth0");
    struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    return ioctl(s, req, &r);
}

/* eth0 up with 10.0.2.15/24 (on OSCortex DHCP gave it already: the same). */
static int nic_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq r = { 0 };
    strcpy(r.ifr_name, "eth0");
    int rc = s < 0 || ioctl(s, SIOCGIFFLAGS, &r) ? -1 : 0;
    if (!rc) {
        r.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &r);
    }
    if (!rc)
        rc = set_in(s, SIOCSIFADDR, GUEST_ADDR) || set_in(s, SIOCSIFNETMASK, "255.255.255.0");
    if (s >= 0)
        close(s);
    return rc;
}

/* A connection to the host's peer; retried for a few seconds while the link comes up. */
static int peer(const char *line)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)nic_peer_port) };
    inet_pton(AF_INET, PEER_ADDR, &sa.sin_addr);
    for (int tries = 0; tries < 50; tries++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0)
            return -1;
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            size_t n = strlen(line);
            if (write(s, line, n) == (ssize_t)n)
                return s;
        }
        close(s);
        struct timespec ts = { 0, 100 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Reads the peer's answer to the end into buf (NUL-terminated). */
static int answer(int s, char *buf, size_t size)
{
    size_t got = 0;
    ssize_t r;
    while (got + 1 < size && (r = read(s, buf + got, size - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = 0;
    return (int)got;
}

static int body_nic_tx(int n)
{
    static char buf[CHUNK];
    int s = peer("SINK\n");
    if (s < 0) {
        printf("BENCH_INFO nic_tx: no connection to the peer: %s\n", strerror(errno));
        return -1;
    }
    for (int i = 0; i < n * (1 << 20) / CHUNK; i++) {
        ssize_t w = write(s, buf, sizeof(buf));
        if (w != (ssize_t)sizeof(buf)) {
            printf("BENCH_INFO nic_tx: write %d of %d gave %zd: %s\n", i, n * (1 << 20) / CHUNK,
                   w, w < 0 ? strerror(errno) : "short");
            close(s);
            return -1;
        }
    }
    shutdown(s, SHUT_WR);
    char ans[64];
    answer(s, ans, sizeof(ans));
    close(s);
    if (strtoll(ans + (strncmp(ans, "OK ", 3) ? 0 : 3), NULL, 10) == (long long)n << 20)
        return 0;
    printf("BENCH_INFO nic_tx: the peer answered '%s' for %lld bytes\n", ans, (long long)n << 20);
    errno = EIO;
    return -1;
}

static int body_nic_rx(int n)
{
    static char buf[CHUNK];
    char line[64];
    snprintf(line, sizeof(line), "SOURCE %lld\n", (long long)n << 20);
    int s = peer(line);
    if (s < 0)
        return -1;
    long long got = 0;
    ssize_t r;
    while ((r = read(s, buf, sizeof(buf))) > 0)
        got += r;
    close(s);
    return got == (long long)n << 20 ? 0 : -1;
}

static int listener = -1;

static int body_nic_accept(int n)
{
    char line[64], ans[64];
    snprintf(line, sizeof(line), "ACCEPTS %d\n", n);
    int s = peer(line);
    if (s < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        int c = accept(listener, NULL, NULL);
        if (c < 0) {
            close(s);
            return -1;
        }
        close(c);
    }
    answer(s, ans, sizeof(ans));
    close(s);
    return strncmp(ans, "DONE", 4) ? -1 : 0;
}

void bench_nic(void)
{
    if (!nic_peer_port)
        return;                         /* no host peer: the figures are not asked for */
    if (nic_up()) {
        printf("BENCH_ERROR nic: eth0 could not be set up: %s\n", strerror(errno));
        return;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(ACCEPT_PORT) };
    int one = 1;
    listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* A connection that never comes (the peer gave up on one) fails the figure
     * instead of waiting for bench.py's limit. */
    struct timeval tv = { 60, 0 };
    setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) || listen(listener, 64)) {
        printf("BENCH_ERROR nic: listen: %s\n", strerror(errno));
        return;
    }
    timed("nic_tx_us_per_mib", pick(3, 32, 2), body_nic_tx, 1000.0, "us");
    timed("nic_rx_us_per_mib", pick(3, 32, 2), body_nic_rx, 1000.0, "us");
    timed("nic_accept_us", pick(3, 200, 20), body_nic_accept, 1000.0, "us");
    close(listener);
}
