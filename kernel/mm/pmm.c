/* Physical frame allocator: the multiboot2 memory map's available RAM, minus what is
 * already in use at boot, kept in a frame pool (frame_pool.c) behind one lock.
 *
 * Excluded from allocation: everything below 1 MiB (left untouched for the AP
 * trampoline and BIOS data; it stays reachable through the direct map; pieces of it
 * are handed out once by pmm_reserve_low), the kernel
 * image, the multiboot2 information, every module (until pmm_release_module: the
 * initramfs archive is freed once unpacked), the framebuffer and the pool's own
 * bitmap. The bitmap is placed below 4 GiB so that the boot page tables' direct map
 * reaches it before vmm_init; likewise allocations stay below pmm_reach_end (4 GiB)
 * until vmm_init has direct-mapped all RAM and raised it. */

#define LOG_TAG "mm"
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include <osc/spinlock.h>
#include "frame_pool.h"

#define LOW_MEMORY_END   MiB(1)     /* real-mode area: never handed out */
#define BOOT_DIRECT_END  GiB(4)     /* boot.S direct-maps physical 0..4 GiB */
#define MAX_EXCLUDED     (4 + BOOT_MODULES_MAX)
#define LOW_RESERVE_FLOOR 0x1000    /* page 0: real-mode IVT and BIOS data */
#define LOW_RESERVED_MAX 4

extern char _kernel_phys_start[], _kernel_phys_end[];

/* pmm_lock protects pool and pmm_reach_end. Rank 80 (docs/locking.md): taken inside
 * the heap lock (60) and the page-table lock (70); takes no lock but the log's (90). */
static spinlock_t pmm_lock = SPINLOCK_INIT("pmm", 80);
static struct frame_pool pool;
static paddr_t pmm_reach_end = BOOT_DIRECT_END;
/* Ranges below 1 MiB given out by pmm_reserve_low (boot CPU, before the APs run). */
static struct phys_range low_reserved[LOW_RESERVED_MAX];
static size_t low_reserved_count;
static struct phys_range pool_meta;     /* the frame bitmap itself, set by pmm_init */

static size_t pmm_collect_excluded(struct phys_range *x)
{
    size_t n = 0;
    x[n++] = (struct phys_range){ (paddr_t)_kernel_phys_start, (paddr_t)_kernel_phys_end };
    x[n++] = (struct phys_range){ boot_info.info_start, boot_info.info_end };
    for (size_t i = 0; i < boot_info.module_count; i++)
        if (boot_info.modules[i].end > boot_info.modules[i].start)     /* not released */
            x[n++] = (struct phys_range){ boot_info.modules[i].start, boot_info.modules[i].end };
    if (boot_info.has_framebuffer) {
        const struct boot_framebuffer *fb = &boot_info.fb;
        x[n++] = (struct phys_range){ fb->addr, fb->addr + (paddr_t)fb->pitch * fb->height };
    }
    return n;
}

void pmm_init(void)
{
    struct phys_range usable[BOOT_MMAP_MAX];
    size_t nusable = 0;
    for (size_t i = 0; i < boot_info.mmap_count; i++) {
        const struct boot_mem_region *m = &boot_info.mmap[i];
        log_debug("memory map %#018llx-%#018llx type %u", (unsigned long long)m->base,
                  (unsigned long long)(m->base + m->length), m->type);
        if (m->type != BOOT_MEM_AVAILABLE || m->length == 0)
            continue;
        paddr_t end = m->base + m->length;
        if (end < m->base)
            end = ~0ull & ~(FRAME_SIZE - 1);    /* a wrapping entry: clamp */
        usable[nusable++] = (struct phys_range){ m->base, end };
    }
    size_t dropped = frame_pool_setup(&pool, usable, nusable, LOW_MEMORY_END);
    if (dropped)
        log_warn("%zu memory ranges beyond the %d-region limit ignored", dropped,
                 FRAME_POOL_MAX_REGIONS);

    struct phys_range excl[MAX_EXCLUDED];
    size_t nexcl = pmm_collect_excluded(excl);
    size_t meta_bytes = frame_pool_metadata_bytes(&pool);
    paddr_t meta = frame_pool_place_metadata(&pool, excl, nexcl, meta_bytes, BOOT_DIRECT_END);
    if (!meta)
        panic("no room below 4 GiB for the %zu-byte frame bitmap", meta_bytes);
    log_debug("frame bitmap: %zu bytes at %#llx", meta_bytes, (unsigned long long)meta);
    frame_pool_attach(&pool, phys_to_virt(meta));
    frame_pool_reserve(&pool, meta, meta + meta_bytes);
    pool_meta = (struct phys_range){ meta, meta + meta_bytes };
    for (size_t i = 0; i < nexcl; i++) {
        log_debug("reserved %#llx-%#llx", (unsigned long long)excl[i].start,
                  (unsigned long long)excl[i].end);
        frame_pool_reserve(&pool, excl[i].start, excl[i].end);
    }
    for (size_t i = 0; i < pool.count; i++)
        log_debug("region %#llx-%#llx: %zu free of %zu frames",
                  (unsigned long long)pool.regions[i].base,
                  (unsigned long long)(pool.regions[i].base + pool.regions[i].pages * FRAME_SIZE),
                  pool.regions[i].free, pool.regions[i].pages);
    log_info("physical memory: %llu MiB usable in %zu regions, %llu MiB free",
             (unsigned long long)(pool.total_pages * FRAME_SIZE >> 20), pool.count,
             (unsigned long long)(pool.free_pages * FRAME_SIZE >> 20));
}

void pmm_set_reachable_end(paddr_t end)
{
    unsigned long f = spin_lock_irqsave(&pmm_lock);
    pmm_reach_end = end;
    spin_unlock_irqrestore(&pmm_lock, f);
}

#define PMM_RECLAIM_MAX   64   /* larger runs rarely come free from scattered pages */
#define PMM_RECLAIM_EXTRA 32   /* reclaim ahead: the next misses need none */

paddr_t pmm_alloc_pages(size_t count)
{
    unsigned long f = spin_lock_irqsave(&pmm_lock);
    paddr_t p = frame_pool_alloc(&pool, count, pmm_reach_end);
    spin_unlock_irqrestore(&pmm_lock, f);
    /* The slow path: clean page cache pages nobody maps go back, then try again
     * (a no-op in an interrupt or under a spinlock). */
    if (!p && count <= PMM_RECLAIM_MAX && filepages_reclaim(count + PMM_RECLAIM_EXTRA)) {
        f = spin_lock_irqsave(&pmm_lock);
        p = frame_pool_alloc(&pool, count, pmm_reach_end);
        spin_unlock_irqrestore(&pmm_lock, f);
    }
    if (p)
        memset(phys_to_virt(p), 0, count * PAGE_SIZE);  /* ours alone now: no lock */
    return p;
}

paddr_t pmm_alloc_page(void)
{
    return pmm_alloc_pages(1);
}

void pmm_free_pages(paddr_t p, size_t count)
{
    unsigned long f = spin_lock_irqsave(&pmm_lock);
    int err = frame_pool_free(&pool, p, count);
    spin_unlock_irqrestore(&pmm_lock, f);
    /* A bad free is a kernel bug, but leaving the frames as they are is safe, so it
     * is reported rather than fatal. */
    if (err == -EFAULT)
        log_error("double free of frames %#llx (+%zu)", (unsigned long long)p, count);
    else if (err)
        log_error("free of unmanaged frames %#llx (+%zu)", (unsigned long long)p, count);
}

void pmm_free_page(paddr_t p)
{
    pmm_free_pages(p, 1);
}

size_t pmm_release_module(size_t i)
{
    if (i >= boot_info.module_count)
        return 0;
    struct boot_module *m = &boot_info.modules[i];
    if (m->end <= m->start)
        return 0;
    struct phys_range keep[MAX_EXCLUDED + 1];
    struct phys_range self = { m->start, m->end };
    m->end = m->start;          /* leaves pmm_collect_excluded's list */
    size_t n = pmm_collect_excluded(keep);
    keep[n++] = pool_meta;
    unsigned long f = spin_lock_irqsave(&pmm_lock);
    size_t freed = frame_pool_release(&pool, self.start, self.end, keep, n);
    spin_unlock_irqrestore(&pmm_lock, f);
    return freed;
}

size_t pmm_free_count(void)
{
    return __atomic_load_n(&pool.free_pages, __ATOMIC_RELAXED);
}

size_t pmm_total_count(void)
{
    return pool.total_pages;    /* fixed after pmm_init */
}

paddr_t pmm_ram_end(void)
{
    return frame_pool_end(&pool);
}

bool pmm_is_allocated(paddr_t p)
{
    unsigned long f = spin_lock_irqsave(&pmm_lock);
    bool used = frame_pool_is_used(&pool, p);
    spin_unlock_irqrestore(&pmm_lock, f);
    return used;
}

static bool ranges_overlap(paddr_t s, paddr_t e, const struct phys_range *r)
{
    return s < r->end && r->start < e;
}

/* True when [s, e) is RAM by the memory map (inside an available entry and touching
 * no other kind: firmware maps may overlap) and holds nothing the boot still uses. */
static bool low_range_free(paddr_t s, paddr_t e)
{
    bool in_ram = false;
    for (size_t i = 0; i < boot_info.mmap_count; i++) {
        const struct boot_mem_region *m = &boot_info.mmap[i];
        struct phys_range r = { m->base, m->base + m->length };
        if (m->type == BOOT_MEM_AVAILABLE && r.start <= s && e <= r.end)
            in_ram = true;
        else if (m->type != BOOT_MEM_AVAILABLE && ranges_overlap(s, e, &r))
            return false;
    }
    if (!in_ram)
        return false;
    struct phys_range excl[MAX_EXCLUDED];
    size_t n = pmm_collect_excluded(excl);
    for (size_t i = 0; i < n; i++)
        if (ranges_overlap(s, e, &excl[i]))
            return false;
    for (size_t i = 0; i < low_reserved_count; i++)
        if (ranges_overlap(s, e, &low_reserved[i]))
            return false;
    return true;
}

paddr_t pmm_reserve_low(size_t pages)
{
    if (pages == 0 || low_reserved_count == LOW_RESERVED_MAX)
        return 0;
    size_t len = pages * FRAME_SIZE;
    for (paddr_t s = LOW_RESERVE_FLOOR; s + len <= LOW_MEMORY_END; s += FRAME_SIZE) {
        if (!low_range_free(s, s + len))
            continue;
        low_reserved[low_reserved_count++] = (struct phys_range){ s, s + len };
        memset(phys_to_virt(s), 0, len);
        log_debug("reserved low memory %#llx-%#llx", (unsigned long long)s,
                  (unsigned long long)(s + len));
        return s;
    }
    return 0;
}
