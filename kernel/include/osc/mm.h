/* Memory management API: physical frames, kernel page tables, the kernel heap.
 *
 * Virtual layout (x86_64, 4-level paging):
 *   0xffff800000000000  direct map of all physical RAM (phys_to_virt): usable RAM, ACPI
 *                       reclaimable and NVS ranges, the first MiB, and reserved ranges
 *                       below 4 GiB that touch RAM (firmware data such as QEMU's ACPI
 *                       tables). Device windows are not in it: use vmm_map_mmio.
 *   0xffffc00000000000  MMIO and other dynamically mapped kernel ranges
 *   0xffffc10000000000  kernel thread stacks, each above an unmapped guard page
 *   0xffffffff80000000  kernel image (text RX, rodata R, data/bss RW, all NX but text)
 * Allocation failure is always reported (0 / NULL), never fatal inside mm. */
#pragma once

#include <osc/types.h>

#define PAGE_SIZE        4096ul
#define PAGE_SHIFT       12
#define DIRECT_MAP_BASE  0xffff800000000000ull
#define MMIO_BASE        0xffffc00000000000ull
#define KSTACK_BASE      0xffffc10000000000ull   /* after the 1 TiB MMIO window */
#define KERNEL_VMA       0xffffffff80000000ull

static inline void *phys_to_virt(paddr_t p) { return (void *)(p + DIRECT_MAP_BASE); }
/* Valid for direct-map and kernel-image addresses. */
paddr_t virt_to_phys(const void *v);

/* ---- physical frames (kernel/mm/pmm.c) ---- */
void pmm_init(void);                    /* from boot_info's memory map */
paddr_t pmm_alloc_page(void);           /* zeroed 4 KiB frame, or 0 */
paddr_t pmm_alloc_pages(size_t count);  /* zeroed, physically contiguous, or 0 */
/* Zeroed RAM below 1 MiB, never given out otherwise (the AP trampoline needs a
 * real-mode address); for good: there is no free. 0 when none is left. */
paddr_t pmm_reserve_low(size_t pages);
void pmm_free_page(paddr_t p);
void pmm_free_pages(paddr_t p, size_t count);
size_t pmm_free_count(void);            /* free frames now */
size_t pmm_total_count(void);           /* usable frames managed */
paddr_t pmm_ram_end(void);              /* end of the highest managed RAM region */
bool pmm_is_allocated(paddr_t p);       /* the frame holding p is managed and in use */
/* For vmm_init only: frames are handed out below `end` (the part of RAM the direct
 * map reaches); 4 GiB until the kernel page tables map all RAM. */
void pmm_set_reachable_end(paddr_t end);

/* ---- shared user frames (kernel/mm/page_ref.c): copy-on-write fork ----
 * A frame mapped by n user page tables carries n-1 extra references. page_ref_init
 * must succeed once before the first page_ref_get (0 or -ENOMEM). page_ref_put drops
 * one mapping and frees the frame when it was the only one. */
int page_ref_init(void);
void page_ref_get(paddr_t p);
void page_ref_put(paddr_t p);
bool page_ref_shared(paddr_t p);        /* more than one mapping now */

/* ---- kernel page tables (kernel/arch/x86_64/paging.c) ---- */
enum map_flags {
    MAP_WRITE   = 1 << 0,
    MAP_EXEC    = 1 << 1,
    MAP_USER    = 1 << 2,
    MAP_NOCACHE = 1 << 3,   /* strong uncacheable: device registers */
    MAP_WC      = 1 << 4,   /* write-combining through PAT: framebuffers */
};
void vmm_init(void);                    /* switch from boot tables to the real ones */
/* Maps [virt, virt+size) to [phys, ...) in the kernel address space. 0 or -ENOMEM. */
int vmm_map_range(vaddr_t virt, paddr_t phys, size_t size, unsigned flags);
void vmm_unmap_range(vaddr_t virt, size_t size);
/* Whether addr lies in a kernel stack's guard page (kernel/sched/kstack.c). */
bool kstack_is_guard(uint64_t addr);
/* Returns the physical address mapped at virt, or 0 when unmapped. */
paddr_t vmm_translate(vaddr_t virt);
/* Looks virt up without faulting: false when unmapped; otherwise the physical address
 * and the mapping's MAP_* flags (MAP_WRITE, MAP_EXEC, MAP_USER, MAP_NOCACHE, MAP_WC). */
bool vmm_query(vaddr_t virt, paddr_t *phys, unsigned *flags);
/* False on CPUs without no-execute pages: then every mapping is executable and
 * vmm_query reports MAP_EXEC everywhere. */
bool vmm_nx_supported(void);
/* Maps a device range (page-rounded) into the MMIO area; returns its virtual
 * address (offset preserved) or NULL. flags: MAP_NOCACHE or MAP_WC, plus MAP_WRITE. */
void *vmm_map_mmio(paddr_t phys, size_t size, unsigned flags);

/* ---- kernel heap (kernel/mm/heap.c, slab.c) ---- */
void heap_init(void);
void *kmalloc(size_t size);             /* 16-byte aligned, or NULL */
void *kzalloc(size_t size);
void kfree(void *p);                    /* NULL is fine */
/* Gives the freed blocks the heap keeps for reuse back to the frame allocator. */
void heap_trim(void);

struct mm_stats {
    size_t total_pages, free_pages;
    size_t heap_bytes_in_use;           /* bytes handed out by kmalloc */
    size_t heap_bytes_reserved;         /* pages held by the heap */
};
void mm_get_stats(struct mm_stats *out);
