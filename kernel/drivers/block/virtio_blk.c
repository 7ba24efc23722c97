/* virtio-blk (virtio 1.0 §5.2) over the modern PCI transport: one request queue
 * with its own MSI-X vector, as many requests in flight as the ring holds (each
 * submitter sleeps until the interrupt handler sees its request completed), flush
 * when the device has a write cache, read-only devices, and the disk registered
 * with the block layer as vda, vdb, ... A request the device leaves unanswered
 * past the timeout (30 s as Linux's; virtio_blk.timeout=SECONDS on the command
 * line) makes a watchdog thread reset the device and fail everything with EIO. */

#define LOG_TAG "virtio-blk"
#include <osc/block.h>
#include <osc/cmdline.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/pci.h>
#include <osc/sched.h>
#include <osc/time.h>
#include <osc/virtio.h>

/* Feature bits (§5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX   1
#define VIRTIO_BLK_F_SEG_MAX    2
#define VIRTIO_BLK_F_RO         5
#define VIRTIO_BLK_F_BLK_SIZE   6
#define VIRTIO_BLK_F_FLUSH      9

/* struct virtio_blk_config offsets (§5.2.4). */
#define CFG_CAPACITY    0
#define CFG_SIZE_MAX    8
#define CFG_SEG_MAX     12
#define CFG_BLK_SIZE    20

/* Request types and status (§5.2.6). */
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_S_OK     0

#define VBLK_QUEUE_SIZE     128
#define VBLK_MSIX_CONFIG    0
#define VBLK_MSIX_QUEUE     1
#define VBLK_IRQ_CPU        0       /* where the queue's interrupt goes (boot CPU) */
#define VBLK_MAX_SEGS       64      /* data descriptors a request uses at most (256 KiB:
                                     * the page cache's readahead and write-back runs) */
#define VBLK_TIMEOUT_S      30      /* Linux's block request timeout */
#define VBLK_WATCH_NS       500000000ull    /* the watchdog's look while busy */
#define NS_PER_S            1000000000ull

struct vblk_req_hdr { uint32_t type, reserved; uint64_t sector; };

/* One request in flight; kmalloc'd (the direct map, so its physical address is
 * what the device gets). done and status are written by the interrupt handler
 * before it wakes the disk's wait queue. */
struct vblk_req {
    struct vblk_req_hdr hdr;
    uint8_t status;
    bool done;
    uint64_t deadline;              /* time_ns() past which the device is dead */
    struct vblk_req *next, *prev;   /* on vblk.inflight, under wq.lock */
    struct virtq_buf bufs[VBLK_MAX_SEGS + 2];   /* here, not on the kernel stack */
};

struct vblk {
    struct virtio_dev vdev;
    struct virtq q;
    struct waitqueue wq;            /* submitters waiting for completion or a slot */
    struct vblk_req *inflight;      /* posted, not yet collected; under wq.lock */
    uint32_t ninflight;             /* written under wq.lock, read by the watchdog */
    struct waitqueue wd_wq;         /* the watchdog sleeps here while nothing is posted */
    struct blkdev disk;
};

static uint64_t timeout_ns = VBLK_TIMEOUT_S * NS_PER_S;

static void vblk_irq(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct vblk *vb = ctx;
    struct vblk_req *r;
    uint32_t len;
    while ((r = virtq_get(&vb->q, &len))) {
        /* The device wrote the status byte last: a chain that came back without
         * it (len 0) did not complete. */
        if (len == 0)
            r->status = 0xff;
        __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
    }
    if (vb->q.broken) {
        while ((r = virtq_detach(&vb->q))) {
            r->status = 0xff;
            __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
        }
    }
    waitqueue_wake_all(&vb->wq);
}

static void vblk_config_irq(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct vblk *vb = ctx;
    log_info("%s: configuration changed (capacity changes are not followed yet)",
             vb->disk.name);
}

/* Posts one chain and sleeps until it completes (or the watchdog gives up on the
 * device): 0 or -EIO. */
static int vblk_submit(struct vblk *vb, struct vblk_req *r, const struct virtq_buf *bufs,
                       unsigned n)
{
    unsigned long flags = spin_lock_irqsave(&vb->wq.lock);
    int err;
    /* A full ring: wait for a completion to free descriptors. */
    while ((err = virtq_add(&vb->q, bufs, n, r)) == -ENOSPC)
        waitqueue_sleep_locked(&vb->wq, &flags);
    if (err) {
        spin_unlock_irqrestore(&vb->wq.lock, flags);
        r->status = 0xff;               /* never posted: the queue is stopped */
        return -EIO;
    }
    r->deadline = time_ns() + timeout_ns;
    r->prev = NULL;
    r->next = vb->inflight;
    if (vb->inflight)
        vb->inflight->prev = r;
    vb->inflight = r;
    bool first = __atomic_add_fetch(&vb->ninflight, 1, __ATOMIC_RELEASE) == 1;
    virtq_kick(&vb->q);
    spin_unlock_irqrestore(&vb->wq.lock, flags);
    if (first)
        waitqueue_wake_all(&vb->wd_wq);
    flags = spin_lock_irqsave(&vb->wq.lock);
    while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
        waitqueue_sleep_locked(&vb->wq, &flags);
    if (r->prev)
        r->prev->next = r->next;
    else
        vb->inflight = r->next;
    if (r->next)
        r->next->prev = r->prev;
    __atomic_sub_fetch(&vb->ninflight, 1, __ATOMIC_RELEASE);
    spin_unlock_irqrestore(&vb->wq.lock, flags);
    return r->status == VIRTIO_BLK_S_OK ? 0 : -EIO;
}

/* The device left a request unanswered past its deadline: reset it (after which
 * it touches no buffer of ours), fail every outstanding request, refuse new ones. */
static void vblk_give_up(struct vblk *vb)
{
    log_error("%s: a request got no answer in %llu s: device reset, every request fails "
              "with EIO", vb->disk.name, (unsigned long long)(timeout_ns / NS_PER_S));
    virtq_break(&vb->q);
    virtio_reset(&vb->vdev);
    struct vblk_req *r;
    while ((r = virtq_detach(&vb->q))) {
        r->status = 0xff;
        __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
    }
    waitqueue_wake_all(&vb->wq);
}

/* Sleeps while nothing is posted (idle means idle); while requests are out,
 * looks twice a second for one past its deadline. */
static void vblk_watchdog(void *arg)
{
    struct vblk *vb = arg;
    for (;;) {
        unsigned long flags = spin_lock_irqsave(&vb->wd_wq.lock);
        while (!__atomic_load_n(&vb->ninflight, __ATOMIC_ACQUIRE))
            waitqueue_sleep_locked(&vb->wd_wq, &flags);
        spin_unlock_irqrestore(&vb->wd_wq.lock, flags);
        thread_sleep_ns(VBLK_WATCH_NS);
        uint64_t now = time_ns();
        bool late = false;
        flags = spin_lock_irqsave(&vb->wq.lock);
        for (struct vblk_req *r = vb->inflight; r && !late; r = r->next)
            late = !__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) && now > r->deadline;
        spin_unlock_irqrestore(&vb->wq.lock, flags);
        if (late && !vb->q.broken)
            vblk_give_up(vb);
    }
}

static int vblk_rw(struct blkdev *disk, bool write, uint64_t sector, uint32_t count,
                   const paddr_t *pages)
{
    struct vblk *vb = disk->priv;
    if (!count || sector >= disk->sectors || count > disk->sectors - sector ||
        count > disk->max_sectors)
        return -EIO;
    struct vblk_req *r = kzalloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->hdr.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
    r->hdr.sector = sector;
    struct virtq_buf *bufs = r->bufs;
    unsigned n = 0;
    bufs[n++] = (struct virtq_buf){ virt_to_phys(&r->hdr), sizeof(r->hdr), false };
    size_t bytes = (size_t)count * BLK_SECTOR_SIZE;
    for (size_t i = 0; bytes; i++) {
        uint32_t len = (uint32_t)MIN(bytes, PAGE_SIZE);
        bufs[n++] = (struct virtq_buf){ pages[i], len, !write };
        bytes -= len;
    }
    bufs[n++] = (struct virtq_buf){ virt_to_phys(&r->status), 1, true };
    int err = vblk_submit(vb, r, bufs, n);
    if (err)
        log_warn("%s: %s of %u sectors at %llu failed (status %u)", disk->name,
                 write ? "write" : "read", count, (unsigned long long)sector, r->status);
    kfree(r);
    return err;
}

static int vblk_flush(struct blkdev *disk)
{
    struct vblk *vb = disk->priv;
    if (!virtio_has(&vb->vdev, VIRTIO_BLK_F_FLUSH))
        return 0;               /* no volatile cache to flush */
    struct vblk_req *r = kzalloc(sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->hdr.type = VIRTIO_BLK_T_FLUSH;
    struct virtq_buf bufs[2] = {
        { virt_to_phys(&r->hdr), sizeof(r->hdr), false },
        { virt_to_phys(&r->status), 1, true },
    };
    int err = vblk_submit(vb, r, bufs, 2);
    kfree(r);
    return err;
}

static const struct blkdev_ops vblk_ops = { .rw = vblk_rw, .flush = vblk_flush };

static int vblk_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
    (void)id;
    struct vblk *vb = kzalloc(sizeof(*vb));
    if (!vb)
        return -ENOMEM;
    struct virtio_dev *v = &vb->vdev;
    int err = virtio_pci_init(v, pci, 2);
    if (err)
        goto fail;
    err = virtio_negotiate(v, 1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_FLUSH |
                              1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
                              1ull << VIRTIO_BLK_F_SIZE_MAX);
    if (err)
        goto fail;
    waitqueue_init(&vb->wq);
    waitqueue_init(&vb->wd_wq);
    const char *t = cmdline_get("virtio_blk.timeout");
    if (t && *t) {
        uint64_t secs = 0;
        for (; *t >= '0' && *t <= '9' && secs < 100000; t++)
            secs = secs * 10 + (uint64_t)(*t - '0');
        if (secs)
            timeout_ns = secs * NS_PER_S;
    }
    /* With one vector only, the queue shares entry 0 and config changes go unheard. */
    uint16_t qvec = v->nvec > 1 ? VBLK_MSIX_QUEUE : VBLK_MSIX_CONFIG;
    err = virtio_queue_setup(v, &vb->q, 0, VBLK_QUEUE_SIZE, qvec);
    if (!err)
        err = pci_irq_setup(pci, qvec, vblk_irq, vb, VBLK_IRQ_CPU);
    if (!err && v->nvec > 1 && pci_irq_setup(pci, VBLK_MSIX_CONFIG, vblk_config_irq, vb,
                                             VBLK_IRQ_CPU) == 0)
        err = virtio_config_vector(v, VBLK_MSIX_CONFIG);
    if (err)
        goto fail;

    uint64_t capacity;
    virtio_cfg_read(v, CFG_CAPACITY, &capacity, sizeof(capacity));
    uint32_t segs = VBLK_MAX_SEGS, blk_size = BLK_SECTOR_SIZE, size_max = PAGE_SIZE;
    if (virtio_has(v, VIRTIO_BLK_F_SEG_MAX)) {
        virtio_cfg_read(v, CFG_SEG_MAX, &segs, sizeof(segs));
        segs = MIN(MAX(segs, 1u), (uint32_t)VBLK_MAX_SEGS);
    }
    if (virtio_has(v, VIRTIO_BLK_F_SIZE_MAX))
        virtio_cfg_read(v, CFG_SIZE_MAX, &size_max, sizeof(size_max));
    if (virtio_has(v, VIRTIO_BLK_F_BLK_SIZE))
        virtio_cfg_read(v, CFG_BLK_SIZE, &blk_size, sizeof(blk_size));
    err = -ENODEV;
    /* Values from the device, checked: a capacity whose byte count overflows, a
     * ring too small for header + data + status. */
    if (capacity > (UINT64_MAX >> BLK_SECTOR_SHIFT) || vb->q.size < 3) {
        log_warn("%s: capacity %llu sectors or queue size %u not usable", pci->name,
                 (unsigned long long)capacity, vb->q.size);
        goto fail;
    }
    if (size_max < PAGE_SIZE) {
        log_warn("%s: segments of at most %u bytes are not supported", pci->name, size_max);
        goto fail;
    }
    /* Segments per request: the device's limit and the ring's (+ header, status). */
    segs = MIN(segs, (uint32_t)vb->q.size - 2);
    struct blkdev *d = &vb->disk;
    int idx = blk_alloc_disk_index(BLK_MAJOR_VIRTIO);
    if (idx >= 26 || idx * BLK_MINORS > 255) {
        log_warn("%s: too many virtio disks", pci->name);
        goto fail;
    }
    ksnprintf(d->name, sizeof(d->name), "vd%c", 'a' + idx);
    d->major = BLK_MAJOR_VIRTIO;
    d->minor = (uint32_t)idx * BLK_MINORS;
    d->sectors = capacity;
    d->ro = virtio_has(v, VIRTIO_BLK_F_RO);
    d->ops = &vblk_ops;
    d->priv = vb;
    d->max_sectors = segs * (PAGE_SIZE / BLK_SECTOR_SIZE);
    d->phys_block = blk_size;
    err = -ENOMEM;
    struct thread *wd = thread_create("virtio-blk-wd", vblk_watchdog, vb);
    if (!wd || thread_detach(wd))
        goto fail;
    virtio_driver_ok(v);
    err = blk_register_disk(d);
    if (err)
        goto fail;
    log_info("%s: %llu MiB%s%s", d->name, (unsigned long long)(capacity >> 11),
             d->ro ? ", read-only" : "", virtio_has(v, VIRTIO_BLK_F_FLUSH) ? ", write cache" : "");
    return 0;
fail:
    /* The vb stays allocated: a queue, vectors or the device may still refer to it. */
    virtio_fail(v);
    pci_irq_free(pci);
    log_warn("%s: not used (%d)", pci->name, err);
    return err;
}

static const struct pci_device_id vblk_ids[] = {
    { VIRTIO_PCI_VENDOR, VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_BLOCK, 0, 0 },
    { VIRTIO_PCI_VENDOR, 0x1001, 0, 0 },    /* transitional: modern interface too */
    { 0, 0, 0, 0 },
};

PCI_DRIVER(virtio_blk) = { .name = "virtio-blk", .ids = vblk_ids, .probe = vblk_probe };
