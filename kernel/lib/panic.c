/* Kernel panic: print the reason and a backtrace on every console, then stop. */

#include <osc/arch.h>
#include <osc/cmdline.h>
#include <osc/console.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/panic.h>
#include <osc/uart.h>

static void print_frame(uint64_t addr, void *ctx)
{
    (void)ctx;
    log_write(LOG_ERROR, "panic", "  at %#lx", addr);
}

static __noreturn void panic_finish(uint64_t rbp, const char *fmt, va_list ap)
{
    static volatile int entered;
    irq_disable();
    if (__atomic_exchange_n(&entered, 1, __ATOMIC_SEQ_CST)) {
        /* Panic while panicking: just stop. */
        arch_halt_forever();
    }
    log_enter_panic_mode();
    fbcon_panic_takeover();     /* the reason must be visible on screen too */
    char reason[256];
    kvsnprintf(reason, sizeof(reason), fmt, ap);
    log_write(LOG_ERROR, "panic", "KERNEL PANIC: %s", reason);
    log_write(LOG_ERROR, "panic", "backtrace:");
    arch_backtrace(rbp, print_frame, NULL, 32);
    uart_flush();
    if (cmdline_test_mode())
        arch_exit_emulator(EXIT_PANIC);
    arch_halt_forever();
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_finish((uint64_t)__builtin_frame_address(0), fmt, ap);
}

void panic_with_frame(uint64_t rbp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    panic_finish(rbp, fmt, ap);
}
