/* AF_INET and AF_INET6 internals shared by inet_sock.c (the sockets, their data
 * and waits), inet_addr.c (their addresses) and inet_opts.c (get/setsockopt). */
#pragma once

#include <osc/net.h>
#include <osc/sched.h>

#include "lwip/api.h"

#define TCP_NODELAY     1
#define TCP_MAXSEG      2
#define TCP_CORK        3
#define TCP_INFO        11
#define TCP_QUICKACK    12
#define IP_TOS          1
#define IP_TTL          2
#define IP_MTU_DISCOVER 10
#define IP_PMTUDISC_WANT 1          /* Linux's default (net.ipv4.ip_no_pmtu_disc 0) */
#define IP_PMTUDISC_OMIT 5          /* the largest mode */
#define SO_PRIORITY     12
#define SO_REUSEPORT    15
#define IP_MULTICAST_IF    32
#define IP_MULTICAST_TTL   33
#define IP_MULTICAST_LOOP  34
#define IP_ADD_MEMBERSHIP  35
#define IP_DROP_MEMBERSHIP 36
#define INET_MCAST_MAX     20       /* Linux's net.ipv4.igmp_max_memberships */

/* A socket's multicast memberships (inet_mcast.c), left at its close. */
struct inet_mcast {
    int n;
    uint32_t group[INET_MCAST_MAX];         /* network order */
    uint8_t ifindex[INET_MCAST_MAX];
};
#define IPPROTO_ICMP_K  1
#define IP_RECVERR      11
#define IPV6_UNICAST_HOPS 16
#define IPV6_RECVERR    25
#define IPV6_V6ONLY     26
#define IPV6_RECVPKTINFO 49
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

/* Linux struct sockaddr_in6 (28 bytes). */
struct sockaddr_in6_k {
    uint16_t family;
    uint16_t port;                  /* network order */
    uint32_t flowinfo;
    uint8_t addr[16];
    uint32_t scope_id;
};

#define INET_RX_AHEAD   16          /* chains a peek looks ahead at most */

struct inet_sock {
    struct netconn *conn;
    /* poll/select/epoll hook here: woken by this socket's events only (its
     * mailbox's owner), so an edge-triggered epoll item sees its own edges. */
    struct waitqueue wq;
    int type;                       /* SOCK_STREAM or SOCK_DGRAM (raw ones too) */
    bool v6;                        /* AF_INET6: an IPv6 netconn (dual stack) */
    bool raw;                       /* SOCK_RAW IPPROTO_ICMP: whole IP packets in */
    bool ping;                      /* SOCK_DGRAM IPPROTO_ICMP (inet_ping.c) */
    u16_t ping_id;                  /* its echo identifier, 0: none yet (atomic) */
    struct inet_sock *ping_next;    /* inet_ping.c's list, under its ping_ids lock */
    /* Under rx_lock: a received TCP segment chain not yet read whole, the stream's
     * end seen, shutdown(SHUT_RD), an error to report next. One reader at a time. */
    struct mutex rx_lock;
    struct pbuf *rx;
    u16_t rx_off;
    /* MSG_PEEK's look-ahead: chains taken from the mailbox to be seen after
     * s->rx, in order, not yet read (rx_ahead_bytes in all), then the error or
     * end a peek met behind them (rx_ahead_err, reported once they are read). */
    struct pbuf *rx_ahead[INET_RX_AHEAD];
    u8_t rx_ahead_n;
    uint32_t rx_ahead_bytes;
    int rx_ahead_err;
    struct netbuf *dgram;           /* UDP: taken by MSG_PEEK or FIONREAD, not yet read */
    uint32_t dgram_len;             /* its length, for /proc/net/udp (atomic) */
    bool eof, rd_shut;
    int rx_err;                     /* -errno met after data was read: the next read's */
    /* Under tx_lock: one sender at a time (a netconn has one completion semaphore). */
    struct mutex tx_lock;
    bool wr_shut;
    bool listening;                 /* set once by listen, before waiters look */
    bool udp_connected;             /* a UDP socket has a default destination */
    bool connected;                 /* TCP: connect (begun) or accept succeeded */
    bool pcb_released;              /* lwIP ended its PCB (tcp_timewait.c; atomic) */
    uint64_t rcvtimeo, sndtimeo;    /* SO_RCVTIMEO/SO_SNDTIMEO in ns, 0: none (atomic) */
    bool recverr;                   /* IP_RECVERR: kept and reported (no error queue) */
    bool broadcast;                 /* SO_BROADCAST (atomic) */
    bool reuseaddr, reuseport;      /* SO_REUSEADDR, SO_REUSEPORT (core lock) */
    /* Kept and reported as Linux does; lwIP has no use for them (no queueing
     * disciplines, no DF bit or path MTU, no delayed-ACK switch): atomic. */
    int priority;                   /* SO_PRIORITY */
    int pmtudisc;                   /* IP_MTU_DISCOVER, IP_PMTUDISC_WANT at first */
    bool quickack_off;              /* TCP_QUICKACK 0 */
    bool pktinfo;                   /* IP_PKTINFO: receives carry struct in_pktinfo */
    bool pktinfo6;                  /* IPV6_RECVPKTINFO: ... struct in6_pktinfo */
    /* Under the tcpip core lock: */
    bool cork;                      /* TCP_CORK: uncorking pushes what was written */
    int user_mss;                   /* TCP_MAXSEG before the connection (0: none) */
    struct inet_mcast *mcast;       /* groups joined (NULL: none yet) */
    int mcast_ttl;                  /* IP_MULTICAST_TTL, 1 at first */
    bool mcast_noloop;              /* IP_MULTICAST_LOOP 0 */
    uint32_t mcast_if;              /* IP_MULTICAST_IF's address (0: the route's) */
    /* Under the tcpip core lock: */
    int rcvbuf, sndbuf;             /* SO_RCVBUF/SO_SNDBUF as set (doubled); 0: default */
    bool linger_on;                 /* SO_LINGER */
    bool src_by_connect;            /* UDP: connect chose the source address */
    int linger_secs;
    /* Set at creation: socket:[ino] in /proc/<pid>/fd and /proc/net/tcp's inode and
     * uid (the creator's fsuid, as Linux's socket inode). */
    uint64_t ino;
    uint32_t uid;
};

/* inet_sock.c: the socket whose netconn conn is (NULL: none, or not yet accepted).
 * Tcpip core lock held, under which the socket cannot go. */
struct inet_sock *inet_sock_of_conn(struct netconn *conn);
/* inet_sock.c: whether pcb is a socket's (a netconn's) UDP PCB, not one of
 * lwIP's own (DHCP, DNS). Tcpip core lock. */
struct udp_pcb;
bool inet_is_netconn_udp(const struct udp_pcb *pcb);
/* inet_sock.c: wakes conn's socket's poll queue (tcpip core lock held). */
void inet_wake_owner(struct netconn *conn);
/* tcp_timewait.c: conn drops its PCB once that is in TIME-WAIT (core lock). */
void inet_tw_release(struct netconn *conn);
void inet_tcp_watch(struct netconn *conn, bool on);

/* inet_mcast.c: the IP_MULTICAST_* and membership options (level IPPROTO_IP);
 * init at creation (Linux's defaults on the UDP PCB), release at close. */
bool inet_mcast_opt(int opt);
int inet_mcast_setsockopt(struct inet_sock *s, int opt, const void *val, uint32_t len);
int inet_mcast_getsockopt(struct inet_sock *s, int opt, void *val, uint32_t *len);
void inet_mcast_init(struct inet_sock *s);
void inet_mcast_release(struct inet_sock *s);

/* inet_pktinfo.c: a received UDP datagram's in_pktinfo / in6_pktinfo into scm
 * (when the socket asked for them), and a send with the source and interface
 * scm's IP_PKTINFO or IPV6_PKTINFO names. */
struct scm_k;
void inet_pktinfo_fill(struct inet_sock *s, struct netbuf *nb, struct scm_k *scm);
int inet_pktinfo_send(struct inet_sock *s, struct netbuf *nb, const ip_addr_t *dst, u16_t port,
                      const struct scm_k *scm);

/* inet_reuse.c: who may share a port (core lock unless said). inet_reuse_check:
 * 0, or -EADDRINUSE when a socket on ip:port may not share it with s (before
 * lwIP's bind). inet_reuse_listen_begin (takes the lock): -EADDRINUSE when a
 * listener there may not share; *restore says inet_reuse_listen_end must give
 * the PCB back its sharing flag after netconn_listen. inet_reuse_set: an
 * option's new value. */
int inet_reuse_check(struct inet_sock *s, const ip_addr_t *ip, u16_t port);
int inet_reuse_listen_begin(struct inet_sock *s, bool *restore);
void inet_reuse_listen_end(struct inet_sock *s, bool restore);
void inet_reuse_set(struct inet_sock *s, int opt, bool on);

/* procnet.c: Linux's number (TCP_ESTABLISHED 1 ... TCP_CLOSING 11) of lwIP's state. */
enum tcp_state;
unsigned inet_tcp_state_linux(enum tcp_state st);

/* inet_ping.c: ping sockets. net.ipv4.ping_group_range is fixed: every group. */
#define PING_GROUP_LO 0u
#define PING_GROUP_HI 2147483647u
int inet_ping_allowed(void);                    /* 0 or -EACCES */
void inet_ping_setup(struct inet_sock *s);      /* after sock_new: the reply filter */
int inet_ping_bind(struct inet_sock *s, const ip_addr_t *ip, u16_t port);
void inet_ping_release(struct inet_sock *s);
/* dst NULL: the connected address. */
ssize_t inet_ping_send(struct inet_sock *s, const void *buf, size_t n, const ip_addr_t *dst);

/* inet_addr.c: a user's socket address as lwIP's (0 or -errno, Linux's checks
 * for what it is used for), and lwIP's as the socket's family's (v4-mapped
 * IPv4 for an AF_INET6 socket). */
enum inet_addr_use { INET_ADDR_BIND, INET_ADDR_CONNECT, INET_ADDR_SENDTO };
int inet_addr_from(struct inet_sock *s, const struct sock_addr *a, enum inet_addr_use use,
                   ip_addr_t *ip, u16_t *port);
void inet_addr_to(const struct inet_sock *s, struct sock_addr *a, const ip_addr_t *ip,
                  u16_t port);
int inet_bind(struct inet_sock *s, const ip_addr_t *ip, u16_t port);   /* not ping's */
bool inet_v6only(const struct inet_sock *s);    /* IPV6_V6ONLY set */
int inet_set_v6only(struct inet_sock *s, bool on);
void inet_udp_local_any(const struct inet_sock *s, ip_addr_t *ip);     /* core lock */

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

/* inet_wait.c: what blocking calls wait for. The conditions are racy looks at
 * lwIP's state (pointers into static pools, flags that only move one way);
 * inet_cond_now looks under lwip_port_mbox_wq's lock, which every wake takes. */
bool inet_tcp_gone(struct inet_sock *s);       /* lwIP let go of the connection */
bool inet_readable(struct inet_sock *s);
bool inet_writable(struct inet_sock *s);
bool inet_connect_done(struct inet_sock *s);
bool inet_cond_now(struct inet_sock *s, bool (*cond)(struct inet_sock *));
/* Sleeps until cond(s) (0), a signal (-EINTR) or the deadline (time_ns(); 0:
 * none) passes (-EAGAIN). */
int inet_wait_for(struct inet_sock *s, bool (*cond)(struct inet_sock *), uint64_t deadline);
uint64_t inet_deadline_of(const uint64_t *timeo);      /* now + *timeo, 0: none */

/* inet_tcp_recv.c, under s->rx_lock: one receive of up to n bytes (MSG_PEEK
 * honoured): a count, 0 at the stream's end, -EAGAIN when nothing is there yet,
 * or the error to report. */
ssize_t inet_tcp_recv_locked(struct inet_sock *s, void *buf, size_t n, int flags);
