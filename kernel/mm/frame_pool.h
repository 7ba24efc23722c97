/* Frame pool: the pure bookkeeping behind the physical allocator (pmm.c). One bitmap
 * per usable RAM region, bit set = frame in use. No hardware access and no locking
 * here, so tests/host/test_pmm.c runs the same code; pmm.c adds the lock. */
#pragma once

#include <osc/types.h>

#define FRAME_SIZE               4096ull
#define FRAME_POOL_MAX_REGIONS   64

/* Half-open physical range [start, end). */
struct phys_range {
    paddr_t start, end;
};

struct frame_region {
    paddr_t base;           /* page-aligned */
    size_t pages;
    size_t free;            /* clear bits in bitmap */
    size_t hint;            /* no free frame below this index */
    uint64_t *bitmap;       /* ceil(pages / 64) words; bit set = used */
};

struct frame_pool {
    struct frame_region regions[FRAME_POOL_MAX_REGIONS];   /* sorted by base, disjoint */
    size_t count;
    size_t total_pages;     /* every frame in a region (usable RAM above the floor) */
    size_t free_pages;
};

/* Step 1: the region list from usable ranges (any order, may overlap or touch; they
 * are merged), shrunk inward to page boundaries and clipped to [floor, ...). Ranges
 * beyond FRAME_POOL_MAX_REGIONS are dropped (reported by the return value: the number
 * of ranges that did not fit). */
size_t frame_pool_setup(struct frame_pool *p, const struct phys_range *usable, size_t n,
                        paddr_t floor);
/* Bytes of bitmap the pool needs (each region's bitmap 8-byte aligned). */
size_t frame_pool_metadata_bytes(const struct frame_pool *p);
/* Step 2: a page-aligned spot for the metadata: inside one region, below limit, not
 * overlapping any excluded range. Returns 0 when there is none. */
paddr_t frame_pool_place_metadata(const struct frame_pool *p, const struct phys_range *excl,
                                  size_t nexcl, size_t bytes, paddr_t limit);
/* Step 3: hands the pool its bitmap storage (frame_pool_metadata_bytes long, zeroed
 * here); every frame starts free. */
void frame_pool_attach(struct frame_pool *p, void *meta);
/* Marks every frame touching [start, end) as used (not counted as free). Frames
 * outside the regions are ignored; reserving twice is harmless. */
void frame_pool_reserve(struct frame_pool *p, paddr_t start, paddr_t end);

/* Gives back what frame_pool_reserve took for [start, end) once its contents are no
 * longer needed (a boot module after unpacking): every used frame touching it is
 * freed, except frames touching one of the nkeep ranges in keep (what still shares
 * a page with it). Frames outside the regions are ignored. Returns the count freed. */
size_t frame_pool_release(struct frame_pool *p, paddr_t start, paddr_t end,
                          const struct phys_range *keep, size_t nkeep);

/* Lowest run of count contiguous free frames ending at or below limit; returns its
 * physical address (marked used), or 0 when none exists. */
paddr_t frame_pool_alloc(struct frame_pool *p, size_t count, paddr_t limit);
/* Frees count frames at base. All-or-nothing: returns -EINVAL when base is unaligned
 * or the run is not inside one region, -EFAULT when some frame is already free
 * (a double free); the pool is unchanged in both cases. */
int frame_pool_free(struct frame_pool *p, paddr_t base, size_t count);
/* True when the frame holding addr is in a region and in use. */
bool frame_pool_is_used(const struct frame_pool *p, paddr_t addr);
/* End of the highest region (0 when empty). */
paddr_t frame_pool_end(const struct frame_pool *p);
