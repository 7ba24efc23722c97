/* Address-space layout randomisation as Linux does it: the random offsets exec gives
 * a new address space (stack, mmap base, PIE and loader base, brk, hence the vDSO),
 * and personality(2), whose ADDR_NO_RANDOMIZE turns them off for a process and its
 * children; `norandmaps` on the kernel command line turns them off for all. */

#include <osc/cmdline.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include "proc_internal.h"

#define ADDR_NO_RANDOMIZE   0x0040000       /* linux/personality.h */
#define PERSONALITY_QUERY   0xffffffffu

bool aslr_enabled(const struct process *p)
{
    static int off = -1;        /* the command line does not change: looked up once */
    if (off < 0)
        off = cmdline_has("norandmaps");
    return !off && !(p && (p->personality & ADDR_NO_RANDOMIZE));
}

uint64_t aslr_pages(unsigned bits)
{
    return (arch_random_u64() & ((1ull << bits) - 1)) * PAGE_SIZE;
}

/* Linux keeps any value (it only looks at the bits it knows) and answers the old
 * one; 0xffffffff only asks. Inherited by fork, kept across exec. */
SYSCALL(personality)
{
    struct process *p = proc_current();
    uint32_t old = __atomic_load_n(&p->personality, __ATOMIC_RELAXED);
    uint32_t v = (uint32_t)args->a[0];
    if (v != PERSONALITY_QUERY)
        __atomic_store_n(&p->personality, v, __ATOMIC_RELAXED);
    return old;
}
