/* SYSCALL entry and the ways back to ring 3. The user frame (struct user_regs,
 * asm/user_regs.h) is pushed on the current thread's own kernel stack before anything
 * else runs, so a switch to another thread can never mix two threads' registers
 * (LESSONS 1). C cannot do this: it needs an exact stack layout and SYSRET/IRETQ. */

#include <asm/segment.h>
#include <asm/user_regs.h>

#define CPU_KERNEL_STACK_TOP_OFF  32
#define CPU_SYSCALL_USER_RSP_OFF  200

    .text
/* Entered from ring 3 with RCX = user rip, R11 = user rflags, interrupts off (FMASK
 * clears IF, DF, TF, AC), still on the user stack with the user GS base. */
    .globl syscall_entry
    .type syscall_entry, @function
syscall_entry:
    swapgs
    movq %rsp, %gs:CPU_SYSCALL_USER_RSP_OFF     /* held only until the push below */
    movq %gs:CPU_KERNEL_STACK_TOP_OFF, %rsp
    pushq $SEL_USER_DATA                        /* ss */
    pushq %gs:CPU_SYSCALL_USER_RSP_OFF          /* rsp */
    pushq %r11                                  /* rflags */
    pushq $SEL_USER_CODE                        /* cs */
    pushq %rcx                                  /* rip */
    pushq %rax                                  /* orig_rax */
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq $-38                                  /* rax: -ENOSYS until dispatched */
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %rbx
    pushq %rbp
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    xorl %ebp, %ebp                             /* backtraces end at the user frame */
    movq %rsp, %rdi
    sti
    call syscall_handle
    cli
    /* SYSRET only for an untouched frame: rcx/r11 still equal rip/rflags (exec and
     * signal delivery rewrite rip), rip canonical and below the last user page
     * (SYSRET with a non-canonical RCX faults in ring 0 on Intel), no TF/RF. */
    movq USER_REGS_RCX_OFF(%rsp), %rcx
    cmpq USER_REGS_RIP_OFF(%rsp), %rcx
    jne syscall_return_iret
    movq USER_REGS_R11_OFF(%rsp), %r11
    cmpq USER_REGS_FLAGS_OFF(%rsp), %r11
    jne syscall_return_iret
    movabsq $0x00007ffffffff000, %rax
    cmpq %rax, %rcx
    jae syscall_return_iret
    testq $0x10100, %r11                        /* RF | TF */
    jnz syscall_return_iret
    cmpq $SEL_USER_CODE, USER_REGS_CS_OFF(%rsp)
    jne syscall_return_iret
    cmpq $SEL_USER_DATA, USER_REGS_SS_OFF(%rsp)
    jne syscall_return_iret
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    addq $8, %rsp                               /* r11: rflags, loaded above */
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    addq $8, %rsp                               /* rcx: rip, loaded above */
    popq %rdx
    popq %rsi
    popq %rdi
    movq 4 * 8(%rsp), %rsp                      /* past orig_rax, rip, cs, rflags: user rsp */
    swapgs
    sysretq
syscall_return_iret:
    movq %rsp, %rdi
    jmp arch_enter_user
    .size syscall_entry, . - syscall_entry

/* void arch_enter_user(struct user_regs *regs [rdi]): loads every register from
 * *regs and IRETQs to ring 3. Interrupts stay off from here to the IRETQ. */
    .globl arch_enter_user
    .type arch_enter_user, @function
arch_enter_user:
    cli
    movq %rdi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbp
    popq %rbx
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    addq $8, %rsp                               /* orig_rax */
    swapgs
    iretq
    .size arch_enter_user, . - arch_enter_user

    .section .note.GNU-stack, "", @progbits
