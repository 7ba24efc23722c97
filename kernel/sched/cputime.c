/* CPU-time accounting: a thread's time on a CPU is measured exactly at every
 * context switch (sched_switch_locked charges the outgoing thread); the timer tick
 * samples whether the running thread was in user or kernel mode, and the exact
 * total is split in that ratio (Linux's cputime_adjust), never going backwards.
 * Also the load average, sampled from the run queues every 5 s. */

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
    unsigned long f;
    struct runqueue *rq = thread_rq_lock(t, &f);
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

/* Load average (Linux kernel/sched/loadavg.c): e = 2048 / exp(5 s / period). */
#define LOAD_FIXED_1    (1ull << LOAD_FSHIFT)
#define LOAD_FREQ_TICKS (5 * TIMER_HZ + 1)      /* Linux samples every 5 s + 1 tick */
static const uint64_t load_exp[3] = { 1884, 2014, 2037 };   /* 1, 5, 15 minutes */
static uint64_t avenrun[3];             /* written by the boot CPU's tick only */

uint64_t loadavg_step(uint64_t load, uint64_t e, uint64_t active)
{
    uint64_t n = load * e + active * (LOAD_FIXED_1 - e);
    if (active >= load)
        n += LOAD_FIXED_1 - 1;          /* round up while rising, as Linux */
    return n / LOAD_FIXED_1;
}

void sched_load_tick(struct runqueue *rq, bool boot_cpu)
{
    uint64_t ticks = rq->user_ticks + rq->sys_ticks + rq->idle_ticks;
    if (ticks % LOAD_FREQ_TICKS != 0)
        return;
    /* This CPU's count, under its lock; the boot CPU folds every CPU's latest. */
    unsigned n = this_cpu()->current != this_cpu()->idle;
    for (struct thread *t = rq->ready_head; t; t = t->next)
        n++;
    __atomic_store_n(&rq->nr_active, n, __ATOMIC_RELAXED);
    if (!boot_cpu)
        return;
    unsigned total = 0;
    for (uint32_t c = 0; c < cpu_count && c < MAX_CPUS; c++) {
        struct runqueue *q = __atomic_load_n(&cpus[c].sched_data, __ATOMIC_ACQUIRE);
        if (q)
            total += __atomic_load_n(&q->nr_active, __ATOMIC_RELAXED);
    }
    for (int i = 0; i < 3; i++)
        __atomic_store_n(&avenrun[i],
                         loadavg_step(avenrun[i], load_exp[i], total * LOAD_FIXED_1),
                         __ATOMIC_RELAXED);
}

/* Running or ready threads right now, as Linux's nr_running() (the averages are
 * sampled; this count is not: a reader always counts itself). */
static unsigned nr_running_now(void)
{
    unsigned n = 0;
    for (uint32_t c = 0; c < cpu_count && c < MAX_CPUS; c++) {
        struct runqueue *q = __atomic_load_n(&cpus[c].sched_data, __ATOMIC_ACQUIRE);
        if (!q)
            continue;
        unsigned long f = spin_lock_irqsave(&q->lock);
        n += cpus[c].current && cpus[c].current != cpus[c].idle;
        for (struct thread *t = q->ready_head; t; t = t->next)
            n++;
        spin_unlock_irqrestore(&q->lock, f);
    }
    return n;
}

void sched_loadavg(uint64_t avg[3], unsigned *nr_running)
{
    for (int i = 0; i < 3; i++)
        avg[i] = __atomic_load_n(&avenrun[i], __ATOMIC_RELAXED);
    *nr_running = nr_running_now();
}
