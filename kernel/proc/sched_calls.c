/* Scheduling system calls: policy and real-time priority (sched_*), CPU affinity,
 * nice values (setpriority/getpriority), with Linux's rules for who may raise what
 * (RLIMIT_RTPRIO, RLIMIT_NICE, or root). Per thread, as in Linux: a pid names the
 * thread with that id. The scheduler's side is kernel/sched/policy.c. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

#define SCHED_RESET_ON_FORK 0x40000000  /* accepted, not honoured (docs/STATUS.md) */
#define RT_PRIO_MAX         99
#define NICE_MIN            (-20)
#define NICE_MAX            19
#define PRIO_PROCESS        0
#define PRIO_PGRP           1
#define PRIO_USER           2
#define NS_PER_TICK         (1000000000ull / TIMER_HZ)

/* The thread with id tid (0: the caller), or NULL. Caller holds proc_wq.lock. */
static struct uthread *thread_find_locked(int tid)
{
    if (tid == 0)
        return proc_uthread();
    for (struct pcb *pc = proc_table_first(); pc; pc = pc->next_all)
        for (struct uthread *u = pc->threads; u; u = u->next_thread)
            if (u->tid == tid)
                return u;
    return NULL;
}

/* May the caller change t's scheduling at all? Its effective uid must be t's real
 * or effective uid, or it is privileged (Linux check_same_owner). */
static bool same_owner(const struct process *me, const struct process *t)
{
    return proc_privileged(me) || me->euid == t->uid || me->euid == t->euid;
}

/* May the caller give its thread nice value nice (lower than now)? RLIMIT_NICE
 * holds 20 - the lowest nice allowed (Linux can_nice). */
static bool can_nice(const struct process *me, int nice)
{
    return proc_privileged(me) || (uint64_t)(20 - nice) <= proc_rlimit(RLIMIT_NICE);
}

static bool policy_valid(int policy)
{
    return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
           policy == SCHED_BATCH || policy == SCHED_IDLE;
}

static bool policy_rt(int policy)
{
    return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* Linux __sched_setscheduler's checks and the change; policy -1: keep it. */
static long set_scheduler(int tid, int policy, uint64_t uparam)
{
    int prio;
    if (tid < 0 || !uparam)
        return -EINVAL;
    if (copy_from_user(&prio, (const void *)uparam, sizeof(prio)))
        return -EFAULT;
    if (policy != -1) {
        policy &= ~SCHED_RESET_ON_FORK;
        if (!policy_valid(policy))
            return -EINVAL;
    }
    struct process *me = proc_current();
    long err = 0;
    unsigned long f = proc_table_lock();
    struct uthread *u = thread_find_locked(tid);
    if (!u) {
        proc_table_unlock(f);
        return -ESRCH;
    }
    int old_policy, old_prio, nice;
    sched_thread_get_policy(u->thread, &old_policy, &old_prio, &nice);
    if (policy == -1)
        policy = old_policy;
    if (policy_rt(policy) ? prio < 1 || prio > RT_PRIO_MAX : prio != 0) {
        err = -EINVAL;
    } else if (!proc_privileged(me)) {
        uint64_t rtlim = proc_rlimit(RLIMIT_RTPRIO);
        if (!same_owner(me, &u->proc->pub))
            err = -EPERM;
        else if (policy_rt(policy) && (uint64_t)prio > rtlim &&
                 (!policy_rt(old_policy) || prio > old_prio))
            err = -EPERM;       /* above RLIMIT_RTPRIO and above what it had */
        else if (policy_rt(policy) && !policy_rt(old_policy) && rtlim == 0)
            err = -EPERM;
        else if (old_policy == SCHED_IDLE && policy != SCHED_IDLE && !can_nice(me, nice))
            err = -EPERM;       /* leaving SCHED_IDLE is a raise */
    }
    if (!err)
        sched_thread_set_policy(u->thread, policy, policy_rt(policy) ? prio : 0, nice);
    proc_table_unlock(f);
    return err;
}

SYSCALL(sched_setscheduler)
{
    if ((int)args->a[1] < 0)
        return -EINVAL;
    return set_scheduler((int)args->a[0], (int)args->a[1], args->a[2]);
}

SYSCALL(sched_setparam)
{
    return set_scheduler((int)args->a[0], -1, args->a[1]);
}

/* Reads tid's policy, priority, nice value and time slice (ticks, may be NULL):
 * 0 or -EINVAL/-ESRCH. */
static long get_sched(int tid, int *policy, int *prio, int *nice, unsigned *slice)
{
    if (tid < 0)
        return -EINVAL;
    unsigned long f = proc_table_lock();
    struct uthread *u = thread_find_locked(tid);
    if (u) {
        sched_thread_get_policy(u->thread, policy, prio, nice);
        if (slice)
            *slice = sched_slice_ticks(u->thread);      /* a racy snapshot */
    }
    proc_table_unlock(f);
    return u ? 0 : -ESRCH;
}

SYSCALL(sched_getscheduler)
{
    int policy, prio, nice;
    long err = get_sched((int)args->a[0], &policy, &prio, &nice, NULL);
    return err ? err : policy;
}

SYSCALL(sched_getparam)
{
    int policy, prio, nice;
    if (!args->a[1])
        return -EINVAL;
    long err = get_sched((int)args->a[0], &policy, &prio, &nice, NULL);
    if (err)
        return err;
    return copy_to_user((void *)args->a[1], &prio, sizeof(prio));
}

SYSCALL(sched_get_priority_max)
{
    int policy = (int)args->a[0];
    return !policy_valid(policy) ? -EINVAL : policy_rt(policy) ? RT_PRIO_MAX : 0;
}

SYSCALL(sched_get_priority_min)
{
    int policy = (int)args->a[0];
    return !policy_valid(policy) ? -EINVAL : policy_rt(policy) ? 1 : 0;
}

/* The thread's quantum: RR's, none (0) for FIFO, the nice-weighted slice else. */
SYSCALL(sched_rr_get_interval)
{
    int policy, prio, nice;
    unsigned ticks;
    long err = get_sched((int)args->a[0], &policy, &prio, &nice, &ticks);
    if (err)
        return err;
    uint64_t ns = ticks * NS_PER_TICK;          /* 0 for FIFO */
    int64_t ts[2] = { (int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull) };
    return copy_to_user((void *)args->a[1], ts, sizeof(ts));
}

/* Does thread u fall under setpriority/getpriority's (which, who)? who 0 means the
 * caller's own thread, process group or user. */
static bool prio_matches(const struct uthread *u, int which, int who, const struct process *me)
{
    const struct process *p = &u->proc->pub;
    if (u->proc->state != PROC_ALIVE)
        return false;
    switch (which) {
    case PRIO_PROCESS: return u->tid == (who ? who : proc_uthread()->tid);
    case PRIO_PGRP: return p->pgid == (who ? who : me->pgid);
    default: return p->uid == (who ? (uint32_t)who : me->uid);
    }
}

SYSCALL(setpriority)
{
    int which = (int)args->a[0], who = (int)args->a[1];
    int nice = (int)MIN(MAX((int64_t)(int)args->a[2], NICE_MIN), NICE_MAX);
    if (which < PRIO_PROCESS || which > PRIO_USER || who < 0)
        return -EINVAL;
    struct process *me = proc_current();
    long err = -ESRCH;
    unsigned long f = proc_table_lock();
    for (struct pcb *pc = proc_table_first(); pc; pc = pc->next_all)
        for (struct uthread *u = pc->threads; u; u = u->next_thread) {
            if (!prio_matches(u, which, who, me))
                continue;
            int policy, prio, old;
            sched_thread_get_policy(u->thread, &policy, &prio, &old);
            if (!same_owner(me, &pc->pub))
                err = -EPERM;
            else if (nice < old && !can_nice(me, nice))
                err = -EACCES;
            else {
                sched_thread_set_policy(u->thread, policy, prio, nice);
                if (err == -ESRCH)
                    err = 0;
            }
        }
    proc_table_unlock(f);
    return err;
}

/* The raw system call returns 20 - nice (1..40) of the highest-priority match,
 * so no success is negative; libc turns it back into a nice value. */
SYSCALL(getpriority)
{
    int which = (int)args->a[0], who = (int)args->a[1];
    if (which < PRIO_PROCESS || which > PRIO_USER || who < 0)
        return -EINVAL;
    struct process *me = proc_current();
    long best = -ESRCH;
    unsigned long f = proc_table_lock();
    for (struct pcb *pc = proc_table_first(); pc; pc = pc->next_all)
        for (struct uthread *u = pc->threads; u; u = u->next_thread) {
            if (!prio_matches(u, which, who, me))
                continue;
            int policy, prio, nice;
            sched_thread_get_policy(u->thread, &policy, &prio, &nice);
            best = MAX(best, (long)(20 - nice));
        }
    proc_table_unlock(f);
    return best;
}

/* CPU affinity, per thread (pid 0: the caller). The mask is one 64-bit word here
 * (MAX_CPUS); a longer user mask is accepted when the bits past it are 0, as
 * Linux's cpumask copy ignores none it cannot hold. A mask without an online CPU is
 * -EINVAL. getaffinity answers allowed & online and returns the bytes written. */
SYSCALL(sched_getaffinity)
{
    int tid = (int)args->a[0];
    size_t len = args->a[1];
    if (len < sizeof(uint64_t) || (len & (sizeof(long) - 1)))
        return -EINVAL;
    if (tid < 0)
        return -ESRCH;
    unsigned long f = proc_table_lock();
    struct uthread *u = thread_find_locked(tid);
    uint64_t mask = u ? sched_thread_affinity(u->thread) & sched_online_mask() : 0;
    proc_table_unlock(f);
    if (!u)
        return -ESRCH;
    if (copy_to_user((void *)args->a[2], &mask, sizeof(mask)))
        return -EFAULT;
    return sizeof(mask);
}

SYSCALL(sched_setaffinity)
{
    int tid = (int)args->a[0];
    size_t len = args->a[1];
    if (tid < 0)
        return -ESRCH;
    uint64_t mask = 0;
    if (len && copy_from_user(&mask, (const void *)args->a[2], MIN(len, sizeof(mask))))
        return -EFAULT;
    if (!(mask & sched_online_mask()))
        return -EINVAL;
    struct process *me = proc_current();
    long err = 0;
    unsigned long f = proc_table_lock();
    struct uthread *u = thread_find_locked(tid);
    if (!u)
        err = -ESRCH;
    else if (!same_owner(me, &u->proc->pub))
        err = -EPERM;
    else
        sched_thread_set_affinity(u->thread, mask);
    proc_table_unlock(f);
    if (!err)
        sched_preempt_point();      /* the caller itself leaves an excluded CPU now */
    return err;
}
