/* NVMe I/O path: one submission/completion queue pair per CPU (up to
 * NVME_MAX_IOQ), a request slot per command id, submitters asleep on their pair's
 * wait queue until its MSI-X handler (or the watchdog's look at the queue) finds
 * their completion by phase tag. Nothing from the device is trusted: an unknown
 * command id or an impossible queue head is logged and ignored, a request left
 * unanswered past its deadline (or a controller reporting fatal status) makes
 * the watchdog disable the controller and fail every request with EIO. */

#define LOG_TAG "nvme"
#include "nvme.h"
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/time.h>

#define NVME_WATCH_NS       (500 * NS_PER_MS)   /* the watchdog's look while busy */

uint64_t nvme_io_timeout_ns = 30 * NS_PER_S;    /* Linux's nvme_core.io_timeout */

int nvme_ioq_init(struct nvme_ioq *io)
{
    waitqueue_init(&io->wq);
    io->depth = MIN((unsigned)NVME_IO_DEPTH, (unsigned)io->q.size - 1);
    io->prp_phys = pmm_alloc_pages(NVME_IO_DEPTH * NVME_PRP_SLOT_BYTES / PAGE_SIZE);
    if (!io->prp_phys)
        return -ENOMEM;
    io->prp = phys_to_virt(io->prp_phys);
    return 0;
}

unsigned nvme_io_collect_locked(struct nvme_ioq *io)
{
    struct nvme_queue *q = &io->q;
    unsigned n = 0;
    /* At most one lap: a device that keeps flipping entries cannot hold us here. */
    while (n < q->size) {
        volatile struct nvme_cqe *e = &q->cq[q->cq_head];
        uint16_t st = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
        if ((st & 1) != q->phase)
            break;
        uint16_t cid = e->cid, sq_head = e->sq_head, sq_id = e->sq_id;
        if (++q->cq_head == q->size) {
            q->cq_head = 0;
            q->phase ^= 1;
        }
        n++;
        if (sq_head < q->size)
            q->sq_head = sq_head;
        struct nvme_req *r = cid < io->depth ? io->slots[cid] : NULL;
        if (!r || sq_id != q->qid) {
            log_warn("%s: completion for unknown command %u (queue %u) ignored",
                     io->c->name, cid, sq_id);
            continue;
        }
        io->slots[cid] = NULL;
        __atomic_sub_fetch(&io->c->ninflight, 1, __ATOMIC_RELEASE);
        r->status = (uint16_t)(st >> 1);
        __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
    }
    if (n)
        *q->cq_db = q->cq_head;
    return n;
}

static unsigned reap(struct nvme_ioq *io)
{
    unsigned long flags = spin_lock_irqsave(&io->wq.lock);
    unsigned n = __atomic_load_n(&io->c->dead, __ATOMIC_ACQUIRE) ? 0
                                                                  : nvme_io_collect_locked(io);
    spin_unlock_irqrestore(&io->wq.lock, flags);
    if (n)
        waitqueue_wake_all(&io->wq);
    return n;
}

void nvme_io_irq(struct irq_frame *f, void *ctx)
{
    (void)f;
    reap(ctx);
}

static int free_slot_locked(struct nvme_ioq *io)
{
    for (unsigned i = 0; i < io->depth; i++)
        if (!io->slots[i])
            return (int)i;
    return -1;
}

int nvme_ioq_submit(struct nvme_ioq *io, struct nvme_cmd *cmd, const paddr_t *pages,
                    unsigned npages, uint16_t *status)
{
    struct nvme_ctrl *c = io->c;
    struct nvme_req r = { .status = NVME_STATUS_DEAD };
    struct nvme_queue *q = &io->q;
    *status = NVME_STATUS_DEAD;
    if (npages > NVME_MAX_PAGES + 1)
        return -EIO;
    unsigned long flags = spin_lock_irqsave(&io->wq.lock);
    int cid = -1;
    bool dead;
    while (!(dead = __atomic_load_n(&c->dead, __ATOMIC_ACQUIRE)) &&
           (cid = free_slot_locked(io)) < 0)
        waitqueue_sleep_locked(&io->wq, &flags);
    uint16_t next = (uint16_t)((q->sq_tail + 1) % q->size);
    if (dead || next == q->sq_head) {
        /* Slots never outnumber the free entries, so a full queue means the
         * device reported a head it has not reached. */
        if (!dead)
            log_warn("%s: I/O submission queue %u full (head %u, tail %u)", c->name,
                     q->qid, q->sq_head, q->sq_tail);
        spin_unlock_irqrestore(&io->wq.lock, flags);
        return -EIO;
    }
    cmd->cid = (uint16_t)cid;
    cmd->prp1 = npages ? pages[0] : 0;
    cmd->prp2 = 0;
    if (npages == 2) {
        cmd->prp2 = pages[1];
    } else if (npages > 2) {
        /* The slot's PRP list: entries for the pages after the first (§4.3). */
        uint64_t *list = io->prp + (size_t)cid * (NVME_PRP_SLOT_BYTES / 8);
        for (unsigned i = 1; i < npages; i++)
            list[i - 1] = pages[i];
        cmd->prp2 = io->prp_phys + (paddr_t)cid * NVME_PRP_SLOT_BYTES;
    }
    r.deadline = time_ns() + nvme_io_timeout_ns;
    io->slots[cid] = &r;
    bool first = __atomic_add_fetch(&c->ninflight, 1, __ATOMIC_RELEASE) == 1;
    q->sq[q->sq_tail] = *cmd;
    q->sq_tail = next;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* the entry before the doorbell */
    *q->sq_db = q->sq_tail;
    spin_unlock_irqrestore(&io->wq.lock, flags);
    if (first)
        waitqueue_wake_all(&c->wd_wq);
    flags = spin_lock_irqsave(&io->wq.lock);
    while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE))
        waitqueue_sleep_locked(&io->wq, &flags);
    spin_unlock_irqrestore(&io->wq.lock, flags);
    /* Our slot is free again: a submitter may be waiting for one. */
    waitqueue_wake_all(&io->wq);
    *status = r.status;
    return (r.status & NVME_STATUS_CODE) == 0 ? 0 : -EIO;
}

int nvme_io_submit(struct nvme_ctrl *c, struct nvme_cmd *cmd, const paddr_t *pages,
                   unsigned npages, uint16_t *status)
{
    /* The CPU may change right after: any pair serves any CPU, this one is only
     * the likely local one. */
    struct nvme_ioq *io = c->ioq[this_cpu()->id % c->nioq];
    return nvme_ioq_submit(io, cmd, pages, npages, status);
}

void nvme_disable(struct nvme_ctrl *c)
{
    nvme_write32(c, NVME_REG_CC, nvme_read32(c, NVME_REG_CC) & ~1u);
    uint64_t deadline = time_ns() + c->ready_timeout_ns;
    while (time_ns() < deadline) {
        uint32_t csts = nvme_read32(c, NVME_REG_CSTS);
        if (csts == 0xffffffffu || !(csts & NVME_CSTS_RDY))
            return;
        thread_sleep_ns(NS_PER_MS);
    }
    log_warn("%s: still ready %llu ms after disabling", c->name,
             (unsigned long long)(c->ready_timeout_ns / NS_PER_MS));
}

/* The controller stopped answering (or said it failed): disable it, after which it
 * touches none of our memory, and fail every outstanding and future request. A
 * submitter that saw dead clear under its pair's lock has its slot filled before
 * we take that lock below, so its request fails here too. */
static void give_up(struct nvme_ctrl *c, const char *why)
{
    log_error("%s: %s: controller disabled, every request fails with EIO", c->name, why);
    __atomic_store_n(&c->dead, true, __ATOMIC_RELEASE);
    nvme_disable(c);
    for (unsigned i = 0; i < c->nioq; i++) {
        struct nvme_ioq *io = c->ioq[i];
        unsigned long flags = spin_lock_irqsave(&io->wq.lock);
        for (unsigned s = 0; s < io->depth; s++) {
            struct nvme_req *r = io->slots[s];
            if (!r)
                continue;
            io->slots[s] = NULL;
            __atomic_sub_fetch(&c->ninflight, 1, __ATOMIC_RELEASE);
            r->status = NVME_STATUS_DEAD;
            __atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
        }
        spin_unlock_irqrestore(&io->wq.lock, flags);
        waitqueue_wake_all(&io->wq);
    }
}

/* Sleeps while nothing is posted (idle means idle); while requests are out, looks
 * twice a second for completions a lost interrupt left behind, a fatal status,
 * and a request past its deadline. */
void nvme_watchdog(void *arg)
{
    struct nvme_ctrl *c = arg;
    for (;;) {
        unsigned long flags = spin_lock_irqsave(&c->wd_wq.lock);
        while (!__atomic_load_n(&c->ninflight, __ATOMIC_ACQUIRE))
            waitqueue_sleep_locked(&c->wd_wq, &flags);
        spin_unlock_irqrestore(&c->wd_wq.lock, flags);
        thread_sleep_ns(NVME_WATCH_NS);
        if (__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE))
            continue;
        uint32_t csts = nvme_read32(c, NVME_REG_CSTS);
        uint64_t now = time_ns();
        bool late = false;
        for (unsigned i = 0; i < c->nioq && !late; i++) {
            struct nvme_ioq *io = c->ioq[i];
            reap(io);
            flags = spin_lock_irqsave(&io->wq.lock);
            for (unsigned s = 0; s < io->depth && !late; s++)
                late = io->slots[s] && now > io->slots[s]->deadline;
            spin_unlock_irqrestore(&io->wq.lock, flags);
        }
        if (csts == 0xffffffffu || (csts & NVME_CSTS_CFS))
            give_up(c, "controller fatal status");
        else if (late)
            give_up(c, "a request got no answer in time");
    }
}
