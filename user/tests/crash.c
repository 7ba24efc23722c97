/* Crashes stay in their process: a child that faults dies of the right signal
 * (NULL dereference and writes to read-only or kernel memory: SIGSEGV; ud2:
 * SIGILL; integer divide by zero: SIGFPE; int3: SIGTRAP; abort: SIGABRT) and the
 * parent sees it through waitpid. */
#define _GNU_SOURCE
#include "testlib.h"

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* Runs fn in a child (no core file) and returns its wait status, or -1. */
static int in_child(void (*fn)(void))
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);   /* may be unsupported: harmless */
        fn();
        _exit(0);                           /* survived: the test fails */
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return status;
}

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

TEST(null_dereference_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(in_child(null_deref), SIGSEGV);
}

TEST(write_to_kernel_memory_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(in_child(kernel_write), SIGSEGV);
}

TEST(read_of_kernel_memory_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(in_child(kernel_read), SIGSEGV);
}

TEST(write_to_readonly_page_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(in_child(write_readonly), SIGSEGV);
}

TEST(executing_data_kills_child_with_sigsegv)
{
    CHECK_KILLED_BY(in_child(execute_data), SIGSEGV);
}

TEST(ud2_kills_child_with_sigill)
{
    CHECK_KILLED_BY(in_child(ud2), SIGILL);
}

TEST(divide_by_zero_kills_child_with_sigfpe)
{
    CHECK_KILLED_BY(in_child(divide_by_zero), SIGFPE);
}

TEST(int3_kills_child_with_sigtrap)
{
    CHECK_KILLED_BY(in_child(breakpoint), SIGTRAP);
}

TEST(abort_kills_child_with_sigabrt)
{
    CHECK_KILLED_BY(in_child(call_abort), SIGABRT);
}

TEST(parent_goes_on_after_many_crashes)
{
    for (int i = 0; i < 20; i++)
        CHECK_KILLED_BY(in_child(null_deref), SIGSEGV);
    CHECK(getpid() > 0);
}
