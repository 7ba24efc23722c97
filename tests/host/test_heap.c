/* host-test: kernel/mm/slab.c */
/* Slab heap core: size classes, alignment, exhaustion, reuse, large blocks, bad frees. */
#include <stdint.h>
#include <osc/errno.h>
#include "../../kernel/mm/slab.h"
#include "check.h"

/* A page source over a fixed arena, so exhaustion is real and freed pages stay
 * readable (the heap reads a page header to judge a bad free). */
#define ARENA_PAGES 64
struct arena {
    char *base;
    bool used[ARENA_PAGES];
    size_t limit;           /* pages it may hand out in total (budget) */
    size_t in_use;
};

static void *arena_alloc(size_t pages, void *ctx)
{
    struct arena *a = ctx;
    if (a->in_use + pages > a->limit)
        return NULL;
    for (size_t i = 0; i + pages <= ARENA_PAGES; i++) {
        size_t k = 0;
        while (k < pages && !a->used[i + k])
            k++;
        if (k == pages) {
            for (k = 0; k < pages; k++)
                a->used[i + k] = true;
            a->in_use += pages;
            char *p = a->base + i * SLAB_PAGE_SIZE;
            memset(p, 0xa5, pages * SLAB_PAGE_SIZE);   /* pages are not zeroed by contract */
            return p;
        }
    }
    return NULL;
}

static void arena_free(void *p, size_t pages, void *ctx)
{
    struct arena *a = ctx;
    size_t i = ((char *)p - a->base) / SLAB_PAGE_SIZE;
    for (size_t k = 0; k < pages; k++) {
        CHECK(a->used[i + k]);
        a->used[i + k] = false;
    }
    a->in_use -= pages;
}

static struct arena arena;
static struct slab_heap heap;

static void heap_setup(size_t limit)
{
    free(arena.base);
    memset(&arena, 0, sizeof(arena));
    arena.base = aligned_alloc(SLAB_PAGE_SIZE, ARENA_PAGES * SLAB_PAGE_SIZE);
    arena.limit = limit;
    struct slab_page_source src = { arena_alloc, arena_free, &arena };
    slab_heap_init(&heap, &src);
}

TEST(heap_rounds_sizes_to_power_of_two_classes_16_byte_aligned)
{
    heap_setup(ARENA_PAGES);
    size_t sizes[] = { 0, 1, 15, 16, 17, 31, 33, 64, 100, 129, 500, 1000, 1024, 1025, 2048 };
    size_t want[] = { 16, 16, 16, 16, 32, 32, 64, 64, 128, 256, 512, 1024, 1024, 2048, 2048 };
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        void *p = slab_heap_alloc(&heap, sizes[i]);
        CHECK(p != NULL);
        CHECK_EQ((uintptr_t)p % 16, 0);
        CHECK_EQ(slab_heap_block_size(p), want[i]);
        memset(p, 0x11, sizes[i]);
        CHECK_EQ(slab_heap_free(&heap, p), 0);
    }
    CHECK_EQ(heap.bytes_in_use, 0);
}

TEST(heap_exhaustion_returns_null_and_free_gives_pages_back)
{
    heap_setup(8);
    void *blocks[64];
    size_t n = 0;
    while (n < ARRAY_SIZE(blocks) && (blocks[n] = slab_heap_alloc(&heap, 1000)) != NULL)
        n++;
    CHECK_EQ(n, 8 * 3);                         /* 3 objects of 1024 per page */
    CHECK(slab_heap_alloc(&heap, 1000) == NULL);
    CHECK(slab_heap_alloc(&heap, 10000) == NULL);
    CHECK(slab_heap_alloc(&heap, SIZE_MAX) == NULL);
    CHECK(slab_heap_alloc(&heap, SIZE_MAX - 8) == NULL);
    CHECK_EQ(heap.pages_held, 8);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(slab_heap_free(&heap, blocks[i]), 0);
    CHECK_EQ(heap.bytes_in_use, 0);
    CHECK_EQ(heap.pages_held, 1);               /* one empty slab kept per cache */
    CHECK_EQ(arena.in_use, 1);
    /* Memory came back: other classes can use it. */
    CHECK(slab_heap_alloc(&heap, 5000) != NULL);
}

TEST(heap_reuses_a_freed_block)
{
    heap_setup(ARENA_PAGES);
    void *a = slab_heap_alloc(&heap, 48);
    void *b = slab_heap_alloc(&heap, 48);
    CHECK(a != b);
    CHECK_EQ(slab_heap_free(&heap, a), 0);
    CHECK(slab_heap_alloc(&heap, 64) == a);
    CHECK_EQ(heap.pages_held, 1);
}

TEST(heap_large_blocks_take_whole_pages)
{
    heap_setup(ARENA_PAGES);
    char *p = slab_heap_alloc(&heap, 3 * SLAB_PAGE_SIZE);
    CHECK(p != NULL);
    CHECK_EQ((uintptr_t)p % 16, 0);
    CHECK_EQ(heap.pages_held, 4);               /* the header pushes it to 4 pages */
    CHECK(slab_heap_block_size(p) >= 3 * SLAB_PAGE_SIZE);
    memset(p, 0x5a, 3 * SLAB_PAGE_SIZE);
    char *q = slab_heap_alloc(&heap, 2049);
    CHECK(q != NULL && slab_heap_block_size(q) == SLAB_PAGE_SIZE - SLAB_LARGE_HEADER);
    CHECK_EQ(slab_heap_free(&heap, p), 0);
    CHECK_EQ(slab_heap_free(&heap, q), 0);
    CHECK_EQ(heap.pages_held, 1);               /* q's page is kept, p's 4 went back */
    CHECK_EQ(heap.bytes_in_use, 0);
    slab_heap_trim(&heap);
    CHECK_EQ(heap.pages_held, 0);
    CHECK_EQ(arena.in_use, 0);
}

TEST(heap_keeps_a_few_small_large_blocks_for_the_next_request)
{
    heap_setup(ARENA_PAGES);
    char *a[SLAB_KEEP + 1];
    for (int i = 0; i <= SLAB_KEEP; i++)
        CHECK((a[i] = slab_heap_alloc(&heap, 4096)) != NULL);      /* 2 pages each */
    CHECK_EQ(heap.pages_held, 2 * (SLAB_KEEP + 1));
    for (int i = 0; i <= SLAB_KEEP; i++)
        CHECK_EQ(slab_heap_free(&heap, a[i]), 0);
    CHECK_EQ(heap.pages_held, 2 * SLAB_KEEP);   /* one past the limit went back */
    CHECK_EQ(heap.bytes_in_use, 0);
    CHECK_EQ(slab_heap_free(&heap, a[0]), -EFAULT);     /* kept, still a double free */
    CHECK_EQ(slab_heap_block_size(a[1]), 0);
    /* The last one freed comes back first, from the heap, not the page source. */
    size_t from_src = arena.in_use;
    char *b = slab_heap_alloc(&heap, 5000);     /* also 2 pages with the header */
    CHECK(b == a[SLAB_KEEP - 1]);
    CHECK_EQ(arena.in_use, from_src);
    CHECK_EQ(slab_heap_block_size(b), 2 * SLAB_PAGE_SIZE - SLAB_LARGE_HEADER);
    memset(b, 0x77, 5000);
    CHECK_EQ(slab_heap_free(&heap, b), 0);
}

TEST(heap_gives_kept_blocks_back_when_the_source_runs_out)
{
    heap_setup(8);
    char *a[4];
    for (int i = 0; i < 4; i++)
        CHECK((a[i] = slab_heap_alloc(&heap, 4096)) != NULL);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(slab_heap_free(&heap, a[i]), 0);
    CHECK_EQ(arena.in_use, 8);                  /* all kept */
    char *big = slab_heap_alloc(&heap, 6 * SLAB_PAGE_SIZE);
    CHECK(big != NULL);
    CHECK_EQ(heap.pages_held, 7);
    CHECK_EQ(slab_heap_free(&heap, big), 0);
}

TEST(heap_detects_double_free_and_foreign_pointers)
{
    heap_setup(ARENA_PAGES);
    char *a = slab_heap_alloc(&heap, 32);
    char *keep = slab_heap_alloc(&heap, 32);    /* keeps the slab alive */
    CHECK_EQ(slab_heap_free(&heap, a), 0);
    CHECK_EQ(slab_heap_free(&heap, a), -EFAULT);
    CHECK_EQ(slab_heap_free(&heap, keep + 8), -EINVAL);       /* inside an object */
    size_t used = heap.bytes_in_use;
    /* Live data that looks like the free hint is not mistaken for a double free. */
    memset(keep, 0xee, 32);
    memcpy(keep + 8, &(uint64_t){ 0xf4eef4eef4eef4eeull }, 8);
    CHECK_EQ(slab_heap_free(&heap, keep), 0);
    CHECK_EQ(heap.bytes_in_use, used - 32);

    char *big = slab_heap_alloc(&heap, 9000);
    CHECK_EQ(slab_heap_free(&heap, big + 16), -EINVAL);
    CHECK_EQ(slab_heap_free(&heap, big), 0);
    CHECK_EQ(slab_heap_free(&heap, big), -EFAULT);

    /* A page-aligned buffer that the heap never saw. */
    char *foreign = aligned_alloc(SLAB_PAGE_SIZE, SLAB_PAGE_SIZE);
    memset(foreign, 0, SLAB_PAGE_SIZE);
    CHECK_EQ(slab_heap_free(&heap, foreign + 64), -EINVAL);
    CHECK_EQ(slab_heap_free(&heap, foreign + 16), -EINVAL);
    CHECK_EQ(slab_heap_block_size(foreign + 64), 0);
    free(foreign);
}

TEST(heap_random_stress_keeps_contents_intact)
{
    heap_setup(ARENA_PAGES);
    enum { SLOTS = 256 };
    static char *ptr[SLOTS];
    static size_t len[SLOTS];
    memset(ptr, 0, sizeof(ptr));
    uint32_t seed = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 1103515245 + 12345;
        int i = (seed >> 8) % SLOTS;
        if (ptr[i]) {
            for (size_t k = 0; k < len[i]; k++)
                if ((unsigned char)ptr[i][k] != (unsigned char)(i + k)) {
                    CHECK(!"block contents changed");
                    break;
                }
            CHECK_EQ(slab_heap_free(&heap, ptr[i]), 0);
            ptr[i] = NULL;
        } else {
            seed = seed * 1103515245 + 12345;
            len[i] = (seed >> 8) % ((seed & 0x10000) ? 9000 : 300);
            ptr[i] = slab_heap_alloc(&heap, len[i]);
            if (ptr[i])         /* the 64-page arena may run out: that is allowed */
                for (size_t k = 0; k < len[i]; k++)
                    ptr[i][k] = (char)(i + k);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (ptr[i])
            CHECK_EQ(slab_heap_free(&heap, ptr[i]), 0);
    CHECK_EQ(heap.bytes_in_use, 0);
    CHECK(heap.pages_held <= SLAB_CLASSES + SLAB_KEEP * 3);    /* + kept 1- and 2-page blocks */
    free(arena.base);
    arena.base = NULL;
}
