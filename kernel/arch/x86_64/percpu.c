/* Per-CPU areas: one struct cpu per core, found through the GS base MSR. The kernel
 * GS base is also copied to KERNEL_GS_BASE so SWAPGS on entry from user mode (later)
 * finds it. */

#include <osc/arch.h>
#include <osc/percpu.h>

#define MSR_GS_BASE         0xc0000101  /* SDM 4 2.1 */
#define MSR_KERNEL_GS_BASE  0xc0000102

struct cpu cpus[MAX_CPUS];
uint32_t cpu_count = 1;
uint32_t cpu_present_count = 1;
uint32_t cpu_possible_count = 1;

void percpu_init(uint32_t id, uint32_t apic_id)
{
    struct cpu *c = &cpus[id];
    c->self = c;
    c->id = id;
    c->apic_id = apic_id;
    wrmsr(MSR_GS_BASE, (uint64_t)c);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
}
