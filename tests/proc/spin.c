/* Proc KTEST program: a sibling that keeps computing (and yielding) while another
 * process crashes; exits 0 after its work, with registers and stack intact. */
#include <stdint.h>

static long raw0(long nr)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr) : "rcx", "r11", "memory");
    return r;
}

int main(void)
{
    volatile uint64_t acc = 1;
    for (int i = 0; i < 200; i++) {
        for (int j = 0; j < 20000; j++)
            acc = acc * 6364136223846793005ull + 1442695040888963407ull;
        raw0(24);       /* sched_yield */
    }
    return acc == 0 ? 1 : 0;
}
