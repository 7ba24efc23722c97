/* /sys/class/net/<name>: what Linux shows there and tools read (address, mtu,
 * operstate, carrier, statistics/rx_packets, ...), in Linux's formats, live from
 * the netdev layer. Devices register during pci_init, before sysfs is mounted,
 * so the nodes are made once at mount. Unlike Linux, <name> is a directory, not
 * a symlink into /sys/devices. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/netdev.h>
#include "sysfs_net.h"

enum { F_ADDRESS, F_ADDR_LEN, F_CARRIER, F_MTU, F_OPERSTATE, F_TYPE, NFILES };
static const char *const file_names[NFILES] = {
    "address", "addr_len", "carrier", "mtu", "operstate", "type",
};
enum { S_RX_PACKETS, S_TX_PACKETS, S_RX_BYTES, S_TX_BYTES, S_RX_DROPPED, S_TX_DROPPED,
       S_RX_ERRORS, S_TX_ERRORS, NSTATS };
static const char *const stat_names[NSTATS] = {
    "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_dropped", "tx_dropped",
    "rx_errors", "tx_errors",
};
#define ARPHRD_ETHER    1           /* Linux's if_arp.h: /sys/class/net/X/type */
/* Per device: its directory, its files, statistics/, the counters. */
#define K_DIR       0
#define K_FILE      1
#define K_STATS     (K_FILE + NFILES)
#define K_STAT      (K_STATS + 1)
#define PER_DEV     (K_STAT + NSTATS)

static struct pnode **nodes;        /* ndev * PER_DEV, made once */
static size_t ndev;
static int net_dir_idx = -1;

static int node_idx(size_t dev, int k) { return SYSFS_NET_IDX + (int)(dev * PER_DEV) + k; }

bool sysfs_net_create(struct vfs_fs *fs, const struct vnode_ops *ops, int net_idx,
                      struct vnode *net_dir)
{
    net_dir_idx = net_idx;
    size_t n = netdev_count();
    if (!n)
        return true;
    nodes = kzalloc(n * PER_DEV * sizeof(*nodes));
    if (!nodes)
        return false;
    for (size_t i = 0; i < n; i++) {
        struct pnode **p = nodes + i * PER_DEV;
        p[K_DIR] = pnode_alloc(fs, ops, S_IFDIR | 0555, net_dir, 0, 0, node_idx(i, K_DIR));
        if (!p[K_DIR])
            return false;
        p[K_STATS] = pnode_alloc(fs, ops, S_IFDIR | 0555, &p[K_DIR]->v, 0, 0,
                                 node_idx(i, K_STATS));
        if (!p[K_STATS])
            return false;
        for (int k = K_FILE; k < PER_DEV; k++) {
            if (k == K_STATS)
                continue;
            struct vnode *parent = k < K_STATS ? &p[K_DIR]->v : &p[K_STATS]->v;
            p[k] = pnode_alloc(fs, ops, S_IFREG | 0444, parent, 0, 0, node_idx(i, k));
            if (!p[k])
                return false;
        }
        ndev = i + 1;
    }
    return true;
}

static bool decode(int idx, size_t *dev, int *k)
{
    if (idx < SYSFS_NET_IDX || (size_t)(idx - SYSFS_NET_IDX) >= ndev * PER_DEV)
        return false;
    *dev = (size_t)(idx - SYSFS_NET_IDX) / PER_DEV;
    *k = (idx - SYSFS_NET_IDX) % PER_DEV;
    return true;
}

/* The k-th child of a directory node (the net dir, a device or its statistics)
 * as a node kind, or -1. */
static int child_kind(int dir_kind, uint64_t k)
{
    if (dir_kind == K_DIR)
        return k < NFILES ? K_FILE + (int)k : k == NFILES ? K_STATS : -1;
    if (dir_kind == K_STATS)
        return k < NSTATS ? K_STAT + (int)k : -1;
    return -1;
}

static const char *kind_name(int kind)
{
    if (kind == K_STATS)
        return "statistics";
    return kind < K_STATS ? file_names[kind - K_FILE] : stat_names[kind - K_STAT];
}

struct vnode *sysfs_net_lookup(int dir_idx, const char *name, size_t len)
{
    size_t dev;
    int kind;
    if (dir_idx == net_dir_idx) {
        for (size_t i = 0; i < ndev; i++)
            if (pseudofs_name_is(name, len, netdev_at(i)->name))
                return &nodes[i * PER_DEV + K_DIR]->v;
    } else if (decode(dir_idx, &dev, &kind)) {
        int c;
        for (uint64_t k = 0; (c = child_kind(kind, k)) >= 0; k++)
            if (pseudofs_name_is(name, len, kind_name(c)))
                return &nodes[dev * PER_DEV + c]->v;
    }
    return NULL;
}

int sysfs_net_readdir(int dir_idx, uint64_t k, const char **name, size_t *len,
                      struct vnode **v)
{
    size_t dev;
    int kind, c;
    if (dir_idx == net_dir_idx) {
        if (k >= ndev)
            return -ENOENT;
        *name = netdev_at(k)->name;
        *v = &nodes[k * PER_DEV + K_DIR]->v;
    } else if (decode(dir_idx, &dev, &kind) && (c = child_kind(kind, k)) >= 0) {
        *name = kind_name(c);
        *v = &nodes[dev * PER_DEV + c]->v;
    } else {
        return -ENOENT;
    }
    *len = strlen(*name);
    return 0;
}

int sysfs_net_gen(struct pnode *n, struct pbuf *b)
{
    size_t dev;
    int k;
    if (!decode(n->idx, &dev, &k) || k == K_DIR || k == K_STATS)
        return -EISDIR;
    const struct netdev *nd = netdev_at(dev);
    const struct netdev_stats *s = &nd->stats;
    bool up = netdev_link_up(nd);
    if (k >= K_STAT) {
        const uint64_t *c[NSTATS] = {
            &s->rx_packets, &s->tx_packets, &s->rx_bytes, &s->tx_bytes, &s->rx_dropped,
            &s->tx_dropped, &s->rx_errors, &s->tx_errors,
        };
        pbuf_printf(b, "%llu\n",
                    (unsigned long long)__atomic_load_n(c[k - K_STAT], __ATOMIC_RELAXED));
        return 0;
    }
    const uint8_t *m = nd->mac;
    switch (k - K_FILE) {
    case F_ADDRESS:
        pbuf_printf(b, "%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
        break;
    case F_ADDR_LEN: pbuf_printf(b, "%d\n", ETH_ALEN); break;
    case F_CARRIER: pbuf_printf(b, "%d\n", up ? 1 : 0); break;
    case F_MTU: pbuf_printf(b, "%u\n", nd->mtu); break;
    /* RFC 2863 states as Linux words them; there is no administrative down yet. */
    case F_OPERSTATE: pbuf_printf(b, "%s\n", up ? "up" : "down"); break;
    case F_TYPE: pbuf_printf(b, "%d\n", ARPHRD_ETHER); break;
    default: return -EISDIR;
    }
    return 0;
}
