/* In-kernel tests of the TLB shoot-down (tlb.c, mm_activate's CPU mask). An AP
 * (selftest.py --smp 2) loads a test address space in its call-function handler
 * and reads it through its TLB while this CPU changes the mappings; the old frames
 * are kept allocated (an extra reference) with their old contents, so a stale
 * entry would read the old value. With one CPU this CPU plays the AP's part. */

#define LOG_TAG "test"
#include <osc/ktest.h>
#include <osc/mm.h>
#include <osc/mm_space.h>
#include <osc/percpu.h>
#include <osc/smp.h>
#include <osc/time.h>
#include <osc/tlb.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/paging.h>

#define TEST_UVA    0x0000100000000000ull
#define TEST_KVA    (MMIO_BASE + (1ull << 39) + (1ull << 30))   /* unused kernel VA */
#define NPAGES      100         /* > TLB_BATCH_PAGES and > TLB_BATCH_FRAMES */
#define ATTEMPTS    5           /* rounds in which the AP switched tables are retried */
#define COST_ROUNDS 1000

paddr_t vmm_kernel_root(void);

static uint32_t online(void)
{
    return __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
}

/* The CPU that caches the test mappings: the first AP, or this CPU alone. */
static uint32_t reader_cpu(void)
{
    return online() > 1 ? (this_cpu()->id == 0 ? 1 : 0) : this_cpu()->id;
}

struct probe {
    struct mm_space *mm;
    vaddr_t va;
    uint32_t n;
    bool busy;          /* the reader had a user thread's tables: left alone */
    bool loaded;        /* the reader still had mm loaded when asked to read */
    uint64_t vals[NPAGES];
};

static uint64_t read_user(vaddr_t va)
{
    if (cpu_has(CPU_FEATURE_SMAP))
        __asm__ volatile("stac" ::: "memory");
    uint64_t v = *(volatile uint64_t *)va;
    if (cpu_has(CPU_FEATURE_SMAP))
        __asm__ volatile("clac" ::: "memory");
    return v;
}

static paddr_t cr3_root(void)
{
    return read_cr3() & PTE_ADDR_MASK;
}

static void read_all(struct probe *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        p->vals[i] = read_user(p->va + i * PAGE_SIZE);
}

/* On the reader: load mm (unless a user thread's tables are there) and fill the
 * TLB with its pages. */
static void load_and_read(void *arg)
{
    struct probe *p = arg;
    paddr_t root = cr3_root();
    p->busy = root != vmm_kernel_root() && root != p->mm->root;
    if (p->busy)
        return;
    mm_activate(p->mm);
    read_all(p);
}

/* On the reader: read again through whatever its TLB holds, if mm is still loaded
 * (a context switch in between would have flushed it, proving nothing). */
static void read_if_loaded(void *arg)
{
    struct probe *p = arg;
    p->loaded = cr3_root() == p->mm->root;
    if (p->loaded)
        read_all(p);
}

static void unload(void *arg)
{
    struct probe *p = arg;
    if (cr3_root() == p->mm->root)
        mm_activate(NULL);
}

static uint64_t value(uint32_t round, uint32_t i)
{
    return 0x7100000000ull + ((uint64_t)round << 16) + i;
}

static int fill(struct mm_space *mm, uint32_t n, uint32_t round)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = value(round, i);
        int err = mm_write(mm, TEST_UVA + i * PAGE_SIZE, &v, sizeof(v));
        if (err)
            return err;
    }
    return 0;
}

/* A test address space with n pages holding value(0, i). */
static struct mm_space *test_mm(uint32_t n)
{
    struct mm_space *mm = mm_create();
    if (!mm)
        return NULL;
    if (mm_map_fixed(mm, TEST_UVA, TEST_UVA + n * PAGE_SIZE, PROT_READ | PROT_WRITE, 0) ||
        fill(mm, n, 0)) {
        mm_put(mm);
        return NULL;
    }
    return mm;
}

/* One round: the reader caches n pages, this CPU unmaps and maps them afresh with
 * new contents (the old frames pinned), the reader reads again. 1 when the reader
 * saw every new value, 0 when it switched tables in between (inconclusive: once
 * off them it never loads them again by itself, so "loaded at the end" means
 * "loaded throughout"), -1 when it read an old value or something failed. */
static int remap_round(uint32_t n, uint32_t *requests)
{
    uint32_t cpu = reader_cpu();
    struct mm_space *mm = test_mm(n);
    if (!mm)
        return -1;
    static struct probe p;      /* static: a large test would crowd the stack */
    static paddr_t old[NPAGES];
    p = (struct probe){ .mm = mm, .va = TEST_UVA, .n = n };
    int ret = -1;
    for (uint32_t i = 0; i < n; i++)
        if (mm_user_phys(mm, TEST_UVA + i * PAGE_SIZE, false, &old[i]) != 0)
            goto out_put;
    for (uint32_t i = 0; i < n; i++)
        page_ref_get(old[i]);
    if (smp_call_on(cpu, load_and_read, &p, true) != 0 || p.busy) {
        log_error("CPU %u did not load the test tables (busy: %d)", cpu, p.busy);
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        if (p.vals[i] != value(0, i))
            goto out;
    ret = 0;
    /* Its scheduler may have switched it off them since (then no round). */
    if (!(__atomic_load_n(&mm->cpus, __ATOMIC_SEQ_CST) & (1ull << cpu)))
        goto out;
    uint64_t before = tlb_requests_served(cpu);
    if (mm_map_fixed(mm, TEST_UVA, TEST_UVA + n * PAGE_SIZE, PROT_READ | PROT_WRITE, 0) ||
        fill(mm, n, 1) || smp_call_on(cpu, read_if_loaded, &p, true) != 0) {
        ret = -1;
        goto out;
    }
    *requests = (uint32_t)(tlb_requests_served(cpu) - before);
    if (!p.loaded)
        goto out;
    for (uint32_t i = 0; i < n; i++)
        if (p.vals[i] != value(1, i)) {
            log_error("CPU %u read %#llx at page %u, not %#llx: stale TLB entry", cpu,
                      (unsigned long long)p.vals[i], i, (unsigned long long)value(1, i));
            ret = -1;
            goto out;
        }
    ret = 1;
out:
    (void)smp_call_on(cpu, unload, &p, true);
    for (uint32_t i = 0; i < n; i++)
        page_ref_put(old[i]);
out_put:
    mm_put(mm);
    return ret;
}

static void remap_test(bool *ktest_failed, uint32_t n)
{
    KT_ASSERT_EQ(page_ref_init(), 0);
    int r = 0;
    uint32_t requests = 0;
    for (int i = 0; i < ATTEMPTS && r == 0; i++)
        r = remap_round(n, &requests);
    KT_ASSERT_EQ(r, 1);
    if (reader_cpu() != this_cpu()->id)
        KT_ASSERT(requests >= 1);
    log_write(LOG_INFO, "test", "%u page(s) remapped under CPU %u: %u shoot-down request(s)",
              n, reader_cpu(), requests);
}

KTEST(a_remapped_page_is_read_afresh_by_the_cpu_that_cached_it)
{
    remap_test(ktest_failed, 1);
}

/* More pages than one batch holds: a full flush, frames released in two rounds. */
KTEST(a_remapped_range_larger_than_a_batch_is_read_afresh_everywhere)
{
    remap_test(ktest_failed, NPAGES);
}

/* The mask: while the reader has mm loaded, one batch costs it exactly one
 * request and every other CPU none; once it has left, none at all. 1, 0 (the
 * reader was switched off mm during the batch: no round) or -1. */
static int mask_round(void)
{
    uint32_t cpu = reader_cpu(), me = this_cpu()->id, n = online();
    struct mm_space *mm = test_mm(2);
    if (!mm)
        return -1;
    struct probe p = { .mm = mm, .va = TEST_UVA, .n = 2 };
    static uint64_t before[MAX_CPUS];
    int ret = -1;
    if (smp_call_on(cpu, load_and_read, &p, true) != 0 || p.busy)
        goto out;
    for (uint32_t c = 0; c < n; c++)
        before[c] = tlb_requests_served(c);
    if (mm_protect(mm, TEST_UVA, TEST_UVA + 2 * PAGE_SIZE, PROT_READ) != 0 ||
        smp_call_on(cpu, read_if_loaded, &p, true) != 0)
        goto out;
    ret = 0;
    if (!p.loaded)
        goto out;
    ret = -1;
    for (uint32_t c = 0; c < n; c++)
        if (c != me && tlb_requests_served(c) - before[c] != (c == cpu ? 1 : 0)) {
            log_error("CPU %u served %llu requests for one batch", c,
                      (unsigned long long)(tlb_requests_served(c) - before[c]));
            goto out;
        }
    if (smp_call_on(cpu, unload, &p, true) != 0 ||
        __atomic_load_n(&mm->cpus, __ATOMIC_SEQ_CST) != 0)
        goto out;
    for (uint32_t c = 0; c < n; c++)
        before[c] = tlb_requests_served(c);
    if (mm_unmap(mm, TEST_UVA, TEST_UVA + 2 * PAGE_SIZE) != 0)
        goto out;
    ret = 1;
    for (uint32_t c = 0; c < n; c++)
        if (tlb_requests_served(c) != before[c])
            ret = -1;
out:
    (void)smp_call_on(cpu, unload, &p, true);
    mm_put(mm);
    return ret;
}

KTEST(only_cpus_with_the_address_space_loaded_are_interrupted)
{
    int r = 0;
    for (int i = 0; i < ATTEMPTS && r == 0; i++)
        r = mask_round();
    KT_ASSERT_EQ(r, 1);
}

/* The cost of one shoot-down of one page to one other CPU (docs/STATUS.md): only
 * the mprotects during which the reader still had mm loaded count (its scheduler
 * may switch it away; it is then made to load mm again, untimed). */
KTEST(shootdown_round_trip_cost)
{
    uint32_t cpu = reader_cpu();
    struct mm_space *mm = test_mm(1);
    KT_ASSERT(mm != NULL);
    struct probe p = { .mm = mm, .va = TEST_UVA, .n = 1 };
    uint64_t cycles = 0, ns = 0, counted = 0, reloads = 0;
    int err = 0;
    for (int i = 0; i < COST_ROUNDS && !err; i++) {
        if (!(__atomic_load_n(&mm->cpus, __ATOMIC_SEQ_CST) & (1ull << cpu))) {
            err = smp_call_on(cpu, load_and_read, &p, true);
            reloads++;
        }
        uint64_t served = tlb_requests_served(cpu), t0 = time_ns(), c0 = rdtsc();
        if (!err)
            err = mm_protect(mm, TEST_UVA, TEST_UVA + PAGE_SIZE,
                             (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ);
        uint64_t c = rdtsc() - c0, t = time_ns() - t0;
        if (cpu == this_cpu()->id || tlb_requests_served(cpu) != served) {
            cycles += c;
            ns += t;
            counted++;
        }
    }
    (void)smp_call_on(cpu, unload, &p, true);
    mm_put(mm);
    KT_ASSERT_EQ(err, 0);
    KT_ASSERT(counted > 0);
    log_write(LOG_INFO, "test", "%llu mprotects with CPU %u holding the page (%llu reloads): "
              "%llu TSC cycles (%llu ns) each", (unsigned long long)counted, cpu,
              (unsigned long long)reloads, (unsigned long long)(cycles / counted),
              (unsigned long long)(ns / counted));
}

/* Kernel mappings: every other online CPU drops a remapped kernel page. */
static uint64_t kernel_seen[MAX_CPUS];

static void read_kernel_page(void *arg)
{
    (void)arg;
    kernel_seen[this_cpu()->id] = *(volatile uint64_t *)TEST_KVA;
}

KTEST(a_remapped_kernel_page_is_read_afresh_on_every_cpu)
{
    paddr_t a = pmm_alloc_page(), b = pmm_alloc_page();
    KT_ASSERT(a && b);
    *(uint64_t *)phys_to_virt(a) = 0xaaaa;
    *(uint64_t *)phys_to_virt(b) = 0xbbbb;
    uint32_t n = online(), me = this_cpu()->id;
    bool ok = vmm_map_range(TEST_KVA, a, PAGE_SIZE, MAP_WRITE) == 0;
    ok = ok && smp_call_all_others(read_kernel_page, NULL) == 0;
    for (uint32_t c = 0; c < n; c++)
        ok = ok && (c == me || kernel_seen[c] == 0xaaaa);
    vmm_unmap_range(TEST_KVA, PAGE_SIZE);
    bool remapped = vmm_map_range(TEST_KVA, b, PAGE_SIZE, MAP_WRITE) == 0;
    ok = ok && remapped && smp_call_all_others(read_kernel_page, NULL) == 0;
    read_kernel_page(NULL);
    bool fresh = true;
    for (uint32_t c = 0; c < n; c++)
        fresh = fresh && kernel_seen[c] == 0xbbbb;
    vmm_unmap_range(TEST_KVA, PAGE_SIZE);
    pmm_free_page(a);
    pmm_free_page(b);
    KT_ASSERT(ok);
    KT_ASSERT(fresh);
}
