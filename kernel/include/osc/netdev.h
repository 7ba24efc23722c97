/* Network devices: the one layer between Ethernet drivers (virtio-net now) and
 * whatever consumes frames (the TCP/IP stack, kernel/net/lwip_port/). A driver
 * fills a struct netdev (MAC, MTU, ops) and registers it, gets a name (eth0,
 * eth1, ...) and reports received frames and link changes; a consumer looks a
 * device up, sets its receive callback and transmits. Frames are whole Ethernet
 * frames without the FCS. The device list only grows (drivers register during
 * pci_init, before sysfs is mounted), so readers take no lock. */
#pragma once

#include <osc/types.h>

#define ETH_ALEN        6
#define ETH_HLEN        14              /* destination, source, EtherType */
#define ETH_DATA_LEN    1500            /* the default MTU */
#define ETH_FRAME_LEN   (ETH_HLEN + ETH_DATA_LEN)
#define NETDEV_MAX      8
#define NETDEV_NAME_MAX 16

struct netdev;

/* Writes a frame of len bytes to dst (a TX buffer): the caller's way of handing
 * over a frame in pieces without assembling it first. */
typedef void (*netdev_fill_fn)(void *dst, size_t len, void *arg);

struct netdev_ops {
    /* Queues one frame of len bytes, written by fill(buffer, len, arg) into the
     * device's own buffer before the call returns. 0, or
     * -EAGAIN (every TX buffer is with the device: retry after a completion),
     * -EMSGSIZE (len above MTU + ETH_HLEN or below ETH_HLEN), -ENETDOWN (no
     * link), -EIO (the device was given up on). May be called from an interrupt.
     * more: another frame follows soon, so the driver may hold the device's
     * notification (a trap into the emulator or a doorbell write) until a frame
     * without it or flush; what it holds is the caller's to flush. */
    int (*xmit)(struct netdev *nd, size_t len, netdev_fill_fn fill, void *arg, bool more);
    /* Tells the device about frames queued with more (NULL: nothing is held). */
    void (*flush)(struct netdev *nd);
};

/* Linux's names and meanings (/sys/class/net/X/statistics); updated atomically by
 * the driver, read without a lock. */
struct netdev_stats {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

/* Receives one frame; called in interrupt context (no sleeping, no mutex). The
 * frame is valid only during the call: copy what you keep. */
typedef void (*netdev_rx_fn)(struct netdev *nd, const void *frame, size_t len, void *ctx);

struct netdev {
    char name[NETDEV_NAME_MAX];         /* set by netdev_register */
    uint8_t mac[ETH_ALEN];
    uint32_t mtu;                       /* payload bytes after the Ethernet header */
    const struct netdev_ops *ops;
    void *priv;                         /* the driver's */
    bool link_up;                       /* written by netdev_set_link, read atomically */
    /* Link transitions so far (atomic): a consumer polling the link sees a flap
     * shorter than its period. */
    uint32_t link_changes;
    struct netdev_stats stats;
    /* The consumer's callback and its argument, published together through rx_hook
     * (one pointer store) so an interrupt never sees one without the other. */
    const struct netdev_rx_hook *rx_hook;
};

struct netdev_rx_hook {
    netdev_rx_fn fn;
    void *ctx;
};

/* Names the device eth<N> and adds it to the list: 0, or -ENOSPC (NETDEV_MAX). */
int netdev_register(struct netdev *nd);
size_t netdev_count(void);
struct netdev *netdev_at(size_t i);             /* in registration order */
struct netdev *netdev_find(const char *name);   /* NULL when there is none */

/* Transmits a frame (see netdev_ops.xmit); counts it in tx_* on success. */
int netdev_xmit(struct netdev *nd, const void *frame, size_t len);
/* The same, with more frames to follow: the device may not see it before
 * netdev_xmit_flush (which the caller owes, also before it waits for a TX
 * buffer: the device returns none it was not told of). */
int netdev_xmit_more(struct netdev *nd, const void *frame, size_t len);
/* A frame written by fill into the device's buffer, with more to follow (as
 * netdev_xmit_more): no copy of the frame is made on the way. */
int netdev_xmit_fill(struct netdev *nd, size_t len, netdev_fill_fn fill, void *arg);
void netdev_xmit_flush(struct netdev *nd);
/* Sets (hook NULL: removes) the receive callback. The hook must stay valid for
 * as long as it is set, and a callback already running on another CPU may
 * still finish after the call returns. */
void netdev_set_rx(struct netdev *nd, const struct netdev_rx_hook *hook);

/* ---- for drivers ---- */
/* Hands a received frame to the consumer, counting it in rx_packets/rx_bytes
 * (as Linux's drivers count what the device delivered; without a consumer the
 * frame is simply not used). */
void netdev_rx(struct netdev *nd, const void *frame, size_t len);
/* Records the link state, logging a change after registration. */
void netdev_set_link(struct netdev *nd, bool up);
static inline bool netdev_link_up(const struct netdev *nd)
{ return __atomic_load_n(&nd->link_up, __ATOMIC_ACQUIRE); }
static inline uint32_t netdev_link_changes(const struct netdev *nd)
{ return __atomic_load_n(&nd->link_changes, __ATOMIC_ACQUIRE); }
static inline void netdev_count_add(uint64_t *counter, uint64_t n)
{ __atomic_add_fetch(counter, n, __ATOMIC_RELAXED); }
