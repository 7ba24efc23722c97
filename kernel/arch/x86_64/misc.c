/* Small x86_64 services behind <osc/arch.h>: halting, the QEMU exit port, and the
 * frame-pointer stack walk used by panics. */

#include <osc/arch.h>

#define ISA_DEBUG_EXIT_PORT 0xf4    /* -device isa-debug-exit,iobase=0xf4 */
#define KERNEL_SPACE_START  0xffff800000000000ull

void arch_exit_emulator(uint8_t code)
{
    outb(ISA_DEBUG_EXIT_PORT, code);
}

void arch_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

void arch_backtrace(uint64_t rbp, void (*fn)(uint64_t addr, void *ctx), void *ctx, int max)
{
    /* Each frame is [saved rbp][return address]; stop at anything that is not an
     * aligned kernel address so a corrupt chain cannot fault the panic path. */
    for (int i = 0; i < max; i++) {
        if (rbp < KERNEL_SPACE_START || (rbp & 7))
            break;
        uint64_t *frame = (uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < KERNEL_SPACE_START)
            break;
        fn(ret, ctx);
        if (frame[0] <= rbp)
            break;      /* frames grow upward; anything else is a loop */
        rbp = frame[0];
    }
}
