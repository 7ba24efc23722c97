/* The Linux x86_64 rt_sigframe (arch/x86/include/asm/sigframe.h): return address
 * (sa_restorer), ucontext with the sigcontext and a pointer to the saved FPU/XSAVE
 * image, siginfo; and rt_sigreturn's validated restore. Also the signal check on
 * the way back to ring 3 from an interrupt or exception. */

#include <osc/arch.h>
#include <osc/context.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/signal.h>
#include <osc/uaccess.h>
#include <asm/cpufeature.h>
#include <asm/irq_frame.h>
#include <asm/segment.h>
#include <asm/user_regs.h>
#include "../../proc/proc_internal.h"

/* struct sigcontext (64-bit), 256 bytes. */
struct linux_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;           /* user address of the FXSAVE/XSAVE image, or 0 */
    uint64_t reserved1[8];
};

struct linux_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    uint64_t ss_sp;             /* uc_stack: stack_t */
    int32_t ss_flags, ss_pad;
    uint64_t ss_size;
    struct linux_sigcontext uc_mcontext;
    uint64_t uc_sigmask;        /* the kernel's sigset_t: one word */
};

struct rt_sigframe {
    uint64_t pretcode;          /* sa_restorer: the handler's return address */
    struct linux_ucontext uc;
    struct linux_siginfo info;
};

_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext");
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 40, "ucontext");
_Static_assert(sizeof(struct linux_ucontext) == 304, "ucontext");
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "rt_sigframe");

#define UC_FP_XSTATE          0x1
#define UC_SIGCONTEXT_SS      0x2
#define UC_STRICT_RESTORE_SS  0x4
/* The FXSAVE area's software-available bytes 464..511 describe the XSAVE image
 * (struct _fpx_sw_bytes), and a second magic follows the image. */
#define FP_XSTATE_MAGIC1      0x46505853u
#define FP_XSTATE_MAGIC2      0x46505845u
#define FX_SW_OFF             464
#define XSAVE_HDR_OFF         512   /* SDM 1 13.4.2: XSTATE_BV, XCOMP_BV, reserved */
#define FXSAVE_SIZE           512
#define MXCSR_OFF             24
#define RED_ZONE              128   /* psABI 3.2.2 */
/* RFLAGS bits user mode may set through sigreturn (Linux FIX_EFLAGS): CF PF AF ZF
 * SF TF DF OF AC RF. IF and IOPL stay the kernel's: IF on, IOPL 0. */
#define RFLAGS_USER_MASK      0x40dd5ull
#define RFLAGS_BASE           0x202ull

struct fx_sw_bytes {
    uint32_t magic1, extended_size;
    uint64_t xfeatures;
    uint32_t xstate_size, padding[7];
};

static bool has_xsave(void)
{
    return cpu_has(CPU_FEATURE_XSAVE);
}

static uint64_t xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* MXCSR bits the CPU accepts (FXSAVE's MXCSR_MASK, 0 meaning 0xffbf: SDM 1 11.6.6);
 * FXRSTOR/XRSTOR of any other bit raises #GP, in the kernel. */
static uint32_t mxcsr_mask(void)
{
    static uint32_t mask;
    if (!mask) {
        static uint8_t buf[FXSAVE_SIZE] __attribute__((aligned(16)));
        __asm__ volatile("fxsave64 %0" : "=m"(buf));
        mask = *(uint32_t *)(buf + 28);
        if (!mask)
            mask = 0xffbf;
    }
    return mask;
}

static void fpu_save_live(void *area)
{
    unsigned long f = irq_save();
    if (has_xsave())
        __asm__ volatile("xsave64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
    irq_restore(f);
}

/* Replaces the live FPU registers with the image in area (kernel memory, checked). */
static void fpu_load_live(void *area)
{
    unsigned long f = irq_save();
    arch_fpu_switch(NULL, area);
    irq_restore(f);
}

int arch_signal_setup_frame(struct user_regs *regs, const struct signal_frame *sf)
{
    size_t fsize = arch_fpu_area_size();
    bool xs = has_xsave();
    uint64_t sp = regs->rsp - RED_ZONE;
    if (sf->on_altstack)
        sp = sf->ss_sp + sf->ss_size;
    uint64_t fp = (sp - fsize - (xs ? 4 : 0)) & ~63ull;
    uint64_t frame = ((fp - sizeof(struct rt_sigframe)) & ~15ull) - 8;  /* rsp % 16 == 8 */
    if (!user_range_ok(frame, sp - frame) || frame > sp)
        return -EFAULT;

    /* The FPU image: the live registers, described for the restorer. */
    uint8_t *area = sf->fpu_area;
    fpu_save_live(area);
    if (xs) {
        struct fx_sw_bytes sw = {
            .magic1 = FP_XSTATE_MAGIC1, .extended_size = (uint32_t)fsize + 4,
            .xfeatures = xcr0(), .xstate_size = (uint32_t)fsize,
        };
        memcpy(area + FX_SW_OFF, &sw, sizeof(sw));
    }
    if (copy_to_user((void *)fp, area, fsize))
        return -EFAULT;
    uint32_t magic2 = FP_XSTATE_MAGIC2;
    if (xs && copy_to_user((void *)(fp + fsize), &magic2, sizeof(magic2)))
        return -EFAULT;

    struct rt_sigframe f;
    memset(&f, 0, sizeof(f));
    f.pretcode = sf->restorer;
    f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (xs ? UC_FP_XSTATE : 0);
    f.uc.ss_sp = sf->ss_sp;
    f.uc.ss_flags = sf->ss_flags;
    f.uc.ss_size = sf->ss_size;
    struct linux_sigcontext *sc = &f.uc.uc_mcontext;
    sc->r8 = regs->r8; sc->r9 = regs->r9; sc->r10 = regs->r10; sc->r11 = regs->r11;
    sc->r12 = regs->r12; sc->r13 = regs->r13; sc->r14 = regs->r14; sc->r15 = regs->r15;
    sc->rdi = regs->rdi; sc->rsi = regs->rsi; sc->rbp = regs->rbp; sc->rbx = regs->rbx;
    sc->rdx = regs->rdx; sc->rax = regs->rax; sc->rcx = regs->rcx; sc->rsp = regs->rsp;
    sc->rip = regs->rip; sc->eflags = regs->rflags;
    sc->cs = SEL_USER_CODE;
    sc->ss = SEL_USER_DATA;
    sc->oldmask = sf->mask;
    sc->fpstate = fp;
    const struct ksiginfo *k = sf->info;
    if (k->addr && (k->signo == SIGSEGV || k->signo == SIGBUS))
        sc->cr2 = k->addr;
    f.uc.uc_sigmask = sf->mask;

    signal_siginfo_fill(&f.info, k);
    if (copy_to_user((void *)frame, &f, sizeof(f)))
        return -EFAULT;

    /* The handler starts with a clean FPU (MXCSR, x87 control word at defaults). */
    arch_fpu_init_area(area);
    fpu_load_live(area);

    regs->rdi = (uint64_t)k->signo;
    regs->rsi = frame + offsetof(struct rt_sigframe, info);
    regs->rdx = frame + offsetof(struct rt_sigframe, uc);
    regs->rax = 0;
    regs->rsp = frame;
    regs->rip = sf->handler;
    regs->cs = SEL_USER_CODE;
    regs->ss = SEL_USER_DATA;
    regs->rflags &= ~((1ull << 8) | (1ull << 10) | (1ull << 16));  /* TF, DF, RF */
    regs->orig_rax = (uint64_t)-1;
    return 0;
}

/* Loads the FPU image at user address fp (0: a clean state). The image is copied
 * and checked in kernel memory first, so XRSTOR/FXRSTOR cannot fault. */
static int restore_fpu(uint64_t fp, uint8_t *area)
{
    size_t fsize = arch_fpu_area_size();
    if (!fp) {
        arch_fpu_init_area(area);
        fpu_load_live(area);
        return 0;
    }
    if (fp & 63)
        return -EINVAL;
    uint8_t *raw = kmalloc(fsize + 64);
    if (!raw)
        return -ENOMEM;
    uint8_t *img = (uint8_t *)ALIGN_UP((uint64_t)raw, 64);
    int err = 0;
    arch_fpu_init_area(img);
    struct fx_sw_bytes sw;
    if (copy_from_user(img, (const void *)fp, FXSAVE_SIZE)) {
        err = -EFAULT;
        goto out;
    }
    memcpy(&sw, img + FX_SW_OFF, sizeof(sw));
    if (has_xsave()) {
        uint64_t *hdr = (uint64_t *)(img + XSAVE_HDR_OFF);
        if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size == fsize) {
            if (copy_from_user(img + FXSAVE_SIZE, (const void *)(fp + FXSAVE_SIZE),
                               fsize - FXSAVE_SIZE)) {
                err = -EFAULT;
                goto out;
            }
            /* XRSTOR #GPs on XSTATE_BV bits outside XCR0, a compacted header in
             * standard form, or non-zero reserved header bytes (SDM 1 13.8). */
            if ((hdr[0] & ~xcr0()) || hdr[1])
                err = -EINVAL;
            for (int i = 2; i < 8; i++)
                if (hdr[i])
                    err = -EINVAL;
        } else {
            memset(img + XSAVE_HDR_OFF, 0, 64);
            hdr[0] = 0x3;               /* an FXSAVE image: x87 and SSE state only */
        }
    }
    if (*(uint32_t *)(img + MXCSR_OFF) & ~mxcsr_mask())
        err = -EINVAL;
    if (!err) {
        unsigned long f = irq_save();
        memcpy(area, img, fsize);
        arch_fpu_switch(NULL, area);
        irq_restore(f);
    }
out:
    kfree(raw);
    return err;
}

int arch_signal_restore_frame(struct user_regs *regs, uint64_t *mask, void *fpu_area)
{
    /* The handler's `ret` popped pretcode: the frame starts 8 below rsp. */
    uint64_t frame = regs->rsp - 8;
    struct rt_sigframe f;
    if (!user_range_ok(frame, sizeof(f)) || copy_from_user(&f, (const void *)frame, sizeof(f)))
        return -EFAULT;
    const struct linux_sigcontext *sc = &f.uc.uc_mcontext;
    /* iretq to a non-canonical rip faults in ring 0: refuse it here. */
    if (sc->rip >= USER_SPACE_END)
        return -EINVAL;
    int err = restore_fpu(sc->fpstate, fpu_area);
    if (err)
        return err;
    regs->r8 = sc->r8; regs->r9 = sc->r9; regs->r10 = sc->r10; regs->r11 = sc->r11;
    regs->r12 = sc->r12; regs->r13 = sc->r13; regs->r14 = sc->r14; regs->r15 = sc->r15;
    regs->rdi = sc->rdi; regs->rsi = sc->rsi; regs->rbp = sc->rbp; regs->rbx = sc->rbx;
    regs->rdx = sc->rdx; regs->rax = sc->rax; regs->rcx = sc->rcx; regs->rsp = sc->rsp;
    regs->rip = sc->rip;
    /* Whatever the frame says, user mode keeps user selectors, IF on, IOPL 0. */
    regs->rflags = RFLAGS_BASE | (sc->eflags & RFLAGS_USER_MASK);
    regs->cs = SEL_USER_CODE;
    regs->ss = SEL_USER_DATA;
    *mask = f.uc.uc_sigmask;
    return 0;
}

/* On the way back to ring 3 from an interrupt or exception (irq_dispatch): a
 * pending signal is delivered through the same code as after a system call, on a
 * struct user_regs copy of the frame. Interrupts are off on entry and exit; the
 * frame is the outermost one on this thread's stack, so enabling them is safe. */
void signal_irq_return(struct irq_frame *f)
{
    if (!signal_pending_current())
        return;
    struct user_regs r = {
        .r15 = f->r15, .r14 = f->r14, .r13 = f->r13, .r12 = f->r12, .rbp = f->rbp,
        .rbx = f->rbx, .r11 = f->r11, .r10 = f->r10, .r9 = f->r9, .r8 = f->r8,
        .rax = f->rax, .rcx = f->rcx, .rdx = f->rdx, .rsi = f->rsi, .rdi = f->rdi,
        .orig_rax = (uint64_t)-1, .rip = f->rip, .cs = f->cs, .rflags = f->rflags,
        .rsp = f->rsp, .ss = f->ss,
    };
    irq_enable();
    signal_deliver(&r);
    irq_disable();
    f->r15 = r.r15; f->r14 = r.r14; f->r13 = r.r13; f->r12 = r.r12; f->rbp = r.rbp;
    f->rbx = r.rbx; f->r11 = r.r11; f->r10 = r.r10; f->r9 = r.r9; f->r8 = r.r8;
    f->rax = r.rax; f->rcx = r.rcx; f->rdx = r.rdx; f->rsi = r.rsi; f->rdi = r.rdi;
    f->rip = r.rip; f->rflags = r.rflags; f->rsp = r.rsp;
    f->cs = SEL_USER_CODE;
    f->ss = SEL_USER_DATA;
}
