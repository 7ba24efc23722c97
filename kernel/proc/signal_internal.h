/* Private to kernel/proc: per-process and per-thread signal state (embedded in
 * struct pcb and struct uthread; all-zero is the initial state: every action
 * SIG_DFL, nothing blocked or pending). Everything here is protected by the global
 * signal lock in signal.c (rank 64, docs/locking.md). */
#pragma once

#include <osc/signal.h>
#include <osc/spinlock.h>
#include <osc/types.h>

/* struct sigaction as rt_sigaction takes it on x86_64 (kernel layout: handler,
 * flags, restorer, mask; 32 bytes). */
struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};
#define SIGBIT(sig)  (1ull << ((sig) - 1))     /* sig's bit in a sigset */
#define UNBLOCKABLE  (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_NOCLDSTOP 0x00000001u
#define SA_NOCLDWAIT 0x00000002u
#define SA_SIGINFO   0x00000004u
#define SA_RESTORER  0x04000000u
#define SA_ONSTACK   0x08000000u
#define SA_RESTART   0x10000000u
#define SA_NODEFER   0x40000000u
#define SA_RESETHAND 0x80000000u

#define SS_ONSTACK 1
#define SS_DISABLE 2

struct ptimer;

/* One queued signal (sigqueue.c): from the fixed pool, or a POSIX timer's own
 * entry, which is never queued twice (the timer counts overruns instead). */
struct sigqueue {
    struct sigqueue *next;
    struct ksiginfo info;
    struct ptimer *timer;               /* the timer owning this entry, or NULL */
};

/* Pending signals of a process or a thread. Standard signals (1..31) do not queue:
 * one ksiginfo per number in info[], the first one kept. Real-time signals queue
 * (each send an entry, in order); one kill sent when the pool was empty is only
 * a bit in set, as in Linux. */
struct sigpending {
    uint64_t set;                       /* bit sig-1: at least one pending */
    uint64_t single;                    /* bit sig-1: info[sig-1] holds one (1..31) */
    struct ksiginfo info[NSIG_LINUX];
    struct sigqueue *head, *tail;       /* queued entries, oldest first */
};

/* Linux's siginfo_t (128 bytes): the fields at 16.. depend on si_code. */
struct linux_siginfo {
    int32_t si_signo, si_errno, si_code, pad;
    union {
        struct { int32_t pid; uint32_t uid; int32_t status; int32_t pad; int64_t utime, stime; } chld;
        struct { int32_t pid; uint32_t uid; uint64_t value; } rt;   /* kill, sigqueue */
        struct { int32_t tid; int32_t overrun; uint64_t value; } timer;
        struct { uint64_t addr; } fault;
        uint8_t raw[112];
    } u;
};

struct uthread;
struct thread;

struct proc_signals {
    struct k_sigaction action[NSIG_LINUX];
    struct sigpending shared;           /* process-directed, any thread takes it */
    struct uthread *threads;            /* live threads; NULL once the process exits */
    bool stopped;                       /* SIGSTOP & co: threads park until SIGCONT */
    int report;                         /* wait4 WUNTRACED/WCONTINUED word, 0 = none */
    uint64_t itimer_at;                 /* ITIMER_REAL deadline (time_ns), 0 = off */
    uint64_t itimer_interval;
    struct pcb *next_timer;             /* list of processes with a timer armed */
    struct ptimer *ptimers;             /* POSIX timers (ptimer.c) */
    struct ptimer *itimer_cpu[2];       /* ITIMER_VIRTUAL, ITIMER_PROF (ptimer.c) */
    int ptimer_count, ptimer_next_id;
};

struct thread_signals {
    uint64_t blocked;
    uint64_t real_blocked;              /* rt_sigtimedwait: the mask while it waits */
    struct sigpending pending;          /* thread-directed (tkill, faults) */
    uint64_t saved_mask;                /* sigsuspend: mask to restore after delivery */
    bool restore_mask;
    uint64_t ss_sp, ss_size;            /* sigaltstack */
    int ss_flags;                       /* SS_DISABLE or 0 */
    struct thread *thread;
    struct uthread *next;               /* in proc_signals.threads */
};

struct pcb;
/* Lifecycle hooks the process core (and fork/clone) call. */
void signal_thread_attach(struct pcb *pc, struct uthread *u, struct thread *t);
void signal_thread_exit(struct uthread *u);     /* first thing on exit; no locks held */
void signal_fork(struct pcb *child, const struct pcb *parent, struct uthread *child_thread,
                 const struct uthread *parent_thread);
void signal_exec(struct pcb *pc, struct uthread *u);
/* SIGCHLD to pc's parent for an exit with wait status `status` (before pc becomes
 * a zombie, so it is still alive). */
void signal_notify_parent_exit(struct pcb *pc, int status);
/* wait4 WUNTRACED / WCONTINUED: takes child's pending stop (0x7f | sig << 8) or
 * continue (0xffff) report; false when there is none. Caller holds proc_table. */
bool signal_take_wait_report(struct pcb *child, bool stopped, bool continued, int *status);

struct pcb;
struct uthread;

/* The global signal lock (signal.c, rank 64): every field above. */
extern spinlock_t signal_lock;
/* Makes sig pending for pc (target NULL) or one of its threads and wakes the one
 * that should act on it. 0, or -EAGAIN when a real-time signal cannot be queued.
 * Caller holds signal_lock only. */
int signal_generate_locked(struct pcb *pc, struct uthread *target, int sig,
                            const struct ksiginfo *info);
/* tgkill's sending (tgid < 0: tkill's, any process): 0, -EINVAL, -ESRCH, -EAGAIN. */
int signal_send_tgkill(int tgid, int tid, int sig, const struct ksiginfo *info);
/* Takes u's next pending signal among `allowed` (thread queue first, faults
 * first, then the lowest number) into *info; 0 when there is none. */
int signal_dequeue_locked(struct uthread *u, uint64_t allowed, struct ksiginfo *info);
/* As signal_generate_locked for a POSIX timer's own entry (ptimer.c): queued
 * unless ignored; false when it was not queued (ignored, or the process is gone). */
bool signal_generate_timer_locked(struct pcb *pc, struct uthread *target, struct sigqueue *sq);
/* sigwait.c: wakes the signalfd queue (a signal was just made pending). */
void signal_fd_notify_locked(void);
/* itimer.c: takes pc off the ITIMER_REAL list (its last thread exits). Caller
 * holds signal_lock. */
void itimer_disarm_locked(struct pcb *pc);
/* itimer.c: the "sigtimer" kernel thread fires ITIMER_REAL and POSIX timers.
 * start (no locks held) before arming a timer: 0 or -ENOMEM; kick (under
 * signal_lock) after arming one, so the thread recomputes its next wake-up. */
int sigtimer_start(void);
void sigtimer_kick_locked(void);

/* sigqueue.c, all under signal_lock. */
/* Adds one signal: a standard one coalesces with one already pending; a
 * real-time one takes a pool entry. 0, or -EAGAIN when the pool is empty (kill's
 * SI_USER and the kernel's SI_KERNEL still make it pending, without queueing). */
int sigpending_add_locked(struct sigpending *q, int sig, const struct ksiginfo *info);
/* Queues a timer's own entry (not already queued). */
void sigpending_add_entry_locked(struct sigpending *q, struct sigqueue *sq);
/* Removes the oldest pending sig from q into *info (sig must be pending in q). */
void sigpending_take_locked(struct sigpending *q, int sig, struct ksiginfo *info);
/* Discards every pending signal in mask (0 for all) from q. */
void sigpending_discard_locked(struct sigpending *q, uint64_t mask);
/* Takes a timer's queued entry off q (the timer is deleted). */
void sigpending_unlink_locked(struct sigpending *q, struct sigqueue *sq);
/* The user siginfo_t for a recorded signal. Pure. */
void signal_siginfo_fill(struct linux_siginfo *out, const struct ksiginfo *k);

/* ptimer.c, under signal_lock: */
/* A timer's entry left its queue: delivered (info: gets the overrun count) or
 * discarded (info NULL). */
void ptimer_dequeued_locked(struct ptimer *t, struct ksiginfo *info);
/* Fires due timers; returns the earliest deadline still armed (UINT64_MAX: none). */
uint64_t ptimer_fire_locked(uint64_t now);
/* Exit and exec: unlinks every timer of pc (on exit setitimer's CPU-time ones
 * too) and returns them as a list, which the caller frees with ptimer_free_list
 * once signal_lock is dropped. */
struct ptimer *ptimer_detach_all_locked(struct pcb *pc, bool exiting);
void ptimer_free_list(struct ptimer *list);

/* ptimer.c, no locks held: the current process's ITIMER_VIRTUAL or ITIMER_PROF.
 * value NULL: only reads; else sets (*value 0 disarms). Old setting in ns. 0 or
 * -ENOMEM. */
#define ITIMER_CPU_VIRTUAL 1
#define ITIMER_CPU_PROF    2
int ptimer_itimer_cpu(int which, const uint64_t *value, const uint64_t *interval,
                      uint64_t *old_value, uint64_t *old_interval);
