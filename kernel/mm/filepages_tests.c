/* In-kernel self-tests of the file page store: bytes round-trip through read and
 * write, holes and truncated tails read as zeros, and a frame a mapping still holds
 * survives truncation and the store's end, then goes back to the pool. */

#define LOG_TAG "mm"
#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/mm.h>

KTEST(filepages_write_read_round_trip_with_a_hole_reading_zeros)
{
    struct filepages *fp = filepages_create();
    KT_ASSERT(fp != NULL);
    KT_ASSERT_EQ(filepages_write(fp, "abc", 3, 2 * PAGE_SIZE + 10), 3);
    KT_ASSERT_EQ(filepages_size(fp), 2 * PAGE_SIZE + 13);
    char buf[16];
    memset(buf, 0x55, sizeof(buf));
    KT_ASSERT_EQ(filepages_read(fp, buf, sizeof(buf), PAGE_SIZE), sizeof(buf));
    for (size_t i = 0; i < sizeof(buf); i++)
        KT_ASSERT_EQ(buf[i], 0);                /* page 1 is a hole */
    KT_ASSERT_EQ(filepages_read(fp, buf, sizeof(buf), 2 * PAGE_SIZE + 10), 3);
    KT_ASSERT(memcmp(buf, "abc", 3) == 0);
    KT_ASSERT_EQ(filepages_read(fp, buf, 1, 2 * PAGE_SIZE + 13), 0);   /* at EOF */
    filepages_put(fp);
}

KTEST(filepages_mapped_frame_outlives_truncate_and_the_store)
{
    KT_ASSERT_EQ(page_ref_init(), 0);
    struct filepages *fp = filepages_create();
    KT_ASSERT(fp != NULL);
    KT_ASSERT_EQ(filepages_write(fp, "xyz", 3, PAGE_SIZE), 3);
    paddr_t pa = 0, other;
    bool copied;
    KT_ASSERT_EQ(filepages_map(fp, 2, false, &other, &copied), -EIO);  /* wholly past EOF */
    KT_ASSERT_EQ(filepages_map(fp, 1, false, &pa, &copied), 0);        /* as a page table would */
    KT_ASSERT(!copied);
    KT_ASSERT(memcmp(phys_to_virt(pa), "xyz", 3) == 0);
    KT_ASSERT_EQ(filepages_truncate(fp, 1), 0);
    KT_ASSERT(pmm_is_allocated(pa));            /* the mapping still holds it */
    KT_ASSERT_EQ(filepages_truncate(fp, 2 * PAGE_SIZE), 0);
    char c = 1;
    KT_ASSERT_EQ(filepages_read(fp, &c, 1, PAGE_SIZE), 1);
    KT_ASSERT_EQ(c, 0);                         /* regrown: a fresh zero page */
    filepages_put(fp);
    KT_ASSERT(pmm_is_allocated(pa));
    KT_ASSERT(memcmp(phys_to_virt(pa), "xyz", 3) == 0);
    page_ref_put(pa);                           /* the unmap */
    KT_ASSERT(!pmm_is_allocated(pa));
}

KTEST(filepages_private_map_of_a_dirty_tail_is_a_zero_tailed_copy)
{
    KT_ASSERT_EQ(page_ref_init(), 0);
    struct filepages *fp = filepages_create();
    KT_ASSERT(fp != NULL);
    KT_ASSERT_EQ(filepages_write(fp, "abc", 3, 0), 3);
    paddr_t pa = 0, cp = 0;
    bool copied = true;
    KT_ASSERT_EQ(filepages_map(fp, 0, true, &pa, &copied), 0);  /* clean tail: the frame */
    KT_ASSERT(!copied);
    ((char *)phys_to_virt(pa))[10] = 'z';       /* a store past EOF via a shared map */
    KT_ASSERT_EQ(filepages_map(fp, 0, true, &cp, &copied), 0);
    KT_ASSERT(copied && cp != pa);
    KT_ASSERT(memcmp(phys_to_virt(cp), "abc", 3) == 0);
    KT_ASSERT_EQ(((char *)phys_to_virt(cp))[10], 0);
    page_ref_put(cp);
    KT_ASSERT(!pmm_is_allocated(cp));
    filepages_put(fp);
    KT_ASSERT(pmm_is_allocated(pa));            /* the first map still holds it */
    page_ref_put(pa);
    KT_ASSERT(!pmm_is_allocated(pa));
}

/* A fake disk for the page cache tests: page pg reads as bytes pg+1, and the reads
 * are counted. */
static int fake_reads;

static int fake_readpage(void *ctx, uint64_t pg, void *kaddr)
{
    (void)ctx;
    fake_reads++;
    memset(kaddr, (int)(pg + 1), PAGE_SIZE);
    return 0;
}

static const struct filepages_backing fake_backing = { .readpage = fake_readpage };

KTEST(page_cache_reads_misses_once_and_reclaim_keeps_dirty_and_mapped_pages)
{
    struct filepages *fp = filepages_create_backed(&fake_backing, NULL, 4 * PAGE_SIZE);
    KT_ASSERT(fp != NULL);
    fake_reads = 0;
    uint8_t buf[4];
    KT_ASSERT_EQ(filepages_read(fp, buf, 4, 2 * PAGE_SIZE - 2), 4);
    KT_ASSERT(buf[0] == 2 && buf[1] == 2 && buf[2] == 3 && buf[3] == 3);
    KT_ASSERT_EQ(fake_reads, 2);
    KT_ASSERT_EQ(filepages_read(fp, buf, 4, 2 * PAGE_SIZE - 2), 4);
    KT_ASSERT_EQ(fake_reads, 2);                /* cached now */
    paddr_t p0, p3, mapped;
    KT_ASSERT_EQ(filepages_get_page(fp, 0, false, &p0), 0);
    filepages_mark_dirty(fp, 0, p0);            /* a write() into page 0 */
    page_ref_put(p0);
    KT_ASSERT_EQ(filepages_get_page(fp, 3, false, &p3), 0);   /* held: as a mapping */
    KT_ASSERT_EQ(filepages_frames(fp), 4);
    uint64_t cached, dirty;
    filepages_stats(&cached, &dirty);
    KT_ASSERT(cached >= 4 && dirty >= 1);
    filepages_reclaim_all();
    KT_ASSERT_EQ(filepages_frames(fp), 2);      /* pages 1 and 2 went */
    KT_ASSERT_EQ(filepages_get_page(fp, 0, false, &mapped), 0);
    KT_ASSERT_EQ(mapped, p0);                   /* the dirty page stayed */
    page_ref_put(mapped);
    fake_reads = 0;
    KT_ASSERT_EQ(filepages_read(fp, buf, 1, PAGE_SIZE), 1);
    KT_ASSERT_EQ(buf[0], 2);                    /* read in again */
    KT_ASSERT_EQ(fake_reads, 1);
    /* Written back: clean, so it may go too; page 3 is still held. */
    uint64_t pg = 0, size;
    paddr_t wb;
    KT_ASSERT_EQ(filepages_wb_next(fp, &pg, &wb, &size), 0);
    KT_ASSERT(pg == 0 && wb == p0 && size == 4 * PAGE_SIZE);
    filepages_wb_done(fp, pg, wb, 0);
    pg = 1;
    KT_ASSERT_EQ(filepages_wb_next(fp, &pg, &wb, &size), -ENOENT);
    filepages_reclaim_all();
    KT_ASSERT_EQ(filepages_frames(fp), 1);
    page_ref_put(p3);
    filepages_put(fp);
}
