/* Slab heap core: power-of-two object caches (16..2048 bytes) in single-page slabs,
 * and page-granular "large" blocks (a few small ones kept after a free for the next
 * request), over an injected page source. Pure logic without locks, shared by the
 * kernel heap (heap.c, which adds the lock) and the host tests. */
#pragma once

#include <osc/types.h>

#define SLAB_PAGE_SIZE   4096ul
#define SLAB_MIN_SHIFT   4                  /* 16-byte objects */
#define SLAB_MAX_SHIFT   11                 /* 2048-byte objects */
#define SLAB_CLASSES     (SLAB_MAX_SHIFT - SLAB_MIN_SHIFT + 1)
#define SLAB_HEADER_SIZE 64                 /* objects start here: 16-byte aligned */
#define SLAB_LARGE_HEADER 16                /* before a large block's payload */
/* Freed large blocks of up to SLAB_KEEP_PAGES pages, SLAB_KEEP of each size, stay
 * with the heap: a 4 KiB buffer (a path, a bounce) is two pages, and taking them
 * from the page source each time cost a zeroing of 8 KiB and its lock. */
#define SLAB_KEEP_PAGES  2
#define SLAB_KEEP        4

/* Where pages come from: page-aligned, physically contiguous runs (or NULL). */
struct slab_page_source {
    void *(*alloc)(size_t pages, void *ctx);
    void (*free)(void *pages_start, size_t pages, void *ctx);
    void *ctx;
};

struct slab;
struct large;

struct slab_cache {
    size_t size;                /* object size, a power of two */
    struct slab *partial;       /* slabs with at least one free object (empty ones too) */
    struct slab *full;          /* slabs with none */
    size_t empty;               /* slabs on `partial` with no object in use: at most 1 kept */
};

struct slab_heap {
    struct slab_page_source src;
    struct slab_cache caches[SLAB_CLASSES];
    size_t bytes_in_use;        /* object sizes (rounded to the class) + large payloads */
    size_t pages_held;          /* pages taken from src and not returned (kept ones too) */
    struct large *kept[SLAB_KEEP_PAGES];        /* freed large blocks by pages - 1 */
    unsigned nkept[SLAB_KEEP_PAGES];
};

void slab_heap_init(struct slab_heap *h, const struct slab_page_source *src);
/* 16-byte aligned block of at least size bytes (size 0 gives a 16-byte block), or
 * NULL when the page source is exhausted or size is absurd. */
void *slab_heap_alloc(struct slab_heap *h, size_t size);
/* 0 when freed; -EINVAL when p is not a block of this heap (detected where cheap:
 * header magic, object boundaries); -EFAULT on a double free. The heap is unchanged
 * on error. p must lie in memory the heap could have handed out (its page is read). */
int slab_heap_free(struct slab_heap *h, void *p);
/* Gives every kept large block back to the page source. */
void slab_heap_trim(struct slab_heap *h);
/* The usable size of a live block (its class or large payload); 0 when p is not one. */
size_t slab_heap_block_size(const void *p);
