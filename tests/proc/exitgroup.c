/* Proc KTEST program: exit_group with threads still running: some spin in user
 * mode, some sleep in futex waits, one in nanosleep; exit(7) from main ends them
 * all and the process exits 7. With argument "exec", main execs busybox true
 * instead: the other threads end and the process exits 0. */
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int started;
static uint32_t never;

static void *spinner(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    for (volatile unsigned long i = 0;; i++)
        ;
    return NULL;
}

static void *waiter(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    for (;;)
        syscall(SYS_futex, &never, 128 /* FUTEX_WAIT_PRIVATE */, 0, NULL, NULL, 0);
    return NULL;
}

static void *sleeper(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    struct timespec ts = { 100, 0 };
    for (;;)
        nanosleep(&ts, NULL);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;
    for (int i = 0; i < 3; i++)
        if (pthread_create(&t, NULL, spinner, NULL))
            return 1;
    for (int i = 0; i < 2; i++)
        if (pthread_create(&t, NULL, waiter, NULL))
            return 2;
    if (pthread_create(&t, NULL, sleeper, NULL))
        return 3;
    while (started < 6)
        sched_yield();
    struct timespec ts = { 0, 50 * 1000000L };
    nanosleep(&ts, NULL);
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        char *args[] = { "true", NULL };
        execv("/bin/busybox", args);
        return 4;
    }
    exit(7);
}
