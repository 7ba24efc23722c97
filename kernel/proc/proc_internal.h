/* Private to kernel/proc: the process control block around the public struct process,
 * the user side of a thread, and the loader's result. */
#pragma once

#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/types.h>
#include "signal_internal.h"

#define PROC_CAPTURE_MAX  128   /* console bytes kept per process for tests */
#define EXEC_ARG_MAX      (128 * 1024)  /* argv + envp strings (Linux: 1/4 of the stack) */
#define EXEC_ARGC_MAX     4096

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

/* What getrusage reports besides CPU time (struct rusage). */
struct proc_usage {
    uint64_t maxrss_kb;         /* high-water resident set */
    uint64_t minflt, majflt;    /* page faults (majflt: none, nothing is read from disk) */
    uint64_t nvcsw, nivcsw;     /* voluntary / involuntary context switches */
};

struct pcb {
    struct process pub;         /* pub.proc_data points back here */
    /* Under proc_wq.lock (the process table lock): */
    enum proc_state state;
    int exit_status;            /* wait4 status word, valid when ZOMBIE */
    struct pcb *next_all;       /* every process, newest first */
    /* Threads and lifecycle, under proc_wq.lock too: */
    struct uthread *threads;    /* live threads, linked through next_thread */
    int nthreads;
    bool group_exit;            /* exit_group or a fatal fault: every thread goes */
    struct uthread *exec_thread;        /* execve in progress: every other thread goes */
    bool execed;                /* setpgid on it from the parent: -EACCES */
    bool vfork_pending;         /* a CLONE_VFORK parent sleeps until exec or exit */
    bool subreaper;             /* PR_SET_CHILD_SUBREAPER: adopts orphans below it */
    bool autoreap;              /* nobody waits: freed as soon as it is a zombie */
    /* Under proc_table: the exit is sending SIGCHLD after making pc a zombie; waits
     * that meet it wait for that to end, so the zombie and its signal appear
     * together. A free by another path meanwhile is left to the exit
     * (free_when_notified). */
    bool notifying, free_when_notified;
    /* CPU time (cputime.c), under proc_wq.lock: of this process's exited threads, and
     * of its reaped children (with what they had reaped): RUSAGE_CHILDREN. */
    uint64_t dead_user_ns, dead_sys_ns;
    uint64_t child_user_ns, child_sys_ns;
    uint64_t start_ns;          /* time_ns() at fork/spawn: /proc/<pid>/stat starttime */
    /* Resource limits (rlimit.c), soft then hard: inherited at fork, kept at exec.
     * Written under proc_wq.lock; proc_rlimit reads a soft limit without it. */
    uint64_t rlim[RLIM_NLIMITS][2];
    /* getrusage counts (rusage.c), under proc_wq.lock: of exited threads (and
     * address spaces exec replaced: maxrss), and of reaped children. */
    struct proc_usage dead_usage, child_usage;
    /* prctl (prctl.c). pdeath_sig and parent_tid under proc_wq.lock. */
    int pdeath_sig;             /* PR_SET_PDEATHSIG: sent when parent_tid exits */
    int parent_tid;             /* the thread of the parent that forked us */
    bool pdeath_pending;        /* pdeath_sig to send (proc.c) */
    bool dumpable;              /* PR_SET_DUMPABLE */
    bool no_new_privs;          /* PR_SET_NO_NEW_PRIVS: one way, inherited */
    uint64_t timer_slack_ns;    /* PR_SET_TIMERSLACK (stored only) */
    /* Test capture of console output (the fallback write path); own thread only. */
    size_t out_bytes;
    char out[PROC_CAPTURE_MAX];
    struct proc_signals sig;    /* signal.c, under its signal lock */
    /* Home core (home_core.c): PROC_ROLE_* and the CPU it is homed on (-1: none),
     * written under proc_wq.lock, kept across exec. */
    int role, home;
};

/* ---- home_core.c ---- */
/* pc's role, its home core chosen and every thread's affinity set to it: an app
 * gets the least loaded CPU but the boot one, a system process CPU 0, a normal one
 * every CPU. 0, -EINVAL (unknown role), -EPERM (system role, unprivileged). */
long home_core_set_role(struct pcb *pc, int role);
/* At fork, before the child's first thread t runs: a system process's child is
 * a normal one on every CPU; an app's child stays an app on the same core. */
void home_core_fork(struct pcb *child, const struct pcb *parent, struct thread *t);
/* A process made without fork (the first one): normal, no home. */
void home_core_init(struct pcb *pc);
/* The process is gone: its core has one app less. */
void home_core_exit(struct pcb *pc);

struct uthread {
    struct pcb *proc;
    int tid;
    uint64_t fs_base;           /* arch_prctl(ARCH_SET_FS): loaded on every switch in */
    uint64_t clear_child_tid;   /* set_tid_address */
    uint64_t robust_list;       /* set_robust_list head; walked at exit (futex_robust.c) */
    void *fpu_raw;              /* allocation behind thread->fpu_area (64-aligned) */
    struct thread *thread;      /* the scheduler's side */
    /* The address space it runs on, a reference of its own: the switch loads it
     * without looking at proc->pub.mm, and the thread drops it at exit only after
     * switching its CPU off it (then NULL: the kernel's tables), so an mm is
     * never freed while a CPU has it loaded (mm_put). Set before the thread
     * first runs; exec replaces it. */
    struct mm_space *mm;
    struct uthread *next_thread;        /* in proc->threads, under proc_wq.lock */
    bool kicked;                /* exit_group/exec sent it SIGKILL (proc_wq.lock) */
    uint64_t minflt;            /* page faults it took (own thread writes; atomic reads) */
    struct thread_signals sig;  /* signal.c, under its signal lock */
    /* rseq.c: the registered struct rseq (0: none), owned by the thread itself;
     * rseq_moved: switched out since cpu_id was last written. */
    uint64_t rseq_area;
    uint32_t rseq_len, rseq_sig;
    bool rseq_moved;
};

/* Process table (proc.c): the lock is proc_wq.lock, rank 70 (docs/locking.md). */
#define PROC_MAX            1024        /* global cap, whatever the rlimit says */
unsigned long proc_table_lock(void);
void proc_table_unlock(unsigned long flags);
struct pcb *proc_table_first(void);     /* then ->next_all; caller holds the lock */
/* Wakes wait4 sleepers to re-check (a child stopped or continued). */
void proc_wake_waiters(void);
/* Sleeps on the process table's wait queue (woken by every exit, exec of a vfork
 * child, reparenting); lock held on entry and return. */
void proc_table_sleep(unsigned long *f);
struct pcb *proc_find_locked(int pid);          /* NULL when no such process */
struct uthread *proc_find_thread_locked(int tid);       /* a live thread, any process */
bool proc_tid_alive(int tid);                   /* takes the process table lock */
int proc_count_locked(void);
uint64_t proc_count_uid_locked(uint32_t uid);   /* threads of real user uid's processes */
int proc_alloc_pid_locked(void);
void proc_link_locked(struct pcb *pc);
void proc_thread_link_locked(struct pcb *pc, struct uthread *u);

struct uthread *uthread_alloc(void);
void *uthread_fpu_area(struct uthread *u);
void uthread_free(struct uthread *u);

/* Ends the calling thread; group: the whole process (exit_group, fatal signal).
 * The process becomes a zombie when its last thread is gone. Never returns. */
__noreturn void proc_thread_exit(int status, bool group);
/* fork.c: clone(2) with the caller's register frame; the child's tid or -errno. */
long proc_clone(uint64_t flags, uint64_t newsp, uint64_t parent_tid, uint64_t child_tid,
                uint64_t tls, const struct user_regs *regs);
/* execve's point of no return: ends every other thread of the process and waits
 * until they are gone (Linux de_thread). 0, or -EINTR when the process is exiting. */
int proc_exec_single_thread(void);
/* exec and exit of a CLONE_VFORK child: its parent may run again. */
void proc_vfork_release(struct pcb *pc);

/* cputime.c, all under proc_wq.lock: */
/* Sum over live threads plus exited ones. */
void proc_cputime_self_locked(struct pcb *pc, uint64_t *user_ns, uint64_t *sys_ns);
/* An exiting thread's time moves into its process's total (before it is unlinked). */
void proc_cputime_thread_exit_locked(struct pcb *pc, struct uthread *u);
/* A reaped zombie's time (its own and its children's) moves into the parent's. */
void proc_cputime_reap_locked(struct pcb *parent, const struct pcb *child);
/* Writes a struct rusage (144 bytes) with the given times and counts (NULL: zeros)
 * to user memory. */
int proc_rusage_to_user(uint64_t uptr, uint64_t user_ns, uint64_t sys_ns,
                        const struct proc_usage *usage);

/* rlimit.c: the limits of a process spawned by the kernel (Linux's defaults). */
void proc_rlimit_init(struct pcb *pc);
/* prctl.c: PR_SET_PDEATHSIG at the exit of thread tid of pc. Under proc_wq.lock:
 * marks the children it forked for their signal and makes heir their parent
 * thread; then, without the lock, sends the marked signals. */
void proc_pdeath_mark_locked(struct pcb *pc, int tid, int heir);
void proc_pdeath_send_marked(void);
/* rusage.c, under proc_wq.lock: */
/* A process's counts: its live threads' plus dead_usage (maxrss: including the
 * address space now, mm_rss_hiwater). */
void proc_usage_self_locked(struct pcb *pc, struct proc_usage *out);
/* An exiting thread's counts move into its process's dead_usage. */
void proc_usage_thread_exit_locked(struct pcb *pc, struct uthread *u);
/* Adds from's counts to to's (maxrss: the larger). No lock of its own. */
void proc_usage_add(struct proc_usage *to, const struct proc_usage *from);
/* A reaped zombie's counts (its own and its children's) move into the parent's. */
void proc_usage_reap_locked(struct pcb *parent, const struct pcb *child);
/* Records mm's high-water RSS in pc (before exec or exit drops mm). No lock held. */
void proc_usage_note_mm(struct pcb *pc, struct mm_space *mm);
/* 'R', 'S', 'T' or 'Z'. */
char proc_run_state_locked(const struct pcb *pc);

/* futex.c: wakes up to n waiters on the user word at uaddr of mm; count woken. */
int futex_wake_addr(struct mm_space *mm, uint64_t uaddr, int n);
/* futex_robust.c: the current thread u is ending (exit, fatal signal) or exec'ing:
 * marks the robust locks it holds FUTEX_OWNER_DIED and forgets the list. Runs in
 * u's own context, its address space still loaded. */
void futex_exit_robust_list(struct uthread *u);
/* futex_pi.c: thread tid is gone (off the process table) or exec'ing: the PI
 * words it owns that others sleep on go to their first sleepers. */
void futex_exit_pi(int tid);

static inline struct pcb *pcb_of(struct process *p)
{
    return (struct pcb *)p->proc_data;
}

struct uthread *proc_uthread(void);     /* current thread's, or NULL */

struct exec_image {
    uint64_t stack_limit;       /* in: RLIMIT_STACK (0: the 8 MiB default) */
    struct mm_space *mm;
    uint64_t entry, sp;
    char comm[16];              /* basename of the path execve was given */
    char exe[256];              /* canonical path of the ELF file that runs */
    /* The credentials the new image runs with (set-user/group-ID bits applied;
     * execve installs them), and AT_SECURE. */
    uint32_t uid, gid, euid, egid;
    uint64_t cap_perm, cap_eff;
    bool secure;
};

/* Loads the executable at path (ELF, or a "#!" script), resolved in p's root and
 * working directory (the kernel's for NULL), into a new address space with the
 * System V initial stack for argv/envp (kernel arrays, NULL-terminated). 0 or
 * -ENOENT, -EACCES, -ENOEXEC, -E2BIG, -ENOMEM. Touches nothing of p. */
int exec_load(struct process *p, const char *path, const char *const argv[],
              const char *const envp[], struct exec_image *out);

/* rseq.c: on the way to ring 3 (after a system call, before signal delivery; on
 * interrupt return), a thread that was switched out or has a signal coming gets
 * cpu_id rewritten and, inside a critical section, *rip moved to its abort
 * handler. The others keep registrations across fork/vfork, drop them for new
 * threads and at exec. */
void rseq_return_user(uint64_t *rip);
void rseq_switch_in(struct uthread *u);
void rseq_fork(struct uthread *child, const struct uthread *parent, bool thread);
void rseq_exec(struct uthread *u);

/* arch (kernel/arch/x86_64/syscall.c) */
struct user_regs;
void arch_user_regs_init(struct user_regs *r, uint64_t entry, uint64_t sp);
void arch_set_user_fs(uint64_t base);
size_t arch_fpu_area_size(void);
void arch_fpu_init_area(void *area);
uint64_t arch_random_u64(void);
uint64_t arch_hwcap(void);

/* ---- aslr.c ---- */
/* Whether exec randomises p's new address space (p NULL: a kernel-started one). */
bool aslr_enabled(const struct process *p);
/* A random multiple of PAGE_SIZE below 2^bits pages. */
uint64_t aslr_pages(unsigned bits);

/* arch (kernel/arch/x86_64/signal_frame.c): the Linux rt_sigframe. */
struct signal_frame {
    int sig;
    const struct ksiginfo *info;
    uint64_t handler, restorer;
    uint64_t mask;                      /* uc_sigmask: the mask sigreturn restores */
    bool on_altstack;                   /* build on the alternate stack */
    uint64_t ss_sp, ss_size;            /* uc_stack */
    int ss_flags;
    void *fpu_area;                     /* the thread's XSAVE area (scratch) */
};
/* Builds the frame on the user stack and points regs at the handler; 0 or -EFAULT
 * (unwritable stack: the caller kills with SIGSEGV). Interrupts on. */
int arch_signal_setup_frame(struct user_regs *regs, const struct signal_frame *sf);
/* rt_sigreturn: restores regs, FPU state and *mask from the frame at the user rsp;
 * 0 or -EFAULT / -EINVAL for a bad frame (the caller kills with SIGSEGV). */
int arch_signal_restore_frame(struct user_regs *regs, uint64_t *mask, void *fpu_area);

