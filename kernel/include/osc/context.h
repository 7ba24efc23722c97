/* Architecture hooks behind kernel threads: building a new thread's first stack
 * frame and switching stacks. All of a thread's saved state lives on its own kernel
 * stack (LESSONS 1); the scheduler only keeps the stack pointer. */
#pragma once

#include <osc/types.h>

/* Saves the callee-saved registers on the current stack, stores the stack pointer
 * in *old_sp_slot, loads new_sp and restores the registers saved there. Returns, in
 * the thread that resumes, the old_sp_slot of the thread that switched to it, so
 * the scheduler learns its predecessor without any per-CPU scratch slot. Called
 * with interrupts off. (kernel/arch/<arch>/switch.S) */
uint64_t *arch_context_switch(uint64_t *old_sp_slot, uint64_t new_sp);

/* Lays out a first frame below stack_top so that the first arch_context_switch to
 * the returned stack pointer enters sched_thread_start(prev_slot, fn, arg) with a
 * clean frame chain. (kernel/arch/<arch>/thread_arch.c) */
uint64_t arch_thread_init_stack(void *stack_top, void (*fn)(void *), void *arg);

/* Defined by the scheduler: the first code every new thread runs. Finishes the
 * switch that started it, enables interrupts, runs fn(arg), then thread_exit(). */
__noreturn void sched_thread_start(uint64_t *prev_slot, void (*fn)(void *), void *arg);

/* Per-thread extended (FPU/SSE/AVX) state. Kernel threads are built with
 * -mgeneral-regs-only and have none (area == NULL); user threads will get an
 * XSAVE area here and the hook will XSAVE prev / XRSTOR next (SPEC §4 arch). */
void arch_fpu_switch(void *prev_area, void *next_area);
