/* POSIX signals with Linux semantics: generation (kill, tkill, faults, SIGCHLD,
 * timers), per-process actions, per-thread masks, delivery on the way back to
 * ring 3 (handler frames, default actions, stop/continue, syscall restart) and the
 * signal system calls. The rt_sigframe itself is arch code (signal_frame.c). */

#define LOG_TAG "signal"
#include <osc/arch.h>
#include <osc/caps.h>
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

/* signal_lock (rank 64, below intr 65, proc_table 70, wait queues 70, run queue 80):
 * every process's and thread's signal state. Holding it also keeps every thread on
 * some proc_signals.threads list alive (exit detaches under it first) and therefore
 * its pcb too (a pcb with threads is not a zombie, so nobody reaps it). Senders
 * take it, then proc_table to find targets, release proc_table, then wake. */
spinlock_t signal_lock = SPINLOCK_INIT("signal", 64);
/* Stopped processes' threads sleep here until SIGCONT/SIGKILL (rank 70). */
static struct waitqueue stop_wq = { .lock = SPINLOCK_INIT("waitqueue", 70) };
/* pause, sigsuspend: nothing wakes this queue but a signal (rank 70). */
static struct waitqueue pause_wq = { .lock = SPINLOCK_INIT("waitqueue", 70) };

#define STOP_SIGS        (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
#define WCOREFLAG        0x80
#define ORIG_RAX_NONE    ((uint64_t)-1)

enum dfl_action { DFL_TERM, DFL_CORE, DFL_IGN, DFL_STOP, DFL_CONT };

static enum dfl_action default_action(int sig)
{
    switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
    case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
        return DFL_CORE;
    case SIGCHLD: case SIGURG: case SIGWINCH:
        return DFL_IGN;
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
        return DFL_STOP;
    case SIGCONT:
        return DFL_CONT;
    default:
        return DFL_TERM;
    }
}

static bool sig_valid(int sig)
{
    return sig >= 1 && sig <= NSIG_LINUX;
}

/* Ignored by the action: SIG_IGN, or SIG_DFL whose default is to ignore. */
static bool sig_ignored(const struct proc_signals *ps, int sig)
{
    uint64_t h = ps->action[sig - 1].handler;
    if (h == SIG_IGN)
        return true;
    return h == SIG_DFL && (default_action(sig) == DFL_IGN || default_action(sig) == DFL_CONT);
}

/* Discarded at generation: ignored and not blocked. A blocked signal is kept,
 * as the action may change before it is unblocked (and sigwait takes blocked
 * signals whatever their action, SIGCHLD's default included). Linux looks at the
 * target thread's mask; for a process-directed signal, any thread's here. */
static bool sig_discarded(const struct proc_signals *ps, const struct uthread *target, int sig)
{
    if (!sig_ignored(ps, sig))
        return false;
    uint64_t bit = SIGBIT(sig);
    for (const struct uthread *u = target ? target : ps->threads; u;
         u = target ? NULL : u->sig.next)
        if ((u->sig.blocked | u->sig.real_blocked) & bit)
            return false;
    return true;
}

static void pending_clear(struct proc_signals *ps, uint64_t mask)
{
    sigpending_discard_locked(&ps->shared, mask);
    for (struct uthread *u = ps->threads; u; u = u->sig.next)
        sigpending_discard_locked(&u->sig.pending, mask);
}

/* Generation up to the queueing: SIGCONT/SIGKILL resume, stop signals cancel a
 * pending SIGCONT; false when the signal is discarded (exiting, or ignored). */
static bool generate_prepare(struct pcb *pc, struct uthread *target, int sig)
{
    struct proc_signals *ps = &pc->sig;
    if (!ps->threads)
        return false;                   /* exiting or a zombie */
    uint64_t bit = SIGBIT(sig);
    if (sig == SIGCONT || sig == SIGKILL) {
        /* Generation, not delivery, resumes a stopped process (POSIX). */
        pending_clear(ps, STOP_SIGS);
        if (ps->stopped) {
            ps->stopped = false;
            if (sig == SIGCONT)
                ps->report = 0xffff;
            waitqueue_wake_all(&stop_wq);
            proc_wake_waiters();
        }
    } else if (bit & STOP_SIGS) {
        pending_clear(ps, SIGBIT(SIGCONT));
    }
    return !sig_discarded(ps, target, sig);
}

/* After the queueing: wakes the thread that should act on sig. */
static void generate_wake(struct pcb *pc, struct uthread *target, int sig)
{
    struct proc_signals *ps = &pc->sig;
    uint64_t bit = SIGBIT(sig);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);    /* pending before intr_wq (wait.c) */
    signal_fd_notify_locked();
    if (sig == SIGKILL) {
        for (struct uthread *u = ps->threads; u; u = u->sig.next)
            sched_signal_wake(u->sig.thread);
        return;
    }
    if (!target) {
        for (struct uthread *u = ps->threads; u && !target; u = u->sig.next)
            if (!(u->sig.blocked & bit))
                target = u;
    }
    if (target && !(target->sig.blocked & bit))
        sched_signal_wake(target->sig.thread);
}

/* Makes sig pending for the process (target NULL) or one of its threads and wakes
 * the thread that should act on it. Caller holds signal_lock only (not proc_table:
 * waking takes wait-queue locks of the same rank). */
int signal_generate_locked(struct pcb *pc, struct uthread *target, int sig,
                           const struct ksiginfo *info)
{
    if (!generate_prepare(pc, target, sig))
        return 0;
    int err = sigpending_add_locked(target ? &target->sig.pending : &pc->sig.shared, sig, info);
    if (err)
        return err;
    generate_wake(pc, target, sig);
    return 0;
}

bool signal_generate_timer_locked(struct pcb *pc, struct uthread *target, struct sigqueue *sq)
{
    int sig = sq->info.signo;
    if (!generate_prepare(pc, target, sig))
        return false;
    sigpending_add_entry_locked(target ? &target->sig.pending : &pc->sig.shared, sq);
    generate_wake(pc, target, sig);
    return true;
}

static struct ksiginfo info_user(int sig, int code)
{
    struct process *self = proc_current();
    return (struct ksiginfo){ .signo = sig, .code = code, .pid = self ? self->pid : 0 };
}

/* pc's parent if it is alive, else NULL. Caller holds signal_lock: a parent seen
 * with threads under proc_table cannot exit (exit detaches under signal_lock), so
 * it stays allocated until the caller drops signal_lock. */
static struct pcb *parent_locked(struct pcb *pc)
{
    unsigned long t = proc_table_lock();
    struct pcb *parent = pc->pub.parent ? pcb_of(pc->pub.parent) : NULL;
    if (parent && !parent->sig.threads)
        parent = NULL;
    proc_table_unlock(t);
    return parent;
}

/* ---- lifecycle hooks ---- */

void signal_thread_attach(struct pcb *pc, struct uthread *u, struct thread *t)
{
    unsigned long f = spin_lock_irqsave(&signal_lock);
    u->sig.thread = t;
    u->sig.ss_flags = SS_DISABLE;
    u->sig.next = pc->sig.threads;
    pc->sig.threads = u;
    spin_unlock_irqrestore(&signal_lock, f);
}

void signal_thread_exit(struct uthread *u)
{
    struct pcb *pc = u->proc;
    struct ptimer *dead = NULL;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    for (struct uthread **pp = &pc->sig.threads; *pp; pp = &(*pp)->sig.next) {
        if (*pp == u) {
            *pp = u->sig.next;
            break;
        }
    }
    sigpending_discard_locked(&u->sig.pending, 0);
    if (!pc->sig.threads) {
        itimer_disarm_locked(pc);
        dead = ptimer_detach_all_locked(pc, true);
        sigpending_discard_locked(&pc->sig.shared, 0);
    }
    spin_unlock_irqrestore(&signal_lock, f);
    ptimer_free_list(dead);
}

/* fork: the child inherits actions, the mask and the alternate stack; nothing
 * pending, no timers (POSIX). clone(CLONE_THREAD) callers only attach. */
void signal_fork(struct pcb *child, const struct pcb *parent, struct uthread *child_thread,
                 const struct uthread *parent_thread)
{
    unsigned long f = spin_lock_irqsave(&signal_lock);
    memcpy(child->sig.action, parent->sig.action, sizeof(child->sig.action));
    child_thread->sig.blocked = parent_thread->sig.blocked;
    child_thread->sig.ss_sp = parent_thread->sig.ss_sp;
    child_thread->sig.ss_size = parent_thread->sig.ss_size;
    child_thread->sig.ss_flags = parent_thread->sig.ss_flags;
    spin_unlock_irqrestore(&signal_lock, f);
}

/* execve: handled signals revert to SIG_DFL (the handlers are gone with the old
 * image); ignored ones stay ignored; mask and pending survive (POSIX); POSIX
 * timers are deleted, setitimer's survive (Linux). */
void signal_exec(struct pcb *pc, struct uthread *u)
{
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct ptimer *dead = ptimer_detach_all_locked(pc, false);
    for (int i = 0; i < NSIG_LINUX; i++) {
        struct k_sigaction *a = &pc->sig.action[i];
        if (a->handler != SIG_IGN)
            memset(a, 0, sizeof(*a));
    }
    u->sig.ss_sp = u->sig.ss_size = 0;
    u->sig.ss_flags = SS_DISABLE;
    spin_unlock_irqrestore(&signal_lock, f);
    ptimer_free_list(dead);
}

void signal_notify_parent_exit(struct pcb *pc, int status)
{
    struct ksiginfo info = { .signo = SIGCHLD, .pid = pc->pub.pid };
    if (PROC_WIFEXITED(status)) {
        info.code = CLD_EXITED;
        info.status = PROC_WEXITSTATUS(status);
    } else {
        info.code = status & WCOREFLAG ? CLD_DUMPED : CLD_KILLED;
        info.status = PROC_WTERMSIG(status);
    }
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct pcb *parent = parent_locked(pc);
    if (parent)
        signal_generate_locked(parent, NULL, SIGCHLD, &info);
    spin_unlock_irqrestore(&signal_lock, f);
}

/* Stop/continue reports are written under signal_lock and read here under
 * proc_table; a single int, so the read is a plain atomic one. */
bool signal_take_wait_report(struct pcb *child, bool stopped, bool continued, int *status)
{
    int r = __atomic_load_n(&child->sig.report, __ATOMIC_ACQUIRE);
    if (!r || (r == 0xffff ? !continued : !stopped))
        return false;
    if (!__atomic_compare_exchange_n(&child->sig.report, &r, 0, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_RELAXED))
        return false;
    *status = r;
    return true;
}

/* ---- sending ---- */

/* Visits up to `max` live processes (with threads) matching sel, newest first,
 * whose pid is below *cursor; returns how many were stored. Caller holds
 * signal_lock, which keeps them alive after proc_table is dropped. */
enum kill_sel { KILL_PID, KILL_GROUP, KILL_ALL };

static int collect(enum kill_sel sel, int id, int self, int *cursor, struct pcb **out, int max)
{
    int n = 0;
    unsigned long f = proc_table_lock();
    for (struct pcb *pc = proc_table_first(); pc && n < max; pc = pc->next_all) {
        int pid = pc->pub.pid;
        if (pid >= *cursor || !pc->sig.threads)
            continue;
        bool match = sel == KILL_PID ? pid == id
                   : sel == KILL_GROUP ? pc->pub.pgid == id
                   : pid > 1 && pid != self;
        if (match)
            out[n++] = pc;
    }
    proc_table_unlock(f);
    if (n)
        *cursor = out[n - 1]->pub.pid;
    return n;
}

/* Linux's check_kill_permission: a signal from user space (kill, tgkill,
 * sigqueue: code <= 0) reaches another process only when the sender's real or
 * effective uid is the target's real or saved uid, or it has CAP_KILL; SIGCONT
 * also within the sender's session. Kernel signals always do. */
static bool may_signal(const struct process *self, const struct pcb *t, int sig,
                       const struct ksiginfo *info)
{
    if (!self || !info || info->code > 0 || &t->pub == self)
        return true;
    const struct process *tp = &t->pub;
    if (self->euid == tp->suid || self->euid == tp->uid || self->uid == tp->suid ||
        self->uid == tp->uid || proc_capable(self, CAP_KILL))
        return true;
    return sig == SIGCONT && self->sid == tp->sid;
}

/* 0 when sig reached at least one match (Linux's kill to a group); else the last
 * error (-EPERM, -EAGAIN: a real-time queue full) or -ESRCH when nothing matched.
 * kill(-1) skips the processes it may not signal (0 when that is all of them). */
static int send_matching(enum kill_sel sel, int id, int sig, const struct ksiginfo *info)
{
    struct process *self = proc_current();
    int cursor = INT32_MAX, found = 0, n, err = 0;
    bool sent = false;
    struct pcb *batch[16];
    unsigned long f = spin_lock_irqsave(&signal_lock);
    while ((n = collect(sel, id, self ? self->pid : 0, &cursor, batch, 16)) > 0) {
        found += n;
        for (int i = 0; i < n; i++) {
            int e = !may_signal(self, batch[i], sig, info) ? -EPERM
                  : sig ? signal_generate_locked(batch[i], NULL, sig, info) : 0;
            if (e == -EPERM && sel == KILL_ALL)
                continue;
            if (e)
                err = e;
            else
                sent = true;
        }
    }
    spin_unlock_irqrestore(&signal_lock, f);
    return !found ? -ESRCH : sent ? 0 : err;
}

int signal_send_process(int pid, int sig, const struct ksiginfo *info)
{
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    struct ksiginfo k = info ? *info : (struct ksiginfo){ .signo = sig, .code = SI_KERNEL };
    k.signo = sig;
    return send_matching(KILL_PID, pid, sig, &k);
}

int signal_send_pgrp(int pgid, int sig, const struct ksiginfo *info)
{
    if (pgid <= 0 || sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    struct ksiginfo k = info ? *info : (struct ksiginfo){ .signo = sig, .code = SI_KERNEL };
    k.signo = sig;
    return send_matching(KILL_GROUP, pgid, sig, &k);
}

/* The thread with this tid (any process; tgid < 0: any), under signal_lock. */
static struct uthread *find_thread_locked(int tgid, int tid)
{
    struct uthread *found = NULL;
    unsigned long f = proc_table_lock();
    for (struct pcb *pc = proc_table_first(); pc && !found; pc = pc->next_all) {
        if (tgid > 0 && pc->pub.pid != tgid)
            continue;
        for (struct uthread *u = pc->sig.threads; u; u = u->sig.next)
            if (u->tid == tid)
                found = u;
    }
    proc_table_unlock(f);
    return found;
}

int signal_send_tgkill(int tgid, int tid, int sig, const struct ksiginfo *info)
{
    if (tid <= 0 || sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct uthread *u = find_thread_locked(tgid, tid);
    int err = u ? 0 : -ESRCH;
    if (u && !may_signal(proc_current(), u->proc, sig, info))
        err = -EPERM;
    if (!err && sig)
        err = signal_generate_locked(u->proc, u, sig, info);
    spin_unlock_irqrestore(&signal_lock, f);
    return err;
}

int signal_send_thread(int tid, int sig, const struct ksiginfo *info)
{
    struct ksiginfo k = info ? *info : (struct ksiginfo){ .signo = sig, .code = SI_KERNEL };
    k.signo = sig;
    return signal_send_tgkill(-1, tid, sig, &k);
}

int signal_send_current(int sig)
{
    struct uthread *u = proc_uthread();
    if (!u || !sig_valid(sig))
        return -EINVAL;
    struct ksiginfo k = info_user(sig, SI_KERNEL);
    unsigned long f = spin_lock_irqsave(&signal_lock);
    signal_generate_locked(u->proc, u, sig, &k);
    spin_unlock_irqrestore(&signal_lock, f);
    return 0;
}

bool signal_fault(int sig, int code, uint64_t addr)
{
    struct uthread *u = proc_uthread();
    if (!u)
        return false;
    struct ksiginfo k = { .signo = sig, .code = code, .addr = addr };
    unsigned long f = spin_lock_irqsave(&signal_lock);
    struct k_sigaction *a = &u->proc->sig.action[sig - 1];
    /* A blocked or ignored synchronous fault cannot be survived: re-executing the
     * instruction would fault forever. Linux forces the default action. */
    bool handled = a->handler != SIG_DFL && a->handler != SIG_IGN &&
                   !(u->sig.blocked & SIGBIT(sig));
    if (handled)
        sigpending_add_locked(&u->sig.pending, sig, &k);     /* a standard signal: cannot fail */
    spin_unlock_irqrestore(&signal_lock, f);
    return handled;
}

bool signal_pending_current(void)
{
    struct uthread *u = proc_uthread();
    if (!u)
        return false;
    struct pcb *pc = u->proc;
    uint64_t pend = __atomic_load_n(&u->sig.pending.set, __ATOMIC_ACQUIRE) |
                    __atomic_load_n(&pc->sig.shared.set, __ATOMIC_ACQUIRE);
    return (pend & ~u->sig.blocked) || (pend & SIGBIT(SIGKILL));
}

/* ---- delivery ---- */

/* Takes the next signal of `allowed` (synchronous faults first, then lowest
 * number; thread queue before the process queue). 0 when none. */
int signal_dequeue_locked(struct uthread *u, uint64_t allowed, struct ksiginfo *info)
{
    const uint64_t sync = SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) |
                          SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | SIGBIT(SIGSYS);
    struct sigpending *qs[2] = { &u->sig.pending, &u->proc->sig.shared };
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 2; i++) {
            uint64_t ready = qs[i]->set & allowed & (pass == 0 ? sync | SIGBIT(SIGKILL) : ~0ull);
            if (!ready)
                continue;
            int sig = __builtin_ctzll(ready) + 1;
            sigpending_take_locked(qs[i], sig, info);
            if (info->signo != sig)
                *info = (struct ksiginfo){ .signo = sig, .code = SI_KERNEL };
            return sig;
        }
    }
    return 0;
}

/* The interrupted system call's fate (Linux arch/x86/kernel/signal.c). */
static void syscall_restart(struct user_regs *regs, const struct k_sigaction *ka)
{
    if (regs->orig_rax == ORIG_RAX_NONE)
        return;
    long r = (long)regs->rax;
    bool restart;
    switch (r) {
    case -ERESTARTNOHAND: restart = ka == NULL; break;
    case -ERESTARTSYS: restart = ka == NULL || (ka->flags & SA_RESTART); break;
    case -ERESTARTNOINTR: restart = true; break;
    default: return;
    }
    if (restart) {
        regs->rax = regs->orig_rax;
        regs->rip -= 2;                 /* the 2-byte SYSCALL instruction */
    } else {
        regs->rax = (uint64_t)-EINTR;
    }
    regs->orig_rax = ORIG_RAX_NONE;
}

static void stop_wait(struct pcb *pc)
{
    unsigned long f = spin_lock_irqsave(&stop_wq.lock);
    while (__atomic_load_n(&pc->sig.stopped, __ATOMIC_ACQUIRE) &&
           !(__atomic_load_n(&pc->sig.shared.set, __ATOMIC_ACQUIRE) & SIGBIT(SIGKILL)))
        waitqueue_sleep_locked(&stop_wq, &f);
    spin_unlock_irqrestore(&stop_wq.lock, f);
}

static void notify_parent_stop(struct pcb *pc, int sig)
{
    struct ksiginfo info = { .signo = SIGCHLD, .code = CLD_STOPPED, .pid = pc->pub.pid,
                             .status = sig };
    struct pcb *parent = parent_locked(pc);
    if (parent && !(parent->sig.action[SIGCHLD - 1].flags & SA_NOCLDSTOP))
        signal_generate_locked(parent, NULL, SIGCHLD, &info);
}

__noreturn static void die(int sig, bool core)
{
    log_debug("pid %d (%s) killed by %s", proc_current()->pid, proc_current()->comm,
              proc_signal_name(sig));
    proc_exit_current(PROC_STATUS_SIGNALLED(sig) | (core ? WCOREFLAG : 0));
}

void signal_deliver(struct user_regs *regs)
{
    struct uthread *u = proc_uthread();
    if (!u)
        return;
    struct pcb *pc = u->proc;
    for (;;) {
        if (__atomic_load_n(&pc->sig.stopped, __ATOMIC_ACQUIRE))
            stop_wait(pc);
        if (!signal_pending_current())
            break;
        struct ksiginfo info;
        unsigned long f = spin_lock_irqsave(&signal_lock);
        int sig = signal_dequeue_locked(u, ~u->sig.blocked | UNBLOCKABLE, &info);
        if (!sig) {
            spin_unlock_irqrestore(&signal_lock, f);
            break;
        }
        struct k_sigaction ka = pc->sig.action[sig - 1];
        if (sig == SIGKILL || sig == SIGSTOP)
            ka.handler = SIG_DFL;       /* cannot be caught */
        if (ka.handler == SIG_IGN) {
            spin_unlock_irqrestore(&signal_lock, f);
            continue;
        }
        if (ka.handler == SIG_DFL) {
            enum dfl_action act = default_action(sig);
            if (act == DFL_IGN || act == DFL_CONT) {
                spin_unlock_irqrestore(&signal_lock, f);
                continue;
            }
            if (act == DFL_STOP) {
                pc->sig.stopped = true;
                pc->sig.report = 0x7f | (sig << 8);
                notify_parent_stop(pc, sig);
                spin_unlock_irqrestore(&signal_lock, f);
                proc_wake_waiters();
                continue;               /* parks at the top of the loop */
            }
            spin_unlock_irqrestore(&signal_lock, f);
            die(sig, act == DFL_CORE);
        }
        /* A handler: the mask it runs with, one-shot actions, then the frame. */
        uint64_t old_mask = u->sig.restore_mask ? u->sig.saved_mask : u->sig.blocked;
        u->sig.restore_mask = false;
        uint64_t add = ka.mask | (ka.flags & SA_NODEFER ? 0 : SIGBIT(sig));
        u->sig.blocked = (u->sig.blocked | add) & ~UNBLOCKABLE;
        if (ka.flags & SA_RESETHAND)
            memset(&pc->sig.action[sig - 1], 0, sizeof(ka));
        uint64_t sp = regs->rsp;
        bool on_alt = !(u->sig.ss_flags & SS_DISABLE) &&
                      sp - u->sig.ss_sp < u->sig.ss_size;
        struct signal_frame sf = {
            .sig = sig, .info = &info, .handler = ka.handler, .restorer = ka.restorer,
            .mask = old_mask,
            .on_altstack = (ka.flags & SA_ONSTACK) && !(u->sig.ss_flags & SS_DISABLE) && !on_alt,
            .ss_sp = u->sig.ss_sp, .ss_size = u->sig.ss_size,
            .ss_flags = (u->sig.ss_flags & SS_DISABLE) ? SS_DISABLE : on_alt ? SS_ONSTACK : 0,
            .fpu_area = u->sig.thread->fpu_area,
        };
        spin_unlock_irqrestore(&signal_lock, f);
        syscall_restart(regs, &ka);
        if (!(ka.flags & SA_RESTORER) || arch_signal_setup_frame(regs, &sf)) {
            /* No way back (no restorer) or an unwritable stack: Linux's
             * force_sigsegv, which kills (SIGSEGV with the core bit). */
            log_warn("pid %d (%s): cannot deliver %s (stack %#lx): killed by SIGSEGV",
                     pc->pub.pid, pc->pub.comm, proc_signal_name(sig), sp);
            die(SIGSEGV, true);
        }
        return;                         /* one frame per return to user mode */
    }
    syscall_restart(regs, NULL);
    if (u->sig.restore_mask) {
        unsigned long f = spin_lock_irqsave(&signal_lock);
        u->sig.blocked = u->sig.saved_mask;
        u->sig.restore_mask = false;
        spin_unlock_irqrestore(&signal_lock, f);
    }
}

/* ---- system calls ---- */

SYSCALL(rt_sigaction)
{
    int sig = (int)args->a[0];
    if (!sig_valid(sig) || args->a[3] != sizeof(uint64_t))
        return -EINVAL;
    struct k_sigaction new, old;
    if (args->a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        if (copy_from_user(&new, (const void *)args->a[1], sizeof(new)))
            return -EFAULT;
        new.mask &= ~UNBLOCKABLE;
    }
    struct pcb *pc = proc_uthread()->proc;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    old = pc->sig.action[sig - 1];
    if (args->a[1]) {
        pc->sig.action[sig - 1] = new;
        /* Setting SIG_IGN (or a default-ignore SIG_DFL) discards what is pending. */
        if (sig_ignored(&pc->sig, sig))
            pending_clear(&pc->sig, SIGBIT(sig));
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (args->a[2] && copy_to_user((void *)args->a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

SYSCALL(rt_sigprocmask)
{
    if (args->a[3] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t set = 0;
    if (args->a[1]) {
        if (args->a[0] > SIG_SETMASK)
            return -EINVAL;
        if (copy_from_user(&set, (const void *)args->a[1], sizeof(set)))
            return -EFAULT;
    }
    struct uthread *u = proc_uthread();
    unsigned long f = spin_lock_irqsave(&signal_lock);
    uint64_t old = u->sig.blocked;
    if (args->a[1]) {
        uint64_t m = args->a[0] == SIG_BLOCK ? old | set
                   : args->a[0] == SIG_UNBLOCK ? old & ~set : set;
        u->sig.blocked = m & ~UNBLOCKABLE;
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (args->a[2] && copy_to_user((void *)args->a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

SYSCALL(rt_sigpending)
{
    if (args->a[1] > sizeof(uint64_t))
        return -EINVAL;
    struct uthread *u = proc_uthread();
    unsigned long f = spin_lock_irqsave(&signal_lock);
    uint64_t set = (u->sig.pending.set | u->proc->sig.shared.set) & u->sig.blocked;
    spin_unlock_irqrestore(&signal_lock, f);
    return copy_to_user((void *)args->a[0], &set, args->a[1]) ? -EFAULT : 0;
}

/* Sleeps until a signal is pending; always -ERESTARTNOHAND (EINTR once a handler
 * runs; silently restarted otherwise, as Linux does for pause). */
static long wait_for_signal(void)
{
    unsigned long f = spin_lock_irqsave(&pause_wq.lock);
    while (waitqueue_sleep_interruptible_locked(&pause_wq, &f) == 0)
        ;
    spin_unlock_irqrestore(&pause_wq.lock, f);
    return -ERESTARTNOHAND;
}

SYSCALL(pause)
{
    (void)args;
    return wait_for_signal();
}

SYSCALL(rt_sigsuspend)
{
    if (args->a[1] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, (const void *)args->a[0], sizeof(set)))
        return -EFAULT;
    struct uthread *u = proc_uthread();
    unsigned long f = spin_lock_irqsave(&signal_lock);
    u->sig.saved_mask = u->sig.blocked;
    u->sig.restore_mask = true;         /* delivery saves it in the frame, then drops it */
    u->sig.blocked = set & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&signal_lock, f);
    return wait_for_signal();
}

void signal_mask_begin(uint64_t set)
{
    struct uthread *u = proc_uthread();
    unsigned long f = spin_lock_irqsave(&signal_lock);
    u->sig.saved_mask = u->sig.blocked;
    u->sig.restore_mask = true;
    u->sig.blocked = set & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&signal_lock, f);
}

void signal_mask_end(long ret)
{
    struct uthread *u = proc_uthread();
    unsigned long f = spin_lock_irqsave(&signal_lock);
    bool interrupted = (ret == -EINTR || ret == -ERESTARTNOHAND || ret == -ERESTARTSYS) &&
                       ((u->sig.pending.set | u->proc->sig.shared.set) &
                        (~u->sig.blocked | SIGBIT(SIGKILL)));
    if (u->sig.restore_mask && !interrupted) {
        u->sig.blocked = u->sig.saved_mask;
        u->sig.restore_mask = false;
    }
    spin_unlock_irqrestore(&signal_lock, f);
}

/* Linux stack_t: ss_sp, ss_flags (int, padded), ss_size. */
struct linux_stack {
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
};
#define MINSIGSTKSZ 2048
#define SS_AUTODISARM (1u << 31)

SYSCALL(sigaltstack)
{
    struct uthread *u = proc_uthread();
    struct linux_stack ns, os;
    if (args->a[0] && copy_from_user(&ns, (const void *)args->a[0], sizeof(ns)))
        return -EFAULT;
    uint64_t sp = args->regs->rsp;
    unsigned long f = spin_lock_irqsave(&signal_lock);
    bool on = !(u->sig.ss_flags & SS_DISABLE) && sp - u->sig.ss_sp < u->sig.ss_size;
    memset(&os, 0, sizeof(os));
    os.ss_sp = u->sig.ss_sp;
    os.ss_size = u->sig.ss_size;
    os.ss_flags = on ? SS_ONSTACK : u->sig.ss_flags & SS_DISABLE;
    long err = 0;
    if (args->a[0]) {
        int flags = ns.ss_flags & ~(int)SS_AUTODISARM;
        if (on)
            err = -EPERM;
        else if (flags != 0 && flags != SS_DISABLE && flags != SS_ONSTACK)
            err = -EINVAL;
        else if (flags == SS_DISABLE) {
            u->sig.ss_sp = u->sig.ss_size = 0;
            u->sig.ss_flags = SS_DISABLE;
        } else if (ns.ss_size < MINSIGSTKSZ) {
            err = -ENOMEM;
        } else {
            u->sig.ss_sp = ns.ss_sp;
            u->sig.ss_size = ns.ss_size;
            u->sig.ss_flags = 0;
        }
    }
    spin_unlock_irqrestore(&signal_lock, f);
    if (!err && args->a[1] && copy_to_user((void *)args->a[1], &os, sizeof(os)))
        return -EFAULT;
    return err;
}

SYSCALL(rt_sigreturn)
{
    struct uthread *u = proc_uthread();
    struct user_regs *regs = args->regs;
    uint64_t mask;
    if (arch_signal_restore_frame(regs, &mask, u->sig.thread->fpu_area)) {
        log_warn("pid %d (%s): bad signal frame at %#lx: killed by SIGSEGV",
                 u->proc->pub.pid, u->proc->pub.comm, regs->rsp);
        die(SIGSEGV, true);
    }
    unsigned long f = spin_lock_irqsave(&signal_lock);
    u->sig.blocked = mask & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&signal_lock, f);
    regs->orig_rax = ORIG_RAX_NONE;     /* never "restart" the restored rax */
    return (long)regs->rax;             /* syscall_handle stores it back */
}

SYSCALL(kill)
{
    int pid = (int)args->a[0], sig = (int)args->a[1];
    if (sig < 0 || sig > NSIG_LINUX)
        return -EINVAL;
    struct ksiginfo info = info_user(sig, SI_USER);
    if (pid > 0)
        return send_matching(KILL_PID, pid, sig, &info);
    if (pid == -1)
        return send_matching(KILL_ALL, 0, sig, &info);
    if (pid == INT32_MIN)
        return -ESRCH;
    return send_matching(KILL_GROUP, pid == 0 ? proc_current()->pgid : -pid, sig, &info);
}

SYSCALL(tkill)
{
    int sig = (int)args->a[1];
    struct ksiginfo info = info_user(sig, SI_TKILL);
    return signal_send_tgkill(-1, (int)args->a[0], sig, &info);
}

SYSCALL(tgkill)
{
    int sig = (int)args->a[2];
    if ((int)args->a[0] <= 0)
        return -EINVAL;
    struct ksiginfo info = info_user(sig, SI_TKILL);
    return signal_send_tgkill((int)args->a[0], (int)args->a[1], sig, &info);
}
