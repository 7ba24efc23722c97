/* Per-CPU GDT and TSS. Each core owns its descriptor table and task state segment
 * (a TSS descriptor goes "busy" when loaded, so they cannot be shared); the TSS
 * carries rsp0 for ring 3 -> 0 transitions and the IST stacks (asm/segment.h). */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <asm/segment.h>
#include "arch_cpu.h"

/* Segment descriptor bits (SDM 3A 3.4.5). In long mode base and limit of code and
 * data segments are ignored; only type, DPL, present and the L bit matter. */
#define DESC_ACCESSED   (1ull << 40)
#define DESC_RW         (1ull << 41)    /* data: writable; code: readable */
#define DESC_CODE       (1ull << 43)
#define DESC_NONSYS     (1ull << 44)    /* code/data, not a system descriptor */
#define DESC_DPL3       (3ull << 45)
#define DESC_PRESENT    (1ull << 47)
#define DESC_LONG       (1ull << 53)    /* 64-bit code segment */
#define DESC_CODE64     (DESC_PRESENT | DESC_NONSYS | DESC_CODE | DESC_RW | DESC_ACCESSED | DESC_LONG)
#define DESC_DATA       (DESC_PRESENT | DESC_NONSYS | DESC_RW | DESC_ACCESSED)
#define DESC_TSS_AVAIL  (0x9ull << 40)  /* 64-bit TSS, available (SDM 3A 7.2.3) */

static struct arch_cpu arch_cpus[MAX_CPUS];

static void gdt_set_tss(uint64_t *gdt, const struct tss *tss)
{
    uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
    gdt[GDT_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) | DESC_TSS_AVAIL |
                   DESC_PRESENT | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[GDT_TSS + 1] = base >> 32;
}

/* Loads the GDT and reloads CS (by a far return), SS, DS and ES. FS and GS are left
 * alone: writing a selector to GS would clear the per-CPU GS base set by percpu_init. */
static void gdt_load(const uint64_t *gdt, size_t entries)
{
    struct __packed { uint16_t limit; uint64_t base; } ptr = {
        .limit = (uint16_t)(entries * 8 - 1), .base = (uint64_t)gdt,
    };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w2, %%ax\n\t"
        "movw %%ax, %%ss\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        :
        : "m"(ptr), "i"(SEL_KERNEL_CODE), "i"(SEL_KERNEL_DATA)
        : "rax", "memory");
}

void gdt_init_cpu(void)
{
    struct cpu *c = this_cpu();
    struct arch_cpu *a = &arch_cpus[c->id];
    c->arch_data = a;

    a->gdt[GDT_NULL] = 0;
    a->gdt[GDT_KERNEL_CODE] = DESC_CODE64;
    a->gdt[GDT_KERNEL_DATA] = DESC_DATA;
    a->gdt[GDT_USER32_CODE] = 0;
    a->gdt[GDT_USER_DATA] = DESC_DATA | DESC_DPL3;
    a->gdt[GDT_USER_CODE] = DESC_CODE64 | DESC_DPL3;

    a->tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)&a->ist_stacks[0][IST_STACK_SIZE];
    a->tss.ist[IST_NMI - 1] = (uint64_t)&a->ist_stacks[1][IST_STACK_SIZE];
    a->tss.ist[IST_MACHINE_CHECK - 1] = (uint64_t)&a->ist_stacks[2][IST_STACK_SIZE];
    a->tss.rsp0 = c->kernel_stack_top;
    a->tss.iomap_base = sizeof(a->tss);    /* no I/O permission bitmap */
    gdt_set_tss(a->gdt, &a->tss);

    gdt_load(a->gdt, GDT_ENTRIES);
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
    log_debug("cpu %u: GDT at %p, TSS at %p, IST1 top %#lx", c->id, (void *)a->gdt,
              (void *)&a->tss, a->tss.ist[IST_DOUBLE_FAULT - 1]);
}

const struct cpu_control_state *cpu_control_state_of(unsigned cpu)
{
    if (cpu >= MAX_CPUS || !__atomic_load_n(&arch_cpus[cpu].control_recorded, __ATOMIC_ACQUIRE))
        return NULL;
    return &arch_cpus[cpu].control;
}

void arch_set_kernel_stack(uint64_t top)
{
    struct cpu *c = this_cpu();
    c->kernel_stack_top = top;
    ((struct arch_cpu *)c->arch_data)->tss.rsp0 = top;
}
