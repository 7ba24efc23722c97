/* Symbol lookup: binary search of the sorted table the second link pass embeds.
 * Pure logic over the table, so the host tests can feed it their own. */

#include <osc/ksyms.h>

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
    uint64_t n = ksyms_count;
    if (n == 0 || addr < ksyms_table[0].addr || addr >= ksyms_text_end)
        return NULL;
    /* Find the last entry with entry.addr <= addr. */
    uint64_t lo = 0, hi = n;        /* invariant: table[lo].addr <= addr, answer < hi */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ksyms_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (offset)
        *offset = addr - ksyms_table[lo].addr;
    return &ksyms_names[ksyms_table[lo].name_offset];
}
