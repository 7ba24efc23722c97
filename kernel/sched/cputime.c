/* CPU-time accounting: a thread's time on a CPU is measured exactly at every
 * context switch (sched_switch_locked charges the outgoing thread); the timer tick
 * samples whether the running thread was in user or kernel mode, and the exact
 * total is split in that ratio (Linux's cputime_adjust), never going backwards. */

#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/time.h>
#include "sched_internal.h"

void cputime_adjust(uint64_t rtime, uint64_t uticks, uint64_t sticks, uint64_t *user,
                    uint64_t *sys)
{
    if (*user + *sys >= rtime)
        return;                 /* no progress since the last report: keep it */
    uint64_t s;
    if (sticks == 0) {
        s = 0;
    } else if (uticks == 0) {
        s = rtime;
    } else {
        /* rtime * sticks / total without 128-bit division: the remainder term's
         * product stays below total^2, small while ticks fit in 32 bits. */
        uint64_t total = uticks + sticks;
        s = rtime / total * sticks + rtime % total * sticks / total;
    }
    if (s < *sys)
        s = *sys;
    uint64_t u = rtime - s;
    if (u < *user) {
        u = *user;
        s = rtime - u;
    }
    *user = u;
    *sys = s;
}

void sched_thread_cputime(struct thread *t, uint64_t *user_ns, uint64_t *sys_ns)
{
    struct runqueue *rq = t->cpu->sched_data;
    unsigned long f = spin_lock_irqsave(&rq->lock);
    uint64_t rtime = t->run_ns;
    if (t->state == THREAD_RUNNING && t->cpu->current == t)
        rtime += time_ns() - t->run_start;
    cputime_adjust(rtime, t->user_ticks, t->sys_ticks, &t->rep_user_ns, &t->rep_sys_ns);
    *user_ns = t->rep_user_ns;
    *sys_ns = t->rep_sys_ns;
    spin_unlock_irqrestore(&rq->lock, f);
}

bool sched_thread_runnable(const struct thread *t)
{
    enum thread_state s = __atomic_load_n(&t->state, __ATOMIC_RELAXED);
    return s == THREAD_RUNNING || s == THREAD_READY;
}

void sched_cpu_ticks(unsigned cpu, uint64_t *user, uint64_t *sys, uint64_t *idle)
{
    struct runqueue *rq = cpu < MAX_CPUS ? cpus[cpu].sched_data : NULL;
    if (!rq) {
        *user = *sys = *idle = 0;
        return;
    }
    unsigned long f = spin_lock_irqsave(&rq->lock);
    *user = rq->user_ticks;
    *sys = rq->sys_ticks;
    *idle = rq->idle_ticks;
    spin_unlock_irqrestore(&rq->lock, f);
}
