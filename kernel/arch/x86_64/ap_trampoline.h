/* Layout shared by the AP trampoline (ap_trampoline.S) and smp.c: a parameter block
 * at a fixed offset in the copied page, written by the boot CPU before each
 * start-up IPI and read by the starting AP. */
#pragma once

#define TRAMP_PAGES         4           /* code + block, then PML4, PDPT, PD */
#define TRAMP_DATA_OFF      0xe00       /* parameter block, from the page start */

/* Offsets inside the parameter block. */
#define TD_GDTR             0           /* u16 limit, u32 base (lgdtl operand) */
#define TD_PM_JUMP          8           /* u32 offset, u16 selector: into 32-bit code */
#define TD_LM_JUMP          16          /* u32 offset, u16 selector: into 64-bit code */
#define TD_CR3              24          /* u32: the start-up page tables (below 1 MiB) */
#define TD_EFER             28          /* u32: EFER bits to set (LME, NXE as on the BSP) */
#define TD_STACK            32          /* u64: the AP's kernel stack top */
#define TD_ENTRY            40          /* u64: C entry, smp_ap_main(cpu id) */
#define TD_CPU_ID           48          /* u32 */
#define TD_STALL            52          /* u32: test hook, halt before the ack */
#define TD_ACK              56          /* u32: the AP has read the block */
#define TD_GDT              64          /* 4 descriptors */
#define TD_SIZE             96

/* Selectors of the trampoline GDT. */
#define TRAMP_SEL_CODE32    0x08
#define TRAMP_SEL_DATA      0x10
#define TRAMP_SEL_CODE64    0x18

#ifndef __ASSEMBLER__
#include <osc/types.h>

struct __packed tramp_data {
    uint16_t gdt_limit;
    uint32_t gdt_base;
    uint16_t pad0;
    uint32_t pm_offset;
    uint16_t pm_selector;
    uint16_t pad1;
    uint32_t lm_offset;
    uint16_t lm_selector;
    uint16_t pad2;
    uint32_t cr3;
    uint32_t efer;
    uint64_t stack_top;
    uint64_t entry;
    uint32_t cpu_id;
    uint32_t stall;
    uint32_t ack;               /* written by the AP: read through tramp_ack() */
    uint32_t pad3;
    uint64_t gdt[4];
};
_Static_assert(sizeof(struct tramp_data) == TD_SIZE, "trampoline block layout");
_Static_assert(__builtin_offsetof(struct tramp_data, pm_offset) == TD_PM_JUMP, "TD_PM_JUMP");
_Static_assert(__builtin_offsetof(struct tramp_data, lm_offset) == TD_LM_JUMP, "TD_LM_JUMP");
_Static_assert(__builtin_offsetof(struct tramp_data, cr3) == TD_CR3, "TD_CR3");
_Static_assert(__builtin_offsetof(struct tramp_data, stack_top) == TD_STACK, "TD_STACK");
_Static_assert(__builtin_offsetof(struct tramp_data, cpu_id) == TD_CPU_ID, "TD_CPU_ID");
_Static_assert(__builtin_offsetof(struct tramp_data, ack) == TD_ACK, "TD_ACK");
_Static_assert(__builtin_offsetof(struct tramp_data, gdt) == TD_GDT, "TD_GDT");

/* The code to copy: [ap_trampoline_start, ap_trampoline_end), below TRAMP_DATA_OFF. */
extern const char ap_trampoline_start[], ap_trampoline_end[];
extern const char ap_trampoline_pm[], ap_trampoline_lm[];
#endif
