/* Guest side of tests/qemu/beep.py: checks beep's argument rules, then sounds
 * 880 Hz for 400 ms after a marker, and stays quiet while the host records. */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "osc.h"     /* libosc: osc_beep, -1/errno as syscall(2) */

static void nap(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

int main(void)
{
    long r1 = osc_beep(5, 100);            /* below 20 Hz */
    int e1 = errno;
    long r2 = osc_beep(440, 60000);        /* longer than 10 s */
    int e2 = errno;
    printf("EINVAL %s\n", r1 == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL ? "ok" : "bad");
    long r3 = osc_beep(0, 0);              /* silence: always fine */
    printf("SILENCE %s\n", r3 == 0 ? "ok" : "bad");
    fflush(stdout);
    nap(600);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long r4 = osc_beep(880, 400);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long took_ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    printf("BEEP %ld returned_after_ms %ld\n", r4, took_ms);
    fflush(stdout);
    nap(1500);
    printf("DONE\n");
    return 0;
}
