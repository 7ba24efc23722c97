/* Threads and scheduling. Kernel threads now; user processes build on the same
 * struct thread later. Preemptive: the timer tick marks the running thread for
 * rescheduling and the switch happens on the way out of the interrupt.
 * Per-CPU run queues on every online CPU (kernel/sched/balance.c places threads). */
#pragma once

#include <osc/spinlock.h>
#include <osc/types.h>

struct thread;

void sched_init(void);          /* the boot flow becomes thread "kmain"; logs [sched] */
/* Another CPU (an AP), driven by the boot CPU's start-up code: prepare makes its run
 * queue and idle thread and returns the top of the idle thread's stack, which the
 * AP starts on (0: no memory); unprepare frees them when the AP never came up;
 * the AP itself calls start once its per-CPU init is done and becomes the idle
 * thread, taking threads from then on. */
uint64_t sched_prepare_cpu(uint32_t id);
void sched_unprepare_cpu(uint32_t id);
__noreturn void sched_start_ap(void);
/* Creates a runnable kernel thread; returns NULL when memory is short. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
/* The same, allowed only on the CPUs in the mask (bit n: CPU n; one not online
 * means anywhere, as for an affinity whose CPUs are gone). */
struct thread *thread_create_on(const char *name, void (*fn)(void *), void *arg,
                                uint64_t cpus);
struct thread *thread_current(void);
const char *thread_name(const struct thread *t);
__noreturn void thread_exit(void);
/* Waits for t to exit and frees it; returns 0 or -EINVAL. Only one joiner. */
int thread_join(struct thread *t);
/* Lets t run to completion unjoined: its stack is freed after it exits (at once if
 * it already has). 0, or -EINVAL when t is already joined or detached. */
int thread_detach(struct thread *t);
void sched_yield(void);
void thread_sleep_ns(uint64_t ns);

/* Called by the timer interrupt on every tick; user: the interrupted code ran in
 * user mode (CPU-time accounting charges the tick to user or system time). */
uint64_t sched_tick(bool user);
/* A timer interrupt between ticks (arch_timer_wake_at): wakes the expired sleepers
 * only. Both return the deadline of this CPU's earliest sleeper left (UINT64_MAX:
 * none), for the timer to come back then. */
uint64_t sched_tick_sleepers(void);
/* Called by the interrupt dispatcher last, with interrupts off, after EOI:
 * switches threads if the tick (or a wake-up) asked for it. */
void sched_irq_exit(void);

/* CPU time (kernel/sched/cputime.c). t's total time on a CPU is measured exactly at
 * every switch (time_ns); it is split into user and system time by the ratio of
 * the timer ticks that found t in each mode, as Linux does (cputime_adjust), and
 * never goes backwards. Takes t's run-queue lock (rank 80): callable under the
 * process table lock; the caller keeps t alive. */
void sched_thread_cputime(struct thread *t, uint64_t *user_ns, uint64_t *sys_ns);
/* True when t is running or waiting for a CPU (/proc's 'R'); a racy snapshot. */
bool sched_thread_runnable(const struct thread *t);
/* Ticks (TIMER_HZ) this CPU spent in user mode, kernel mode and idle: /proc/stat. */
void sched_cpu_ticks(unsigned cpu, uint64_t *user, uint64_t *sys, uint64_t *idle);
/* Load average (Linux's: runnable threads sampled every 5 s, exponentially decayed
 * over 1, 5 and 15 minutes), fixed point with LOAD_FSHIFT fraction bits; and the
 * number of running or ready threads now (the caller included). */
#define LOAD_FSHIFT 11
void sched_loadavg(uint64_t avg[3], unsigned *nr_running);
/* Threads that exist now, kernel threads included, idle threads not (Linux's
 * nr_threads: /proc/loadavg's total). */
unsigned sched_thread_count(void);
/* Pure (ktest): one decay step of a load average: load * e + active * (1 - e), with
 * e and active in LOAD_FSHIFT fixed point. */
uint64_t loadavg_step(uint64_t load, uint64_t e, uint64_t active);
/* Pure (ktest): splits rtime ns into user and system time in the ratio
 * uticks : sticks (all user when neither has ticked), then keeps each part at least
 * the previously reported *user / *sys (updated in place) while the sum stays rtime;
 * a rtime not above the previous sum leaves them as they are. */
void cputime_adjust(uint64_t rtime, uint64_t uticks, uint64_t sticks, uint64_t *user,
                    uint64_t *sys);

/* Scheduling policy and priority (kernel/sched/policy.c), Linux's numbers. The run
 * queue runs real-time threads (FIFO, RR) first, highest priority first, and a
 * waking one preempts a lower-ranked thread; normal threads take turns with a
 * slice weighted by nice; SCHED_IDLE ones only run when nothing else is ready. */
#define SCHED_OTHER 0
#define SCHED_FIFO  1
#define SCHED_RR    2
#define SCHED_BATCH 3
#define SCHED_IDLE  5
void sched_thread_get_policy(struct thread *t, int *policy, int *rt_prio, int *nice);
/* Callers check the values (policy.c does not); takes effect at the next pick. */
void sched_thread_set_policy(struct thread *t, int policy, int rt_prio, int nice);
/* The CPUs t may run on (bit n: CPU n; sched_setaffinity). Setting moves t off a
 * CPU the mask excludes: at once when it waits in a queue, at its next switch when
 * it runs (the caller, if t is itself, should sched_preempt_point), at its wake-up
 * when it sleeps. The caller checks the mask holds an online CPU. */
uint64_t sched_thread_affinity(struct thread *t);
void sched_thread_set_affinity(struct thread *t, uint64_t mask);
/* CPUs that run threads now (bit n: CPU n). */
uint64_t sched_online_mask(void);
/* A new thread starts with its creator's policy, priority, nice value and
 * affinity. */
void sched_thread_inherit_policy(struct thread *t, struct thread *from);
/* Voluntary and involuntary context switches of t (getrusage, /proc). */
void sched_thread_switches(struct thread *t, uint64_t *nvcsw, uint64_t *nivcsw);

/* Switches now if a wake-up asked for it (a higher-ranked thread became ready):
 * called on the way back to user mode after a system call. Interrupts on. */
void sched_preempt_point(void);

/* Preemption control for code that must not be switched away from. */
void preempt_disable(void);
void preempt_enable(void);

/* Wait queues: a thread sleeps until woken; wake-ups with no waiter are no-ops
 * (LESSONS 4: no remembered "pending" wake-ups). */
struct poll_entry;
struct waitqueue {
    spinlock_t lock;
    struct thread *head, *tail;     /* FIFO of waiters, linked through the thread */
    struct poll_entry *pollers;     /* poll waiters hooked on (list below), under lock */
};
#define RANK_WAITQUEUE  70
/* A statically initialised wait queue, the same as one after waitqueue_init. */
#define WAITQUEUE_INITIALIZER { .lock = SPINLOCK_INIT("waitqueue", RANK_WAITQUEUE) }
void waitqueue_init(struct waitqueue *wq);
/* Sleeps until woken, with wq->lock held on entry (taken with
 * spin_lock_irqsave, flags passed in); returns with it held again. */
void waitqueue_sleep_locked(struct waitqueue *wq, unsigned long *flags);
/* As waitqueue_sleep_locked, but a signal for the current thread ends the sleep:
 * returns -EINTR (at once when one is already pending) or 0 when woken normally.
 * Either way wq->lock is held again on return; callers re-check their condition. */
int waitqueue_sleep_interruptible_locked(struct waitqueue *wq, unsigned long *flags);
/* Sleeps ns unless a signal arrives: 0, or -EINTR with *left (may be NULL) set to
 * the time not slept. */
int thread_sleep_ns_interruptible(uint64_t ns, uint64_t *left);
/* Ends t's interruptible sleep, if it is in one (signal delivery). The caller keeps
 * t alive (kernel/proc holds its signal lock). Rank: takes intr_lock (65), then the
 * wait queue (70) and run queue (80). */
void sched_signal_wake(struct thread *t);
/* kernel/proc: true when the current thread has a signal to act on (false for
 * kernel threads). Interruptible sleeps consult it. */
bool signal_pending_current(void);
/* Both also wake every poll waiter hooked on wq (whatever n a waker passes). */
void waitqueue_wake_one(struct waitqueue *wq);
void waitqueue_wake_all(struct waitqueue *wq);
/* Wakes up to n waiters (n < 0: all) and the poll waiters; the caller holds
 * wq->lock with interrupts off. For an owner about to give up its last hold on
 * the object around wq: after the unlock it may already be freed. */
void waitqueue_wake_locked(struct waitqueue *wq, int n);

/* Waiting on several wait queues at once (poll, select). A poll waiter is one
 * thread; each poll entry hooks it on one queue, and any wake-up of that queue
 * marks the waiter woken and ends its sleep. The protocol that loses no wake-up:
 * hook the entries, then loop { poll_waiter_arm; check every condition (each under
 * its queue's lock); poll_waiter_sleep }: a wake-up after the arm, even one before
 * the sleep, makes the sleep return at once. Remove every entry before the waiter
 * goes out of scope. Ranks: the waiter's lock (76, `poll_waiter`) is taken under a
 * queue's (70) and takes the run queue (80). */
struct poll_waiter {
    spinlock_t lock;            /* guards woken and sleeping */
    struct thread *thread;
    bool woken;                 /* a hooked queue was woken since the last arm */
    bool sleeping;              /* in poll_waiter_sleep, on the sleep list */
};
struct poll_entry {
    struct poll_entry *next, *prev;     /* on wq->pollers, under wq->lock */
    struct waitqueue *wq;
    struct poll_waiter *waiter;
};
void poll_waiter_init(struct poll_waiter *w);           /* for the current thread */
void poll_waiter_add(struct poll_waiter *w, struct poll_entry *e, struct waitqueue *wq);
void poll_waiter_remove(struct poll_entry *e);
void poll_waiter_arm(struct poll_waiter *w);
/* Sleeps unless woken since the last arm, until a hooked queue is woken, deadline
 * passes (time_ns(); UINT64_MAX: none) or a signal arrives (at once when one is
 * pending). The caller re-checks its conditions and signal_pending_current. */
void poll_waiter_sleep(struct poll_waiter *w, uint64_t deadline);

/* Sleeping mutex: holder is a thread; not recursive; never from interrupts.
 * m->lock carries the mutex's name and rank (docs/locking.md) for the debug order
 * check; owner and the queue are protected by waiters.lock. */
struct mutex {
    spinlock_t lock;
    struct thread *owner;
    struct waitqueue waiters;
};
void mutex_init(struct mutex *m, const char *name, uint16_t rank);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
