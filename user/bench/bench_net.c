/* The benchmark's socket and event-loop figures (see bench.c): TCP and UDP round
 * trips and TCP throughput over 127.0.0.1 between two processes, and an eventfd
 * ping-pong between two threads each waiting in epoll_wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

/* --- Sockets over 127.0.0.1 and epoll. Linux's bench init leaves lo down:
 * bring it up (as root; OSCortex's loopback is always up and the ioctl fails). */
static void lo_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, "lo");
    if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    if (s >= 0)
        close(s);
}

/* A connected TCP pair over 127.0.0.1 with TCP_NODELAY on both ends. */
static int tcp_pair(int *c, int *a)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sa);
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
    *c = *a = -1;
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&sa, &len) || (*c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        connect(*c, (struct sockaddr *)&sa, sizeof(sa)) || (*a = accept(l, NULL, NULL)) < 0) {
        int e = errno;
        if (l >= 0)
            close(l);
        if (*c >= 0)
            close(*c);
        errno = e;
        return -1;
    }
    close(l);
    setsockopt(*c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(*a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return 0;
}

/* Runs child(fd) in a child process on one end of a pair and parent(n, fd) here. */
static int with_child(int c, int a, int n, void (*child)(int), int (*parent)(int, int))
{
    pid_t pid = fork();
    if (pid < 0) {
        close(c);
        close(a);
        return -1;
    }
    if (pid == 0) {
        close(c);
        child(a);
        _exit(0);
    }
    close(a);
    int rc = parent(n, c);
    close(c);
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = -1;
    return rc;
}

static void echo_child(int fd)
{
    char c;
    while (read(fd, &c, 1) == 1)
        if (write(fd, &c, 1) != 1)
            _exit(1);
}

static int rtt_parent(int n, int fd)
{
    char c = 'x';
    for (int i = 0; i < n; i++)
        if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
            return -1;
    shutdown(fd, SHUT_WR);
    return 0;
}

static int body_tcp_rtt(int n)
{
    int c, a;
    return tcp_pair(&c, &a) < 0 ? -1 : with_child(c, a, n, echo_child, rtt_parent);
}

/* UDP: two sockets connected to each other over 127.0.0.1; a 0-byte datagram ends. */
static void udp_echo_child(int fd)
{
    char c;
    while (recv(fd, &c, 1, 0) == 1)
        if (send(fd, &c, 1, 0) != 1)
            _exit(1);
}

static int udp_rtt_parent(int n, int fd)
{
    char c = 'x';
    for (int i = 0; i < n; i++)
        if (send(fd, &c, 1, 0) != 1 || recv(fd, &c, 1, 0) != 1)
            return -1;
    return send(fd, &c, 0, 0) == 0 ? 0 : -1;
}

static int body_udp_rtt(int n)
{
    struct sockaddr_in sa[2];
    int fd[2];
    for (int i = 0; i < 2; i++) {
        socklen_t len = sizeof(sa[i]);
        sa[i] = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
        if (fd[i] < 0 || bind(fd[i], (struct sockaddr *)&sa[i], sizeof(sa[i])) ||
            getsockname(fd[i], (struct sockaddr *)&sa[i], &len))
            return -1;
    }
    if (connect(fd[0], (struct sockaddr *)&sa[1], sizeof(sa[1])) ||
        connect(fd[1], (struct sockaddr *)&sa[0], sizeof(sa[0])))
        return -1;
    return with_child(fd[0], fd[1], n, udp_echo_child, udp_rtt_parent);
}

/* Throughput: the child sends n MiB in 64 KiB writes, the parent reads them all. */
static int stream_mib;
static void sink_child(int fd)
{
    static char buf[65536];
    for (int i = 0; i < stream_mib * 16; i++)
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            _exit(1);
}

static int stream_parent(int n, int fd)
{
    static char buf[65536];
    long long want = (long long)n << 20, got = 0;
    ssize_t r;
    while (got < want && (r = read(fd, buf, sizeof(buf))) > 0)
        got += r;
    return got == want ? 0 : -1;
}

static int body_tcp_stream(int n)
{
    int c, a;
    stream_mib = n;
    return tcp_pair(&c, &a) < 0 ? -1 : with_child(c, a, n, sink_child, stream_parent);
}

/* epoll: two threads bounce a count through two eventfds, each waiting in epoll_wait. */
static int efd[2];
static int epoll_rounds;
static int epoll_wait_read(int ep, int fd)
{
    struct epoll_event ev;
    uint64_t v;
    if (epoll_wait(ep, &ev, 1, 10000) != 1 || read(fd, &v, sizeof(v)) != sizeof(v))
        return -1;
    return 0;
}

static int epoll_on(int fd)
{
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    if (ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        close(ep);
        return -1;
    }
    return ep;
}

static void *epoll_pong(void *arg)
{
    (void)arg;
    uint64_t one = 1;
    int ep = epoll_on(efd[0]);
    for (int i = 0; ep >= 0 && i < epoll_rounds; i++)
        if (epoll_wait_read(ep, efd[0]) < 0 || write(efd[1], &one, sizeof(one)) != sizeof(one))
            break;
    if (ep >= 0)
        close(ep);
    return NULL;
}

static int body_epoll_rtt(int n)
{
    uint64_t one = 1;
    pthread_t t;
    int rc = 0;
    efd[0] = eventfd(0, 0);
    efd[1] = eventfd(0, 0);
    int ep = epoll_on(efd[1]);
    epoll_rounds = n;
    if (efd[0] < 0 || efd[1] < 0 || ep < 0 || pthread_create(&t, NULL, epoll_pong, NULL))
        return -1;
    for (int i = 0; i < n && rc == 0; i++)
        if (write(efd[0], &one, sizeof(one)) != sizeof(one) || epoll_wait_read(ep, efd[1]) < 0)
            rc = -1;
    pthread_join(t, NULL);
    close(ep);
    close(efd[0]);
    close(efd[1]);
    return rc;
}

void bench_net(void)
{
    lo_up();
    timed("tcp_lo_rtt_ns", pick(5, 2000, 100), body_tcp_rtt, 1.0, "ns");
    timed("udp_lo_rtt_ns", pick(5, 2000, 100), body_udp_rtt, 1.0, "ns");
    timed("tcp_lo_us_per_mib", pick(3, 32, 2), body_tcp_stream, 1000.0, "us");
    timed("epoll_eventfd_rtt_ns", pick(5, 2000, 100), body_epoll_rtt, 1.0, "ns");
}
