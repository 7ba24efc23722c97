/* host-test: kernel/mm/frame_pool.c */
/* Frame pool (the physical allocator's core): regions, exclusions, runs, limits. */
#include <stdint.h>
#include <osc/errno.h>
#include "../../kernel/mm/frame_pool.h"
#include "check.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* Builds a pool over ranges, with bitmap storage from the heap (freed by pool_done). */
static void *pool_make(struct frame_pool *p, const struct phys_range *r, size_t n, paddr_t floor)
{
    frame_pool_setup(p, r, n, floor);
    void *meta = malloc(frame_pool_metadata_bytes(p) + 8);
    frame_pool_attach(p, meta);
    return meta;
}

static bool overlaps(paddr_t a, size_t pages, paddr_t s, paddr_t e)
{
    return a < e && s < a + pages * FRAME_SIZE;
}

TEST(pool_merges_sorts_and_page_aligns_regions)
{
    struct frame_pool p;
    struct phys_range r[] = {
        { 0x200000, 0x300800 },     /* touches the next one at an unaligned address */
        { 0x0, 0x9fc00 },           /* below the floor: dropped */
        { 0x300800, 0x400000 },
        { 0x100100, 0x180000 },     /* unaligned start: shrunk inward */
        { 0x150000, 0x170000 },     /* inside the previous one */
        { 5 * GIB, 5 * GIB + 0x1fff },
    };
    CHECK_EQ(frame_pool_setup(&p, r, 6, MIB), 0);
    CHECK_EQ(p.count, 3);
    CHECK_EQ(p.regions[0].base, 0x101000);
    CHECK_EQ(p.regions[0].pages, (0x180000 - 0x101000) / FRAME_SIZE);
    CHECK_EQ(p.regions[1].base, 0x200000);
    CHECK_EQ(p.regions[1].pages, 0x200000 / FRAME_SIZE);    /* the split page survived */
    CHECK_EQ(p.regions[2].base, 5 * GIB);
    CHECK_EQ(p.regions[2].pages, 1);
    CHECK_EQ(p.total_pages, p.regions[0].pages + p.regions[1].pages + 1);
    CHECK_EQ(frame_pool_end(&p), 5 * GIB + FRAME_SIZE);
}

TEST(pool_reports_ranges_beyond_the_region_limit)
{
    static struct phys_range r[FRAME_POOL_MAX_REGIONS + 5];
    for (size_t i = 0; i < ARRAY_SIZE(r); i++)
        r[i] = (struct phys_range){ (i + 1) * 2 * MIB, (i + 1) * 2 * MIB + MIB };
    struct frame_pool p;
    CHECK_EQ(frame_pool_setup(&p, r, ARRAY_SIZE(r), 0), 5);
    CHECK_EQ(p.count, FRAME_POOL_MAX_REGIONS);
}

TEST(pool_never_hands_out_excluded_frames)
{
    struct phys_range ram[] = { { 0, 0x9fc00 }, { MIB, 64 * MIB } };
    struct phys_range excl[] = {
        { 0x200000, 0x229000 },     /* kernel image */
        { 0x11db30, 0x11e4e8 },     /* multiboot2 info, straddling a page boundary */
        { 8 * MIB, 9 * MIB + 100 }, /* a module */
        { 0xfd000000, 0xfd300000 }, /* framebuffer, outside RAM */
    };
    struct frame_pool p;
    frame_pool_setup(&p, ram, 2, MIB);
    size_t bytes = frame_pool_metadata_bytes(&p);
    paddr_t meta = frame_pool_place_metadata(&p, excl, 4, bytes, 4 * GIB);
    CHECK(meta >= MIB);
    for (size_t k = 0; k < 4; k++)
        CHECK(!overlaps(meta, (bytes + FRAME_SIZE - 1) / FRAME_SIZE, excl[k].start, excl[k].end));
    void *buf = malloc(bytes);
    frame_pool_attach(&p, buf);
    frame_pool_reserve(&p, meta, meta + bytes);
    for (size_t k = 0; k < 4; k++)
        frame_pool_reserve(&p, excl[k].start, excl[k].end);
    frame_pool_reserve(&p, excl[0].start, excl[0].end);     /* twice: harmless */

    size_t expect = p.free_pages, got = 0;
    paddr_t a;
    while ((a = frame_pool_alloc(&p, 1, UINT64_MAX)) != 0) {
        got++;
        CHECK(a >= MIB && a < 64 * MIB);
        CHECK(!overlaps(a, 1, meta, meta + bytes));
        for (size_t k = 0; k < 4; k++)
            if (overlaps(a, 1, excl[k].start, excl[k].end))
                CHECK(!"excluded frame handed out");
    }
    CHECK_EQ(got, expect);
    CHECK_EQ(p.free_pages, 0);
    CHECK_EQ(p.total_pages, (64 * MIB - MIB) / FRAME_SIZE);
    free(buf);
}

TEST(pool_metadata_placement_respects_limit_and_exclusions)
{
    struct phys_range ram[] = { { MIB, 2 * MIB }, { 4 * GIB, 8 * GIB } };
    struct phys_range excl[] = { { MIB, MIB + 0x1000 } };
    struct frame_pool p;
    frame_pool_setup(&p, ram, 2, MIB);
    /* 8 KiB fits in the low region after the excluded page. */
    CHECK_EQ(frame_pool_place_metadata(&p, excl, 1, 0x2000, 4 * GIB), MIB + 0x1000);
    /* 2 MiB does not fit below 4 GiB: no place. */
    CHECK_EQ(frame_pool_place_metadata(&p, excl, 1, 2 * MIB, 4 * GIB), 0);
    /* Without the limit it goes high. */
    CHECK_EQ(frame_pool_place_metadata(&p, excl, 1, 2 * MIB, UINT64_MAX), 4 * GIB);
}

TEST(pool_counts_and_reaches_ram_above_4gib)
{
    struct phys_range ram[] = { { MIB, 3 * MIB }, { 4 * GIB, 6 * GIB } };
    struct frame_pool p;
    void *meta = pool_make(&p, ram, 2, MIB);
    CHECK_EQ(p.total_pages, (2 * MIB + 2 * GIB) / FRAME_SIZE);
    CHECK_EQ(p.free_pages, p.total_pages);

    /* Below the limit only the low region serves, then allocation fails... */
    size_t low = 0;
    while (frame_pool_alloc(&p, 1, 4 * GIB))
        low++;
    CHECK_EQ(low, 2 * MIB / FRAME_SIZE);
    CHECK_EQ(frame_pool_alloc(&p, 1, 4 * GIB), 0);
    /* ...and once the limit is raised, RAM above 4 GiB is used, up to its last frame. */
    CHECK_EQ(frame_pool_alloc(&p, 1, UINT64_MAX), 4 * GIB);
    paddr_t big = frame_pool_alloc(&p, 2 * GIB / FRAME_SIZE - 1, UINT64_MAX);
    CHECK_EQ(big, 4 * GIB + FRAME_SIZE);
    CHECK(frame_pool_is_used(&p, 6 * GIB - FRAME_SIZE));
    CHECK_EQ(p.free_pages, 0);
    CHECK_EQ(frame_pool_alloc(&p, 1, UINT64_MAX), 0);
    free(meta);
}

TEST(pool_gives_contiguous_runs_and_skips_holes)
{
    struct phys_range ram[] = { { MIB, MIB + 64 * FRAME_SIZE * 4 } };
    struct frame_pool p;
    void *meta = pool_make(&p, ram, 1, MIB);
    size_t n = p.total_pages;
    paddr_t all = frame_pool_alloc(&p, n, UINT64_MAX);
    CHECK_EQ(all, MIB);
    /* Free every other frame: plenty free, but no run of 2. */
    for (size_t i = 0; i < n; i += 2)
        CHECK_EQ(frame_pool_free(&p, MIB + i * FRAME_SIZE, 1), 0);
    CHECK_EQ(p.free_pages, n / 2);
    CHECK_EQ(frame_pool_alloc(&p, 2, UINT64_MAX), 0);
    /* Free frames 101 and 103: 100..104 is now a run of 5 (100, 102, 104 were free). */
    CHECK_EQ(frame_pool_free(&p, MIB + 101 * FRAME_SIZE, 1), 0);
    CHECK_EQ(frame_pool_free(&p, MIB + 103 * FRAME_SIZE, 1), 0);
    paddr_t run = frame_pool_alloc(&p, 5, UINT64_MAX);
    CHECK_EQ(run, MIB + 100 * FRAME_SIZE);
    for (size_t i = 100; i < 105; i++)
        CHECK(frame_pool_is_used(&p, MIB + i * FRAME_SIZE));
    CHECK_EQ(frame_pool_alloc(&p, 3, UINT64_MAX), 0);
    /* A run never exceeds the limit. */
    CHECK_EQ(frame_pool_free(&p, run, 5), 0);
    CHECK_EQ(frame_pool_alloc(&p, 5, MIB + 104 * FRAME_SIZE), 0);
    CHECK_EQ(frame_pool_alloc(&p, 5, MIB + 105 * FRAME_SIZE), run);
    free(meta);
}

TEST(pool_runs_do_not_cross_regions)
{
    struct phys_range ram[] = { { MIB, MIB + 4 * FRAME_SIZE }, { 2 * MIB, 2 * MIB + 4 * FRAME_SIZE } };
    struct frame_pool p;
    void *meta = pool_make(&p, ram, 2, MIB);
    CHECK_EQ(frame_pool_alloc(&p, 5, UINT64_MAX), 0);
    CHECK_EQ(frame_pool_alloc(&p, 3, UINT64_MAX), MIB);
    CHECK_EQ(frame_pool_alloc(&p, 2, UINT64_MAX), 2 * MIB);
    CHECK_EQ(frame_pool_alloc(&p, 1, UINT64_MAX), MIB + 3 * FRAME_SIZE);
    free(meta);
}

TEST(pool_free_round_trip_and_bad_frees_leave_it_unchanged)
{
    struct phys_range ram[] = { { MIB, 2 * MIB } };
    struct frame_pool p;
    void *meta = pool_make(&p, ram, 1, MIB);
    size_t before = p.free_pages;
    paddr_t a = frame_pool_alloc(&p, 10, UINT64_MAX);
    paddr_t b = frame_pool_alloc(&p, 1, UINT64_MAX);
    CHECK(a && b && b == a + 10 * FRAME_SIZE);
    CHECK_EQ(p.free_pages, before - 11);
    CHECK_EQ(frame_pool_free(&p, a + 0x10, 1), -EINVAL);       /* unaligned */
    CHECK_EQ(frame_pool_free(&p, 64 * MIB, 1), -EINVAL);       /* not managed */
    CHECK_EQ(frame_pool_free(&p, a, 300), -EINVAL);            /* runs off the region */
    CHECK_EQ(frame_pool_free(&p, a + 5 * FRAME_SIZE, 5), 0);
    CHECK_EQ(frame_pool_free(&p, a, 6), -EFAULT);              /* frame 5 already free */
    CHECK(frame_pool_is_used(&p, a));                           /* unchanged by the failure */
    CHECK_EQ(frame_pool_free(&p, a, 5), 0);
    CHECK_EQ(frame_pool_free(&p, b, 1), 0);
    CHECK_EQ(frame_pool_free(&p, b, 1), -EFAULT);
    CHECK_EQ(p.free_pages, before);
    /* Lowest-first: the same frames come back. */
    CHECK_EQ(frame_pool_alloc(&p, 11, UINT64_MAX), a);
    CHECK_EQ(frame_pool_alloc(&p, 0, UINT64_MAX), 0);
    CHECK_EQ(frame_pool_free(&p, a, 0), 0);
    free(meta);
}

TEST(pool_release_frees_a_module_but_not_the_pages_it_shares)
{
    struct phys_range ram[] = { { MIB, 64 * MIB } };
    struct frame_pool p;
    void *meta = pool_make(&p, ram, 1, MIB);
    /* A module sharing its first page with the boot information and its last one
     * with a second module, as a loader may pack them. */
    struct phys_range mod = { 8 * MIB + 0x800, 40 * MIB + 0x100 };
    struct phys_range keep[] = { { 8 * MIB, 8 * MIB + 0x800 }, { 40 * MIB + 0x100, 41 * MIB } };
    size_t before = p.free_pages;
    frame_pool_reserve(&p, mod.start, mod.end);
    frame_pool_reserve(&p, keep[0].start, keep[0].end);
    frame_pool_reserve(&p, keep[1].start, keep[1].end);
    size_t reserved = before - p.free_pages;
    paddr_t low = frame_pool_alloc(&p, 1, UINT64_MAX);
    CHECK_EQ(low, MIB);
    size_t freed = frame_pool_release(&p, mod.start, mod.end, keep, 2);
    CHECK_EQ(freed, (40 * MIB - 8 * MIB) / FRAME_SIZE - 1);
    CHECK_EQ(p.free_pages, before - reserved - 1 + freed);
    CHECK(frame_pool_is_used(&p, 8 * MIB));             /* shared with keep[0] */
    CHECK(frame_pool_is_used(&p, 40 * MIB));            /* shared with keep[1] */
    CHECK(!frame_pool_is_used(&p, 8 * MIB + FRAME_SIZE));
    CHECK(!frame_pool_is_used(&p, 40 * MIB - FRAME_SIZE));
    CHECK(frame_pool_is_used(&p, low));                 /* not in the range: untouched */
    /* Releasing again frees nothing; the freed run serves one contiguous allocation. */
    CHECK_EQ(frame_pool_release(&p, mod.start, mod.end, keep, 2), 0);
    paddr_t run = frame_pool_alloc(&p, freed, UINT64_MAX);
    CHECK_EQ(run, 8 * MIB + FRAME_SIZE);
    CHECK_EQ(frame_pool_free(&p, run, freed), 0);
    /* A range beyond every region is ignored. */
    CHECK_EQ(frame_pool_release(&p, 100 * MIB, 200 * MIB, NULL, 0), 0);
    free(meta);
}
