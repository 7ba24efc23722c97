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
    KT_ASSERT_EQ(filepages_map(fp, 2, &other), -EIO);      /* wholly past EOF */
    KT_ASSERT_EQ(filepages_map(fp, 1, &pa), 0);            /* as a page table would */
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
