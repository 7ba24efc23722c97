/* Multiboot2 entry: GRUB leaves us in 32-bit protected mode with paging off. Build
 * boot page tables (identity + direct map + higher half for the low 4 GiB), enter
 * long mode and jump to kmain in the higher half. The mm subsystem replaces these
 * tables with the real ones once it knows the memory map. */

#define KERNEL_VMA        0xffffffff80000000
#define MB2_HEADER_MAGIC  0xe85250d6      /* multiboot2 spec 3.1.1 */
#define MB2_ARCH_I386     0
#define PTE_PRESENT_RW    0x003
#define PDE_LARGE_PRW     0x083           /* present, writable, 2 MiB page */
#define CR4_PAE           (1 << 5)
#define CR0_PG_WP_PE      0x80010001
#define MSR_EFER          0xc0000080
#define EFER_LME          (1 << 8)
#define EFER_NXE          (1 << 11)
#define COM1              0x3f8

#define PHYS(x) ((x) - KERNEL_VMA)

    .section .multiboot2, "a"
    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* framebuffer request (spec 3.1.10): optional, 1024x768x32 preferred */
    .balign 8
    .short 5, 1
    .long 20
    .long 1024, 768, 32
    /* module alignment (spec 3.1.11): modules page-aligned */
    .balign 8
    .short 6, 0
    .long 8
    .balign 8
    .short 0, 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    movl %eax, boot_magic
    movl %ebx, boot_mbi
    movl $boot_stack32_top, %esp

    /* Long mode (CPUID 0x80000001 EDX bit 29) is required. */
    movl $0x80000000, %eax
    cpuid
    cmpl $0x80000001, %eax
    jb no_long_mode
    movl $0x80000001, %eax
    cpuid
    testl $(1 << 29), %edx
    jz no_long_mode
    movl %edx, %esi                 /* keep feature bits: NX is bit 20 */

    /* PD entries: 4 page directories map physical 0..4 GiB with 2 MiB pages. */
    movl $boot_pd, %edi
    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $PDE_LARGE_PRW, %eax
    movl %eax, (%edi,%ecx,8)
    movl %ecx, %eax
    shrl $11, %eax                  /* high dword: bits 32+ of (ecx << 21) */
    movl %eax, 4(%edi,%ecx,8)
    incl %ecx
    cmpl $2048, %ecx
    jb 1b

    /* Low PDPT: entries 0..3 -> the four PDs (identity and direct map). */
    movl $boot_pdpt_low, %edi
    movl $boot_pd + PTE_PRESENT_RW, (%edi)
    movl $boot_pd + 0x1000 + PTE_PRESENT_RW, 8(%edi)
    movl $boot_pd + 0x2000 + PTE_PRESENT_RW, 16(%edi)
    movl $boot_pd + 0x3000 + PTE_PRESENT_RW, 24(%edi)
    /* High PDPT: entries 510, 511 -> physical 0..2 GiB at -2 GiB (kernel image). */
    movl $boot_pdpt_high, %edi
    movl $boot_pd + PTE_PRESENT_RW, 510*8(%edi)
    movl $boot_pd + 0x1000 + PTE_PRESENT_RW, 511*8(%edi)

    movl $boot_pml4, %edi
    movl $boot_pdpt_low + PTE_PRESENT_RW, (%edi)          /* identity */
    movl $boot_pdpt_low + PTE_PRESENT_RW, 256*8(%edi)     /* direct map */
    movl $boot_pdpt_high + PTE_PRESENT_RW, 511*8(%edi)    /* kernel */

    movl %cr4, %eax
    orl $CR4_PAE, %eax
    movl %eax, %cr4
    movl $boot_pml4, %eax
    movl %eax, %cr3

    movl $MSR_EFER, %ecx
    rdmsr
    orl $EFER_LME, %eax
    testl $(1 << 20), %esi
    jz 2f
    orl $EFER_NXE, %eax
2:  wrmsr

    movl %cr0, %eax
    orl $CR0_PG_WP_PE, %eax
    movl %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $start64_low

no_long_mode:
    movl $msg_no_long_mode, %esi
    movw $COM1, %dx
3:  lodsb
    testb %al, %al
    jz 4f
    outb %al, %dx
    jmp 3b
4:  hlt
    jmp 4b

    .code64
start64_low:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorw %ax, %ax
    movw %ax, %fs
    movw %ax, %gs
    movabsq $start64_high, %rax
    jmp *%rax

    .section .boot.data, "aw"
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_ptr:
    .short boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt
    .globl boot_magic, boot_mbi
boot_magic: .long 0
boot_mbi:   .long 0
msg_no_long_mode: .asciz "OSCortex: this CPU has no long mode (x86_64 required)\r\n"

    .section .boot.bss, "aw", @nobits
    .balign 4096
    .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_stack32:   .skip 1024
boot_stack32_top:

    .text
start64_high:
    leaq boot_stack_top(%rip), %rsp
    xorl %ebp, %ebp
    movl boot_magic, %edi
    movl boot_mbi, %esi
    call kmain
5:  cli
    hlt
    jmp 5b

    .bss
    .balign 16
    .globl boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
