/* IPv4 multicast for UDP sockets: IP_ADD/DROP_MEMBERSHIP on lwIP's IGMP (each
 * socket's groups are remembered and left at close, as Linux's are), and
 * IP_MULTICAST_TTL/LOOP/IF on the socket's UDP PCB, with Linux's defaults
 * (TTL 1, loop on, the route's interface) and errors. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>

#include "lwip/igmp.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"

struct in_addr_k { uint32_t addr; };            /* network order */
struct ip_mreqn_k { uint32_t multiaddr, address; int32_t ifindex; };

bool inet_mcast_opt(int opt)
{
    return opt == IP_MULTICAST_IF || opt == IP_MULTICAST_TTL || opt == IP_MULTICAST_LOOP ||
           opt == IP_ADD_MEMBERSHIP || opt == IP_DROP_MEMBERSHIP;
}

/* The socket's UDP PCB, NULL for every other kind (a TCP or raw PCB is laid out
 * differently: the UDP setters must never touch one). Core lock held. */
static struct udp_pcb *udp_pcb_of(struct inet_sock *s)
{
    bool udp = s->type == SOCK_DGRAM && !s->raw && !s->ping;
    return udp ? s->conn->pcb.udp : NULL;
}

void inet_mcast_init(struct inet_sock *s)
{
    s->mcast_ttl = 1;
    LOCK_TCPIP_CORE();
    struct udp_pcb *pcb = udp_pcb_of(s);
    if (pcb) {
        udp_set_multicast_ttl(pcb, 1);
        udp_set_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
    }
    UNLOCK_TCPIP_CORE();
}

/* The interface a membership or IP_MULTICAST_IF names: by index, else by one of
 * its addresses, else (any) the one the route to group leaves by. NULL with
 * *err set when there is none. Core lock held. */
static struct netif *mcast_netif(const struct ip_mreqn_k *m, bool by_route, int *err)
{
    struct netif *nif = NULL;
    if (m->ifindex > 0) {
        nif = m->ifindex <= 255 ? netif_get_by_index((u8_t)m->ifindex) : NULL;
        *err = -ENODEV;
    } else if (m->address != PP_HTONL(IPADDR_ANY)) {
        NETIF_FOREACH(nif) {
            if (ip4_addr_get_u32(netif_ip4_addr(nif)) == m->address)
                break;
        }
        *err = by_route ? -ENODEV : -EADDRNOTAVAIL;
    } else if (by_route) {
        ip4_addr_t group;
        ip4_addr_set_u32(&group, m->multiaddr);
        nif = ip4_route(&group);
        *err = -ENODEV;
    }
    return nif;
}

/* Reads ip_mreq (8 bytes) or ip_mreqn (12), as Linux takes either. */
static int read_mreq(const void *val, uint32_t len, struct ip_mreqn_k *m)
{
    memset(m, 0, sizeof(*m));
    if (len >= sizeof(*m))
        memcpy(m, val, sizeof(*m));
    else if (len >= 2 * sizeof(uint32_t))
        memcpy(m, val, 2 * sizeof(uint32_t));
    else
        return -EINVAL;
    return 0;
}

static int join_leave(struct inet_sock *s, const void *val, uint32_t len, bool join)
{
    struct ip_mreqn_k m;
    int err = read_mreq(val, len, &m);
    if (err)
        return err;
    ip4_addr_t group;
    ip4_addr_set_u32(&group, m.multiaddr);
    if (!ip4_addr_ismulticast(&group))
        return -EINVAL;
    struct inet_mcast *mc = NULL;
    if (join && !s->mcast && !(mc = kzalloc(sizeof(*mc))))
        return -ENOBUFS;
    LOCK_TCPIP_CORE();
    if (mc)
        s->mcast = mc;
    mc = s->mcast;
    struct netif *nif = mcast_netif(&m, true, &err);
    int i = -1;
    for (int k = 0; mc && nif && k < mc->n; k++)
        if (mc->group[k] == m.multiaddr && mc->ifindex[k] == netif_get_index(nif))
            i = k;
    if (!nif) {
        /* err says why: no such interface, or no route for the group */
    } else if (join && !(nif->flags & NETIF_FLAG_IGMP)) {
        err = -ENODEV;                  /* the loopback interface has no IGMP */
    } else if (join && i >= 0) {
        err = -EADDRINUSE;
    } else if (join && mc->n == INET_MCAST_MAX) {
        err = -ENOBUFS;                 /* Linux's igmp_max_memberships */
    } else if (!join && i < 0) {
        err = -EADDRNOTAVAIL;
    } else if (join) {
        err = igmp_joingroup_netif(nif, &group) == ERR_OK ? 0 : -ENOBUFS;
        if (!err) {
            mc->group[mc->n] = m.multiaddr;
            mc->ifindex[mc->n++] = netif_get_index(nif);
        }
    } else {
        igmp_leavegroup_netif(nif, &group);
        mc->n--;
        mc->group[i] = mc->group[mc->n];
        mc->ifindex[i] = mc->ifindex[mc->n];
        err = 0;
    }
    UNLOCK_TCPIP_CORE();
    return err;
}

int inet_mcast_setsockopt(struct inet_sock *s, int opt, const void *val, uint32_t len)
{
    if (opt == IP_ADD_MEMBERSHIP || opt == IP_DROP_MEMBERSHIP) {
        if (s->type == SOCK_STREAM)
            return -EPROTO;
        return join_leave(s, val, len, opt == IP_ADD_MEMBERSHIP);
    }
    /* TTL and loop: an int, or a single byte. */
    int v = 0;
    if (opt != IP_MULTICAST_IF) {
        if (len < 1)
            return -EINVAL;
        if (len >= sizeof(int))
            memcpy(&v, val, sizeof(int));
        else
            v = *(const uint8_t *)val;
    }
    if (opt == IP_MULTICAST_TTL) {
        if (v == -1)
            v = 1;
        if (v < 0 || v > 255)
            return -EINVAL;
    }
    struct ip_mreqn_k m = { 0 };
    if (opt == IP_MULTICAST_IF) {
        if (len >= sizeof(m))
            memcpy(&m, val, sizeof(m));
        else if (len >= sizeof(uint32_t))
            memcpy(&m.address, val, sizeof(uint32_t));
        else
            return -EINVAL;
    }
    int err = 0;
    LOCK_TCPIP_CORE();
    struct udp_pcb *pcb = udp_pcb_of(s);
    if (opt == IP_MULTICAST_TTL) {
        s->mcast_ttl = v;
        if (pcb)
            udp_set_multicast_ttl(pcb, (u8_t)v);
    } else if (opt == IP_MULTICAST_LOOP) {
        s->mcast_noloop = !v;
        if (pcb && v)
            udp_set_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
        else if (pcb)
            udp_clear_flags(pcb, UDP_FLAGS_MULTICAST_LOOP);
    } else if (!m.ifindex && m.address == PP_HTONL(IPADDR_ANY)) {
        s->mcast_if = 0;                /* back to the route's choice */
        if (pcb) {
            udp_set_multicast_netif_index(pcb, NETIF_NO_INDEX);
            udp_set_multicast_netif_addr(pcb, IP4_ADDR_ANY4);
        }
    } else {
        struct netif *nif = mcast_netif(&m, false, &err);
        if (nif) {
            err = 0;
            s->mcast_if = m.address ? m.address : ip4_addr_get_u32(netif_ip4_addr(nif));
            if (pcb)
                udp_set_multicast_netif_index(pcb, netif_get_index(nif));
        }
    }
    UNLOCK_TCPIP_CORE();
    return err;
}

int inet_mcast_getsockopt(struct inet_sock *s, int opt, void *val, uint32_t *len)
{
    if (opt == IP_ADD_MEMBERSHIP || opt == IP_DROP_MEMBERSHIP)
        return -ENOPROTOOPT;
    int v;
    LOCK_TCPIP_CORE();
    if (opt == IP_MULTICAST_IF) {
        struct in_addr_k a = { s->mcast_if };
        UNLOCK_TCPIP_CORE();
        memcpy(val, &a, sizeof(a));
        *len = sizeof(a);
        return 0;
    }
    v = opt == IP_MULTICAST_TTL ? s->mcast_ttl : !s->mcast_noloop;
    UNLOCK_TCPIP_CORE();
    memcpy(val, &v, sizeof(v));
    *len = sizeof(v);
    return 0;
}

/* At close: the socket's memberships are left (a group others still hold stays). */
void inet_mcast_release(struct inet_sock *s)
{
    struct inet_mcast *mc = s->mcast;
    if (!mc)
        return;
    LOCK_TCPIP_CORE();
    for (int k = 0; k < mc->n; k++) {
        struct netif *nif = netif_get_by_index(mc->ifindex[k]);
        ip4_addr_t group;
        ip4_addr_set_u32(&group, mc->group[k]);
        if (nif)
            igmp_leavegroup_netif(nif, &group);
    }
    s->mcast = NULL;
    UNLOCK_TCPIP_CORE();
    kfree(mc);
}
