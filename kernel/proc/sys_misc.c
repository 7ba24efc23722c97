/* Small process-wide system calls real programs make at start-up (FACTS.md):
 * uname, time, sleep, randomness (identity: creds.c, limits: rlimit.c). */

#include <osc/caps.h>
#include <osc/errno.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/signal.h>
#include <osc/syscall.h>
#include <osc/time.h>
#include <osc/uaccess.h>
#include "proc_internal.h"

SYSCALL(umask)
{
    struct process *p = proc_current();
    uint32_t old = p->umask;
    p->umask = args->a[0] & 0777;
    return old;
}

/* struct utsname: six fields of 65 bytes (Linux new_utsname). */
SYSCALL(uname)
{
    static const char fields[6][65] = {
        "OSCortex", "oscortex", "6.1.0-oscortex", "#1 SMP", "x86_64", "(none)",
    };
    return copy_to_user((void *)args->a[0], fields, sizeof(fields));
}

#define GRND_NONBLOCK 0x1       /* linux/random.h */
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

SYSCALL(getrandom)
{
    unsigned flags = (unsigned)args->a[2];
    if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) ||
        (flags & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    size_t n = MIN(args->a[1], (uint64_t)256 * 1024);
    uint8_t *dst = (uint8_t *)args->a[0];
    for (size_t done = 0; done < n;) {
        uint64_t r = arch_random_u64();
        size_t k = MIN(n - done, sizeof(r));
        if (copy_to_user(dst + done, &r, k))
            return done ? (long)done : -EFAULT;
        done += k;
    }
    return (long)n;
}

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define NS_PER_SEC               1000000000ll

/* Linux's encodings of the calling process's and thread's CPU clocks
 * (MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED), MAKE_THREAD_CPUCLOCK(0, ...)). */
#define CPUCLOCK_SELF_PROCESS    (-6)
#define CPUCLOCK_SELF_THREAD     (-2)

/* clockid_t is an int: the upper half of the register is ignored, as by Linux. */
static int clock_now(uint64_t id, int64_t *ns)
{
    int32_t clock = (int32_t)id;
    switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE:
        *ns = time_realtime_ns();
        return 0;
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
        *ns = (int64_t)time_ns();
        return 0;
    case CLOCK_PROCESS_CPUTIME_ID:
        return proc_cpu_clock_ns(CPUCLOCK_SELF_PROCESS, ns);
    case CLOCK_THREAD_CPUTIME_ID:
        return proc_cpu_clock_ns(CPUCLOCK_SELF_THREAD, ns);
    default:
        return clock < 0 ? proc_cpu_clock_ns(clock, ns) : -EINVAL;
    }
}

SYSCALL(clock_gettime)
{
    int64_t ns;
    int err = clock_now(args->a[0], &ns);
    if (err)
        return err;
    int64_t ts[2] = { ns / NS_PER_SEC, ns % NS_PER_SEC };
    return copy_to_user((void *)args->a[1], ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
    int64_t ns;
    int err = clock_now(args->a[0], &ns);
    if (err || !args->a[1])
        return err;
    int64_t ts[2] = { 0, 1 };
    return copy_to_user((void *)args->a[1], ts, sizeof(ts));
}

SYSCALL(gettimeofday)
{
    int64_t ns = time_realtime_ns();
    int64_t tv[2] = { ns / NS_PER_SEC, (ns % NS_PER_SEC) / 1000 };
    if (args->a[0] && copy_to_user((void *)args->a[0], tv, sizeof(tv)))
        return -EFAULT;
    return 0;
}

SYSCALL(time)
{
    int64_t s = time_realtime_ns() / NS_PER_SEC;
    if (args->a[0] && copy_to_user((void *)args->a[0], &s, sizeof(s)))
        return -EFAULT;
    return s;
}

/* Interruptible (signals): the time left goes to urem (relative sleeps), and the
 * call ends with -ERESTARTNOHAND: EINTR once a handler runs, else restarted. */
static long sleep_user_timespec(uint64_t uts, bool absolute, uint64_t clock, uint64_t urem)
{
    int64_t ts[2];
    if (copy_from_user(ts, (const void *)uts, sizeof(ts)))
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= NS_PER_SEC)
        return -EINVAL;
    int64_t ns = ts[0] > INT64_MAX / NS_PER_SEC - 1 ? INT64_MAX : ts[0] * NS_PER_SEC + ts[1];
    if (absolute) {
        int64_t now;
        int err = clock_now(clock, &now);
        if (err)
            return err;
        ns = ns > now ? ns - now : 0;
    }
    uint64_t left = 0;
    if (thread_sleep_ns_interruptible(ns > 0 ? (uint64_t)ns : 0, &left) == 0)
        return 0;
    if (!absolute && urem) {
        int64_t rem[2] = { (int64_t)left / NS_PER_SEC, (int64_t)left % NS_PER_SEC };
        if (copy_to_user((void *)urem, rem, sizeof(rem)))
            return -EFAULT;
    }
    return -ERESTARTNOHAND;
}

SYSCALL(nanosleep)
{
    return sleep_user_timespec(args->a[0], false, CLOCK_MONOTONIC, args->a[1]);
}

#define TIMER_ABSTIME 1

SYSCALL(clock_nanosleep)
{
    int64_t dummy;
    int32_t clock = (int32_t)args->a[0];
    /* Linux refuses to sleep on a thread's CPU clock. A process CPU clock sleeps
     * its span in wall time: never shorter than asked, as CPU time is at most
     * wall time on one CPU. */
    if (clock == CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & 4)))
        return -EINVAL;
    if (clock_now(args->a[0], &dummy))
        return -EINVAL;
    return sleep_user_timespec(args->a[2], args->a[1] & TIMER_ABSTIME, args->a[0], args->a[3]);
}

SYSCALL(sched_yield)
{
    (void)args;
    sched_yield();
    return 0;
}

/* struct sysinfo (Linux, 64-bit): 112 bytes. */
SYSCALL(sysinfo)
{
    struct {
        int64_t uptime;
        uint64_t loads[3];
        uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint32_t pad2;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char pad3[4];
    } si;
    memset(&si, 0, sizeof(si));
    si.uptime = (int64_t)(time_ns() / NS_PER_SEC);
    unsigned running;
    sched_loadavg(si.loads, &running);
    for (int i = 0; i < 3; i++)
        si.loads[i] <<= 16 - LOAD_FSHIFT;      /* SI_LOAD_SHIFT */
    si.totalram = pmm_total_count() * PAGE_SIZE;
    si.freeram = pmm_free_count() * PAGE_SIZE;
    si.procs = 1;
    si.mem_unit = 1;
    _Static_assert(sizeof(si) == 112, "struct sysinfo");
    return copy_to_user((void *)args->a[0], &si, sizeof(si));
}

/* syslog(2), as busybox dmesg and klogd call it (klogctl): the kernel log's ring
 * read whole or cleared. Reading is for root (CAP_SYSLOG or CAP_SYS_ADMIN), as
 * Debian's kernels do with dmesg_restrict. Blocking reads (action 2) are not
 * done: nothing reads the log as a stream yet. */
#define SYSLOG_ACTION_CLOSE         0
#define SYSLOG_ACTION_OPEN          1
#define SYSLOG_ACTION_READ_ALL      3
#define SYSLOG_ACTION_READ_CLEAR    4
#define SYSLOG_ACTION_CLEAR         5
#define SYSLOG_ACTION_CONSOLE_OFF   6
#define SYSLOG_ACTION_CONSOLE_ON    7
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD   9
#define SYSLOG_ACTION_SIZE_BUFFER   10

static uint64_t log_cleared;        /* bytes logged before the last clear (atomic) */

SYSCALL(syslog)
{
    int action = (int)args->a[0], len = (int)args->a[2];
    struct process *p = proc_current();
    if (action != SYSLOG_ACTION_SIZE_BUFFER && action != SYSLOG_ACTION_CLOSE &&
        action != SYSLOG_ACTION_OPEN && !proc_capable(p, CAP_SYSLOG) &&
        !proc_capable(p, CAP_SYS_ADMIN))
        return -EPERM;
    uint64_t since = __atomic_load_n(&log_cleared, __ATOMIC_RELAXED);
    switch (action) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
    case SYSLOG_ACTION_CONSOLE_OFF:
    case SYSLOG_ACTION_CONSOLE_ON:
        return 0;
    case SYSLOG_ACTION_CONSOLE_LEVEL:
        return args->a[2] >= 1 && args->a[2] <= 8 ? 0 : -EINVAL;
    case SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_RING_BYTES;
    case SYSLOG_ACTION_SIZE_UNREAD: {
        uint64_t total = log_ring_written(), oldest = total > LOG_RING_BYTES ? total - LOG_RING_BYTES : 0;
        return (long)(total - (since > oldest ? since : oldest));
    }
    case SYSLOG_ACTION_CLEAR:
        __atomic_store_n(&log_cleared, log_ring_written(), __ATOMIC_RELAXED);
        return 0;
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR: {
        if (len < 0 || (len && !args->a[1]))
            return -EINVAL;
        size_t n = len < LOG_RING_BYTES ? (size_t)len : LOG_RING_BYTES;
        char *buf = kmalloc(n + 1);
        if (!buf)
            return -ENOMEM;
        /* The newest whole lines since the last clear that fit, as Linux's
         * READ_ALL gives whole records: the byte before the first one read
         * says whether it starts a line. */
        uint64_t total = log_ring_written();
        uint64_t from = total > n && total - n > since ? total - n : since;
        size_t got = 0;
        if (n && from > since) {
            got = log_read_ring_since(from - 1, buf, n + 1);
            size_t skip = 1;
            while (skip <= got && buf[skip - 1] != '\n')
                skip++;
            got = skip <= got ? got - skip : 0;
            memmove(buf, buf + skip, got);
        } else if (n) {
            got = log_read_ring_since(from, buf, n);
        }
        long r = copy_to_user((void *)args->a[1], buf, got) ? -EFAULT : (long)got;
        kfree(buf);
        if (r >= 0 && action == SYSLOG_ACTION_READ_CLEAR)
            __atomic_store_n(&log_cleared, total, __ATOMIC_RELAXED);
        return r;
    }
    default:
        return -EINVAL;
    }
}
