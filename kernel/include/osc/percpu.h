/* Per-CPU data, reached through the GS base on x86_64 (gs:0 holds a pointer to the
 * structure itself). Every core runs percpu_init for itself (LESSONS 15). */
#pragma once

#include <osc/types.h>

#define MAX_CPUS 64

struct thread;

struct cpu {
    struct cpu *self;               /* must stay first: this_cpu() reads gs:0 */
    uint32_t id;                    /* dense index 0..ncpus-1 */
    uint32_t apic_id;
    struct thread *current;         /* running thread (owned by sched) */
    struct thread *idle;            /* this CPU's idle thread */
    uint64_t kernel_stack_top;      /* mirrored into the TSS rsp0 on switch */
    int preempt_count;              /* >0: no preemption on interrupt exit */
    bool need_resched;              /* set by tick/wake-up, consumed on irq exit */
    bool online;                    /* set by the CPU itself when up (smp.c) */
    void *sched_data;               /* run queue, owned by kernel/sched */
    void *arch_data;                /* GDT/TSS and friends, owned by arch code */
    uint32_t lock_depth;            /* lockdep: number of spinlocks held */
    const void *locks_held[16];     /* lockdep: stack of held spinlocks */
    /* SYSCALL entry only: the user rsp for the few instructions between entry and
     * its push onto the thread's kernel stack (interrupts are off throughout);
     * nothing else ever reads it (LESSONS 1). Offset used by syscall_entry.S. */
    uint64_t syscall_user_rsp;
};
#define CPU_KERNEL_STACK_TOP_OFF  32
#define CPU_SYSCALL_USER_RSP_OFF  200

extern struct cpu cpus[MAX_CPUS];
/* CPU ids are dense and ordered: the online CPUs are 0..cpu_count-1 (the boot CPU is
 * 0), then the present ones not started (maxcpus=, or no answer), then the
 * online-capable ones the firmware lists for hot-add. Written by the boot CPU in
 * smp_init only (Linux's /sys/devices/system/cpu/{online,present,possible}). */
extern uint32_t cpu_count;          /* online */
extern uint32_t cpu_present_count;  /* enabled in the MADT */
extern uint32_t cpu_possible_count; /* present plus online-capable */

/* Installs cpus[id] as the calling CPU's per-CPU area. */
void percpu_init(uint32_t id, uint32_t apic_id);

/* The pointer is only as stable as the caller's CPU: a preemptible thread may be
 * moved to another CPU right after reading it. Fields that the running thread needs
 * across a possible migration are read with one instruction instead (below). */
static inline struct cpu *this_cpu(void)
{
    struct cpu *c;
    __asm__ volatile("movq %%gs:0, %0" : "=r"(c));
    return c;
}

/* One GS-relative instruction each: an interrupt (and so a migration) falls either
 * before or after it, never between finding this CPU and using its field. */
static inline struct thread *this_cpu_current(void)
{
    struct thread *t;
    __asm__ volatile("movq %%gs:%c1, %0" : "=r"(t) : "i"(__builtin_offsetof(struct cpu, current)));
    return t;
}

static inline void this_cpu_preempt_inc(void)
{
    __asm__ volatile("addl $1, %%gs:%c0" ::"i"(__builtin_offsetof(struct cpu, preempt_count))
                     : "memory");
}

static inline void this_cpu_preempt_dec(void)
{
    __asm__ volatile("subl $1, %%gs:%c0" ::"i"(__builtin_offsetof(struct cpu, preempt_count))
                     : "memory");
}
