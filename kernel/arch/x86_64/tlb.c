/* TLB shoot-down on x86_64 (<osc/tlb.h>): invlpg per changed page, or a CR3 reload
 * when a batch outgrows TLB_BATCH_PAGES (no page is global, so a reload drops
 * kernel entries too; no PCIDs, so every CR3 write drops the old tables' entries). */

#define LOG_TAG "tlb"
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/percpu.h>
#include <osc/smp.h>
#include <osc/tlb.h>
#include <asm/cpu.h>
#include <asm/paging.h>

static uint64_t served[MAX_CPUS];       /* per CPU, written by that CPU only */

uint64_t tlb_requests_served(uint32_t cpu)
{
    return cpu < MAX_CPUS ? __atomic_load_n(&served[cpu], __ATOMIC_RELAXED) : 0;
}

static void count_request(void)
{
    uint64_t *n = &served[this_cpu()->id];
    __atomic_store_n(n, *n + 1, __ATOMIC_RELAXED);
}

static void flush_pages(const vaddr_t *pages, uint32_t n)
{
    if (n > TLB_BATCH_PAGES) {
        write_cr3(read_cr3());
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        invlpg(pages[i]);
}

static bool loaded_here(const struct mm_space *mm)
{
    return (read_cr3() & PTE_ADDR_MASK) == mm->root;
}

void tlb_batch_init(struct tlb_batch *b, struct mm_space *mm)
{
    b->mm = mm;
    b->npages = b->nframes = 0;
}

void tlb_batch_page(struct tlb_batch *b, vaddr_t va)
{
    if (b->npages < TLB_BATCH_PAGES)
        b->pages[b->npages] = va;
    if (b->npages <= TLB_BATCH_PAGES)
        b->npages++;            /* saturates one past: "flush everything" */
}

void tlb_batch_release(struct tlb_batch *b, paddr_t frame)
{
    if (b->nframes == TLB_BATCH_FRAMES)
        tlb_batch_flush(b);
    b->frames[b->nframes++] = frame;
}

/* On a CPU in the mask, in its call-function IPI handler. A CPU that has switched
 * to other tables since the initiator read the mask has nothing left to drop. */
static void flush_remote(void *arg)
{
    const struct tlb_batch *b = arg;
    count_request();
    if (loaded_here(b->mm))
        flush_pages(b->pages, b->npages);
}

void tlb_batch_flush(struct tlb_batch *b)
{
    if (!b->npages && !b->nframes)
        return;
    unsigned long f = irq_save();       /* this CPU stays this CPU until the mask is used */
    /* Dekker against mm_activate: we stored the new entries, then load the mask;
     * a switching CPU sets its bit, then loads CR3 and walks the tables. Both sides
     * put a full fence between their store and their load (here mfence, there the
     * locked OR), so either we see its bit and interrupt it, or it walks the tables
     * after our stores and caches only the new entries. Without the fences each
     * side could read the other's old value from before its store buffer drained. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint64_t mask = __atomic_load_n(&b->mm->cpus, __ATOMIC_SEQ_CST);
    uint32_t me = this_cpu()->id;
    if (loaded_here(b->mm))
        flush_pages(b->pages, b->npages);
    mask &= ~(1ull << me);
    int err = mask ? smp_call_mask(mask, flush_remote, b) : 0;
    irq_restore(f);
    if (err) {
        /* Its stale entries may still reach the frames: never hand them out. */
        log_error("shoot-down not acknowledged (%d): %u frame(s) leaked", err, b->nframes);
    } else {
        for (uint32_t i = 0; i < b->nframes; i++)
            page_ref_put(b->frames[i]);
    }
    b->npages = b->nframes = 0;
}

struct kernel_range {
    vaddr_t start, end;
};

static void flush_kernel_remote(void *arg)
{
    const struct kernel_range *r = arg;
    count_request();
    if ((r->end - r->start) / PAGE_SIZE > TLB_BATCH_PAGES) {
        write_cr3(read_cr3());
        return;
    }
    for (vaddr_t va = r->start; va < r->end; va += PAGE_SIZE)
        invlpg(va);
}

void tlb_flush_kernel_others(vaddr_t start, vaddr_t end)
{
    if (start >= end || __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE) < 2)
        return;
    struct kernel_range r = { ALIGN_DOWN(start, PAGE_SIZE), end };
    int err = smp_call_all_others(flush_kernel_remote, &r);
    if (err)
        log_error("kernel TLB shoot-down %#lx-%#lx not acknowledged (%d)", start, end, err);
}
