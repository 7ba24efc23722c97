/* The interface ioctls (SIOCGIF*, SIOCSIF*, SIOCADDRT/SIOCDELRT) busybox ifconfig
 * and route use, with Linux's struct ifreq/ifconf/rtentry, and the text of
 * /proc/net/dev, /proc/net/route and /proc/net/if_inet6. Interfaces: lo (index 1) and each netdev's
 * (eth0 index 2, ...); one default route, lwIP's default interface's gateway. */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/net.h>
#include <osc/net_stack.h>
#include <osc/proc.h>
#include <osc/uaccess.h>

#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "port.h"

#define SIOCADDRT       0x890B
#define SIOCDELRT       0x890C
#define SIOCGIFNAME     0x8910
#define SIOCGIFCONF     0x8912
#define SIOCGIFFLAGS    0x8913
#define SIOCSIFFLAGS    0x8914
#define SIOCGIFADDR     0x8915
#define SIOCSIFADDR     0x8916
#define SIOCGIFDSTADDR  0x8917
#define SIOCGIFBRDADDR  0x8919
#define SIOCGIFNETMASK  0x891B
#define SIOCSIFNETMASK  0x891C
#define SIOCGIFMETRIC   0x891D
#define SIOCGIFMTU      0x8921
#define SIOCSIFMTU      0x8922
#define SIOCGIFHWADDR   0x8927
#define SIOCGIFINDEX    0x8933
#define SIOCGIFTXQLEN   0x8942
#define SIOCGIFMAP      0x8970

#define IFF_UP          0x1
#define IFF_BROADCAST   0x2
#define IFF_LOOPBACK    0x8
#define IFF_RUNNING     0x40
#define IFF_MULTICAST   0x1000
#define ARPHRD_ETHER    1
#define ARPHRD_LOOPBACK 772
#define RTF_UP          0x1
#define RTF_GATEWAY     0x2
#define IFNAMSIZ        16
#define LO_MTU_MAX      65536
#define TXQLEN          1000            /* Linux's default for both */

struct sockaddr_k { uint16_t family; uint8_t data[14]; };
struct sockaddr_in_k { uint16_t family, port; uint32_t addr; uint8_t zero[8]; };

/* Linux struct ifreq (x86_64: 40 bytes). */
struct ifreq_k {
    char name[IFNAMSIZ];
    union {
        struct sockaddr_k sa;
        struct sockaddr_in_k sin;
        int16_t flags;
        int32_t ivalue;                 /* mtu, index, metric, txqlen */
        uint8_t raw[24];
    } u;
};

struct ifconf_k { int32_t len; int32_t pad; uint64_t buf; };

/* Linux struct rtentry (x86_64: 120 bytes). */
struct rtentry_k {
    uint64_t pad1;
    struct sockaddr_in_k dst, gateway, genmask;
    uint16_t flags;
    int16_t pad2;
    uint64_t pad3, pad4;
    int16_t metric;
    uint64_t dev;                       /* char * */
    uint64_t mtu, window;
    uint16_t irtt;
};

_Static_assert(sizeof(struct ifreq_k) == 40, "struct ifreq");
_Static_assert(sizeof(struct rtentry_k) == 120, "struct rtentry");

/* One interface: lwIP's netif and, for a netdev's, our wrapper. */
struct iface {
    struct netif *nif;
    struct osc_netif *oif;              /* NULL: lo */
    int index;
    char name[IFNAMSIZ];
};

static int lo_mtu = LO_MTU_MAX;         /* lwIP's loop interface has none (atomic) */

static struct netif *loop_netif(void)
{
    for (struct netif *n = netif_list; n; n = n->next)
        if (n->name[0] == 'l' && n->name[1] == 'o')
            return n;
    return NULL;
}

/* The i-th interface (0: lo); false past the last. Core lock held. */
static bool iface_at(size_t i, struct iface *out)
{
    memset(out, 0, sizeof(*out));
    if (i == 0) {
        out->nif = loop_netif();
        if (!out->nif)
            return false;
        memcpy(out->name, "lo", 3);
    } else {
        out->oif = net_stack_netif(i - 1);
        if (!out->oif)
            return false;
        out->nif = &out->oif->nif;
        ksnprintf(out->name, IFNAMSIZ, "%s", out->oif->nd->name);
    }
    out->index = (int)i + 1;
    return true;
}

static bool iface_named(const char *name, struct iface *out)
{
    for (size_t i = 0; iface_at(i, out); i++)
        if (!strcmp(out->name, name))
            return true;
    return false;
}

static int if_flags(const struct iface *f)
{
    bool up = netif_is_up(f->nif), running = up && netif_is_link_up(f->nif);
    int fl = f->oif ? IFF_BROADCAST | IFF_MULTICAST : IFF_LOOPBACK;
    return fl | (up ? IFF_UP : 0) | (running ? IFF_RUNNING : 0);
}

static int if_mtu(const struct iface *f)
{
    return f->oif ? f->nif->mtu : __atomic_load_n(&lo_mtu, __ATOMIC_RELAXED);
}

static void put_in(struct sockaddr_in_k *sin, uint32_t addr)
{
    memset(sin, 0, sizeof(*sin));
    sin->family = AF_INET;
    sin->addr = addr;
}

static uint32_t if_addr(const struct iface *f) { return ip4_addr_get_u32(netif_ip4_addr(f->nif)); }
static uint32_t if_mask(const struct iface *f) { return ip4_addr_get_u32(netif_ip4_netmask(f->nif)); }

/* Linux's mask for an address set without one (inet_abc_len). */
static uint32_t classful_mask(uint32_t addr)
{
    uint32_t h = lwip_ntohl(addr);
    uint32_t m = h == 0 ? 0 : !(h & 0x80000000u) ? 0xff000000u
               : (h & 0xc0000000u) == 0x80000000u ? 0xffff0000u
               : (h & 0xe0000000u) == 0xc0000000u ? 0xffffff00u : 0xffffffffu;
    return lwip_htonl(m);
}

/* SIOCGIFCONF: the interfaces with an IPv4 address, as Linux lists them. */
static long get_conf(uint64_t arg)
{
    struct ifconf_k ic;
    if (copy_from_user(&ic, (const void *)arg, sizeof(ic)))
        return -EFAULT;
    if (ic.len < 0)
        return -EINVAL;
    struct ifreq_k reqs[1 + NETDEV_MAX];
    int n = 0;
    struct iface f;
    LOCK_TCPIP_CORE();
    for (size_t i = 0; iface_at(i, &f); i++) {
        if (!if_addr(&f))
            continue;
        memset(&reqs[n], 0, sizeof(reqs[n]));
        memcpy(reqs[n].name, f.name, IFNAMSIZ);
        put_in(&reqs[n].u.sin, if_addr(&f));
        n++;
    }
    UNLOCK_TCPIP_CORE();
    int len = 0;
    if (!ic.buf) {
        len = n * (int)sizeof(struct ifreq_k);
    } else {
        for (int i = 0; i < n && len + (int)sizeof(struct ifreq_k) <= ic.len; i++) {
            if (copy_to_user((void *)(ic.buf + (uint64_t)len), &reqs[i], sizeof(reqs[i])))
                return -EFAULT;
            len += (int)sizeof(struct ifreq_k);
        }
    }
    return copy_to_user((void *)arg, &len, sizeof(len)) ? -EFAULT : 0;
}

/* The reading ones: fills r from interface f (core lock held). */
static long get_one(unsigned cmd, const struct iface *f, struct ifreq_k *r)
{
    memset(&r->u, 0, sizeof(r->u));
    switch (cmd) {
    case SIOCGIFFLAGS: r->u.flags = (int16_t)if_flags(f); return 0;
    case SIOCGIFMTU: r->u.ivalue = if_mtu(f); return 0;
    case SIOCGIFINDEX: r->u.ivalue = f->index; return 0;
    case SIOCGIFMETRIC: r->u.ivalue = 0; return 0;
    case SIOCGIFTXQLEN: r->u.ivalue = TXQLEN; return 0;
    case SIOCGIFMAP: return 0;          /* no memory or I/O ranges to show */
    case SIOCGIFHWADDR:
        r->u.sa.family = f->oif ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
        if (f->oif)
            memcpy(r->u.sa.data, f->nif->hwaddr, ETH_ALEN);
        return 0;
    case SIOCGIFADDR:
    case SIOCGIFNETMASK:
    case SIOCGIFBRDADDR:
    case SIOCGIFDSTADDR:
        if (!if_addr(f))
            return -EADDRNOTAVAIL;
        put_in(&r->u.sin, cmd == SIOCGIFADDR ? if_addr(f)
                          : cmd == SIOCGIFNETMASK ? if_mask(f)
                          : cmd == SIOCGIFBRDADDR && f->oif ? (if_addr(f) | ~if_mask(f))
                          : cmd == SIOCGIFDSTADDR && !f->oif ? if_addr(f) : 0);
        return 0;
    }
    return -ENOTTY;
}

/* An address from a set request: AF_INET only. */
static long in_addr_of(const struct ifreq_k *r, uint32_t *addr)
{
    if (r->u.sin.family != AF_INET)
        return -EINVAL;
    *addr = r->u.sin.addr;
    return 0;
}

/* A netdev's interface gets a fixed address: DHCP lets go of its lease (which
 * clears the interface) and the address, netmask and gateway stay as they were
 * until the caller changes one, as with Linux's ifconfig over a DHCP lease. */
static void stop_dhcp(const struct iface *f)
{
    if (!f->oif || f->oif->static_addr)
        return;
    ip4_addr_t ip = *netif_ip4_addr(f->nif), mask = *netif_ip4_netmask(f->nif),
               gw = *netif_ip4_gw(f->nif);
    dhcp_release_and_stop(f->nif);
    netif_set_addr(f->nif, &ip, &mask, &gw);
    f->oif->static_addr = true;
}

/* The changing ones (CAP_NET_ADMIN checked; core lock held). */
static long set_one(unsigned cmd, const struct iface *f, const struct ifreq_k *r)
{
    uint32_t a;
    long err;
    ip4_addr_t ip;
    switch (cmd) {
    case SIOCSIFFLAGS:
        if ((r->u.flags & IFF_UP) && !netif_is_up(f->nif))
            netif_set_up(f->nif);
        else if (!(r->u.flags & IFF_UP) && netif_is_up(f->nif))
            netif_set_down(f->nif);
        return 0;
    case SIOCSIFMTU:
        if (r->u.ivalue < 68 || r->u.ivalue > (f->oif ? (int)f->oif->nd->mtu : LO_MTU_MAX))
            return -EINVAL;
        if (f->oif)
            f->nif->mtu = (u16_t)r->u.ivalue;
        else
            __atomic_store_n(&lo_mtu, r->u.ivalue, __ATOMIC_RELAXED);
        return 0;
    case SIOCSIFADDR:
        if ((err = in_addr_of(r, &a)))
            return err;
        stop_dhcp(f);
        ip4_addr_set_u32(&ip, a);
        netif_set_ipaddr(f->nif, &ip);
        ip4_addr_set_u32(&ip, classful_mask(a));
        netif_set_netmask(f->nif, &ip);
        return 0;
    case SIOCSIFNETMASK:
        if ((err = in_addr_of(r, &a)))
            return err;
        /* Linux: a contiguous mask only. */
        if ((~lwip_ntohl(a) + 1) & ~lwip_ntohl(a))
            return -EINVAL;
        if (!if_addr(f))
            return -EADDRNOTAVAIL;
        stop_dhcp(f);
        ip4_addr_set_u32(&ip, a);
        netif_set_netmask(f->nif, &ip);
        return 0;
    }
    return -ENOTTY;
}

static bool is_get(unsigned cmd)
{
    return cmd == SIOCGIFFLAGS || cmd == SIOCGIFMTU || cmd == SIOCGIFINDEX ||
           cmd == SIOCGIFMETRIC || cmd == SIOCGIFTXQLEN || cmd == SIOCGIFMAP ||
           cmd == SIOCGIFHWADDR || cmd == SIOCGIFADDR || cmd == SIOCGIFNETMASK ||
           cmd == SIOCGIFBRDADDR || cmd == SIOCGIFDSTADDR || cmd == SIOCGIFNAME;
}

static bool is_set(unsigned cmd)
{
    return cmd == SIOCSIFFLAGS || cmd == SIOCSIFMTU || cmd == SIOCSIFADDR ||
           cmd == SIOCSIFNETMASK;
}

/* SIOCADDRT/SIOCDELRT: the default route only (a gateway on an interface's
 * subnet); other routes are -EOPNOTSUPP. */
static long route(unsigned cmd, uint64_t arg)
{
    struct rtentry_k rt;
    if (copy_from_user(&rt, (const void *)arg, sizeof(rt)))
        return -EFAULT;
    if (rt.dst.family != AF_INET)
        return -EAFNOSUPPORT;
    if (rt.dst.addr || rt.genmask.addr)
        return -EOPNOTSUPP;
    char dev[IFNAMSIZ] = "";
    if (rt.dev && strncpy_from_user(dev, (const char *)rt.dev, sizeof(dev)) < 0)
        return -EFAULT;
    bool has_gw = rt.flags & RTF_GATEWAY;
    uint32_t gw = has_gw ? rt.gateway.addr : 0;
    long err = 0;
    struct iface f;
    LOCK_TCPIP_CORE();
    struct netif *def = netif_default;
    bool exists = def && !ip4_addr_isany_val(*netif_ip4_gw(def));
    if (cmd == SIOCDELRT) {
        if (!exists || (has_gw && ip4_addr_get_u32(netif_ip4_gw(def)) != gw))
            err = -ESRCH;
        else
            netif_set_gw(def, IP4_ADDR_ANY4);
    } else if (!has_gw) {
        err = -EOPNOTSUPP;              /* a default route through a device */
    } else if (exists) {
        err = -EEXIST;
    } else {
        err = -ENETUNREACH;
        for (size_t i = 1; iface_at(i, &f); i++) {
            if ((dev[0] && strcmp(dev, f.name)) || !if_addr(&f) ||
                ((if_addr(&f) ^ gw) & if_mask(&f)))
                continue;
            ip4_addr_t ip;
            ip4_addr_set_u32(&ip, gw);
            netif_set_gw(f.nif, &ip);
            netif_set_default(f.nif);
            err = 0;
            break;
        }
    }
    UNLOCK_TCPIP_CORE();
    return err;
}

long net_if_ioctl(unsigned int cmd, uint64_t arg)
{
    if (!net_stack_ready())
        return -ENODEV;
    if (cmd == SIOCGIFCONF)
        return get_conf(arg);
    if (cmd == SIOCADDRT || cmd == SIOCDELRT) {
        if (!proc_capable(proc_current(), CAP_NET_ADMIN))
            return -EPERM;
        return route(cmd, arg);
    }
    bool set = is_set(cmd);
    if (!set && !is_get(cmd))
        return -ENOTTY;
    struct ifreq_k r;
    if (copy_from_user(&r, (const void *)arg, sizeof(r)))
        return -EFAULT;
    r.name[IFNAMSIZ - 1] = 0;
    if (set && !proc_capable(proc_current(), CAP_NET_ADMIN))
        return -EPERM;
    struct iface f;
    long err;
    LOCK_TCPIP_CORE();
    bool found = false;
    if (cmd == SIOCGIFNAME) {
        for (size_t i = 0; !found && iface_at(i, &f); i++)
            found = f.index == r.u.ivalue;
        if (found)
            memcpy(r.name, f.name, IFNAMSIZ);
        err = found ? 0 : -ENODEV;
    } else {
        found = iface_named(r.name, &f);
        err = !found ? -ENODEV : set ? set_one(cmd, &f, &r) : get_one(cmd, &f, &r);
    }
    UNLOCK_TCPIP_CORE();
    if (err || set)
        return err;
    return copy_to_user((void *)arg, &r, sizeof(r)) ? -EFAULT : 0;
}

/* ---- /proc/net ---- */

static void putf(void (*put)(void *, const char *, size_t), void *ctx, const char *fmt, ...)
    __printf(3, 4);
static void putf(void (*put)(void *, const char *, size_t), void *ctx, const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(ctx, line, MIN((size_t)n, sizeof(line) - 1));
}

void net_proc_dev(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    putf(put, ctx, "Inter-|   Receive                                                |  Transmit\n");
    putf(put, ctx, " face |bytes    packets errs drop fifo frame compressed multicast|"
         "bytes    packets errs drop fifo colls carrier compressed\n");
    if (!net_stack_ready())
        return;
    struct iface f;
    for (size_t i = 0; ; i++) {
        LOCK_TCPIP_CORE();
        bool ok = iface_at(i, &f);
        UNLOCK_TCPIP_CORE();
        if (!ok)
            break;
        struct netdev_stats z = { 0 }, *st = f.oif ? &f.oif->nd->stats : &z;
        putf(put, ctx, "%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu "
             "%8llu %7llu %4llu %4llu %4llu %5llu %7llu %10llu\n", f.name,
             (unsigned long long)st->rx_bytes, (unsigned long long)st->rx_packets,
             (unsigned long long)st->rx_errors, (unsigned long long)st->rx_dropped,
             0ull, 0ull, 0ull, 0ull,
             (unsigned long long)st->tx_bytes, (unsigned long long)st->tx_packets,
             (unsigned long long)st->tx_errors, (unsigned long long)st->tx_dropped,
             0ull, 0ull, 0ull, 0ull);
    }
}

void net_proc_route(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    putf(put, ctx, "%-127s\n", "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
         "Mask\t\tMTU\tWindow\tIRTT");
    if (!net_stack_ready())
        return;
    struct iface f;
    char line[128];
    for (int pass = 0; pass < 2; pass++) {      /* the default route first, as Linux */
        for (size_t i = 1; ; i++) {
            LOCK_TCPIP_CORE();
            bool ok = iface_at(i, &f);
            uint32_t addr = ok ? if_addr(&f) : 0, mask = ok ? if_mask(&f) : 0;
            uint32_t gw = ok ? ip4_addr_get_u32(netif_ip4_gw(f.nif)) : 0;
            bool up = ok && netif_is_up(f.nif), def = ok && f.nif == netif_default;
            UNLOCK_TCPIP_CORE();
            if (!ok)
                break;
            if (!up || !addr)
                continue;
            if (pass == 0 && def && gw)
                ksnprintf(line, sizeof(line), "%s\t%08X\t%08X\t%04X\t0\t0\t0\t%08X\t0\t0\t0",
                          f.name, 0u, gw, RTF_UP | RTF_GATEWAY, 0u);
            else if (pass == 1)
                ksnprintf(line, sizeof(line), "%s\t%08X\t%08X\t%04X\t0\t0\t0\t%08X\t0\t0\t0",
                          f.name, addr & mask, 0u, RTF_UP, mask);
            else
                continue;
            putf(put, ctx, "%-127s\n", line);
        }
    }
}

#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80
#define IPV6_ADDR_LOOPBACK  0x10        /* Linux's scope column */
#define IPV6_ADDR_LINKLOCAL 0x20
#define IPV6_ADDR_SITELOCAL 0x40

/* One line per valid or tentative address: lwIP keeps no prefix length (SLAAC's
 * and link-local ones are /64, ::1 /128); a SLAAC address is not permanent. */
void net_proc_if_inet6(void (*put)(void *ctx, const char *s, size_t n), void *ctx)
{
    if (!net_stack_ready())
        return;
    struct iface f;
    for (size_t i = 0; ; i++) {
        char lines[LWIP_IPV6_NUM_ADDRESSES][80];
        int n = 0;
        LOCK_TCPIP_CORE();
        bool ok = iface_at(i, &f);
        for (s8_t k = 0; ok && k < LWIP_IPV6_NUM_ADDRESSES; k++) {
            u8_t st = netif_ip6_addr_state(f.nif, k);
            if (!ip6_addr_isvalid(st) && !ip6_addr_istentative(st))
                continue;
            const ip6_addr_t *a = netif_ip6_addr(f.nif, k);
            const uint8_t *b = (const uint8_t *)a->addr;
            char hex[33];
            for (int j = 0; j < 16; j++)
                ksnprintf(hex + 2 * j, 3, "%02x", b[j]);
            bool lo = ip6_addr_isloopback(a), ll = ip6_addr_islinklocal(a);
            int scope = lo ? IPV6_ADDR_LOOPBACK : ll ? IPV6_ADDR_LINKLOCAL
                        : ip6_addr_issitelocal(a) ? IPV6_ADDR_SITELOCAL : 0;
            int flags = (lo || ll ? IFA_F_PERMANENT : 0) |
                        (ip6_addr_istentative(st) ? IFA_F_TENTATIVE : 0);
            ksnprintf(lines[n++], sizeof(lines[0]), "%s %02x %02x %02x %02x %8s\n", hex,
                      f.index, lo ? 128 : 64, scope, flags, f.name);
        }
        UNLOCK_TCPIP_CORE();
        if (!ok)
            break;
        for (int k = 0; k < n; k++)
            put(ctx, lines[k], strlen(lines[k]));
    }
}
