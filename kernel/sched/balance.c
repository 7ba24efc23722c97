/* Where threads run: the CPU a waking thread goes to (its waker's when nothing
 * else waits there, else its last one when that is idle, else any idle CPU it may
 * use; new threads go to an idle CPU first, so work spreads) and idle balancing (a CPU with nothing to do takes a waiting thread from the busiest
 * queue). Both only read other CPUs' state racily to choose; the move itself is
 * under the run-queue locks. */

#include <osc/arch.h>
#include <osc/percpu.h>
#include "sched_internal.h"

static uint64_t online_mask;        /* atomic; bits only ever set */

/* The second run queue of a pair is checked as one lock class of its own, ranked
 * just above the run queue: pairs are always taken in CPU-id order, so two CPUs
 * balancing at once cannot deadlock (docs/locking.md). */
static spinlock_t rq_pair_class = SPINLOCK_INIT("runqueue (second of a pair)", RANK_RUNQUEUE_2);

uint64_t sched_online_mask(void)
{
    return __atomic_load_n(&online_mask, __ATOMIC_ACQUIRE);
}

void sched_mark_online(struct cpu *c)
{
    __atomic_fetch_or(&online_mask, cpu_bit(c), __ATOMIC_RELEASE);
}

static struct runqueue *rq_of(uint32_t id)
{
    return __atomic_load_n(&cpus[id].sched_data, __ATOMIC_ACQUIRE);
}

static bool cpu_idle(uint32_t id)
{
    const struct cpu *c = &cpus[id];
    const struct runqueue *rq = rq_of(id);
    return rq && __atomic_load_n(&c->current, __ATOMIC_RELAXED) == c->idle &&
           __atomic_load_n(&rq->nr_ready, __ATOMIC_RELAXED) == 0;
}

static unsigned cpu_load(uint32_t id)
{
    const struct cpu *c = &cpus[id];
    const struct runqueue *rq = rq_of(id);
    return __atomic_load_n(&rq->nr_ready, __ATOMIC_RELAXED) +
           (__atomic_load_n(&c->current, __ATOMIC_RELAXED) != c->idle);
}

struct cpu *sched_select_cpu(struct thread *t)
{
    uint64_t online = sched_online_mask();
    uint64_t allowed = __atomic_load_n(&t->allowed, __ATOMIC_RELAXED) & online;
    if (!allowed)
        allowed = online;       /* its CPUs are all gone: anywhere (as Linux) */
    uint32_t last = t->cpu->id, here = this_cpu()->id;
    bool fresh = t->run_ns == 0 && t->nvcsw == 0 && t->nivcsw == 0;
    /* A wake-up from a running thread whose own queue is empty stays with the
     * waker (Linux's wake_affine), even when the woken thread's last CPU is idle:
     * the two are usually a pair handing work back and forth (a pipe, a futex),
     * and a hand-off on one CPU costs a switch where one across CPUs costs an IPI
     * to a halted CPU (tens of microseconds on hardware, hundreds for an emulated
     * one) and a cold cache. If both stay busy, an idle CPU pulls one of them
     * within a tick. New threads spread to idle CPUs at once instead. */
    if (!fresh && (allowed & (1ull << here)) &&
        __atomic_load_n(&rq_of(here)->nr_ready, __ATOMIC_RELAXED) == 0 &&
        __atomic_load_n(&cpus[here].current, __ATOMIC_RELAXED) != cpus[here].idle)
        return &cpus[here];
    if ((allowed & (1ull << last)) && cpu_idle(last) && !fresh)
        return &cpus[last];
    for (uint64_t m = allowed; m; m &= m - 1) {
        uint32_t id = (uint32_t)__builtin_ctzll(m);
        if (cpu_idle(id))
            return &cpus[id];
    }
    if (allowed & (1ull << last))
        return &cpus[last];
    uint32_t best = (uint32_t)__builtin_ctzll(allowed);
    for (uint64_t m = allowed; m; m &= m - 1) {
        uint32_t id = (uint32_t)__builtin_ctzll(m);
        if (cpu_load(id) < cpu_load(best))
            best = id;
    }
    return &cpus[best];
}

static void rq_pair_lock(struct runqueue *a, uint32_t a_id, struct runqueue *b, uint32_t b_id)
{
    struct runqueue *first = a_id < b_id ? a : b, *second = a_id < b_id ? b : a;
    spin_lock_irqs_off(&first->lock);
    lockdep_acquire(&rq_pair_class);
    spin_lock_raw(&second->lock);
}

static void rq_pair_unlock(struct runqueue *a, uint32_t a_id, struct runqueue *b, uint32_t b_id)
{
    struct runqueue *first = a_id < b_id ? a : b, *second = a_id < b_id ? b : a;
    spin_unlock_raw(&second->lock);
    lockdep_release(&rq_pair_class);
    spin_unlock_irqs_off(&first->lock);
}

bool sched_pull(unsigned min)
{
    struct cpu *me = this_cpu();
    uint64_t online = sched_online_mask() & ~cpu_bit(me);
    uint32_t from = MAX_CPUS;
    unsigned most = min ? min - 1 : 0;
    for (uint64_t m = online; m; m &= m - 1) {
        uint32_t id = (uint32_t)__builtin_ctzll(m);
        unsigned n = __atomic_load_n(&rq_of(id)->nr_ready, __ATOMIC_RELAXED);
        if (n > most) {
            most = n;
            from = id;
        }
    }
    if (from == MAX_CPUS)
        return false;
    struct runqueue *mine = me->sched_data, *theirs = rq_of(from);
    rq_pair_lock(mine, me->id, theirs, from);
    /* Under both locks every thread on their ready FIFO is off its CPU (a switch
     * holds its queue's lock until the stack is free). The first one allowed here
     * moves: the oldest waiter, so FIFO order mostly survives. */
    struct thread *t = theirs->ready_head;
    while (t && !(__atomic_load_n(&t->allowed, __ATOMIC_RELAXED) & cpu_bit(me)))
        t = t->next;
    if (t && rq_ready_remove(theirs, t)) {
        __atomic_store_n(&t->cpu, me, __ATOMIC_RELEASE);
        rq_ready_push(mine, t);
        sched_preempt_check_locked(t);
    } else {
        t = NULL;
    }
    rq_pair_unlock(mine, me->id, theirs, from);
    return t != NULL;
}
