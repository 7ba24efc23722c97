/* TLB shoot-down (kernel/arch/x86_64/tlb.c): after page-table entries change, every
 * CPU that may still cache the old ones forgets them before the old frames are
 * reused. A user address space is flushed on the CPUs in its mm->cpus mask (those
 * that have it loaded, kept by mm_activate); a kernel mapping on every online CPU.
 * Remote CPUs are asked with a waited cross-CPU call (smp_call_mask). */
#pragma once

#include <osc/types.h>

struct mm_space;

#define TLB_BATCH_PAGES  32     /* more changed pages in one batch: one full flush */
#define TLB_BATCH_FRAMES 64     /* frames held until the flush; one more flushes early */

/* Changes to one address space, gathered under its mm->lock (on the caller's
 * stack): the pages whose entries changed, and the frames they pointed to that
 * may be freed once no CPU can reach them any more. */
struct tlb_batch {
    struct mm_space *mm;
    uint32_t npages;            /* > TLB_BATCH_PAGES: flush the whole TLB */
    uint32_t nframes;
    vaddr_t pages[TLB_BATCH_PAGES];
    paddr_t frames[TLB_BATCH_FRAMES];
};

void tlb_batch_init(struct tlb_batch *b, struct mm_space *mm);
/* va's entry was changed (unmapped, write-protected, pointed elsewhere). */
void tlb_batch_page(struct tlb_batch *b, vaddr_t va);
/* page_ref_put(frame) once the batch is flushed: an unmapped page's frame. */
void tlb_batch_release(struct tlb_batch *b, paddr_t frame);
/* Flushes this CPU (when mm is loaded here) and waits until every other CPU in
 * mm->cpus has flushed, then releases the frames; the batch is empty afterwards.
 * Thread context or interrupts off; no spinlock held (remote CPUs must be able to
 * take the IPI). A CPU that never answers (1 s, logged) leaks the frames rather
 * than let them be reused under its stale entries. */
void tlb_batch_flush(struct tlb_batch *b);

/* Kernel mappings: drops [start, end) from every other online CPU's TLB (the
 * caller flushed its own). A no-op with one CPU online (so also before smp_init).
 * Any context but with no spinlock held that another CPU may spin on with
 * interrupts off (paging.c calls it after releasing vmm_lock). */
void tlb_flush_kernel_others(vaddr_t start, vaddr_t end);

/* Shoot-down requests CPU cpu has served (user and kernel): tests check that CPUs
 * without the address space loaded are left alone. */
uint64_t tlb_requests_served(uint32_t cpu);
