/* CPU feature detection (CPUID, once, on the boot CPU) and enabling (every CPU, in
 * CR0/CR4/EFER/XCR0 and IA32_PAT). Every feature is optional: on a CPU without one
 * the kernel runs without it (e.g. QEMU's qemu64 model has no SMEP/SMAP/XSAVE). */

#define LOG_TAG "arch"
#include <osc/arch.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/percpu.h>
#include <asm/cpufeature.h>
#include <asm/pat.h>

/* CPUID leaves (SDM 2A, CPUID). */
#define CPUID_LEAF_MAX          0x0
#define CPUID_LEAF_FEATURES     0x1
#define CPUID_LEAF_EXT_FEATURES 0x7         /* subleaf 0 */
#define CPUID_LEAF_XSAVE        0xd         /* subleaf 0: XCR0-supported bits */
#define CPUID_LEAF_EXT_MAX      0x80000000
#define CPUID_LEAF_EXT_INFO     0x80000001

/* CPUID feature bits (SDM 2A, CPUID instruction, tables 3-10/3-11, leaf 7, leaf 0xD). */
#define CPUID1_EDX_MCE      (1u << 7)
#define CPUID1_EDX_PAT      (1u << 16)
#define CPUID1_EDX_FXSR     (1u << 24)
#define CPUID1_EDX_SSE      (1u << 25)
#define CPUID1_EDX_SSE2     (1u << 26)
#define CPUID1_ECX_XSAVE    (1u << 26)
#define CPUID1_ECX_AVX      (1u << 28)
#define CPUID7_EBX_SMEP     (1u << 7)
#define CPUID7_EBX_SMAP     (1u << 20)
#define CPUID7_ECX_RDPID    (1u << 22)
#define CPUIDX1_EDX_NX      (1u << 20)   /* leaf 0x80000001 */
#define CPUIDX1_EDX_RDTSCP  (1u << 27)

/* Control register bits (SDM 3A 2.5). */
#define CR0_MP              (1ul << 1)
#define CR0_EM              (1ul << 2)
#define CR0_TS              (1ul << 3)
#define CR0_NE              (1ul << 5)
#define CR0_WP              (1ul << 16)
#define CR0_NW              (1ul << 29)
#define CR0_CD              (1ul << 30)
#define CR4_PAE             (1ul << 5)
#define CR4_MCE             (1ul << 6)
#define CR4_OSFXSR          (1ul << 9)
#define CR4_OSXMMEXCPT      (1ul << 10)
#define CR4_OSXSAVE         (1ul << 18)
#define CR4_SMEP            (1ul << 20)
#define CR4_SMAP            (1ul << 21)

/* XCR0 state components (SDM 1 13.3). */
#define XCR0_X87            (1ull << 0)
#define XCR0_SSE            (1ull << 1)
#define XCR0_AVX            (1ull << 2)

#define MSR_EFER            0xc0000080  /* SDM 4 2.1 */
#define EFER_NXE            (1ull << 11)
#define MSR_TSC_AUX         0xc0000103  /* SDM 4 2.1: read by RDTSCP and RDPID */

static bool features[CPU_FEATURE_COUNT];     /* written once by the boot CPU */

static const char *const feature_names[CPU_FEATURE_COUNT] = {
    [CPU_FEATURE_SSE] = "sse",   [CPU_FEATURE_XSAVE] = "xsave",
    [CPU_FEATURE_AVX] = "avx",   [CPU_FEATURE_NX] = "nx",
    [CPU_FEATURE_SMEP] = "smep", [CPU_FEATURE_SMAP] = "smap",
    [CPU_FEATURE_PAT] = "pat",   [CPU_FEATURE_MCE] = "mce",
    [CPU_FEATURE_RDTSCP] = "rdtscp", [CPU_FEATURE_RDPID] = "rdpid",
};

bool cpu_has(enum cpu_feature f)
{
    return f < CPU_FEATURE_COUNT && features[f];
}

const char *cpu_feature_name(enum cpu_feature f)
{
    return f < CPU_FEATURE_COUNT ? feature_names[f] : "?";
}

static uint64_t xgetbv(uint32_t index)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
    return ((uint64_t)hi << 32) | lo;
}

static void xsetbv(uint32_t index, uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void cpu_features_detect(void)
{
    uint32_t a, b, c, d, max_leaf, max_ext;
    cpuid(CPUID_LEAF_MAX, 0, &max_leaf, &b, &c, &d);
    cpuid(CPUID_LEAF_EXT_MAX, 0, &max_ext, &b, &c, &d);

    cpuid(CPUID_LEAF_FEATURES, 0, &a, &b, &c, &d);
    uint32_t ecx1 = c, edx1 = d;
    features[CPU_FEATURE_SSE] = (edx1 & (CPUID1_EDX_FXSR | CPUID1_EDX_SSE | CPUID1_EDX_SSE2)) ==
                                (CPUID1_EDX_FXSR | CPUID1_EDX_SSE | CPUID1_EDX_SSE2);
    features[CPU_FEATURE_PAT] = edx1 & CPUID1_EDX_PAT;
    features[CPU_FEATURE_MCE] = edx1 & CPUID1_EDX_MCE;
    features[CPU_FEATURE_XSAVE] = features[CPU_FEATURE_SSE] && (ecx1 & CPUID1_ECX_XSAVE) &&
                                  max_leaf >= CPUID_LEAF_XSAVE;
    if (features[CPU_FEATURE_XSAVE]) {
        cpuid(CPUID_LEAF_XSAVE, 0, &a, &b, &c, &d);  /* EAX: XCR0 bits the CPU supports */
        features[CPU_FEATURE_AVX] = (ecx1 & CPUID1_ECX_AVX) && (a & XCR0_AVX);
    }
    if (max_leaf >= CPUID_LEAF_EXT_FEATURES) {
        cpuid(CPUID_LEAF_EXT_FEATURES, 0, &a, &b, &c, &d);
        features[CPU_FEATURE_SMEP] = b & CPUID7_EBX_SMEP;
        features[CPU_FEATURE_SMAP] = b & CPUID7_EBX_SMAP;
        features[CPU_FEATURE_RDPID] = c & CPUID7_ECX_RDPID;
    }
    if (max_ext >= CPUID_LEAF_EXT_INFO) {
        cpuid(CPUID_LEAF_EXT_INFO, 0, &a, &b, &c, &d);
        features[CPU_FEATURE_NX] = d & CPUIDX1_EDX_NX;
        features[CPU_FEATURE_RDTSCP] = d & CPUIDX1_EDX_RDTSCP;
    }
}

static void pat_program(void)
{
    /* SDM 3A 11.12.4: flush caches and TLBs around a PAT change so no line or
     * translation keeps the old type. */
    __asm__ volatile("wbinvd" ::: "memory");
    wrmsr(MSR_IA32_PAT, PAT_VALUE);
    write_cr3(read_cr3());
}

void cpu_features_enable(void)
{
    /* WP: ring 0 honours read-only pages too (copy-on-write and rodata rely on it).
     * CD/NW: an AP leaves reset with caching disabled (CR0 = 0x60000010, SDM 3A
     * 9.1.1); the firmware turned it on for the boot CPU only. */
    uint64_t cr0 = (read_cr0() | CR0_WP | CR0_NE) & ~(CR0_CD | CR0_NW);
    /* CR4 is built from scratch, not from what the firmware left: OVMF hands the
     * boot CPU DE and MCE set, an AP comes out of reset with 0 (LESSONS 15). PAE
     * is long mode's; everything else follows the feature list. */
    uint64_t cr4 = CR4_PAE;
    if (cpu_has(CPU_FEATURE_MCE))
        cr4 |= CR4_MCE;
    if (cpu_has(CPU_FEATURE_SSE)) {
        cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP;
        cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    }
    if (cpu_has(CPU_FEATURE_XSAVE))
        cr4 |= CR4_OSXSAVE;
    /* SMEP/SMAP: the kernel never runs user code and touches user memory only
     * between stac/clac (copy_to/from_user, later). No user pages exist yet. */
    if (cpu_has(CPU_FEATURE_SMEP))
        cr4 |= CR4_SMEP;
    if (cpu_has(CPU_FEATURE_SMAP))
        cr4 |= CR4_SMAP;
    write_cr0(cr0);
    write_cr4(cr4);

    if (cpu_has(CPU_FEATURE_XSAVE)) {
        uint64_t xcr0 = XCR0_X87 | XCR0_SSE | (cpu_has(CPU_FEATURE_AVX) ? XCR0_AVX : 0);
        xsetbv(0, xcr0);
        log_debug("XCR0 = %#lx", xgetbv(0));
    }

    /* boot.S sets EFER.NXE when the CPU has NX; an AP's trampoline might not. */
    if (cpu_has(CPU_FEATURE_NX)) {
        uint64_t efer = rdmsr(MSR_EFER);
        if (!(efer & EFER_NXE)) {
            log_debug("EFER.NXE was off; enabling");
            wrmsr(MSR_EFER, efer | EFER_NXE);
        }
    }

    if (cpu_has(CPU_FEATURE_PAT))
        pat_program();

    /* The CPU number where user space reads it (the vDSO's getcpu), as Linux sets
     * it: (node << 12) | cpu, node 0. */
    if (cpu_has(CPU_FEATURE_RDTSCP) || cpu_has(CPU_FEATURE_RDPID))
        wrmsr(MSR_TSC_AUX, this_cpu()->id & 0xfff);
}

void cpu_control_state_read(struct cpu_control_state *st)
{
    st->cr0 = read_cr0();
    st->cr4 = read_cr4();
    st->efer = rdmsr(MSR_EFER);
    st->pat = cpu_has(CPU_FEATURE_PAT) ? rdmsr(MSR_IA32_PAT) : 0;
    st->xcr0 = (st->cr4 & CR4_OSXSAVE) ? xgetbv(0) : 0;
}

void cpu_features_describe(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int f = 0; f < CPU_FEATURE_COUNT; f++) {
        if (!features[f])
            continue;
        int n = ksnprintf(buf + len, size - len, "%s%s", len ? " " : "", feature_names[f]);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}
