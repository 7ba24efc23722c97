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

/* Standard signals do not queue: one ksiginfo per number, the first one kept. */
struct sigpending {
    uint64_t set;                       /* bit sig-1 */
    struct ksiginfo info[NSIG_LINUX];
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
};

struct thread_signals {
    uint64_t blocked;
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
 * that should act on it. Caller holds signal_lock only. */
void signal_generate_locked(struct pcb *pc, struct uthread *target, int sig,
                            const struct ksiginfo *info);
/* itimer.c: takes pc off the ITIMER_REAL list (its last thread exits). Caller
 * holds signal_lock. */
void itimer_disarm_locked(struct pcb *pc);
