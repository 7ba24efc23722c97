/* User page tables (x86_64, 4-level, 4 KiB pages only): each address space has its
 * own PML4 whose upper 256 entries are copies of the kernel's (all pre-allocated by
 * vmm_init, so the kernel half never changes under a user PML4). The lower half
 * belongs to the address space; callers hold its mm->lock. A user leaf's frame may
 * be shared with other address spaces after fork (page_ref counts the extra
 * mappings); a shared private page is read-only with PTE_COW set until a write
 * fault copies it (upt_cow_break). Every change to a present entry goes through a
 * tlb_batch (<osc/tlb.h>) flushed before returning: other CPUs running this address
 * space drop the old entry first, and only then is a dropped leaf's frame
 * released with page_ref_put. */

#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/tlb.h>
#include <asm/cpu.h>
#include <asm/paging.h>

#define USER_HALF_ENTRIES 256
#define TABLE_FLAGS (PTE_PRESENT | PTE_WRITE | PTE_USER)   /* leaves decide access */
#define PTE_COW     (1ull << 9)     /* software bit (SDM 3A 4.5: ignored by the MMU) */
/* A PROT_NONE page that has a frame: not present, so every access faults, while
 * the entry keeps the frame (SDM 3A 4.5: with P clear the other bits are the
 * software's) for an mprotect back, fork, mremap and unmap. */
#define PTE_PROTNONE (1ull << 10)

/* A leaf that holds a frame, accessible or not. */
static bool leaf_mapped(uint64_t e) { return e & (PTE_PRESENT | PTE_PROTNONE); }

paddr_t vmm_kernel_root(void);

static uint64_t *table_at(uint64_t e) { return phys_to_virt(e & PTE_ADDR_MASK); }
static unsigned idx(vaddr_t va, int level) { return (va >> (12 + 9 * (level - 1))) & 511; }

static uint64_t leaf_for(paddr_t pa, uint32_t prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return pa | PTE_PROTNONE;
    uint64_t e = pa | PTE_PRESENT | PTE_USER;
    if (prot & PROT_WRITE)
        e |= PTE_WRITE;
    if (!(prot & PROT_EXEC) && vmm_nx_supported())
        e |= PTE_NX;
    return e;
}

paddr_t upt_create(void)
{
    paddr_t root = pmm_alloc_page();        /* zeroed: empty user half */
    if (!root)
        return 0;
    uint64_t *dst = phys_to_virt(root);
    const uint64_t *src = phys_to_virt(vmm_kernel_root());
    for (int i = USER_HALF_ENTRIES; i < PT_ENTRIES; i++)
        dst[i] = src[i];
    return root;
}

static void free_level(uint64_t *table, int level)
{
    for (int i = 0; i < PT_ENTRIES; i++) {
        uint64_t e = table[i];
        if (level > 1 ? !(e & PTE_PRESENT) : !leaf_mapped(e))
            continue;
        if (level > 1) {
            free_level(table_at(e), level - 1);
            pmm_free_page(e & PTE_ADDR_MASK);
        } else {
            page_ref_put(e & PTE_ADDR_MASK);
        }
    }
}

void upt_destroy(paddr_t root)
{
    uint64_t *pml4 = phys_to_virt(root);
    for (int i = 0; i < USER_HALF_ENTRIES; i++) {
        if (pml4[i] & PTE_PRESENT) {
            free_level(table_at(pml4[i]), 3);
            pmm_free_page(pml4[i] & PTE_ADDR_MASK);
        }
    }
    pmm_free_page(root);
}

/* Leaf entry for va, creating tables when create; NULL when absent or out of memory. */
static uint64_t *walk(paddr_t root, vaddr_t va, bool create)
{
    uint64_t *t = phys_to_virt(root);
    for (int l = 4; l > 1; l--) {
        uint64_t *e = &t[idx(va, l)];
        if (!(*e & PTE_PRESENT)) {
            if (!create)
                return NULL;
            paddr_t n = pmm_alloc_page();
            if (!n)
                return NULL;
            *e = n | TABLE_FLAGS;
        }
        t = table_at(*e);
    }
    return &t[idx(va, 1)];
}

/* A single changed page, flushed at once (the rare replacement of a present entry). */
static void flush_one(struct mm_space *mm, vaddr_t va, paddr_t release)
{
    struct tlb_batch b;
    tlb_batch_init(&b, mm);
    tlb_batch_page(&b, va);
    if (release)
        tlb_batch_release(&b, release);
    tlb_batch_flush(&b);
}

int upt_map(struct mm_space *mm, vaddr_t va, paddr_t pa, uint32_t prot)
{
    uint64_t *e = walk(mm->root, va, true);
    if (!e)
        return -ENOMEM;
    bool was = *e & PTE_PRESENT;     /* a PROT_NONE entry was never in a TLB */
    *e = leaf_for(pa, prot);
    if (was)
        flush_one(mm, va, 0);
    return 0;
}

int upt_map_cow(struct mm_space *mm, vaddr_t va, paddr_t pa, uint32_t prot)
{
    int err = upt_map(mm, va, pa, prot & ~PROT_WRITE);
    if (!err)
        *walk(mm->root, va, false) |= PTE_COW;  /* read-only already: no flush needed */
    return err;
}

/* Next address to look at after va when the walk found nothing: skips the whole
 * missing table. */
static vaddr_t skip_hole(paddr_t root, vaddr_t va)
{
    uint64_t *t = phys_to_virt(root);
    for (int l = 4; l > 1; l--) {
        uint64_t e = t[idx(va, l)];
        if (!(e & PTE_PRESENT)) {
            uint64_t size = 1ull << (12 + 9 * (l - 1));
            return ALIGN_DOWN(va, size) + size;
        }
        t = table_at(e);
    }
    return va + PAGE_SIZE;
}

/* Calls fn on every leaf with a frame (PROT_NONE ones too) of [start, end) in root, skipping unmapped
 * tables whole; stops at the first non-zero return. fn records what it changed in
 * b, which the caller flushes. */
typedef int (*pte_fn)(uint64_t *e, vaddr_t va, struct tlb_batch *b, void *ctx);

static int for_each_present(paddr_t root, vaddr_t start, vaddr_t end, pte_fn fn,
                            struct tlb_batch *b, void *ctx)
{
    for (vaddr_t va = start; va < end && va >= start;) {
        uint64_t *e = walk(root, va, false);
        if (!e) {
            va = skip_hole(root, va);
            continue;
        }
        if (leaf_mapped(*e)) {
            int err = fn(e, va, b, ctx);
            if (err)
                return err;
        }
        va += PAGE_SIZE;
    }
    return 0;
}

static int unmap_one(uint64_t *e, vaddr_t va, struct tlb_batch *b, void *ctx)
{
    (*(size_t *)ctx)++;
    paddr_t pa = *e & PTE_ADDR_MASK;
    *e = 0;
    tlb_batch_page(b, va);
    tlb_batch_release(b, pa);   /* after the flush: another CPU may still write it */
    return 0;
}

size_t upt_unmap_range(struct mm_space *mm, vaddr_t start, vaddr_t end)
{
    size_t n = 0;
    struct tlb_batch b;
    tlb_batch_init(&b, mm);
    for_each_present(mm->root, start, end, unmap_one, &b, &n);
    tlb_batch_flush(&b);
    return n;
}

static int protect_one(uint64_t *e, vaddr_t va, struct tlb_batch *b, void *ctx)
{
    uint32_t prot = *(const uint32_t *)ctx;
    /* A copy-on-write page stays read-only until its write fault. */
    uint64_t old = *e, cow = old & PTE_COW;
    *e = leaf_for(old & PTE_ADDR_MASK, prot);
    if (cow)
        *e = (*e & ~PTE_WRITE) | PTE_COW;
    if ((*e ^ old) & ~(PTE_ACCESSED | PTE_DIRTY))
        tlb_batch_page(b, va);
    return 0;
}

void upt_protect_range(struct mm_space *mm, vaddr_t start, vaddr_t end, uint32_t prot)
{
    struct tlb_batch b;
    tlb_batch_init(&b, mm);
    for_each_present(mm->root, start, end, protect_one, &b, &prot);
    tlb_batch_flush(&b);
}

struct fork_ctx {
    paddr_t dst;
    bool shared;
};

static int fork_one(uint64_t *e, vaddr_t va, struct tlb_batch *b, void *ctx)
{
    const struct fork_ctx *f = ctx;
    uint64_t *d = walk(f->dst, va, true);
    if (!d)
        return -ENOMEM;
    /* Every private shared page is CoW, read-only ones too: a later
     * mprotect(PROT_WRITE) must not make a shared frame writable. */
    if (!f->shared && !(*e & PTE_COW)) {
        bool was_writable = *e & PTE_WRITE;
        *e = (*e & ~PTE_WRITE) | PTE_COW;
        /* Another thread of the parent must not keep writing into the frame the
         * child now shares. */
        if (was_writable)
            tlb_batch_page(b, va);
    }
    page_ref_get(*e & PTE_ADDR_MASK);
    *d = *e & ~(PTE_ACCESSED | PTE_DIRTY);
    return 0;
}

int upt_fork_range(struct mm_space *dst, struct mm_space *src, vaddr_t start, vaddr_t end,
                   bool shared)
{
    struct fork_ctx f = { dst->root, shared };
    struct tlb_batch b;
    tlb_batch_init(&b, src);
    int err = for_each_present(src->root, start, end, fork_one, &b, &f);
    tlb_batch_flush(&b);
    return err;
}

int upt_cow_break(struct mm_space *mm, vaddr_t va, uint32_t prot)
{
    uint64_t *e = walk(mm->root, va, false);
    /* Another thread of this address space broke it first while we waited for
     * mm->lock: the access can simply be retried. */
    if (e && (*e & PTE_PRESENT) && (*e & PTE_WRITE))
        return 0;
    if (!e || !leaf_mapped(*e) || !(*e & PTE_COW))
        return -EFAULT;     /* not a copy-on-write page */
    paddr_t old = *e & PTE_ADDR_MASK;
    paddr_t pa = old;
    if (page_ref_shared(old)) {
        pa = pmm_alloc_page();
        if (!pa)
            return -ENOMEM;
        memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
    }
    *e = leaf_for(pa, prot);
    if (pa == old) {
        /* Only made writable: a stale read-only entry elsewhere costs one spurious
         * fault (which drops it; this function then finds the page writable). */
        if ((read_cr3() & PTE_ADDR_MASK) == mm->root)
            invlpg(va);
        return 0;
    }
    /* Other CPUs may read the old frame through their read-only entry until the
     * flush; it is released (maybe freed, if the other side let go meanwhile)
     * only after it. */
    flush_one(mm, va, old);
    return 0;
}

paddr_t upt_translate(struct mm_space *mm, vaddr_t va)
{
    uint64_t *e = walk(mm->root, va, false);
    return e && leaf_mapped(*e) ? (*e & PTE_ADDR_MASK) : 0;
}

void upt_activate(paddr_t root)
{
    if (!root)
        root = vmm_kernel_root();
    if ((read_cr3() & PTE_ADDR_MASK) != root)
        write_cr3(root);
}
