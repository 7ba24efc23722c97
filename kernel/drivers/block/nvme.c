/* NVMe (NVM Express 1.4) over PCIe, class 01/08/02: controller reset and enable
 * bounded by CAP.TO, a polled admin queue for Identify and queue creation, an I/O
 * queue pair per CPU (up to NVME_MAX_IOQ, each with its own MSI-X vector aimed at
 * its CPU; nvme_io.c), namespace 1 registered with the block layer as nvme0n1
 * (major 259 as Linux's blkext; partitions nvme0n1p1...).
 * Only 512-byte LBA formats without metadata are driven; a request moves at most
 * 64 KiB (the block layer's chunk), its pages described by PRP1/PRP2 or a
 * per-slot PRP list. */

#define LOG_TAG "nvme"
#include "nvme.h"
#include <osc/arch.h>
#include <osc/cmdline.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/time.h>

#define NVME_MAJOR          259     /* Linux's BLOCK_EXT_MAJOR */
#define NVME_ADMIN_QSIZE    32
#define NVME_IO_QSIZE       64      /* one page of 64-byte entries */
#define NVME_ADMIN_TIMEOUT_NS (10 * NS_PER_S)

/* CAP fields (§3.1.1). */
#define CAP_MQES(c)         ((uint32_t)((c) & 0xffff))      /* max queue entries - 1 */
#define CAP_TO(c)           ((uint32_t)(((c) >> 24) & 0xff)) /* 500 ms units */
#define CAP_DSTRD(c)        ((uint32_t)(((c) >> 32) & 0xf))
#define CAP_CSS_NVM(c)      (((c) >> 37) & 1)
#define CAP_MPSMIN(c)       ((uint32_t)(((c) >> 48) & 0xf))

/* CC fields (§3.1.5): enable, NVM command set, 4 KiB pages, 64/16-byte entries. */
#define CC_EN               0x1
#define CC_IOSQES           (6u << 16)
#define CC_IOCQES           (4u << 20)

/* Identify data offsets (§5.15.2). */
#define ID_CNS_NS           0
#define ID_CNS_CTRL         1
#define IDC_SN              4
#define IDC_MN              24
#define IDC_FR              64
#define IDC_MDTS            77
#define IDC_NN              516
#define IDC_VWC             525
#define IDN_NSZE            0
#define IDN_NLBAF           25
#define IDN_FLBAS           26
#define IDN_LBAF            128
#define FEAT_NUM_QUEUES     0x07

static uint64_t read64(struct nvme_ctrl *c, uint32_t off)
{
    uint64_t lo = nvme_read32(c, off), hi = nvme_read32(c, off + 4);
    return lo | hi << 32;
}

static void write64(struct nvme_ctrl *c, uint32_t off, uint64_t v)
{
    nvme_write32(c, off, (uint32_t)v);
    nvme_write32(c, off + 4, (uint32_t)(v >> 32));
}

static uint32_t le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t le64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Waits, bounded by CAP.TO, for CSTS.RDY to become ready: 0 or -ETIMEDOUT/-EIO. */
static int wait_ready(struct nvme_ctrl *c, bool ready)
{
    uint64_t deadline = time_ns() + c->ready_timeout_ns;
    for (;;) {
        uint32_t csts = nvme_read32(c, NVME_REG_CSTS);
        if (csts == 0xffffffffu || (ready && (csts & NVME_CSTS_CFS))) {
            log_warn("%s: controller failed (CSTS %#x)", c->name, csts);
            return -EIO;
        }
        if (!!(csts & NVME_CSTS_RDY) == ready)
            return 0;
        if (time_ns() > deadline) {
            log_warn("%s: CSTS.RDY not %d after %llu ms", c->name, ready,
                     (unsigned long long)(c->ready_timeout_ns / NS_PER_MS));
            return -ETIMEDOUT;
        }
        /* Real controllers take up to seconds to reset: sleep, don't spin. */
        thread_sleep_ns(NS_PER_MS);
    }
}

static int queue_alloc(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t qid, uint16_t size)
{
    q->qid = qid;
    q->size = size;
    q->sq_phys = pmm_alloc_page();
    q->cq_phys = pmm_alloc_page();
    if (!q->sq_phys || !q->cq_phys)
        return -ENOMEM;     /* the pages stay: the probe fails and keeps what it got */
    q->sq = phys_to_virt(q->sq_phys);
    q->cq = phys_to_virt(q->cq_phys);
    q->phase = 1;
    q->sq_db = (volatile uint32_t *)(c->regs + NVME_REG_DBS + (2u * qid) * c->dstrd);
    q->cq_db = (volatile uint32_t *)(c->regs + NVME_REG_DBS + (2u * qid + 1) * c->dstrd);
    return 0;
}

/* One admin command, polled (probe only, nothing else uses the admin queue):
 * 0, -EIO with the status logged, -ETIMEDOUT. */
static int admin_cmd(struct nvme_ctrl *c, struct nvme_cmd *cmd, uint32_t *result)
{
    struct nvme_queue *q = &c->admin;
    cmd->cid = ++c->admin_cid;
    q->sq[q->sq_tail] = *cmd;
    q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->size);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *q->sq_db = q->sq_tail;
    uint64_t deadline = time_ns() + NVME_ADMIN_TIMEOUT_NS;
    for (;;) {
        volatile struct nvme_cqe *e = &q->cq[q->cq_head];
        uint16_t st = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
        if ((st & 1) == q->phase) {
            uint16_t cid = e->cid;
            uint32_t res = e->result;
            if (++q->cq_head == q->size) {
                q->cq_head = 0;
                q->phase ^= 1;
            }
            *q->cq_db = q->cq_head;
            if (cid != cmd->cid) {
                log_warn("%s: admin completion for unknown command %u ignored", c->name, cid);
                continue;
            }
            if ((st >> 1) & NVME_STATUS_CODE) {
                log_warn("%s: admin command %#x failed (status %#x)", c->name, cmd->opcode,
                         st >> 1);
                return -EIO;
            }
            if (result)
                *result = res;
            return 0;
        }
        if (time_ns() > deadline) {
            log_warn("%s: admin command %#x got no answer in %llu s", c->name, cmd->opcode,
                     (unsigned long long)(NVME_ADMIN_TIMEOUT_NS / NS_PER_S));
            return -ETIMEDOUT;
        }
        cpu_relax();
    }
}

static int identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid, paddr_t page)
{
    struct nvme_cmd cmd = { .opcode = NVME_ADMIN_IDENTIFY, .nsid = nsid, .prp1 = page,
                            .cdw10 = cns };
    return admin_cmd(c, &cmd, NULL);
}

/* Resets the controller and brings it up with the admin queue: 0 or an errno. */
static int ctrl_enable(struct nvme_ctrl *c)
{
    if (nvme_read32(c, NVME_REG_CC) & CC_EN)
        nvme_write32(c, NVME_REG_CC, 0);
    int err = wait_ready(c, false);
    if (err)
        return err;
    if ((err = queue_alloc(c, &c->admin, 0, NVME_ADMIN_QSIZE)))
        return err;
    nvme_write32(c, NVME_REG_AQA, (NVME_ADMIN_QSIZE - 1u) << 16 | (NVME_ADMIN_QSIZE - 1u));
    write64(c, NVME_REG_ASQ, c->admin.sq_phys);
    write64(c, NVME_REG_ACQ, c->admin.cq_phys);
    nvme_write32(c, NVME_REG_CC, CC_EN | CC_IOSQES | CC_IOCQES);
    return wait_ready(c, true);
}

static void copy_id_string(char *dst, const uint8_t *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = 0;
    while (n && (dst[n - 1] == ' ' || dst[n - 1] == 0))
        dst[--n] = 0;
}

/* Identify Controller and namespace 1: fills nsid, vwc, the disk's size and
 * max_sectors. 0, or -ENODEV for a namespace this driver cannot use. */
static int identify_all(struct nvme_ctrl *c, paddr_t page)
{
    const uint8_t *id = phys_to_virt(page);
    int err = identify(c, ID_CNS_CTRL, 0, page);
    if (err)
        return err;
    char model[41], serial[21], fw[9];
    copy_id_string(model, id + IDC_MN, 40);
    copy_id_string(serial, id + IDC_SN, 20);
    copy_id_string(fw, id + IDC_FR, 8);
    uint32_t nn = le32(id + IDC_NN), vs = nvme_read32(c, NVME_REG_VS);
    uint8_t mdts = id[IDC_MDTS];
    c->vwc = id[IDC_VWC] & 1;
    log_debug("%s: %s, serial %s, firmware %s, NVMe %u.%u, %u namespaces, MDTS %u",
              c->name, model, serial, fw, vs >> 16, (vs >> 8) & 0xff, nn, mdts);
    /* Transfer limit: 2^MDTS minimum-size pages (4 KiB here); 0 is none. */
    uint32_t max_pages = NVME_MAX_PAGES;
    if (mdts && mdts < 5)
        max_pages = MIN(max_pages, 1u << mdts);
    c->disk.max_sectors = max_pages * (PAGE_SIZE / BLK_SECTOR_SIZE);
    if (nn == 0) {
        log_warn("%s: no namespaces", c->name);
        return -ENODEV;
    }
    c->nsid = 1;
    memset(phys_to_virt(page), 0, PAGE_SIZE);
    if ((err = identify(c, ID_CNS_NS, c->nsid, page)))
        return err;
    uint64_t nsze = le64(id + IDN_NSZE);
    uint8_t nlbaf = id[IDN_NLBAF], fmt = id[IDN_FLBAS] & 0xf;
    uint32_t lbaf = le32(id + IDN_LBAF + 4u * fmt);
    uint32_t ms = lbaf & 0xffff, lbads = (lbaf >> 16) & 0xff;
    if (nsze == 0) {
        log_warn("%s: namespace 1 is not active", c->name);
        return -ENODEV;
    }
    if (fmt > nlbaf || lbads != BLK_SECTOR_SHIFT || ms != 0) {
        log_warn("%s: namespace 1's LBA format %u (%u-byte blocks, %u bytes metadata) "
                 "is not supported yet", c->name, fmt, lbads < 32 ? 1u << lbads : 0, ms);
        return -ENODEV;
    }
    if (nsze > (UINT64_MAX >> BLK_SECTOR_SHIFT)) {
        log_warn("%s: namespace size %llu not usable", c->name, (unsigned long long)nsze);
        return -ENODEV;
    }
    c->disk.sectors = nsze;
    c->disk.phys_block = 1u << lbads;
    return 0;
}

/* Creates pair io (qid, vector, cpu set) on the controller and hooks its vector. */
static int io_queue_create(struct nvme_ctrl *c, struct nvme_ioq *io, uint16_t size)
{
    uint16_t qid = io->q.qid;
    int err = queue_alloc(c, &io->q, qid, size);
    if (err || (err = nvme_ioq_init(io)))
        return err;
    struct nvme_cmd cmd = {
        .opcode = NVME_ADMIN_CREATE_CQ, .prp1 = io->q.cq_phys,
        .cdw10 = (uint32_t)(size - 1) << 16 | qid,
        .cdw11 = (uint32_t)io->vector << 16 | 0x2 /* IEN */ | 0x1 /* PC */ };
    if ((err = admin_cmd(c, &cmd, NULL)))
        return err;
    cmd = (struct nvme_cmd){ .opcode = NVME_ADMIN_CREATE_SQ, .prp1 = io->q.sq_phys,
                             .cdw10 = (uint32_t)(size - 1) << 16 | qid,
                             .cdw11 = (uint32_t)qid << 16 | 0x1 /* PC */ };
    if ((err = admin_cmd(c, &cmd, NULL)))
        return err;
    return pci_irq_setup(c->pci, io->vector, nvme_io_irq, io, io->cpu);
}

/* Asks for want I/O queue pairs (one per CPU) and creates as many as the
 * controller grants and the vectors allow, each with its own MSI-X entry aimed at
 * its CPU: 0 when at least one works. */
static int io_queues_create(struct nvme_ctrl *c, unsigned want, int nvec)
{
    struct nvme_cmd cmd = { .opcode = NVME_ADMIN_SET_FEATURES, .cdw10 = FEAT_NUM_QUEUES,
                            .cdw11 = (want - 1) << 16 | (want - 1) };   /* 0-based */
    uint32_t got;
    int err = admin_cmd(c, &cmd, &got);
    if (err)
        return err;
    /* Granted SQs and CQs (0-based); admin entry 0 stays masked and polled when
     * there is an entry per pair besides it. */
    unsigned n = MIN(want, MIN((got & 0xffff) + 1, (got >> 16) + 1));
    /* One vector (MSI) is one pair: its handler serves one queue. */
    n = nvec > 1 ? MIN(n, (unsigned)nvec - 1) : 1;
    uint16_t size = (uint16_t)MIN((uint32_t)NVME_IO_QSIZE, CAP_MQES(c->cap) + 1);
    if (size < 2) {
        log_warn("%s: I/O queues of %u entries are not usable", c->name, size);
        return -ENODEV;
    }
    for (unsigned i = 0; i < n; i++) {
        struct nvme_ioq *io = kzalloc(sizeof(*io));
        if (!io) {
            err = -ENOMEM;
            break;
        }
        io->c = c;
        io->q.qid = (uint16_t)(i + 1);
        io->vector = nvec > 1 ? (uint16_t)(i + 1) : 0;
        io->cpu = (uint16_t)i;
        /* A pair that fails stays allocated (the controller may know it). */
        if ((err = io_queue_create(c, io, size)))
            break;
        c->ioq[c->nioq++] = io;
    }
    if (err && c->nioq)
        log_warn("%s: %u of %u I/O queue pairs (%d)", c->name, c->nioq, n, err);
    return c->nioq ? 0 : err;
}

static int nvme_rw(struct blkdev *disk, bool write, uint64_t sector, uint32_t count,
                   const paddr_t *pages)
{
    struct nvme_ctrl *c = disk->priv;
    if (!count || sector >= disk->sectors || count > disk->sectors - sector ||
        count > disk->max_sectors)
        return -EIO;
    struct nvme_cmd cmd = { .opcode = write ? NVME_CMD_WRITE : NVME_CMD_READ,
                            .nsid = c->nsid, .cdw10 = (uint32_t)sector,
                            .cdw11 = (uint32_t)(sector >> 32), .cdw12 = count - 1 };
    unsigned npages = (count * BLK_SECTOR_SIZE + PAGE_SIZE - 1) / PAGE_SIZE;
    uint16_t status;
    int err = nvme_io_submit(c, &cmd, pages, npages, &status);
    if (err)
        log_warn("%s: %s of %u sectors at %llu failed (status %#x)", disk->name,
                 write ? "write" : "read", count, (unsigned long long)sector, status);
    return err;
}

static int nvme_flush(struct blkdev *disk)
{
    struct nvme_ctrl *c = disk->priv;
    if (!c->vwc)
        return 0;               /* no volatile cache to flush */
    struct nvme_cmd cmd = { .opcode = NVME_CMD_FLUSH, .nsid = c->nsid };
    uint16_t status;
    int err = nvme_io_submit(c, &cmd, NULL, 0, &status);
    if (err)
        log_warn("%s: flush failed (status %#x)", disk->name, status);
    return err;
}

static const struct blkdev_ops nvme_ops = { .rw = nvme_rw, .flush = nvme_flush };

static void parse_timeout(void)
{
    const char *t = cmdline_get("nvme_core.io_timeout");
    uint64_t secs = 0;
    for (; t && *t >= '0' && *t <= '9' && secs < 100000; t++)
        secs = secs * 10 + (uint64_t)(*t - '0');
    if (secs)
        nvme_io_timeout_ns = secs * NS_PER_S;
}

static int nvme_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
    (void)id;
    int idx = blk_alloc_disk_index(NVME_MAJOR);
    if (idx * BLK_MINORS > 0xfffff - BLK_MINORS)
        return -ENOSPC;
    struct nvme_ctrl *c = kzalloc(sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->pci = pci;
    ksnprintf(c->name, sizeof(c->name), "nvme%d", idx);
    int err = -ENODEV;
    paddr_t page = 0;
    c->regs = pci_map_bar(pci, 0, 0, NVME_REG_DBS);
    if (!c->regs)
        goto fail;
    pci_enable_device(pci);
    c->cap = read64(c, NVME_REG_CAP);
    if (c->cap == UINT64_MAX || !CAP_CSS_NVM(c->cap) || CAP_MPSMIN(c->cap) != 0) {
        log_warn("%s: CAP %#llx: no NVM command set with 4 KiB pages", pci->name,
                 (unsigned long long)c->cap);
        goto fail;
    }
    c->dstrd = 4u << CAP_DSTRD(c->cap);
    c->ready_timeout_ns = MAX(CAP_TO(c->cap), 1u) * 500 * NS_PER_MS;
    /* A pair per CPU, as many as the BAR has doorbells for (the admin queue's
     * and at least one pair's, or the controller is not usable). */
    uint64_t bar = pci->bars[0].size;
    if (bar < NVME_REG_DBS + 4ull * c->dstrd) {
        log_warn("%s: BAR0 of %#llx bytes has no room for doorbells", pci->name,
                 (unsigned long long)bar);
        goto fail;
    }
    unsigned want = MIN(MAX(cpu_count, 1u), (unsigned)NVME_MAX_IOQ);
    want = (unsigned)MIN((uint64_t)want, (bar - NVME_REG_DBS) / (2ull * c->dstrd) - 1);
    /* Mapped again whole: registers and every doorbell in one range. */
    c->regs = pci_map_bar(pci, 0, 0, NVME_REG_DBS + 2ull * (want + 1) * c->dstrd);
    if (!c->regs)
        goto fail;
    parse_timeout();
    if ((err = ctrl_enable(c)))
        goto fail;
    err = -ENOMEM;
    if (!(page = pmm_alloc_page()))
        goto fail;
    if ((err = identify_all(c, page)))
        goto fail;
    int nvec = pci_irq_alloc(pci, want + 1);
    if (nvec < 1) {
        err = nvec < 0 ? nvec : -ENODEV;
        goto fail;
    }
    if ((err = io_queues_create(c, want, nvec)))
        goto fail;
    err = -ENOMEM;
    struct thread *wd = thread_create("nvme-wd", nvme_watchdog, c);
    if (!wd || thread_detach(wd))
        goto fail;
    pmm_free_page(page);
    struct blkdev *d = &c->disk;
    ksnprintf(d->name, sizeof(d->name), "%sn%u", c->name, c->nsid);
    d->major = NVME_MAJOR;
    d->minor = (uint32_t)idx * BLK_MINORS;
    d->ops = &nvme_ops;
    d->priv = c;
    if ((err = blk_register_disk(d)))
        goto fail_registered;
    log_info("%s: %llu MiB%s, %u queue%s", d->name, (unsigned long long)(d->sectors >> 11),
             c->vwc ? ", write cache" : "", c->nioq, c->nioq == 1 ? "" : "s");
    return 0;
fail:
    if (page)
        pmm_free_page(page);
fail_registered:
    /* c stays allocated: queues, vectors or the watchdog may still refer to it.
     * The controller is turned off so it touches none of our memory. */
    if (c->regs && c->ready_timeout_ns)
        nvme_disable(c);
    pci_irq_free(pci);
    log_warn("%s: not used (%d)", pci->name, err);
    return err;
}

static const struct pci_device_id nvme_ids[] = {
    { PCI_ANY_ID, PCI_ANY_ID, 0x010802, 0xffffff },     /* mass storage, NVM, NVMe */
    { 0, 0, 0, 0 },
};

PCI_DRIVER(nvme) = { .name = "nvme", .ids = nvme_ids, .probe = nvme_probe };
