/* procfs's system-wide state files: /proc/meminfo, cpuinfo, uptime, loadavg and
 * stat, in Linux's text formats (free, top and busybox's uptime parse them). */

#include <osc/errno.h>
#include <osc/filepages.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/percpu.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/time.h>
#include "procfs_internal.h"
#include "pseudofs.h"

int procfs_gen_meminfo(struct pnode *n, struct pbuf *b)
{
    (void)n;
    struct mm_stats st;
    mm_get_stats(&st);
    size_t kb = PAGE_SIZE / 1024;
    static const char *const zero[] = {
        "Buffers:", "Cached:", "SwapCached:", "Active:", "Inactive:", "SwapTotal:",
        "SwapFree:", "Dirty:", "Writeback:", "AnonPages:", "Mapped:", "Shmem:",
    };
    pbuf_printf(b, "%-16s%8zu kB\n", "MemTotal:", st.total_pages * kb);
    pbuf_printf(b, "%-16s%8zu kB\n", "MemFree:", st.free_pages * kb);
    uint64_t cached, dirty;             /* the disk files' page cache: clean pages go */
    filepages_stats(&cached, &dirty);   /* back under pressure, so they are available */
    pbuf_printf(b, "%-16s%8llu kB\n", "MemAvailable:",
                (unsigned long long)((st.free_pages + (cached > dirty ? cached - dirty : 0)) * kb));
    for (size_t i = 0; i < ARRAY_SIZE(zero); i++) {
        uint64_t pages = strcmp(zero[i], "Cached:") == 0  ? cached
                         : strcmp(zero[i], "Dirty:") == 0 ? dirty : 0;
        pbuf_printf(b, "%-16s%8llu kB\n", zero[i], (unsigned long long)(pages * kb));
    }
    pbuf_printf(b, "%-16s%8zu kB\n", "Slab:", st.heap_bytes_reserved / 1024);
    return 0;
}

static void cpuid_leaf(uint32_t leaf, uint32_t sub, uint32_t *r)
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(sub));
}

/* Linux's names for the CPUID feature bits it reports in "flags" (a subset).
 * Leaves: SDM 2A, CPUID instruction, tables 3-10, 3-11, 3-8 (leaf 7). */
struct flagbit { uint8_t reg; uint8_t bit; const char *name; };
enum { F1_EDX, F1_ECX, F7_EBX, FX_EDX, FX_ECX };
static const struct flagbit flag_bits[] = {
    { F1_EDX, 0, "fpu" }, { F1_EDX, 1, "vme" }, { F1_EDX, 2, "de" }, { F1_EDX, 3, "pse" },
    { F1_EDX, 4, "tsc" }, { F1_EDX, 5, "msr" }, { F1_EDX, 6, "pae" }, { F1_EDX, 7, "mce" },
    { F1_EDX, 8, "cx8" }, { F1_EDX, 9, "apic" }, { F1_EDX, 11, "sep" }, { F1_EDX, 12, "mtrr" },
    { F1_EDX, 13, "pge" }, { F1_EDX, 14, "mca" }, { F1_EDX, 15, "cmov" }, { F1_EDX, 16, "pat" },
    { F1_EDX, 17, "pse36" }, { F1_EDX, 19, "clflush" }, { F1_EDX, 23, "mmx" },
    { F1_EDX, 24, "fxsr" }, { F1_EDX, 25, "sse" }, { F1_EDX, 26, "sse2" }, { F1_EDX, 28, "ht" },
    { FX_EDX, 11, "syscall" }, { FX_EDX, 20, "nx" }, { FX_EDX, 26, "pdpe1gb" },
    { FX_EDX, 27, "rdtscp" }, { FX_EDX, 29, "lm" },
    { F1_ECX, 0, "pni" }, { F1_ECX, 1, "pclmulqdq" }, { F1_ECX, 9, "ssse3" },
    { F1_ECX, 12, "fma" }, { F1_ECX, 13, "cx16" }, { F1_ECX, 19, "sse4_1" },
    { F1_ECX, 20, "sse4_2" }, { F1_ECX, 21, "x2apic" }, { F1_ECX, 22, "movbe" },
    { F1_ECX, 23, "popcnt" }, { F1_ECX, 25, "aes" }, { F1_ECX, 26, "xsave" },
    { F1_ECX, 28, "avx" }, { F1_ECX, 29, "f16c" }, { F1_ECX, 30, "rdrand" },
    { F1_ECX, 31, "hypervisor" },
    { FX_ECX, 0, "lahf_lm" }, { FX_ECX, 5, "abm" },
    { F7_EBX, 0, "fsgsbase" }, { F7_EBX, 3, "bmi1" }, { F7_EBX, 5, "avx2" },
    { F7_EBX, 7, "smep" }, { F7_EBX, 8, "bmi2" }, { F7_EBX, 9, "erms" },
    { F7_EBX, 18, "rdseed" }, { F7_EBX, 19, "adx" }, { F7_EBX, 20, "smap" },
};

int procfs_gen_cpuinfo(struct pnode *n, struct pbuf *b)
{
    (void)n;
    uint32_t r[4], vendor[4] = { 0 }, regs[5] = { 0 };
    char brand[49] = { 0 };
    cpuid_leaf(0, 0, r);
    uint32_t max = r[0];
    vendor[0] = r[1];
    vendor[1] = r[3];
    vendor[2] = r[2];
    cpuid_leaf(1, 0, r);
    uint32_t sig = r[0];
    regs[F1_EDX] = r[3];
    regs[F1_ECX] = r[2];
    if (max >= 7) {
        cpuid_leaf(7, 0, r);
        regs[F7_EBX] = r[1];
    }
    cpuid_leaf(0x80000000, 0, r);
    uint32_t xmax = r[0];
    if (xmax >= 0x80000001) {
        cpuid_leaf(0x80000001, 0, r);
        regs[FX_EDX] = r[3];
        regs[FX_ECX] = r[2];
    }
    if (xmax >= 0x80000004) {
        for (uint32_t i = 0; i < 3; i++) {
            cpuid_leaf(0x80000002 + i, 0, r);
            memcpy(brand + 16 * i, r, 16);
        }
    }
    const char *model_name = brand;
    while (*model_name == ' ')
        model_name++;
    if (!*model_name)
        model_name = "unknown";
    uint32_t family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;
    if (family == 0xf)
        family += (sig >> 20) & 0xff;
    if (family == 6 || family >= 0xf)
        model |= ((sig >> 16) & 0xf) << 4;
    /* Every online CPU (ids 0..cpu_count-1); CPUID is read on this one: the
     * machine's cores are identical (QEMU, and every system we boot so far). */
    uint32_t ncpu = MIN(MAX(__atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE), 1u), (uint32_t)MAX_CPUS);
    for (uint32_t c = 0; c < ncpu; c++) {
        if (c && !__atomic_load_n(&cpus[c].online, __ATOMIC_ACQUIRE))
            continue;
        pbuf_printf(b, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
                       "model name\t: %s\nstepping\t: %u\nphysical id\t: 0\nsiblings\t: %u\n"
                       "core id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\ninitial apicid\t: %u\n"
                       "fpu\t\t: yes\nflags\t\t:",
                    c, (const char *)vendor, family, model, model_name, sig & 0xf, ncpu, c, ncpu,
                    cpus[c].apic_id, cpus[c].apic_id);
        for (size_t i = 0; i < ARRAY_SIZE(flag_bits); i++)
            if (regs[flag_bits[i].reg] >> flag_bits[i].bit & 1)
                pbuf_printf(b, " %s", flag_bits[i].name);
        pbuf_printf(b, "\nclflush size\t: 64\ncache_alignment\t: 64\n\n");
    }
    return 0;
}

static uint64_t ticks_to_clock_t(uint64_t ticks)
{
    return ticks * PROCFS_USER_HZ / TIMER_HZ;
}

int procfs_gen_uptime(struct pnode *n, struct pbuf *b)
{
    (void)n;
    uint64_t cs = time_ns() / 10000000;     /* hundredths */
    uint64_t idle = 0, u, s, i;             /* every CPU's idle time, summed (Linux) */
    for (uint32_t c = 0; c < MIN(cpu_count ? cpu_count : 1, (uint32_t)MAX_CPUS); c++) {
        sched_cpu_ticks(c, &u, &s, &i);
        idle += i;
    }
    idle = ticks_to_clock_t(idle);          /* USER_HZ 100: hundredths too */
    pbuf_printf(b, "%lu.%02lu %lu.%02lu\n", (unsigned long)(cs / 100), (unsigned long)(cs % 100),
                (unsigned long)(idle / 100), (unsigned long)(idle % 100));
    return 0;
}

int procfs_gen_loadavg(struct pnode *n, struct pbuf *b)
{
    (void)n;
    int *pids = kmalloc(PROC_MAX_PIDS_SHOWN * sizeof(int));
    if (!pids)
        return -ENOMEM;
    int count = proc_list_pids(pids, PROC_MAX_PIDS_SHOWN);
    int last = count > 0 ? pids[MIN(count, PROC_MAX_PIDS_SHOWN) - 1] : 0;
    kfree(pids);
    uint64_t avg[3];
    unsigned running;
    sched_loadavg(avg, &running);
    for (int i = 0; i < 3; i++) {
        uint64_t x = avg[i] + (1ull << LOAD_FSHIFT) / 200;     /* round to 0.01 */
        pbuf_printf(b, "%lu.%02lu ", (unsigned long)(x >> LOAD_FSHIFT),
                    (unsigned long)(((x & ((1ull << LOAD_FSHIFT) - 1)) * 100) >> LOAD_FSHIFT));
    }
    /* Running threads now (at least the reader) over every thread, as Linux: with
     * several CPUs more threads than processes can be running at once. */
    unsigned total = sched_thread_count();
    if (running < 1)
        running = 1;
    pbuf_printf(b, "%u/%u %d\n", running, total > running ? total : running, last);
    return 0;
}

int procfs_gen_stat(struct pnode *n, struct pbuf *b)
{
    (void)n;
    /* User, system and idle time from the scheduler tick, in USER_HZ; nice, iowait,
     * interrupt and steal time are not told apart (0). */
    uint32_t ncpu = MIN(cpu_count ? cpu_count : 1, (uint32_t)MAX_CPUS);
    uint64_t tu = 0, ts = 0, ti = 0, u, s, idle;
    for (uint32_t c = 0; c < ncpu; c++) {
        sched_cpu_ticks(c, &u, &s, &idle);
        tu += u;
        ts += s;
        ti += idle;
    }
    pbuf_printf(b, "cpu  %lu 0 %lu %lu 0 0 0 0 0 0\n", (unsigned long)ticks_to_clock_t(tu),
                (unsigned long)ticks_to_clock_t(ts), (unsigned long)ticks_to_clock_t(ti));
    for (uint32_t c = 0; c < ncpu; c++) {
        sched_cpu_ticks(c, &u, &s, &idle);
        pbuf_printf(b, "cpu%u %lu 0 %lu %lu 0 0 0 0 0 0\n", c,
                    (unsigned long)ticks_to_clock_t(u), (unsigned long)ticks_to_clock_t(s),
                    (unsigned long)ticks_to_clock_t(idle));
    }
    int64_t boot = time_realtime_ns() / 1000000000 - (int64_t)(time_ns() / 1000000000);
    int pids[1];
    int count = proc_list_pids(pids, 0);
    pbuf_printf(b, "intr 0\nctxt 0\nbtime %ld\nprocesses %d\nprocs_running 1\nprocs_blocked 0\n",
                (long)boot, count);
    return 0;
}
