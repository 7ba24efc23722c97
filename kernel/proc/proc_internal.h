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

struct pcb {
    struct process pub;         /* pub.proc_data points back here */
    /* Under proc_wq.lock (the process table lock): */
    enum proc_state state;
    int exit_status;            /* wait4 status word, valid when ZOMBIE */
    struct pcb *next_all;       /* every process, newest first */
    /* Test capture of console output (the fallback write path); own thread only. */
    size_t out_bytes;
    char out[PROC_CAPTURE_MAX];
    struct proc_signals sig;    /* signal.c, under its signal lock */
};

struct uthread {
    struct pcb *proc;
    int tid;
    uint64_t fs_base;           /* arch_prctl(ARCH_SET_FS): loaded on every switch in */
    uint64_t clear_child_tid;   /* set_tid_address */
    uint64_t robust_list, robust_len;
    void *fpu_raw;              /* allocation behind thread->fpu_area (64-aligned) */
    struct thread_signals sig;  /* signal.c, under its signal lock */
};

static inline struct pcb *pcb_of(struct process *p)
{
    return (struct pcb *)p->proc_data;
}

struct uthread *proc_uthread(void);     /* current thread's, or NULL */

/* The process table (proc.c) for signal.c's kill: lock (rank 70), walk, unlock. */
unsigned long proc_table_lock(void);
void proc_table_unlock(unsigned long flags);
struct pcb *proc_table_first(void);     /* then ->next_all; caller holds the lock */
/* Wakes wait4 sleepers to re-check (a child stopped or continued). */
void proc_wake_waiters(void);

struct exec_image {
    struct mm_space *mm;
    uint64_t entry, sp;
    char comm[16];
};

/* Loads the executable at path (ELF, or a "#!" script) into a new address space with
 * the System V initial stack for argv/envp (kernel arrays, NULL-terminated). 0 or
 * -ENOENT, -ENOEXEC, -E2BIG, -ENOMEM. Touches nothing of the calling process. */
int exec_load(const char *path, const char *const argv[], const char *const envp[],
              struct exec_image *out);

/* arch (kernel/arch/x86_64/syscall.c) */
struct user_regs;
void arch_user_regs_init(struct user_regs *r, uint64_t entry, uint64_t sp);
void arch_set_user_fs(uint64_t base);
size_t arch_fpu_area_size(void);
void arch_fpu_init_area(void *area);
uint64_t arch_random_u64(void);
uint64_t arch_hwcap(void);

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

