/* Crashes stay in their process: a child that faults dies of the right signal
 * (NULL dereference, writes to read-only or kernel memory, a jump into the kernel,
 * a stack overflow: SIGSEGV; ud2: SIGILL; integer divide by zero: SIGFPE; int3:
 * SIGTRAP; abort: SIGABRT), the parent sees it through waitpid, and a busy process
 * running alongside the crashes finishes its work. */
#define _GNU_SOURCE
#include "testlib.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define CHECK_KILLED_BY(status, sig)                                            \
    do {                                                                        \
        int s_ = (status);                                                      \
        CHECK(s_ != -1);                                                        \
        CHECK(WIFSIGNALED(s_));                                                 \
        if (WIFSIGNALED(s_))                                                    \
            CHECK_EQ(WTERMSIG(s_), sig);                                        \
        else if (WIFEXITED(s_))                                                 \
            printf("  child exited with %d instead\n", WEXITSTATUS(s_));        \
    } while (0)

static void null_deref(void)
{
    *(volatile int *)(uintptr_t)0 = 1;
}

static void kernel_write(void)
{
    *(volatile int *)0xffff800000000000UL = 1;
}

static void kernel_read(void)
{
    (void)*(volatile int *)0xffffffff80000000UL;
}

static void ud2(void)
{
    __asm__ volatile("ud2");
}

static void divide_by_zero(void)
{
    int zero = 0, result;
    __asm__ volatile("cltd; idivl %2" : "=a"(result) : "a"(1), "r"(zero) : "edx");
    (void)result;
}

static void breakpoint(void)
{
    __asm__ volatile("int3");
}

static void write_readonly(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(2);
    p[0] = 1;
    if (mprotect(p, 4096, PROT_READ) != 0)
        _exit(3);
    ((volatile char *)p)[0] = 2;
}

static void execute_data(void)
{
    static unsigned char ret_insn[] = { 0xc3 };   /* in .data: not executable (NX) */
    ((void (*)(void))(uintptr_t)ret_insn)();
}

static void call_abort(void)
{
    abort();
}

static void jump_into_kernel(void)
{
    ((void (*)(void))0xffffffff80200000UL)();
}

/* Deep recursion with a frame the compiler cannot drop: runs off the 8 MiB stack.
 * The depth test is on a volatile so the compiler cannot prove it never ends. */
static volatile int depth_limit = 1 << 30;

static int recurse(volatile char *prev, int depth)
{
    volatile char frame[4096];
    frame[0] = prev ? prev[0] + 1 : 0;
    if (depth >= depth_limit)
        return frame[0];
    return recurse(frame, depth + 1) + frame[1];
}

static void stack_overflow(void)
{
    recurse(NULL, 0);
}

TEST(null_dereference_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(null_deref), SIGSEGV);
}

TEST(write_to_kernel_memory_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(kernel_write), SIGSEGV);
}

TEST(read_of_kernel_memory_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(kernel_read), SIGSEGV);
}

TEST(write_to_readonly_page_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(write_readonly), SIGSEGV);
}

TEST(executing_data_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(execute_data), SIGSEGV);
}

TEST(ud2_kills_child_with_sigill)
{
    CHECK_KILLED_BY(tl_in_child(ud2), SIGILL);
}

TEST(divide_by_zero_kills_child_with_sigfpe)
{
    CHECK_KILLED_BY(tl_in_child(divide_by_zero), SIGFPE);
}

TEST(int3_kills_child_with_sigtrap)
{
    CHECK_KILLED_BY(tl_in_child(breakpoint), SIGTRAP);
}

TEST(abort_kills_child_with_sigabrt)
{
    CHECK_KILLED_BY(tl_in_child(call_abort), SIGABRT);
}

TEST(jump_into_kernel_memory_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(jump_into_kernel), SIGSEGV);
}

TEST(stack_overflow_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(tl_in_child(stack_overflow), SIGSEGV);
}

/* A child that keeps computing while its siblings crash, then reports its result. */
TEST(busy_process_finishes_while_others_crash)
{
    pid_t busy = fork();
    CHECK(busy >= 0);
    if (busy == 0) {
        volatile uint64_t x = 0;
        for (uint64_t i = 0; i < 20000000; i++)
            x += i;
        _exit(x == 20000000ull * 19999999ull / 2 ? 0 : 1);
    }
    void (*crashes[])(void) = { null_deref, ud2, divide_by_zero, jump_into_kernel, stack_overflow };
    for (int round = 0; round < 2; round++)
        for (unsigned i = 0; i < sizeof(crashes) / sizeof(crashes[0]); i++)
            CHECK(WIFSIGNALED(tl_in_child(crashes[i])));
    int status;
    CHECK_EQ(waitpid(busy, &status, 0), busy);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(parent_goes_on_after_many_crashes)
{
    for (int i = 0; i < 20; i++)
        CHECK_KILLED_BY(tl_in_child(null_deref), SIGSEGV);
    CHECK(getpid() > 0);
}
