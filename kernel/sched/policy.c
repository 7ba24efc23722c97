/* Scheduling policy, real-time priority and nice value of a thread, and its
 * context-switch counts: the scheduler's side of sched_setscheduler/setpriority
 * (kernel/proc/sched_calls.c checks the values and permissions). */

#include "sched_internal.h"

void sched_thread_get_policy(struct thread *t, int *policy, int *rt_prio, int *nice)
{
    struct runqueue *rq = t->cpu->sched_data;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    *policy = t->policy;
    *rt_prio = t->rt_prio;
    *nice = t->nice;
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_thread_set_policy(struct thread *t, int policy, int rt_prio, int nice)
{
    struct runqueue *rq = t->cpu->sched_data;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    int old_rank = sched_rank(t);
    t->policy = policy;
    t->rt_prio = rt_prio;
    t->nice = nice;
    if (t->state == THREAD_READY)
        sched_preempt_check_locked(t);          /* raised above what runs */
    else if (t == this_cpu()->current && sched_rank(t) < old_rank && rq->ready_head)
        this_cpu()->need_resched = true;        /* lowered: maybe someone else now */
    spin_unlock_irqrestore(&rq->lock, f);
}

void sched_thread_inherit_policy(struct thread *t, struct thread *from)
{
    int policy, rt_prio, nice;
    sched_thread_get_policy(from, &policy, &rt_prio, &nice);
    t->policy = policy;         /* t is new: on no list, nobody else sees it */
    t->rt_prio = rt_prio;
    t->nice = nice;
}

void sched_thread_switches(struct thread *t, uint64_t *nvcsw, uint64_t *nivcsw)
{
    *nvcsw = __atomic_load_n(&t->nvcsw, __ATOMIC_RELAXED);
    *nivcsw = __atomic_load_n(&t->nivcsw, __ATOMIC_RELAXED);
}
