/* Proc KTEST program: signal delivery end to end. Exits 0 when every check passes,
 * else the number of the first failing check (the KTEST names it). Runs the same
 * on host Linux. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_sig, got_code, got_pid, usr2_runs, alarms;
static volatile void *got_addr;
static sigjmp_buf jb;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig == SIGUSR1 && si->si_signo == SIGUSR1;
    got_code = si->si_code;
    got_pid = si->si_pid;
}

static void on_usr2(int sig) { (void)sig; usr2_runs++; }
static void on_alarm(int sig) { (void)sig; alarms++; }

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    got_addr = si->si_addr;
    got_code = si->si_code;
    siglongjmp(jb, 1);
}

/* Clobbers every xmm register (the handler must not disturb the interrupted code). */
static void on_usr2_clobber(int sig)
{
    (void)sig;
    __asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\t"
                     "pcmpeqd %%xmm7, %%xmm7\n\tpxor %%xmm8, %%xmm8\n\tpcmpeqd %%xmm15, %%xmm15"
                     ::: "xmm0", "xmm1", "xmm7", "xmm8", "xmm15");
    usr2_runs++;
}

static int set(int sig, void (*h)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = h;
    sa.sa_flags = flags;
    return sigaction(sig, &sa, NULL);
}

static volatile int depth_sink, depth_limit = 1 << 30;
static int recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    depth_sink = pad[0];
    if (n >= depth_limit)       /* never: keeps the compiler from calling it infinite */
        return 0;
    return recurse(n + 1) + pad[1];
}

int main(void)
{
    /* 1: SA_SIGINFO handler runs for kill(getpid()), with signo, SI_USER and pid. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGUSR1, &sa, NULL) || kill(getpid(), SIGUSR1))
        return 1;
    if (!got_sig || got_code != SI_USER || got_pid != getpid())
        return 2;

    /* 3: a blocked signal stays pending, then runs once on unblock. */
    sigset_t s, old;
    set(SIGUSR2, on_usr2, 0);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR2);
    if (usr2_runs != 0)
        return 3;
    sigset_t pend;
    sigpending(&pend);
    if (!sigismember(&pend, SIGUSR2))
        return 4;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (usr2_runs != 1)
        return 5;

    /* 6: a NULL dereference reaches the SIGSEGV handler (si_addr 0, SEGV_MAPERR),
     * which siglongjmps out: the program survives. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(jb, 1) == 0) {
        *(volatile int *)0 = 1;
        return 6;
    }
    if (got_addr != 0 || got_code != SEGV_MAPERR)
        return 7;

    /* 8: SSE registers survive a handler that clobbers them. */
    set(SIGUSR2, on_usr2_clobber, 0);
    uint64_t in[2] = { 0x1122334455667788ull, 0x99aabbccddeeff00ull }, out[2], out8[2];
    __asm__ volatile("movdqu (%2), %%xmm0\n\tmovdqu (%2), %%xmm8\n\t"
                     "mov $62, %%eax\n\tsyscall\n\t"             /* kill(pid, SIGUSR2) */
                     "movdqu %%xmm0, (%3)\n\tmovdqu %%xmm8, (%4)"
                     :: "D"((long)getpid()), "S"((long)SIGUSR2), "r"(in), "r"(out), "r"(out8)
                     : "rax", "rcx", "r11", "xmm0", "xmm8", "memory");
    if (usr2_runs != 2)
        return 8;
    if (memcmp(in, out, 16) || memcmp(in, out8, 16))
        return 9;

    /* 10: alarm(1) interrupts pause(); the handler ran; pause fails with EINTR. */
    set(SIGALRM, on_alarm, 0);
    alarm(1);
    if (pause() != -1 || errno != EINTR || alarms != 1)
        return 10;

    /* 11: a handled signal interrupts nanosleep with EINTR and the time left. */
    alarm(1);
    struct timespec ts = { 5, 0 }, rem = { 0, 0 };
    if (nanosleep(&ts, &rem) != -1 || errno != EINTR || alarms != 2 || rem.tv_sec > 4)
        return 11;

    /* 12: SA_RESETHAND makes the action one-shot. */
    set(SIGUSR2, on_usr2, SA_RESETHAND);
    raise(SIGUSR2);
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    if (usr2_runs != 3 || cur.sa_handler != SIG_DFL)
        return 12;

    /* 13: SIGKILL cannot be caught; SIGCHLD is ignored by default. */
    if (sigaction(SIGKILL, &sa, NULL) != -1 || errno != EINVAL)
        return 13;
    raise(SIGCHLD);

    /* 16: kill with signal 0 checks existence; a missing pid is ESRCH; a bad
     * number is EINVAL. */
    if (kill(getpid(), 0) != 0)
        return 16;
    if (kill(999999, 0) != -1 || errno != ESRCH)
        return 17;
    if (kill(getpid(), 65) != -1 || errno != EINVAL)
        return 18;

    /* 14: a stack overflow lands in a SIGSEGV handler on the alternate stack. */
    static char alt[65536];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0 };
    if (sigaltstack(&ss, NULL))
        return 14;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(jb, 1) == 0) {
        recurse(0);
        return 15;
    }
    write(1, "signals ok\n", 11);
    return 0;
}
