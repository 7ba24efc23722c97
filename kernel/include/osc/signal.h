/* POSIX signals, Linux x86_64 ABI: numbers, siginfo codes and the kernel API other
 * subsystems use to raise signals and to make their sleeps interruptible
 * (docs/syscalls.md lists the system calls; kernel/proc/signal.c implements them). */
#pragma once

#include <osc/types.h>

#define NSIG_LINUX  64          /* signals 1..64; sigset_t is one 64-bit word */

#define SIGHUP    1
#define SIGINT    2
#define SIGQUIT   3
/* SIGILL 4, SIGTRAP 5, SIGABRT 6, SIGBUS 7, SIGFPE 8, SIGKILL 9, SIGSEGV 11: <osc/proc.h> */
#define SIGUSR1   10
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGSTKFLT 16
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGURG    23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGIO     29
#define SIGPWR    30
#define SIGSYS    31
/* Real-time signals queue: every send is its own entry, delivered in order. */
#define SIGRTMIN  32
#define SIGRTMAX  64
/* Queued real-time signals, all processes together (Linux's RLIMIT_SIGPENDING is
 * per user, and everyone is uid 0): sigqueue past it fails with EAGAIN. */
#define SIGQUEUE_MAX 4096

/* si_code values (asm-generic/siginfo.h). */
#define SI_USER     0
#define SI_KERNEL   0x80
#define SI_QUEUE    (-1)
#define SI_TIMER    (-2)
#define SI_TKILL    (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN  1
#define BUS_ADRERR  2
#define ILL_ILLOPN  2
#define FPE_INTDIV  1
#define FPE_FLTINV  7
#define TRAP_BRKPT  1
#define TRAP_TRACE  2
#define CLD_EXITED  1
#define CLD_KILLED  2
#define CLD_DUMPED  3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* "Restart the system call" returns (Linux include/linux/errno.h): never seen by
 * user space. A sleeping call returns one when signal_pending_current(); signal
 * delivery turns it into -EINTR or re-executes the call (SA_RESTART). */
#define ERESTARTSYS    512      /* restart if the handler has SA_RESTART, else EINTR */
#define ERESTARTNOINTR 513      /* always restart */
#define ERESTARTNOHAND 514      /* restart only when no handler runs (pause, sigsuspend) */

/* What the kernel records of a pending signal (the rest of siginfo is zero). */
struct ksiginfo {
    int signo, code;
    int pid, uid;               /* kill, tkill, sigqueue, SIGCHLD */
    int status;                 /* SIGCHLD: exit code or signal */
    int timerid, overrun;       /* SI_TIMER */
    uint64_t addr;              /* faults: si_addr */
    uint64_t value;             /* sigqueue, timers: si_value */
};

struct process;
struct irq_frame;
struct user_regs;

/* True when the current thread has an unblocked signal pending (or is being
 * killed); kernel threads: false. Cheap; a hint for sleepers, re-checked later. */
bool signal_pending_current(void);
/* Sends sig to the current process (SIGPIPE from write on a broken pipe: call it,
 * then return -EPIPE). Returns 0. */
int signal_send_current(int sig);
/* Sends a signal to a whole process (thread chosen like Linux) / one thread of the
 * current process by tid. 0, -EINVAL (bad number) or -ESRCH. info may be NULL
 * (SI_KERNEL). */
int signal_send_process(int pid, int sig, const struct ksiginfo *info);
/* Sends sig to every process of group pgid (the terminal's ^C, ^Z, ^\). 0 or -ESRCH. */
int signal_send_pgrp(int pgid, int sig, const struct ksiginfo *info);
int signal_send_thread(int tid, int sig, const struct ksiginfo *info);
/* A synchronous fault in ring 3 (exceptions.c): queues sig for the current thread
 * with si_code/si_addr. Returns true when a handler will run (the caller returns
 * to user mode and delivery builds the frame), false when the signal would kill
 * (blocked or ignored faults kill, as in Linux): the caller logs and exits. */
bool signal_fault(int sig, int code, uint64_t addr);
/* pselect6, ppoll: the wait runs under a caller-given mask, as sigsuspend does.
 * signal_mask_begin installs set (SIGKILL/SIGSTOP stay unblocked) and saves the
 * old mask. signal_mask_end(ret) restores it, unless ret says a signal cut the
 * wait short and one is deliverable: then delivery puts the old mask in the
 * handler's frame (or restores it when no handler runs), so a signal unblocked
 * only by set is still delivered. */
void signal_mask_begin(uint64_t set);
void signal_mask_end(long ret);
/* signalfd (kernel/fs/signalfd.c; kernel/proc/sigwait.c): the queue woken at every
 * signal generation while signalfds exist (count them with signal_fd_count), and
 * the current thread's pending signals of mask (its own queue, then its
 * process's; SIGKILL and SIGSTOP never): the next one taken into *info (0: none). */
struct waitqueue;
extern struct waitqueue signal_fd_wq;
void signal_fd_count(int delta);
int signal_fd_dequeue(uint64_t mask, struct ksiginfo *info);
bool signal_fd_pending(uint64_t mask);
/* Delivery on the way back to ring 3. regs is the thread's saved user frame:
 * handlers, default actions (may not return: exit), syscall restart. Interrupts on. */
void signal_deliver(struct user_regs *regs);
/* arch: the same on the way back to ring 3 from an interrupt or exception (called
 * last by irq_dispatch for frames from user mode; interrupts off). */
void signal_irq_return(struct irq_frame *f);
