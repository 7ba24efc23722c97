/* Kernel heap: kmalloc/kzalloc/kfree over the slab core (slab.c), with pages from the
 * physical allocator reached through the direct map. Exhaustion gives NULL; a bad or
 * double kfree is logged and ignored (the heap is left as it was), not fatal. */

#define LOG_TAG "mm"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/spinlock.h>
#include "slab.h"

/* heap_lock protects heap (every cache, slab list and counter). Rank 60
 * (docs/locking.md): taken before pmm's lock (80), which the page source takes. */
static spinlock_t heap_lock = SPINLOCK_INIT("heap", 60);
static struct slab_heap heap;

static void *heap_pages_alloc(size_t pages, void *ctx)
{
    (void)ctx;
    paddr_t p = pmm_alloc_pages(pages);
    return p ? phys_to_virt(p) : NULL;
}

static void heap_pages_free(void *start, size_t pages, void *ctx)
{
    (void)ctx;
    pmm_free_pages(virt_to_phys(start), pages);
}

void heap_init(void)
{
    static const struct slab_page_source src = { heap_pages_alloc, heap_pages_free, NULL };
    slab_heap_init(&heap, &src);
    log_info("heap ready: slab caches %lu-%lu bytes, larger blocks from whole pages",
             1ul << SLAB_MIN_SHIFT, 1ul << SLAB_MAX_SHIFT);
}

void *kmalloc(size_t size)
{
    /* Pages come from pmm under heap_lock, where page cache reclaim cannot run;
     * so a failure with interrupts on (not in a handler, no spinlock held) gives
     * clean cache pages back here and tries once more. */
    bool may_reclaim = irq_enabled();
    unsigned long f = spin_lock_irqsave(&heap_lock);
    void *p = slab_heap_alloc(&heap, size);
    spin_unlock_irqrestore(&heap_lock, f);
    if (!p && may_reclaim && filepages_reclaim(size / PAGE_SIZE + 16)) {
        f = spin_lock_irqsave(&heap_lock);
        p = slab_heap_alloc(&heap, size);
        spin_unlock_irqrestore(&heap_lock, f);
    }
    if (!p)
        log_debug("kmalloc(%zu) failed: out of memory", size);
    return p;
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p)
        memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    /* Every heap block lives in the direct map of managed RAM; checking that first
     * means the slab core only ever reads mapped memory. */
    uintptr_t v = (uintptr_t)p;
    if (v < DIRECT_MAP_BASE || v >= DIRECT_MAP_BASE + pmm_ram_end()) {
        log_error("kfree(%p): not a heap pointer", p);
        return;
    }
    unsigned long f = spin_lock_irqsave(&heap_lock);
    int err = slab_heap_free(&heap, p);
    spin_unlock_irqrestore(&heap_lock, f);
    if (err == -EFAULT)
        log_error("kfree(%p): double free", p);
    else if (err)
        log_error("kfree(%p): not a heap block", p);
}

void heap_trim(void)
{
    unsigned long f = spin_lock_irqsave(&heap_lock);
    slab_heap_trim(&heap);
    spin_unlock_irqrestore(&heap_lock, f);
}

void mm_get_stats(struct mm_stats *out)
{
    out->total_pages = pmm_total_count();
    out->free_pages = pmm_free_count();
    unsigned long f = spin_lock_irqsave(&heap_lock);
    out->heap_bytes_in_use = heap.bytes_in_use;
    out->heap_bytes_reserved = heap.pages_held * PAGE_SIZE;
    spin_unlock_irqrestore(&heap_lock, f);
}
