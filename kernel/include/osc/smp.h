/* Multiprocessor start-up: the application processors (every CPU but the boot one)
 * are woken after the scheduler is up and brought through the same per-CPU init as
 * the boot CPU. For now an online AP parks with interrupts off: threads run on the
 * boot CPU only (docs/STATUS.md has the plan for the scheduler). */
#pragma once

#include <osc/types.h>

/* Starts the APs the firmware lists (ACPI MADT), at most maxcpus=N in all, none
 * with nosmp; waits for each at most AP_ANSWER_MS of wall-clock time. Logs
 * "[smp] N of M CPUs online". Boot CPU, once, after sched_init. */
void smp_init(void);
