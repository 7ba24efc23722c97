/* TEMPORARY (branch sched): weak stand-ins for the mm and time APIs the scheduler
 * uses, so this branch links and boots before those branches are in main. The real
 * (strong) definitions replace them at link time; delete this file once main has
 * pmm_* and time_*. Without the time branch no tick arrives: sleeps never end and
 * the tests that need the timer fail (they are not skipped). The stand-in
 * arch_time_init drives the tick from the legacy PIT through the 8259 until then. */

#include <osc/arch.h>
#include <osc/irq.h>
#include <osc/mm.h>
#include <osc/sched.h>
#include <osc/time.h>

/* A 4 MiB first-fit page pool in .bss; the boot page tables map the kernel image
 * at KERNEL_VMA + physical address. */
#define STUB_POOL_PAGES 1024

static uint8_t stub_pool[STUB_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static bool stub_used[STUB_POOL_PAGES];
static size_t stub_free = STUB_POOL_PAGES;

/* Single CPU, called with the scheduler's own synchronisation only from threads:
 * interrupts are masked around the pool update. */
__attribute__((weak)) paddr_t pmm_alloc_pages(size_t count)
{
    unsigned long f;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
    paddr_t ret = 0;
    for (size_t i = 0; i + count <= STUB_POOL_PAGES && !ret; i++) {
        size_t n = 0;
        while (n < count && !stub_used[i + n])
            n++;
        if (n < count) {
            i += n;
            continue;
        }
        for (n = 0; n < count; n++) {
            stub_used[i + n] = true;
            for (size_t b = 0; b < PAGE_SIZE; b++)
                stub_pool[i + n][b] = 0;
        }
        stub_free -= count;
        ret = (paddr_t)stub_pool[i] - KERNEL_VMA;
    }
    if (f & (1ul << 9))
        __asm__ volatile("sti" ::: "memory");
    return ret;
}

__attribute__((weak)) void pmm_free_pages(paddr_t p, size_t count)
{
    unsigned long f;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
    size_t first = (size_t)((p + KERNEL_VMA - (uint64_t)stub_pool) / PAGE_SIZE);
    for (size_t n = 0; n < count; n++)
        stub_used[first + n] = false;
    stub_free += count;
    if (f & (1ul << 9))
        __asm__ volatile("sti" ::: "memory");
}

__attribute__((weak)) size_t pmm_free_count(void)
{
    return stub_free;
}

/* Legacy timer stand-in: the 8259 pair remapped to vectors 32-47 (all lines masked
 * but the PIT's), PIT channel 0 as a TIMER_HZ rate generator (8254 datasheet). */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI 0x20
#define PIT_CMD 0x43
#define PIT_CH0 0x40
#define PIT_HZ 1193182

static volatile uint64_t stub_ticks;

static void stub_pit_tick(struct irq_frame *f, void *ctx)
{
    (void)f;
    (void)ctx;
    __atomic_fetch_add(&stub_ticks, 1, __ATOMIC_RELAXED);
    outb(PIC1_CMD, PIC_EOI);
    sched_tick();
}

__attribute__((weak)) void arch_time_init(void)
{
    outb(PIC1_CMD, 0x11);           /* ICW1: init, ICW4 follows */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_VECTOR_ISA_BASE);
    outb(PIC2_DATA, IRQ_VECTOR_ISA_BASE + 8);
    outb(PIC1_DATA, 4);             /* ICW3: slave on line 2 */
    outb(PIC2_DATA, 2);
    outb(PIC1_DATA, 1);             /* ICW4: 8086 mode */
    outb(PIC2_DATA, 1);
    outb(PIC1_DATA, 0xff);
    outb(PIC2_DATA, 0xff);
    if (irq_register(IRQ_VECTOR_ISA_BASE, stub_pit_tick, NULL))
        return;
    uint16_t div = PIT_HZ / TIMER_HZ;
    outb(PIT_CMD, 0x34);            /* channel 0, lo/hi, mode 2 */
    outb(PIT_CH0, div & 0xff);
    outb(PIT_CH0, div >> 8);
    outb(PIC1_DATA, 0xfe);          /* unmask IRQ 0 only */
}

__attribute__((weak)) uint64_t time_ns(void)
{
    return __atomic_load_n(&stub_ticks, __ATOMIC_RELAXED) * (1000000000ull / TIMER_HZ);
}

__attribute__((weak)) uint64_t time_ticks(void)
{
    return __atomic_load_n(&stub_ticks, __ATOMIC_RELAXED);
}
