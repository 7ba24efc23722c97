/* AF_INET and AF_INET6 sockets (TCP and UDP) for user programs on lwIP netconns
 * (AF_INET6: an IPv6 netconn, dual stack; inet_addr.c maps the addresses).
 * socket.c does the user memory and descriptors; here each call becomes netconn calls made
 * without blocking inside lwIP (NETCONN_DONTBLOCK, a non-blocking listener or
 * connect), and a blocking socket waits itself, interruptibly, on
 * lwip_port_mbox_wq, which every post to a netconn's mailbox and every netconn
 * event wakes (a blocking TCP send too: it queues what fits and waits for room).
 * poll and epoll wait on the socket's own queue (s->wq), woken by its mailbox's
 * posts and its netconn's events only. */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/net.h>
#include <osc/net_stack.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/time.h>
#include <osc/vfs.h>

#include "lwip/api.h"
#include "lwip/icmp.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/netif.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "port.h"

#include "inet_internal.h"

#define SOCKFS_MAGIC    0x534F434Bu
#define UDP_MAX         65507       /* 65535 - IPv4 header - UDP header */
#define UDP6_MAX        65527       /* 65535 - UDP header (IPv6's is outside the length) */
#define RAW_MAX         65515       /* 65535 - IPv4 header */

static const struct file_ops inet_ops;

void *inet_of(struct file *f)
{
    return f && f->ops == &inet_ops ? f->priv : NULL;
}

/* lwIP's errors as Linux errnos. */
int inet_errno(err_t err)
{
    switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: return -ENOMEM;
    case ERR_BUF: return -ENOBUFS;
    case ERR_TIMEOUT: case ERR_WOULDBLOCK: return -EAGAIN;
    case ERR_RTE: return -EHOSTUNREACH;
    case ERR_INPROGRESS: return -EINPROGRESS;
    case ERR_VAL: return -EINVAL;
    case ERR_USE: return -EADDRINUSE;
    case ERR_ALREADY: return -EALREADY;
    case ERR_ISCONN: return -EISCONN;
    case ERR_CONN: case ERR_CLSD: return -ENOTCONN;
    case ERR_ABRT: return -ECONNABORTED;
    case ERR_RST: return -ECONNRESET;
    case ERR_PORT_REFUSED: return -ECONNREFUSED;
    case ERR_PORT_TIMEDOUT: return -ETIMEDOUT;
    default: return -EIO;
    }
}

static struct inet_sock *sock_new(struct netconn *conn, int type)
{
    struct inet_sock *s = kzalloc(sizeof(*s));
    if (!s)
        return NULL;
    s->conn = conn;
    s->type = type;
    s->pmtudisc = IP_PMTUDISC_WANT;
    waitqueue_init(&s->wq);
    s->ino = sock_ino_alloc();
    struct process *p = proc_current();
    s->uid = p ? p->fsuid : 0;
    mutex_init(&s->rx_lock, "inet_rx", 46);
    mutex_init(&s->tx_lock, "inet_tx", 46);
    return s;
}

/* Makes s->wq the owner of its netconn's current mailbox (the accept mailbox of a
 * listener, else the receive one), or none. */
static void own_mbox(struct inet_sock *s, bool own)
{
    LOCK_TCPIP_CORE();
    sys_mbox_t m = sys_mbox_valid(&s->conn->acceptmbox) ? s->conn->acceptmbox
                                                         : s->conn->recvmbox;
    if (sys_mbox_valid(&m))
        lwip_port_mbox_set_owner(m, own ? &s->wq : NULL);
    UNLOCK_TCPIP_CORE();
}

/* Wakes conn's socket's poll queue (tcpip core lock held, so the socket cannot be
 * freed meanwhile: inet_release drops ownership under it). */
void inet_wake_owner(struct netconn *conn)
{
    if (sys_mbox_valid(&conn->acceptmbox))
        lwip_port_mbox_wake_owner(conn->acceptmbox);
    else if (sys_mbox_valid(&conn->recvmbox))
        lwip_port_mbox_wake_owner(conn->recvmbox);
}

struct inet_sock *inet_sock_of_conn(struct netconn *conn)
{
    if (!conn)
        return NULL;
    sys_mbox_t m = sys_mbox_valid(&conn->acceptmbox) ? conn->acceptmbox : conn->recvmbox;
    struct waitqueue *wq = sys_mbox_valid(&m) ? lwip_port_mbox_owner(m) : NULL;
    return wq ? container_of(wq, struct inet_sock, wq) : NULL;
}

static int file_for(struct inet_sock *s, bool nonblock, struct file **out)
{
    struct file *f = sock_file_alloc(&inet_ops, nonblock);
    if (!f)
        return -ENOMEM;
    sock_file_name(f, s->ino);
    f->priv = s;
    *out = f;
    return 0;
}

/* lwIP's event callback (a connection done or failed, data, room to send): wakes
 * every AF_INET sleeper, which re-checks its own socket. Runs in the tcpip thread
 * or a netconn caller, never in an interrupt. */
static void inet_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
    (void)len;
    /* err_tcp (tcpip thread, core lock) raises the error while the flag of a
     * connect under way is still set. */
    if (evt == NETCONN_EVT_ERROR && (conn->flags & NETCONN_FLAG_IN_NONBLOCKING_CONNECT)) {
        if (conn->pending_err == ERR_RST)
            conn->pending_err = ERR_PORT_REFUSED;
        else if (conn->pending_err == ERR_ABRT)
            conn->pending_err = ERR_PORT_TIMEDOUT;
    }
    /* The minus events (data taken, the send buffer filled) come from callers
     * outside the core lock and make nothing ready: no one is woken (a sleeping
     * sender was woken for every segment its reader took). The others come
     * under it. */
    if (evt == NETCONN_EVT_RCVMINUS || evt == NETCONN_EVT_SENDMINUS)
        return;
    if (evt == NETCONN_EVT_RCVPLUS || evt == NETCONN_EVT_SENDPLUS)
        inet_tw_release(conn);
    waitqueue_wake_all(&lwip_port_mbox_wq);
    inet_wake_owner(conn);
}

/* lwIP's receive function of a netconn's UDP PCB (recv_udp, static in lwIP), to
 * tell netconns' PCBs from lwIP's own (DHCP, DNS). Tcpip core lock. */
static udp_recv_fn netconn_udp_recv;

bool inet_is_netconn_udp(const struct udp_pcb *pcb)
{
    return netconn_udp_recv && pcb->recv == netconn_udp_recv && pcb->recv_arg;
}

/* A raw ICMP socket, as Linux's: root's (CAP_NET_RAW), every ICMP packet the
 * host receives comes whole (IP header first) and sends are ICMP messages the
 * stack puts an IP header on (busybox ping). */
static int raw_create(int protocol, struct netconn **conn)
{
    if (protocol != IPPROTO_ICMP_K)
        return -EPROTONOSUPPORT;        /* also IPPROTO_RAW and the rest */
    if (!proc_capable(proc_current(), CAP_NET_RAW))
        return -EPERM;
    *conn = netconn_new_with_proto_and_callback(NETCONN_RAW, IP_PROTO_ICMP, inet_event);
    return *conn ? 0 : -ENOBUFS;
}

int inet_create(int domain, int type, int protocol, bool nonblock, struct file **out)
{
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_RAW)
        return -ESOCKTNOSUPPORT;
    bool v6 = domain == AF_INET6;
    /* No raw or ping sockets for IPv6 (ICMPv6) yet. */
    if (v6 && (type == SOCK_RAW || (protocol != IPPROTO_IP &&
               protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))))
        return -EPROTONOSUPPORT;
    bool ping = type == SOCK_DGRAM && protocol == IPPROTO_ICMP_K;
    if (type != SOCK_RAW && protocol != IPPROTO_IP && !ping &&
        protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
        return -EPROTONOSUPPORT;
    if (!net_stack_ready())
        return -EAFNOSUPPORT;
    struct netconn *conn = NULL;
    bool raw = type == SOCK_RAW;
    if (ping) {
        int err = inet_ping_allowed();
        if (err)
            return err;
        conn = netconn_new_with_proto_and_callback(NETCONN_RAW, IP_PROTO_ICMP, inet_event);
    } else if (raw) {
        int err = raw_create(protocol, &conn);
        if (err)
            return err;
        type = SOCK_DGRAM;              /* datagrams from here on */
    } else {
        enum netconn_type nt = type == SOCK_STREAM ? NETCONN_TCP : NETCONN_UDP;
        conn = netconn_new_with_callback(v6 ? (enum netconn_type)(nt | NETCONN_TYPE_IPV6) : nt,
                                         inet_event);
    }
    if (!conn)
        return -ENOBUFS;
    struct inet_sock *s = sock_new(conn, type);
    if (s) {
        s->v6 = v6;
        s->raw = raw;
        s->ping = ping;
        if (ping)
            inet_ping_setup(s);
        inet_mcast_init(s);
    }
    if (s && type == SOCK_STREAM)
        inet_tcp_watch(conn, true);
    if (raw || ping) {
        netconn_set_recvbufsize(conn, BUF_MAX);
    } else if (type == SOCK_DGRAM) {
        netconn_set_recvbufsize(conn, BUF_MAX);     /* Linux's default, as reported */
        LOCK_TCPIP_CORE();
        if (conn->pcb.udp)
            netconn_udp_recv = conn->pcb.udp->recv;
        UNLOCK_TCPIP_CORE();
    }
    int err = s ? file_for(s, nonblock, out) : -ENOMEM;
    if (err) {
        netconn_delete(conn);           /* first: a ping socket's PCB points at s */
        kfree(s);
    } else {
        own_mbox(s, true);
    }
    return err;
}

/* ---- the family's calls ---- */
static int in_bind(void *p, const struct sock_addr *a)
{
    struct inet_sock *s = p;
    ip_addr_t ip;
    u16_t port;
    int err = inet_addr_from(s, a, INET_ADDR_BIND, &ip, &port);
    if (!err && s->ping)
        return inet_ping_bind(s, &ip, port);
    return err ? err : inet_bind(s, &ip, port);
}

static int in_listen(void *p, int backlog)
{
    struct inet_sock *s = p;
    if (s->type != SOCK_STREAM)
        return -EOPNOTSUPP;
    if (s->listening)
        return 0;
    backlog = backlog < 1 ? 1 : backlog > 255 ? 255 : backlog;
    bool restore;
    int err = inet_reuse_listen_begin(s, &restore);
    if (err)
        return err;
    inet_tcp_watch(s->conn, false);     /* the listening PCB is lwIP's new one */
    err = inet_errno(netconn_listen_with_backlog(s->conn, (u8_t)backlog));
    inet_reuse_listen_end(s, restore);
    if (err)
        inet_tcp_watch(s->conn, true);
    if (!err) {
        netconn_set_nonblocking(s->conn, 1);    /* accept never blocks inside lwIP */
        own_mbox(s, true);                      /* now the accept mailbox */
        __atomic_store_n(&s->listening, true, __ATOMIC_RELEASE);
        waitqueue_wake_all(&s->wq);
    }
    return err;
}

/* UDP, under the tcpip core lock: as Linux, connect fixes an unbound source
 * address to the one the route to the peer gives (getsockname tells it), and a
 * disconnect lets go of it again. */
static void udp_source_for(struct inet_sock *s, const ip_addr_t *peer)
{
    struct udp_pcb *u = s->conn->pcb.udp;
    if (!u || !ip_addr_isany(&u->local_ip))
        return;
    if (IP_IS_V6(peer)) {
        struct netif *n = ip6_route(IP6_ADDR_ANY6, ip_2_ip6(peer));
        const ip_addr_t *src = n ? ip6_select_source_address(n, ip_2_ip6(peer)) : NULL;
        if (src) {
            ip_addr_copy(u->local_ip, *src);
            s->src_by_connect = true;
        }
        return;
    }
    struct netif *n = ip4_route(ip_2_ip4(peer));
    if (n && !ip4_addr_isany_val(*netif_ip4_addr(n))) {
        ip_addr_copy(u->local_ip, *netif_ip_addr4(n));
        s->src_by_connect = true;
    }
}

/* connect(AF_UNSPEC) on a UDP socket: no default destination any more. */
static int udp_disconnect_sock(struct inet_sock *s)
{
    err_t e = netconn_disconnect(s->conn);
    if (e != ERR_OK)
        return inet_errno(e);
    __atomic_store_n(&s->udp_connected, false, __ATOMIC_RELEASE);
    LOCK_TCPIP_CORE();
    if (s->src_by_connect && s->conn->pcb.udp)
        inet_udp_local_any(s, &s->conn->pcb.udp->local_ip);
    s->src_by_connect = false;
    UNLOCK_TCPIP_CORE();
    return 0;
}

static int in_connect(void *p, const struct sock_addr *a, bool nonblock)
{
    struct inet_sock *s = p;
    ip_addr_t ip;
    u16_t port;
    bool plain_udp = s->type == SOCK_DGRAM && !s->raw && !s->ping;
    if (plain_udp && a->len >= sizeof(a->a.family) && a->a.family == AF_UNSPEC)
        return udp_disconnect_sock(s);
    int err = inet_addr_from(s, a, INET_ADDR_CONNECT, &ip, &port);
    if (err)
        return err;
    if (s->listening)
        return -EISCONN;
    /* TCP: started without blocking inside lwIP; a blocking socket then waits here,
     * interruptibly, until SO_SNDTIMEO (-EINPROGRESS, as Linux). */
    if (s->type == SOCK_STREAM)
        netconn_set_nonblocking(s->conn, 1);
    err_t e = netconn_connect(s->conn, &ip, port);
    netconn_set_nonblocking(s->conn, 0);
    if (e == ERR_INPROGRESS && !nonblock) {
        __atomic_store_n(&s->connected, true, __ATOMIC_RELEASE);
        err = inet_wait_for(s, inet_connect_done, inet_deadline_of(&s->sndtimeo));
        if (err)
            return err == -EAGAIN ? -EINPROGRESS : err;
        e = s->conn->pcb.tcp ? ERR_OK : netconn_err(s->conn);
        if (e == ERR_OK && !s->conn->pcb.tcp)
            e = ERR_CLSD;
        if (e != ERR_OK)
            __atomic_store_n(&s->connected, false, __ATOMIC_RELEASE);
    }
    if (e == ERR_OK && s->type == SOCK_DGRAM) {
        if (plain_udp) {
            LOCK_TCPIP_CORE();
            udp_source_for(s, &ip);
            UNLOCK_TCPIP_CORE();
        }
        __atomic_store_n(&s->udp_connected, true, __ATOMIC_RELEASE);
    }
    if ((e == ERR_OK || e == ERR_INPROGRESS) && s->type == SOCK_STREAM)
        __atomic_store_n(&s->connected, true, __ATOMIC_RELEASE);
    /* A refused TCP connection is a reset answering the SYN. */
    if (e == ERR_RST && s->type == SOCK_STREAM)
        return -ECONNREFUSED;
    return inet_errno(e);
}

static int in_accept(void *p, bool nonblock, bool new_nonblock, struct file **out,
                     struct sock_addr *peer)
{
    struct inet_sock *s = p;
    if (!s->listening)
        return -EINVAL;
    uint64_t deadline = inet_deadline_of(&s->rcvtimeo);
    for (;;) {
        struct netconn *nc = NULL;
        err_t e = netconn_accept(s->conn, &nc);
        if (e == ERR_OK) {
            struct inet_sock *ns = sock_new(nc, SOCK_STREAM);
            if (ns) {
                inet_tcp_watch(nc, true);
                ns->connected = true;
                ns->reuseaddr = s->reuseaddr;   /* inherited, as Linux's clone */
                ns->reuseport = s->reuseport;
                ns->v6 = s->v6;
                if (inet_v6only(s))
                    __atomic_or_fetch(&nc->flags, NETCONN_FLAG_IPV6_V6ONLY, __ATOMIC_RELAXED);
            }
            int err = ns ? file_for(ns, new_nonblock, out) : -ENOMEM;
            if (err) {
                kfree(ns);
                netconn_delete(nc);
                return err;
            }
            own_mbox(ns, true);
            ip_addr_t ip;
            u16_t port = 0;
            ip_addr_set_zero_ip4(&ip);
            netconn_peer(nc, &ip, &port);
            inet_addr_to(ns, peer, &ip, port);
            return 0;
        }
        if (e != ERR_WOULDBLOCK)
            return e == ERR_ABRT ? -ECONNABORTED : inet_errno(e);
        if (nonblock)
            return -EAGAIN;
        int err = inet_wait_for(s, inet_readable, deadline);
        if (err)
            return err;
    }
}

/* Queues what fits without blocking inside lwIP; a blocking send then waits for
 * room, interruptibly, until SO_SNDTIMEO. As Linux: what was queued when a signal
 * or the timeout came, else -EINTR / -EAGAIN. */
static ssize_t tcp_send(struct inet_sock *s, const void *buf, size_t n, bool nonblock)
{
    uint64_t deadline = nonblock ? 0 : inet_deadline_of(&s->sndtimeo);
    size_t done = 0;
    for (;;) {
        size_t written = 0;
        err_t e = netconn_write_partly(s->conn, (const uint8_t *)buf + done, n - done,
                                       NETCONN_COPY | NETCONN_DONTBLOCK, &written);
        done += written;
        if (e != ERR_OK && e != ERR_WOULDBLOCK && e != ERR_MEM)
            return done ? (ssize_t)done : inet_errno(e);
        if (done == n)
            return (ssize_t)done;
        if (nonblock)
            return done ? (ssize_t)done : -EAGAIN;
        /* lwIP out of segments or pbufs while its buffer has room: retry soon. */
        uint64_t until = deadline;
        bool short_wait = !written && inet_cond_now(s, inet_writable);
        if (short_wait) {
            uint64_t soon = time_ns() + 10000000u;
            until = deadline && deadline < soon ? deadline : soon;
        }
        int err = inet_wait_for(s, inet_writable, until);
        if (err == -EAGAIN && short_wait && (!deadline || time_ns() < deadline))
            err = 0;
        if (err)
            return done ? (ssize_t)done : err;
    }
}

static ssize_t udp_sock_send(struct inet_sock *s, const void *buf, size_t n,
                             const struct sock_addr *dst, const struct scm_k *scm)
{
    if (n > (s->raw || s->ping ? RAW_MAX : s->v6 ? UDP6_MAX : UDP_MAX))
        return -EMSGSIZE;
    ip_addr_t ip;
    u16_t port = 0;
    /* AF_INET6: an AF_UNSPEC address is none (Linux's udpv6_sendmsg). */
    if (dst && s->v6 && dst->len >= sizeof(dst->a.family) && dst->a.family == AF_UNSPEC)
        dst = NULL;
    if (dst) {
        int err = inet_addr_from(s, dst, INET_ADDR_SENDTO, &ip, &port);
        if (err)
            return err;
        /* Linux refuses a broadcast without SO_BROADCAST (here: 255.255.255.255). */
        if (IP_IS_V4_VAL(ip) && ip4_addr_get_u32(ip_2_ip4(&ip)) == IPADDR_BROADCAST &&
            !__atomic_load_n(&s->broadcast, __ATOMIC_RELAXED))
            return -EACCES;
    }
    if (s->ping) {
        if (!dst && !__atomic_load_n(&s->udp_connected, __ATOMIC_ACQUIRE))
            return -EDESTADDRREQ;
        return inet_ping_send(s, buf, n, dst ? &ip : NULL);
    }
    struct netbuf *nb = netbuf_new();
    if (!nb)
        return -ENOBUFS;
    err_t e;
    if (!netbuf_alloc(nb, (u16_t)n)) {
        e = ERR_MEM;
    } else {
        pbuf_take(nb->p, buf, (u16_t)n);
        if (scm && (scm->pktinfo_given || scm->pktinfo6_given)) {
            int err = inet_pktinfo_send(s, nb, dst ? &ip : NULL, port, scm);
            netbuf_delete(nb);
            return err ? err : (ssize_t)n;
        }
        if (dst)
            e = netconn_sendto(s->conn, nb, &ip, port);
        else if (!__atomic_load_n(&s->udp_connected, __ATOMIC_ACQUIRE))
            e = ERR_CONN;
        else
            e = netconn_send(s->conn, nb);
    }
    netbuf_delete(nb);
    if (e == ERR_CONN)
        return -EDESTADDRREQ;
    return e == ERR_OK ? (ssize_t)n : inet_errno(e);
}

/* scm: from AF_INET's ancillary data only IP_PKTINFO gets here (scm.c). */
static ssize_t in_send(void *p, const void *buf, size_t n, int flags, bool nonblock,
                       const struct sock_addr *dst, struct scm_k *scm)
{
    struct inet_sock *s = p;
    if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_EOR))
        return -EOPNOTSUPP;
    mutex_lock(&s->tx_lock);
    ssize_t r;
    if (s->wr_shut)
        r = -EPIPE;
    else if (s->type == SOCK_STREAM)
        r = s->listening ? -ENOTCONN : tcp_send(s, buf, n, nonblock);
    else
        r = udp_sock_send(s, buf, n, dst, scm);
    mutex_unlock(&s->tx_lock);
    /* A stream whose connection is gone (reset, or closed and freed). */
    if (r == -ENOTCONN && s->type == SOCK_STREAM && !s->listening && s->conn->pcb.tcp == NULL)
        r = -EPIPE;
    if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
        signal_send_current(SIGPIPE);
    return r;
}

int inet_udp_hold_locked(struct inet_sock *s)
{
    if (s->dgram)
        return 0;
    err_t e = netconn_recv_udp_raw_netbuf_flags(s->conn, &s->dgram, NETCONN_DONTBLOCK);
    if (e != ERR_OK)
        s->dgram = NULL;
    __atomic_store_n(&s->dgram_len, s->dgram ? netbuf_len(s->dgram) : 0, __ATOMIC_RELAXED);
    return inet_errno(e);
}

/* One datagram, kept for the next receive under MSG_PEEK. */
static ssize_t udp_recv_locked(struct inet_sock *s, void *buf, size_t n, int flags,
                               struct sock_addr *from, size_t *full, struct scm_k *scm)
{
    int err = inet_udp_hold_locked(s);
    if (err)
        return err;
    struct netbuf *nb = s->dgram;
    u16_t len = netbuf_len(nb);
    size_t k = MIN(n, (size_t)len);
    netbuf_copy(nb, buf, (u16_t)k);
    if (full)
        *full = len;
    if (from)                           /* a raw socket's port: 0, as Linux */
        inet_addr_to(s, from, netbuf_fromaddr(nb), s->raw || s->ping ? 0 : netbuf_fromport(nb));
    inet_pktinfo_fill(s, nb, scm);
    if (!(flags & MSG_PEEK)) {
        netbuf_delete(nb);
        s->dgram = NULL;
        __atomic_store_n(&s->dgram_len, 0, __ATOMIC_RELAXED);
    }
    return (ssize_t)k;
}

static ssize_t in_recv(void *p, void *buf, size_t n, int flags, bool nonblock,
                       struct sock_addr *from, size_t *full, struct scm_k *scm)
{
    struct inet_sock *s = p;
    if (flags & ~(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_TRUNC | MSG_NOSIGNAL |
                  MSG_CMSG_CLOEXEC))
        return -EOPNOTSUPP;
    if (s->listening)
        return -ENOTCONN;
    uint64_t deadline = inet_deadline_of(&s->rcvtimeo);
    for (;;) {
        mutex_lock(&s->rx_lock);
        ssize_t r;
        if (s->type == SOCK_STREAM) {
            r = inet_tcp_recv_locked(s, buf, n, flags);
            if (r >= 0 && from)
                from->len = 0;
        } else {
            r = udp_recv_locked(s, buf, n, flags, from, full, scm);
        }
        mutex_unlock(&s->rx_lock);
        if (r != -EAGAIN || nonblock)
            return r;
        int err = inet_wait_for(s, inet_readable, deadline);
        if (err)
            return err;
    }
}

static int in_shutdown(void *p, int how)
{
    struct inet_sock *s = p;
    if (how < SHUT_RD || how > SHUT_RDWR)
        return -EINVAL;
    if (s->type != SOCK_STREAM)
        return -ENOTCONN;
    bool rd = how != SHUT_WR, wr = how != SHUT_RD;
    err_t e = netconn_shutdown(s->conn, 0, wr);
    if (e != ERR_OK)
        return inet_errno(e);
    if (wr)
        s->wr_shut = true;
    if (rd) {
        mutex_lock(&s->rx_lock);
        s->rd_shut = true;
        mutex_unlock(&s->rx_lock);
        waitqueue_wake_all(&lwip_port_mbox_wq);
        waitqueue_wake_all(&s->wq);
    }
    return 0;
}

static int in_name(void *p, bool peer, struct sock_addr *out)
{
    struct inet_sock *s = p;
    ip_addr_t ip;
    u16_t port = 0;
    if (s->v6)
        ip_addr_set_zero_ip6(&ip);
    else
        ip_addr_set_zero_ip4(&ip);
    err_t e = netconn_getaddr(s->conn, &ip, &port, peer ? 0 : 1);
    if (e != ERR_OK && peer)
        return -ENOTCONN;
    if (s->ping && !peer)               /* its echo identifier (lwIP: the protocol) */
        port = __atomic_load_n(&s->ping_id, __ATOMIC_RELAXED);
    inet_addr_to(s, out, &ip, port);    /* unbound: 0.0.0.0:0 or [::]:0, as Linux */
    return 0;
}

static size_t in_max_send(void *p)
{
    struct inet_sock *s = p;
    return s->raw || s->ping ? RAW_MAX : s->v6 ? UDP6_MAX : UDP_MAX;
}
static bool in_is_stream(void *p) { return ((struct inet_sock *)p)->type == SOCK_STREAM; }

const struct sock_family inet_family = {
    .bind = in_bind, .listen = in_listen, .connect = in_connect, .accept = in_accept,
    .send = in_send, .recv = in_recv, .shutdown = in_shutdown, .name = in_name,
    .getsockopt = inet_getsockopt, .setsockopt = inet_setsockopt, .max_send = in_max_send,
    .is_stream = in_is_stream,
};

/* ---- the file ---- */
static ssize_t inet_read(struct file *f, void *buf, size_t n)
{
    return in_recv(f->priv, buf, n, 0, f->flags & O_NONBLOCK, NULL, NULL, NULL);
}

static ssize_t inet_write(struct file *f, const void *buf, size_t n)
{
    return in_send(f->priv, buf, n, 0, f->flags & O_NONBLOCK, NULL, NULL);
}

/* POLLOUT: connected, not shut down, and lwIP's send buffer past its low-water
 * mark; POLLERR: an error SO_ERROR would report. */
static int inet_poll(struct file *f)
{
    struct inet_sock *s = f->priv;
    int m = 0;
    unsigned long fl = spin_lock_irqsave(&lwip_port_mbox_wq.lock);
    if (inet_readable(s))
        m |= POLLIN;
    spin_unlock_irqrestore(&lwip_port_mbox_wq.lock, fl);
    if (s->type == SOCK_DGRAM)
        m |= POLLOUT;
    else if (!s->listening && !s->wr_shut && s->conn->state != NETCONN_CONNECT &&
             s->conn->pcb.tcp && inet_writable(s))
        m |= POLLOUT;
    if (__atomic_load_n(&s->conn->pending_err, __ATOMIC_RELAXED) != ERR_OK)
        m |= POLLERR;
    if (s->type == SOCK_STREAM && (s->eof || inet_tcp_gone(s)))
        m |= POLLHUP;
    return m;
}

static struct waitqueue *inet_poll_wq(struct file *f)
{
    return &((struct inet_sock *)f->priv)->wq;
}

static void inet_release(struct file *f)
{
    struct inet_sock *s = f->priv;
    if (!s)
        return;
    if (s->rx)
        pbuf_free(s->rx);
    for (u8_t i = 0; i < s->rx_ahead_n; i++)
        pbuf_free(s->rx_ahead[i]);
    if (s->dgram)
        netbuf_delete(s->dgram);
    /* SO_LINGER with 0 s: Linux resets the connection, unsent data or not. */
    if (s->type == SOCK_STREAM && s->linger_on && !s->linger_secs && !s->listening) {
        LOCK_TCPIP_CORE();
        if (s->conn->pcb.tcp && s->conn->state != NETCONN_CONNECT)
            tcp_abort(s->conn->pcb.tcp);
        UNLOCK_TCPIP_CORE();
    }
    own_mbox(s, false);
    inet_mcast_release(s);
    netconn_delete(s->conn);
    if (s->ping)
        inet_ping_release(s);
    kfree(s);
}

static const struct file_ops inet_ops = {
    .read = inet_read, .write = inet_write, .rw_iov = sock_rw_iov, .ioctl = inet_ioctl,
    .poll = inet_poll,
    .poll_wq = inet_poll_wq, .release = inet_release, .statfs_magic = SOCKFS_MAGIC,
    .stat_mode = S_IFSOCK | 0777,
};
