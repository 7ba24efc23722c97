/* Page attribute table layout (SDM 3A 11.12). cpu_features.c programs IA32_PAT so
 * that the PWT/PCD bits alone select every memory type the kernel needs; the PAT bit
 * of a PTE stays 0, so the same bits work for 4 KiB and 2 MiB/1 GiB pages. */
#pragma once

#include <stdint.h>
#include <osc/mm.h>

#define MSR_IA32_PAT        0x277   /* SDM 4 2.1 */

/* PAT memory type encodings (SDM 3A table 11-10). */
#define PAT_TYPE_UC         0x00
#define PAT_TYPE_WC         0x01
#define PAT_TYPE_WT         0x04
#define PAT_TYPE_WP         0x05
#define PAT_TYPE_WB         0x06
#define PAT_TYPE_UC_MINUS   0x07

/* Entry i is selected by PTE bits PAT:PCD:PWT = i. Entries 0, 2, 3 keep their
 * power-on meaning (WB, UC-, UC); entry 1 becomes WC; entry 5 keeps WT reachable. */
#define PAT_VALUE                                                            \
    ((uint64_t)PAT_TYPE_WB << 0 | (uint64_t)PAT_TYPE_WC << 8 |               \
     (uint64_t)PAT_TYPE_UC_MINUS << 16 | (uint64_t)PAT_TYPE_UC << 24 |       \
     (uint64_t)PAT_TYPE_WB << 32 | (uint64_t)PAT_TYPE_WT << 40 |             \
     (uint64_t)PAT_TYPE_UC_MINUS << 48 | (uint64_t)PAT_TYPE_UC << 56)

#define PTE_PWT             (1ull << 3)
#define PTE_PCD             (1ull << 4)

#define PTE_CACHE_WB        0ull                    /* PAT entry 0 */
#define PTE_CACHE_WC        PTE_PWT                 /* PAT entry 1 */
#define PTE_CACHE_UC        (PTE_PCD | PTE_PWT)     /* PAT entry 3 */

/* PTE cache bits for a mapping with the given enum map_flags (osc/mm.h).
 * MAP_NOCACHE wins over MAP_WC. Without PAT support (never seen on x86_64) entry 1
 * is the power-on WT, which is still correct for a framebuffer, just slower. */
static inline uint64_t arch_pte_cache_bits(unsigned map_flags)
{
    if (map_flags & MAP_NOCACHE)
        return PTE_CACHE_UC;
    if (map_flags & MAP_WC)
        return PTE_CACHE_WC;
    return PTE_CACHE_WB;
}
