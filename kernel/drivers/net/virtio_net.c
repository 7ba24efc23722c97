/* virtio-net (virtio 1.0 §5.1) over the modern PCI transport: one receive and one
 * transmit queue, each with its own MSI-X vector (and one for configuration
 * changes: the link state). The receive queue is kept full of 2 KiB buffers, each
 * re-posted as soon as its frame has been handed to the netdev layer; a frame to
 * send is copied into a free transmit buffer, and buffers the device is done with
 * are reclaimed by the transmit interrupt (and by the next send). No checksum or
 * segmentation offload is negotiated: every frame is a plain Ethernet frame
 * behind a zeroed 12-byte virtio_net_hdr. */

#define LOG_TAG "virtio-net"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/netdev.h>
#include <osc/pci.h>
#include <osc/virtio.h>

/* Feature bits (§5.1.3). */
#define VIRTIO_NET_F_MAC        5
#define VIRTIO_NET_F_STATUS     16

/* struct virtio_net_config offsets (§5.1.4). */
#define CFG_MAC                 0
#define CFG_STATUS              6
#define VIRTIO_NET_S_LINK_UP    1

#define VNET_RXQ                0           /* receiveq1 (§5.1.2) */
#define VNET_TXQ                1           /* transmitq1 */
#define VNET_MSIX_CONFIG        0
#define VNET_MSIX_RX            1
#define VNET_MSIX_TX            2
#define VNET_IRQ_CPU            0
#define VNET_QUEUE_SIZE         128
/* A buffer holds the header and a whole frame; without MRG_RXBUF a receive
 * buffer must take at least 12 + 1514 bytes (§5.1.6.3.1). Two per page. */
#define VNET_BUF_SIZE           2048
#define VNET_BAD_LOG_MAX        8           /* device errors logged before going quiet */

/* struct virtio_net_hdr with VIRTIO_F_VERSION_1 (§5.1.6): num_buffers included. */
struct virtio_net_hdr {
    uint8_t flags, gso_type;
    uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr is 12 bytes in 1.0");
#define VNET_HDR_LEN            sizeof(struct virtio_net_hdr)

struct vnet {
    struct virtio_dev vdev;
    struct virtq rxq, txq;
    uint8_t *rx_bufs, *tx_bufs;         /* rxq.size / txq.size buffers, direct map */
    paddr_t rx_phys, tx_phys;
    size_t rx_pages, tx_pages;
    /* tx_lock (rank 71, docs/locking.md `vnet_tx`) guards tx_free/tx_nfree and the
     * contents of free TX buffers; posting takes the txq lock (72) inside it. */
    spinlock_t tx_lock;
    uint16_t *tx_free;                  /* stack of free TX buffer indexes */
    uint16_t tx_nfree;
    uint32_t bad_count;                 /* device errors seen (atomic) */
    struct netdev nd;
};

/* Logs the first few device errors, then only counts them (a lying device must
 * not flood the log from its interrupt). */
static void vnet_bad(struct vnet *vn, const char *what, uint32_t a, uint32_t b)
{
    uint32_t n = __atomic_add_fetch(&vn->bad_count, 1, __ATOMIC_RELAXED);
    if (n <= VNET_BAD_LOG_MAX)
        log_warn("%s: %s (%u, %u): dropped%s", vn->vdev.pci->name, what, a, b,
                 n == VNET_BAD_LOG_MAX ? "; further errors are only counted" : "");
}

static int rx_post(struct vnet *vn, uint8_t *buf)
{
    struct virtq_buf b = { vn->rx_phys + (paddr_t)(buf - vn->rx_bufs), VNET_BUF_SIZE, true };
    return virtq_add(&vn->rxq, &b, 1, buf);
}

static void vnet_rx_irq(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct vnet *vn = ctx;
    uint8_t *buf;
    uint32_t len;
    bool posted = false;
    /* virtq_get has checked the id (one of ours, in flight) and that len fits the
     * buffer; what it means for a frame is checked here. */
    while ((buf = virtq_get(&vn->rxq, &len))) {
        size_t off = (size_t)(buf - vn->rx_bufs);
        if (buf < vn->rx_bufs || off % VNET_BUF_SIZE || off / VNET_BUF_SIZE >= vn->rxq.size) {
            vnet_bad(vn, "receive token not a buffer of ours", (uint32_t)off, vn->rxq.size);
            continue;           /* cannot happen with our own tokens; never re-post it */
        }
        if (len < VNET_HDR_LEN + ETH_HLEN || len > VNET_HDR_LEN + ETH_HLEN + vn->nd.mtu) {
            vnet_bad(vn, "received length out of range", len, VNET_BUF_SIZE);
            netdev_count_add(&vn->nd.stats.rx_errors, 1);
        } else {
            netdev_rx(&vn->nd, buf + VNET_HDR_LEN, len - VNET_HDR_LEN);
        }
        /* The buffer goes straight back: the ring stays full. */
        if (rx_post(vn, buf) == 0)
            posted = true;
    }
    if (posted)
        virtq_kick(&vn->rxq);
}

/* Takes back the TX buffers the device has finished with; tx_lock held. */
static void tx_reclaim_locked(struct vnet *vn)
{
    uint8_t *buf;
    uint32_t len;
    while ((buf = virtq_get(&vn->txq, &len))) {
        size_t off = (size_t)(buf - vn->tx_bufs);
        if (buf < vn->tx_bufs || off % VNET_BUF_SIZE || off / VNET_BUF_SIZE >= vn->txq.size ||
            vn->tx_nfree >= vn->txq.size) {
            vnet_bad(vn, "transmit token not a buffer in flight", (uint32_t)off, vn->txq.size);
            continue;
        }
        vn->tx_free[vn->tx_nfree++] = (uint16_t)(off / VNET_BUF_SIZE);
    }
}

static void vnet_tx_irq(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct vnet *vn = ctx;
    unsigned long flags = spin_lock_irqsave(&vn->tx_lock);
    tx_reclaim_locked(vn);
    spin_unlock_irqrestore(&vn->tx_lock, flags);
}

static bool vnet_link_status(struct vnet *vn)
{
    if (!virtio_has(&vn->vdev, VIRTIO_NET_F_STATUS))
        return true;            /* without VIRTIO_NET_F_STATUS the link is assumed up */
    uint16_t status;
    virtio_cfg_read(&vn->vdev, CFG_STATUS, &status, sizeof(status));
    return status & VIRTIO_NET_S_LINK_UP;
}

static void vnet_config_irq(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct vnet *vn = ctx;
    netdev_set_link(&vn->nd, vnet_link_status(vn));
}

/* With a single vector every source shares it. */
static void vnet_shared_irq(struct irq_frame *f, void *ctx)
{
    vnet_config_irq(f, ctx);
    vnet_rx_irq(f, ctx);
    vnet_tx_irq(f, ctx);
}

static int vnet_xmit(struct netdev *nd, size_t len, netdev_fill_fn fill, void *arg, bool more)
{
    struct vnet *vn = nd->priv;
    if (len > VNET_BUF_SIZE - VNET_HDR_LEN)
        return -EMSGSIZE;
    if (!netdev_link_up(nd))
        return -ENETDOWN;
    unsigned long flags = spin_lock_irqsave(&vn->tx_lock);
    tx_reclaim_locked(vn);
    int err = 0;
    if (vn->txq.broken)
        err = -EIO;
    else if (vn->tx_nfree == 0)
        err = -EAGAIN;
    if (err) {
        spin_unlock_irqrestore(&vn->tx_lock, flags);
        return err;
    }
    uint16_t i = vn->tx_free[--vn->tx_nfree];
    uint8_t *buf = vn->tx_bufs + (size_t)i * VNET_BUF_SIZE;
    memset(buf, 0, VNET_HDR_LEN);       /* no offloads: flags, gso_type all zero */
    fill(buf + VNET_HDR_LEN, len, arg);
    struct virtq_buf b = { vn->tx_phys + (size_t)i * VNET_BUF_SIZE,
                           (uint32_t)(VNET_HDR_LEN + len), false };
    err = virtq_add(&vn->txq, &b, 1, buf);
    if (err) {
        vn->tx_free[vn->tx_nfree++] = i;
        err = err == -ENOSPC ? -EAGAIN : -EIO;
    } else if (!more) {
        virtq_kick(&vn->txq);
    }
    spin_unlock_irqrestore(&vn->tx_lock, flags);
    return err;
}

/* Under TCG a notification is a trap into QEMU that takes its big lock, about
 * as dear as copying the frame: a burst (a TCP window's segments) is told once. */
static void vnet_flush(struct netdev *nd)
{
    struct vnet *vn = nd->priv;
    virtq_kick(&vn->txq);
}

static const struct netdev_ops vnet_ops = { .xmit = vnet_xmit, .flush = vnet_flush };

/* Buffer memory for one queue: size buffers of VNET_BUF_SIZE, contiguous. */
static uint8_t *alloc_bufs(uint16_t size, paddr_t *phys, size_t *pages)
{
    *pages = ALIGN_UP((size_t)size * VNET_BUF_SIZE, PAGE_SIZE) / PAGE_SIZE;
    *phys = pmm_alloc_pages(*pages);
    return *phys ? phys_to_virt(*phys) : NULL;
}

static int vnet_setup_irqs(struct vnet *vn)
{
    struct virtio_dev *v = &vn->vdev;
    struct pci_dev *pci = v->pci;
    bool own = v->nvec >= 3;
    uint16_t rxv = own ? VNET_MSIX_RX : VNET_MSIX_CONFIG;
    uint16_t txv = own ? VNET_MSIX_TX : VNET_MSIX_CONFIG;
    int err = virtio_queue_setup(v, &vn->rxq, VNET_RXQ, VNET_QUEUE_SIZE, rxv);
    if (!err)
        err = virtio_queue_setup(v, &vn->txq, VNET_TXQ, VNET_QUEUE_SIZE, txv);
    if (err)
        return err;
    if (own) {
        err = pci_irq_setup(pci, VNET_MSIX_RX, vnet_rx_irq, vn, VNET_IRQ_CPU);
        if (!err)
            err = pci_irq_setup(pci, VNET_MSIX_TX, vnet_tx_irq, vn, VNET_IRQ_CPU);
        if (!err)
            err = pci_irq_setup(pci, VNET_MSIX_CONFIG, vnet_config_irq, vn, VNET_IRQ_CPU);
    } else {
        err = pci_irq_setup(pci, VNET_MSIX_CONFIG, vnet_shared_irq, vn, VNET_IRQ_CPU);
    }
    if (!err)
        err = virtio_config_vector(v, VNET_MSIX_CONFIG);
    return err;
}

static int vnet_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
    (void)id;
    struct vnet *vn = kzalloc(sizeof(*vn));
    if (!vn)
        return -ENOMEM;
    struct virtio_dev *v = &vn->vdev;
    spin_init(&vn->tx_lock, "vnet_tx", 71);
    int err = virtio_pci_init(v, pci, 3);
    if (err)
        goto fail;
    /* No checksum or segmentation offloads, no merged buffers, no control queue. */
    err = virtio_negotiate(v, 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS);
    if (err)
        goto fail;
    err = vnet_setup_irqs(vn);
    if (err)
        goto fail;
    err = -ENOMEM;
    vn->rx_bufs = alloc_bufs(vn->rxq.size, &vn->rx_phys, &vn->rx_pages);
    vn->tx_bufs = alloc_bufs(vn->txq.size, &vn->tx_phys, &vn->tx_pages);
    vn->tx_free = kmalloc(vn->txq.size * sizeof(*vn->tx_free));
    if (!vn->rx_bufs || !vn->tx_bufs || !vn->tx_free)
        goto fail;
    for (uint16_t i = 0; i < vn->txq.size; i++)
        vn->tx_free[i] = (uint16_t)(vn->txq.size - 1 - i);
    vn->tx_nfree = vn->txq.size;
    /* The receive ring full before the device starts (it may not be told
     * before DRIVER_OK, §3.1.1). */
    for (uint16_t i = 0; i < vn->rxq.size; i++) {
        err = rx_post(vn, vn->rx_bufs + (size_t)i * VNET_BUF_SIZE);
        if (err)
            goto fail;
    }
    struct netdev *nd = &vn->nd;
    nd->mtu = ETH_DATA_LEN;
    nd->ops = &vnet_ops;
    nd->priv = vn;
    if (virtio_has(v, VIRTIO_NET_F_MAC)) {
        virtio_cfg_read(v, CFG_MAC, nd->mac, ETH_ALEN);
    } else {
        /* A locally administered address (bit 1 of the first byte), unique per slot. */
        static const uint8_t local[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };
        memcpy(nd->mac, local, ETH_ALEN);
        nd->mac[4] = pci->bus;
        nd->mac[5] = (uint8_t)(pci->dev << 3 | pci->fn);
        log_warn("%s: the device has no MAC address: using a local one", pci->name);
    }
    nd->link_up = vnet_link_status(vn);
    virtio_driver_ok(v);
    virtq_kick(&vn->rxq);
    err = netdev_register(nd);
    if (err) {
        virtio_reset(v);        /* it has our receive buffers: take them back */
        goto fail;
    }
    const uint8_t *m = nd->mac;
    log_info("%s: MAC=%02x:%02x:%02x:%02x:%02x:%02x, link %s", nd->name, m[0], m[1], m[2],
             m[3], m[4], m[5], netdev_link_up(nd) ? "up" : "down");
    return 0;
fail:
    /* vn stays allocated, and so do its buffers: the device, queues or vectors may
     * still refer to them. */
    virtio_fail(v);
    pci_irq_free(pci);
    log_warn("%s: not used (%d)", pci->name, err);
    return err;
}

static const struct pci_device_id vnet_ids[] = {
    { VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_NET, 0, 0 },
    { VIRTIO_PCI_VENDOR, 0x1000, 0, 0 },    /* transitional: modern interface too */
    { 0, 0, 0, 0 },
};

PCI_DRIVER(virtio_net) = { .name = "virtio-net", .ids = vnet_ids, .probe = vnet_probe };
