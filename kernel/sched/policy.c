/* Scheduling policy, real-time priority, nice value and CPU affinity of a thread,
 * and its context-switch counts: the scheduler's side of sched_setscheduler/setpriority
 * (kernel/proc/sched_calls.c checks the values and permissions). */

#include "sched_internal.h"

void sched_thread_get_policy(struct thread *t, int *policy, int *rt_prio, int *nice)
{
    unsigned long f;
    struct runqueue *rq = thread_rq_lock(t, &f);
    *policy = t->policy;
    *rt_prio = t->rt_prio;
    *nice = t->nice;
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_thread_set_policy(struct thread *t, int policy, int rt_prio, int nice)
{
    unsigned long f;
    struct runqueue *rq = thread_rq_lock(t, &f);
    int old_rank = sched_rank(t);
    t->policy = policy;
    t->rt_prio = rt_prio;
    t->nice = nice;
    if (t->state == THREAD_READY)
        sched_preempt_check_locked(t);          /* raised above what runs */
    else if (t == t->cpu->current && sched_rank(t) < old_rank && rq->ready_head)
        sched_resched_cpu_locked(t->cpu);       /* lowered: maybe someone else now */
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_thread_inherit_policy(struct thread *t, struct thread *from)
{
    int policy, rt_prio, nice;
    sched_thread_get_policy(from, &policy, &rt_prio, &nice);
    t->policy = policy;         /* t is new: on no list, nobody else sees it */
    t->rt_prio = rt_prio;
    t->nice = nice;
    t->allowed = sched_thread_affinity(from);
}

void sched_thread_switches(struct thread *t, uint64_t *nvcsw, uint64_t *nivcsw)
{
    *nvcsw = __atomic_load_n(&t->nvcsw, __ATOMIC_RELAXED);
    *nivcsw = __atomic_load_n(&t->nivcsw, __ATOMIC_RELAXED);
}

uint64_t sched_thread_affinity(struct thread *t)
{
    return __atomic_load_n(&t->allowed, __ATOMIC_RELAXED);
}

void sched_thread_set_affinity(struct thread *t, uint64_t mask)
{
    unsigned long f;
    struct runqueue *rq = thread_rq_lock(t, &f);
    __atomic_store_n(&t->allowed, mask, __ATOMIC_RELAXED);
    bool move = false;
    if (!(mask & cpu_bit(t->cpu))) {
        if (t->state == THREAD_READY && rq_ready_remove(rq, t)) {
            t->state = THREAD_BLOCKED;          /* on no list until placed again */
            move = true;
        } else if (t->state == THREAD_RUNNING) {
            sched_resched_cpu_locked(t->cpu);   /* its switch away relocates it */
        }
        /* Sleeping or blocked: its wake-up places it within the new mask. */
    }
    spin_unlock_irqrestore(&rq->lock, f);
    if (move)
        sched_make_ready(t);
}
