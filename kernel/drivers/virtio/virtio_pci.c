/* The virtio 1.0 modern PCI transport (virtio 1.0 §4.1): the vendor capabilities
 * that point at the common, notify, ISR and device configuration structures in
 * memory BARs, the status handshake, feature negotiation and queue setup. */

#define LOG_TAG "virtio"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/time.h>
#include <osc/virtio.h>

/* struct virtio_pci_cap (§4.1.4). */
#define VCAP_CFG_TYPE   3
#define VCAP_BAR        4
#define VCAP_OFFSET     8
#define VCAP_LENGTH     12
#define VCAP_NOTIFY_MULT 16
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* struct virtio_pci_common_cfg (§4.1.4.3). */
#define COMMON_DFSELECT     0
#define COMMON_DF           4
#define COMMON_GFSELECT     8
#define COMMON_GF           12
#define COMMON_MSIX         16
#define COMMON_NUMQ         18
#define COMMON_STATUS       20
#define COMMON_CFGGEN       21
#define COMMON_Q_SELECT     22
#define COMMON_Q_SIZE       24
#define COMMON_Q_MSIX       26
#define COMMON_Q_ENABLE     28
#define COMMON_Q_NOFF       30
#define COMMON_Q_DESC       32
#define COMMON_Q_AVAIL      40
#define COMMON_Q_USED       48
#define COMMON_LEN          56

#define RESET_TIMEOUT_NS    1000000000ull

static inline uint8_t rd8(struct virtio_dev *v, unsigned off) { return v->common[off]; }
static inline uint16_t rd16(struct virtio_dev *v, unsigned off)
{ return *(volatile uint16_t *)(v->common + off); }
static inline uint32_t rd32(struct virtio_dev *v, unsigned off)
{ return *(volatile uint32_t *)(v->common + off); }
static inline void wr8(struct virtio_dev *v, unsigned off, uint8_t x) { v->common[off] = x; }
static inline void wr16(struct virtio_dev *v, unsigned off, uint16_t x)
{ *(volatile uint16_t *)(v->common + off) = x; }
static inline void wr32(struct virtio_dev *v, unsigned off, uint32_t x)
{ *(volatile uint32_t *)(v->common + off) = x; }
/* 64-bit fields as two 32-bit writes, low half first (§4.1.3.1). */
static inline void wr64(struct virtio_dev *v, unsigned off, uint64_t x)
{ wr32(v, off, (uint32_t)x); wr32(v, off + 4, (uint32_t)(x >> 32)); }

static void set_status(struct virtio_dev *v, uint8_t bits)
{
    wr8(v, COMMON_STATUS, rd8(v, COMMON_STATUS) | bits);
}

/* Maps the structure one capability describes; NULL when its BAR range is bad. */
static volatile uint8_t *map_cap(struct pci_dev *d, uint8_t cap, uint32_t min_len,
                                 uint32_t *len_out)
{
    uint8_t bar = pci_read8(d, cap + VCAP_BAR);
    uint32_t off = pci_read32(d, cap + VCAP_OFFSET), len = pci_read32(d, cap + VCAP_LENGTH);
    if (len < min_len) {
        log_warn("%s: capability at %#x is %u bytes, needs %u", d->name, cap, len, min_len);
        return NULL;
    }
    if (len_out)
        *len_out = len;
    return pci_map_bar(d, bar, off, len);
}

int virtio_pci_init(struct virtio_dev *v, struct pci_dev *d, unsigned nvec)
{
    memset(v, 0, sizeof(*v));
    v->pci = d;
    uint8_t caps[5] = { 0 };
    for (uint8_t c = pci_find_cap(d, 0, PCI_CAP_ID_VNDR); c; c = pci_find_cap(d, c, PCI_CAP_ID_VNDR)) {
        uint8_t type = pci_read8(d, c + VCAP_CFG_TYPE);
        if (type >= VIRTIO_PCI_CAP_COMMON_CFG && type <= VIRTIO_PCI_CAP_DEVICE_CFG && !caps[type])
            caps[type] = c;     /* the first of each type is the preferred one */
    }
    if (!caps[VIRTIO_PCI_CAP_COMMON_CFG] || !caps[VIRTIO_PCI_CAP_NOTIFY_CFG] ||
        !caps[VIRTIO_PCI_CAP_ISR_CFG]) {
        log_warn("%s: no virtio 1.0 capabilities (legacy-only device)", d->name);
        return -ENODEV;
    }
    v->common = map_cap(d, caps[VIRTIO_PCI_CAP_COMMON_CFG], COMMON_LEN, NULL);
    v->isr = map_cap(d, caps[VIRTIO_PCI_CAP_ISR_CFG], 1, NULL);
    v->notify_base = map_cap(d, caps[VIRTIO_PCI_CAP_NOTIFY_CFG], 2, &v->notify_len);
    v->notify_mult = pci_read32(d, caps[VIRTIO_PCI_CAP_NOTIFY_CFG] + VCAP_NOTIFY_MULT);
    if (caps[VIRTIO_PCI_CAP_DEVICE_CFG])
        v->device_cfg = map_cap(d, caps[VIRTIO_PCI_CAP_DEVICE_CFG], 1, &v->device_cfg_len);
    if (!v->common || !v->isr || !v->notify_base)
        return -EIO;
    pci_enable_device(d);
    int n = pci_irq_alloc(d, nvec);
    if (n < 0 || d->irqs->mode != PCI_IRQ_MSIX) {
        log_warn("%s: no MSI-X (%d): not supported", d->name, n);
        return n < 0 ? n : -ENODEV;
    }
    v->nvec = n;
    if (virtio_reset(v))
        return -EIO;
    set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(v, VIRTIO_STATUS_DRIVER);
    v->num_queues = rd16(v, COMMON_NUMQ);
    return 0;
}

int virtio_reset(struct virtio_dev *v)
{
    /* Reset, and wait for the device to show it is done (§4.1.4.3.2). */
    wr8(v, COMMON_STATUS, 0);
    uint64_t deadline = time_ns() + RESET_TIMEOUT_NS;
    while (rd8(v, COMMON_STATUS) != 0) {
        if (time_ns() > deadline) {
            log_warn("%s: reset did not complete", v->pci->name);
            return -EIO;
        }
        cpu_relax();
    }
    return 0;
}

int virtio_negotiate(struct virtio_dev *v, uint64_t wanted)
{
    wr32(v, COMMON_DFSELECT, 0);
    uint64_t dev = rd32(v, COMMON_DF);
    wr32(v, COMMON_DFSELECT, 1);
    dev |= (uint64_t)rd32(v, COMMON_DF) << 32;
    if (!(dev & (1ull << VIRTIO_F_VERSION_1))) {
        log_warn("%s: device does not offer VIRTIO_F_VERSION_1", v->pci->name);
        return -ENODEV;
    }
    uint64_t drv = dev & (wanted | 1ull << VIRTIO_F_VERSION_1);
    wr32(v, COMMON_GFSELECT, 0);
    wr32(v, COMMON_GF, (uint32_t)drv);
    wr32(v, COMMON_GFSELECT, 1);
    wr32(v, COMMON_GF, (uint32_t)(drv >> 32));
    set_status(v, VIRTIO_STATUS_FEATURES_OK);
    if (!(rd8(v, COMMON_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        log_warn("%s: device refused features %#llx", v->pci->name, (unsigned long long)drv);
        return -EIO;
    }
    v->features = drv;
    log_debug("%s: features %#llx of %#llx", v->pci->name, (unsigned long long)drv,
              (unsigned long long)dev);
    return 0;
}

int virtio_config_vector(struct virtio_dev *v, uint16_t msix)
{
    wr16(v, COMMON_MSIX, msix);
    return rd16(v, COMMON_MSIX) == msix ? 0 : -EIO;
}

int virtio_queue_setup(struct virtio_dev *v, struct virtq *q, uint16_t index, uint16_t max,
                       uint16_t msix)
{
    memset(q, 0, sizeof(*q));
    if (index >= v->num_queues)
        return -ENOENT;
    wr16(v, COMMON_Q_SELECT, index);
    uint16_t size = rd16(v, COMMON_Q_SIZE);
    if (size == 0 || rd16(v, COMMON_Q_ENABLE))
        return -ENOENT;
    if (max > VIRTQ_MAX_SIZE)
        max = VIRTQ_MAX_SIZE;
    if (size > max)
        size = max;
    while (size & (size - 1))           /* split rings are a power of two (§2.4) */
        size &= size - 1;
    int err = virtq_alloc(q, v, index, size);
    if (err)
        return err;
    uint64_t noff = (uint64_t)rd16(v, COMMON_Q_NOFF) * v->notify_mult;
    if (noff + 2 > v->notify_len) {
        log_warn("%s: queue %u notify offset %#llx outside its window", v->pci->name, index,
                 (unsigned long long)noff);
        goto fail;
    }
    q->notify = (volatile uint16_t *)(v->notify_base + noff);
    wr16(v, COMMON_Q_SIZE, q->size);
    wr16(v, COMMON_Q_MSIX, msix);
    if (rd16(v, COMMON_Q_MSIX) != msix) {
        log_warn("%s: queue %u refused MSI-X vector %u", v->pci->name, index, msix);
        goto fail;
    }
    wr64(v, COMMON_Q_DESC, q->mem);
    wr64(v, COMMON_Q_AVAIL, q->mem + ((volatile uint8_t *)q->avail - (volatile uint8_t *)q->desc));
    wr64(v, COMMON_Q_USED, q->mem + ((volatile uint8_t *)q->used - (volatile uint8_t *)q->desc));
    wr16(v, COMMON_Q_ENABLE, 1);
    return 0;
fail:
    virtq_free(q);
    return -EIO;
}

void virtio_driver_ok(struct virtio_dev *v)
{
    set_status(v, VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(struct virtio_dev *v)
{
    if (v->common)
        set_status(v, VIRTIO_STATUS_FAILED);
}

void virtio_cfg_read(struct virtio_dev *v, uint32_t off, void *buf, size_t len)
{
    uint8_t *out = buf;
    /* Retry until the generation is the same before and after: a multi-byte
     * field read while the device changes it is not torn (§4.1.4.3.1). */
    for (int tries = 0; tries < 100; tries++) {
        uint8_t gen = rd8(v, COMMON_CFGGEN);
        for (size_t i = 0; i < len;) {
            uint32_t at = off + (uint32_t)i;
            /* Natural widths: 32-bit reads for 32- and 64-bit fields (§4.1.3.1). */
            size_t w = !(at & 3) && len - i >= 4 ? 4 : !(at & 1) && len - i >= 2 ? 2 : 1;
            uint32_t x = 0;
            if (v->device_cfg && at + w <= v->device_cfg_len)
                x = w == 4 ? *(volatile uint32_t *)(v->device_cfg + at)
                  : w == 2 ? *(volatile uint16_t *)(v->device_cfg + at) : v->device_cfg[at];
            memcpy(out + i, &x, w);
            i += w;
        }
        if (rd8(v, COMMON_CFGGEN) == gen)
            return;
    }
    log_warn("%s: configuration keeps changing", v->pci->name);
}
