/* NETLINK_ROUTE over lwIP's interfaces: links (RTM_GETLINK), IPv4 and IPv6
 * addresses (RTM_GETADDR; IPv6 ones are listed, not changed) and IPv4 routes
 * (RTM_GETROUTE) in Linux's rtnetlink format, and the changes `ip link set
 * up/down`, `ip addr add/del` and `ip route add/del default` make (root,
 * CAP_NET_ADMIN). lwIP keeps one address per interface and one
 * gateway per interface; the default route is the default interface's gateway. */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/net.h>
#include <osc/net_stack.h>
#include <osc/netlink.h>
#include <osc/proc.h>

#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "port.h"

#define RTM_NEWLINK     16
#define RTM_DELLINK     17
#define RTM_GETLINK     18
#define RTM_SETLINK     19
#define RTM_NEWADDR     20
#define RTM_DELADDR     21
#define RTM_GETADDR     22
#define RTM_NEWROUTE    24
#define RTM_DELROUTE    25
#define RTM_GETROUTE    26

#define AF_UNSPEC       0
#define ARPHRD_ETHER    1
#define ARPHRD_LOOPBACK 772

#define IFF_UP          0x1
#define IFF_BROADCAST   0x2
#define IFF_LOOPBACK    0x8
#define IFF_RUNNING     0x40
#define IFF_MULTICAST   0x1000
#define IFF_LOWER_UP    0x10000

#define IFLA_ADDRESS    1
#define IFLA_BROADCAST  2
#define IFLA_IFNAME     3
#define IFLA_MTU        4
#define IFLA_STATS      7
#define IFLA_TXQLEN     13
#define IFLA_OPERSTATE  16
#define IFLA_LINKMODE   17
#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN    2
#define IF_OPER_UP      6

#define IFA_ADDRESS     1
#define IFA_LOCAL       2
#define IFA_LABEL       3
#define IFA_BROADCAST   4
#define IFA_F_PERMANENT 0x80

#define RTA_DST         1
#define RTA_OIF         4
#define RTA_GATEWAY     5
#define RTA_PREFSRC     7
#define RTA_TABLE       15
#define RT_TABLE_MAIN   254
#define RT_TABLE_LOCAL  255
#define RTPROT_KERNEL   2
#define RTPROT_BOOT     3
#define RTPROT_DHCP     16
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK   253
#define RT_SCOPE_HOST   254
#define RTN_UNICAST     1
#define RTN_LOCAL       2

struct ifinfomsg_k { uint8_t family, pad; uint16_t type; int32_t index; uint32_t flags, change; };
struct ifaddrmsg_k { uint8_t family, prefixlen, flags, scope; uint32_t index; };
struct rtmsg_k {
    uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
    uint32_t flags;
};
/* struct rtnl_link_stats: 24 counters; the ones a netdev keeps are filled. */
struct link_stats_k {
    uint32_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors;
    uint32_t rx_dropped, tx_dropped, rest[16];
};

static bool is_loopback(const struct netif *nif)
{
    return nif->name[0] == 'l' && nif->name[1] == 'o';
}

static struct netdev *netdev_of(const struct netif *nif)
{
    return is_loopback(nif) || !nif->state ? NULL : ((struct osc_netif *)nif->state)->nd;
}

static const char *name_of(const struct netif *nif)
{
    struct netdev *nd = netdev_of(nif);
    return nd ? nd->name : "lo";
}

/* The mask's set bits (no libgcc popcount in the kernel). */
static int prefix_len(uint32_t mask_be)
{
    int n = 0;
    for (; mask_be; mask_be &= mask_be - 1)
        n++;
    return n;
}

static int put_link(struct nl_reply *r, const struct netif *nif, uint16_t flags)
{
    struct ifinfomsg_k *m = nl_msg_start(r, RTM_NEWLINK, flags, sizeof(*m));
    if (!m)
        return -ENOMEM;
    bool lo = is_loopback(nif), up = netif_is_up(nif), link = netif_is_link_up(nif);
    m->family = AF_UNSPEC;
    m->type = lo ? ARPHRD_LOOPBACK : ARPHRD_ETHER;
    m->index = netif_get_index(nif);
    m->flags = (up ? IFF_UP : 0) | (up && link ? IFF_RUNNING | IFF_LOWER_UP : 0) |
               (lo ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
    m->change = 0xffffffffu;
    uint8_t mac[6] = { 0 }, bcast[6];
    memset(bcast, lo ? 0 : 0xff, sizeof(bcast));
    if (!lo)
        memcpy(mac, nif->hwaddr, sizeof(mac));
    struct link_stats_k st = { 0 };
    struct netdev *nd = netdev_of(nif);
    if (nd) {
        st.rx_packets = (uint32_t)nd->stats.rx_packets;
        st.tx_packets = (uint32_t)nd->stats.tx_packets;
        st.rx_bytes = (uint32_t)nd->stats.rx_bytes;
        st.tx_bytes = (uint32_t)nd->stats.tx_bytes;
        st.rx_errors = (uint32_t)nd->stats.rx_errors;
        st.tx_errors = (uint32_t)nd->stats.tx_errors;
        st.rx_dropped = (uint32_t)nd->stats.rx_dropped;
        st.tx_dropped = (uint32_t)nd->stats.tx_dropped;
    }
    uint8_t oper = lo ? IF_OPER_UNKNOWN : up && link ? IF_OPER_UP : IF_OPER_DOWN, mode = 0;
    nl_attr_str(r, IFLA_IFNAME, name_of(nif));
    nl_attr_u32(r, IFLA_TXQLEN, 1000);
    nl_attr(r, IFLA_OPERSTATE, &oper, 1);
    nl_attr(r, IFLA_LINKMODE, &mode, 1);
    nl_attr_u32(r, IFLA_MTU, lo && !nif->mtu ? 65536 : nif->mtu);
    nl_attr(r, IFLA_ADDRESS, mac, sizeof(mac));
    nl_attr(r, IFLA_BROADCAST, bcast, sizeof(bcast));
    return nl_attr(r, IFLA_STATS, &st, sizeof(st));
}

static int put_addr(struct nl_reply *r, const struct netif *nif)
{
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(nif));
    uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(nif));
    if (!ip)
        return 0;
    struct ifaddrmsg_k *m = nl_msg_start(r, RTM_NEWADDR, NLM_F_MULTI, sizeof(*m));
    if (!m)
        return -ENOMEM;
    bool lo = is_loopback(nif);
    m->family = AF_INET;
    m->prefixlen = (uint8_t)prefix_len(mask);
    /* A DHCP lease is not permanent; a set address (and the loopback's) is. */
    struct osc_netif *oif = lo ? NULL : nif->state;
    m->flags = lo || (oif && oif->static_addr) ? IFA_F_PERMANENT : 0;
    m->scope = lo ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
    m->index = netif_get_index(nif);
    nl_attr(r, IFA_ADDRESS, &ip, 4);
    nl_attr(r, IFA_LOCAL, &ip, 4);
    if (!lo) {
        uint32_t bcast = ip | ~mask;
        nl_attr(r, IFA_BROADCAST, &bcast, 4);
    }
    return nl_attr_str(r, IFA_LABEL, name_of(nif));
}

#define IFA_F_TENTATIVE 0x40
#define RT_SCOPE_SITE   200

/* The interface's IPv6 addresses, valid or tentative (SLAAC's and link-local ones
 * /64, ::1 /128: lwIP keeps no prefix length). */
static int put_addrs6(struct nl_reply *r, const struct netif *nif)
{
    int err = 0;
    for (s8_t k = 0; !err && k < LWIP_IPV6_NUM_ADDRESSES; k++) {
        u8_t st = netif_ip6_addr_state(nif, k);
        if (!ip6_addr_isvalid(st) && !ip6_addr_istentative(st))
            continue;
        const ip6_addr_t *a = netif_ip6_addr(nif, k);
        struct ifaddrmsg_k *m = nl_msg_start(r, RTM_NEWADDR, NLM_F_MULTI, sizeof(*m));
        if (!m)
            return -ENOMEM;
        bool lo = ip6_addr_isloopback(a), ll = ip6_addr_islinklocal(a);
        m->family = AF_INET6;
        m->prefixlen = lo ? 128 : 64;
        m->flags = (lo || ll ? IFA_F_PERMANENT : 0) |
                   (ip6_addr_istentative(st) ? IFA_F_TENTATIVE : 0);
        m->scope = lo ? RT_SCOPE_HOST : ll ? RT_SCOPE_LINK
                   : ip6_addr_issitelocal(a) ? RT_SCOPE_SITE : RT_SCOPE_UNIVERSE;
        m->index = netif_get_index(nif);
        err = nl_attr(r, IFA_ADDRESS, a->addr, 16);
    }
    return err;
}

static int put_route(struct nl_reply *r, uint8_t table, uint8_t proto, uint8_t scope,
                     uint8_t type, uint32_t dst, int dst_len, uint32_t gw, uint32_t src,
                     int oif)
{
    struct rtmsg_k *m = nl_msg_start(r, RTM_NEWROUTE, NLM_F_MULTI, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->family = AF_INET;
    m->dst_len = (uint8_t)dst_len;
    m->table = table;
    m->protocol = proto;
    m->scope = scope;
    m->type = type;
    nl_attr_u32(r, RTA_TABLE, table);
    if (dst_len)
        nl_attr(r, RTA_DST, &dst, 4);
    if (gw)
        nl_attr(r, RTA_GATEWAY, &gw, 4);
    if (src)
        nl_attr(r, RTA_PREFSRC, &src, 4);
    return nl_attr_u32(r, RTA_OIF, (uint32_t)oif);
}

/* The routes lwIP's forwarding follows, as Linux would list them: the default
 * interface's gateway, a link route per interface's subnet, and the loopback's
 * local route. */
static int put_routes(struct nl_reply *r, const struct netif *nif)
{
    uint32_t ip = ip4_addr_get_u32(netif_ip4_addr(nif));
    uint32_t mask = ip4_addr_get_u32(netif_ip4_netmask(nif));
    uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(nif));
    int idx = netif_get_index(nif);
    if (!ip || !netif_is_up(nif))
        return 0;
    if (is_loopback(nif))
        return put_route(r, RT_TABLE_LOCAL, RTPROT_KERNEL, RT_SCOPE_HOST, RTN_LOCAL,
                         ip & mask, prefix_len(mask), 0, ip, idx);
    struct osc_netif *oif = nif->state;
    int err = 0;
    if (nif == netif_default && gw)
        err = put_route(r, RT_TABLE_MAIN, oif && oif->static_addr ? RTPROT_BOOT : RTPROT_DHCP,
                        RT_SCOPE_UNIVERSE, RTN_UNICAST, 0, 0, gw, ip, idx);
    if (!err)
        err = put_route(r, RT_TABLE_MAIN, RTPROT_KERNEL, RT_SCOPE_LINK, RTN_UNICAST, ip & mask,
                        prefix_len(mask), 0, ip, idx);
    return err;
}

/* Dumps go in index order, as Linux's (lwIP's list is newest first). */
#define FOR_EACH_BY_INDEX(nif, i) \
    for (unsigned i = 1; i <= 255; i++) \
        if (((nif) = netif_get_by_index((u8_t)i)) != NULL)

static struct netif *find_link(const struct nlmsghdr_k *h, size_t len)
{
    if (len < NLMSG_HDRLEN + sizeof(struct ifinfomsg_k))
        return NULL;
    const struct ifinfomsg_k *m = (const void *)((const uint8_t *)h + NLMSG_HDRLEN);
    size_t n;
    const char *name = nl_find_attr(h, sizeof(*m), IFLA_IFNAME, &n);
    struct netif *nif;
    NETIF_FOREACH(nif) {
        if (m->index > 0 ? netif_get_index(nif) == m->index
                         : name && n && strncmp(name_of(nif), name, n) == 0 &&
                           strlen(name_of(nif)) == strnlen(name, n))
            return nif;
    }
    return NULL;
}

/* `ip link set DEV up|down`: IFF_UP in the change mask. */
static int set_link(const struct nlmsghdr_k *h, size_t len)
{
    struct netif *nif = find_link(h, len);
    if (!nif)
        return -ENODEV;
    const struct ifinfomsg_k *m = (const void *)((const uint8_t *)h + NLMSG_HDRLEN);
    if (m->change & IFF_UP || (m->change == 0 && (m->flags & IFF_UP) != 0)) {
        if (m->flags & IFF_UP)
            netif_set_up(nif);
        else if (!is_loopback(nif))
            netif_set_down(nif);
        else
            return -EPERM;      /* lwIP's loopback cannot go down; say so */
    }
    return 0;
}

static struct netif *by_index(uint32_t idx)
{
    return idx && idx <= 255 ? netif_get_by_index((u8_t)idx) : NULL;
}

/* `ip addr add|del A/N dev DEV`: lwIP holds one address per interface, so an
 * add replaces it and a delete clears it (only the address it holds). */
static int change_addr(const struct nlmsghdr_k *h, size_t len, bool add)
{
    if (len < NLMSG_HDRLEN + sizeof(struct ifaddrmsg_k))
        return -EINVAL;
    const struct ifaddrmsg_k *m = (const void *)((const uint8_t *)h + NLMSG_HDRLEN);
    if (m->family != AF_INET)
        return -EAFNOSUPPORT;
    struct netif *nif = by_index(m->index);
    if (!nif)
        return -ENODEV;
    if (is_loopback(nif) || m->prefixlen > 32)
        return -EINVAL;
    size_t n;
    const uint32_t *a = nl_find_attr(h, sizeof(*m), IFA_LOCAL, &n);
    if (!a)
        a = nl_find_attr(h, sizeof(*m), IFA_ADDRESS, &n);
    if (!a || n != 4)
        return -EINVAL;
    ip4_addr_t ip, mask;
    if (!add) {
        if (ip4_addr_get_u32(netif_ip4_addr(nif)) != *a)
            return -EADDRNOTAVAIL;
        netif_set_addr(nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
        return 0;
    }
    ip4_addr_set_u32(&ip, *a);
    ip4_addr_set_u32(&mask, m->prefixlen ? lwip_htonl(0xffffffffu << (32 - m->prefixlen)) : 0);
    netif_set_addr(nif, &ip, &mask, netif_ip4_gw(nif));
    struct osc_netif *oif = nif->state;
    if (oif)
        oif->static_addr = true;
    return 0;
}

/* `ip route add|del default via GW [dev DEV]`: the default interface and its
 * gateway. Other destinations would need a routing table lwIP does not have. */
static int change_route(const struct nlmsghdr_k *h, size_t len, bool add)
{
    if (len < NLMSG_HDRLEN + sizeof(struct rtmsg_k))
        return -EINVAL;
    const struct rtmsg_k *m = (const void *)((const uint8_t *)h + NLMSG_HDRLEN);
    if (m->family != AF_INET)
        return -EAFNOSUPPORT;
    if (m->dst_len != 0)
        return -EOPNOTSUPP;
    size_t n;
    const uint32_t *gw = nl_find_attr(h, sizeof(*m), RTA_GATEWAY, &n);
    const uint32_t *oif = nl_find_attr(h, sizeof(*m), RTA_OIF, &n);
    struct netif *nif = oif ? by_index(*oif) : netif_default;
    if (!nif || is_loopback(nif))
        return -ENODEV;
    if (!add) {
        if (nif != netif_default || !ip4_addr_get_u32(netif_ip4_gw(nif)))
            return -ESRCH;
        netif_set_gw(nif, IP4_ADDR_ANY4);
        return 0;
    }
    if (!gw)
        return -EINVAL;
    ip4_addr_t g;
    ip4_addr_set_u32(&g, *gw);
    netif_set_gw(nif, &g);
    netif_set_default(nif);
    return 0;
}

int rtnl_request(const struct nlmsghdr_k *h, size_t len, struct nl_reply *r)
{
    bool dump = nl_is_dump(h);
    int type = h->nlmsg_type, err = 0;
    bool change = type == RTM_NEWLINK || type == RTM_SETLINK || type == RTM_NEWADDR ||
                  type == RTM_DELADDR || type == RTM_NEWROUTE || type == RTM_DELROUTE;
    if (change && !proc_capable(proc_current(), CAP_NET_ADMIN))
        return -EPERM;
    /* A dump's family filter: the byte after the header in every request kind. */
    uint8_t family = len > NLMSG_HDRLEN ? *((const uint8_t *)h + NLMSG_HDRLEN) : AF_UNSPEC;
    if (!net_stack_ready())
        return dump ? 0 : -ENODEV;
    LOCK_TCPIP_CORE();
    struct netif *nif;
    switch (type) {
    case RTM_GETLINK:
        if (dump) {
            FOR_EACH_BY_INDEX(nif, i) {
                if (!err)
                    err = put_link(r, nif, NLM_F_MULTI);
            }
        } else {
            nif = find_link(h, len);
            err = nif ? put_link(r, nif, 0) : -ENODEV;
        }
        break;
    case RTM_GETADDR:
        if (!dump) {
            err = -EOPNOTSUPP;
            break;
        }
        FOR_EACH_BY_INDEX(nif, i) {
            if (!err && (family == AF_UNSPEC || family == AF_INET))
                err = put_addr(r, nif);
        }
        FOR_EACH_BY_INDEX(nif, i) {     /* as Linux: every IPv4 address first */
            if (!err && (family == AF_UNSPEC || family == AF_INET6))
                err = put_addrs6(r, nif);
        }
        break;
    case RTM_GETROUTE:
        if (!dump) {
            err = -EOPNOTSUPP;
            break;
        }
        FOR_EACH_BY_INDEX(nif, i) {
            if (!err && (family == AF_UNSPEC || family == AF_INET))
                err = put_routes(r, nif);
        }
        break;
    case RTM_NEWLINK:
    case RTM_SETLINK:
        err = set_link(h, len);
        break;
    case RTM_NEWADDR:
    case RTM_DELADDR:
        err = change_addr(h, len, type == RTM_NEWADDR);
        break;
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
        err = change_route(h, len, type == RTM_NEWROUTE);
        break;
    default:
        err = -EOPNOTSUPP;
    }
    UNLOCK_TCPIP_CORE();
    return err;
}
