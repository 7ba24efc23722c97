/* Private to kernel/arch/x86_64: the per-CPU descriptor tables and the init steps
 * arch_cpu_init() runs on every core. cpus[i].arch_data points at arch_cpus[i]. */
#pragma once

#include <osc/types.h>
#include <asm/cpufeature.h>
#include <asm/irq_frame.h>
#include <asm/segment.h>

#define IST_STACK_SIZE  8192

/* 64-bit task state segment (SDM 3A 7.7). */
struct __packed tss {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct arch_cpu {
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss tss __attribute__((aligned(16)));
    uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
    struct cpu_control_state control;   /* as arch_cpu_init left it */
    bool control_recorded;
};

void gdt_init_cpu(void);        /* every CPU: own GDT + TSS, loaded */
void idt_build(void);           /* boot CPU: fills the shared IDT */
void idt_load(void);            /* every CPU */
void exception_handle(struct irq_frame *f);
void syscall_msrs_init(void);   /* every CPU: SYSCALL MSRs (syscall.c) */
/* Exception fix-up: resume address for a fault at rip inside a uaccess routine,
 * or 0 (uaccess.S). */
uint64_t uaccess_fixup(uint64_t rip);
