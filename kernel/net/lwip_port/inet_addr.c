/* Socket addresses of AF_INET and AF_INET6 sockets <-> lwIP's ip_addr_t, with
 * Linux's checks. An AF_INET6 socket is dual stack as on Linux: its lwIP PCB is
 * of IPADDR_TYPE_ANY, its IPv4 peers and addresses cross this boundary as
 * v4-mapped ::ffff:a.b.c.d, and IPV6_V6ONLY refuses them. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/net.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"

#include "inet_internal.h"

#define SIN6_LEN_RFC2133 24             /* sockaddr_in6 without sin6_scope_id */

_Static_assert(sizeof(struct sockaddr_in6_k) == 28, "struct sockaddr_in6");

static int v4_from(const struct sock_addr *a, ip_addr_t *ip, u16_t *port)
{
    struct sockaddr_in_k sin;
    if (a->len < sizeof(sin))
        return -EINVAL;
    memcpy(&sin, &a->a, sizeof(sin));
    if (sin.family != AF_INET)
        return -EAFNOSUPPORT;
    ip_addr_set_ip4_u32_val(*ip, sin.addr);
    *port = lwip_ntohs(sin.port);
    return 0;
}

/* Linux's order of checks: inet6_bind, tcp_v6_connect, ip6_datagram_connect and
 * udpv6_sendmsg. A UDP socket also takes a plain sockaddr_in (IPv4) to connect or
 * send to, when it is not IPv6-only. */
static int v6_from(struct inet_sock *s, const struct sock_addr *a, enum inet_addr_use use,
                   ip_addr_t *ip, u16_t *port)
{
    bool v6only = inet_v6only(s);
    if (a->len < sizeof(a->a.family))
        return -EINVAL;
    if (a->a.family == AF_INET && s->type == SOCK_DGRAM && use != INET_ADDR_BIND) {
        if (v6only)
            return use == INET_ADDR_CONNECT ? -EAFNOSUPPORT : -ENETUNREACH;
        return v4_from(a, ip, port);
    }
    if (a->len < SIN6_LEN_RFC2133)
        return -EINVAL;
    if (a->a.family != AF_INET6)
        return use == INET_ADDR_SENDTO ? -EINVAL : -EAFNOSUPPORT;
    struct sockaddr_in6_k sin6 = { 0 };
    memcpy(&sin6, &a->a, MIN((size_t)a->len, sizeof(sin6)));
    *port = lwip_ntohs(sin6.port);
    ip6_addr_t a6;
    memcpy(a6.addr, sin6.addr, sizeof(a6.addr));
    ip6_addr_clear_zone(&a6);
    if (ip6_addr_isipv4mappedipv6(&a6)) {
        if (v6only)
            return use == INET_ADDR_BIND ? -EINVAL : -ENETUNREACH;
        ip_addr_set_ip4_u32_val(*ip, a6.addr[3]);
        return 0;
    }
    /* A link-local address means nothing without its interface (sin6_scope_id,
     * an interface index: lwIP's netif index is Linux's ifindex here). */
    if (ip6_addr_has_scope(&a6, IP6_UNKNOWN)) {
        if (!sin6.scope_id)
            return -EINVAL;
        LOCK_TCPIP_CORE();
        bool known = sin6.scope_id < 256 && netif_get_by_index((u8_t)sin6.scope_id);
        UNLOCK_TCPIP_CORE();
        if (!known)
            return -ENODEV;
        ip6_addr_set_zone(&a6, (u8_t)sin6.scope_id);
    }
    ip_addr_copy_from_ip6(*ip, a6);
    return 0;
}

int inet_addr_from(struct inet_sock *s, const struct sock_addr *a, enum inet_addr_use use,
                   ip_addr_t *ip, u16_t *port)
{
    return s->v6 ? v6_from(s, a, use, ip, port) : v4_from(a, ip, port);
}

void inet_addr_to(const struct inet_sock *s, struct sock_addr *a, const ip_addr_t *ip,
                  u16_t port)
{
    memset(a, 0, sizeof(*a));
    if (!s->v6) {
        struct sockaddr_in_k sin = { .family = AF_INET, .port = lwip_htons(port),
                                     .addr = ip4_addr_get_u32(ip_2_ip4(ip)) };
        memcpy(&a->a, &sin, sizeof(sin));
        a->len = sizeof(sin);
        return;
    }
    struct sockaddr_in6_k sin6 = { .family = AF_INET6, .port = lwip_htons(port) };
    if (IP_IS_V4_VAL(*ip)) {
        sin6.addr[10] = sin6.addr[11] = 0xff;
        memcpy(&sin6.addr[12], &ip_2_ip4(ip)->addr, 4);
    } else if (IP_IS_V6_VAL(*ip)) {
        memcpy(sin6.addr, ip_2_ip6(ip)->addr, sizeof(sin6.addr));
        if (ip6_addr_has_zone(ip_2_ip6(ip)))
            sin6.scope_id = ip6_addr_zone(ip_2_ip6(ip));
    }                                   /* IPADDR_TYPE_ANY: ::, both families' any */
    memcpy(&a->a, &sin6, sizeof(sin6));
    a->len = sizeof(sin6);
}

/* Whether an IPv6 address is this host's: ::1 or a valid (not tentative) address
 * of an interface; a multicast group may be bound too. Core lock held. */
static bool local_ip6(const ip6_addr_t *a)
{
    if (ip6_addr_isloopback(a) || ip6_addr_ismulticast(a))
        return true;
    struct netif *n;
    NETIF_FOREACH(n) {
        if (netif_get_ip6_addr_match(n, a) >= 0 &&
            ip6_addr_isvalid(netif_ip6_addr_state(n, netif_get_ip6_addr_match(n, a))))
            return true;
    }
    return false;
}

/* bind, as Linux's: a TCP or UDP socket binds once (-EINVAL after, also once a
 * connect or send gave it a port; lwIP would put a TCP PCB on its bound list
 * twice, a cycle), and an IPv6 address must be the host's (-EADDRNOTAVAIL). The
 * check and lwIP's bind under one hold of the core lock (lwIP's netconn_bind,
 * with its dual-stack :: made IPADDR_TYPE_ANY unless IPv6-only). */
int inet_bind(struct inet_sock *s, const ip_addr_t *ip, u16_t port)
{
    int err = 0;
    LOCK_TCPIP_CORE();
    struct netconn *c = s->conn;
    bool v6any = s->v6 && !inet_v6only(s) && ip_addr_cmp(ip, IP6_ADDR_ANY);
    if (!c->pcb.ip)
        err = -EINVAL;
    else if (s->type == SOCK_STREAM && !s->raw && (c->pcb.tcp->local_port || s->listening))
        err = -EINVAL;
    else if (s->type == SOCK_DGRAM && !s->raw && c->pcb.udp->local_port)
        err = -EINVAL;
    else if (IP_IS_V6(ip) && !ip6_addr_isany(ip_2_ip6(ip)) && !local_ip6(ip_2_ip6(ip)))
        err = -EADDRNOTAVAIL;
    else if (s->raw)
        err = inet_errno(raw_bind(c->pcb.raw, ip));
    else if ((err = inet_reuse_check(s, v6any ? IP_ANY_TYPE : ip, port)))
        ;
    else if (s->type == SOCK_STREAM)
        err = inet_errno(tcp_bind(c->pcb.tcp, v6any ? IP_ANY_TYPE : ip, port));
    else
        err = inet_errno(udp_bind(c->pcb.udp, v6any ? IP_ANY_TYPE : ip, port));
    UNLOCK_TCPIP_CORE();
    return err;
}

bool inet_v6only(const struct inet_sock *s)
{
    return s->v6 && (__atomic_load_n(&s->conn->flags, __ATOMIC_RELAXED) &
                     NETCONN_FLAG_IPV6_V6ONLY);
}

/* IPV6_V6ONLY: before the socket has a port only, as Linux (-EINVAL after). An
 * unbound PCB's any address is of IPADDR_TYPE_ANY (both families) or, IPv6-only,
 * of IPADDR_TYPE_V6, so that listen without bind takes the right peers too. */
int inet_set_v6only(struct inet_sock *s, bool on)
{
    int err = 0;
    LOCK_TCPIP_CORE();
    struct ip_pcb *pcb = s->conn->pcb.ip;
    u16_t port = !pcb ? 0 : s->type == SOCK_STREAM ? s->conn->pcb.tcp->local_port
                                                   : s->conn->pcb.udp->local_port;
    if (!pcb || port || s->listening || !ip_addr_isany(&pcb->local_ip)) {
        err = -EINVAL;
    } else {
        if (on)
            s->conn->flags |= NETCONN_FLAG_IPV6_V6ONLY;
        else
            s->conn->flags &= (u8_t)~NETCONN_FLAG_IPV6_V6ONLY;
        u8_t type = on ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
        ip_addr_set_zero(&pcb->local_ip);
        ip_addr_set_zero(&pcb->remote_ip);
        IP_SET_TYPE_VAL(pcb->local_ip, type);
        IP_SET_TYPE_VAL(pcb->remote_ip, type);
    }
    UNLOCK_TCPIP_CORE();
    return err;
}

/* A UDP socket's any address after a disconnect: its family's (both, for a
 * dual-stack AF_INET6 socket). Core lock held. */
void inet_udp_local_any(const struct inet_sock *s, ip_addr_t *ip)
{
    ip_addr_set_zero(ip);
    if (s->v6)
        IP_SET_TYPE_VAL(*ip, inet_v6only(s) ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY);
    else
        IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V4);
}
