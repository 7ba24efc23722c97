/* Partition tables: the MBR's four primary entries (no extended/logical chains,
 * no GPT yet). Pure: the input is a sector read from a disk, so every field is
 * checked; tests/host/test_blk_part.c feeds it hand-made and hostile tables. */

#include <osc/block.h>
#include <osc/lib.h>

#define MBR_TABLE       446
#define MBR_ENTRY_SIZE  16
#define MBR_ENTRIES     4
#define MBR_SIG         510
#define MBR_TYPE        4
#define MBR_LBA         8
#define MBR_COUNT       12
#define MBR_TYPE_EMPTY  0x00
#define MBR_TYPE_EXT    0x05
#define MBR_TYPE_EXT_LBA 0x0f
#define MBR_TYPE_EXT_LINUX 0x85
#define MBR_TYPE_GPT    0xee

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int blk_parse_mbr(const uint8_t *s, uint64_t disk_sectors, struct blk_part *out, int max)
{
    if (s[MBR_SIG] != 0x55 || s[MBR_SIG + 1] != 0xaa)
        return 0;
    int n = 0;
    for (int i = 0; i < MBR_ENTRIES && n < max; i++) {
        const uint8_t *e = s + MBR_TABLE + i * MBR_ENTRY_SIZE;
        uint8_t type = e[MBR_TYPE];
        if (type == MBR_TYPE_GPT)
            return 0;       /* a protective MBR: the real table is the GPT */
        uint64_t start = le32(e + MBR_LBA), count = le32(e + MBR_COUNT);
        if (type == MBR_TYPE_EMPTY || type == MBR_TYPE_EXT || type == MBR_TYPE_EXT_LBA ||
            type == MBR_TYPE_EXT_LINUX || count == 0 || start == 0 || start >= disk_sectors)
            continue;
        if (count > disk_sectors - start)
            count = disk_sectors - start;
        out[n++] = (struct blk_part){ .partno = i + 1, .start = start, .sectors = count };
    }
    return n;
}
