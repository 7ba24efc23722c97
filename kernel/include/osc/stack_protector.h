/* The kernel's stack protector (kernel/lib/stack_protector.c). */
#pragma once

#include <osc/types.h>

/* Randomises the guard (RDRAND, else the TSC). kmain calls it first, from a frame
 * without a canary: frames active across the change would fail their check. */
void stack_protector_init(void);
__noreturn void __stack_chk_fail(void);
