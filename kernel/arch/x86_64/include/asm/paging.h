/* x86_64 4-level paging: page-table entry bits and the PAT layout the kernel uses.
 * The architecture-neutral API is in <osc/mm.h>; this is for arch code only. */
#pragma once

#include <stdint.h>

/* Page-table entry bits (SDM 3A 4.5, tables 4-15 to 4-20). */
#define PTE_PRESENT    (1ull << 0)
#define PTE_WRITE      (1ull << 1)
#define PTE_USER       (1ull << 2)
#define PTE_PWT        (1ull << 3)
#define PTE_PCD        (1ull << 4)
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

/* IA32_PAT (MSR 0x277, SDM 3A 11.12.2). mm owns this value and writes it on every CPU
 * through paging_pat_init(). Entries 0-3 keep their power-on defaults, so tables
 * written without the PAT bit mean what they always did; entry 4 becomes
 * write-combining:
 *   PAT0 WB  (PAT=0 PCD=0 PWT=0)  normal memory
 *   PAT1 WT  (PAT=0 PCD=0 PWT=1)
 *   PAT2 UC- (PAT=0 PCD=1 PWT=0)
 *   PAT3 UC  (PAT=0 PCD=1 PWT=1)  MAP_NOCACHE: device registers
 *   PAT4 WC  (PAT=1 PCD=0 PWT=0)  MAP_WC: framebuffers
 *   PAT5 WT, PAT6 UC-, PAT7 UC    (power-on defaults, unused) */
#define MSR_IA32_PAT   0x277
#define PAT_TYPE_UC    0x00ull
#define PAT_TYPE_WC    0x01ull
#define PAT_TYPE_WT    0x04ull
#define PAT_TYPE_WB    0x06ull
#define PAT_TYPE_UCM   0x07ull      /* UC- */
#define PAT_VALUE  (PAT_TYPE_WB | PAT_TYPE_WT << 8 | PAT_TYPE_UCM << 16 | PAT_TYPE_UC << 24 | \
                    PAT_TYPE_WC << 32 | PAT_TYPE_WT << 40 | PAT_TYPE_UCM << 48 | PAT_TYPE_UC << 56)

/* Programs IA32_PAT with PAT_VALUE on the calling CPU (when the CPU has a PAT). The
 * boot CPU does it in vmm_init; each application processor must do it too, before
 * touching a MAP_WC mapping. */
void paging_pat_init(void);
