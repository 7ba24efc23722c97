/* TEMPORARY (branch sched): weak stand-ins for the time API the scheduler uses, so
 * this branch links and boots before the time branch is in main. The real (strong)
 * definitions replace them at link time; delete this file once main has time_*
 * and arch_time_init. Without the time branch no tick arrives: sleeps never end and
 * the tests that need the timer fail (they are not skipped). The stand-in
 * arch_time_init drives the tick from the legacy PIT through the 8259 until then. */

#include <osc/arch.h>
#include <osc/irq.h>
#include <osc/sched.h>
#include <osc/time.h>

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
