/* Scheduler internals shared by the files of kernel/sched: struct thread, the
 * per-CPU run queue and the intrusive thread lists they are built from. */
#pragma once

#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/spinlock.h>
#include <osc/types.h>

/* Lock ranks (docs/locking.md): a wait queue's lock (RANK_WAITQUEUE, <osc/sched.h>)
 * may be held while taking the run-queue lock (waking a thread), never the other
 * way round. */
#define RANK_POLL_WAITER 76     /* under a wait queue (its waker), above the run queue */
#define RANK_RUNQUEUE   80
#define RANK_RUNQUEUE_2 81      /* a second run queue, taken in CPU-id order (balance.c) */

#define THREAD_BLOCK_PAGES  4           /* 16 KiB: stack, with struct thread on top */
/* Thread blocks are mapped at KSTACK_BASE (kstack.c) with an unmapped guard page
 * below each; kstack_map answers the block's address there, or NULL. */
void *kstack_map(paddr_t block);
void kstack_unmap(void *base);
#define THREAD_NAME_MAX     24
#define SCHED_SLICE_TICKS   4           /* 16 ms at TIMER_HZ 250, at nice 0 */
#define SCHED_RR_TICKS      25          /* 100 ms: Linux's SCHED_RR quantum */
#define STACK_CANARY        0x57ac4ca7a2ull
#define MUTEX_HELD_MAX      8

enum thread_state {
    THREAD_RUNNING,     /* cpu->current of its CPU */
    THREAD_READY,       /* on its CPU's run queue (the idle thread: never queued) */
    THREAD_BLOCKED,     /* on a wait queue, or on no list while a waker places it */
    THREAD_SLEEPING,    /* on its CPU's sleep list until wake_at */
    THREAD_DEAD,        /* exited; its stack is freed by the joiner or the reaper */
};

struct thread {
    uint64_t saved_sp;          /* valid while not running: see arch_context_switch */
    enum thread_state state;    /* changes under the run-queue lock of t->cpu */
    uint32_t id;
    char name[THREAD_NAME_MAX];
    /* Link in exactly one list at a time, as the state says: run queue (READY),
     * wait queue (BLOCKED), sleep list (SLEEPING), zombie list (DEAD, detached). */
    struct thread *next;
    uint64_t wake_at;           /* time_ns() deadline while SLEEPING */
    unsigned slice_left;        /* ticks left before preemption */
    /* CPU time (cputime.c), under the run-queue lock of t->cpu: run time of past
     * stints on the CPU, when the current one began (RUNNING only), the ticks that
     * found it in user / kernel mode, and the split last reported (kept monotonic). */
    uint64_t run_ns, run_start;
    /* Run time weighted by nice (sched_slice_ticks), for wake-up preemption only
     * (the pick stays FIFO by rank): a woken normal thread whose vruntime is well
     * below the running one's goes first. Under the run-queue lock. */
    uint64_t vruntime;
    uint64_t user_ticks, sys_ticks;
    uint64_t rep_user_ns, rep_sys_ns;
    /* Policy (SCHED_*), its real-time priority (FIFO/RR: 1..99) and nice value
     * (-20..19), under the run-queue lock of t->cpu (policy.c). */
    int policy, rt_prio, nice;
    /* Context switches away from it: it slept (voluntary) or was preempted or
     * yielded (involuntary), as Linux counts them. Under the run-queue lock. */
    uint64_t nvcsw, nivcsw;
    /* CPU whose run queue owns this thread. Changes only with the new CPU's run
     * queue locked, and either the old one's too (a READY thread pulled by an idle
     * CPU) or the thread on no list at all (BLOCKED, being placed by its waker):
     * thread_rq_lock() finds the right lock despite a concurrent move. */
    struct cpu *cpu;
    /* True from the switch to this thread until the switch away from it has
     * completed (cleared by the next thread, before the run-queue lock drops): a
     * waker on another CPU must not make it run elsewhere while its stack is live. */
    bool on_cpu;
    /* Switched out READY on a CPU its affinity no longer allows: the next thread
     * places it elsewhere (sched_finish_switch). Under the run-queue lock. */
    bool relocate;
    /* CPUs it may run on (bit n: cpus[n]); sched_setaffinity's mask. Written under
     * its run-queue lock, read racily by placement (a stale read only costs a
     * relocation). */
    uint64_t allowed;
    uint64_t *stack_bottom;     /* lowest word: STACK_CANARY */
    uint64_t stack_top;
    paddr_t block;              /* pmm block holding stack + this struct; 0: static */
    void *fpu_area;             /* XSAVE area; NULL for kernel threads */
    struct uthread *uthread;    /* user side (kernel/proc); NULL for kernel threads */
    /* Interruptible sleeps (signals): the wait queue an interruptible sleeper is on,
     * written under that queue's lock, cleared by the sleeper under intr_lock
     * (wait.c) so a signal sender holding intr_lock may lock it; intr_sleep marks a
     * timed interruptible sleep (under the run-queue lock). */
    struct waitqueue *intr_wq;
    bool intr_sleep;
    /* Exit and join, under exit_wq.lock. */
    struct waitqueue exit_wq;
    bool exited;                /* off its stack for good: may be freed */
    bool detached;              /* nobody joins: the reaper frees it */
    bool joined;                /* a joiner is waiting or has waited */
#ifdef LOCK_DEBUG
    const struct mutex *mutexes_held[MUTEX_HELD_MAX];   /* lockdep, per thread */
    unsigned mutex_depth;
#endif
};

struct runqueue {
    spinlock_t lock;                    /* protects everything below */
    struct thread *ready_head, *ready_tail;     /* FIFO of READY threads */
    struct thread *sleep_head, *sleep_tail;     /* SLEEPING threads by wake_at */
    struct thread *zombie_head, *zombie_tail;   /* DEAD detached threads */
    uint64_t switches;
    uint64_t user_ticks, sys_ticks, idle_ticks;     /* /proc/stat's cpu lines */
    unsigned nr_active;         /* running + ready at the last load sample (atomic) */
    unsigned nr_ready;          /* threads on the ready FIFO; written under lock, read racily */
    /* Highest vruntime a thread had when it started running here: the floor a
     * waking thread is lifted to (less a sleeper's credit), as CFS's min_vruntime. */
    uint64_t min_vruntime;
};

/* Puts t (this CPU's current thread, t->wake_at set) on rq's sleep list and loads
 * the timer for its deadline when that comes first. rq is this CPU's, locked. */
void sched_sleep_insert_locked(struct runqueue *rq, struct thread *t);

/* Only meaningful with interrupts off (or preemption disabled): otherwise the thread
 * may already run on another CPU when the caller uses the answer. */
static inline struct runqueue *this_rq(void)
{
    return (struct runqueue *)this_cpu()->sched_data;
}

static inline uint64_t cpu_bit(const struct cpu *c)
{
    return 1ull << c->id;
}

/* ---- intrusive thread lists (tqueue.c, pure: host-tested) ---- */
void tq_push_tail(struct thread **head, struct thread **tail, struct thread *t);
struct thread *tq_pop_head(struct thread **head, struct thread **tail);
/* Unlinks t; returns false when t was not on the list. */
bool tq_remove(struct thread **head, struct thread **tail, struct thread *t);
/* Inserts by ascending wake_at; equal deadlines keep insertion order. */
void tq_insert_by_deadline(struct thread **head, struct thread **tail, struct thread *t);
/* Pops the head if its wake_at <= now, else returns NULL. */
struct thread *tq_pop_expired(struct thread **head, struct thread **tail, uint64_t now);
/* Pops the first thread of the highest sched_rank (NULL when empty): FIFO among
 * equals, so equal threads still take turns. */
struct thread *tq_pop_best(struct thread **head, struct thread **tail);
/* Which thread runs first: real-time threads by priority (101..199), then normal
 * and batch ones (1), then SCHED_IDLE ones (0). */
int sched_rank(const struct thread *t);
/* Ticks of a fresh time slice: SCHED_SLICE_TICKS at nice 0, doubled for every 5
 * nice levels below 0 and halved for every 5 above (Linux's weights grow ~3x per
 * 5 levels); SCHED_RR_TICKS for RR; FIFO is never sliced (0). */
unsigned sched_slice_ticks(const struct thread *t);

/* The ready FIFO with its count kept in step (other CPUs read nr_ready). */
static inline void rq_ready_push(struct runqueue *rq, struct thread *t)
{
    tq_push_tail(&rq->ready_head, &rq->ready_tail, t);
    __atomic_store_n(&rq->nr_ready, rq->nr_ready + 1, __ATOMIC_RELAXED);
}
static inline struct thread *rq_ready_pop_best(struct runqueue *rq)
{
    struct thread *t = tq_pop_best(&rq->ready_head, &rq->ready_tail);
    if (t)
        __atomic_store_n(&rq->nr_ready, rq->nr_ready - 1, __ATOMIC_RELAXED);
    return t;
}
static inline bool rq_ready_remove(struct runqueue *rq, struct thread *t)
{
    bool found = tq_remove(&rq->ready_head, &rq->ready_tail, t);
    if (found)
        __atomic_store_n(&rq->nr_ready, rq->nr_ready - 1, __ATOMIC_RELAXED);
    return found;
}

/* ---- sched.c ---- */
/* True once sched_init has run on this CPU. */
bool sched_running(void);
/* Makes a BLOCKED thread READY on its run queue. Callable with interrupts off and
 * with a wait-queue lock held (rank below the run queue's). */
void sched_make_ready(struct thread *t);
/* A thread just made READY on its run queue (lock held): asks for a switch when it
 * outranks what this CPU runs (the idle thread included). */
void sched_preempt_check_locked(struct thread *t);
/* The same for a thread that just woke up: its vruntime is lifted to the queue's
 * floor less a sleeper's credit, and a normal thread well below the running
 * thread's vruntime goes to the front of its queue and preempts it. */
void sched_wake_preempt_locked(struct runqueue *rq, struct thread *t);
/* Switches away from the current thread, whose state the caller has already set
 * (READY threads are requeued here). Caller holds this CPU's rq->lock, taken after
 * disabling interrupts; returns, once this thread runs again, with that lock
 * released and interrupts still off. */
void sched_switch_locked(struct runqueue *rq);
/* Timed, interruptible sleep another thread can end early (futex waits): puts the
 * current thread on the sleep list until deadline (time_ns(); UINT64_MAX: none) and
 * only then drops held, a spinlock the caller took with spin_lock_irqsave (so a
 * waker holding held cannot miss it); returns with held taken again. A pending
 * signal (signal_pending_current) skips the sleep; sched_signal_wake ends it.
 * Wake-ups: sched_wake_sleeping. */
void thread_sleep_until_locked(struct spinlock *held, uint64_t deadline);
/* Ends t's sleep when it is SLEEPING (and, if only_interruptible, in a sleep a
 * signal may end): takes it off the sleep list and places it as a wake-up does.
 * True when it was asleep. */
bool sched_end_sleep(struct thread *t, bool only_interruptible);
/* Ends t's sleep now when it is SLEEPING (its waker's decision, under the lock the
 * sleeper passed as held); false otherwise. */
bool sched_wake_sleeping(struct thread *t);
/* Frees a dead thread's stack block (never the current stack). */
void thread_free(struct thread *t);
/* Frees the dead detached threads queued on this CPU's zombie list; thread context,
 * after sched_init. Run by the idle thread and before every thread_alloc, so the
 * list stays short on a CPU that is never idle (a fork loop). */
void sched_reap_zombies(void);

/* Take/drop a spinlock when interrupts are already off (the flags live with an
 * outer irqsave), keeping lockdep's per-CPU stack in step. */
static inline void spin_lock_irqs_off(struct spinlock *l)
{
    lockdep_acquire(l);
    spin_lock_raw(l);
}
static inline void spin_unlock_irqs_off(struct spinlock *l)
{
    spin_unlock_raw(l);
    lockdep_release(l);
}

/* Interrupts t's CPU when t is running on another one, so its way back to user
 * mode (a pending signal, an exit) is taken now rather than at the next tick. */
void sched_kick(struct thread *t);
/* Locks the run queue that owns t (t->cpu may change until the lock is held);
 * interrupts off until the matching spin_unlock_irqrestore(&rq->lock, *flags). */
struct runqueue *thread_rq_lock(struct thread *t, unsigned long *flags);
/* Asks c (whose run-queue lock the caller holds) to switch at its next chance:
 * this CPU sets the flag, another one also gets a reschedule IPI. */
void sched_resched_cpu_locked(struct cpu *c);

/* ---- balance.c: where threads run ---- */
/* sched_online_mask (osc/sched.h) grows as each CPU starts scheduling. */
void sched_mark_online(struct cpu *c);
/* The CPU a thread being made READY should go to: the waker's CPU when nothing
 * waits there, else its last CPU when idle, else an idle CPU it may use (first
 * choice for a thread that never ran), else its last CPU, else the least loaded. */
struct cpu *sched_select_cpu(struct thread *t);
/* This CPU takes one READY thread it may run from the CPU with the most waiting,
 * when that CPU has at least min waiting. Interrupts off, no lock held; true when
 * it took one (need_resched is then set). */
bool sched_pull(unsigned min);

/* ---- cputime.c ---- */
/* Every tick, rq lock held: samples the run queue for the load average. */
void sched_load_tick(struct runqueue *rq, bool boot_cpu);

/* ---- kernel/proc: loads next's address space and user TLS base when it is a
 * user thread (the kernel's tables otherwise). Interrupts off, rq lock held. ---- */
void proc_thread_switch(struct thread *prev, struct thread *next);

/* ---- thread.c ---- */
/* Called after the switch away from a DEAD thread, on the next thread's stack:
 * tells the joiner (or queues it for the reaper when detached). */
void thread_exit_finish(struct thread *t);
/* Allocates a thread block (stack + struct); NULL when memory is short. */
struct thread *thread_alloc(const char *name);
/* An idle thread is not counted among the live threads (sched_thread_count). */
void thread_uncount(void);

/* ---- lockdep.c: mutex order, per thread (a mutex is held across sleeps, so a
 * per-CPU stack can't track it) ---- */
#ifdef LOCK_DEBUG
/* check: panic on a rank not above the thread's last-taken mutex. */
void lockdep_mutex_acquire(const struct mutex *m, bool check);
void lockdep_mutex_release(const struct mutex *m);
#else
static inline void lockdep_mutex_acquire(const struct mutex *m, bool check) { (void)m; (void)check; }
static inline void lockdep_mutex_release(const struct mutex *m) { (void)m; }
#endif
