/* NVMe I/O path KTESTs without a device: this file plays the controller, writing
 * completion entries itself — well-behaved ones across a phase wrap, then the
 * lies a broken controller could tell (an unknown command id, another queue's id,
 * a stale phase, an impossible SQ head) — and checks submissions refused on a
 * dead controller or a full queue. */

#include "nvme.h"
#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/mm.h>

#define KT_QSIZE 4

static uint32_t fake_db[4];     /* doorbells: SQ tail, CQ head */

static bool fake_ctrl(struct nvme_ctrl *c, struct nvme_ioq *io)
{
    memset(c, 0, sizeof(*c));
    memset(io, 0, sizeof(*io));
    ksnprintf(c->name, sizeof(c->name), "ktest");
    c->ioq[0] = io;
    c->nioq = 1;
    io->c = c;
    struct nvme_queue *q = &io->q;
    q->qid = 1;
    q->size = KT_QSIZE;
    q->phase = 1;
    q->sq_phys = pmm_alloc_page();
    q->cq_phys = pmm_alloc_page();
    if (!q->sq_phys || !q->cq_phys)
        return false;
    q->sq = phys_to_virt(q->sq_phys);
    q->cq = phys_to_virt(q->cq_phys);
    q->sq_db = &fake_db[0];
    q->cq_db = &fake_db[1];
    return nvme_ioq_init(io) == 0;
}

static void fake_free(struct nvme_ioq *io)
{
    if (io->q.sq_phys)
        pmm_free_page(io->q.sq_phys);
    if (io->q.cq_phys)
        pmm_free_page(io->q.cq_phys);
    for (size_t i = 0; io->prp_phys && i < NVME_IO_DEPTH * NVME_PRP_SLOT_BYTES / PAGE_SIZE; i++)
        pmm_free_page(io->prp_phys + i * PAGE_SIZE);
}

/* The controller side: writes CQ entry slot with the given phase. */
static void post(struct nvme_ioq *c, unsigned slot, uint16_t cid, uint16_t sq_id,
                 uint16_t sq_head, uint16_t status, unsigned phase)
{
    volatile struct nvme_cqe *e = &c->q.cq[slot];
    e->cid = cid;
    e->sq_id = sq_id;
    e->sq_head = sq_head;
    __atomic_store_n(&e->status, (uint16_t)(status << 1 | phase), __ATOMIC_RELEASE);
}

KTEST(nvme_completions_by_phase_free_their_slots_across_a_wrap)
{
    struct nvme_ctrl ctrl;
    struct nvme_ioq c;
    KT_ASSERT(fake_ctrl(&ctrl, &c));
    KT_ASSERT_EQ(c.depth, KT_QSIZE - 1);
    struct nvme_req r[3] = { 0 };
    for (int i = 0; i < 3; i++) {
        r[i].status = NVME_STATUS_DEAD;
        c.slots[i] = &r[i];
    }
    ctrl.ninflight = 3;
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 0);    /* phase 0 entries: nothing new */
    post(&c, 0, 2, 1, 1, 0, 1);
    post(&c, 1, 0, 1, 2, 0x281, 1);     /* media error: the status is passed on */
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 2);
    KT_ASSERT(r[2].done && r[2].status == 0 && !c.slots[2]);
    KT_ASSERT(r[0].done && r[0].status == 0x281 && !c.slots[0]);
    KT_ASSERT(!r[1].done && c.slots[1] == &r[1]);
    KT_ASSERT_EQ(ctrl.ninflight, 1);
    KT_ASSERT_EQ(c.q.cq_head, 2);
    KT_ASSERT_EQ(fake_db[1], 2);
    KT_ASSERT_EQ(c.q.sq_head, 2);
    post(&c, 2, 1, 1, 3, 0, 1);
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 1);
    KT_ASSERT(r[1].done);
    /* Slot 3 still carries phase 0 (zeroed page): the lap is not over. */
    KT_ASSERT_EQ(c.q.cq_head, 3);
    c.slots[0] = &r[0];
    r[0].done = false;
    ctrl.ninflight = 1;
    post(&c, 3, 0, 1, 0, 0, 1);
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 1);
    KT_ASSERT(r[0].done && r[0].status == 0);
    KT_ASSERT_EQ(c.q.cq_head, 0);
    KT_ASSERT_EQ(c.q.phase, 0);                    /* wrapped: new entries carry 0 */
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 0);    /* the old phase-1 entry is stale */
    KT_ASSERT_EQ(ctrl.ninflight, 0);
    fake_free(&c);
}

KTEST(nvme_completions_naming_no_request_are_dropped)
{
    struct nvme_ctrl ctrl;
    struct nvme_ioq c;
    KT_ASSERT(fake_ctrl(&ctrl, &c));
    struct nvme_req r = { .status = NVME_STATUS_DEAD };
    c.slots[1] = &r;
    ctrl.ninflight = 1;
    post(&c, 0, 0, 1, 1, 0, 1);         /* an empty slot */
    post(&c, 1, 200, 1, 1, 0, 1);       /* beyond the slots */
    post(&c, 2, 1, 7, 9, 0, 1);         /* the right id on another queue; head > size */
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 3);
    KT_ASSERT(!r.done && c.slots[1] == &r);
    KT_ASSERT_EQ(ctrl.ninflight, 1);
    KT_ASSERT_EQ(c.q.sq_head, 1);                  /* the impossible head was ignored */
    KT_ASSERT_EQ(c.q.cq_head, 3);                  /* the entries were consumed */
    post(&c, 3, 1, 1, 2, 0, 1);
    KT_ASSERT_EQ(nvme_io_collect_locked(&c), 1);
    KT_ASSERT(r.done && r.status == 0 && !c.slots[1]);
    fake_free(&c);
}

KTEST(nvme_submissions_fail_with_eio_on_a_dead_controller_or_a_full_queue)
{
    struct nvme_ctrl ctrl;
    struct nvme_ioq c;
    KT_ASSERT(fake_ctrl(&ctrl, &c));
    struct nvme_cmd cmd = { .opcode = NVME_CMD_FLUSH, .nsid = 1 };
    uint16_t status = 0;
    ctrl.dead = true;
    KT_ASSERT_EQ(nvme_ioq_submit(&c, &cmd, NULL, 0, &status), -EIO);
    KT_ASSERT_EQ(status, NVME_STATUS_DEAD);
    /* A controller claiming its head is one past our tail: the queue is full. */
    ctrl.dead = false;
    c.q.sq_head = 1;
    status = 0;
    KT_ASSERT_EQ(nvme_ioq_submit(&c, &cmd, NULL, 0, &status), -EIO);
    KT_ASSERT_EQ(status, NVME_STATUS_DEAD);
    KT_ASSERT_EQ(c.q.sq_tail, 0);                  /* nothing was posted */
    KT_ASSERT_EQ(ctrl.ninflight, 0);
    for (unsigned i = 0; i < NVME_IO_DEPTH; i++)
        KT_ASSERT(!c.slots[i]);
    fake_free(&c);
}
