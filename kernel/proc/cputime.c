/* Process CPU time: a process's time is its live threads' (kernel/sched measures
 * them) plus what its exited threads left behind; a reaped child's total moves into
 * its parent's children's time (POSIX: only children waited for count). Serves
 * times, getrusage and wait4/waitid's rusage (rusage.c) and the CPU-time clocks. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "proc_internal.h"

#define NS_PER_SEC      1000000000ull
#define USER_HZ         100             /* clock_t units of times(2) and /proc */

/* Linux's CPU clock encoding (include/linux/posix-timers.h). */
#define CPUCLOCK_PROF           0
#define CPUCLOCK_VIRT           1
#define CPUCLOCK_SCHED          2
#define CPUCLOCK_CLOCK_MASK     3
#define CPUCLOCK_PERTHREAD_MASK 4

void proc_cputime_self_locked(struct pcb *pc, uint64_t *user_ns, uint64_t *sys_ns)
{
    uint64_t u = pc->dead_user_ns, s = pc->dead_sys_ns;
    for (struct uthread *t = pc->threads; t; t = t->next_thread) {
        uint64_t tu, ts;
        sched_thread_cputime(t->thread, &tu, &ts);
        u += tu;
        s += ts;
    }
    *user_ns = u;
    *sys_ns = s;
}

void proc_cputime_thread_exit_locked(struct pcb *pc, struct uthread *u)
{
    uint64_t tu, ts;
    sched_thread_cputime(u->thread, &tu, &ts);
    pc->dead_user_ns += tu;
    pc->dead_sys_ns += ts;
}

void proc_cputime_reap_locked(struct pcb *parent, const struct pcb *child)
{
    parent->child_user_ns += child->dead_user_ns + child->child_user_ns;
    parent->child_sys_ns += child->dead_sys_ns + child->child_sys_ns;
}

char proc_run_state_locked(const struct pcb *pc)
{
    if (pc->state == PROC_ZOMBIE)
        return 'Z';
    if (__atomic_load_n(&pc->sig.stopped, __ATOMIC_RELAXED))
        return 'T';
    for (const struct uthread *t = pc->threads; t; t = t->next_thread)
        if (sched_thread_runnable(t->thread))
            return 'R';
    return 'S';
}

static uint64_t ns_to_clock_t(uint64_t ns)
{
    return ns / (NS_PER_SEC / USER_HZ);
}

int proc_cpu_clock_ns(int32_t clockid, int64_t *ns)
{
    if (clockid >= 0)
        return -EINVAL;
    int which = clockid & CPUCLOCK_CLOCK_MASK;
    bool thread = clockid & CPUCLOCK_PERTHREAD_MASK;
    int id = ~(clockid >> 3);
    if (which == CPUCLOCK_CLOCK_MASK)
        return -EINVAL;
    struct uthread *me = proc_uthread();
    if (!me)
        return -EINVAL;
    uint64_t u, s;
    int err = 0;
    unsigned long f = proc_table_lock();
    if (thread) {
        struct uthread *t = NULL;
        if (id == 0)
            t = me;
        else
            for (t = me->proc->threads; t && t->tid != id; t = t->next_thread)
                ;
        if (t)
            sched_thread_cputime(t->thread, &u, &s);
        else
            err = -EINVAL;
    } else {
        struct pcb *pc = id == 0 ? me->proc : proc_find_locked(id);
        if (pc)
            proc_cputime_self_locked(pc, &u, &s);
        else
            err = -EINVAL;
    }
    proc_table_unlock(f);
    if (err)
        return err;
    *ns = (int64_t)(which == CPUCLOCK_VIRT ? u : u + s);
    return 0;
}

SYSCALL(times)
{
    struct pcb *pc = proc_uthread()->proc;
    if (args->a[0]) {
        uint64_t u, s;
        unsigned long f = proc_table_lock();
        proc_cputime_self_locked(pc, &u, &s);
        int64_t tms[4] = { (int64_t)ns_to_clock_t(u), (int64_t)ns_to_clock_t(s),
                           (int64_t)ns_to_clock_t(pc->child_user_ns),
                           (int64_t)ns_to_clock_t(pc->child_sys_ns) };
        proc_table_unlock(f);
        if (copy_to_user((void *)args->a[0], tms, sizeof(tms)))
            return -EFAULT;
    }
    /* Clock ticks since boot (Linux counts from an arbitrary point too). */
    return (long)ns_to_clock_t(time_ns());
}
