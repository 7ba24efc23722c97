/* The vvar page: the clock record the kernel publishes read-only to every process
 * and the vDSO (kernel/arch/x86_64/vdso/) reads. Shared by the kernel and the vDSO
 * build, so it uses only compiler-provided types. */
#pragma once

#define VDSO_CLOCK_NONE     0   /* no usable TSC: every clock read is the syscall */
#define VDSO_CLOCK_TSC      1

#define VDSO_CPU_SYSCALL    0   /* getcpu: the syscall */
#define VDSO_CPU_RDTSCP     1   /* IA32_TSC_AUX holds the CPU number */
#define VDSO_CPU_RDPID      2

/* Monotonic ns = ((rdtsc - tsc_base) * mult) >> shift, exactly the kernel's
 * time_ns(); realtime ns = monotonic + realtime_offset. seq is a seqlock: odd while
 * the kernel rewrites the record, so a reader that sees it odd or changed retries. */
struct vdso_data {
    volatile unsigned int seq;
    unsigned int clock_mode;            /* VDSO_CLOCK_* */
    unsigned int cpu_mode;              /* VDSO_CPU_* */
    unsigned int shift;
    unsigned long long tsc_base;
    unsigned long long mult;
    long long realtime_offset;
};
