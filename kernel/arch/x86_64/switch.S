/* Kernel thread context switch: the callee-saved registers go on the outgoing
 * thread's own stack, then the stack pointer changes hands. Everything else (the
 * caller-saved registers, rflags) is already saved by the C caller or restored by
 * the C code that resumes, so six pushes are the whole context. */

    .text

/* uint64_t *arch_context_switch(uint64_t *old_sp_slot [rdi], uint64_t new_sp [rsi])
 * rdi passes through untouched, so the resumed thread receives the slot of the
 * thread that switched to it as the return value. */
    .globl arch_context_switch
    .type arch_context_switch, @function
arch_context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    movq %rdi, %rax
    ret
    .size arch_context_switch, . - arch_context_switch

/* First instruction of every new thread: arch_thread_init_stack left fn in r12 and
 * arg in r13; rdi still holds the predecessor's slot from arch_context_switch.
 * rbp = 0 ends backtraces here. */
    .globl arch_thread_entry
    .type arch_thread_entry, @function
arch_thread_entry:
    xorl %ebp, %ebp
    andq $-16, %rsp
    movq %r12, %rsi
    movq %r13, %rdx
    call sched_thread_start
    ud2
    .size arch_thread_entry, . - arch_thread_entry

    .section .note.GNU-stack,"",@progbits
