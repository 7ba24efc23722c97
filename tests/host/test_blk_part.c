/* host-test: kernel/drivers/block/blk_part.c */
/* MBR parsing: what fdisk/sfdisk write, and tables a damaged or hostile disk could
 * hold (entries past the end, zero-length, extended containers, a GPT's
 * protective entry, no signature). */
#include <stdint.h>
#include <osc/block.h>
#include "check.h"

static uint8_t sec[512];

static void entry(int slot, uint8_t type, uint32_t start, uint32_t count)
{
    uint8_t *e = sec + 446 + slot * 16;
    memset(e, 0, 16);
    e[4] = type;
    memcpy(e + 8, &start, 4);
    memcpy(e + 12, &count, 4);
}

static void fresh(void)
{
    memset(sec, 0, sizeof(sec));
    sec[510] = 0x55;
    sec[511] = 0xaa;
}

TEST(mbr_primary_partitions_keep_their_slot_numbers)
{
    struct blk_part p[4];
    fresh();
    entry(0, 0x83, 2048, 4096);
    entry(2, 0x07, 8192, 100);          /* slot 2 empty: this one is vda3 */
    CHECK_EQ(blk_parse_mbr(sec, 16384, p, 4), 2);
    CHECK_EQ(p[0].partno, 1);
    CHECK_EQ(p[0].start, 2048);
    CHECK_EQ(p[0].sectors, 4096);
    CHECK_EQ(p[1].partno, 3);
    CHECK_EQ(p[1].start, 8192);
    CHECK_EQ(p[1].sectors, 100);
    CHECK_EQ(blk_parse_mbr(sec, 16384, p, 1), 1);     /* max respected */
}

TEST(mbr_without_signature_or_protective_gpt_has_no_partitions)
{
    struct blk_part p[4];
    fresh();
    entry(0, 0x83, 2048, 4096);
    sec[511] = 0;
    CHECK_EQ(blk_parse_mbr(sec, 16384, p, 4), 0);
    fresh();
    entry(0, 0xee, 1, 16383);
    CHECK_EQ(blk_parse_mbr(sec, 16384, p, 4), 0);
}

TEST(mbr_entries_past_the_end_empty_or_extended_are_dropped_or_clipped)
{
    struct blk_part p[4];
    fresh();
    entry(0, 0x83, 100, 0xffffffff);    /* runs past the end: clipped */
    entry(1, 0x83, 20000, 10);          /* starts past the end: dropped */
    entry(2, 0x05, 200, 10);            /* extended container: not a partition */
    entry(3, 0x83, 0, 10);              /* starts at the MBR itself: dropped */
    CHECK_EQ(blk_parse_mbr(sec, 16384, p, 4), 1);
    CHECK_EQ(p[0].partno, 1);
    CHECK_EQ(p[0].start, 100);
    CHECK_EQ(p[0].sectors, 16384 - 100);
    fresh();
    entry(0, 0x83, 16383, 0);           /* zero length */
    CHECK_EQ(blk_parse_mbr(sec, 16384, p, 4), 0);
}

