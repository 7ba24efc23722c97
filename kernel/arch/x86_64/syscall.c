/* x86_64 system-call plumbing: the SYSCALL MSRs every CPU loads, the C side of
 * syscall_entry.S, and the per-thread user state a context switch carries besides
 * the kernel stack: the FS base (TLS) and the FPU/SSE/AVX registers (XSAVE). */

#include <osc/context.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/syscall.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/user_regs.h>
#include "arch_cpu.h"

/* MSRs (SDM 4, table 2-2) and EFER.SCE (SDM 3A 2.2.1). */
#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_FMASK           0xc0000084
#define MSR_FS_BASE         0xc0000100
#define EFER_SCE            (1ull << 0)
/* RFLAGS bits cleared on SYSCALL: TF (8), IF (9), DF (10), AC (18). */
#define SYSCALL_FMASK       ((1ull << 8) | (1ull << 9) | (1ull << 10) | (1ull << 18))
#define CPUID_LEAF_XSAVE    0xd

_Static_assert(offsetof(struct cpu, kernel_stack_top) == CPU_KERNEL_STACK_TOP_OFF, "entry");
_Static_assert(offsetof(struct cpu, syscall_user_rsp) == CPU_SYSCALL_USER_RSP_OFF, "entry");

extern char syscall_entry[];

void syscall_msrs_init(void)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* STAR[47:32]: SYSCALL CS (SS = +8); STAR[63:48]: SYSRET base, CS = +16, SS = +8
     * (asm/segment.h lays the GDT out for exactly this). */
    wrmsr(MSR_STAR, ((uint64_t)SEL_USER32_CODE << 48) | ((uint64_t)SEL_KERNEL_CODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, SYSCALL_FMASK);
}

void syscall_handle(struct user_regs *regs)
{
    struct syscall_args args = {
        .a = { regs->rdi, regs->rsi, regs->rdx, regs->r10, regs->r8, regs->r9 },
        .regs = regs,
    };
    regs->rax = (uint64_t)syscall_dispatch(regs->orig_rax, &args);
    proc_syscall_exit(regs);
}

void arch_set_user_fs(uint64_t base)
{
    wrmsr(MSR_FS_BASE, base);
}

/* ---- extended state ---- */

static size_t fpu_size;         /* XSAVE area size for XCR0, or 512 for FXSAVE */
static bool fpu_xsave;

size_t arch_fpu_area_size(void)
{
    if (!fpu_size) {
        fpu_xsave = cpu_has(CPU_FEATURE_XSAVE);
        if (fpu_xsave) {
            uint32_t a, b, c, d;
            cpuid(CPUID_LEAF_XSAVE, 0, &a, &b, &c, &d);
            fpu_size = b;       /* EBX: size for the components enabled in XCR0 */
        } else {
            fpu_size = 512;
        }
    }
    return fpu_size;
}

/* A clean state as after FNINIT with MXCSR at its reset value 0x1f80: the legacy
 * area's FCW 0x37f, MXCSR 0x1f80, and an XSAVE header with XSTATE_BV = 0 (every
 * component in its init state). area is 64-byte aligned, arch_fpu_area_size bytes. */
void arch_fpu_init_area(void *area)
{
    uint8_t *a = area;
    memset(a, 0, arch_fpu_area_size());
    *(uint16_t *)(a + 0) = 0x37f;       /* FCW */
    *(uint32_t *)(a + 24) = 0x1f80;     /* MXCSR */
    *(uint32_t *)(a + 28) = 0xffff;     /* MXCSR_MASK: bits the CPU accepts */
}

/* XSAVE/XRSTOR (or FXSAVE/FXRSTOR) as inline asm: no SSE code generation needed, so
 * this file stays -mgeneral-regs-only. Kernel threads have no area: the registers
 * they leave alone still hold the last user thread's state, saved when it left. */
void arch_fpu_switch(void *prev_area, void *next_area)
{
    if (prev_area == next_area)
        return;
    if (prev_area) {
        if (fpu_xsave)
            __asm__ volatile("xsave64 (%0)" ::"r"(prev_area), "a"(~0u), "d"(~0u) : "memory");
        else
            __asm__ volatile("fxsave64 (%0)" ::"r"(prev_area) : "memory");
    }
    if (next_area) {
        if (fpu_xsave)
            __asm__ volatile("xrstor64 (%0)" ::"r"(next_area), "a"(~0u), "d"(~0u) : "memory");
        else
            __asm__ volatile("fxrstor64 (%0)" ::"r"(next_area) : "memory");
    }
}

/* ---- user context helpers for kernel/proc ---- */

/* A fresh ring-3 frame: every register zero (psABI: rdx = 0, no atexit function),
 * interrupts on. */
void arch_user_regs_init(struct user_regs *r, uint64_t entry, uint64_t sp)
{
    memset(r, 0, sizeof(*r));
    r->rip = entry;
    r->rsp = sp;
    r->cs = SEL_USER_CODE;
    r->ss = SEL_USER_DATA;
    r->rflags = 0x202;          /* IF and the always-one bit 1 */
}

#define CPUID1_ECX_RDRAND   (1u << 30)

/* 64 random bits: RDRAND when the CPU has it (retried, it may underflow), else the
 * TSC run through a splitmix64 step with a running state. Not cryptographic without
 * RDRAND. */
uint64_t arch_random_u64(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & CPUID1_ECX_RDRAND) {
        for (int i = 0; i < 10; i++) {
            uint64_t v;
            uint8_t ok;
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
            if (ok)
                return v;
        }
    }
    static uint64_t state;
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t z = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ull ^ (((uint64_t)hi << 32) | lo),
                                    __ATOMIC_RELAXED);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t arch_hwcap(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    return d;                   /* AT_HWCAP on x86_64: CPUID 1 EDX */
}
