/* 8254 PIT: used only as a reference clock for calibration (channel 2, whose gate
 * and output are visible in port 0x61 without any interrupt) and, if the LAPIC
 * timer cannot be used, as a periodic tick on channel 0. */

#include <osc/arch.h>
#include "arch_time.h"

/* Intel 8254 datasheet: control word, modes; port 0x61 is the PC's "port B". */
#define PIT_CH0             0x40
#define PIT_CH2             0x42
#define PIT_CMD             0x43
#define PIT_CMD_CH0         0x00
#define PIT_CMD_CH2         0x80
#define PIT_CMD_LOHI        0x30    /* access: low byte then high byte */
#define PIT_CMD_MODE0       0x00    /* interrupt on terminal count: OUT rises at 0 */
#define PIT_CMD_MODE2       0x04    /* rate generator */
#define PORTB               0x61
#define PORTB_GATE2         0x01    /* channel 2 gate */
#define PORTB_SPEAKER       0x02    /* speaker data enable: kept off */
#define PORTB_OUT2          0x20    /* channel 2 output, read-only */

#define PIT_MAX_US          50000u  /* 16-bit count: at most ~54.9 ms per run */
/* Bound on a wait whose output never rises, before the TSC rate is known: give up
 * after this many TSC cycles per microsecond asked (twice a 10 GHz TSC, so never
 * early; 20x the wait for a 1 GHz TSC), or a poll count in case the TSC is broken. */
#define PIT_TSC_BOUND_PER_US    20000u
#define PIT_POLLS_PER_US        1000u

bool pit_wait_us(uint32_t us)
{
    if (us == 0)
        return true;
    if (us > PIT_MAX_US)
        us = PIT_MAX_US;
    uint32_t count = (uint32_t)((uint64_t)PIT_HZ * us / 1000000u);
    if (count < 1)
        count = 1;
    unsigned long flags = irq_save();
    uint8_t b = inb(PORTB) & ~(PORTB_GATE2 | PORTB_SPEAKER);
    outb(PORTB, b);                                   /* gate low: hold */
    outb(PIT_CMD, PIT_CMD_CH2 | PIT_CMD_LOHI | PIT_CMD_MODE0);
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);
    outb(PORTB, b | PORTB_GATE2);                     /* gate high: count down */
    bool ok = false;
    uint64_t start = rdtsc(), max_cycles = (uint64_t)us * PIT_TSC_BOUND_PER_US;
    for (uint64_t i = 0; i < (uint64_t)us * PIT_POLLS_PER_US; i++) {
        if (inb(PORTB) & PORTB_OUT2) {
            ok = true;
            break;
        }
        if (rdtsc() - start > max_cycles)
            break;
    }
    outb(PORTB, b);
    irq_restore(flags);
    return ok;
}

void pit_start_periodic(uint32_t hz)
{
    uint32_t div = PIT_HZ / hz;
    if (div > 0xffff)
        div = 0xffff;
    outb(PIT_CMD, PIT_CMD_CH0 | PIT_CMD_LOHI | PIT_CMD_MODE2);
    outb(PIT_CH0, div & 0xff);
    outb(PIT_CH0, div >> 8);
}
