/* x86_64 4-level paging: page-table entry bits and the PAT layout the kernel uses.
 * The architecture-neutral API is in <osc/mm.h>; this is for arch code only. */
#pragma once

#include <stdint.h>

/* Page-table entry bits (SDM 3A 4.5, tables 4-15 to 4-20). */
#define PTE_PRESENT    (1ull << 0)
#define PTE_WRITE      (1ull << 1)
#define PTE_USER       (1ull << 2)
#define PTE_ACCESSED   (1ull << 5)
#define PTE_DIRTY      (1ull << 6)
#define PTE_LARGE      (1ull << 7)      /* PS in a PDPTE (1 GiB) or PDE (2 MiB) */
#define PTE_PAT_4K     (1ull << 7)      /* PAT bit of a 4 KiB PTE */
#define PTE_GLOBAL     (1ull << 8)
#define PTE_PAT_LARGE  (1ull << 12)     /* PAT bit of a 2 MiB / 1 GiB entry */
#define PTE_NX         (1ull << 63)     /* needs EFER.NXE */
#define PTE_ADDR_MASK  0x000ffffffffff000ull
#define PTE_LARGE_ADDR_MASK 0x000fffffffffe000ull   /* bit 12 is PAT there */

#define PT_ENTRIES     512

/* Memory types (PWT/PCD, PAT layout) are defined in <asm/pat.h>. */
