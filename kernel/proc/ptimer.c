/* POSIX per-process timers (timer_create & co). An expiry queues the timer's own
 * signal entry (si_code SI_TIMER, si_timerid, si_value); while that entry is still
 * queued, further expiries only count as overruns (si_overrun, timer_getoverrun),
 * as in Linux. The "sigtimer" thread (itimer.c) fires them; a process's timers
 * die with it and on exec. Wall-clock timers and CPU-time timers (the process's
 * or one of its threads'; setitimer's VIRTUAL and PROF too): CPU time is sampled
 * when the thread wakes. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "../sched/sched_internal.h"
#include "proc_internal.h"

#define CLOCK_REALTIME   0
#define CLOCK_MONOTONIC  1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_BOOTTIME   7
#define CLOCK_TAI        11
#define SIGEV_SIGNAL     0
#define SIGEV_NONE       1
#define SIGEV_THREAD     2      /* libc's: the kernel treats it as SIGEV_SIGNAL */
#define SIGEV_THREAD_ID  4
#define TIMER_ABSTIME    1
#define DELAYTIMER_MAX   INT32_MAX
#define PTIMER_MAX       1024   /* timers per process; past it timer_create: EAGAIN */
#define NS_PER_SEC       1000000000ull
/* Linux's encoded CPU clocks (clock_getcpuclockid): ~id << 3 | per-thread bit | which. */
#define CPUCLOCK_VIRT           1
#define CPUCLOCK_CLOCK_MASK     3
#define CPUCLOCK_PERTHREAD_MASK 4

enum ptimer_base { BASE_WALL, BASE_PROCESS_CPU, BASE_THREAD_CPU };

struct ptimer {
    struct ptimer *next;                /* pc->sig.ptimers */
    struct ptimer *next_armed;          /* armed_list */
    struct pcb *owner;
    int id, clock, notify, tid, signo;
    enum ptimer_base base;
    int cpu_tid;                        /* BASE_THREAD_CPU: whose CPU time */
    bool cpu_user_only;                 /* CPUCLOCK_VIRT: user time only */
    bool itimer;                        /* setitimer's VIRTUAL/PROF: plain signal */
    uint64_t value;                     /* sigev_value */
    uint64_t at;                        /* next expiry on its clock (wall: time_ns); 0: off */
    uint64_t interval;
    uint64_t overrun;                   /* expiries while the entry was queued */
    int overrun_last;                   /* of the last signal taken: timer_getoverrun */
    struct sigpending *queued_on;       /* where sq is queued, or NULL */
    struct sigqueue sq;
};

/* Everything here is under signal_lock: each process's list, and the armed
 * timers that send a signal (SIGEV_NONE ones are never on it). */
static struct ptimer *armed_list;

/* struct sigevent (64 bytes): sigev_value, signo, notify, then the thread id. */
struct linux_sigevent {
    uint64_t value;
    int32_t signo, notify, tid;
    int32_t pad[11];
};
/* struct itimerspec: it_interval then it_value, each a timespec. */
struct linux_itimerspec {
    int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "sigevent");

static struct ptimer *find_locked(struct pcb *pc, int id)
{
    for (struct ptimer *t = pc->sig.ptimers; t; t = t->next)
        if (t->id == id)
            return t;
    return NULL;
}

static struct uthread *thread_of_locked(struct pcb *pc, int tid)
{
    for (struct uthread *u = pc->sig.threads; u; u = u->sig.next)
        if (u->tid == tid)
            return u;
    return NULL;
}

/* The timer's clock now (wall: time_ns); false when its thread is gone (a
 * thread CPU-time timer then never fires, as in Linux). */
static bool clock_read_locked(struct ptimer *t, uint64_t wall, uint64_t *now)
{
    if (t->base == BASE_WALL) {
        *now = wall;
        return true;
    }
    uint64_t u, s;
    if (t->base == BASE_THREAD_CPU) {
        struct uthread *th = thread_of_locked(t->owner, t->cpu_tid);
        if (!th)
            return false;
        sched_thread_cputime(th->sig.thread, &u, &s);
    } else {
        unsigned long f = proc_table_lock();
        proc_cputime_self_locked(t->owner, &u, &s);
        proc_table_unlock(f);
    }
    *now = t->cpu_user_only ? u : u + s;
    return true;
}

/* When to look at t again, in wall time: its clock runs no faster than wall time
 * (CPU time on one CPU included; with more CPUs this would need the CPU count). */
static uint64_t wall_deadline(uint64_t wall, uint64_t clock_now, uint64_t at)
{
    return wall + (at - clock_now);
}

static void disarm_locked(struct ptimer *t)
{
    t->at = 0;
    for (struct ptimer **pp = &armed_list; *pp; pp = &(*pp)->next_armed) {
        if (*pp == t) {
            *pp = t->next_armed;
            break;
        }
    }
}

/* One expiry (plus `missed` periods that passed unseen). */
static void expire_locked(struct ptimer *t, uint64_t missed)
{
    if (t->itimer) {
        /* Like ITIMER_REAL: a standard signal, coalescing, no overrun count. */
        struct ksiginfo info = { .signo = t->signo, .code = SI_KERNEL };
        signal_generate_locked(t->owner, NULL, t->signo, &info);
        return;
    }
    if (t->queued_on) {
        t->overrun += 1 + missed;
        return;
    }
    struct uthread *target = NULL;
    if (t->notify == SIGEV_THREAD_ID && !(target = thread_of_locked(t->owner, t->tid)))
        return;                         /* the thread is gone: nobody to tell */
    t->overrun = missed;
    t->sq.info = (struct ksiginfo){ .signo = t->signo, .code = SI_TIMER, .timerid = t->id,
                                    .value = t->value };
    if (signal_generate_timer_locked(t->owner, target, &t->sq))
        t->queued_on = target ? &target->sig.pending : &t->owner->sig.shared;
}

uint64_t ptimer_fire_locked(uint64_t wall)
{
    uint64_t next = UINT64_MAX, now;
    for (struct ptimer **pp = &armed_list; *pp;) {
        struct ptimer *t = *pp;
        if (!clock_read_locked(t, wall, &now)) {
            pp = &t->next_armed;
            continue;
        }
        if (t->at > now) {
            next = MIN(next, wall_deadline(wall, now, t->at));
            pp = &t->next_armed;
            continue;
        }
        uint64_t missed = t->interval ? (now - t->at) / t->interval : 0;
        expire_locked(t, missed);
        if (t->interval) {
            t->at += (missed + 1) * t->interval;
            next = MIN(next, wall_deadline(wall, now, t->at));
            pp = &t->next_armed;
        } else {
            t->at = 0;
            *pp = t->next_armed;
        }
    }
    return next;
}

void ptimer_dequeued_locked(struct ptimer *t, struct ksiginfo *info)
{
    t->queued_on = NULL;
    if (!info)
        return;
    int ov = t->overrun > DELAYTIMER_MAX ? DELAYTIMER_MAX : (int)t->overrun;
    info->overrun = ov;
    t->overrun_last = ov;
    t->overrun = 0;
}

/* Off every list; its queued signal (if any) is dropped. */
static void unlink_locked(struct ptimer *t)
{
    disarm_locked(t);
    if (t->queued_on)
        sigpending_unlink_locked(t->queued_on, &t->sq);
    t->queued_on = NULL;
}

struct ptimer *ptimer_detach_all_locked(struct pcb *pc, bool exiting)
{
    struct ptimer *list = pc->sig.ptimers;
    for (struct ptimer *t = list; t; t = t->next)
        unlink_locked(t);
    pc->sig.ptimers = NULL;
    pc->sig.ptimer_count = 0;
    for (int i = 0; exiting && i < 2; i++) {
        struct ptimer *t = pc->sig.itimer_cpu[i];
        if (t) {
            unlink_locked(t);
            t->next = list;
            list = t;
            pc->sig.itimer_cpu[i] = NULL;
        }
    }
    return list;
}

void ptimer_free_list(struct ptimer *list)
{
    while (list) {
        struct ptimer *next = list->next;
        kfree(list);
        list = next;
    }
}

/* Time to the next expiry and the period, in ns. A SIGEV_NONE timer is never
 * fired: its deadline moves on here, lazily (Linux does the same). */
static void remaining_locked(struct ptimer *t, uint64_t wall, uint64_t *value,
                             uint64_t *interval)
{
    *interval = t->interval;
    *value = 0;
    uint64_t now;
    if (!t->at || !clock_read_locked(t, wall, &now))
        return;
    if (t->notify == SIGEV_NONE && t->at <= now) {
        if (!t->interval) {
            t->at = 0;
            return;
        }
        t->at += ((now - t->at) / t->interval + 1) * t->interval;
    }
    /* Expired, its signal not sent yet: Linux reports 1 ns, never 0 (disarmed). */
    *value = t->at > now ? t->at - now : 1;
}

static void itimerspec_from_ns(struct linux_itimerspec *its, uint64_t value, uint64_t interval)
{
    its->value_sec = (int64_t)(value / NS_PER_SEC);
    its->value_nsec = (int64_t)(value % NS_PER_SEC);
    its->interval_sec = (int64_t)(interval / NS_PER_SEC);
    its->interval_nsec = (int64_t)(interval % NS_PER_SEC);
}

static int timespec_ns(int64_t sec, int64_t nsec, uint64_t *ns)
{
    if (sec < 0 || nsec < 0 || nsec >= (int64_t)NS_PER_SEC)
        return -EINVAL;
    *ns = (uint64_t)sec > UINT64_MAX / NS_PER_SEC / 2 ? UINT64_MAX / 2
        : (uint64_t)sec * NS_PER_SEC + (uint64_t)nsec;
    return 0;
}

/* The timer's clock: wall clocks, the caller's CPU clocks, and Linux's encoded
 * ones for this process or its threads (another process's: -EINVAL here). */
static int clock_setup(struct ptimer *t, int32_t clock, struct uthread *me)
{
    t->clock = clock;
    switch (clock) {
    case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
        t->base = BASE_WALL;
        return 0;
    case CLOCK_PROCESS_CPUTIME_ID:
        t->base = BASE_PROCESS_CPU;
        return 0;
    case CLOCK_THREAD_CPUTIME_ID:
        t->base = BASE_THREAD_CPU;
        t->cpu_tid = me->tid;
        return 0;
    }
    if (clock >= 0 || (clock & CPUCLOCK_CLOCK_MASK) == CPUCLOCK_CLOCK_MASK)
        return -EINVAL;
    int id = ~(clock >> 3);
    t->cpu_user_only = (clock & CPUCLOCK_CLOCK_MASK) == CPUCLOCK_VIRT;
    if (clock & CPUCLOCK_PERTHREAD_MASK) {
        t->base = BASE_THREAD_CPU;
        t->cpu_tid = id ? id : me->tid;         /* checked under signal_lock */
        return 0;
    }
    if (id != 0 && id != me->proc->pub.pid)
        return -EINVAL;
    t->base = BASE_PROCESS_CPU;
    return 0;
}

SYSCALL(timer_create)
{
    int32_t clock = (int32_t)args->a[0];
    struct linux_sigevent ev = { .notify = SIGEV_SIGNAL, .signo = SIGALRM };
    bool dfl = !args->a[1];
    if (!dfl && copy_from_user(&ev, (const void *)args->a[1], sizeof(ev)))
        return -EFAULT;
    switch (ev.notify) {
    case SIGEV_SIGNAL: case SIGEV_THREAD: case SIGEV_THREAD_ID:
        if (ev.signo <= 0 || ev.signo > SIGRTMAX)
            return -EINVAL;
        break;
    case SIGEV_NONE:
        break;
    default:
        return -EINVAL;
    }
    struct ptimer *t = kzalloc(sizeof(*t));
    if (!t)
        return -EAGAIN;
    struct uthread *me = proc_uthread();
    int err = clock_setup(t, clock, me);
    if (err) {
        kfree(t);
        return err;
    }
    t->notify = ev.notify == SIGEV_THREAD ? SIGEV_SIGNAL : ev.notify;
    t->signo = ev.signo;
    t->tid = ev.tid;
    t->value = ev.value;
    t->sq.timer = t;
    struct pcb *pc = me->proc;
    t->owner = pc;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    if (pc->sig.ptimer_count >= PTIMER_MAX)
        err = -EAGAIN;
    else if (t->notify == SIGEV_THREAD_ID && !thread_of_locked(pc, t->tid))
        err = -EINVAL;          /* not a thread of this process */
    else if (t->base == BASE_THREAD_CPU && !thread_of_locked(pc, t->cpu_tid))
        err = -EINVAL;
    if (!err) {
        /* Ids count up from 0 and are reused only after wrapping, as in Linux. */
        do {
            t->id = pc->sig.ptimer_next_id;
            pc->sig.ptimer_next_id = t->id == INT32_MAX ? 0 : t->id + 1;
        } while (find_locked(pc, t->id));
        if (dfl)
            t->value = (uint64_t)t->id;        /* sival_int: the timer's id */
        t->next = pc->sig.ptimers;
        pc->sig.ptimers = t;
        pc->sig.ptimer_count++;
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (err) {
        kfree(t);
        return err;
    }
    int32_t id = t->id;
    if (copy_to_user((void *)args->a[2], &id, sizeof(id))) {
        /* Nobody can name the timer: delete it again. */
        f = spin_lock_irqsave(&signal_lock);
        bool found = false;
        for (struct ptimer **pp = &pc->sig.ptimers; *pp; pp = &(*pp)->next) {
            if (*pp == t) {
                *pp = t->next;
                pc->sig.ptimer_count--;
                found = true;
                break;
            }
        }
        spin_unlock_irqrestore(&signal_lock, f);
        if (found)
            kfree(t);
        return -EFAULT;
    }
    return 0;
}

/* Re-arms t (value 0: disarms) and reports what was left of the old setting. */
static void set_locked(struct ptimer *t, int flags, uint64_t value, uint64_t interval,
                       uint64_t *old_value, uint64_t *old_interval)
{
    uint64_t wall = time_ns(), now;
    remaining_locked(t, wall, old_value, old_interval);
    disarm_locked(t);
    t->overrun = 0;
    t->overrun_last = 0;
    t->interval = interval;
    if (!value)
        return;
    if (!clock_read_locked(t, wall, &now))
        now = 0;                        /* its thread is gone: it never fires */
    uint64_t at = now + value;
    if (flags & TIMER_ABSTIME) {
        /* No clock_settime here: CLOCK_REALTIME runs in step with time_ns, so the
         * absolute deadline converts once, now. */
        int64_t clock_now = t->clock == CLOCK_REALTIME || t->clock == CLOCK_TAI
                            ? time_realtime_ns() : (int64_t)now;
        at = (int64_t)value > clock_now ? now + (value - (uint64_t)clock_now) : now;
    }
    t->at = at ? at : 1;
    if (t->notify != SIGEV_NONE) {
        t->next_armed = armed_list;
        armed_list = t;
        sigtimer_kick_locked();
    }
}

SYSCALL(timer_settime)
{
    int id = (int)args->a[0];
    int flags = (int)args->a[1];
    struct linux_itimerspec its;
    if (!args->a[2])
        return -EINVAL;
    if (copy_from_user(&its, (const void *)args->a[2], sizeof(its)))
        return -EFAULT;
    uint64_t value, interval;
    if (timespec_ns(its.value_sec, its.value_nsec, &value) ||
        timespec_ns(its.interval_sec, its.interval_nsec, &interval))
        return -EINVAL;
    if (value) {
        int err = sigtimer_start();
        if (err)
            return err;
    }
    struct pcb *pc = proc_uthread()->proc;
    uint64_t old_value = 0, old_interval = 0;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct ptimer *t = find_locked(pc, id);
    if (!t) {
        spin_unlock_irqrestore(&signal_lock, f);
        return -EINVAL;
    }
    set_locked(t, flags, value, interval, &old_value, &old_interval);
    spin_unlock_irqrestore(&signal_lock, f);
    if (args->a[3]) {
        struct linux_itimerspec old;
        itimerspec_from_ns(&old, old_value, old_interval);
        if (copy_to_user((void *)args->a[3], &old, sizeof(old)))
            return -EFAULT;
    }
    return 0;
}

SYSCALL(timer_gettime)
{
    struct pcb *pc = proc_uthread()->proc;
    uint64_t value, interval;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct ptimer *t = find_locked(pc, (int)args->a[0]);
    if (t)
        remaining_locked(t, time_ns(), &value, &interval);
    spin_unlock_irqrestore(&signal_lock, f);
    if (!t)
        return -EINVAL;
    struct linux_itimerspec its;
    itimerspec_from_ns(&its, value, interval);
    return copy_to_user((void *)args->a[1], &its, sizeof(its)) ? -EFAULT : 0;
}

SYSCALL(timer_getoverrun)
{
    struct pcb *pc = proc_uthread()->proc;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct ptimer *t = find_locked(pc, (int)args->a[0]);
    long r = t ? t->overrun_last : -EINVAL;
    spin_unlock_irqrestore(&signal_lock, f);
    return r;
}

SYSCALL(timer_delete)
{
    struct pcb *pc = proc_uthread()->proc;
    struct ptimer *t = NULL;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    for (struct ptimer **pp = &pc->sig.ptimers; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == (int)args->a[0]) {
            t = *pp;
            *pp = t->next;
            pc->sig.ptimer_count--;
            unlink_locked(t);
            break;
        }
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (!t)
        return -EINVAL;
    kfree(t);
    return 0;
}

/* setitimer's ITIMER_VIRTUAL (user CPU time, SIGVTALRM) and ITIMER_PROF (user and
 * system time, SIGPROF) of the current process: CPU-time timers outside the
 * timer_create ids. They survive exec but not fork, as in Linux. */
int ptimer_itimer_cpu(int which, const uint64_t *value, const uint64_t *interval,
                      uint64_t *old_value, uint64_t *old_interval)
{
    struct pcb *pc = proc_uthread()->proc;
    struct ptimer *spare = NULL;
    if (value && *value) {
        int err = sigtimer_start();
        if (err)
            return err;
        spare = kzalloc(sizeof(*spare));
        if (!spare)
            return -ENOMEM;
        spare->owner = pc;
        spare->id = -1;
        spare->itimer = true;
        spare->base = BASE_PROCESS_CPU;
        spare->cpu_user_only = which == ITIMER_CPU_VIRTUAL;
        spare->signo = which == ITIMER_CPU_VIRTUAL ? SIGVTALRM : SIGPROF;
        spare->notify = SIGEV_SIGNAL;
        spare->sq.timer = spare;
    }
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct ptimer **slot = &pc->sig.itimer_cpu[which == ITIMER_CPU_VIRTUAL ? 0 : 1];
    if (!*slot && spare) {
        *slot = spare;
        spare = NULL;
    }
    struct ptimer *t = *slot;
    *old_value = *old_interval = 0;
    if (t && value)
        set_locked(t, 0, *value, *interval, old_value, old_interval);
    else if (t)
        remaining_locked(t, time_ns(), old_value, old_interval);
    spin_unlock_irqrestore(&signal_lock, f);
    kfree(spare);
    return 0;
}
