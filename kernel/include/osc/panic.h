/* Kernel panic: a broken kernel invariant. Prints "KERNEL PANIC: <reason>" and a
 * backtrace on every console; in test mode exits QEMU with EXIT_PANIC, otherwise
 * halts. Never call it for bad input from outside the kernel. */
#pragma once

#include <osc/types.h>

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

/* Like panic, but with the register state of an exception already printed by the
 * caller; rbp is the faulting frame pointer for the backtrace. */
__noreturn void panic_with_frame(uint64_t rbp, const char *fmt, ...) __printf(2, 3);

#define BUG_ON(cond) do { if (unlikely(cond)) panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); } while (0)
