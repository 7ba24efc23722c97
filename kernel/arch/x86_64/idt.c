/* The interrupt descriptor table: 256 interrupt gates, one per stub in entry.S.
 * One table shared by all CPUs (built once by the boot CPU, loaded by each); the
 * per-CPU part, the IST stacks the gates refer to, lives in each CPU's TSS. */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/log.h>
#include <asm/segment.h>
#include "arch_cpu.h"

#define IDT_ENTRIES         256
#define GATE_INTERRUPT      0x8e    /* present, DPL 0, 64-bit interrupt gate (SDM 3A 6.14.1) */
#define GATE_DPL3           0x60    /* callable from ring 3 by INT n / INT3 / INTO */
#define STUB_SIZE           16      /* must match entry.S */

#define VEC_NMI             2
#define VEC_BREAKPOINT      3
#define VEC_OVERFLOW        4
#define VEC_DOUBLE_FAULT    8
#define VEC_MACHINE_CHECK   18

struct __packed idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;            /* bits 0-2: IST slot, 0 = stay on the current stack */
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

/* Interrupt gates (not trap gates) so every handler starts with IF clear. */
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
extern const char isr_stubs[];

static void idt_set_gate(unsigned vector, uint64_t handler, uint8_t ist)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xffff,
        .selector = SEL_KERNEL_CODE,
        .ist = ist,
        .type_attr = GATE_INTERRUPT,
        .offset_mid = (handler >> 16) & 0xffff,
        .offset_high = handler >> 32,
    };
}

void idt_build(void)
{
    for (unsigned v = 0; v < IDT_ENTRIES; v++)
        idt_set_gate(v, (uint64_t)isr_stubs + v * STUB_SIZE, 0);
    idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
    idt[VEC_NMI].ist = IST_NMI;
    idt[VEC_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
    /* int3 and into from user mode are breakpoints/overflows (SIGTRAP, SIGSEGV as
     * on Linux); every other vector stays DPL 0, so `int n` from ring 3 is a #GP. */
    idt[VEC_BREAKPOINT].type_attr |= GATE_DPL3;
    idt[VEC_OVERFLOW].type_attr |= GATE_DPL3;
}

void idt_load(void)
{
    struct __packed { uint16_t limit; uint64_t base; } ptr = {
        .limit = sizeof(idt) - 1, .base = (uint64_t)idt,
    };
    __asm__ volatile("lidt %0" ::"m"(ptr) : "memory");
}
