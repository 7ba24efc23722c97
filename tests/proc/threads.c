/* Proc KTEST program: pthreads on clone/futex: 8 threads add to one counter under a
 * mutex (contention goes through futex wait/wake), join them (CLONE_CHILD_CLEARTID),
 * thread ids differ from the pid, TLS is per thread. Exit status = first failed
 * check; prints the count. */
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 8
#define ROUNDS  20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread int tls_value;
static pid_t tids[THREADS];
static int bad;

static void *worker(void *arg)
{
    int idx = (int)(long)arg;
    tls_value = idx;
    tids[idx] = (pid_t)syscall(SYS_gettid);
    if (getpid() == tids[idx])
        bad = 1;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        long v = counter;
        if ((i & 255) == 0)
            sched_yield();      /* hold the lock across a switch: others must wait */
        counter = v + 1;
        pthread_mutex_unlock(&lock);
    }
    if (tls_value != idx)
        bad = 2;
    return (void *)(long)(idx + 1);
}

int main(void)
{
    pthread_t t[THREADS];
    tls_value = -1;
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i))
            return 1;
    for (int i = 0; i < THREADS; i++) {
        void *ret;
        if (pthread_join(t[i], &ret) || (long)ret != i + 1)
            return 2;
    }
    if (bad)
        return 2 + bad;
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j] || tids[i] <= 0)
                return 5;
    if (tls_value != -1 || syscall(SYS_gettid) != getpid())
        return 6;
    printf("count %ld\n", counter);
    return counter == (long)THREADS * ROUNDS ? 0 : 7;
}
