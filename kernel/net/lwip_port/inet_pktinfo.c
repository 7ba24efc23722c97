/* IP_PKTINFO for UDP sockets: the struct in_pktinfo a receive carries (the
 * interface a datagram came in on, its destination, the local address to answer
 * from) and a send's choice of source address and interface, as Linux. */

#include <osc/errno.h>
#include <osc/lib.h>

#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"

#define LOOPBACK_NET 0x7f000000u        /* 127.0.0.0/8: all lo's on Linux */

void inet_pktinfo_fill(struct inet_sock *s, struct netbuf *nb, struct scm_k *scm)
{
    if (!scm || !__atomic_load_n(&s->pktinfo, __ATOMIC_RELAXED) || s->raw || s->ping ||
        !(nb->flags & NETBUF_FLAG_DESTADDR) || !IP_IS_V4(netbuf_destaddr(nb)))
        return;
    const ip4_addr_t *to = ip_2_ip4(netbuf_destaddr(nb));
    struct in_pktinfo_k *pi = &scm->pktinfo;
    pi->ifindex = nb->p ? nb->p->if_idx : 0;
    pi->addr = ip4_addr_get_u32(to);
    pi->spec_dst = pi->addr;
    /* To a group or a broadcast: answer from the interface's own address. */
    LOCK_TCPIP_CORE();
    struct netif *nif = pi->ifindex > 0 && pi->ifindex <= 255 ?
                        netif_get_by_index((u8_t)pi->ifindex) : NULL;
    if (nif && (ip4_addr_ismulticast(to) || ip4_addr_isbroadcast(to, nif)))
        pi->spec_dst = ip4_addr_get_u32(netif_ip4_addr(nif));
    UNLOCK_TCPIP_CORE();
    scm->want_pktinfo = true;
}

/* Whether addr (network order) is one of this host's: an interface's, or 127/8. */
static bool local_address(uint32_t addr)
{
    if ((lwip_ntohl(addr) & 0xff000000u) == LOOPBACK_NET)
        return true;
    struct netif *nif;
    NETIF_FOREACH(nif) {
        if (ip4_addr_get_u32(netif_ip4_addr(nif)) == addr)
            return true;
    }
    return false;
}

int inet_pktinfo_send(struct inet_sock *s, struct netbuf *nb, const ip_addr_t *dst, u16_t port,
                      const struct in_pktinfo_k *pi)
{
    int err = 0;
    LOCK_TCPIP_CORE();
    struct udp_pcb *pcb = s->type == SOCK_DGRAM && !s->raw && !s->ping ? s->conn->pcb.udp : NULL;
    ip_addr_t to;
    if (dst) {
        to = *dst;
    } else if (pcb && __atomic_load_n(&s->udp_connected, __ATOMIC_ACQUIRE)) {
        to = pcb->remote_ip;
        port = pcb->remote_port;
    } else {
        err = -EDESTADDRREQ;
    }
    struct netif *nif = NULL;
    if (!err && (!pcb || !IP_IS_V4(&to))) {
        err = -EINVAL;                  /* an IPv4 option for an IPv4 datagram */
    } else if (!err && pi->spec_dst && !local_address(pi->spec_dst)) {
        err = -EINVAL;                  /* Linux: a source that is not ours */
    } else if (!err) {
        nif = pi->ifindex > 0 && pi->ifindex <= 255 ? netif_get_by_index((u8_t)pi->ifindex)
              : pi->ifindex ? NULL : ip4_route(ip_2_ip4(&to));
        if (!nif)
            err = pi->ifindex ? -ENODEV : -ENETUNREACH;
    }
    if (!err) {
        ip_addr_t src;
        ip_addr_set_ip4_u32_val(src, pi->spec_dst ? pi->spec_dst
                                                   : ip4_addr_get_u32(netif_ip4_addr(nif)));
        err = inet_errno(udp_sendto_if_src(pcb, nb->p, &to, port, nif, &src));
    }
    UNLOCK_TCPIP_CORE();
    return err;
}
