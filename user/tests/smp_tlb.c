/* TLB shoot-down seen from user space: writer threads pinned to other CPUs keep
 * storing to a page while the main thread unmaps it or makes it read-only. Every
 * writer must get SIGSEGV, and no store may land after munmap/mprotect returned:
 * neither in the page (mprotect) nor in the frame after it was reused (munmap:
 * fresh pages filled with a pattern right after must keep it). With one CPU the
 * threads share it (a note says so): the semantics are checked, not the IPIs. */

#define _GNU_SOURCE
#include "testlib.h"
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE        4096
#define MAX_WRITERS 3
#define ROUNDS      200         /* with writers on other CPUs */
#define ROUNDS_UP   20          /* all on one CPU: each round costs time slices */
#define REUSE_PAGES 16          /* fresh pages that may get the unmapped frame */
#define WAIT_NS     10000000000ll       /* 10 s for any one step: a bound, not a speed */
#define PATTERN     0x5a5a5a5a5a5a5a5aull

struct writer {
    pthread_t th;
    int id, cpu;                /* cpu < 0: not pinned */
    atomic_int active;          /* the round it has stored in at least once */
    atomic_int faulted;         /* the round in which it got SIGSEGV */
};

static struct writer writers[MAX_WRITERS];
static int nwriters, main_cpu = -1;
static atomic_int round_no;                     /* 0: none yet */
static _Atomic(uint64_t *) target;
static atomic_int stop;
static __thread sigjmp_buf fault_jmp;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(fault_jmp, 1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void pin(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

/* Stores to the round's page until the fault, then waits for the next round. */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pin(w->cpu);
    int done = 0;
    while (!atomic_load(&stop)) {
        int r = atomic_load(&round_no);
        if (r == done) {
            sched_yield();
            continue;
        }
        volatile uint64_t *t = atomic_load(&target);
        if (sigsetjmp(fault_jmp, 1) == 0) {
            t[0] = (uint64_t)w->id << 56;
            atomic_store(&w->active, r);
            for (uint64_t i = 1;; i++) {
                t[i % (PAGE / 8)] = ((uint64_t)w->id << 56) | i;
                if (!(i & 0xffff) && atomic_load_explicit(&stop, memory_order_relaxed))
                    return NULL;        /* a failed round left us writing */
            }
        }
        atomic_store(&w->faulted, r);
        done = r;
    }
    return NULL;
}

/* Waits until every writer's field reached round r; false after WAIT_NS. */
static bool wait_all(size_t field_off, int r)
{
    int64_t t0 = now_ns();
    for (;;) {
        bool all = true;
        for (int i = 0; i < nwriters; i++)
            all = all && atomic_load((atomic_int *)((char *)&writers[i] + field_off)) >= r;
        if (all)
            return true;
        if (now_ns() - t0 > WAIT_NS)
            return false;
        sched_yield();
    }
}

/* The first few CPUs this process may use (as it started: main pins itself
 * later); how many, at most MAX_WRITERS + 1. */
static int cpu_list(int *cpus)
{
    static cpu_set_t set;
    static bool have_set;
    int n = 0;
    if (!have_set)
        have_set = sched_getaffinity(0, sizeof(set), &set) == 0;
    for (int c = 0; have_set && c < CPU_SETSIZE && n <= MAX_WRITERS; c++)
        if (CPU_ISSET(c, &set))
            cpus[n++] = c;
    return n;
}

/* The writers get every listed CPU but the first, which stays the main thread's. */
static int start_writers(void)
{
    int cpus[MAX_WRITERS + 1], n = cpu_list(cpus);
    if (n < 2)
        printf("  note: one CPU online: the writers share it with the unmapper "
               "(no cross-CPU shoot-down exercised)\n");
    main_cpu = n >= 2 ? cpus[0] : -1;
    nwriters = n >= 2 ? n - 1 : 2;
    struct sigaction sa = { .sa_handler = on_segv };
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0)
        return -1;
    atomic_store(&stop, 0);
    atomic_store(&round_no, 0);
    for (int i = 0; i < nwriters; i++) {
        writers[i].id = i + 1;
        writers[i].cpu = n >= 2 ? cpus[i + 1] : -1;
        atomic_store(&writers[i].active, 0);
        atomic_store(&writers[i].faulted, 0);
        if (pthread_create(&writers[i].th, NULL, writer_main, &writers[i]) != 0)
            return -1;
    }
    return n >= 2 ? ROUNDS : ROUNDS_UP;
}

static void stop_writers(bool join)
{
    atomic_store(&stop, 1);
    for (int i = 0; join && i < nwriters; i++)
        pthread_join(writers[i].th, NULL);
    signal(SIGSEGV, SIG_DFL);
}

/* Starts round r on a fresh touched page; true once every writer stored to it. */
static uint64_t *begin_round(int r)
{
    uint64_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    p[0] = 1;
    atomic_store(&target, p);
    atomic_store(&round_no, r);
    return wait_all(offsetof(struct writer, active), r) ? p : NULL;
}

TEST(munmap_faults_every_writer_and_no_store_reaches_the_reused_frame)
{
    int rounds = start_writers();
    REQUIRE(rounds > 0);
    pin(main_cpu);
    bool ok = true;
    int r;
    for (r = 1; r <= rounds && ok; r++) {
        /* Reserved first, so it cannot land at the unmapped page's address. */
        uint64_t *q = mmap(NULL, REUSE_PAGES * PAGE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(q != MAP_FAILED);
        uint64_t *p = begin_round(r);
        CHECK(ok = p != NULL);
        if (!ok)
            break;
        CHECK(ok = munmap(p, PAGE) == 0);
        for (size_t i = 0; i < REUSE_PAGES * PAGE / 8; i++)
            q[i] = PATTERN;             /* faults in fresh frames, maybe p's */
        CHECK(ok = ok && wait_all(offsetof(struct writer, faulted), r));
        size_t bad = 0;
        for (size_t i = 0; i < REUSE_PAGES * PAGE / 8; i++)
            bad += q[i] != PATTERN;
        if (bad)
            printf("  round %d: %zu word(s) of the fresh pages overwritten\n", r, bad);
        CHECK(ok = ok && bad == 0);
        munmap(q, REUSE_PAGES * PAGE);
    }
    if (!ok)
        printf("  failed in round %d of %d\n", r - 1, rounds);
    stop_writers(ok);
    CHECK_EQ(r - 1, rounds);
}

TEST(mprotect_read_only_faults_every_writer_and_freezes_the_page)
{
    int rounds = start_writers();
    REQUIRE(rounds > 0);
    pin(main_cpu);
    static uint64_t snap[PAGE / 8];
    bool ok = true;
    int r;
    for (r = 1; r <= rounds && ok; r++) {
        uint64_t *p = begin_round(r);
        CHECK(ok = p != NULL);
        if (!ok)
            break;
        CHECK(ok = mprotect(p, PAGE, PROT_READ) == 0);
        memcpy(snap, p, PAGE);
        CHECK(ok = ok && wait_all(offsetof(struct writer, faulted), r));
        bool same = memcmp(snap, p, PAGE) == 0;
        if (!same)
            printf("  round %d: the page changed after mprotect returned\n", r);
        CHECK(ok = ok && same);
        munmap(p, PAGE);
    }
    if (!ok)
        printf("  failed in round %d of %d\n", r - 1, rounds);
    stop_writers(ok);
    CHECK_EQ(r - 1, rounds);
}

/* Teardown (LESSONS 6): a child whose threads spin on other CPUs exits from its
 * main thread, so the last thread may leave while the others are still being
 * stopped elsewhere; the address space must go only after every CPU left it. */
#define EXIT_ROUNDS 20

static atomic_int spinners_up;

static void *spin_main(void *arg)
{
    volatile uint64_t *page = arg;
    pin((int)(intptr_t)page[1]);
    atomic_fetch_add(&spinners_up, 1);
    for (uint64_t i = 0;; i++)
        page[0] = i;
    return NULL;
}

static void exit_with_spinners(void)
{
    int cpus[MAX_WRITERS + 1], n = cpu_list(cpus);
    int spinners = n >= 2 ? n - 1 : 2;
    uint64_t *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(page != MAP_FAILED);
    pin(n >= 2 ? cpus[0] : -1);
    for (int i = 0; i < spinners; i++) {
        uint64_t *mine = page + 64 * (i + 1);  /* own words: [0] counter, [1] cpu */
        mine[1] = (uint64_t)(int64_t)(n >= 2 ? cpus[i + 1] : -1);
        pthread_t th;
        EXPECT(pthread_create(&th, NULL, spin_main, mine) == 0);
    }
    int64_t t0 = now_ns();
    while (atomic_load(&spinners_up) < spinners && now_ns() - t0 < WAIT_NS)
        sched_yield();
    EXPECT(atomic_load(&spinners_up) == spinners);
}       /* returns: tl_in_child exits the whole process with the spinners running */

static void exit_storm(void)
{
    for (int i = 0; i < EXIT_ROUNDS; i++) {
        int st = tl_in_child(exit_with_spinners);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

TEST(exit_while_threads_run_on_other_cpus_frees_every_frame)
{
    exit_storm();
    CHECK_FRAMES_RETURN(exit_storm(), 64);
}
