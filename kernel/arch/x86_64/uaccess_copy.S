/* The instructions that touch user memory. They all lie between uaccess_start and
 * uaccess_end and push nothing, so a #PF or #GP taken at any of them resumes at
 * uaccess_fault, which returns -EFAULT to the C caller (uaccess.c) in place of the
 * faulting routine (exceptions.c consults uaccess_fixup). */

    .text
    .globl uaccess_start, uaccess_end

uaccess_start:
/* long uaccess_copy(void *dst [rdi], const void *src [rsi], size_t n [rdx]): 0.
 * Eight bytes a step, then the rest: under emulation each step of a rep costs the
 * same whatever its width. */
    .globl uaccess_copy
    .type uaccess_copy, @function
uaccess_copy:
    movq %rdx, %rcx
    shrq $3, %rcx
    rep movsq
    movq %rdx, %rcx
    andq $7, %rcx
    rep movsb
    xorl %eax, %eax
    ret
    .size uaccess_copy, . - uaccess_copy

/* long uaccess_clear(void *dst [rdi], size_t n [rsi]): 0 */
    .globl uaccess_clear
    .type uaccess_clear, @function
uaccess_clear:
    movq %rsi, %rcx
    xorl %eax, %eax
    rep stosb
    ret
    .size uaccess_clear, . - uaccess_clear

/* long uaccess_strncpy(char *dst [rdi], const char *src [rsi], size_t size [rdx]):
 * length without the NUL, or -ENAMETOOLONG (-36) when none lies in size bytes. */
    .globl uaccess_strncpy
    .type uaccess_strncpy, @function
uaccess_strncpy:
    xorl %eax, %eax
1:  cmpq %rdx, %rax
    jae 2f
    movb (%rsi,%rax), %cl
    movb %cl, (%rdi,%rax)
    testb %cl, %cl
    jz 3f
    incq %rax
    jmp 1b
2:  movq $-36, %rax
3:  ret
    .size uaccess_strncpy, . - uaccess_strncpy
uaccess_end:

    .globl uaccess_fault
    .type uaccess_fault, @function
uaccess_fault:
    movq $-14, %rax                             /* -EFAULT */
    ret
    .size uaccess_fault, . - uaccess_fault

    .section .note.GNU-stack, "", @progbits
