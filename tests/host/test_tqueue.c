/* host-test: kernel/sched/tqueue.c */
/* Scheduler thread lists: FIFO order of the run queue and wait queues, deadline
 * order of the sleep list, removal from anywhere. */
#include "../../kernel/sched/sched_internal.h"
#include "check.h"

struct list {
    struct thread *head, *tail;
};

static struct thread *mk(struct thread *t, uint64_t wake_at)
{
    memset(t, 0, sizeof(*t));
    t->wake_at = wake_at;
    return t;
}

TEST(run_queue_pops_in_push_order)
{
    struct list l = { 0 };
    struct thread t[4];
    for (int i = 0; i < 4; i++)
        tq_push_tail(&l.head, &l.tail, mk(&t[i], 0));
    for (int i = 0; i < 4; i++)
        CHECK(tq_pop_head(&l.head, &l.tail) == &t[i]);
    CHECK(tq_pop_head(&l.head, &l.tail) == NULL);
    CHECK(l.head == NULL && l.tail == NULL);
    /* usable again after draining */
    tq_push_tail(&l.head, &l.tail, &t[2]);
    CHECK(l.head == &t[2] && l.tail == &t[2]);
}

TEST(remove_unlinks_head_middle_and_tail)
{
    struct list l = { 0 };
    struct thread t[5], other;
    mk(&other, 0);
    for (int i = 0; i < 5; i++)
        tq_push_tail(&l.head, &l.tail, mk(&t[i], 0));
    CHECK(tq_remove(&l.head, &l.tail, &t[0]));   /* head */
    CHECK(tq_remove(&l.head, &l.tail, &t[2]));   /* middle */
    CHECK(tq_remove(&l.head, &l.tail, &t[4]));   /* tail */
    CHECK(!tq_remove(&l.head, &l.tail, &other));
    CHECK(l.tail == &t[3]);
    tq_push_tail(&l.head, &l.tail, &t[4]);
    CHECK(tq_pop_head(&l.head, &l.tail) == &t[1]);
    CHECK(tq_pop_head(&l.head, &l.tail) == &t[3]);
    CHECK(tq_pop_head(&l.head, &l.tail) == &t[4]);
    CHECK(l.head == NULL && l.tail == NULL);
}

TEST(sleep_list_orders_by_deadline_and_keeps_ties_fifo)
{
    struct list l = { 0 };
    struct thread t[6];
    uint64_t deadlines[6] = { 50, 10, 30, 10, 70, 30 };
    for (int i = 0; i < 6; i++)
        tq_insert_by_deadline(&l.head, &l.tail, mk(&t[i], deadlines[i]));
    struct thread *want[6] = { &t[1], &t[3], &t[2], &t[5], &t[0], &t[4] };
    CHECK(l.tail == &t[4]);
    for (int i = 0; i < 6; i++)
        CHECK(tq_pop_head(&l.head, &l.tail) == want[i]);
}

TEST(pop_expired_returns_only_due_sleepers)
{
    struct list l = { 0 };
    struct thread a, b, c;
    tq_insert_by_deadline(&l.head, &l.tail, mk(&a, 100));
    tq_insert_by_deadline(&l.head, &l.tail, mk(&b, 200));
    tq_insert_by_deadline(&l.head, &l.tail, mk(&c, 200));
    CHECK(tq_pop_expired(&l.head, &l.tail, 99) == NULL);
    CHECK(tq_pop_expired(&l.head, &l.tail, 100) == &a);
    CHECK(tq_pop_expired(&l.head, &l.tail, 150) == NULL);
    CHECK(tq_pop_expired(&l.head, &l.tail, 1000) == &b);
    CHECK(tq_pop_expired(&l.head, &l.tail, 1000) == &c);
    CHECK(tq_pop_expired(&l.head, &l.tail, 1000) == NULL);
    CHECK(l.tail == NULL);
}

static struct thread *mk_pol(struct thread *t, int policy, int rt_prio, int nice)
{
    mk(t, 0);
    t->policy = policy;
    t->rt_prio = rt_prio;
    t->nice = nice;
    return t;
}

TEST(pick_takes_highest_rt_priority_then_normal_then_idle_fifo_among_equals)
{
    struct list l = { 0 };
    struct thread t[6];
    tq_push_tail(&l.head, &l.tail, mk_pol(&t[0], SCHED_IDLE, 0, 0));
    tq_push_tail(&l.head, &l.tail, mk_pol(&t[1], SCHED_OTHER, 0, 5));
    tq_push_tail(&l.head, &l.tail, mk_pol(&t[2], SCHED_RR, 10, 0));
    tq_push_tail(&l.head, &l.tail, mk_pol(&t[3], SCHED_BATCH, 0, 0));
    tq_push_tail(&l.head, &l.tail, mk_pol(&t[4], SCHED_FIFO, 50, 0));
    tq_push_tail(&l.head, &l.tail, mk_pol(&t[5], SCHED_FIFO, 10, 0));
    CHECK(tq_pop_best(&l.head, &l.tail) == &t[4]);
    CHECK(tq_pop_best(&l.head, &l.tail) == &t[2]);      /* first of the equals */
    CHECK(tq_pop_best(&l.head, &l.tail) == &t[5]);
    CHECK(tq_pop_best(&l.head, &l.tail) == &t[1]);      /* normal ones in turn */
    CHECK(tq_pop_best(&l.head, &l.tail) == &t[3]);
    CHECK(tq_pop_best(&l.head, &l.tail) == &t[0]);      /* idle last */
    CHECK(tq_pop_best(&l.head, &l.tail) == NULL);
    CHECK(l.head == NULL && l.tail == NULL);
    tq_push_tail(&l.head, &l.tail, &t[1]);              /* the tail was kept right */
    CHECK(l.head == &t[1] && l.tail == &t[1]);
}

TEST(slices_grow_with_lower_nice_and_fifo_has_none)
{
    struct thread t;
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_OTHER, 0, 0)), SCHED_SLICE_TICKS);
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_OTHER, 0, -20)), SCHED_SLICE_TICKS * 16);
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_OTHER, 0, -5)), SCHED_SLICE_TICKS * 2);
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_OTHER, 0, 1)), SCHED_SLICE_TICKS / 2);
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_OTHER, 0, 19)), 1);
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_RR, 1, 0)), SCHED_RR_TICKS);
    CHECK_EQ(sched_slice_ticks(mk_pol(&t, SCHED_FIFO, 1, 0)), 0);
}
