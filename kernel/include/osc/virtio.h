/* virtio 1.0 over PCI, the modern transport only (virtio 1.0 §4.1), with split
 * virtqueues (§2.4). Shared by every virtio driver (blk now; net, gpu, input
 * later). A driver's probe calls virtio_pci_init, negotiates features, sets up
 * its queues (each with its own MSI-X vector), then virtio_driver_ok. Buffers
 * are given by physical address: the caller keeps them alive until the device
 * returns them. Everything the device writes back (used ring index, ids,
 * lengths) is checked; a device that lies is logged and marked broken, and its
 * requests fail instead of corrupting memory. */
#pragma once

#include <osc/pci.h>
#include <osc/spinlock.h>
#include <osc/types.h>

#define VIRTIO_PCI_VENDOR       0x1af4
#define VIRTIO_PCI_MODERN_BASE  0x1040      /* device id = 0x1040 + virtio device id */
#define VIRTIO_ID_NET           1
#define VIRTIO_ID_BLOCK         2

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE   1
#define VIRTIO_STATUS_DRIVER        2
#define VIRTIO_STATUS_DRIVER_OK     4
#define VIRTIO_STATUS_FEATURES_OK   8
#define VIRTIO_STATUS_NEEDS_RESET   64
#define VIRTIO_STATUS_FAILED        128

#define VIRTIO_F_VERSION_1      32          /* §6.1: the modern interface */
#define VIRTIO_MSI_NO_VECTOR    0xffff

#define VIRTQ_DESC_F_NEXT       1
#define VIRTQ_DESC_F_WRITE      2           /* device writes this buffer */
#define VIRTQ_MAX_SIZE          256         /* what we ask for at most per queue */

struct virtq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct virtq_used_elem { uint32_t id, len; };

struct virtio_dev;

/* One split virtqueue. lock (rank 72, docs/locking.md `virtq`) guards the
 * descriptor free list, the avail ring and the used-ring cursor; taken by the
 * submitter and by the interrupt handler (irqsave). */
struct virtq {
    spinlock_t lock;
    struct virtio_dev *vdev;
    uint16_t index, size;
    uint16_t num_free, free_head;
    uint16_t last_used;                 /* used entries consumed so far (mod 2^16) */
    uint16_t avail_idx;                 /* our copy of avail->idx */
    bool broken;                        /* the device gave bad input: refuse all */
    volatile struct virtq_desc *desc;
    volatile uint16_t *avail;           /* flags, idx, ring[size], used_event */
    volatile uint16_t *used;            /* flags, idx, then the elements */
    volatile uint16_t *notify;          /* where to write the queue index */
    paddr_t mem;                        /* the rings' frames */
    size_t mem_pages;
    void **token;                       /* per head: the caller's cookie, NULL: free */
    uint32_t *in_len;                   /* per head: bytes the device may write */
    uint16_t *chain_len;                /* per head: descriptors in its chain */
};

struct virtio_dev {
    struct pci_dev *pci;
    volatile uint8_t *common;           /* COMMON_CFG */
    volatile uint8_t *isr;              /* ISR_CFG */
    volatile uint8_t *device_cfg;       /* DEVICE_CFG (may be NULL) */
    uint32_t device_cfg_len;
    volatile uint8_t *notify_base;      /* NOTIFY_CFG */
    uint32_t notify_mult, notify_len;
    uint64_t features;                  /* negotiated */
    uint16_t num_queues;
    int nvec;                           /* MSI-X vectors enabled */
};

/* A buffer of a request: physical address, length, device-writable or not. */
struct virtq_buf { paddr_t addr; uint32_t len; bool write; };

/* Finds the capabilities, maps them, enables the device (memory, bus master),
 * allocates up to nvec MSI-X vectors and resets it, then sets ACKNOWLEDGE and
 * DRIVER. 0 or -ENODEV (not a modern virtio device), -EIO, -ENOMEM. */
int virtio_pci_init(struct virtio_dev *v, struct pci_dev *pci, unsigned nvec);
/* Offers wanted & device features (VERSION_1 is required and always asked for),
 * writes FEATURES_OK and checks the device kept it. 0 or -EIO / -ENODEV; the
 * negotiated set in v->features. */
int virtio_negotiate(struct virtio_dev *v, uint64_t wanted);
static inline bool virtio_has(const struct virtio_dev *v, unsigned bit)
{ return v->features & (1ull << bit); }
/* Sets up queue index with at most max entries (a power of two) and MSI-X table
 * entry msix (VIRTIO_MSI_NO_VECTOR: none); the device must accept the vector.
 * 0 or a negative errno. */
int virtio_queue_setup(struct virtio_dev *v, struct virtq *q, uint16_t index, uint16_t max,
                       uint16_t msix);
/* The configuration-change vector. 0 or -EIO when the device refuses it. */
int virtio_config_vector(struct virtio_dev *v, uint16_t msix);
void virtio_driver_ok(struct virtio_dev *v);
/* Resets the device (status 0) and waits up to a second for it to finish: once
 * it has, the device no longer touches the rings or any buffer given to it. 0 or
 * -EIO (it never showed the reset done). */
int virtio_reset(struct virtio_dev *v);
/* Marks the device FAILED (a probe giving up). */
void virtio_fail(struct virtio_dev *v);
/* Device-specific configuration, read with the generation check (§4.1.4.3.1);
 * bytes past the capability's length read as zero. */
void virtio_cfg_read(struct virtio_dev *v, uint32_t off, void *buf, size_t len);

/* ---- virtqueues (virtqueue.c) ---- */
/* The rings (zeroed DMA memory from pmm) and the free list for size entries (a
 * power of two up to VIRTQ_MAX_SIZE), without telling any device: 0, -EINVAL,
 * -ENOMEM. virtq_free releases them (the device must no longer use them). */
int virtq_alloc(struct virtq *q, struct virtio_dev *v, uint16_t index, uint16_t size);
void virtq_free(struct virtq *q);
/* Queues a chain: out buffers (device reads) then in buffers (device writes).
 * 0, -ENOSPC (not enough free descriptors now; retry after a completion),
 * -EINVAL (more than the queue holds) or -EIO (queue broken). Takes q->lock. */
int virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n, void *token);
/* Tells the device new buffers are there. */
void virtq_kick(struct virtq *q);
/* The next completed chain's token and the bytes written (*len), or NULL when
 * none. A bad used entry marks the queue broken and returns NULL. Takes q->lock. */
void *virtq_get(struct virtq *q, uint32_t *len);
/* Stops the queue as a device lie does (a driver giving up on the device). */
void virtq_break(struct virtq *q);
/* For a broken queue: the tokens still outstanding, one per call (NULL at the
 * end), so the driver can fail them. */
void *virtq_detach(struct virtq *q);
