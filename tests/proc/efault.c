/* Proc KTEST program: bad pointers into system calls come back as -EFAULT and an
 * unknown number as -ENOSYS, never a crash. Exit status = number of the first check
 * that failed (0: all passed). Same binary passes on Linux. */
#include <stdint.h>

static long raw3(long nr, long a, long b, long c)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return r;
}

int main(void)
{
    if (raw3(1, 1, 0x10, 5) != -14)
        return 1;
    if (raw3(1, 1, (long)0xffff800000000000ull, 5) != -14)
        return 2;
    if (raw3(1, 1, 0x7ffffffff000, (long)0xffffffffffff0000ull) != -14)
        return 3;
    if (raw3(1, 1, (long)0xfffffffffffffff0ull, 32) != -14)
        return 4;
    if (raw3(999, 0, 0, 0) != -38)
        return 5;
    if (raw3(100000, 0, 0, 0) != -38)
        return 6;
    static const char msg[] = "efault ok\n";
    if (raw3(1, 1, (long)msg, sizeof(msg) - 1) != sizeof(msg) - 1)
        return 7;
    return 0;
}
