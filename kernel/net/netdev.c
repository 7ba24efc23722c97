/* The network device list and the thin layer drivers and consumers meet at
 * (<osc/netdev.h>): names, transmit with counters, receive hand-off, link state. */

#define LOG_TAG "net"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/netdev.h>

/* Written only by netdev_register during boot (pci_init, one thread); the count
 * is published after the slot, so a reader that sees it sees the device. */
static struct netdev *devices[NETDEV_MAX];
static size_t ndevices;

int netdev_register(struct netdev *nd)
{
    size_t n = __atomic_load_n(&ndevices, __ATOMIC_ACQUIRE);
    if (n >= NETDEV_MAX)
        return -ENOSPC;
    ksnprintf(nd->name, sizeof(nd->name), "eth%zu", n);
    devices[n] = nd;
    __atomic_store_n(&ndevices, n + 1, __ATOMIC_RELEASE);
    return 0;
}

size_t netdev_count(void) { return __atomic_load_n(&ndevices, __ATOMIC_ACQUIRE); }

struct netdev *netdev_at(size_t i)
{
    return i < netdev_count() ? devices[i] : NULL;
}

struct netdev *netdev_find(const char *name)
{
    for (size_t i = 0; i < netdev_count(); i++)
        if (strcmp(devices[i]->name, name) == 0)
            return devices[i];
    return NULL;
}

static void fill_copy(void *dst, size_t len, void *frame)
{
    memcpy(dst, frame, len);
}

static int xmit(struct netdev *nd, size_t len, netdev_fill_fn fill, void *arg, bool more)
{
    if (len < ETH_HLEN || len > ETH_HLEN + (size_t)nd->mtu)
        return -EMSGSIZE;
    int err = nd->ops->xmit(nd, len, fill, arg, more);
    if (err == 0) {
        netdev_count_add(&nd->stats.tx_packets, 1);
        netdev_count_add(&nd->stats.tx_bytes, len);
    } else if (err != -EAGAIN) {
        netdev_count_add(&nd->stats.tx_dropped, 1);
    }
    return err;
}

int netdev_xmit(struct netdev *nd, const void *frame, size_t len)
{
    return xmit(nd, len, fill_copy, (void *)frame, false);
}

int netdev_xmit_more(struct netdev *nd, const void *frame, size_t len)
{
    return xmit(nd, len, fill_copy, (void *)frame, true);
}

int netdev_xmit_fill(struct netdev *nd, size_t len, netdev_fill_fn fill, void *arg)
{
    return xmit(nd, len, fill, arg, true);
}

void netdev_xmit_flush(struct netdev *nd)
{
    if (nd->ops->flush)
        nd->ops->flush(nd);
}

void netdev_set_rx(struct netdev *nd, const struct netdev_rx_hook *hook)
{
    __atomic_store_n(&nd->rx_hook, hook, __ATOMIC_RELEASE);
}

void netdev_rx(struct netdev *nd, const void *frame, size_t len)
{
    netdev_count_add(&nd->stats.rx_packets, 1);
    netdev_count_add(&nd->stats.rx_bytes, len);
    const struct netdev_rx_hook *h = __atomic_load_n(&nd->rx_hook, __ATOMIC_ACQUIRE);
    if (h && h->fn)
        h->fn(nd, frame, len, h->ctx);
}

void netdev_set_link(struct netdev *nd, bool up)
{
    bool was = __atomic_exchange_n(&nd->link_up, up, __ATOMIC_ACQ_REL);
    if (was != up)
        __atomic_add_fetch(&nd->link_changes, 1, __ATOMIC_RELEASE);
    if (was != up && nd->name[0])
        log_info("%s: link %s", nd->name, up ? "up" : "down");
}
