/* A TCP PCB's end as Linux has it: a new connection over the addresses and ports
 * of one in TIME-WAIT (lwIP's IP input hook ends the TIME-WAIT before TCP sees
 * the SYN, and its ISN hook starts the new connection past the old one's
 * numbers; IPv4 only, lwIP has no IPv6 input hook), and a socket that outlives
 * its PCB (lwIP frees some without telling the netconn). */

#include <osc/lib.h>
#include <osc/sched.h>
#include <osc/time.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#include "inet_internal.h"
#include "port.h"

#define WATCH_NONE 0xff
static u8_t watch_id = WATCH_NONE;     /* our extension argument (core lock) */

/* The connection being reopened by the packet in ip4_input now (tcpip thread,
 * core lock): the listener's new PCB must start its sequence numbers past
 * min_iss, as RFC 1122 asks and Linux does (old snd_nxt + 65535 + 2). */
static struct {
    bool on;
    ip_addr_t remote;
    u16_t remote_port, local_port;
    u32_t min_iss;
} reopen;

/* RFC 6528: a 4 us clock plus SipHash of the connection's addresses and ports
 * under a boot-time secret, so an outsider cannot guess the numbers of another
 * connection (lwIP's own tcp_next_iss starts at a fixed 6510), and one address
 * pair's numbers still grow with time. A reopened connection starts past the old
 * one's. */
uint64_t arch_random_u64(void);         /* kernel/arch: RDRAND, or a mixed fallback */

static uint64_t isn_key[2];

unsigned int lwip_port_tcp_isn(const void *local, unsigned short lport, const void *remote,
                               unsigned short rport)
{
    if (!isn_key[0] && !isn_key[1]) {
        isn_key[0] = arch_random_u64();
        isn_key[1] = arch_random_u64() | 1;
    }
    /* IPv6 addresses whole: a prefix's hosts share their first word. */
    struct {
        u32_t local[4], remote[4];
        u16_t lport, rport;
    } tuple = { .lport = lport, .rport = rport };
    const ip_addr_t *l = local, *r = remote;
    memcpy(tuple.local, IP_IS_V6(l) ? ip_2_ip6(l)->addr : &ip_2_ip4(l)->addr,
           IP_IS_V6(l) ? 16 : 4);
    memcpy(tuple.remote, IP_IS_V6(r) ? ip_2_ip6(r)->addr : &ip_2_ip4(r)->addr,
           IP_IS_V6(r) ? 16 : 4);
    u32_t iss = (u32_t)(time_ns() / 4000) + (u32_t)siphash24(isn_key, &tuple, sizeof(tuple));
    if (reopen.on && lport == reopen.local_port && rport == reopen.remote_port &&
        ip_addr_cmp((const ip_addr_t *)remote, &reopen.remote) &&
        TCP_SEQ_LT(iss, reopen.min_iss)) {
        reopen.on = false;
        return reopen.min_iss;
    }
    return iss;
}

/* A peer that reconnects from the port its last connection used (QEMU's user
 * network hands the guest the host client's port, which the host reuses soon)
 * meets our TIME-WAIT PCB, kept 2 MSL (2 minutes) after we closed first. lwIP
 * answers such a SYN with an ACK (or a reset) and drops it, so the peer's connect
 * hangs until TIME-WAIT ends; Linux (RFC 1122 4.2.2.13) ends the TIME-WAIT and
 * lets the listener take the SYN when its sequence number lies past everything
 * the old connection received and a listener is there.
 * Called by ip4_input (tcpip thread, core lock) before it checks the header, so
 * everything is checked here; never eats the packet. */
int lwip_port_ip4_input(struct pbuf *p, struct netif *inp)
{
    (void)inp;
    reopen.on = false;
    if (!tcp_tw_pcbs || p->len < IP_HLEN)
        return 0;
    const struct ip_hdr *ip = p->payload;
    u16_t hlen = IPH_HL_BYTES(ip), len = lwip_ntohs(IPH_LEN(ip));
    if (IPH_PROTO(ip) != IP_PROTO_TCP || hlen < IP_HLEN || p->len < hlen + TCP_HLEN ||
        len < hlen + TCP_HLEN || len > p->tot_len ||
        (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
        return 0;
    const struct tcp_hdr *th = (const struct tcp_hdr *)((const u8_t *)p->payload + hlen);
    if ((TCPH_FLAGS(th) & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN)
        return 0;
    ip_addr_t src, dst;
    ip_addr_copy_from_ip4(src, ip->src);
    ip_addr_copy_from_ip4(dst, ip->dest);
    u16_t sport = lwip_ntohs(th->src), dport = lwip_ntohs(th->dest);
    struct tcp_pcb *tw = tcp_tw_pcbs;
    while (tw && !(tw->remote_port == sport && tw->local_port == dport &&
                   ip_addr_cmp(&tw->remote_ip, &src) && ip_addr_cmp(&tw->local_ip, &dst)))
        tw = tw->next;
    if (!tw || !TCP_SEQ_GT(lwip_ntohl(th->seqno), tw->rcv_nxt))
        return 0;
    struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs;
    /* (An IPv6-only listener's any address takes no IPv4 SYN.) */
    while (l && !(l->local_port == dport && !IP_IS_V6_VAL(l->local_ip) &&
                  (ip_addr_isany(&l->local_ip) || ip_addr_cmp(&l->local_ip, &dst))))
        l = l->next;
    if (!l || tw->callback_arg)         /* still someone's (inet_tw_release) */
        return 0;
    /* A damaged segment must not end the TIME-WAIT (TCP drops it afterwards). */
    pbuf_remove_header(p, hlen);
    u16_t sum = ip_chksum_pseudo_partial(p, IP_PROTO_TCP, (u16_t)(len - hlen),
                                         (u16_t)(len - hlen), &src, &dst);
    pbuf_add_header_force(p, hlen);
    if (sum != 0)
        return 0;
    reopen.on = true;
    reopen.remote = src;
    reopen.remote_port = sport;
    reopen.local_port = dport;
    reopen.min_iss = tw->snd_nxt + 65535 + 2;
    tcp_abort(tw);                      /* a TIME-WAIT PCB is freed, nothing sent */
    return 0;
}

/* Lets the netconn go of its PCB, which lwIP ends (core lock): reads then end
 * (a FIN still queued reads as the end, not a reset: tcp_recv_locked), writes
 * EPIPE. */
static void let_go(struct netconn *conn, struct tcp_pcb *pcb)
{
    struct inet_sock *s = inet_sock_of_conn(conn);
    if (s)
        __atomic_store_n(&s->pcb_released, true, __ATOMIC_RELEASE);
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
    tcp_err(pcb, NULL);
    if (watch_id != WATCH_NONE)
        tcp_ext_arg_set(pcb, watch_id, NULL);
    __atomic_store_n(&conn->pcb.tcp, NULL, __ATOMIC_RELEASE);
    waitqueue_wake_all(&lwip_port_mbox_wq);
    inet_wake_owner(conn);
}

/* lwIP frees a PCB without calling its error callback when the socket has shut
 * both directions one at a time (shutdown(SHUT_WR), then the read of the FIN:
 * LAST-ACK ends in CLOSED), and when a TIME-WAIT ends (2 MSL, a reopen above, or
 * tcp_kill_timewait when the pool runs out). The netconn would then write or
 * close a freed PCB, maybe one a new connection got from the pool
 * (user/tests/inet_loopback_load.c found both: a PCB twice on the active list,
 * the pool's free list overwritten). So each socket's PCB carries an extension
 * argument whose destroy callback, run by tcp_free before the PCB goes back to
 * the pool, lets the netconn go of it when it still holds it. */
static void pcb_destroyed(u8_t id, void *data)
{
    (void)id;
    struct tcp_pcb *pcb = data;
    struct netconn *conn = pcb ? pcb->callback_arg : NULL;
    if (conn && __atomic_load_n(&conn->pcb.tcp, __ATOMIC_RELAXED) == pcb)
        let_go(conn, pcb);
}

static const struct tcp_ext_arg_callbacks watch_callbacks = { .destroy = pcb_destroyed };

/* Watches (or stops watching, before listen hands the PCB's extension
 * arguments to the listening PCB and frees it) the TCP PCB of a socket's
 * netconn. Takes the core lock. */
void inet_tcp_watch(struct netconn *conn, bool on)
{
    LOCK_TCPIP_CORE();
    struct tcp_pcb *pcb = conn->pcb.tcp;
    if (pcb && NETCONNTYPE_GROUP(conn->type) == NETCONN_TCP && pcb->state != LISTEN) {
        if (watch_id == WATCH_NONE)
            watch_id = tcp_ext_arg_alloc_id();
        tcp_ext_arg_set_callbacks(pcb, watch_id, &watch_callbacks);
        tcp_ext_arg_set(pcb, watch_id, on ? pcb : NULL);
    }
    UNLOCK_TCPIP_CORE();
}

/* A netconn also keeps a TIME-WAIT PCB (the socket did shutdown(SHUT_WR), then
 * the peer's FIN came) until lwIP frees it; it lets go as soon as it gets there,
 * as Linux's socket is done at TIME-WAIT: reads end, writes EPIPE.
 * Called from the sockets' netconn event (tcpip thread, core lock) after lwIP's
 * state change; a netconn with an operation under way keeps its PCB, and so does
 * one no socket owns (it has no event then: closed, or never accepted). */
void inet_tw_release(struct netconn *conn)
{
    struct tcp_pcb *pcb = conn->pcb.tcp;
    struct inet_sock *s = inet_sock_of_conn(conn);
    if (NETCONNTYPE_GROUP(conn->type) != NETCONN_TCP || !pcb || pcb->state != TIME_WAIT ||
        conn->state != NETCONN_NONE || !s)
        return;
    let_go(conn, pcb);
}
