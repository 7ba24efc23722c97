/* x86_64 side of kernel threads: the initial stack frame that the first context
 * switch to a new thread "returns" through, and (the FPU state hook is in syscall.c). */

#include <osc/context.h>

extern char arch_thread_entry[];

/* Frame popped by arch_context_switch, lowest address first (see switch.S). */
struct switch_frame {
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t ret;
};

uint64_t arch_thread_init_stack(void *stack_top, void (*fn)(void *), void *arg)
{
    uint64_t top = ALIGN_DOWN((uint64_t)stack_top, 16);
    /* One empty quadword above the frame stands for the caller's return address, so
     * arch_thread_entry starts with the alignment of a normal function entry. */
    struct switch_frame *f = (struct switch_frame *)(top - 8 - sizeof(*f));
    *f = (struct switch_frame){
        .r12 = (uint64_t)fn,
        .r13 = (uint64_t)arg,
        .ret = (uint64_t)arch_thread_entry,
    };
    ((uint64_t *)top)[-1] = 0;
    return (uint64_t)f;
}
