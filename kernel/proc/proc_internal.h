/* Private to kernel/proc: the process control block around the public struct process,
 * the user side of a thread, and the loader's result. */
#pragma once

#include <osc/mm_space.h>
#include <osc/proc.h>
#include <osc/types.h>

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
};

struct uthread {
    struct pcb *proc;
    int tid;
    uint64_t fs_base;           /* arch_prctl(ARCH_SET_FS): loaded on every switch in */
    uint64_t clear_child_tid;   /* set_tid_address */
    uint64_t robust_list, robust_len;
    void *fpu_raw;              /* allocation behind thread->fpu_area (64-aligned) */
};

static inline struct pcb *pcb_of(struct process *p)
{
    return (struct pcb *)p->proc_data;
}

struct uthread *proc_uthread(void);     /* current thread's, or NULL */

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
