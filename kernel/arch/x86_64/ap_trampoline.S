/* Application-processor start-up code. A start-up IPI wakes an AP in real mode at
 * CS:IP = (page >> 4):0; smp.c copies this code to that page below 1 MiB and fills
 * the parameter block at TRAMP_DATA_OFF. Real mode -> 32-bit protected mode ->
 * long mode on the start-up page tables (identity map of the first 2 MiB plus the
 * kernel half), then into smp_ap_main on the AP's own stack. Assembled into
 * .rodata: it is data to the kernel and only ever runs from the copy. */

#include "ap_trampoline.h"

#define CR0_PE      0x1
#define CR0_PG      0x80000000
#define CR4_PAE     (1 << 5)
#define MSR_EFER    0xc0000080

#define D(field)    (TRAMP_DATA_OFF + (field))    /* offset from the page start */

    .section .rodata
    .balign 16
    .globl ap_trampoline_start, ap_trampoline_end, ap_trampoline_pm, ap_trampoline_lm
    .code16
ap_trampoline_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    xorl %ebx, %ebx
    movw %ax, %bx
    shll $4, %ebx                   /* ebx: physical address of the page, kept to the end */
    cmpl $0, D(TD_STALL)
    jne 2f
    lgdtl D(TD_GDTR)
    movl %cr0, %eax
    orl $CR0_PE, %eax
    movl %eax, %cr0
    ljmpl *D(TD_PM_JUMP)            /* absolute address filled in by smp.c */
2:  hlt                             /* smp.stall: never answer, like a dead core */
    jmp 2b

    .code32
ap_trampoline_pm:
    movw $TRAMP_SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl D(TD_CR3)(%ebx), %eax
    movl %eax, %cr3
    /* EFER.NXE before paging: the kernel half's entries carry NX bits, which are
     * reserved (a page fault on every walk) while it is clear. */
    movl $MSR_EFER, %ecx
    rdmsr
    orl D(TD_EFER)(%ebx), %eax
    wrmsr
    movl %cr0, %eax
    orl $(CR0_PG | CR0_PE), %eax
    movl %eax, %cr0
    ljmpl *D(TD_LM_JUMP)(%ebx)

    .code64
ap_trampoline_lm:
    movw $TRAMP_SEL_DATA, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %ebx, %ebx                 /* upper halves are undefined after the mode switch */
    movq D(TD_STACK)(%rbx), %rsp
    movl D(TD_CPU_ID)(%rbx), %edi
    movq D(TD_ENTRY)(%rbx), %rax
    /* Every field is read: the boot CPU may reuse the block for the next AP. (x86
     * does not reorder a store before older loads.) */
    movl $1, D(TD_ACK)(%rbx)
    xorl %ebp, %ebp
    pushq $0                        /* no return address: ends backtraces, aligns rsp */
    jmpq *%rax
ap_trampoline_end:

    .section .note.GNU-stack, "", @progbits
