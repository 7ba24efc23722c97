/* The register frame every interrupt and exception stub in entry.S builds on the
 * kernel stack: general registers, vector and error code, then what the CPU pushed
 * (SDM 3A 6.14.2). Field order is the reverse of the push order in entry.S. */
#pragma once

/* Byte offsets used by entry.S. */
#define IRQ_FRAME_VECTOR_OFF  (15 * 8)
#define IRQ_FRAME_CS_OFF      (18 * 8)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct irq_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;        /* 0 for vectors where the CPU pushes none */
    /* hardware interrupt frame */
    uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct irq_frame) == 22 * 8, "entry.S depends on this layout");
_Static_assert(offsetof(struct irq_frame, vector) == IRQ_FRAME_VECTOR_OFF, "entry.S offsets");
_Static_assert(offsetof(struct irq_frame, cs) == IRQ_FRAME_CS_OFF, "entry.S offsets");

static inline bool irq_frame_from_user(const struct irq_frame *f)
{
    return (f->cs & 3) == 3;
}
#endif
