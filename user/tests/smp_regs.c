/* SMP stress: a thread's registers are its own on every CPU. Threads pinned over
 * the CPUs (two per CPU, so they also preempt each other) fill every register that
 * Linux preserves across a syscall (all general ones but rax, rcx, r11) and the 16
 * xmm registers with values derived from their own seed, spin, call sched_yield,
 * and check every value is still there (LESSONS 1: registers saved in a per-CPU
 * scratch area were overwritten by another thread's syscall on another core). x86_64
 * only. With one usable CPU the same logic runs without the cross-CPU checks. */
#define _GNU_SOURCE
#include "testlib.h"
#include "smp_cpus.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <ucontext.h>

#define LOOPS 20000
#define MAX_THREADS 16

/* int reg_check(uint64_t seed, uint64_t loops): 0, or 1 at the first register found
 * changed. Leaf function: saves the callee-saved registers itself. */
int reg_check(uint64_t seed, uint64_t loops);
__asm__(
    ".text\n"
    ".globl reg_check\n"
    ".type reg_check, @function\n"
    "reg_check:\n"
    "    push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "    sub $16, %rsp\n"
    "    mov %rdi, 0(%rsp)\n"            /* seed, bumped every loop */
    "    mov %rsi, 8(%rsp)\n"            /* loops left */
    "1:  mov 0(%rsp), %rax\n"
    "    mov %rax, %rbx\n xor $0x101, %rbx\n"
    "    mov %rax, %rbp\n xor $0x202, %rbp\n"
    "    mov %rax, %rdx\n xor $0x303, %rdx\n"
    "    mov %rax, %rsi\n xor $0x404, %rsi\n"
    "    mov %rax, %rdi\n xor $0x505, %rdi\n"
    "    mov %rax, %r8\n  xor $0x606, %r8\n"
    "    mov %rax, %r9\n  xor $0x707, %r9\n"
    "    mov %rax, %r10\n xor $0x808, %r10\n"
    "    mov %rax, %r12\n xor $0x909, %r12\n"
    "    mov %rax, %r13\n xor $0xa0a, %r13\n"
    "    mov %rax, %r14\n xor $0xb0b, %r14\n"
    "    mov %rax, %r15\n xor $0xc0c, %r15\n"
    "    movq %rbx, %xmm0\n  movq %rbp, %xmm1\n  movq %rdx, %xmm2\n  movq %rsi, %xmm3\n"
    "    movq %rdi, %xmm4\n  movq %r8, %xmm5\n   movq %r9, %xmm6\n   movq %r10, %xmm7\n"
    "    movq %r12, %xmm8\n  movq %r13, %xmm9\n  movq %r14, %xmm10\n movq %r15, %xmm11\n"
    "    movq %rbx, %xmm12\n movq %rbp, %xmm13\n movq %rdx, %xmm14\n movq %rsi, %xmm15\n"
    "    mov $500, %ecx\n"              /* a short spin: room for interrupts */
    "2:  pause\n dec %ecx\n jnz 2b\n"
    "    mov $24, %eax\n"               /* sched_yield */
    "    syscall\n"
    "    mov 0(%rsp), %rax\n"
    "    xor $0x101, %rax\n cmp %rax, %rbx\n jne 9f\n xor $0x101, %rax\n"
    "    xor $0x202, %rax\n cmp %rax, %rbp\n jne 9f\n xor $0x202, %rax\n"
    "    xor $0x303, %rax\n cmp %rax, %rdx\n jne 9f\n xor $0x303, %rax\n"
    "    xor $0x404, %rax\n cmp %rax, %rsi\n jne 9f\n xor $0x404, %rax\n"
    "    xor $0x505, %rax\n cmp %rax, %rdi\n jne 9f\n xor $0x505, %rax\n"
    "    xor $0x606, %rax\n cmp %rax, %r8\n  jne 9f\n xor $0x606, %rax\n"
    "    xor $0x707, %rax\n cmp %rax, %r9\n  jne 9f\n xor $0x707, %rax\n"
    "    xor $0x808, %rax\n cmp %rax, %r10\n jne 9f\n xor $0x808, %rax\n"
    "    xor $0x909, %rax\n cmp %rax, %r12\n jne 9f\n xor $0x909, %rax\n"
    "    xor $0xa0a, %rax\n cmp %rax, %r13\n jne 9f\n xor $0xa0a, %rax\n"
    "    xor $0xb0b, %rax\n cmp %rax, %r14\n jne 9f\n xor $0xb0b, %rax\n"
    "    xor $0xc0c, %rax\n cmp %rax, %r15\n jne 9f\n"
    /* The general registers are right: compare each xmm with its source. */
    "    movq %xmm0, %rax\n  cmp %rax, %rbx\n jne 9f\n"
    "    movq %xmm1, %rax\n  cmp %rax, %rbp\n jne 9f\n"
    "    movq %xmm2, %rax\n  cmp %rax, %rdx\n jne 9f\n"
    "    movq %xmm3, %rax\n  cmp %rax, %rsi\n jne 9f\n"
    "    movq %xmm4, %rax\n  cmp %rax, %rdi\n jne 9f\n"
    "    movq %xmm5, %rax\n  cmp %rax, %r8\n  jne 9f\n"
    "    movq %xmm6, %rax\n  cmp %rax, %r9\n  jne 9f\n"
    "    movq %xmm7, %rax\n  cmp %rax, %r10\n jne 9f\n"
    "    movq %xmm8, %rax\n  cmp %rax, %r12\n jne 9f\n"
    "    movq %xmm9, %rax\n  cmp %rax, %r13\n jne 9f\n"
    "    movq %xmm10, %rax\n cmp %rax, %r14\n jne 9f\n"
    "    movq %xmm11, %rax\n cmp %rax, %r15\n jne 9f\n"
    "    movq %xmm12, %rax\n cmp %rax, %rbx\n jne 9f\n"
    "    movq %xmm13, %rax\n cmp %rax, %rbp\n jne 9f\n"
    "    movq %xmm14, %rax\n cmp %rax, %rdx\n jne 9f\n"
    "    movq %xmm15, %rax\n cmp %rax, %rsi\n jne 9f\n"
    "    incq 0(%rsp)\n"
    "    decq 8(%rsp)\n"
    "    jnz 1b\n"
    "    xor %eax, %eax\n"
    "    jmp 8f\n"
    "9:  mov $1, %eax\n"
    "8:  add $16, %rsp\n"
    "    pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "    ret\n"
    ".size reg_check, .-reg_check\n");

struct worker {
    int cpu, pin_err, cpu_first, cpu_last, bad;
    uint64_t seed;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    if (w->cpu >= 0 && smp_pin(w->cpu) != 0)
        w->pin_err = 1;
    w->cpu_first = smp_getcpu();
    w->bad = reg_check(w->seed, LOOPS);
    w->cpu_last = smp_getcpu();
    return NULL;
}

TEST(registers_survive_syscalls_and_preemption_on_every_cpu)
{
    int cross = SMP_CROSS_CPU();
    struct smp_cpus *c = smp_cpus();
    int n = 2 * (c->n_usable ? c->n_usable : 1);
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    struct worker w[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    int started = 0;
    for (int i = 0; i < n; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].cpu = cross ? smp_cpu(i) : -1;
        w[i].seed = 0x1000000000000000ull * (uint64_t)(i + 1) + 0x12345678ull * (uint64_t)i;
        if (pthread_create(&t[i], NULL, worker_main, &w[i]) == 0)
            started++;
        else
            break;
    }
    /* The main thread plays too, unpinned. */
    int main_bad = reg_check(0xfeedface00000000ull, LOOPS);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(started, n);
    CHECK_EQ(main_bad, 0);
    for (int i = 0; i < started; i++) {
        CHECK_EQ(w[i].bad, 0);
        CHECK_EQ(w[i].pin_err, 0);
        if (cross) {
            CHECK_EQ(w[i].cpu_first, w[i].cpu);
            CHECK_EQ(w[i].cpu_last, w[i].cpu);
        }
    }
    printf("  note: %d threads x %d loops (+ main), CPUs:", n, LOOPS);
    for (int i = 0; i < started; i++)
        printf(" %d", w[i].cpu_first);
    printf("\n");
}

/* Not vacuous: the checker must notice a changed register. A SIGUSR1 handler
 * changes the interrupted rbx in its saved context (restored by sigreturn), while
 * another thread keeps sending the signal until the checker reports the change. */
static atomic_int checker_done;
static int checker_tid;

static void flip_rbx(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RBX] ^= 0x40;
}

static void *signal_sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000 && !atomic_load(&checker_done); i++) {
        syscall(SYS_tgkill, getpid(), checker_tid, SIGUSR1);
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

TEST(register_check_catches_a_changed_register)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = flip_rbx;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
    atomic_store(&checker_done, 0);
    checker_tid = (int)syscall(SYS_gettid);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, signal_sender, NULL) == 0);
    int bad = reg_check(7, 300000);     /* ends at the first change; 300000: a bound */
    atomic_store(&checker_done, 1);
    pthread_join(t, NULL);
    signal(SIGUSR1, SIG_DFL);
    CHECK_EQ(bad, 1);
}
