/* Kernel page tables (x86_64, 4-level): a direct map of all RAM, the kernel image at
 * -2 GiB with W^X permissions, and an MMIO window filled on demand. vmm_init builds
 * them from the memory map and leaves the boot tables (and their identity map). */

#define LOG_TAG "mm"
#include <osc/arch.h>
#include <osc/boot.h>
#include <osc/errno.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include <osc/spinlock.h>
#include <osc/tlb.h>
#include <asm/paging.h>
#include <asm/pat.h>

#define MSR_EFER            0xc0000080
#define EFER_NXE            (1ull << 11)        /* SDM 3A 2.2.1 */
#define CPUID_EXT_MAX       0x80000000
#define CPUID_EXT_FEATURES  0x80000001
#define CPUID_EXT_EDX_1GB   (1u << 26)          /* SDM 2A CPUID: Page1GB */
#define CPUID_FEATURES      0x1
#define CPUID_EDX_PAT       (1u << 16)

#define SIZE_4K             0x1000ull
#define SIZE_2M             0x200000ull
#define SIZE_1G             0x40000000ull
#define DIRECT_MAP_SIZE     (MMIO_BASE - DIRECT_MAP_BASE)   /* 64 TiB of physical space */
#define MMIO_SIZE           (1ull << 40)                     /* 1 TiB window */
#define KERNEL_HALF_FIRST   256                             /* PML4 slot of DIRECT_MAP_BASE */
#define LOW_MEMORY_END      0x100000ull                     /* BIOS area, EBDA, RSDP */

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _kernel_end[];

/* vmm_lock protects the kernel page tables (kernel_pml4 and below) and mmio_next.
 * Rank 70 (docs/locking.md): after the heap (60), before pmm (80), which it takes to
 * allocate tables. Not recursive: internal helpers assume it is held. */
static spinlock_t vmm_lock = SPINLOCK_INIT("vmm", 70);
static uint64_t *kernel_pml4;           /* NULL until vmm_init: then the live tables */
static paddr_t kernel_pml4_phys;
static vaddr_t mmio_next = MMIO_BASE;

static bool has_nx, has_1g, has_pat;    /* fixed in vmm_init */

/* Level 4 = PML4 ... level 1 = page table; an entry at level L covers 1 << shift. */
static unsigned level_shift(int level) { return 12 + 9 * (level - 1); }
static unsigned level_index(vaddr_t va, int level) { return (va >> level_shift(level)) & 511; }
static uint64_t level_size(int level) { return 1ull << level_shift(level); }

static uint64_t *entry_table(uint64_t e) { return phys_to_virt(e & PTE_ADDR_MASK); }
static paddr_t leaf_phys(uint64_t e, int level)
{
    return e & (level == 1 ? PTE_ADDR_MASK : PTE_LARGE_ADDR_MASK);
}

/* Kernel entries changed under vmm_lock, [stale_start, stale_end): this CPU drops
 * them at once, the others when the lock is released (vmm_unlock). Not under the
 * lock: a CPU spinning for vmm_lock with interrupts off could not take the IPI. */
static vaddr_t stale_start, stale_end;  /* under vmm_lock; empty when equal */

static void tlb_flush_page(vaddr_t va)
{
    invlpg(va);
    if (stale_start == stale_end) {
        stale_start = va;
        stale_end = va + PAGE_SIZE;
    } else {
        stale_start = MIN(stale_start, va);
        stale_end = MAX(stale_end, va + PAGE_SIZE);
    }
}

/* Releases vmm_lock, then flushes what changed under it from every other online
 * CPU (mappings of the kernel half are shared by every address space) before the
 * caller goes on, e.g. to free the frames it unmapped. */
static void vmm_unlock(unsigned long f)
{
    vaddr_t start = stale_start, end = stale_end;
    stale_start = stale_end = 0;
    spin_unlock_irqrestore(&vmm_lock, f);
    tlb_flush_kernel_others(start, end);
}

static uint64_t leaf_bits(unsigned flags, int level)
{
    uint64_t e = PTE_PRESENT;
    if (flags & MAP_WRITE)
        e |= PTE_WRITE;
    if (flags & MAP_USER)
        e |= PTE_USER;
    if (!(flags & MAP_EXEC) && has_nx)
        e |= PTE_NX;
    /* PWT/PCD alone select the memory type (asm/pat.h), so the same bits are valid
     * in 4 KiB and large leaves; without a PAT, WC degrades to UC. */
    if ((flags & MAP_WC) && !(flags & MAP_NOCACHE) && !has_pat)
        flags |= MAP_NOCACHE;
    e |= arch_pte_cache_bits(flags);
    if (level > 1)
        e |= PTE_LARGE;
    return e;
}

/* Replaces the large leaf *e at level (3 or 2) by a table of 512 leaves one level
 * down with the same frames and attributes. 0 or -ENOMEM. */
static int split_large(uint64_t *e, int level)
{
    paddr_t t = pmm_alloc_page();
    if (!t)
        return -ENOMEM;
    uint64_t *table = phys_to_virt(t);
    uint64_t attrs = *e & ~PTE_LARGE_ADDR_MASK;
    paddr_t base = leaf_phys(*e, level);
    uint64_t step = level_size(level - 1);
    if (level - 1 == 1) {
        /* 4 KiB PTEs: no PS bit, and the PAT bit moves from 12 to 7. */
        bool pat = attrs & PTE_PAT_LARGE;
        attrs &= ~(PTE_LARGE | PTE_PAT_LARGE);
        if (pat)
            attrs |= PTE_PAT_4K;
    }
    for (int i = 0; i < PT_ENTRIES; i++)
        table[i] = (base + i * step) | attrs;
    /* Same frames and attributes, so stale TLB entries stay correct until the caller
     * changes a leaf and flushes it. */
    *e = t | PTE_PRESENT | PTE_WRITE | (attrs & PTE_USER);
    return 0;
}

/* Entry for va at `level`, creating missing tables and splitting large pages above
 * it; NULL when a table cannot be allocated. Caller holds vmm_lock. */
static uint64_t *walk_create(uint64_t *pml4, vaddr_t va, int level)
{
    uint64_t *table = pml4;
    for (int l = 4; l > level; l--) {
        uint64_t *e = &table[level_index(va, l)];
        if (!(*e & PTE_PRESENT)) {
            paddr_t t = pmm_alloc_page();
            if (!t)
                return NULL;
            *e = t | PTE_PRESENT | PTE_WRITE;   /* permissions are decided at the leaf */
        } else if (*e & PTE_LARGE) {
            if (split_large(e, l))
                return NULL;
        }
        table = entry_table(*e);
    }
    return &table[level_index(va, level)];
}

/* Leaf for va and its level, or NULL when nothing maps va (then *level is where the
 * walk stopped, so the caller can skip a whole unmapped area). */
static uint64_t *walk_find(uint64_t *pml4, vaddr_t va, int *level)
{
    uint64_t *table = pml4;
    for (int l = 4; l >= 1; l--) {
        uint64_t *e = &table[level_index(va, l)];
        *level = l;
        if (!(*e & PTE_PRESENT))
            return NULL;
        if (l == 1 || (*e & PTE_LARGE))
            return e;
        table = entry_table(*e);
    }
    return NULL;
}

/* The tables in use: the kernel's once vmm_init switched to them, the boot ones before. */
static uint64_t *live_pml4(void)
{
    return kernel_pml4 ? kernel_pml4 : phys_to_virt(read_cr3() & PTE_ADDR_MASK);
}

static void unmap_locked(vaddr_t va, vaddr_t end);

/* Maps [va, va+size) to pa; uses 2 MiB / 1 GiB leaves where allowed and aligned.
 * Caller holds vmm_lock (or owns the tables, before they are live). On -ENOMEM
 * nothing new stays mapped. */
static int map_locked(uint64_t *pml4, vaddr_t va, paddr_t pa, uint64_t size, unsigned flags,
                      bool allow_large)
{
    vaddr_t start = va;
    while (size) {
        int level = 1;
        if (allow_large) {
            if (has_1g && IS_ALIGNED(va | pa, SIZE_1G) && size >= SIZE_1G)
                level = 3;
            else if (IS_ALIGNED(va | pa, SIZE_2M) && size >= SIZE_2M)
                level = 2;
        }
        uint64_t *e;
        for (;;) {
            e = walk_create(pml4, va, level);
            /* An existing table where a large leaf would go keeps its mappings:
             * map with smaller pages inside it instead. */
            if (!e || level == 1 || !(*e & PTE_PRESENT) || (*e & PTE_LARGE))
                break;
            level--;
        }
        if (!e) {
            if (pml4 == kernel_pml4)
                unmap_locked(start, va);
            return -ENOMEM;
        }
        bool was_present = *e & PTE_PRESENT;
        *e = pa | leaf_bits(flags, level);
        if (was_present && pml4 == kernel_pml4)
            tlb_flush_page(va);
        va += level_size(level);
        pa += level_size(level);
        size -= level_size(level);
    }
    return 0;
}

/* Caller holds vmm_lock. Emptied page tables stay for the next mapping there:
 * freeing one safely would need every CPU's paging-structure caches flushed before
 * anyone maps into its 2 MiB again, i.e. an IPI under vmm_lock (the kernel half's
 * PDPTs must never go anyway: every address space shares them). */
static void unmap_locked(vaddr_t va, vaddr_t end)
{
    while (va < end) {
        int level;
        uint64_t *e = walk_find(kernel_pml4, va, &level);
        uint64_t sz = level_size(level);
        vaddr_t next = ALIGN_DOWN(va, sz) + sz;
        if (next <= va)
            next = end;                         /* wrapped past the top of memory */
        if (!e) {
            va = next;                          /* nothing mapped in this whole entry */
            continue;
        }
        if (level > 1 && (!IS_ALIGNED(va, sz) || end - va < sz)) {
            /* Partly covered large page: split it, then retry at the finer level. */
            if (split_large(e, level)) {
                log_error("unmap: no memory to split the large page at %#lx", va);
                va = next;
            }
            continue;
        }
        *e = 0;
        tlb_flush_page(va);
        va = next;
    }
}

static paddr_t translate_locked(vaddr_t va, unsigned *flags)
{
    int level;
    uint64_t *e = walk_find(live_pml4(), va, &level);
    if (!e)
        return 0;
    if (flags) {
        unsigned f = 0;
        if (*e & PTE_WRITE)
            f |= MAP_WRITE;
        if (!(*e & PTE_NX))
            f |= MAP_EXEC;
        if (*e & PTE_USER)
            f |= MAP_USER;
        if (*e & PTE_PCD)
            f |= MAP_NOCACHE;
        else if (*e & PTE_PWT)
            f |= MAP_WC;
        *flags = f;
    }
    return leaf_phys(*e, level) + (va & (level_size(level) - 1));
}

int vmm_map_range(vaddr_t virt, paddr_t phys, size_t size, unsigned flags)
{
    if ((virt & (PAGE_SIZE - 1)) != (phys & (PAGE_SIZE - 1)))
        return -EINVAL;
    vaddr_t va = ALIGN_DOWN(virt, PAGE_SIZE);
    uint64_t len = ALIGN_UP(virt + size, PAGE_SIZE) - va;
    if (!kernel_pml4)
        return -EINVAL;                 /* only the kernel tables are edited */
    unsigned long f = spin_lock_irqsave(&vmm_lock);
    int err = map_locked(kernel_pml4, va, ALIGN_DOWN(phys, PAGE_SIZE), len, flags, false);
    vmm_unlock(f);
    return err;
}

void vmm_unmap_range(vaddr_t virt, size_t size)
{
    vaddr_t va = ALIGN_DOWN(virt, PAGE_SIZE);
    vaddr_t end = ALIGN_UP(virt + size, PAGE_SIZE);
    if (!kernel_pml4)
        return;
    unsigned long f = spin_lock_irqsave(&vmm_lock);
    unmap_locked(va, end);
    vmm_unlock(f);
}

bool vmm_query(vaddr_t virt, paddr_t *phys, unsigned *flags)
{
    unsigned fl = 0;
    unsigned long f = spin_lock_irqsave(&vmm_lock);
    int level;
    bool mapped = walk_find(live_pml4(), virt, &level) != NULL;
    paddr_t p = mapped ? translate_locked(virt, &fl) : 0;
    spin_unlock_irqrestore(&vmm_lock, f);
    if (phys)
        *phys = p;
    if (flags)
        *flags = fl;
    return mapped;
}

bool vmm_nx_supported(void)
{
    return has_nx;
}

/* Physical address of the kernel PML4: user address spaces copy its upper half. */
paddr_t vmm_kernel_root(void)
{
    return kernel_pml4_phys;
}

paddr_t vmm_translate(vaddr_t virt)
{
    paddr_t p;
    return vmm_query(virt, &p, NULL) ? p : 0;
}

paddr_t virt_to_phys(const void *v)
{
    vaddr_t va = (vaddr_t)v;
    if (va >= KERNEL_VMA)
        return va - KERNEL_VMA;
    if (va >= DIRECT_MAP_BASE && va < MMIO_BASE)
        return va - DIRECT_MAP_BASE;
    return vmm_translate(va);
}

void *vmm_map_mmio(paddr_t phys, size_t size, unsigned flags)
{
    paddr_t base = ALIGN_DOWN(phys, PAGE_SIZE);
    uint64_t len = ALIGN_UP(phys + size, PAGE_SIZE) - base;
    if (size == 0)
        return NULL;
    if (!(flags & (MAP_NOCACHE | MAP_WC)))
        flags |= MAP_NOCACHE;           /* device memory is never cached by accident */
    flags &= ~(MAP_EXEC | MAP_USER);
    unsigned long f = spin_lock_irqsave(&vmm_lock);
    void *ret = NULL;
    if (kernel_pml4 && len <= MMIO_BASE + MMIO_SIZE - mmio_next) {
        vaddr_t va = mmio_next;
        if (map_locked(kernel_pml4, va, base, len, flags, false) == 0) {
            /* A guard page between mappings catches overruns. */
            mmio_next += len + PAGE_SIZE;
            ret = (void *)(va + (phys - base));
        }
    }
    vmm_unlock(f);
    if (!ret)
        log_warn("cannot map MMIO %#llx (+%zu)", (unsigned long long)phys, size);
    return ret;
}

static bool is_memory_type(uint32_t type)
{
    return type == BOOT_MEM_AVAILABLE || type == BOOT_MEM_ACPI_RECLAIMABLE ||
           type == BOOT_MEM_NVS;
}

/* Which memory-map ranges the direct map covers: RAM, ACPI tables and NVS, and also
 * reserved ranges below 4 GiB that touch one of those. The last rule is a heuristic
 * for firmware data kept in "reserved" memory next to RAM: SeaBIOS (QEMU) puts the
 * ACPI tables there, and ACPI code reaches them with phys_to_virt. Device windows
 * (PCIe ECAM, LAPIC, IOAPIC, HPET, flash) sit apart from RAM and stay unmapped here:
 * vmm_map_mmio maps those uncached. */
static bool direct_map_wanted(const struct boot_mem_region *m)
{
    if (is_memory_type(m->type))
        return true;
    if (m->type != BOOT_MEM_RESERVED || m->base + m->length > GiB(4))
        return false;
    for (size_t i = 0; i < boot_info.mmap_count; i++) {
        const struct boot_mem_region *r = &boot_info.mmap[i];
        if (is_memory_type(r->type) &&
            (r->base + r->length == m->base || m->base + m->length == r->base))
            return true;
    }
    return false;
}

static void vmm_map_or_panic(uint64_t *pml4, vaddr_t va, paddr_t pa, uint64_t size,
                             unsigned flags, bool large)
{
    /* Out of memory while building the first kernel tables: there is no kernel to
     * degrade to, so this one is fatal. */
    if (map_locked(pml4, va, pa, size, flags, large))
        panic("out of memory building the kernel page tables");
}

void vmm_init(void)
{
    uint32_t a, b, c, d;
    cpuid(CPUID_EXT_MAX, 0, &a, &b, &c, &d);
    if (a >= CPUID_EXT_FEATURES) {
        cpuid(CPUID_EXT_FEATURES, 0, &a, &b, &c, &d);
        has_1g = d & CPUID_EXT_EDX_1GB;
    }
    cpuid(CPUID_FEATURES, 0, &a, &b, &c, &d);
    has_pat = d & CPUID_EDX_PAT;
    has_nx = rdmsr(MSR_EFER) & EFER_NXE;        /* boot.S enabled it when present */
    /* IA32_PAT itself is programmed per CPU by arch_cpu_init (cpu_features.c). */

    /* pmm hands out frames below 4 GiB for now, all reachable through the boot
     * direct map, so the new tables can be written before they are live. */
    paddr_t pml4_phys = pmm_alloc_page();
    if (!pml4_phys)
        panic("out of memory building the kernel page tables");
    uint64_t *pml4 = phys_to_virt(pml4_phys);

    /* Every kernel-half PML4 slot gets its PDPT now (1 MiB total), so later kernel
     * mappings never touch the PML4 and per-process tables can share the kernel
     * half by copying slots 256..511 once. */
    for (int i = KERNEL_HALF_FIRST; i < PT_ENTRIES; i++) {
        paddr_t t = pmm_alloc_page();
        if (!t)
            panic("out of memory building the kernel page tables");
        pml4[i] = t | PTE_PRESENT | PTE_WRITE;
    }

    /* Direct map, write-back, read-write, NX: the first MiB (EBDA and the RSDP search
     * area) and the ranges direct_map_wanted picks. */
    paddr_t ram_end = 0;
    uint64_t mapped = LOW_MEMORY_END;
    vmm_map_or_panic(pml4, DIRECT_MAP_BASE, 0, LOW_MEMORY_END, MAP_WRITE, true);
    for (size_t i = 0; i < boot_info.mmap_count; i++) {
        const struct boot_mem_region *m = &boot_info.mmap[i];
        if (!direct_map_wanted(m))
            continue;
        paddr_t s = ALIGN_DOWN(m->base, PAGE_SIZE);
        paddr_t e = ALIGN_UP(m->base + m->length, PAGE_SIZE);
        if (e > DIRECT_MAP_SIZE || e < s) {
            log_warn("memory above the 64 TiB direct map ignored");
            e = DIRECT_MAP_SIZE;
        }
        if (e <= s)
            continue;
        vmm_map_or_panic(pml4, DIRECT_MAP_BASE + s, s, e - s, MAP_WRITE, true);
        mapped += e - s;
        if (m->type == BOOT_MEM_AVAILABLE)
            ram_end = MAX(ram_end, e);
    }

    /* Kernel image, 4 KiB granular: text RX, rodata R, data and bss RW; all NX but text. */
    vaddr_t text = (vaddr_t)_text_start, rodata = (vaddr_t)_rodata_start;
    vaddr_t data = (vaddr_t)_data_start, end = ALIGN_UP((vaddr_t)_kernel_end, PAGE_SIZE);
    vmm_map_or_panic(pml4, text, text - KERNEL_VMA, rodata - text, MAP_EXEC, false);
    vmm_map_or_panic(pml4, rodata, rodata - KERNEL_VMA, data - rodata, 0, false);
    vmm_map_or_panic(pml4, data, data - KERNEL_VMA, end - data, MAP_WRITE, false);

    unsigned long f = spin_lock_irqsave(&vmm_lock);
    kernel_pml4 = pml4;
    kernel_pml4_phys = pml4_phys;
    write_cr3(pml4_phys);      /* flushes the TLB; the identity map is gone from here */
    spin_unlock_irqrestore(&vmm_lock, f);
    pmm_set_reachable_end(MIN(ram_end, DIRECT_MAP_SIZE));

    log_info("paging: %llu MiB direct-mapped with %s pages, kernel text RX, %s%s",
             (unsigned long long)(mapped >> 20), has_1g ? "1 GiB" : "2 MiB",
             has_nx ? "data NX" : "no NX on this CPU", has_pat ? ", PAT WC" : ", no PAT");
}
