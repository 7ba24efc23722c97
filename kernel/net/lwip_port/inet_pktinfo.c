/* IP_PKTINFO and IPV6_PKTINFO for UDP sockets: the struct in_pktinfo or
 * in6_pktinfo a receive carries (the interface a datagram came in on, its
 * destination, for IPv4 the local address to answer from) and a send's choice of
 * source address and interface, as Linux. */

#include <osc/errno.h>
#include <osc/lib.h>

#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"

#define LOOPBACK_NET 0x7f000000u        /* 127.0.0.0/8: all lo's on Linux */

static void fill4(struct netbuf *nb, struct scm_k *scm)
{
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

/* An IPv4 datagram to a dual-stack socket: its destination v4-mapped. */
static void fill6(struct netbuf *nb, struct scm_k *scm)
{
    const ip_addr_t *to = netbuf_destaddr(nb);
    struct in6_pktinfo_k *pi = &scm->pktinfo6;
    memset(pi->addr, 0, sizeof(pi->addr));
    if (IP_IS_V4(to)) {
        pi->addr[10] = pi->addr[11] = 0xff;
        memcpy(&pi->addr[12], &ip_2_ip4(to)->addr, 4);
    } else {
        memcpy(pi->addr, ip_2_ip6(to)->addr, 16);
    }
    pi->ifindex = nb->p ? nb->p->if_idx : 0;
    scm->want_pktinfo6 = true;
}

void inet_pktinfo_fill(struct inet_sock *s, struct netbuf *nb, struct scm_k *scm)
{
    if (!scm || s->raw || s->ping || !(nb->flags & NETBUF_FLAG_DESTADDR))
        return;
    if (__atomic_load_n(&s->pktinfo, __ATOMIC_RELAXED) && IP_IS_V4(netbuf_destaddr(nb)))
        fill4(nb, scm);
    if (s->v6 && __atomic_load_n(&s->pktinfo6, __ATOMIC_RELAXED))
        fill6(nb, scm);
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

/* Whether the IPv6 address is one of this host's (::1 is lo's). */
static bool local_address6(const ip6_addr_t *a)
{
    struct netif *nif;
    NETIF_FOREACH(nif) {
        if (netif_get_ip6_addr_match(nif, a) >= 0)
            return true;
    }
    return false;
}

/* The interface and source for a datagram to `to` (core lock): the one named by
 * ifindex, else the route's; the source given (it must be ours), else the
 * interface's for that destination. */
static int choose(const ip_addr_t *to, int32_t ifindex, const ip_addr_t *given,
                  struct netif **nif, ip_addr_t *src)
{
    bool v4 = IP_IS_V4(to);
    if (given && (v4 ? !local_address(ip4_addr_get_u32(ip_2_ip4(given)))
                     : !local_address6(ip_2_ip6(given))))
        return -EINVAL;                 /* Linux: a source that is not ours */
    if (ifindex > 0 && ifindex <= 255)
        *nif = netif_get_by_index((u8_t)ifindex);
    else if (ifindex)
        *nif = NULL;
    else
        *nif = v4 ? ip4_route(ip_2_ip4(to)) : ip6_route(given ? ip_2_ip6(given) : IP6_ADDR_ANY6,
                                                        ip_2_ip6(to));
    if (!*nif)
        return ifindex ? -ENODEV : -ENETUNREACH;
    if (given) {
        *src = *given;
    } else if (v4) {
        ip_addr_copy_from_ip4(*src, *netif_ip4_addr(*nif));
    } else {
        const ip_addr_t *a = ip6_select_source_address(*nif, ip_2_ip6(to));
        if (!a)
            return -EADDRNOTAVAIL;
        *src = *a;
    }
    return 0;
}

/* The source a send's cmsg names, NULL for "any": from IP_PKTINFO, or from
 * IPV6_PKTINFO (a v4-mapped one for an IPv4 destination). */
static int given_source(const struct scm_k *scm, bool v4_to, ip_addr_t *out, const ip_addr_t **given)
{
    *given = NULL;
    if (scm->pktinfo_given) {
        if (!v4_to)
            return -EINVAL;             /* an IPv4 option for an IPv4 datagram */
        if (scm->pktinfo.spec_dst) {
            ip_addr_set_ip4_u32_val(*out, scm->pktinfo.spec_dst);
            *given = out;
        }
        return 0;
    }
    static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
    const uint8_t *a = scm->pktinfo6.addr;
    bool any = true;
    for (int i = 0; i < 16; i++)
        any &= a[i] == 0;
    if (any)
        return 0;
    if (v4_to) {
        if (memcmp(a, mapped, sizeof(mapped)))
            return -EINVAL;
        uint32_t v;
        memcpy(&v, a + 12, 4);
        ip_addr_set_ip4_u32_val(*out, v);
    } else {
        ip6_addr_t v6;
        memcpy(v6.addr, a, 16);
        ip6_addr_clear_zone(&v6);
        ip_addr_copy_from_ip6(*out, v6);
    }
    *given = out;
    return 0;
}

int inet_pktinfo_send(struct inet_sock *s, struct netbuf *nb, const ip_addr_t *dst, u16_t port,
                      const struct scm_k *scm)
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
    ip_addr_t given_buf, src;
    const ip_addr_t *given = NULL;
    struct netif *nif = NULL;
    if (!err && (!pcb || (scm->pktinfo6_given && !s->v6)))
        err = -EINVAL;
    if (!err)
        err = given_source(scm, IP_IS_V4(&to), &given_buf, &given);
    if (!err)
        err = choose(&to, scm->pktinfo_given ? scm->pktinfo.ifindex : scm->pktinfo6.ifindex,
                     given, &nif, &src);
    if (!err)
        err = inet_errno(udp_sendto_if_src(pcb, nb->p, &to, port, nif, &src));
    UNLOCK_TCPIP_CORE();
    return err;
}
