/* smp_cpus.h: which CPUs the SMP stress tests (smp_futex.c, smp_procs.c) can pin to,
 * and the pin/getcpu helpers they share. Include after testlib.h, with _GNU_SOURCE.
 *
 * The CPUs tried are the online list of /sys/devices/system/cpu/online (else 0 ..
 * sysconf(_SC_NPROCESSORS_CONF) - 1); a CPU is usable when sched_setaffinity to it
 * alone succeeds. On Linux a cpuset may refuse some (a note, not a failure); inside
 * OSCortex (recognised by its /sys/kernel/mm) every online CPU must be usable, so a
 * kernel that refuses CPU 1 at -smp 2 cannot pass the cross-CPU checks by skipping. */
#pragma once

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>

#define SMP_MAXCPU 256

struct smp_cpus {
    int n_online;                       /* CPUs in the online list */
    int n_usable;                       /* of those, the ones we can pin to */
    int usable[SMP_MAXCPU];
    cpu_set_t initial;                  /* the process's mask at start, restored after */
};

static struct smp_cpus smp_cpus_data;
static int smp_cpus_ready;

/* The CPU this thread runs on, by the raw syscall (no vDSO or rseq cache), or -1. */
static inline int smp_getcpu(void)
{
    unsigned cpu = ~0u;
    if (syscall(SYS_getcpu, &cpu, NULL, NULL) != 0)
        return -1;
    return (int)cpu;
}

/* Pins the calling thread (pid 0 is the caller's thread in Linux) to one CPU. */
static inline int smp_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static inline void smp_unpin(void)
{
    sched_setaffinity(0, sizeof smp_cpus_data.initial, &smp_cpus_data.initial);
}

static int smp_parse_online(unsigned char on[SMP_MAXCPU])
{
    char buf[512];
    int n = 0, fd = open("/sys/devices/system/cpu/online", O_RDONLY);
    memset(on, 0, SMP_MAXCPU);
    if (fd >= 0) {
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len > 0) {
            buf[len] = 0;
            for (char *s = buf; *s && *s != '\n';) {
                char *end;
                long a = strtol(s, &end, 10), b = a;
                if (end == s)
                    break;
                s = end;
                if (*s == '-')
                    b = strtol(s + 1, &s, 10);
                for (long i = a; i <= b && i < SMP_MAXCPU; i++)
                    if (i >= 0 && !on[i]) {
                        on[i] = 1;
                        n++;
                    }
                if (*s == ',')
                    s++;
            }
        }
    }
    if (n == 0) {                       /* no /sys (a chroot): every configured CPU */
        long conf = sysconf(_SC_NPROCESSORS_CONF);
        for (long i = 0; i < conf && i < SMP_MAXCPU; i++, n++)
            on[i] = 1;
    }
    return n;
}

static inline int smp_on_oscortex(void)
{
    return tl_free_frames() >= 0;
}

static struct smp_cpus *smp_cpus(void)
{
    struct smp_cpus *c = &smp_cpus_data;
    if (smp_cpus_ready)
        return c;
    unsigned char on[SMP_MAXCPU];
    sched_getaffinity(0, sizeof c->initial, &c->initial);
    c->n_online = smp_parse_online(on);
    for (int i = 0; i < SMP_MAXCPU; i++)
        if (on[i] && smp_pin(i) == 0)
            c->usable[c->n_usable++] = i;
    smp_unpin();
    printf("  note: %d CPU(s) online, %d usable by affinity:", c->n_online, c->n_usable);
    for (int i = 0; i < c->n_usable; i++)
        printf(" %d", c->usable[i]);
    printf("\n");
    smp_cpus_ready = 1;
    return c;
}

/* The i-th usable CPU, wrapping (so N workers spread over the CPUs there are). */
static inline int smp_cpu(int i)
{
    struct smp_cpus *c = smp_cpus();
    return c->n_usable ? c->usable[i % c->n_usable] : 0;
}

/* True when the cross-CPU checks apply (two usable CPUs). With one CPU online it says
 * so and the caller runs its logic without them; inside OSCortex an online CPU that
 * cannot be pinned to is a failed check, not a reason to skip. */
#define SMP_CROSS_CPU()                                                         \
    ({                                                                          \
        struct smp_cpus *smp_c_ = smp_cpus();                                   \
        if (smp_on_oscortex())                                                  \
            CHECK_EQ(smp_c_->n_usable, smp_c_->n_online);                       \
        if (smp_c_->n_usable < 2)                                               \
            printf("  note: fewer than 2 usable CPUs: cross-CPU checks skipped\n"); \
        smp_c_->n_usable >= 2;                                                  \
    })
