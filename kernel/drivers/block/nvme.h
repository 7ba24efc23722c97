/* NVMe driver internals shared by nvme.c (controller bring-up, admin commands,
 * the disk) and nvme_io.c (the I/O queue pairs: submission, completions, the
 * watchdog). Register and structure layouts are NVMe 1.4's. */
#pragma once

#include <osc/block.h>
#include <osc/pci.h>
#include <osc/sched.h>

/* Controller registers (NVMe 1.4 §3.1). */
#define NVME_REG_CAP        0x00    /* 64-bit */
#define NVME_REG_VS         0x08
#define NVME_REG_CC         0x14
#define NVME_REG_CSTS       0x1c
#define NVME_REG_AQA        0x24
#define NVME_REG_ASQ        0x28    /* 64-bit */
#define NVME_REG_ACQ        0x30    /* 64-bit */
#define NVME_REG_DBS        0x1000  /* doorbells: SQ y tail at (2y) strides, CQ y head at (2y+1) */

#define NVME_CSTS_RDY       0x1
#define NVME_CSTS_CFS       0x2     /* controller fatal status */

/* Command opcodes (§5, §6). */
#define NVME_ADMIN_CREATE_SQ    0x01
#define NVME_ADMIN_CREATE_CQ    0x05
#define NVME_ADMIN_IDENTIFY     0x06
#define NVME_ADMIN_SET_FEATURES 0x09
#define NVME_CMD_FLUSH          0x00
#define NVME_CMD_WRITE          0x01
#define NVME_CMD_READ           0x02

#define NVME_STATUS_CODE    0x7ff   /* status code and type: 0 is success (§4.6.1) */
#define NVME_STATUS_DEAD    0xffff  /* our mark: the controller was given up */
#define NVME_IO_DEPTH       32      /* I/O requests in flight at most */
#define NVME_PRP_SLOT_BYTES 128     /* one request's PRP list: 16 entries */
#define NVME_MAX_PAGES      (NVME_PRP_SLOT_BYTES / 8)   /* pages per request */
#define NVME_MAX_IOQ        8       /* I/O queue pairs: one per CPU up to this */
#define NS_PER_MS           1000000ull
#define NS_PER_S            1000000000ull

/* A submission queue entry (§4.2): 64 bytes. */
struct nvme_cmd {
    uint8_t opcode, flags;
    uint16_t cid;
    uint32_t nsid;
    uint64_t rsvd;
    uint64_t mptr;
    uint64_t prp1, prp2;
    uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};

/* A completion queue entry (§4.6): 16 bytes; status bit 0 is the phase tag. */
struct nvme_cqe {
    uint32_t result, rsvd;
    uint16_t sq_head, sq_id, cid, status;
};

/* One SQ/CQ pair in DMA memory (zeroed pmm pages, one each). */
struct nvme_queue {
    uint16_t qid, size;
    struct nvme_cmd *sq;
    volatile struct nvme_cqe *cq;
    paddr_t sq_phys, cq_phys;
    uint16_t sq_tail, sq_head, cq_head;
    uint16_t phase;                 /* the phase tag a new entry carries */
    volatile uint32_t *sq_db, *cq_db;
};

/* One I/O request, on its submitter's stack; whoever completes it (the
 * interrupt handler, the watchdog) clears its slot before setting done. */
struct nvme_req {
    uint16_t status;                /* NVMe status field (SCT/SC), or NVME_STATUS_DEAD */
    bool done;
    uint64_t deadline;              /* time_ns() past which the controller is dead */
};

struct nvme_ctrl;

/* One I/O queue pair, used by the threads of one CPU (any CPU may use any pair:
 * the choice is only for locality), with its own MSI-X entry aimed at that CPU.
 * Everything here but the constant setup is under wq.lock (`waitqueue`, rank
 * 70), taken irqsave by submitters, the pair's MSI-X handler and the watchdog. */
struct nvme_ioq {
    struct nvme_ctrl *c;
    struct nvme_queue q;
    struct waitqueue wq;            /* submitters waiting for completion or a slot */
    struct nvme_req *slots[NVME_IO_DEPTH];  /* command id -> request */
    unsigned depth;                 /* usable slots: <= q.size - 1 */
    uint64_t *prp;                  /* PRP lists, NVME_PRP_SLOT_BYTES per slot */
    paddr_t prp_phys;
    uint16_t vector;                /* MSI-X index */
    uint16_t cpu;
};

struct nvme_ctrl {
    struct pci_dev *pci;
    char name[8];                   /* "nvme0" */
    volatile uint8_t *regs;
    uint64_t cap;
    uint32_t dstrd;                 /* doorbell stride in bytes */
    uint64_t ready_timeout_ns;      /* CAP.TO */
    struct nvme_queue admin;        /* probe only: polled, one command at a time */
    uint16_t admin_cid;
    struct nvme_ioq *ioq[NVME_MAX_IOQ];
    unsigned nioq;                  /* fixed once the disk is registered */
    unsigned ninflight;             /* over all pairs (atomic): wakes the watchdog */
    bool dead;                      /* set once, atomically; read under a pair's lock */
    struct waitqueue wd_wq;         /* the watchdog sleeps here while nothing is posted */
    uint32_t nsid;
    bool vwc;                       /* volatile write cache: flush means something */
    struct blkdev disk;
};

static inline uint32_t nvme_read32(struct nvme_ctrl *c, uint32_t off)
{ return *(volatile uint32_t *)(c->regs + off); }
static inline void nvme_write32(struct nvme_ctrl *c, uint32_t off, uint32_t v)
{ *(volatile uint32_t *)(c->regs + off) = v; }

/* nvme_io.c */
extern uint64_t nvme_io_timeout_ns;
/* Sets up a pair's bookkeeping (q already allocated): 0 or -ENOMEM. */
int nvme_ioq_init(struct nvme_ioq *io);
/* Collects every new completion on the pair's CQ (wq.lock held): the requests they
 * name are marked done and their slots freed; entries naming no request in
 * flight are logged and dropped. Returns how many entries were consumed. */
unsigned nvme_io_collect_locked(struct nvme_ioq *io);
void nvme_io_irq(struct irq_frame *f, void *ctx);       /* ctx: the nvme_ioq */
void nvme_watchdog(void *arg);
/* Posts cmd (cid filled here) on the calling CPU's pair with the data in
 * pages[0..npages) and sleeps until it completes: 0, or -EIO (status error,
 * dead controller, queue full) with *status the NVMe status. */
int nvme_io_submit(struct nvme_ctrl *c, struct nvme_cmd *cmd, const paddr_t *pages,
                   unsigned npages, uint16_t *status);
/* The same on one given pair. */
int nvme_ioq_submit(struct nvme_ioq *io, struct nvme_cmd *cmd, const paddr_t *pages,
                    unsigned npages, uint16_t *status);
/* Turns the controller off (CC.EN = 0) and waits, bounded, for it to stop. */
void nvme_disable(struct nvme_ctrl *c);
