/* Proc KTEST program: the start-up system calls behave like Linux's: mmap/munmap/
 * mprotect/brk/madvise, uname, clocks, nanosleep, getrandom, prctl names, ids.
 * Exit status = number of the first check that failed (0: all passed); the same
 * binary passes on Linux. */
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    if (p[0] != 0 || p[3 * 4096 - 1] != 0)
        return 2;
    p[4096] = 42;
    if (madvise(p, 3 * 4096, MADV_DONTNEED) || p[4096] != 0)
        return 3;
    if (mprotect(p, 4096, PROT_READ))
        return 4;
    if (munmap(p, 3 * 4096))
        return 5;
    char *fixed = mmap(p, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (fixed != p)
        return 6;
    fixed[10] = 1;
    long b0 = syscall(SYS_brk, 0);
    long b1 = syscall(SYS_brk, b0 + 65536);
    if (b1 != b0 + 65536)
        return 7;
    ((char *)b0)[65535] = 7;
    struct utsname u;
    if (uname(&u) || strcmp(u.machine, "x86_64") != 0)
        return 8;
    struct timespec a, c;
    if (clock_gettime(CLOCK_MONOTONIC, &a))
        return 9;
    struct timespec d = { 0, 20 * 1000 * 1000 };
    if (nanosleep(&d, NULL))
        return 10;
    clock_gettime(CLOCK_MONOTONIC, &c);
    if ((c.tv_sec - a.tv_sec) * 1000000000L + (c.tv_nsec - a.tv_nsec) < 19 * 1000 * 1000)
        return 11;
    unsigned char r[32] = { 0 };
    if (getrandom(r, sizeof(r), 0) != sizeof(r))
        return 12;
    if (prctl(PR_SET_NAME, "renamed") != 0)
        return 13;
    char name[16];
    if (prctl(PR_GET_NAME, name) != 0 || strcmp(name, "renamed") != 0)
        return 14;
    if (getpid() <= 0 || syscall(SYS_gettid) != getpid())
        return 15;
    if (time(NULL) < 1600000000)
        return 16;
    return 0;
}
