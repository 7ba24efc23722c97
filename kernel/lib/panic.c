/* Kernel panic: print the reason and a backtrace on every console, then stop. */

#include <osc/arch.h>
#include <osc/cmdline.h>
#include <osc/console.h>
#include <osc/ksyms.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/panic.h>
#include <osc/smp.h>
#include <osc/uart.h>

/* Backtrace printer state: a recursion (a stack overflow, typically) prints one
 * line per distinct frame plus a repeat count instead of 32 identical lines. */
struct backtrace_state {
    uint64_t last;
    int repeats;
};

static void flush_repeats(struct backtrace_state *st)
{
    if (st->repeats)
        log_write(LOG_ERROR, "panic", "  ... previous frame repeated %d more times", st->repeats);
    st->repeats = 0;
}

static void print_frame(uint64_t addr, void *ctx)
{
    struct backtrace_state *st = ctx;
    if (addr == st->last) {
        st->repeats++;
        return;
    }
    flush_repeats(st);
    st->last = addr;
    /* addr is a return address: look up addr - 1 so a call that ends its function
     * (a noreturn callee) is attributed to the caller, not to the next function. */
    uint64_t off;
    const char *name = ksyms_lookup(addr - 1, &off);
    if (name)
        log_write(LOG_ERROR, "panic", "  at %#lx %s+%#lx", addr, name, off + 1);
    else
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
    smp_stop_others();          /* nothing else runs or prints behind the report */
    log_enter_panic_mode();
    fbcon_panic_takeover();     /* the reason must be visible on screen too */
    char reason[256];
    kvsnprintf(reason, sizeof(reason), fmt, ap);
    log_write(LOG_ERROR, "panic", "KERNEL PANIC: %s", reason);
    log_write(LOG_ERROR, "panic", "backtrace:");
    struct backtrace_state st = { 0, 0 };
    arch_backtrace(rbp, print_frame, &st, 32);
    flush_repeats(&st);
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
