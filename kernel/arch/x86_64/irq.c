/* Interrupt dispatch: every vector lands in irq_dispatch (from entry.S). Exceptions
 * go to exceptions.c; device vectors run the handler registered with irq_register,
 * then EOI, then the scheduler's exit hook, which may switch threads (only on a CPU
 * with a run queue). */

#define LOG_TAG "arch"
#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/spinlock.h>
#include "arch_cpu.h"

#define IRQ_VECTORS 256
#define EXCEPTION_VECTORS 32

struct irq_slot {
    irq_handler_fn fn;      /* NULL: free; published last, read with acquire */
    void *ctx;
};

static struct irq_slot slots[IRQ_VECTORS];     /* writes under slots_lock */
static spinlock_t slots_lock = SPINLOCK_INIT("irq_slots", 0);
static uint64_t counts[IRQ_VECTORS];           /* relaxed atomic increments */

int irq_register(uint8_t vector, irq_handler_fn fn, void *ctx)
{
    if (vector < IRQ_VECTOR_BASE || vector == IRQ_VECTOR_SPURIOUS || !fn)
        return -EINVAL;
    int err = 0;
    unsigned long flags = spin_lock_irqsave(&slots_lock);
    if (slots[vector].fn) {
        err = -EBUSY;
    } else {
        slots[vector].ctx = ctx;
        __atomic_store_n(&slots[vector].fn, fn, __ATOMIC_RELEASE);
    }
    spin_unlock_irqrestore(&slots_lock, flags);
    if (!err)
        log_debug("vector %#x: handler %p registered", vector, (void *)fn);
    return err;
}

/* The caller must make sure the device no longer raises the vector; a handler
 * already running on another CPU finishes with its old ctx. */
void irq_unregister(uint8_t vector)
{
    unsigned long flags = spin_lock_irqsave(&slots_lock);
    __atomic_store_n(&slots[vector].fn, NULL, __ATOMIC_RELEASE);
    slots[vector].ctx = NULL;
    spin_unlock_irqrestore(&slots_lock, flags);
}

int irq_alloc_vector(irq_handler_fn fn, void *ctx)
{
    if (!fn)
        return -EINVAL;
    int vec = -ENOSPC;
    unsigned long flags = spin_lock_irqsave(&slots_lock);
    for (unsigned v = IRQ_VECTOR_DYN_FIRST; v <= IRQ_VECTOR_DYN_LAST; v++) {
        if (!slots[v].fn) {
            slots[v].ctx = ctx;
            __atomic_store_n(&slots[v].fn, fn, __ATOMIC_RELEASE);
            vec = (int)v;
            break;
        }
    }
    spin_unlock_irqrestore(&slots_lock, flags);
    if (vec < 0)
        log_warn("no free interrupt vector");
    return vec;
}

void irq_free_vector(uint8_t vector)
{
    if (vector >= IRQ_VECTOR_DYN_FIRST && vector <= IRQ_VECTOR_DYN_LAST)
        irq_unregister(vector);
}

/* SDM 3A 11.11.1/11.11.2: address 0xFEE in bits 31:20, destination APIC id in
 * 19:12, redirection hint and destination mode 0 (physical); data: vector, fixed
 * delivery (0), edge (bit 15 clear). */
#define MSI_ADDR_BASE       0xfee00000u
#define MSI_ADDR_DEST_SHIFT 12

int arch_msi_message(unsigned cpu, uint8_t vector, uint64_t *addr, uint32_t *data)
{
    if (cpu >= MAX_CPUS || cpus[cpu].apic_id > 0xff)
        return -EINVAL;
    *addr = MSI_ADDR_BASE | (cpus[cpu].apic_id << MSI_ADDR_DEST_SHIFT);
    *data = vector;
    return 0;
}

uint64_t irq_count(uint8_t vector)
{
    return __atomic_load_n(&counts[vector], __ATOMIC_RELAXED);
}

void irq_dispatch(struct irq_frame *f);

/* The scheduler's and the processes' exit hooks are for CPUs that run threads. An
 * AP without a run queue (it only takes IPIs for now) has no thread to switch and
 * never runs ring 3; the run queue is published last when a CPU starts scheduling. */
static bool cpu_runs_threads(void)
{
    return __atomic_load_n(&this_cpu()->sched_data, __ATOMIC_ACQUIRE) != NULL;
}

void irq_dispatch(struct irq_frame *f)
{
    uint8_t vector = (uint8_t)f->vector;
    __atomic_fetch_add(&counts[vector], 1, __ATOMIC_RELAXED);
    if (vector < EXCEPTION_VECTORS) {
        exception_handle(f);
        if (irq_frame_from_user(f) && cpu_runs_threads()) {
            proc_irq_return_user(&f->rip);
            signal_irq_return(f);
        }
        return;
    }
    /* The LAPIC spurious vector sets no in-service bit: it must not be EOI'd
     * (SDM 3A 11.9). */
    if (vector == IRQ_VECTOR_SPURIOUS)
        return;
    irq_handler_fn fn = __atomic_load_n(&slots[vector].fn, __ATOMIC_ACQUIRE);
    if (fn)
        fn(f, slots[vector].ctx);
    else
        log_debug("vector %#x fired with no handler", vector);
    irq_eoi();
    if (!cpu_runs_threads())
        return;
    sched_irq_exit();
    if (irq_frame_from_user(f)) {
        proc_irq_return_user(&f->rip);  /* exit_group/exec in a sibling, rseq */
        signal_irq_return(f);       /* after any switch: back on this thread */
    }
}
