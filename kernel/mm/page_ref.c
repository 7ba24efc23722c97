/* Shared user frames for copy-on-write: one counter per physical frame holding the
 * number of EXTRA mappings beyond the first, so a frame nobody shares needs no
 * bookkeeping (0) and pmm stays unaware of sharing. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>

/* Allocated once on first use (first fork), never freed; read without a lock once
 * published. Entries change only atomically. */
static uint32_t *extra_refs;
static size_t nframes;

int page_ref_init(void)
{
    if (__atomic_load_n(&extra_refs, __ATOMIC_ACQUIRE))
        return 0;
    size_t n = pmm_ram_end() / PAGE_SIZE;
    size_t pages = ALIGN_UP(n * sizeof(uint32_t), PAGE_SIZE) / PAGE_SIZE;
    paddr_t block = pmm_alloc_pages(pages);             /* zeroed */
    if (!block)
        return -ENOMEM;
    uint32_t *want = NULL;
    nframes = n;
    if (!__atomic_compare_exchange_n(&extra_refs, &want, (uint32_t *)phys_to_virt(block),
                                      false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        pmm_free_pages(block, pages);                   /* lost the race: same size */
    return 0;
}

static uint32_t *slot(paddr_t p)
{
    size_t i = p / PAGE_SIZE;
    return extra_refs && i < nframes ? &extra_refs[i] : NULL;
}

void page_ref_get(paddr_t p)
{
    uint32_t *s = slot(p);
    if (s)
        __atomic_fetch_add(s, 1, __ATOMIC_RELAXED);
}

bool page_ref_shared(paddr_t p)
{
    uint32_t *s = slot(p);
    return s && __atomic_load_n(s, __ATOMIC_ACQUIRE) != 0;
}

void page_ref_put(paddr_t p)
{
    uint32_t *s = slot(p);
    if (s) {
        uint32_t v = __atomic_load_n(s, __ATOMIC_ACQUIRE);
        while (v != 0)
            if (__atomic_compare_exchange_n(s, &v, v - 1, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE))
                return;         /* someone else still maps it */
    }
    pmm_free_page(p);
}
