/* Interrupt vectors and handlers. Exceptions (vectors 0-31) are handled by the
 * architecture; devices and timers register handlers for vectors 32-255.
 * Handlers run with interrupts disabled on the interrupted CPU's kernel stack. */
#pragma once

#include <osc/types.h>

#define IRQ_VECTOR_BASE      32     /* first vector free for devices */
#define IRQ_VECTOR_ISA_BASE  32     /* ISA IRQ n is routed to vector 32 + n */
#define IRQ_VECTOR_TIMER     0xf0   /* local APIC timer */
/* Inter-processor interrupts (smp_call.c), in the LAPIC's highest priority class
 * with the timer: sent with fixed delivery to one CPU, EOI'd by the dispatcher. */
#define IRQ_VECTOR_RESCHEDULE 0xf1  /* sets the target's need_resched */
#define IRQ_VECTOR_CALL      0xf2   /* runs the target's pending smp_call_on slots */
#define IRQ_VECTOR_TLB       0xf3   /* reserved: TLB shoot-down (issue 9 step 3) */
#define IRQ_VECTOR_SPURIOUS  0xff   /* local APIC spurious vector */
/* Vectors handed out by irq_alloc_vector (MSI/MSI-X): above the ISA range, below
 * the timer and IPI class. */
#define IRQ_VECTOR_DYN_FIRST 0x40
#define IRQ_VECTOR_DYN_LAST  0xef

struct irq_frame;   /* saved registers, layout in <asm/irq_frame.h> */

typedef void (*irq_handler_fn)(struct irq_frame *frame, void *ctx);

/* Installs fn for vector (32..255). Returns 0, -EINVAL or -EBUSY. */
int irq_register(uint8_t vector, irq_handler_fn fn, void *ctx);
void irq_unregister(uint8_t vector);

/* Takes a free vector of the dynamic range and installs fn for it: the vector, or
 * -ENOSPC when all are in use. irq_free_vector gives it back (irq_unregister). */
int irq_alloc_vector(irq_handler_fn fn, void *ctx);
void irq_free_vector(uint8_t vector);

/* The message a PCI MSI/MSI-X entry writes to raise vector on CPU cpu (an index
 * of cpus[]): fixed delivery, edge triggered, physical destination. -EINVAL when
 * the CPU's APIC id does not fit the 8-bit destination field. */
int arch_msi_message(unsigned cpu, uint8_t vector, uint64_t *addr, uint32_t *data);

/* Routes ISA IRQ line `isa_irq` (0-15, after MADT source overrides) to
 * IRQ_VECTOR_ISA_BASE + isa_irq on the boot CPU and unmasks it. */
int irq_route_isa(uint8_t isa_irq);

/* Signals end of interrupt to the local APIC (called by the dispatcher after the
 * handler returns; handlers don't call it themselves). */
void irq_eoi(void);

/* Counters for /sys: how many times each vector fired. */
uint64_t irq_count(uint8_t vector);
