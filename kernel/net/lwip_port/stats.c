/* /sys/kernel/net: lwIP's own counters as text, so tests can see that bad input
 * leaks no buffer (every pool's "used" back where it was) and what the stack
 * dropped and why. */

#include <osc/lib.h>
#include <osc/net_stack.h>

#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

/* SYNs (not SYN-ACKs) that reached a listener, those a full backlog made lwIP
 * drop (it counts them nowhere), and those for a connection that exists already
 * (a retransmitted SYN whose SYN-ACK was lost or late, or a second connection
 * with the same addresses and ports). Tcpip core lock. */
static unsigned syn_listen, syn_backlog_full, syn_existing;

/* lwIP's LWIP_HOOK_TCP_INPACKET_PCB (lwipopts.h): sees every segment handed to a
 * PCB; only counts, never drops. */
signed char lwip_port_tcp_inpkt(struct tcp_pcb *pcb, struct tcp_hdr *hdr)
{
    u8_t fl = TCPH_FLAGS(hdr);
    if (!(fl & TCP_SYN) || (fl & TCP_ACK))
        return ERR_OK;
    if (pcb->state == LISTEN) {
        struct tcp_pcb_listen *l = (struct tcp_pcb_listen *)pcb;
        syn_listen++;
        if (l->accepts_pending >= l->backlog)
            syn_backlog_full++;
    } else {
        syn_existing++;
    }
    return ERR_OK;
}

static const struct { memp_t id; const char *name; } pools[] = {
#define LWIP_MEMPOOL(name, num, size, desc) { MEMP_##name, desc },
#include "lwip/priv/memp_std.h"
};

/* The new end after ksnprintf wrote n at `at` (output cut at size). */
static size_t put(size_t size, size_t at, int n)
{
    return n < 0 ? at : MIN(size, at + (size_t)n);
}

static size_t proto(char *buf, size_t size, size_t at, const char *name,
                    const struct stats_proto *p)
{
    return put(size, at, ksnprintf(buf + at, size - at,
        "%s xmit %u recv %u drop %u chkerr %u lenerr %u memerr %u proterr %u opterr %u err %u\n",
        name, (unsigned)p->xmit, (unsigned)p->recv, (unsigned)p->drop, (unsigned)p->chkerr,
        (unsigned)p->lenerr, (unsigned)p->memerr, (unsigned)p->proterr, (unsigned)p->opterr,
        (unsigned)p->err));
}

/* Racy snapshots of counters the tcpip thread updates: each number is one that
 * the counter had. Lines "pool NAME used U max M avail A err E", "heap ...", then
 * "PROTO xmit ... err N" per protocol, then the "tcp_syn" line. */
size_t net_stack_stats(char *buf, size_t size)
{
    size_t at = 0;
    if (!net_stack_ready() || !size)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(pools); i++) {
        const struct stats_mem *m = lwip_stats.memp[pools[i].id];
        if (m)
            at = put(size, at, ksnprintf(buf + at, size - at,
                     "pool %s used %u max %u avail %u err %u\n", pools[i].name,
                     (unsigned)m->used, (unsigned)m->max, (unsigned)m->avail,
                     (unsigned)m->err));
    }
    const struct stats_mem *h = &lwip_stats.mem;
    at = put(size, at, ksnprintf(buf + at, size - at, "heap used %u max %u avail %u err %u\n",
             (unsigned)h->used, (unsigned)h->max, (unsigned)h->avail, (unsigned)h->err));
    at = proto(buf, size, at, "link", &lwip_stats.link);
    at = proto(buf, size, at, "etharp", &lwip_stats.etharp);
    at = proto(buf, size, at, "ip_frag", &lwip_stats.ip_frag);
    at = proto(buf, size, at, "ip", &lwip_stats.ip);
    at = proto(buf, size, at, "icmp", &lwip_stats.icmp);
    at = proto(buf, size, at, "udp", &lwip_stats.udp);
    at = proto(buf, size, at, "tcp", &lwip_stats.tcp);
    at = put(size, at, ksnprintf(buf + at, size - at,
             "tcp_syn listen %u backlog_full %u existing %u\n", syn_listen, syn_backlog_full,
             syn_existing));
    return at;
}
