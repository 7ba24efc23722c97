/* The vDSO: user-mode code the kernel maps into every process (kernel/proc/vdso.c),
 * answering the clock calls from the vvar page with rdtsc and getcpu with
 * RDPID/RDTSCP, the real syscall otherwise. Built -fPIC without libc (Makefile);
 * names and version LINUX_2.6 as Linux's x86_64 vDSO (vdso.lds). */

#include <osc/vdso_data.h>

struct timespec_k { long tv_sec, tv_nsec; };
struct timeval_k { long tv_sec, tv_usec; };

/* The page just below the vDSO's first byte (vdso.lds). Hidden: reached
 * RIP-relative, so the image needs no relocation wherever it is mapped. */
extern const struct vdso_data vvar_page __attribute__((visibility("hidden")));

#define CLOCK_REALTIME          0
#define CLOCK_MONOTONIC         1
#define CLOCK_MONOTONIC_RAW     4
#define CLOCK_REALTIME_COARSE   5
#define CLOCK_MONOTONIC_COARSE  6
#define CLOCK_BOOTTIME          7
#define NS_PER_SEC              1000000000ull

#define NR_gettimeofday   96
#define NR_time           201
#define NR_clock_gettime  228
#define NR_clock_getres   229
#define NR_getcpu         309

static long sys3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

#define barrier() __asm__ volatile("" ::: "memory")

/* 0 with *ns the clock's value (monotonic when !realtime), -1 when the TSC is not
 * to be used. x86 keeps loads in order, so compiler barriers make the seqlock. */
static int read_ns(int realtime, unsigned long long *ns)
{
    const struct vdso_data *vd = &vvar_page;
    for (;;) {
        unsigned int seq = vd->seq;
        if (seq & 1) {
            __asm__ volatile("pause");
            continue;
        }
        barrier();
        if (vd->clock_mode != VDSO_CLOCK_TSC)
            return -1;
        unsigned int lo, hi;
        /* lfence: the TSC is read after the loads before it, like the kernel's
         * reads are ordered by the syscall itself. */
        __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
        unsigned long long cycles = (((unsigned long long)hi << 32) | lo) - vd->tsc_base;
        unsigned long long v = (unsigned long long)
            (((unsigned __int128)cycles * vd->mult) >> vd->shift);
        if (realtime)
            v += (unsigned long long)vd->realtime_offset;
        barrier();
        if (vd->seq == seq) {
            *ns = v;
            return 0;
        }
    }
}

static int clock_kind(int clock)
{
    switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE:
        return 1;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        return 0;
    default:
        return -1;
    }
}

int __vdso_clock_gettime(int clock, struct timespec_k *ts)
{
    int kind = clock_kind(clock);
    unsigned long long ns;
    if (kind < 0 || read_ns(kind, &ns))
        return (int)sys3(NR_clock_gettime, clock, (long)ts, 0);
    ts->tv_sec = (long)(ns / NS_PER_SEC);
    ts->tv_nsec = (long)(ns % NS_PER_SEC);
    return 0;
}

/* The syscall's answer for the clocks served here: 1 ns. */
int __vdso_clock_getres(int clock, struct timespec_k *res)
{
    if (clock_kind(clock) < 0 || vvar_page.clock_mode != VDSO_CLOCK_TSC)
        return (int)sys3(NR_clock_getres, clock, (long)res, 0);
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}

int __vdso_gettimeofday(struct timeval_k *tv, void *tz)
{
    unsigned long long ns;
    if (tz || read_ns(1, &ns))
        return (int)sys3(NR_gettimeofday, (long)tv, (long)tz, 0);
    if (tv) {
        tv->tv_sec = (long)(ns / NS_PER_SEC);
        tv->tv_usec = (long)(ns % NS_PER_SEC / 1000);
    }
    return 0;
}

long __vdso_time(long *t)
{
    unsigned long long ns;
    if (read_ns(1, &ns))
        return sys3(NR_time, (long)t, 0, 0);
    long s = (long)(ns / NS_PER_SEC);
    if (t)
        *t = s;
    return s;
}

/* IA32_TSC_AUX holds (node << 12) | cpu, as Linux sets it. */
long __vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
    (void)unused;
    unsigned int mode = vvar_page.cpu_mode;
    unsigned int aux;
    if (mode == VDSO_CPU_RDPID) {
        unsigned long long v;
        __asm__ volatile("rdpid %0" : "=r"(v));
        aux = (unsigned int)v;
    } else if (mode == VDSO_CPU_RDTSCP) {
        unsigned int lo, hi;
        __asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
    } else {
        return sys3(NR_getcpu, (long)cpu, (long)node, 0);
    }
    if (cpu)
        *cpu = aux & 0xfff;
    if (node)
        *node = aux >> 12;
    return 0;
}

/* The plain names too, as Linux's vDSO has them. */
int clock_gettime(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_gettime")));
int clock_getres(int, struct timespec_k *) __attribute__((weak, alias("__vdso_clock_getres")));
int gettimeofday(struct timeval_k *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned int *, unsigned int *, void *) __attribute__((weak, alias("__vdso_getcpu")));
