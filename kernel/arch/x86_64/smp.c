/* Application processor start-up (x86_64). The CPUs the ACPI MADT lists as enabled
 * are woken one at a time with INIT-SIPI-SIPI (SDM 3A 8.4.4.1, MP spec B.4) into
 * ap_trampoline.S, copied to reserved pages below 1 MiB. Each AP then runs the same
 * per-CPU init as the boot CPU -- percpu_init, arch_cpu_init, its LAPIC (LESSONS
 * 15) -- reports online and becomes its idle thread, which the boot CPU made
 * beforehand (no allocation on the AP): from then on its tick runs and the
 * scheduler places threads there. Each wait is bounded
 * by wall-clock time (LESSONS 13): a core that never answers costs AP_ANSWER_NS and
 * a log line, and is sent INIT again so it cannot wake up later on a reused block. */

#define LOG_TAG "smp"
#include <osc/acpi.h>
#include <osc/arch.h>
#include <osc/cmdline.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/sched.h>
#include <osc/smp.h>
#include <osc/time.h>
#include <asm/paging.h>
#include "ap_trampoline.h"
#include "arch_cpu.h"
#include "arch_time.h"

#define AP_ANSWER_NS        500000000ull        /* per AP, from its first SIPI */
#define INIT_WAIT_NS        10000000ull         /* INIT -> SIPI: 10 ms (SDM 3A 8.4.4.1) */
#define SIPI_GAP_NS         200000ull           /* between the two SIPIs: 200 us */
#define MSR_EFER            0xc0000080
#define EFER_LME            (1u << 8)
#define EFER_NXE            (1u << 11)

/* Flat 4 GiB descriptors for the trampoline's mode switches (SDM 3A 3.4.5). */
#define DESC_CODE32         0x00cf9a000000ffffull
#define DESC_DATA           0x00cf92000000ffffull
#define DESC_CODE64         0x00af9a000000ffffull

static paddr_t tramp_phys;          /* code + parameter block, then the start-up tables */
static struct tramp_data *tramp;

paddr_t vmm_kernel_root(void);      /* paging.c */
__noreturn void smp_ap_main(uint32_t id);

/* Copies the trampoline and builds its page tables: the first 2 MiB identity-mapped
 * (the code runs there while paging comes on), and the kernel half shared with the
 * kernel's tables (its PML4 slots never change after vmm_init). */
static int trampoline_setup(void)
{
    size_t code = (size_t)(ap_trampoline_end - ap_trampoline_start);
    if (code > TRAMP_DATA_OFF) {
        log_error("trampoline code (%zu bytes) overlaps its parameter block", code);
        return -1;
    }
    tramp_phys = pmm_reserve_low(TRAMP_PAGES);
    if (!tramp_phys) {
        log_error("no free page below 1 MiB for the AP trampoline");
        return -1;
    }
    uint8_t *page = phys_to_virt(tramp_phys);
    memcpy(page, ap_trampoline_start, code);
    tramp = (struct tramp_data *)(page + TRAMP_DATA_OFF);
    tramp->gdt[0] = 0;
    tramp->gdt[1] = DESC_CODE32;
    tramp->gdt[2] = DESC_DATA;
    tramp->gdt[3] = DESC_CODE64;
    tramp->gdt_limit = sizeof(tramp->gdt) - 1;
    tramp->gdt_base = (uint32_t)(tramp_phys + TRAMP_DATA_OFF + TD_GDT);
    tramp->pm_offset = (uint32_t)(tramp_phys + (ap_trampoline_pm - ap_trampoline_start));
    tramp->pm_selector = TRAMP_SEL_CODE32;
    tramp->lm_offset = (uint32_t)(tramp_phys + (ap_trampoline_lm - ap_trampoline_start));
    tramp->lm_selector = TRAMP_SEL_CODE64;

    paddr_t pml4_phys = tramp_phys + PAGE_SIZE, pdpt_phys = pml4_phys + PAGE_SIZE;
    paddr_t pd_phys = pdpt_phys + PAGE_SIZE;
    uint64_t *pml4 = phys_to_virt(pml4_phys), *pdpt = phys_to_virt(pdpt_phys);
    uint64_t *pd = phys_to_virt(pd_phys);
    const uint64_t *kernel = phys_to_virt(vmm_kernel_root());
    pd[0] = PTE_PRESENT | PTE_WRITE | PTE_LARGE;            /* 0..2 MiB */
    pdpt[0] = pd_phys | PTE_PRESENT | PTE_WRITE;
    pml4[0] = pdpt_phys | PTE_PRESENT | PTE_WRITE;
    for (int i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
        pml4[i] = kernel[i];
    tramp->cr3 = (uint32_t)pml4_phys;
    tramp->efer = EFER_LME | (vmm_nx_supported() ? EFER_NXE : 0);
    tramp->entry = (uint64_t)smp_ap_main;
    return 0;
}

static volatile uint32_t *tramp_ack(void)
{
    return (volatile uint32_t *)((uint8_t *)tramp + TD_ACK);
}

/* Every AP starts here, on its idle thread's stack, with interrupts off and the
 * trampoline's tables and GDT; nothing per-CPU is set up yet, so this_cpu() comes
 * first. */
__noreturn void smp_ap_main(uint32_t id)
{
    write_cr3(vmm_kernel_root());           /* drops the identity map */
    percpu_init(id, lapic_id());
    arch_cpu_init();                        /* GDT/TSS/IST, IDT, features, SYSCALL */
    lapic_cpu_init();                       /* LAPIC on, timer armed but masked */
    lapic_timer_unmask();                   /* its ticks wait for the sti below */
    __atomic_store_n(&this_cpu()->online, true, __ATOMIC_RELEASE);
    /* Interrupts come on inside: an IPI sent before then waits in the IRR. */
    sched_start_ap();
}

/* LESSONS 15 at run time: an AP whose control registers differ from the boot
 * CPU's missed a per-CPU step; say so in every boot log (smp_tests.c checks it). */
static void compare_control_state(uint32_t id)
{
    const struct cpu_control_state *b = cpu_control_state_of(0), *a = cpu_control_state_of(id);
    if (!a || !b) {
        log_warn("CPU %u: control registers not recorded", id);
        return;
    }
    if (memcmp(a, b, sizeof(*a)) != 0)
        log_warn("CPU %u set up unlike CPU 0: cr0 %#lx/%#lx cr4 %#lx/%#lx efer %#lx/%#lx "
                 "pat %#lx/%#lx xcr0 %#lx/%#lx", id, a->cr0, b->cr0, a->cr4, b->cr4,
                 a->efer, b->efer, a->pat, b->pat, a->xcr0, b->xcr0);
}

static bool wait_online(const struct cpu *c, uint64_t since)
{
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
        if (time_ns() - since >= AP_ANSWER_NS)
            return false;
        cpu_relax();
    }
    return true;
}

/* Starts one AP (already sent INIT) as logical CPU id; true once it is online.
 * stall: the test hook, the AP halts in the trampoline before it acknowledges. */
static bool start_ap(uint32_t id, uint32_t apic_id, bool stall)
{
    uint64_t stack_top = sched_prepare_cpu(id);
    if (!stack_top) {
        log_error("no memory for the idle thread of CPU %u (APIC id %u)", id, apic_id);
        return false;
    }
    struct cpu *c = &cpus[id];
    c->apic_id = apic_id;
    c->online = false;
    c->kernel_stack_top = stack_top;
    tramp->stack_top = c->kernel_stack_top;
    tramp->cpu_id = id;
    tramp->stall = stall;
    *tramp_ack() = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    uint8_t vector = (uint8_t)(tramp_phys >> 12);
    uint64_t t0 = time_ns();
    bool sent = lapic_send_startup(apic_id, vector) == 0;
    time_delay_ns(SIPI_GAP_NS);
    if (sent && !*tramp_ack())
        sent = lapic_send_startup(apic_id, vector) == 0;
    if (sent && wait_online(c, t0)) {
        compare_control_state(id);
        return true;
    }

    /* A core that did not answer goes back to waiting for a SIPI, so it cannot
     * start later on the next AP's parameters and stack. (One that acknowledged
     * but is still in its init after 0.5 s could be holding the log lock; nothing
     * here can tell, and such a core is broken anyway.) */
    lapic_send_init(apic_id);
    __atomic_store_n(&c->online, false, __ATOMIC_RELEASE);     /* if it came up just late */
    log_warn("CPU %u (APIC id %u) %s in %llu ms; left parked", id, apic_id,
             sent ? (*tramp_ack() ? "started but did not come online" : "did not answer")
                  : "could not be sent a start-up IPI",
             (unsigned long long)((time_ns() - t0) / 1000000));
    sched_unprepare_cpu(id);
    c->kernel_stack_top = 0;
    return false;
}

/* maxcpus=N and nosmp, as Linux reads them: at most N CPUs in all (0 counts as 1,
 * the boot CPU always runs). */
static uint32_t cpu_limit(void)
{
    uint32_t limit = MAX_CPUS;
    const char *v = cmdline_get("maxcpus");
    uint64_t n;
    if (v && parse_u64(v, strlen(v), &n))
        limit = n == 0 ? 1 : (uint32_t)MIN(n, (uint64_t)MAX_CPUS);
    else if (v)
        log_warn("maxcpus='%s' is not a number; ignored", v);
    if (cmdline_has("nosmp"))
        limit = 1;
    return limit;
}

void smp_init(void)
{
    struct cpu *bsp = this_cpu();
    uint64_t t0 = time_ns();
    __atomic_store_n(&bsp->online, true, __ATOMIC_RELEASE);

    /* The MADT's processors other than this one: enabled ones to start, then the
     * online-capable ones (hot-add; never started here). */
    uint32_t start[MAX_CPUS], hotplug[MAX_CPUS];
    size_t nstart = 0, nhot = 0;
    for (size_t i = 0; i < acpi_info.cpu_count; i++) {
        const struct acpi_cpu *a = &acpi_info.cpus[i];
        if (a->apic_id == bsp->apic_id)
            continue;
        if (a->enabled && nstart < MAX_CPUS - 1)
            start[nstart++] = a->apic_id;
        else if (!a->enabled && nhot < MAX_CPUS)
            hotplug[nhot++] = a->apic_id;
    }
    uint32_t present = 1 + (uint32_t)nstart;
    uint32_t possible = (uint32_t)MIN(present + nhot, (size_t)MAX_CPUS);
    uint32_t limit = cpu_limit();
    size_t want = MIN(nstart, (size_t)limit - 1);
    /* Test hook smp.stall=K: the K-th AP started (1 = the first) never answers. */
    uint64_t stall_nth = 0;
    const char *stall = cmdline_get("smp.stall");
    if (!stall || !parse_u64(stall, strlen(stall), &stall_nth))
        stall_nth = 0;

    /* Not-started APs get the ids after the online ones (percpu.h); filled below. */
    uint32_t failed[MAX_CPUS];
    size_t nfailed = 0;
    smp_ipi_init();         /* before any AP can take an IPI: the table is shared */
    if (want && (!lapic_present() || trampoline_setup() != 0)) {
        log_error("cannot start application processors: running on the boot CPU only");
        want = 0;
    }
    if (want) {
        /* INIT to every AP at once, one 10 ms wait, then SIPIs one AP at a time:
         * the trampoline's block is reused, so each AP acknowledges first. */
        for (size_t i = 0; i < want; i++)
            if (lapic_send_init(start[i]) != 0)
                log_warn("INIT to APIC id %u not delivered", start[i]);
        time_delay_ns(INIT_WAIT_NS);
        for (size_t i = 0; i < want; i++) {
            if (start_ap(cpu_count, start[i], stall_nth == i + 1))
                __atomic_store_n(&cpu_count, cpu_count + 1, __ATOMIC_RELEASE);
            else
                failed[nfailed++] = start[i];
        }
    }
    uint32_t id = cpu_count;
    for (size_t i = 0; i < nfailed; i++)
        cpus[id++].apic_id = failed[i];
    for (size_t i = want; i < nstart; i++)
        cpus[id++].apic_id = start[i];
    for (size_t i = 0; i < nhot && id < MAX_CPUS; i++)
        cpus[id++].apic_id = hotplug[i];
    cpu_present_count = present;
    cpu_possible_count = possible;

    uint64_t ms = (time_ns() - t0) / 1000000, us = (time_ns() - t0) / 1000 % 1000;
    const char *why = present == 1 ? "one CPU"
                      : nfailed ? "some did not answer"
                      : want < nstart ? "limited by maxcpus/nosmp"
                      : "all run threads";
    log_info("%u of %u CPUs online (%llu.%03llu ms; %s)", cpu_count, present,
             (unsigned long long)ms, (unsigned long long)us, why);
}
