/* AF_INET internals shared by inet_sock.c (the sockets, their data and waits) and
 * inet_opts.c (get/setsockopt). */
#pragma once

#include <osc/net.h>
#include <osc/sched.h>

#include "lwip/api.h"

#define TCP_NODELAY     1
#define IP_TTL          2
#define IPPROTO_ICMP_K  1
#define IP_RECVERR      11
#define SO_KEEPALIVE    9
#define SO_LINGER       13
#define SO_BROADCAST    6
#define TCP_KEEPIDLE    4
#define TCP_KEEPINTVL   5
#define TCP_KEEPCNT     6
#define BUF_MAX         212992      /* Linux's rmem_max/wmem_max and UDP default */
#define RCVBUF_MIN      2304        /* Linux's SOCK_MIN_RCVBUF (x86_64) */
#define SNDBUF_MIN      4608        /* Linux's SOCK_MIN_SNDBUF */

/* lwIP reports a refused connect (a reset answering the SYN) as ERR_RST and one
 * that timed out as ERR_ABRT, like any later reset or abort; inet_event renames
 * them while the connect is under way so SO_ERROR and connect can say which. */
#define ERR_PORT_REFUSED  ((err_t)-64)
#define ERR_PORT_TIMEDOUT ((err_t)-65)

struct sockaddr_in_k {
    uint16_t family;
    uint16_t port;                  /* network order */
    uint32_t addr;                  /* network order */
    uint8_t zero[8];
};

struct inet_sock {
    struct netconn *conn;
    /* poll/select/epoll hook here: woken by this socket's events only (its
     * mailbox's owner), so an edge-triggered epoll item sees its own edges. */
    struct waitqueue wq;
    int type;                       /* SOCK_STREAM or SOCK_DGRAM (raw ones too) */
    bool raw;                       /* SOCK_RAW IPPROTO_ICMP: whole IP packets in */
    /* Under rx_lock: a received TCP segment chain not yet read whole, the stream's
     * end seen, shutdown(SHUT_RD), an error to report next. One reader at a time. */
    struct mutex rx_lock;
    struct pbuf *rx;
    u16_t rx_off;
    struct netbuf *dgram;           /* UDP: taken by MSG_PEEK or FIONREAD, not yet read */
    bool eof, rd_shut;
    int rx_err;                     /* -errno met after data was read: the next read's */
    /* Under tx_lock: one sender at a time (a netconn has one completion semaphore). */
    struct mutex tx_lock;
    bool wr_shut;
    bool listening;                 /* set once by listen, before waiters look */
    bool udp_connected;             /* a UDP socket has a default destination */
    bool connected;                 /* TCP: connect (begun) or accept succeeded */
    uint64_t rcvtimeo, sndtimeo;    /* SO_RCVTIMEO/SO_SNDTIMEO in ns, 0: none (atomic) */
    bool recverr;                   /* IP_RECVERR: kept and reported (no error queue) */
    bool broadcast;                 /* SO_BROADCAST (atomic) */
    /* Under the tcpip core lock: */
    int rcvbuf, sndbuf;             /* SO_RCVBUF/SO_SNDBUF as set (doubled); 0: default */
    bool linger_on;                 /* SO_LINGER */
    int linger_secs;
};

/* lwIP's errors as Linux errnos (negative). */
int inet_errno(err_t err);
/* inet_opts.c: the family's get/setsockopt (struct sock_family's contract). */
int inet_getsockopt(void *p, int level, int opt, void *val, uint32_t *len);
int inet_setsockopt(void *p, int level, int opt, const void *val, uint32_t len);
/* inet_opts.c: FIONREAD (SIOCINQ) and SIOCOUTQ. */
long inet_ioctl(struct file *f, unsigned int cmd, uint64_t arg);
/* inet_sock.c: under rx_lock, the next datagram kept in s->dgram (fetched without
 * waiting); 0 or -EAGAIN / another -errno. */
int inet_udp_hold_locked(struct inet_sock *s);
