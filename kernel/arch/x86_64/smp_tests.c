/* In-kernel tests of AP start-up: what smp_init leaves behind on every online CPU.
 * Meaningful with several CPUs (tests/qemu/selftest.py --smp 2); with one they
 * check the boot CPU's own records. */

#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/percpu.h>
#include <asm/cpufeature.h>
#include "arch_cpu.h"

KTEST(online_cpus_are_dense_with_distinct_apic_ids)
{
    uint32_t n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
    KT_ASSERT(n >= 1 && n <= cpu_present_count && cpu_present_count <= cpu_possible_count);
    KT_ASSERT(cpu_possible_count <= MAX_CPUS);
    for (uint32_t i = 0; i < n; i++) {
        KT_ASSERT(__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE));
        KT_ASSERT_EQ(cpus[i].id, i);
        KT_ASSERT(cpus[i].self == &cpus[i]);
        for (uint32_t j = 0; j < i; j++)
            KT_ASSERT(cpus[i].apic_id != cpus[j].apic_id);
    }
    for (uint32_t i = n; i < MAX_CPUS; i++)
        KT_ASSERT(!__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE));
    log_write(LOG_INFO, "test", "%u CPU(s) online, %u present, %u possible", n,
              cpu_present_count, cpu_possible_count);
}

/* LESSONS 15: every core leaves arch_cpu_init with the boot CPU's CR0, CR4, EFER,
 * PAT and XCR0 (SSE/XSAVE, NX, SMEP/SMAP, WP, write-combining). */
KTEST(every_online_cpu_has_the_boot_cpus_control_registers)
{
    const struct cpu_control_state *boot = cpu_control_state_of(0);
    KT_ASSERT(boot != NULL);
    uint32_t n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
    for (uint32_t i = 1; i < n; i++) {
        const struct cpu_control_state *st = cpu_control_state_of(i);
        KT_ASSERT(st != NULL);
        KT_ASSERT_EQ(st->cr0, boot->cr0);
        KT_ASSERT_EQ(st->cr4, boot->cr4);
        KT_ASSERT_EQ(st->efer, boot->efer);
        KT_ASSERT_EQ(st->pat, boot->pat);
        KT_ASSERT_EQ(st->xcr0, boot->xcr0);
    }
}

/* Each CPU's descriptor tables and stacks are its own (a TSS goes busy when loaded;
 * a shared IST stack would be overwritten by a nested fault on another core). */
KTEST(online_cpus_have_their_own_tss_and_kernel_stack)
{
    uint32_t n = __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; i < n; i++) {
        KT_ASSERT(cpus[i].arch_data != NULL);
        KT_ASSERT(cpus[i].kernel_stack_top != 0);
        for (uint32_t j = 0; j < i; j++) {
            KT_ASSERT(cpus[i].arch_data != cpus[j].arch_data);
            KT_ASSERT(cpus[i].kernel_stack_top != cpus[j].kernel_stack_top);
        }
    }
}
