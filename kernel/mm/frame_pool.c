/* Frame pool: bitmap bookkeeping of physical frames over a sorted region list. Pure
 * logic (no locks, no hardware), shared by the kernel's pmm.c and the host tests.
 * Allocation is lowest-address first, so early boot stays in low memory. */

#include <osc/errno.h>
#include <osc/lib.h>
#include "frame_pool.h"

#define BITS_PER_WORD 64

static size_t bitmap_words(size_t pages) { return (pages + BITS_PER_WORD - 1) / BITS_PER_WORD; }

static bool bit_test(const uint64_t *bm, size_t i) { return (bm[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1; }
static void bit_set(uint64_t *bm, size_t i) { bm[i / BITS_PER_WORD] |= 1ull << (i % BITS_PER_WORD); }
static void bit_clear(uint64_t *bm, size_t i) { bm[i / BITS_PER_WORD] &= ~(1ull << (i % BITS_PER_WORD)); }

static paddr_t region_end(const struct frame_region *r) { return r->base + r->pages * FRAME_SIZE; }

size_t frame_pool_setup(struct frame_pool *p, const struct phys_range *usable, size_t n,
                        paddr_t floor)
{
    struct phys_range tmp[2 * FRAME_POOL_MAX_REGIONS];   /* raw ranges before merging */
    size_t count = 0, dropped = 0;

    memset(p, 0, sizeof(*p));
    /* Address 0 is the allocator's failure value, so frame 0 is never managed. */
    if (floor < FRAME_SIZE)
        floor = FRAME_SIZE;

    /* Insertion sort of the clipped ranges, merging overlapping or touching ones
     * before page alignment so that a page split between two entries survives. */
    for (size_t i = 0; i < n; i++) {
        paddr_t s = MAX(usable[i].start, floor), e = usable[i].end;
        if (e <= s)
            continue;
        size_t k = 0;
        while (k < count && tmp[k].start < s)
            k++;
        if (count == ARRAY_SIZE(tmp)) {
            dropped++;
            continue;
        }
        memmove(&tmp[k + 1], &tmp[k], (count - k) * sizeof(tmp[0]));
        tmp[k] = (struct phys_range){ s, e };
        count++;
    }
    size_t merged = 0;
    for (size_t i = 0; i < count; i++) {
        if (merged && tmp[i].start <= tmp[merged - 1].end)
            tmp[merged - 1].end = MAX(tmp[merged - 1].end, tmp[i].end);
        else
            tmp[merged++] = tmp[i];
    }
    for (size_t i = 0; i < merged; i++) {
        paddr_t s = ALIGN_UP(tmp[i].start, FRAME_SIZE), e = ALIGN_DOWN(tmp[i].end, FRAME_SIZE);
        if (e <= s)
            continue;
        if (p->count == FRAME_POOL_MAX_REGIONS) {
            dropped++;
            continue;
        }
        struct frame_region *r = &p->regions[p->count++];
        r->base = s;
        r->pages = (e - s) / FRAME_SIZE;
        p->total_pages += r->pages;
    }
    return dropped;
}

size_t frame_pool_metadata_bytes(const struct frame_pool *p)
{
    size_t bytes = 0;
    for (size_t i = 0; i < p->count; i++)
        bytes += bitmap_words(p->regions[i].pages) * sizeof(uint64_t);
    return bytes;
}

paddr_t frame_pool_place_metadata(const struct frame_pool *p, const struct phys_range *excl,
                                  size_t nexcl, size_t bytes, paddr_t limit)
{
    size_t len = ALIGN_UP((paddr_t)bytes, FRAME_SIZE);
    for (size_t i = 0; i < p->count; i++) {
        const struct frame_region *r = &p->regions[i];
        paddr_t cand = r->base;
        /* Each pass either returns or moves cand past an excluded range, so the
         * loop ends. */
        for (;;) {
            paddr_t end = cand + len;
            if (end > region_end(r) || end > limit)
                break;
            bool clash = false;
            for (size_t k = 0; k < nexcl; k++) {
                paddr_t xs = ALIGN_DOWN(excl[k].start, FRAME_SIZE);
                paddr_t xe = ALIGN_UP(excl[k].end, FRAME_SIZE);
                if (xs < end && cand < xe) {
                    cand = xe;
                    clash = true;
                    break;
                }
            }
            if (!clash)
                return cand;
        }
    }
    return 0;
}

void frame_pool_attach(struct frame_pool *p, void *meta)
{
    uint64_t *words = meta;
    memset(meta, 0, frame_pool_metadata_bytes(p));
    p->free_pages = 0;
    for (size_t i = 0; i < p->count; i++) {
        struct frame_region *r = &p->regions[i];
        r->bitmap = words;
        words += bitmap_words(r->pages);
        r->free = r->pages;
        r->hint = 0;
        p->free_pages += r->pages;
    }
}

static bool frame_touches(paddr_t a, const struct phys_range *keep, size_t nkeep)
{
    for (size_t k = 0; k < nkeep; k++)
        if (a < keep[k].end && keep[k].start < a + FRAME_SIZE)
            return true;
    return false;
}

/* Marks every frame touching [start, end) used or free, except frames touching a
 * keep range; returns how many changed. */
static size_t mark_range(struct frame_pool *p, paddr_t start, paddr_t end, bool used,
                         const struct phys_range *keep, size_t nkeep)
{
    size_t changed = 0;
    start = ALIGN_DOWN(start, FRAME_SIZE);
    end = ALIGN_UP(end, FRAME_SIZE);
    for (size_t i = 0; i < p->count; i++) {
        struct frame_region *r = &p->regions[i];
        paddr_t s = MAX(start, r->base), e = MIN(end, region_end(r));
        for (paddr_t a = s; a < e; a += FRAME_SIZE) {
            size_t idx = (a - r->base) / FRAME_SIZE;
            if (bit_test(r->bitmap, idx) == used || frame_touches(a, keep, nkeep))
                continue;
            if (used) {
                bit_set(r->bitmap, idx);
                r->free--;
                p->free_pages--;
            } else {
                bit_clear(r->bitmap, idx);
                r->free++;
                p->free_pages++;
                if (idx < r->hint)
                    r->hint = idx;
            }
            changed++;
        }
    }
    return changed;
}

void frame_pool_reserve(struct frame_pool *p, paddr_t start, paddr_t end)
{
    mark_range(p, start, end, true, NULL, 0);
}

size_t frame_pool_release(struct frame_pool *p, paddr_t start, paddr_t end,
                          const struct phys_range *keep, size_t nkeep)
{
    return mark_range(p, start, end, false, keep, nkeep);
}

/* First index >= r->hint of count free frames ending at or below max; max on none. */
static size_t region_find_run(const struct frame_region *r, size_t count, size_t max)
{
    size_t i = r->hint;
    while (i + count <= max) {
        if (bit_test(r->bitmap, i)) {
            /* Skip a whole full word at once when aligned on it. */
            if (i % BITS_PER_WORD == 0 && r->bitmap[i / BITS_PER_WORD] == ~0ull)
                i += BITS_PER_WORD;
            else
                i++;
            continue;
        }
        size_t j = i + 1;
        while (j < i + count && !bit_test(r->bitmap, j))
            j++;
        if (j == i + count)
            return i;
        i = j + 1;      /* frame j is used: no run can start at or before it */
    }
    return max;
}

paddr_t frame_pool_alloc(struct frame_pool *p, size_t count, paddr_t limit)
{
    if (count == 0 || count > p->free_pages)
        return 0;
    for (size_t i = 0; i < p->count; i++) {
        struct frame_region *r = &p->regions[i];
        if (r->base >= limit)
            break;
        if (r->free < count)
            continue;
        size_t max = r->pages;
        if (region_end(r) > limit)
            max = (limit - r->base) / FRAME_SIZE;
        size_t idx = region_find_run(r, count, max);
        if (idx == max)
            continue;
        for (size_t k = idx; k < idx + count; k++)
            bit_set(r->bitmap, k);
        if (idx == r->hint)
            r->hint = idx + count;
        r->free -= count;
        p->free_pages -= count;
        return r->base + idx * FRAME_SIZE;
    }
    return 0;
}

static struct frame_region *pool_region_of(const struct frame_pool *p, paddr_t addr)
{
    for (size_t i = 0; i < p->count; i++) {
        const struct frame_region *r = &p->regions[i];
        if (addr >= r->base && addr < region_end(r))
            return (struct frame_region *)r;
    }
    return NULL;
}

int frame_pool_free(struct frame_pool *p, paddr_t base, size_t count)
{
    if (count == 0)
        return 0;
    struct frame_region *r = pool_region_of(p, base);
    if (!r || !IS_ALIGNED(base, FRAME_SIZE))
        return -EINVAL;
    size_t idx = (base - r->base) / FRAME_SIZE;
    if (count > r->pages - idx)
        return -EINVAL;
    for (size_t k = idx; k < idx + count; k++)
        if (!bit_test(r->bitmap, k))
            return -EFAULT;
    for (size_t k = idx; k < idx + count; k++)
        bit_clear(r->bitmap, k);
    r->free += count;
    p->free_pages += count;
    if (idx < r->hint)
        r->hint = idx;
    return 0;
}

bool frame_pool_is_used(const struct frame_pool *p, paddr_t addr)
{
    const struct frame_region *r = pool_region_of(p, addr);
    return r && bit_test(r->bitmap, (addr - r->base) / FRAME_SIZE);
}

paddr_t frame_pool_end(const struct frame_pool *p)
{
    return p->count ? region_end(&p->regions[p->count - 1]) : 0;
}
