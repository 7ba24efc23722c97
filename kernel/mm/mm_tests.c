/* In-kernel self-tests of mm: the frame allocator on real RAM, the live kernel page
 * tables (permissions read back with vmm_query, never by faulting) and the heap. */

#define LOG_TAG "mm"
#include <osc/arch.h>
#include <osc/boot.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <osc/mm.h>

#define TEST_VA (MMIO_BASE + (1ull << 39))  /* far above the MMIO bump pointer */

/* Without NX hardware everything is executable: expected flags gain MAP_EXEC. */
static unsigned nx(unsigned flags)
{
    return vmm_nx_supported() ? flags : flags | MAP_EXEC;
}

static uint32_t test_rand(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static bool page_is_zero(paddr_t p)
{
    const uint64_t *w = phys_to_virt(p);
    for (size_t i = 0; i < PAGE_SIZE / 8; i++)
        if (w[i])
            return false;
    return true;
}

/* Zeroing every frame costs ~2.5 s per GiB under TCG, so the full drain runs only on
 * small machines; bigger ones drain a bounded amount and check that a run larger than
 * all free memory is refused. */
#define DRAIN_ALL_MAX_PAGES  (GiB(1) / PAGE_SIZE)
#define DRAIN_BOUNDED_PAGES  (MiB(64) / PAGE_SIZE)

/* Takes free frames (2 MiB runs first, then smaller), chaining them through their own
 * first words, checks that exhaustion is reported as 0 / NULL, then frees them all. */
KTEST(pmm_alloc_until_exhausted_then_free_restores_count)
{
    /* Exact counts: nothing else may allocate or free meanwhile (a thread stack
     * reaped, an interrupt handler), so the whole drain runs with interrupts off. */
    unsigned long irq = irq_save();
    heap_trim();            /* else kmalloc below could reuse a block the heap kept */
    size_t before = pmm_free_count();
    bool drain_all = before <= DRAIN_ALL_MAX_PAGES;
    size_t budget = drain_all ? before : DRAIN_BOUNDED_PAGES;
    bool too_big_refused = pmm_alloc_pages(before + 1) == 0;
    paddr_t head = 0;
    size_t got = 0;
    for (size_t run = 512; run >= 1; run /= 8) {
        paddr_t p;
        while (got + run <= budget && (p = pmm_alloc_pages(run)) != 0) {
            uint64_t *w = phys_to_virt(p);
            w[0] = head;
            w[1] = run;
            head = p;
            got += run;
        }
    }
    size_t left = pmm_free_count();
    bool exhausted = drain_all ? pmm_alloc_page() == 0 : pmm_alloc_pages(left + 1) == 0;
    /* The heap needs pages too: it must say no, not hang. */
    void *k = drain_all ? kmalloc(3 * PAGE_SIZE) : kmalloc((left + 1) * PAGE_SIZE);
    while (head) {
        uint64_t *w = phys_to_virt(head);
        paddr_t next = w[0];
        pmm_free_pages(head, w[1]);
        head = next;
    }
    size_t after = pmm_free_count();
    irq_restore(irq);
    KT_ASSERT(too_big_refused);
    KT_ASSERT(exhausted);
    KT_ASSERT(k == NULL);
    KT_ASSERT_EQ(left, before - got);
    KT_ASSERT_EQ(got, budget);
    KT_ASSERT_EQ(after, before);
}

KTEST(pmm_contiguous_runs_are_zeroed_and_marked_used)
{
    size_t before = pmm_free_count();
    paddr_t a = pmm_alloc_pages(16);
    KT_ASSERT(a != 0 && (a & (PAGE_SIZE - 1)) == 0);
    for (size_t i = 0; i < 16; i++) {
        KT_ASSERT(pmm_is_allocated(a + i * PAGE_SIZE));
        KT_ASSERT(page_is_zero(a + i * PAGE_SIZE));
    }
    memset(phys_to_virt(a), 0xcc, 16 * PAGE_SIZE);
    KT_ASSERT_EQ(pmm_free_count(), before - 16);
    pmm_free_pages(a, 16);
    KT_ASSERT(!pmm_is_allocated(a));
    paddr_t b = pmm_alloc_pages(16);    /* lowest-first: the same run, zeroed again */
    KT_ASSERT_EQ(b, a);
    KT_ASSERT(page_is_zero(b + 15 * PAGE_SIZE));
    pmm_free_pages(b, 16);
    KT_ASSERT_EQ(pmm_free_count(), before);
}

KTEST(vmm_map_write_translate_unmap)
{
    paddr_t p = pmm_alloc_page();
    KT_ASSERT(p != 0);
    KT_ASSERT_EQ(vmm_map_range(TEST_VA, p, PAGE_SIZE, MAP_WRITE), 0);
    volatile uint64_t *v = (volatile uint64_t *)TEST_VA;
    v[3] = 0x1122334455667788ull;
    KT_ASSERT_EQ(((uint64_t *)phys_to_virt(p))[3], 0x1122334455667788ull);
    KT_ASSERT_EQ(vmm_translate(TEST_VA + 0x123), p + 0x123);
    paddr_t q;
    unsigned flags;
    KT_ASSERT(vmm_query(TEST_VA, &q, &flags));
    KT_ASSERT_EQ(flags, nx(MAP_WRITE));
    KT_ASSERT_EQ(virt_to_phys((void *)TEST_VA), p);
    vmm_unmap_range(TEST_VA, PAGE_SIZE);
    KT_ASSERT_EQ(vmm_translate(TEST_VA), 0);
    KT_ASSERT(!vmm_query(TEST_VA, NULL, NULL));
    pmm_free_page(p);
}

KTEST(vmm_unmap_inside_a_large_page_splits_it)
{
    /* Punch a hole in the direct map (1 GiB or 2 MiB leaves) at a frame we own. */
    paddr_t p = pmm_alloc_page();
    KT_ASSERT(p != 0);
    vaddr_t va = DIRECT_MAP_BASE + p;
    vmm_unmap_range(va, PAGE_SIZE);
    bool hole = vmm_translate(va) == 0;
    paddr_t before = vmm_translate(va - PAGE_SIZE), after = vmm_translate(va + PAGE_SIZE);
    int err = vmm_map_range(va, p, PAGE_SIZE, MAP_WRITE);
    KT_ASSERT_EQ(err, 0);
    KT_ASSERT(hole);
    KT_ASSERT_EQ(before, p - PAGE_SIZE);
    KT_ASSERT_EQ(after, p + PAGE_SIZE);
    unsigned flags;
    KT_ASSERT(vmm_query(va + PAGE_SIZE, NULL, &flags));
    KT_ASSERT_EQ(flags, nx(MAP_WRITE));     /* the split kept RW, NX, write-back */
    KT_ASSERT_EQ(vmm_translate(va), p);
    pmm_free_page(p);
}

KTEST(vmm_direct_map_reaches_highest_ram_frame)
{
    paddr_t last = pmm_ram_end() - PAGE_SIZE;
    KT_ASSERT(last > 0);
    KT_ASSERT_EQ(vmm_translate(DIRECT_MAP_BASE + last), last);
    volatile uint64_t *w = phys_to_virt(last);
    (void)*w;                           /* reading must not fault */
    log_info("direct map reaches %#llx", (unsigned long long)pmm_ram_end());
}

static int test_data_word = 1;

KTEST(vmm_kernel_image_is_write_xor_execute)
{
    unsigned f;
    KT_ASSERT(vmm_query((vaddr_t)&ktest_fn_vmm_kernel_image_is_write_xor_execute, NULL, &f));
    KT_ASSERT_EQ(f, MAP_EXEC);                      /* text: read + execute only */
    static const char rodata_string[] = "read only";
    KT_ASSERT(vmm_query((vaddr_t)rodata_string, NULL, &f));
    KT_ASSERT_EQ(f, nx(0));            /* rodata: read only, NX */
    KT_ASSERT(vmm_query((vaddr_t)&test_data_word, NULL, &f));
    KT_ASSERT_EQ(f, nx(MAP_WRITE));    /* data: RW, NX */
    KT_ASSERT(vmm_query(DIRECT_MAP_BASE + MiB(1), NULL, &f));
    KT_ASSERT_EQ(f, nx(MAP_WRITE));    /* direct map: RW, NX */
    /* The boot identity map is gone. */
    KT_ASSERT(!vmm_query(0x200000, NULL, NULL));
    KT_ASSERT(!vmm_query(0x1000, NULL, NULL));
}

KTEST(vmm_mmio_mappings_carry_cache_attributes)
{
    paddr_t p = pmm_alloc_page();
    KT_ASSERT(p != 0);
    unsigned f;
    char *uc = vmm_map_mmio(p + 0x10, 0x20, MAP_NOCACHE | MAP_WRITE);
    char *wc = vmm_map_mmio(p, PAGE_SIZE, MAP_WC | MAP_WRITE);
    KT_ASSERT(uc && wc);
    KT_ASSERT_EQ((vaddr_t)uc & (PAGE_SIZE - 1), 0x10);
    KT_ASSERT_EQ(vmm_translate((vaddr_t)uc), p + 0x10);
    KT_ASSERT(vmm_query((vaddr_t)uc, NULL, &f));
    KT_ASSERT_EQ(f, nx(MAP_NOCACHE | MAP_WRITE));
    KT_ASSERT(vmm_query((vaddr_t)wc, NULL, &f));
    KT_ASSERT_EQ(f, nx(MAP_WC | MAP_WRITE));
    vmm_unmap_range((vaddr_t)uc, 0x20);
    vmm_unmap_range((vaddr_t)wc, PAGE_SIZE);
    pmm_free_page(p);
}

KTEST(heap_random_stress_with_pattern_checks)
{
    enum { SLOTS = 512, ROUNDS = 8000 };
    static uint8_t *ptr[SLOTS];
    static size_t len[SLOTS];
    struct mm_stats s0, s1;
    mm_get_stats(&s0);
    uint32_t seed = 0x5eed;
    bool ok = true;
    for (int r = 0; r < ROUNDS && ok; r++) {
        int i = test_rand(&seed) % SLOTS;
        if (ptr[i]) {
            for (size_t k = 0; k < len[i]; k++)
                if (ptr[i][k] != (uint8_t)(i * 7 + k))
                    ok = false;
            kfree(ptr[i]);
            ptr[i] = NULL;
        } else {
            uint32_t x = test_rand(&seed);
            len[i] = (x & 0xf) == 0 ? x % 20000 : x % 2100;
            ptr[i] = (x & 0x10) ? kzalloc(len[i]) : kmalloc(len[i]);
            if (!ptr[i]) {
                ok = false;
                break;
            }
            if (((uintptr_t)ptr[i] & 15) != 0)
                ok = false;
            if (x & 0x10)
                for (size_t k = 0; k < len[i]; k++)
                    if (ptr[i][k])
                        ok = false;
            for (size_t k = 0; k < len[i]; k++)
                ptr[i][k] = (uint8_t)(i * 7 + k);
        }
    }
    for (int i = 0; i < SLOTS; i++) {
        kfree(ptr[i]);
        ptr[i] = NULL;
    }
    kfree(NULL);
    mm_get_stats(&s1);
    KT_ASSERT(ok);
    KT_ASSERT_EQ(s1.heap_bytes_in_use, s0.heap_bytes_in_use);
    KT_ASSERT(s1.heap_bytes_reserved <= s0.heap_bytes_reserved + 8 * PAGE_SIZE);
    KT_ASSERT_EQ(s1.total_pages, pmm_total_count());
}

/* ACPI code reads the tables through phys_to_virt: the RSDT/XSDT the loader's RSDP
 * names must be in the direct map (QEMU keeps them in "reserved" memory next to RAM). */
KTEST(vmm_direct_map_covers_acpi_root_table)
{
    if (boot_info.rsdp_len < 20) {
        log_info("no RSDP from the loader: nothing to check");
        return;
    }
    uint32_t rsdt;
    memcpy(&rsdt, &boot_info.rsdp[16], sizeof(rsdt));      /* ACPI 6.4 5.2.5.3 */
    paddr_t root = rsdt;
    if (boot_info.rsdp_len >= 36 && boot_info.rsdp[15] >= 2) {
        uint64_t xsdt;
        memcpy(&xsdt, &boot_info.rsdp[24], sizeof(xsdt));
        if (xsdt)
            root = xsdt;
    }
    KT_ASSERT(root != 0);
    KT_ASSERT_EQ(vmm_translate(DIRECT_MAP_BASE + root), root);
    const char *sig = phys_to_virt(root);
    KT_ASSERT(memcmp(sig, "RSDT", 4) == 0 || memcmp(sig, "XSDT", 4) == 0);
}
