/* Private to kernel/arch/x86_64: the pieces arch_time_init (time.c) assembles --
 * ACPI table access, 8259 masking, PIT, HPET, TSC clock, local APIC, IOAPIC. */
#pragma once

#include <osc/acpi.h>
#include <osc/types.h>

/* acpi_boot.c: finds and parses the machine's tables (NULL result: no ACPI). */
const struct acpi_info *acpi_boot_init(void);

/* pic.c: remaps the legacy 8259 pair to vectors 0x20-0x2f and masks every line. */
void pic_disable(void);

/* pit.c: 8254 channel 2 one-shot waits (gate through port 0x61). */
#define PIT_HZ 1193182u                 /* 8254 input clock: 14.31818 MHz / 12 */
/* Busy-waits us microseconds (up to ~50 ms per call); false if the PIT output
 * never changed within a generous bound (no PIT, or a broken one). */
bool pit_wait_us(uint32_t us);
/* Channel 0 periodic at hz (fallback tick source on ISA IRQ 0). */
void pit_start_periodic(uint32_t hz);

/* hpet.c: main counter of the HPET, when the ACPI table names one. */
bool hpet_init(paddr_t base);           /* maps, checks and starts the counter */
bool hpet_present(void);
uint64_t hpet_read(void);               /* raw counter (wraps at 32 bits on some) */
uint64_t hpet_ticks_to_fs(uint64_t ticks);  /* femtoseconds */
uint64_t hpet_counter_mask(void);

/* tsc.c: the monotonic clock behind time_ns. */
enum clock_ref { CLOCK_REF_NONE, CLOCK_REF_HPET, CLOCK_REF_PIT };
/* Measures the TSC rate against HPET (or PIT); returns the reference used. */
enum clock_ref tsc_calibrate(void);
uint64_t tsc_hz(void);
bool tsc_invariant(void);

/* lapic.c */
int lapic_init(void);                   /* maps and enables the boot CPU's LAPIC */
uint32_t lapic_id(void);
/* Measures the timer against the TSC clock and starts it periodic at hz on
 * vector. Returns the measured timer input rate (Hz), or 0 when it never counted. */
uint64_t lapic_timer_start(uint32_t hz, uint8_t vector);

/* ioapic.c */
void ioapic_init(const struct acpi_info *acpi);   /* maps each IOAPIC, masks all pins */
size_t ioapic_pin_total(void);

/* a * b / c without overflow in the product (128-bit intermediate, one DIV: the
 * compiler would call libgcc's __udivti3 for a 128-bit '/'). Saturates when the
 * quotient does not fit 64 bits; c == 0 gives 0. */
static inline uint64_t mul_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
    if (c == 0)
        return 0;
    unsigned __int128 p = (unsigned __int128)a * b;
    uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p;
    if (hi >= c)
        return UINT64_MAX;
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(c));
    (void)r;
    return q;
}
