/* Interrupt and exception entry: one small stub per vector pushes a dummy error
 * code where the CPU pushes none, then the vector number, and jumps to a common path
 * that saves every general register (struct irq_frame, asm/irq_frame.h) on the
 * current stack and calls irq_dispatch(frame). C cannot do this: it needs the exact
 * stack layout and ends with IRETQ. */

#include <asm/irq_frame.h>

/* Vectors for which the CPU pushes an error code (SDM 3A 6.15, table 6-1):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
                        (v) == 21 || (v) == 29 || (v) == 30)

#define STUB_SIZE 16

    .text
    .balign STUB_SIZE
    .globl isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
    .balign STUB_SIZE
    .if !HAS_ERRCODE(vec)
    pushq $0
    .endif
    pushq $vec
    jmp isr_common
    .set vec, vec + 1
    .endr

    .globl isr_common
isr_common:
    /* From ring 3 the GS base still holds the user value: swap in the kernel's.
     * (NMI/#MC arriving between a SWAPGS and the user IRET would need more care;
     * there is no ring 3 yet.) */
    testb $3, IRQ_FRAME_CS_OFF - IRQ_FRAME_VECTOR_OFF(%rsp)
    jz 1f
    swapgs
1:  pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rdi
    /* A frame record [interrupted rbp][interrupted rip] so that backtraces taken
     * inside a handler continue into the interrupted code. Keeps 16-byte alignment
     * (the CPU aligned the frame; 22 + 2 quadwords). */
    pushq IRQ_FRAME_CS_OFF - 8(%rdi)
    pushq %rbp
    movq %rsp, %rbp
    call irq_dispatch
    addq $16, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    testb $3, IRQ_FRAME_CS_OFF - IRQ_FRAME_VECTOR_OFF(%rsp)
    jz 2f
    swapgs
2:  addq $16, %rsp          /* vector and error code */
    iretq

    .section .note.GNU-stack, "", @progbits
