/* arch_cpu_init: the per-CPU bring-up every core runs (LESSONS 15) -- descriptor
 * tables, exception vectors, CPU features -- the boot CPU from kmain, each AP from
 * smp_ap_main. Work done once for the whole machine (CPUID detection, building the
 * shared IDT) is in boot_cpu_setup and runs only on the boot CPU, before its own
 * per-CPU part. */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <asm/cpufeature.h>
#include "arch_cpu.h"

extern char boot_stack_top[];

static void boot_cpu_setup(void)
{
    cpu_features_detect();
    idt_build();
    /* Until the scheduler owns stacks, ring-3 entries (none yet) would land on the
     * boot stack. */
    this_cpu()->kernel_stack_top = (uint64_t)boot_stack_top;
}

void arch_cpu_init(void)
{
    struct cpu *c = this_cpu();
    bool boot_cpu = c->id == 0;
    if (boot_cpu)
        boot_cpu_setup();

    /* Every CPU from here on. */
    gdt_init_cpu();
    idt_load();
    cpu_features_enable();
    syscall_msrs_init();
    struct arch_cpu *a = c->arch_data;
    cpu_control_state_read(&a->control);
    __atomic_store_n(&a->control_recorded, true, __ATOMIC_RELEASE);

    if (boot_cpu) {
        char list[96];
        cpu_features_describe(list, sizeof(list));
        log_info("GDT, TSS (IST stacks for #DF, NMI, #MC) and IDT loaded");
        log_info("CPU features: %s", list);
    } else {
        log_debug("cpu %u: descriptor tables and features set up", c->id);
    }
}
