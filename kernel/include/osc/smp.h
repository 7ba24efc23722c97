/* Multiprocessor start-up and cross-CPU calls: the application processors (every
 * CPU but the boot one) are woken after the scheduler is up and brought through
 * the same per-CPU init as the boot CPU. For now an online AP idles with
 * interrupts on and its timer masked, so only IPIs reach it: threads run on the
 * boot CPU only (docs/STATUS.md has the plan for the scheduler). */
#pragma once

#include <osc/types.h>

/* Starts the APs the firmware lists (ACPI MADT), at most maxcpus=N in all, none
 * with nosmp; waits for each at most AP_ANSWER_MS of wall-clock time. Logs
 * "[smp] N of M CPUs online". Boot CPU, once, after sched_init. */
void smp_init(void);

/* Installs the IPI handlers (reschedule, call-function). Boot CPU, before any AP
 * starts (the IDT and the handler table are shared). */
void smp_ipi_init(void);

/* Cross-CPU calls (kernel/arch/x86_64/smp_call.c). fn runs on the target CPU in its
 * call-function IPI handler: interrupts off, on that CPU's current stack, so it
 * must not sleep, take a mutex, use the current thread (an AP has none yet) or
 * wait for anything but spinlocks; it may itself make waited calls (a caller
 * serves its own pending calls while it waits).
 *
 * Each (caller CPU, target CPU) pair has its own slot, so calls from different
 * CPUs never wait for each other; the caller keeps interrupts off from claiming
 * the slot to the acknowledgement, so the slot stays with this CPU. Callable
 * from threads, interrupt handlers and with spinlocks held.
 *
 * Ordering: every write the caller made before smp_call_on is visible to fn
 * (release when the slot is published, acquire when the target takes it); after
 * a waited call returns 0, every write fn made is visible to the caller (release
 * when the target frees the slot, acquire when the caller sees it free).
 *
 * Waiting is bounded by wall-clock time (SMP_CALL_TIMEOUT_NS, with a log line),
 * never a hang: a call the target has not started by then is withdrawn and never
 * runs; one it is still running is left to finish (its slot stays busy until it
 * does). Without wait the caller returns once the call is posted; arg must then
 * stay valid until fn has run. */
#define SMP_CALL_TIMEOUT_NS 1000000000ull      /* 1 s: TCG vCPUs can stall ~100 ms */

typedef void (*smp_call_fn)(void *arg);

/* Runs fn(arg) on CPU cpu (this CPU: at once, interrupts off). 0; -ENXIO when cpu
 * is not online; -EBUSY when this CPU's previous call to it never finished;
 * -ETIMEDOUT when the target did not answer in time; -EIO when the IPI was not
 * delivered (then fn does not run). */
int smp_call_on(uint32_t cpu, smp_call_fn fn, void *arg, bool wait);
/* Runs fn(arg) on every other online CPU at once and waits for all of them.
 * 0, or the first error of smp_call_on (the other CPUs still ran fn). */
int smp_call_all_others(smp_call_fn fn, void *arg);
/* The same for the online CPUs in mask (bit i: CPU i) but this one: the TLB
 * shoot-down interrupts only the CPUs that have an address space loaded. */
int smp_call_mask(uint64_t mask, smp_call_fn fn, void *arg);

/* Asks cpu to reschedule: its IPI handler sets need_resched, which the interrupt
 * exit acts on where the CPU runs threads. 0, -ENXIO (not online), -EIO. */
int smp_send_reschedule(uint32_t cpu);

/* Panic: every other online CPU gets an NMI and halts for good (an NMI reaches a
 * CPU spinning with interrupts off), so nothing runs or prints behind the panic
 * report. smp_stopping() tells the NMI handler that this is why it came. */
void smp_stop_others(void);
bool smp_stopping(void);
