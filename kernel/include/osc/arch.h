/* The architecture-neutral face of the CPU: interrupt masking, halting, the
 * emulator exit port and stack walking. Each architecture implements it under
 * kernel/arch/<arch>/ (inline parts in <asm/cpu.h>). */
#pragma once

#include <osc/types.h>
#include <asm/cpu.h>

/* Exit codes written to the isa-debug-exit port; QEMU exits with (v << 1) | 1. */
#define EXIT_PASS   0x10    /* QEMU status 33 */
#define EXIT_FAIL   0x11    /* QEMU status 35 */
#define EXIT_PANIC  0x12    /* QEMU status 37 */

/* Interrupt masking on the current CPU. irq_save returns the previous state. */
static inline unsigned long irq_save(void) { return arch_irq_save(); }
static inline void irq_restore(unsigned long flags) { arch_irq_restore(flags); }
static inline void irq_enable(void) { arch_irq_enable(); }
static inline void irq_disable(void) { arch_irq_disable(); }
static inline bool irq_enabled(void) { return arch_irq_enabled(); }
static inline void cpu_relax(void) { arch_cpu_relax(); }

/* Leaves the emulator with the given EXIT_* code (no-op on real hardware, where the
 * caller falls through to halting). */
void arch_exit_emulator(uint8_t code);
__noreturn void arch_halt_forever(void);

/* Leaving the machine (reboot(2)); interrupts are off afterwards. The ACPI values
 * come from the table parser (NULL or absent: the fallbacks only).
 * arch_power_off enters ACPI S5 and returns only on failure (-ENODEV without a
 * FADT, -ENOENT without \_S5_, -EIO when the machine stayed on).
 * arch_reset tries the FADT reset register, then the 8042, then a triple fault. */
struct acpi_fadt;
int arch_power_off(const struct acpi_fadt *fadt);
__noreturn void arch_reset(const struct acpi_fadt *fadt);

/* Per-CPU set-up that every core runs (LESSONS 15): descriptor tables, features. */
void arch_cpu_init(void);
/* Interrupt controllers and timers, after mm so MMIO can be mapped. */
void arch_time_init(void);
/* With interrupts off: this CPU's timer interrupts at deadline (time_ns) when
 * that comes before what it is loaded for (its tick or an earlier deadline), so a
 * short sleep does not last until the tick (the tick keeps its phase). */
void arch_timer_wake_at(uint64_t deadline);

/* Test hook: deliberately faults the kernel ("page", "ud", "gp", "de", "df" for a
 * kernel stack overflow). Unknown kinds log an error and return. */
void arch_inject_fault(const char *kind);
/* Sounds the PC speaker at hz (a square wave), or silences it with 0. Callers
 * serialise (kernel/drivers/beep.c). */
void arch_speaker_tone(uint32_t hz);

/* Stack walk from a frame pointer: calls fn for each return address (at most max). */
void arch_backtrace(uint64_t rbp, void (*fn)(uint64_t addr, void *ctx), void *ctx, int max);
