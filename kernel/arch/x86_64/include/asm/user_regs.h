/* The user register frame every entry from ring 3 by SYSCALL builds on the thread's
 * own kernel stack (LESSONS 1). Same field order as Linux's struct pt_regs, so signal
 * frames and register dumps can be laid out the Linux way later. */
#pragma once

#define USER_REGS_SIZE      (21 * 8)
#define USER_REGS_RAX_OFF   (10 * 8)
#define USER_REGS_RCX_OFF   (11 * 8)
#define USER_REGS_R11_OFF   (6 * 8)
#define USER_REGS_RIP_OFF   (16 * 8)
#define USER_REGS_CS_OFF    (17 * 8)
#define USER_REGS_FLAGS_OFF (18 * 8)
#define USER_REGS_RSP_OFF   (19 * 8)
#define USER_REGS_SS_OFF    (20 * 8)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct user_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx;
    uint64_t r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    uint64_t orig_rax;          /* syscall number */
    uint64_t rip, cs, rflags, rsp, ss;      /* iretq frame */
};

_Static_assert(sizeof(struct user_regs) == USER_REGS_SIZE, "syscall_entry.S layout");
_Static_assert(offsetof(struct user_regs, rax) == USER_REGS_RAX_OFF, "layout");
_Static_assert(offsetof(struct user_regs, rcx) == USER_REGS_RCX_OFF, "layout");
_Static_assert(offsetof(struct user_regs, r11) == USER_REGS_R11_OFF, "layout");
_Static_assert(offsetof(struct user_regs, rip) == USER_REGS_RIP_OFF, "layout");
_Static_assert(offsetof(struct user_regs, ss) == USER_REGS_SS_OFF, "layout");

/* Leaves the kernel for ring 3 with the registers in *regs (through iretq); regs
 * lies on the current thread's kernel stack, at its top. (syscall_entry.S) */
__attribute__((noreturn)) void arch_enter_user(struct user_regs *regs);
/* Called by syscall_entry.S with the frame just saved; interrupts are on. */
void syscall_handle(struct user_regs *regs);
#endif
