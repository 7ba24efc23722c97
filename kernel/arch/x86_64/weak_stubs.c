/* Weak no-op stand-ins for hooks the interrupt dispatcher calls but other
 * subsystems own: the real irq_eoi lives in the local APIC code (time) and the real
 * sched_irq_exit in kernel/sched. Their strong definitions replace these at link
 * time; until then interrupts still dispatch. */

#include <osc/irq.h>
#include <osc/proc.h>
#include <osc/sched.h>

__attribute__((weak)) void irq_eoi(void)
{
}

__attribute__((weak)) void sched_irq_exit(void)
{
}

/* kernel/proc's exit check on the way back to ring 3. */
__attribute__((weak)) void proc_irq_return_user(uint64_t *rip)
{
    (void)rip;
}
