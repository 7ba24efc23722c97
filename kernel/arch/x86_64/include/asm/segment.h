/* x86_64 segment selectors and the per-CPU GDT layout. The order is fixed by
 * SYSCALL/SYSRET (SDM 2B "SYSRET"): STAR[63:48] = GDT_USER32_CODE, and SYSRET then
 * loads SS = that + 8 (user data) and, for 64-bit returns, CS = that + 16 (user code). */
#pragma once

/* GDT slots (index * 8 = selector without RPL). */
#define GDT_NULL            0
#define GDT_KERNEL_CODE     1       /* 0x08: 64-bit ring 0 code (STAR[47:32]) */
#define GDT_KERNEL_DATA     2       /* 0x10: ring 0 data; SYSCALL loads SS = CS + 8 */
#define GDT_USER32_CODE     3       /* 0x18: placeholder for SYSRET's layout; no 32-bit user mode */
#define GDT_USER_DATA       4       /* 0x20: ring 3 data */
#define GDT_USER_CODE       5       /* 0x28: 64-bit ring 3 code */
#define GDT_TSS             6       /* 0x30: 64-bit TSS, takes two slots (6 and 7) */
#define GDT_ENTRIES         8

#define SEL_KERNEL_CODE     0x08
#define SEL_KERNEL_DATA     0x10
#define SEL_USER32_CODE     (0x18 | 3)
#define SEL_USER_DATA       (0x20 | 3)     /* 0x23 */
#define SEL_USER_CODE       (0x28 | 3)     /* 0x2b */
#define SEL_TSS             0x30

/* Interrupt stack table slots (SDM 3A 6.14.5): these vectors always switch to a
 * known-good per-CPU stack, so a blown kernel stack is reported, not a triple fault. */
#define IST_DOUBLE_FAULT    1
#define IST_NMI             2
#define IST_MACHINE_CHECK   3
#define IST_COUNT           3

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Sets the stack the CPU switches to on an interrupt from ring 3 (TSS.rsp0) on the
 * calling CPU; the scheduler calls it on every switch to a thread. */
void arch_set_kernel_stack(uint64_t top);
#endif
