/* In-kernel tests of the CPU layer: exception return, vector registration and
 * dispatch, the symbol table, and that detected features really are switched on. */

#include <osc/errno.h>
#include <osc/irq.h>
#include <osc/ksyms.h>
#include <osc/ktest.h>
#include <osc/lib.h>
#include <asm/cpu.h>
#include <asm/cpufeature.h>
#include <asm/pat.h>
#include <asm/segment.h>

#define TEST_VECTOR     0xe0    /* unused by devices so far */
#define VEC_BREAKPOINT  3
#define CR0_WP          (1ul << 16)
#define CR4_SMEP        (1ul << 20)
#define CR4_SMAP        (1ul << 21)
#define MSR_EFER        0xc0000080
#define EFER_NXE        (1ull << 11)

KTEST(breakpoint_exception_is_reported_and_returns)
{
    uint64_t before = irq_count(VEC_BREAKPOINT);
    __asm__ volatile("int3");
    KT_ASSERT_EQ(irq_count(VEC_BREAKPOINT), before + 1);
}

KTEST(irq_register_rejects_exception_and_spurious_vectors)
{
    static int ctx;
    irq_handler_fn fn = (irq_handler_fn)(void *)1;
    KT_ASSERT_EQ(irq_register(0, fn, &ctx), -EINVAL);
    KT_ASSERT_EQ(irq_register(31, fn, &ctx), -EINVAL);
    KT_ASSERT_EQ(irq_register(IRQ_VECTOR_SPURIOUS, fn, &ctx), -EINVAL);
    KT_ASSERT_EQ(irq_register(TEST_VECTOR, NULL, &ctx), -EINVAL);
}

static void count_calls(struct irq_frame *f, void *ctx)
{
    (void)f;
    (*(int *)ctx)++;
}

KTEST(irq_register_dispatches_and_refuses_second_handler)
{
    static int calls;
    calls = 0;
    KT_ASSERT_EQ(irq_register(TEST_VECTOR, count_calls, &calls), 0);
    int second = irq_register(TEST_VECTOR, count_calls, &calls);
    uint64_t before = irq_count(TEST_VECTOR);
    __asm__ volatile("int %0" ::"i"(TEST_VECTOR));
    irq_unregister(TEST_VECTOR);
    KT_ASSERT_EQ(second, -EBUSY);
    KT_ASSERT_EQ(calls, 1);
    KT_ASSERT_EQ(irq_count(TEST_VECTOR), before + 1);
    /* Free again after unregister. */
    KT_ASSERT_EQ(irq_register(TEST_VECTOR, count_calls, &calls), 0);
    irq_unregister(TEST_VECTOR);
}

KTEST(ksyms_lookup_names_kernel_functions)
{
    uint64_t off = 99;
    const char *name = ksyms_lookup((uint64_t)ksyms_lookup, &off);
    KT_ASSERT(name != NULL);
    KT_ASSERT(strcmp(name, "ksyms_lookup") == 0);
    KT_ASSERT_EQ(off, 0);
    name = ksyms_lookup((uint64_t)irq_register + 3, &off);
    KT_ASSERT(name && strcmp(name, "irq_register") == 0);
    KT_ASSERT_EQ(off, 3);
    KT_ASSERT(ksyms_lookup(0x1000, &off) == NULL);
    KT_ASSERT(ksyms_lookup((uint64_t)&ksyms_count, &off) == NULL);  /* rodata */
}

KTEST(detected_cpu_features_are_enabled)
{
    KT_ASSERT(read_cr0() & CR0_WP);
    KT_ASSERT_EQ(!!(read_cr4() & CR4_SMEP), cpu_has(CPU_FEATURE_SMEP));
    KT_ASSERT_EQ(!!(read_cr4() & CR4_SMAP), cpu_has(CPU_FEATURE_SMAP));
    if (cpu_has(CPU_FEATURE_NX))
        KT_ASSERT(rdmsr(MSR_EFER) & EFER_NXE);
    if (cpu_has(CPU_FEATURE_PAT))
        KT_ASSERT_EQ(rdmsr(MSR_IA32_PAT), PAT_VALUE);
}

KTEST(task_register_holds_this_cpus_tss)
{
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    KT_ASSERT_EQ(tr, SEL_TSS);
}

/* A software "int 2" takes the NMI gate, with its IST2 stack switch, and must come
 * back: NMIs are reported, never fatal. */
KTEST(nmi_is_reported_and_returns_from_ist_stack)
{
    uint64_t before = irq_count(2);
    __asm__ volatile("int $2");
    KT_ASSERT_EQ(irq_count(2), before + 1);
}
