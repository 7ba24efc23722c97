/* -fstack-protector-strong's runtime: the global guard word (the kernel cannot
 * use gcc's default %fs:0x28, which is the user's TLS), randomised by kmain before
 * anything else runs, and the handler a smashed frame calls. */

#include <osc/panic.h>
#include <osc/sched.h>
#include <osc/stack_protector.h>

/* A fixed non-zero value until kmain randomises it: frames entered before that
 * check against the same value they saved. */
uint64_t __stack_chk_guard = 0x2f8a1c6e5d3b9047ull;

uint64_t arch_random_u64(void);

__attribute__((no_stack_protector)) void stack_protector_init(void)
{
    /* The low byte zero, as glibc does: a string overflow cannot write the guard. */
    __stack_chk_guard = arch_random_u64() & ~0xffull;
    if (!__stack_chk_guard)
        __stack_chk_guard = 0x9e3779b97f4a7c00ull;
}

__attribute__((no_stack_protector)) __noreturn void __stack_chk_fail(void)
{
    struct thread *t = thread_current();
    panic("stack protector: a kernel stack frame was overwritten (thread '%s')",
          t ? thread_name(t) : "?");
}
