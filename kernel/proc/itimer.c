/* Interval timers: ITIMER_REAL, alarm, getitimer/setitimer — SIGALRM when a
 * process's deadline passes. */

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
 * "itimer", started on first use, fires them: it checks every TIMER_POLL_NS while
 * any timer is armed and sleeps on timer_wq (no polling) while none is. */
#define TIMER_POLL_NS  (5 * 1000 * 1000ull)
#define ITIMER_REAL 0
static struct pcb *timer_list;
static struct waitqueue timer_wq = { .lock = SPINLOCK_INIT("waitqueue", 70) };
static bool timer_thread_started;       /* under signal_lock */

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

static void timer_thread(void *arg)
{
    (void)arg;
    for (;;) {
        uint64_t now = time_ns();
        unsigned long f = spin_lock_irqsave(&signal_lock);
        for (struct pcb **pp = &timer_list; *pp;) {
            struct pcb *pc = *pp;
            if (pc->sig.itimer_at > now) {
                pp = &pc->sig.next_timer;
                continue;
            }
            struct ksiginfo info = { .signo = SIGALRM, .code = SI_KERNEL };
            signal_generate_locked(pc, NULL, SIGALRM, &info);
            if (pc->sig.itimer_interval) {
                pc->sig.itimer_at = now + pc->sig.itimer_interval;
                pp = &pc->sig.next_timer;
            } else {
                pc->sig.itimer_at = 0;
                *pp = pc->sig.next_timer;
            }
        }
        bool armed = timer_list != NULL;
        spin_unlock_irqrestore(&signal_lock, f);
        if (armed) {
            thread_sleep_ns(TIMER_POLL_NS);
            continue;
        }
        f = spin_lock_irqsave(&timer_wq.lock);
        while (!__atomic_load_n(&timer_list, __ATOMIC_ACQUIRE))
            waitqueue_sleep_locked(&timer_wq, &f);
        spin_unlock_irqrestore(&timer_wq.lock, f);
    }
}

/* Sets the current process's ITIMER_REAL (value 0: disarm); returns the old
 * remaining time and interval in ns. */
static int itimer_set(uint64_t value, uint64_t interval, uint64_t *old_value,
                      uint64_t *old_interval)
{
    struct pcb *pc = proc_uthread()->proc;
    bool start = false;
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
        __atomic_store_n(&timer_list, pc, __ATOMIC_RELEASE);
        start = !timer_thread_started;
        timer_thread_started = true;
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (start) {
        struct thread *t = thread_create("itimer", timer_thread, NULL);
        if (!t) {
            f = spin_lock_irqsave(&signal_lock);
            timer_thread_started = false;
            itimer_disarm_locked(pc);
            spin_unlock_irqrestore(&signal_lock, f);
            return -ENOMEM;
        }
        thread_detach(t);
    }
    if (value)
        waitqueue_wake_all(&timer_wq);
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
    if (args->a[0] == ITIMER_REAL) {
        uint64_t ov, oi;
        uint64_t value = ((uint64_t)v.value_sec * US_PER_SEC + (uint64_t)v.value_usec) * NS_PER_US;
        uint64_t interval = ((uint64_t)v.interval_sec * US_PER_SEC +
                             (uint64_t)v.interval_usec) * NS_PER_US;
        int err = itimer_set(value, interval, &ov, &oi);
        if (err)
            return err;
        itimerval_from_ns(&old, ov, oi);
    }
    /* ITIMER_VIRTUAL / ITIMER_PROF: accepted, never fire (no CPU-time accounting). */
    if (args->a[2] && copy_to_user((void *)args->a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}
