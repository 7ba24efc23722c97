/* getrusage's counts besides CPU time (cputime.c): the high-water resident set
 * (from the address space's own RSS accounting, mm_space.c), page faults (counted
 * by the fault handler per thread) and voluntary/involuntary context switches
 * (counted by the scheduler per thread). Like CPU time, an exiting thread's counts
 * move into its process and a reaped child's into its parent's children's. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/uaccess.h>
#include "proc_internal.h"

#define NS_PER_SEC      1000000000ull
#define RUSAGE_SELF     0               /* linux/resource.h */
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD   1

static void thread_usage(struct uthread *u, struct proc_usage *out)
{
    out->minflt = __atomic_load_n(&u->minflt, __ATOMIC_RELAXED);
    out->majflt = 0;
    sched_thread_switches(u->thread, &out->nvcsw, &out->nivcsw);
}

void proc_usage_add(struct proc_usage *to, const struct proc_usage *from)
{
    to->maxrss_kb = MAX(to->maxrss_kb, from->maxrss_kb);
    to->minflt += from->minflt;
    to->majflt += from->majflt;
    to->nvcsw += from->nvcsw;
    to->nivcsw += from->nivcsw;
}

static uint64_t mm_maxrss_kb(struct mm_space *mm)
{
    if (!mm)
        return 0;
    struct mm_counts c;
    mm_get_counts(mm, &c);
    return c.hiwater_rss * (PAGE_SIZE / 1024);
}

void proc_usage_self_locked(struct pcb *pc, struct proc_usage *out)
{
    *out = pc->dead_usage;
    for (struct uthread *u = pc->threads; u; u = u->next_thread) {
        struct proc_usage t = { 0 };
        thread_usage(u, &t);
        proc_usage_add(out, &t);
    }
    /* The address space stays while the process lives (pub.mm changes only at
     * exec, under no lock we hold: the old one is noted before it goes). */
    out->maxrss_kb = MAX(out->maxrss_kb, mm_maxrss_kb(pc->pub.mm));
}

void proc_usage_thread_exit_locked(struct pcb *pc, struct uthread *u)
{
    struct proc_usage t = { 0 };
    thread_usage(u, &t);
    proc_usage_add(&pc->dead_usage, &t);
}

void proc_usage_reap_locked(struct pcb *parent, const struct pcb *child)
{
    proc_usage_add(&parent->child_usage, &child->dead_usage);
    proc_usage_add(&parent->child_usage, &child->child_usage);
}

void proc_usage_note_mm(struct pcb *pc, struct mm_space *mm)
{
    uint64_t kb = mm_maxrss_kb(mm);
    unsigned long f = proc_table_lock();
    pc->dead_usage.maxrss_kb = MAX(pc->dead_usage.maxrss_kb, kb);
    proc_table_unlock(f);
}

int proc_rusage_to_user(uint64_t uptr, uint64_t user_ns, uint64_t sys_ns,
                        const struct proc_usage *usage)
{
    int64_t ru[18];             /* struct rusage: two timevals, then 14 longs */
    _Static_assert(sizeof(ru) == 144, "struct rusage");
    memset(ru, 0, sizeof(ru));
    ru[0] = (int64_t)(user_ns / NS_PER_SEC);
    ru[1] = (int64_t)(user_ns % NS_PER_SEC / 1000);
    ru[2] = (int64_t)(sys_ns / NS_PER_SEC);
    ru[3] = (int64_t)(sys_ns % NS_PER_SEC / 1000);
    if (usage) {
        ru[4] = (int64_t)usage->maxrss_kb;      /* ru_maxrss */
        ru[8] = (int64_t)usage->minflt;         /* ru_minflt */
        ru[9] = (int64_t)usage->majflt;         /* ru_majflt */
        ru[16] = (int64_t)usage->nvcsw;         /* ru_nvcsw */
        ru[17] = (int64_t)usage->nivcsw;        /* ru_nivcsw */
    }
    return copy_to_user((void *)uptr, ru, sizeof(ru));
}

SYSCALL(getrusage)
{
    int who = (int)args->a[0];
    struct uthread *me = proc_uthread();
    struct pcb *pc = me->proc;
    uint64_t u, s;
    struct proc_usage usage = { 0 };
    unsigned long f = proc_table_lock();
    switch (who) {
    case RUSAGE_SELF:
        proc_cputime_self_locked(pc, &u, &s);
        proc_usage_self_locked(pc, &usage);
        break;
    case RUSAGE_CHILDREN:
        u = pc->child_user_ns;
        s = pc->child_sys_ns;
        usage = pc->child_usage;
        break;
    case RUSAGE_THREAD:
        sched_thread_cputime(me->thread, &u, &s);
        thread_usage(me, &usage);
        usage.maxrss_kb = MAX(pc->dead_usage.maxrss_kb, mm_maxrss_kb(pc->pub.mm));
        break;
    default:
        proc_table_unlock(f);
        return -EINVAL;
    }
    proc_table_unlock(f);
    return proc_rusage_to_user(args->a[1], u, s, &usage);
}
