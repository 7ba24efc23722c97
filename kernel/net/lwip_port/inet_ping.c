/* ICMP for sockets: ping sockets (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)) as
 * Linux's, echo requests out with the socket's identifier and checksum filled
 * in, its echo replies in without their IP header (an lwIP raw netconn whose
 * receive function is replaced by a filter); and port unreachables for UDP
 * sockets. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/net_stack.h>
#include <osc/proc.h>
#include <osc/spinlock.h>

#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/netbuf.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/udp.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"

#include "inet_internal.h"
#include "port.h"

#define ICMP_HDR 8

/* Every ping socket with an identifier, the last bound first (under
 * ping_ids_lock): several may share one, as on Linux (ping sockets have
 * SO_REUSEADDR's sharing), and the first here gets their replies. */
static spinlock_t ping_ids_lock = SPINLOCK_INIT("ping_ids", 74);
static struct inet_sock *ping_list;
static unsigned ping_next = 1;

static bool id_used_locked(u16_t id)
{
    for (struct inet_sock *o = ping_list; o; o = o->ping_next)
        if (o->ping_id == id)
            return true;
    return false;
}

/* Gives s identifier id, or a free one for 0 (Linux's autobind; -EAGAIN when
 * none is left); -EINVAL if s has one already. */
static int id_take(struct inet_sock *s, u16_t id)
{
    unsigned long f = spin_lock_irqsave(&ping_ids_lock);
    if (s->ping_id) {                   /* a bind and a send raced: one won */
        spin_unlock_irqrestore(&ping_ids_lock, f);
        return -EINVAL;
    }
    for (unsigned i = 0; i < 65535 && !id; i++) {
        u16_t c = (u16_t)(ping_next + i);
        if (c && !id_used_locked(c))
            id = c;
    }
    if (id) {
        ping_next = (u16_t)(id + 1);
        __atomic_store_n(&s->ping_id, id, __ATOMIC_RELAXED);
        s->ping_next = ping_list;
        ping_list = s;
    }
    spin_unlock_irqrestore(&ping_ids_lock, f);
    return id ? 0 : -EAGAIN;
}

/* Whether s is the socket that gets replies for its identifier. */
static bool id_owner(struct inet_sock *s, u16_t id)
{
    unsigned long f = spin_lock_irqsave(&ping_ids_lock);
    struct inet_sock *o = ping_list;
    while (o && o->ping_id != id)
        o = o->ping_next;
    spin_unlock_irqrestore(&ping_ids_lock, f);
    return o == s;
}

/* Written so the range can change (a group below the low end fails). */
static bool in_range(uint32_t gid)
{
    return gid - PING_GROUP_LO <= PING_GROUP_HI - PING_GROUP_LO;
}

/* net.ipv4.ping_group_range: everyone may open ping sockets. */
int inet_ping_allowed(void)
{
    struct process *p = proc_current();
    if (!p)
        return 0;
    if (in_range(p->egid))
        return 0;
    for (uint32_t i = 0; i < p->ngroups && i < PROC_NGROUPS_MAX; i++)
        if (in_range(p->groups[i]))
            return 0;
    return -EACCES;
}

void net_proc_ping_group_range(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    char t[32];
    int n = ksnprintf(t, sizeof(t), "%u\t%u\n", PING_GROUP_LO, PING_GROUP_HI);
    put(ctx, t, (size_t)n);
}

/* lwIP's raw receive for a ping socket (tcpip thread, core lock; the socket lives
 * while its PCB does): its echo replies, ICMP header first, queued as lwIP's own
 * recv_raw would; never eats the packet. */
static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    struct inet_sock *s = arg;
    struct netconn *conn = s->conn;
    u8_t h[60 + ICMP_HDR];
    u16_t n = pbuf_copy_partial(p, h, sizeof(h), 0);
    unsigned ihl = n ? (h[0] & 15u) * 4 : 0;
    u16_t id = __atomic_load_n(&s->ping_id, __ATOMIC_RELAXED);
    if (!id || ihl < 20 || n < ihl + ICMP_HDR || p->tot_len < ihl + ICMP_HDR ||
        h[ihl] != ICMP_ER || h[ihl + 1] != 0 || (u16_t)(h[ihl + 4] << 8 | h[ihl + 5]) != id ||
        !sys_mbox_valid(&conn->recvmbox) || !id_owner(s, id))
        return 0;
    u16_t len = (u16_t)(p->tot_len - ihl);
    int avail;
    SYS_ARCH_GET(conn->recv_avail, avail);
    if (avail + len > conn->recv_bufsize)
        return 0;
    struct pbuf *q = pbuf_alloc(PBUF_RAW, len, PBUF_RAM);
    struct netbuf *nb = q ? netbuf_new() : NULL;
    if (!nb) {
        if (q)
            pbuf_free(q);
        return 0;
    }
    pbuf_copy_partial(p, q->payload, len, (u16_t)ihl);
    nb->p = nb->ptr = q;
    ip_addr_copy(nb->addr, *addr);
    nb->port = 0;                       /* the sender's port, as Linux: 0 */
    if (sys_mbox_trypost(&conn->recvmbox, nb) != ERR_OK) {
        netbuf_delete(nb);
        return 0;
    }
    SYS_ARCH_INC(conn->recv_avail, len);
    if (conn->callback)
        conn->callback(conn, NETCONN_EVT_RCVPLUS, len);
    return 0;
}

void inet_ping_setup(struct inet_sock *s)
{
    LOCK_TCPIP_CORE();
    if (s->conn->pcb.raw)
        raw_recv(s->conn->pcb.raw, ping_recv, s);
    UNLOCK_TCPIP_CORE();
}

/* bind: the address as a raw socket's, the port as the identifier (0: a free
 * one). */
int inet_ping_bind(struct inet_sock *s, const ip_addr_t *ip, u16_t port)
{
    if (__atomic_load_n(&s->ping_id, __ATOMIC_RELAXED))
        return -EINVAL;                 /* bound already (or by a send) */
    int err = inet_errno(netconn_bind(s->conn, ip, 0));
    return err ? err : id_take(s, port);
}

void inet_ping_release(struct inet_sock *s)
{
    unsigned long f = spin_lock_irqsave(&ping_ids_lock);
    for (struct inet_sock **pp = &ping_list; *pp; pp = &(*pp)->ping_next) {
        if (*pp == s) {
            *pp = s->ping_next;
            break;
        }
    }
    spin_unlock_irqrestore(&ping_ids_lock, f);
}

/* An echo request (type 8, code 0, at least the 8-byte header) sent with the
 * socket's identifier (taken now if it has none) and a fresh checksum. Under the
 * socket's tx_lock. */
ssize_t inet_ping_send(struct inet_sock *s, const void *buf, size_t n, const ip_addr_t *dst)
{
    const u8_t *b = buf;
    if (n < ICMP_HDR || b[0] != ICMP_ECHO || b[1] != 0)
        return -EINVAL;
    if (n > 65535 - 20)
        return -EMSGSIZE;
    if (!__atomic_load_n(&s->ping_id, __ATOMIC_RELAXED)) {
        int err = id_take(s, 0);
        if (err && err != -EINVAL)
            return err;
    }
    u16_t id = s->ping_id;
    struct netbuf *nb = netbuf_new();
    if (!nb)
        return -ENOBUFS;
    err_t e;
    if (!netbuf_alloc(nb, (u16_t)n)) {
        e = ERR_MEM;
    } else {
        pbuf_take(nb->p, buf, (u16_t)n);
        u8_t hdr[ICMP_HDR];
        memcpy(hdr, b, ICMP_HDR);
        hdr[2] = hdr[3] = 0;
        hdr[4] = (u8_t)(id >> 8);
        hdr[5] = (u8_t)id;
        pbuf_take(nb->p, hdr, ICMP_HDR);
        u16_t sum = inet_chksum_pbuf(nb->p);
        pbuf_take_at(nb->p, &sum, 2, 2);
        e = dst ? netconn_sendto(s->conn, nb, dst, 0) : netconn_send(s->conn, nb);
    }
    netbuf_delete(nb);
    return e == ERR_OK ? (ssize_t)n : inet_errno(e);
}

/* ICMP errors for UDP sockets (lwIP hands netconns none): a port unreachable
 * answering a connected UDP socket's datagram becomes its pending error, which
 * the next receive (or SO_ERROR) reports as ECONNREFUSED, as Linux does; glibc's
 * resolver relies on it to give up at once when nothing listens on port 53.
 * Called by lwIP's raw layer (tcpip thread, core lock) with every ICMP packet,
 * its IP header first; never keeps one. */
static u8_t icmp_error_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p,
                            const ip_addr_t *addr)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    u8_t b[60 + 8 + 60 + 8];
    u16_t n = pbuf_copy_partial(p, b, sizeof(b), 0);
    unsigned ihl = n ? (b[0] & 15u) * 4 : 0;
    if (n < ihl + 8 + 20 || ihl < 20 || b[ihl] != ICMP_DUR || b[ihl + 1] != ICMP_DUR_PORT)
        return 0;
    const u8_t *in = b + ihl + 8;               /* the refused datagram's IP header */
    unsigned ihl2 = (in[0] & 15u) * 4;
    if (in[9] != IP_PROTO_UDP || ihl2 < 20 || n < ihl + 8 + ihl2 + 8)
        return 0;
    u32_t dst;
    memcpy(&dst, in + 16, 4);
    const u8_t *uh = in + ihl2;
    u16_t sport = (u16_t)(uh[0] << 8 | uh[1]), dport = (u16_t)(uh[2] << 8 | uh[3]);
    for (struct udp_pcb *u = udp_pcbs; u; u = u->next) {
        if (!inet_is_netconn_udp(u) || u->local_port != sport ||
            !(u->flags & UDP_FLAGS_CONNECTED) || u->remote_port != dport ||
            ip4_addr_get_u32(ip_2_ip4(&u->remote_ip)) != dst)
            continue;
        ((struct netconn *)u->recv_arg)->pending_err = ERR_PORT_REFUSED;
        waitqueue_wake_all(&lwip_port_mbox_wq);
        inet_wake_owner(u->recv_arg);
    }
    return 0;
}

void inet_icmp_errors_init(void)
{
    struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
    if (pcb)
        raw_recv(pcb, icmp_error_recv, NULL);
}
