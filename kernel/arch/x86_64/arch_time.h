/* Private interfaces between the x86_64 interrupt-controller and clock files. */
#pragma once

#include <osc/types.h>

int lapic_init(paddr_t acpi_address);       /* 0, or -1 when it cannot be mapped */
int lapic_timer_start(void);                /* one-shot timer, TIMER_HZ tick; 0 or -1 */
/* An AP's own LAPIC: enabled like the boot CPU's, timer armed with the boot CPU's
 * calibration but masked. 0, or -1 without a LAPIC. */
int lapic_cpu_init(void);
/* This CPU's tick on (an AP once it runs threads). */
void lapic_timer_unmask(void);
bool lapic_present(void);
uint32_t lapic_id(void);                    /* this CPU's APIC id */
/* INIT (assert + de-assert) and start-up IPIs to one CPU; 0, or -1 when the LAPIC
 * did not deliver within 10 ms or the id needs x2APIC. */
int lapic_send_init(uint32_t apic_id);
int lapic_send_startup(uint32_t apic_id, uint8_t vector);
/* A fixed-delivery, edge-triggered IPI of vector to one CPU (smp_call.c); 0, or -1
 * as above. Safe from any context: the ICR is programmed with interrupts off. */
int lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* An NMI: reaches a CPU even with interrupts off (panic stops the others). */
int lapic_send_nmi(uint32_t apic_id);
/* cpu's timer as another CPU sees it, for a diagnostic: when it last interrupted
 * and the time_ns it is loaded for (UINT64_MAX: in its handler; 0: never loaded). */
void lapic_timer_state(uint32_t cpu, uint64_t *last_fired, uint64_t *armed);
uint32_t lapic_bus_mhz(void);               /* LAPIC timer input clock in MHz (diagnostics) */
int ioapic_init(void);                      /* masks every pin; returns the pin count */
void pic_disable(void);                     /* remaps and masks the legacy 8259s */
/* Calibrates the TSC against the HPET (or the PIT); returns its frequency in Hz,
 * or 0 when no reference timer moved. src names the reference used. */
uint64_t tsc_calibrate(const char **src);
void tsc_clock_start(uint64_t tsc_hz);
