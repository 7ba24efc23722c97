/* Restartable sequences and getcpu: registration rules of rseq(2), cpu_id kept
 * equal to the CPU getcpu reports, and a critical section interrupted by a signal
 * resuming at its abort handler. glibc registers every thread itself at start-up;
 * with musl the test registers its own area. */
#define _GNU_SOURCE
#include "testlib.h"

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#ifdef __GLIBC__
#include <sys/rseq.h>
#endif

#define SIG_X86 0x53053053              /* glibc's RSEQ_SIG on x86 */
#define FLAG_UNREGISTER 1

struct area {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags, node_id, mm_cid;
} __attribute__((aligned(32)));

static long sys_rseq(void *a, uint32_t len, int flags, uint32_t sig)
{
    return syscall(SYS_rseq, a, len, flags, sig);
}

static unsigned cpu_now(void)
{
    unsigned cpu = 12345;
    syscall(SYS_getcpu, &cpu, NULL, NULL);
    return cpu;
}

/* The calling thread's registered area: glibc's own, or ours (musl). */
static struct area *registered(void)
{
#ifdef __GLIBC__
    if (__rseq_size > 0)
        return (struct area *)((char *)__builtin_thread_pointer() + __rseq_offset);
    return NULL;
#else
    static struct area own;
    static int done;
    if (!done)
        done = sys_rseq(&own, sizeof(own), 0, SIG_X86) == 0 ? 1 : -1;
    return done == 1 ? &own : NULL;
#endif
}

TEST(getcpu_names_an_online_cpu)
{
    unsigned cpu = 999, node = 999;
    CHECK_EQ(syscall(SYS_getcpu, &cpu, &node, NULL), 0);
    CHECK(cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF));
    CHECK_EQ(node, 0);
    CHECK_EQ(sched_getcpu(), (int)cpu_now());
    CHECK_ERR(syscall(SYS_getcpu, (void *)8, NULL, NULL), EFAULT);
}

TEST(the_main_thread_is_registered_and_cpu_id_is_current)
{
    struct area *a = registered();
    REQUIRE(a != NULL);
    CHECK_EQ(a->cpu_id, cpu_now());
    CHECK_EQ(a->cpu_id_start, cpu_now());
    CHECK_EQ(a->rseq_cs, 0);
}

TEST(registration_rules_match_linux)
{
    struct area *a = registered();
    REQUIRE(a != NULL);
    static struct area other;
    /* One registration per thread: the same again is EBUSY, a different area
     * EINVAL, the same with another signature EPERM. */
#ifndef __GLIBC__
    CHECK_ERR(sys_rseq(a, sizeof(*a), 0, SIG_X86), EBUSY);
    CHECK_ERR(sys_rseq(a, sizeof(*a), 0, SIG_X86 + 1), EPERM);
#endif
    CHECK_ERR(sys_rseq(&other, sizeof(other), 0, SIG_X86), EINVAL);
    CHECK_ERR(sys_rseq(a, sizeof(*a), 8, SIG_X86), EINVAL);
    CHECK_ERR(sys_rseq(&other, sizeof(other), FLAG_UNREGISTER, SIG_X86), EINVAL);
}

static void *thread_fresh(void *arg)
{
    (void)arg;
    long r = 0;
    /* A new thread has no registration of its own unless its libc made one. */
#ifndef __GLIBC__
    static struct area mine;
    r = sys_rseq(&mine, sizeof(mine), 0, SIG_X86);
    if (r == 0 && mine.cpu_id != cpu_now())
        r = -2;
    if (r == 0)
        r = sys_rseq(&mine, sizeof(mine), FLAG_UNREGISTER, SIG_X86);
    if (r == 0 && mine.cpu_id != 0xffffffffu)
        r = -3;
#else
    struct area *a = registered();
    r = a && a->cpu_id == cpu_now() ? 0 : -4;
#endif
    return (void *)r;
}

#include <pthread.h>
TEST(a_new_thread_registers_its_own_area)
{
    pthread_t t;
    void *r = (void *)1;
    REQUIRE(pthread_create(&t, NULL, thread_fresh, NULL) == 0);
    pthread_join(t, &r);
    CHECK_EQ((long)r, 0);
}

TEST(bad_registrations_are_refused)
{
    pid_t pid = fork();
    if (pid == 0) {
        /* A child process keeps its parent's registration: unregister it first. */
        struct area *a = registered();
        if (!a || sys_rseq(a, sizeof(*a), FLAG_UNREGISTER, SIG_X86 + 1) != -1 || errno != EPERM)
            _exit(1);
        if (sys_rseq(a, sizeof(*a), FLAG_UNREGISTER, SIG_X86) != 0)
            _exit(2);
        if (a->cpu_id != 0xffffffffu)
            _exit(3);
        static char buf[128] __attribute__((aligned(32)));
        if (sys_rseq(buf + 8, 32, 0, SIG_X86) != -1 || errno != EINVAL)
            _exit(4);                   /* misaligned */
        if (sys_rseq(buf, 16, 0, SIG_X86) != -1 || errno != EINVAL)
            _exit(5);                   /* too short */
        if (sys_rseq((void *)0xffff800000000000ull, 32, 0, SIG_X86) != -1 || errno != EFAULT)
            _exit(6);
        if (sys_rseq(buf, 32, 0, SIG_X86) != 0)
            _exit(7);
        _exit(0);
    }
    int st = -1;
    REQUIRE(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

/* A critical section that spins until `escape` is set. The descriptor's abort
 * handler is preceded by the signature, as the ABI requires. Returns 1 when the
 * kernel aborted it (the only way out until the signal handler gives up and sets
 * escape, after many signals), 0 when it ran to its end. */
static volatile int escape;
static int signals_seen;

__attribute__((noinline, noclone)) static int spin_in_section(struct area *a)
{
    int aborted;
    __asm__ volatile(
        "leaq osc_rseq_desc(%%rip), %%rax\n\t"
        "movq %%rax, 8(%[a])\n\t"
        "osc_rseq_start:\n\t"
        "cmpl $0, %[esc]\n\t"
        "je osc_rseq_start\n\t"
        "osc_rseq_post:\n\t"
        "movl $0, %[ab]\n\t"
        "jmp osc_rseq_done\n\t"
        ".long 0x53053053\n\t"
        "osc_rseq_abort:\n\t"
        "movl $1, %[ab]\n\t"
        "osc_rseq_done:\n\t"
        "movq $0, 8(%[a])\n\t"
        ".pushsection .data\n\t"
        ".balign 32\n\t"
        "osc_rseq_desc:\n\t"
        ".long 0, 0\n\t"
        ".quad osc_rseq_start, osc_rseq_post - osc_rseq_start, osc_rseq_abort\n\t"
        ".popsection\n\t"
        : [ab] "=&r"(aborted)
        : [a] "r"(a), [esc] "m"(escape)
        : "rax", "memory", "cc");
    return aborted;
}

static void on_alarm(int sig)
{
    (void)sig;
    if (++signals_seen >= 50)
        escape = 1;
}

TEST(a_signal_inside_a_critical_section_resumes_at_its_abort_handler)
{
    struct area *a = registered();
    REQUIRE(a != NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
    escape = 0;
    signals_seen = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    int aborted = spin_in_section(a);
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
    /* Preemption alone may abort it before the first signal: either way out
     * through the abort handler is right; reaching the end is not. */
    CHECK_EQ(aborted, 1);
    CHECK_EQ(a->rseq_cs, 0);
}
