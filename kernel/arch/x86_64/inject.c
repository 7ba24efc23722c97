/* Deliberate kernel faults for the test suite: `fault=KIND` on the command line
 * makes kmain call arch_inject_fault(KIND) at the end of boot; each kind must end in
 * a register dump, a symbolised backtrace and "KERNEL PANIC". */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/sched.h>

/* Just below the -2 GiB kernel window: no layout in osc/mm.h ever maps it (the
 * kernel image starts at KERNEL_VMA + 2 MiB, the direct map far lower). */
#define FAULT_UNMAPPED_ADDR     (KERNEL_VMA - 0x200000)
#define FAULT_NONCANONICAL_ADDR 0xdead000000000000ull   /* bits 63:47 differ: #GP */

/* The "df" test overflows a stack whose bottom is KERNEL_VMA itself, so the first
 * push past it hits the unmapped page below, the CPU cannot push the #PF frame
 * either, and escalates to #DF -- which must arrive on its IST stack. Under the boot
 * page tables the stack is physical 0..32 KiB (real-mode IVT and BIOS data, unused
 * by the kernel); once mm maps only the image, the first push already faults.
 * Either way the result is a double fault. */
#define DF_STACK_TOP            (KERNEL_VMA + 0x8000)
#define DF_FRAME_BYTES          1024
#define DF_MAX_DEPTH            1000000     /* bound only to keep -Winfinite-recursion quiet */

static __attribute__((noinline)) uint64_t df_recurse(uint64_t depth)
{
    volatile uint8_t frame[DF_FRAME_BYTES];
    frame[0] = (uint8_t)depth;
    if (depth > DF_MAX_DEPTH)
        return 0;
    return df_recurse(depth + 1) + frame[0];   /* not a tail call: each frame stays */
}

static __noreturn void inject_double_fault(void)
{
    __asm__ volatile("movq %0, %%rsp\n\t"
                     "xorl %%edi, %%edi\n\t"
                     "call %P1"
                     :
                     : "r"(DF_STACK_TOP), "i"(df_recurse)
                     : "memory");
    __builtin_unreachable();
}

/* The "stack" test writes past a local array: -fstack-protector-strong's check
 * at the frame's return must panic. The length comes through a volatile so the
 * compiler cannot see the overflow (it would refuse to build it). */
static volatile size_t smash_len = 64;

static __attribute__((noinline)) void smash(volatile uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = 0x41;
}

static __attribute__((noinline)) void smash_own_frame(void)
{
    uint8_t buf[16];
    smash(buf, smash_len);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

/* The "kstack" test: a kernel thread recursing on its own stack until it reaches
 * the guard page below it (kernel/sched/kstack.c). */
static void kstack_overflow_thread(void *arg)
{
    (void)arg;
    df_recurse(0);
}

void arch_inject_fault(const char *kind)
{
    log_info("injecting fault '%s'", kind);
    if (strcmp(kind, "page") == 0) {
        *(volatile uint64_t *)FAULT_UNMAPPED_ADDR = 0x0bad;
    } else if (strcmp(kind, "ud") == 0) {
        __asm__ volatile("ud2");
    } else if (strcmp(kind, "gp") == 0) {
        (void)*(volatile uint64_t *)FAULT_NONCANONICAL_ADDR;
    } else if (strcmp(kind, "de") == 0) {
        __asm__ volatile("xorl %%ecx, %%ecx\n\t"
                         "divl %%ecx"
                         ::: "eax", "ecx", "edx");
    } else if (strcmp(kind, "df") == 0) {
        inject_double_fault();
    } else if (strcmp(kind, "stack") == 0) {
        smash_own_frame();
    } else if (strcmp(kind, "kstack") == 0) {
        struct thread *t = thread_create("kstack-overflow", kstack_overflow_thread, NULL);
        if (t)
            thread_join(t);
    } else {
        log_error("unknown fault kind '%s' (page, ud, gp, de, df, stack, kstack); continuing",
                  kind);
        return;
    }
    log_error("fault '%s' did not fault", kind);
}
