/* The vDSO shared object (built from kernel/arch/x86_64/vdso/ by the Makefile into
 * build/vdso/, on the assembler's include path), embedded for kernel/proc/vdso.c. */
    .section .rodata
    .balign 16
    .global vdso_image_start, vdso_image_end
vdso_image_start:
    .incbin "vdso.so"
vdso_image_end:
    .section .note.GNU-stack,"",@progbits
