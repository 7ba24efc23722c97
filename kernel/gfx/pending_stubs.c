/* TEMPORARY (branch console): weak stand-ins for APIs other branches (mm, time,
 * sched) are still building, so this branch links and boots on its own. The
 * real, strong definitions replace them at link time; delete this file once main
 * has all of them. */

#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/mm.h>
#include <osc/sched.h>

/* Boot page tables direct-map the low 4 GiB at DIRECT_MAP_BASE. */
__attribute__((weak)) void *vmm_map_mmio(paddr_t phys, size_t size, unsigned flags)
{
    (void)flags;
    return phys + size <= GiB(4) ? phys_to_virt(phys) : NULL;
}
__attribute__((weak)) int irq_route_isa(uint8_t irq) { (void)irq; return -ENOSYS; }
__attribute__((weak)) struct thread *thread_create(const char *n, void (*fn)(void *), void *a)
{
    (void)n; (void)fn; (void)a;
    return NULL;
}
__attribute__((weak)) void thread_sleep_ns(uint64_t ns) { (void)ns; }
__attribute__((weak)) __noreturn void thread_exit(void)
{
    for (;;)
        __asm__ volatile("hlt");
}
