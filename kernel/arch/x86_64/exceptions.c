/* CPU exceptions (vectors 0-31). A fault in the kernel is a bug: dump every register
 * with the faulting function's name and panic. #BP and NMI are reported and
 * execution continues. Faults from ring 3 kill the process (exception_user_fault);
 * a fault inside a uaccess routine resumes at its fix-up with -EFAULT. */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/errno.h>
#include <osc/ksyms.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/panic.h>
#include <osc/smp.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/uaccess.h>
#include "arch_cpu.h"

#define WCOREFLAG 0x80      /* wait status: the process dumped core */

/* Vector numbers (SDM 3A 6.3.1, table 6-1). */
#define VEC_NMI             2
#define VEC_BREAKPOINT      3
#define VEC_DOUBLE_FAULT    8
#define VEC_GP              13
#define VEC_PAGE_FAULT      14

/* #PF error code bits (SDM 3A 4.7). */
#define PF_PRESENT          (1u << 0)
#define PF_WRITE            (1u << 1)
#define PF_USER             (1u << 2)
#define PF_RESERVED         (1u << 3)
#define PF_INSTR_FETCH      (1u << 4)
#define PF_PROT_KEY         (1u << 5)
#define PF_SHADOW_STACK     (1u << 6)

static const char *const exception_names[32] = {
    [0] = "#DE divide error",          [1] = "#DB debug",
    [2] = "NMI",                       [3] = "#BP breakpoint",
    [4] = "#OF overflow",              [5] = "#BR bound range exceeded",
    [6] = "#UD invalid opcode",        [7] = "#NM device not available",
    [8] = "#DF double fault",          [9] = "coprocessor segment overrun",
    [10] = "#TS invalid TSS",          [11] = "#NP segment not present",
    [12] = "#SS stack-segment fault",  [13] = "#GP general protection",
    [14] = "#PF page fault",           [16] = "#MF x87 floating-point error",
    [17] = "#AC alignment check",      [18] = "#MC machine check",
    [19] = "#XM SIMD floating-point",  [20] = "#VE virtualization exception",
    [21] = "#CP control protection",   [28] = "#HV hypervisor injection",
    [29] = "#VC VMM communication",    [30] = "#SX security exception",
};

static const char *exception_name(uint64_t vector)
{
    const char *n = vector < 32 ? exception_names[vector] : NULL;
    return n ? n : "reserved exception";
}

/* "0xffffffff80201234 <func+0x12>", or just the address outside kernel text. */
static const char *format_symbol(char *buf, size_t size, uint64_t addr)
{
    uint64_t off;
    const char *name = ksyms_lookup(addr, &off);
    if (name)
        ksnprintf(buf, size, "%#018lx <%s+%#lx>", addr, name, off);
    else
        ksnprintf(buf, size, "%#018lx", addr);
    return buf;
}

static void dump_registers(const struct irq_frame *f)
{
    log_error("%s (vector %lu, error code %#lx) on cpu %u in %s mode",
              exception_name(f->vector), f->vector, f->error_code, this_cpu()->id,
              irq_frame_from_user(f) ? "user" : "kernel");
    char sym[128];
    log_error("RIP: %s", format_symbol(sym, sizeof(sym), f->rip));
    log_error("CS:  %#06lx  RFLAGS: %#018lx  RSP: %#018lx  SS: %#06lx",
              f->cs, f->rflags, f->rsp, f->ss);
    log_error("RAX: %#018lx  RBX: %#018lx  RCX: %#018lx", f->rax, f->rbx, f->rcx);
    log_error("RDX: %#018lx  RSI: %#018lx  RDI: %#018lx", f->rdx, f->rsi, f->rdi);
    log_error("RBP: %#018lx  R8:  %#018lx  R9:  %#018lx", f->rbp, f->r8, f->r9);
    log_error("R10: %#018lx  R11: %#018lx  R12: %#018lx", f->r10, f->r11, f->r12);
    log_error("R13: %#018lx  R14: %#018lx  R15: %#018lx", f->r13, f->r14, f->r15);
    log_error("CR0: %#018lx  CR2: %#018lx  CR3: %#018lx  CR4: %#018lx",
              read_cr0(), read_cr2(), read_cr3(), read_cr4());
    if (f->vector == VEC_PAGE_FAULT) {
        uint64_t e = f->error_code;
        log_error("page fault at %#018lx: %s, %s, %s mode%s%s%s%s", read_cr2(),
                  e & PF_PRESENT ? "protection violation" : "page not present",
                  e & PF_INSTR_FETCH ? "instruction fetch" : e & PF_WRITE ? "write" : "read",
                  e & PF_USER ? "user" : "kernel",
                  e & PF_RESERVED ? ", reserved bit set" : "",
                  e & PF_PROT_KEY ? ", protection key" : "",
                  e & PF_SHADOW_STACK ? ", shadow stack" : "",
                  e & PF_INSTR_FETCH && e & PF_PRESENT ? " (NX or SMEP)" : "");
    }
    if (f->vector == VEC_DOUBLE_FAULT)
        log_error("double fault on the IST%d stack: the kernel stack (RSP above) may "
                  "have overflowed", IST_DOUBLE_FAULT);
}

static __noreturn void kernel_fault(const struct irq_frame *f)
{
    /* A push into a stack's guard page: the #PF could not be delivered on that
     * stack either, so it arrives here as a #DF (on its IST stack) with CR2 in the
     * guard. Said plainly, with the thread. */
    if ((f->vector == VEC_DOUBLE_FAULT || f->vector == VEC_PAGE_FAULT) &&
        kstack_is_guard(read_cr2())) {
        struct thread *t = thread_current();
        log_enter_panic_mode();
        dump_registers(f);
        panic_with_frame(f->rbp, "kernel stack overflow in thread '%s' (guard page %#lx)",
                         t ? thread_name(t) : "?", read_cr2());
    }
    /* A second fault while dumping would recurse forever: stop instead. */
    static volatile int dumping;
    if (__atomic_exchange_n(&dumping, 1, __ATOMIC_SEQ_CST))
        panic_with_frame(f->rbp, "nested %s while reporting a fault", exception_name(f->vector));
    log_enter_panic_mode();     /* the fault may have hit with the log lock held */
    dump_registers(f);
    uint64_t off = 0;
    const char *fn = ksyms_lookup(f->rip, &off);
    panic_with_frame(f->rbp, "%s at %#lx (%s+%#lx)", exception_name(f->vector), f->rip,
                     fn ? fn : "?", off);
}

/* Signal a ring-3 exception raises (Linux's mapping of the x86 traps). */
static int exception_signal(uint64_t vector)
{
    switch (vector) {
    case 0: case 16: case 19: return SIGFPE;       /* #DE, #MF, #XM */
    case 6: return SIGILL;                          /* #UD */
    case 1: case 3: return SIGTRAP;                 /* #DB, #BP */
    case 17: return SIGBUS;                         /* #AC */
    default: return SIGSEGV;                        /* #GP, #PF, #SS, #NP, ... */
    }
}

/* si_code and si_addr of a ring-3 exception, as Linux fills them: the fault
 * address for #PF, the faulting instruction otherwise (0 for #GP, as Linux). */
static uint64_t exception_siginfo(const struct irq_frame *f, int *code)
{
    switch (f->vector) {
    case VEC_PAGE_FAULT:
        *code = f->error_code & PF_PRESENT ? SEGV_ACCERR : SEGV_MAPERR;
        return read_cr2();
    case 0: *code = FPE_INTDIV; return f->rip;
    case 16: case 19: *code = FPE_FLTINV; return f->rip;
    case 6: *code = ILL_ILLOPN; return f->rip;
    case 1: *code = TRAP_TRACE; return f->rip;
    case VEC_BREAKPOINT: *code = SI_KERNEL; return 0;    /* int3: Linux sends SI_KERNEL */
    case 17: *code = BUS_ADRALN; return f->rip;
    default: *code = SI_KERNEL; return 0;                  /* #GP & co */
    }
}

/* A fault in ring 3 kills only the faulting process (LESSONS 14): the [process] line
 * and the register dump go to the log, then the process exits as signalled and the
 * scheduler runs the next thread. Without a process (cannot happen: only user
 * threads run ring 3) it is a kernel bug. */
static void exception_user_fault(struct irq_frame *f, bool bus_error)
{
    struct process *p = proc_current();
    if (!p) {
        log_enter_panic_mode();
        dump_registers(f);
        panic_with_frame(f->rbp, "%s in user mode at %#lx without a process",
                         exception_name(f->vector), f->rip);
    }
    int sig = exception_signal(f->vector);
    int code;
    uint64_t addr = exception_siginfo(f, &code);
    if (bus_error) {            /* a shared file page past the end of the file */
        sig = SIGBUS;
        code = BUS_ADRERR;
    }
    /* A handler for it: delivered by signal_irq_return on the way out. If it
     * returns without fixing the cause, the fault simply happens again. */
    if (signal_fault(sig, code, addr))
        return;
    log_write(LOG_ERROR, "process", "pid %d (%s) killed by %s: %s at rip %#lx", p->pid,
              p->comm, proc_signal_name(sig), exception_name(f->vector), f->rip);
    dump_registers(f);
    irq_enable();
    proc_exit_current(PROC_STATUS_SIGNALLED(sig) | WCOREFLAG);
}

/* A #PF on a user address from ring 3, or from a uaccess routine: demand paging
 * first (a page of a VMA not yet mapped). 0 when the access can be retried, else
 * mm_fault's error (-EIO: SIGBUS rather than SIGSEGV). */
static int exception_user_page(struct irq_frame *f)
{
    uint64_t addr = read_cr2();
    if (!proc_current() || addr >= USER_SPACE_END)
        return -EFAULT;
    if (f->rflags & (1ull << 9))        /* IF: the interrupted code could take locks */
        irq_enable();
    int err = proc_handle_page_fault(addr, f->error_code & PF_WRITE,
                                     f->error_code & PF_INSTR_FETCH,
                                     f->error_code & PF_PRESENT);
    irq_disable();
    return err;
}

void exception_handle(struct irq_frame *f)
{
    char sym[128];
    bool user = irq_frame_from_user(f);
    int pf_err = 0;
    switch (f->vector) {
    case VEC_NMI:
        /* Another CPU panicked and stops the rest (smp_stop_others). */
        if (smp_stopping())
            arch_halt_forever();
        /* Watchdog and hardware-error NMIs: report and carry on. */
        log_error("NMI on cpu %u at %s", this_cpu()->id, format_symbol(sym, sizeof(sym), f->rip));
        return;
    case VEC_BREAKPOINT:
        if (user)
            break;
        /* int3 is a trap: RIP already points past it, so returning resumes. */
        log_info("breakpoint on cpu %u at %s", this_cpu()->id, format_symbol(sym, sizeof(sym), f->rip));
        return;
    case VEC_PAGE_FAULT:
        if ((user || uaccess_fixup(f->rip)) && (pf_err = exception_user_page(f)) == 0)
            return;
        break;
    }
    if (user) {
        exception_user_fault(f, pf_err == -EIO);
        return;
    }
    /* A bad user pointer inside copy_from_user & co: the routine returns -EFAULT. */
    uint64_t fixup = uaccess_fixup(f->rip);
    if (fixup && (f->vector == VEC_PAGE_FAULT || f->vector == VEC_GP)) {
        f->rip = fixup;
        return;
    }
    kernel_fault(f);
}
