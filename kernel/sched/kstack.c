/* Kernel thread stacks mapped apart from the direct map, each slot an unmapped
 * guard page followed by the thread's block (stack, struct thread on top): a
 * stack overflow faults on the guard (a #PF that cannot push its frame becomes a
 * #DF on its IST stack, which names the thread) instead of running into the
 * neighbouring block. Slots are claimed and released with atomic bit operations,
 * no lock; the mapping itself is under `vmm`. */

#include <osc/lib.h>
#include <osc/mm.h>
#include "sched_internal.h"

#define KSTACK_SLOT_PAGES (THREAD_BLOCK_PAGES + 1)
#define KSTACK_SLOT_SIZE  (KSTACK_SLOT_PAGES * PAGE_SIZE)
#define KSTACK_SLOTS      16384             /* 320 MiB of address space */
#define BITS              64

static uint64_t used[KSTACK_SLOTS / BITS];  /* atomic: bit n, slot n taken */
static uint32_t hint;                       /* atomic: where the next search starts */

static vaddr_t slot_va(unsigned n)
{
    return KSTACK_BASE + (vaddr_t)n * KSTACK_SLOT_SIZE;
}

static int claim_slot(void)
{
    unsigned start = __atomic_load_n(&hint, __ATOMIC_RELAXED) % (KSTACK_SLOTS / BITS);
    for (unsigned i = 0; i < KSTACK_SLOTS / BITS; i++) {
        unsigned w = (start + i) % (KSTACK_SLOTS / BITS);
        uint64_t cur = __atomic_load_n(&used[w], __ATOMIC_RELAXED);
        while (cur != ~0ull) {
            unsigned bit = (unsigned)__builtin_ctzll(~cur);
            uint64_t prev = __atomic_fetch_or(&used[w], 1ull << bit, __ATOMIC_ACQ_REL);
            if (!(prev & (1ull << bit))) {
                __atomic_store_n(&hint, w, __ATOMIC_RELAXED);
                return (int)(w * BITS + bit);
            }
            cur = prev | (1ull << bit);
        }
    }
    return -1;
}

void *kstack_map(paddr_t block)
{
    int n = claim_slot();
    if (n < 0)
        return NULL;
    vaddr_t va = slot_va((unsigned)n) + PAGE_SIZE;      /* the first page stays unmapped */
    if (vmm_map_range(va, block, THREAD_BLOCK_PAGES * PAGE_SIZE, MAP_WRITE)) {
        __atomic_fetch_and(&used[n / BITS], ~(1ull << (n % BITS)), __ATOMIC_RELEASE);
        return NULL;
    }
    return (void *)va;
}

void kstack_unmap(void *base)
{
    vaddr_t va = (vaddr_t)base;
    unsigned n = (unsigned)((va - PAGE_SIZE - KSTACK_BASE) / KSTACK_SLOT_SIZE);
    /* Unmapped (and flushed on every CPU) before the slot can be claimed again. */
    vmm_unmap_range(va, THREAD_BLOCK_PAGES * PAGE_SIZE);
    __atomic_fetch_and(&used[n / BITS], ~(1ull << (n % BITS)), __ATOMIC_RELEASE);
}

bool kstack_is_guard(uint64_t addr)
{
    if (addr < KSTACK_BASE || addr >= KSTACK_BASE + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT_SIZE)
        return false;
    return (addr - KSTACK_BASE) % KSTACK_SLOT_SIZE < PAGE_SIZE;
}
