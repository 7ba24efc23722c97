/* Interval timers: ITIMER_REAL, alarm, getitimer/setitimer — SIGALRM when a
 * process's deadline passes; ITIMER_VIRTUAL and ITIMER_PROF are CPU-time timers
 * of ptimer.c — and the "sigtimer" thread that fires them all. */

#define LOG_TAG "signal"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include <asm/user_regs.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"
#include "signal_internal.h"

/* Armed processes sit on timer_list (under signal_lock). One kernel thread,
 * "sigtimer", started on first use, fires them and the POSIX timers (ptimer.c):
 * it sleeps until the earliest deadline, and arming a timer kicks it awake to
 * recompute that. */
#define ITIMER_REAL 0
static struct pcb *timer_list;
static struct thread *timer_thread_self;        /* under signal_lock, once running */
static int timer_thread_state;                  /* atomic: 0 none, 1 starting/running */

void itimer_disarm_locked(struct pcb *pc)
{
    if (!pc->sig.itimer_at)
        return;
    pc->sig.itimer_at = 0;
    for (struct pcb **pp = &timer_list; *pp; pp = &(*pp)->sig.next_timer) {
        if (*pp == pc) {
            *pp = pc->sig.next_timer;
            break;
        }
    }
}

/* Fires due ITIMER_REALs; returns the earliest deadline left (UINT64_MAX: none). */
static uint64_t itimer_fire_locked(uint64_t now)
{
    uint64_t next = UINT64_MAX;
    for (struct pcb **pp = &timer_list; *pp;) {
        struct pcb *pc = *pp;
        if (pc->sig.itimer_at > now) {
            next = MIN(next, pc->sig.itimer_at);
            pp = &pc->sig.next_timer;
            continue;
        }
        struct ksiginfo info = { .signo = SIGALRM, .code = SI_KERNEL };
        signal_generate_locked(pc, NULL, SIGALRM, &info);
        if (pc->sig.itimer_interval) {
            pc->sig.itimer_at = now + pc->sig.itimer_interval;
            next = MIN(next, pc->sig.itimer_at);
            pp = &pc->sig.next_timer;
        } else {
            pc->sig.itimer_at = 0;
            *pp = pc->sig.next_timer;
        }
    }
    return next;
}

static void timer_thread(void *arg)
{
    (void)arg;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    /* Published under the lock before the first look at the lists: an arming
     * either comes before that look or finds the thread to kick. */
    timer_thread_self = thread_current();
    for (;;) {
        uint64_t now = time_ns();
        uint64_t next = MIN(itimer_fire_locked(now), ptimer_fire_locked(now));
        thread_sleep_until_locked(&signal_lock, next);
    }
    (void)f;                            /* never returns: the lock stays with the loop */
}

int sigtimer_start(void)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&timer_thread_state, &expected, 1, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return 0;                       /* running, or being started by someone */
    struct thread *t = thread_create("sigtimer", timer_thread, NULL);
    if (!t) {
        __atomic_store_n(&timer_thread_state, 0, __ATOMIC_RELEASE);
        return -ENOMEM;
    }
    thread_detach(t);
    return 0;
}

void sigtimer_kick_locked(void)
{
    if (timer_thread_self)
        sched_wake_sleeping(timer_thread_self);
}

/* Sets the current process's ITIMER_REAL (value 0: disarm); returns the old
 * remaining time and interval in ns. */
static int itimer_set(uint64_t value, uint64_t interval, uint64_t *old_value,
                      uint64_t *old_interval)
{
    struct pcb *pc = proc_uthread()->proc;
    if (value) {
        int err = sigtimer_start();
        if (err)
            return err;
    }
    uint64_t now = time_ns();
    unsigned long f = spin_lock_irqsave(&signal_lock);
    uint64_t at = pc->sig.itimer_at;
    if (old_value)
        *old_value = at ? (at > now ? at - now : 1) : 0;
    if (old_interval)
        *old_interval = pc->sig.itimer_interval;
    itimer_disarm_locked(pc);
    pc->sig.itimer_interval = interval;
    if (value) {
        pc->sig.itimer_at = now + value;
        pc->sig.next_timer = timer_list;
        timer_list = pc;
        sigtimer_kick_locked();
    }
    spin_unlock_irqrestore(&signal_lock, f);
    return 0;
}

#define US_PER_SEC  1000000ull
#define NS_PER_US   1000ull

SYSCALL(alarm)
{
    uint64_t old;
    int err = itimer_set((uint64_t)(uint32_t)args->a[0] * US_PER_SEC * NS_PER_US, 0, &old, NULL);
    if (err)
        return err;
    /* Remaining seconds, rounded to nearest; a pending alarm never reads 0. */
    uint64_t s = (old + 500000000ull) / (US_PER_SEC * NS_PER_US);
    return old && !s ? 1 : (long)s;
}

/* struct itimerval: it_interval then it_value, each a timeval (sec, usec). */
struct linux_itimerval {
    int64_t interval_sec, interval_usec, value_sec, value_usec;
};

static void itimerval_from_ns(struct linux_itimerval *v, uint64_t value, uint64_t interval)
{
    uint64_t vu = (value + NS_PER_US - 1) / NS_PER_US, iu = interval / NS_PER_US;
    v->value_sec = (int64_t)(vu / US_PER_SEC);
    v->value_usec = (int64_t)(vu % US_PER_SEC);
    v->interval_sec = (int64_t)(iu / US_PER_SEC);
    v->interval_usec = (int64_t)(iu % US_PER_SEC);
}

SYSCALL(getitimer)
{
    if (args->a[0] > 2)
        return -EINVAL;
    struct linux_itimerval v = {0};
    if (args->a[0] == ITIMER_REAL) {
        struct pcb *pc = proc_uthread()->proc;
        uint64_t now = time_ns();
        unsigned long f = spin_lock_irqsave(&signal_lock);
        uint64_t at = pc->sig.itimer_at;
        itimerval_from_ns(&v, at ? (at > now ? at - now : 1) : 0, pc->sig.itimer_interval);
        spin_unlock_irqrestore(&signal_lock, f);
    } else {
        uint64_t value, interval;
        ptimer_itimer_cpu((int)args->a[0], NULL, NULL, &value, &interval);
        itimerval_from_ns(&v, value, interval);
    }
    return copy_to_user((void *)args->a[1], &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL(setitimer)
{
    if (args->a[0] > 2)
        return -EINVAL;
    struct linux_itimerval v = {0}, old = {0};
    if (args->a[1] && copy_from_user(&v, (const void *)args->a[1], sizeof(v)))
        return -EFAULT;
    if (v.value_usec < 0 || v.value_usec >= (int64_t)US_PER_SEC || v.value_sec < 0 ||
        v.interval_usec < 0 || v.interval_usec >= (int64_t)US_PER_SEC || v.interval_sec < 0)
        return -EINVAL;
    uint64_t ov, oi;
    uint64_t value = ((uint64_t)v.value_sec * US_PER_SEC + (uint64_t)v.value_usec) * NS_PER_US;
    uint64_t interval = ((uint64_t)v.interval_sec * US_PER_SEC +
                         (uint64_t)v.interval_usec) * NS_PER_US;
    int err = args->a[0] == ITIMER_REAL ? itimer_set(value, interval, &ov, &oi)
            : ptimer_itimer_cpu((int)args->a[0], &value, &interval, &ov, &oi);
    if (err)
        return err;
    itimerval_from_ns(&old, ov, oi);
    if (args->a[2] && copy_to_user((void *)args->a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}
