/* SMP stress between processes: a fork/exec/exit storm from workers pinned to
 * different CPUs at once (free memory back to its baseline after), a byte-exact
 * stream through pipes between processes on different CPUs, atomic pipe writes
 * (<= PIPE_BUF) from writers on several CPUs, signals (tgkill) to a
 * thread busy-looping on another CPU, and SIGKILL of a process whose threads spin
 * on other CPUs. Every wait is bounded (a failure, never a hang). With one usable
 * CPU the same logic runs without the cross-CPU checks (a note says so). Reads
 * /proc (meminfo, self/exe): named smp_* and excluded from the initramfs chroot
 * check (tests/initramfs-host.sh). */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN
#include "testlib.h"
#include "smp_cpus.h"

#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#define STORM_WORKERS 4
#define STORM_ROUNDS  50        /* fork + exec + exit per worker */
#define STREAM_BYTES  (4u << 20)
#define SIGNALS       100
#define KILL_ROUNDS   5
#define LIMIT_S       5.0       /* any single wait */

static char self_exe[4096];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(long us)
{
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    nanosleep(&ts, NULL);
}

/* waitpid with a bound: the pid's status, or -1 after limit seconds. */
static int wait_bounded(pid_t pid, int *status, double limit)
{
    double end = now_s() + limit;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 || now_s() > end)
            return -1;
        sleep_us(1000);
    }
}

/* MemFree of /proc/meminfo in kB, or -1. */
static long mem_free_kb(void)
{
    char buf[4096];
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strstr(buf, "\nMemFree:");
    return p ? strtol(p + 9, NULL, 10) : -1;
}

/* ---- fork/exec/exit storm ---- */

struct storm_result {
    int pin_err, cpu_first, cpu_last, launched, wrong_status;
};

/* One worker: ROUNDS children, each exec'ing this program to exit with a code
 * or to die of SIGSEGV (every 10th); every status is checked. */
static void storm_worker(int cpu, int rounds, struct storm_result *res)
{
    if (cpu >= 0 && smp_pin(cpu) != 0)
        res->pin_err = 1;
    res->cpu_first = smp_getcpu();
    for (int k = 0; k < rounds; k++) {
        char code[16];
        snprintf(code, sizeof code, "%d", k % 100);
        int crash = k % 10 == 9;
        pid_t pid = fork();
        if (pid == 0) {
            char *argv[] = { self_exe, crash ? "segv" : "exit", code, NULL };
            execv(self_exe, argv);
            _exit(127);
        }
        int st = 0;
        if (pid < 0 || wait_bounded(pid, &st, LIMIT_S * 2) != 0) {
            res->wrong_status++;
            continue;
        }
        res->launched++;
        if (crash ? !(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
                  : !(WIFEXITED(st) && WEXITSTATUS(st) == k % 100))
            res->wrong_status++;
    }
    res->cpu_last = smp_getcpu();
}

/* Runs the storm: STORM_WORKERS processes at once, one per CPU in turn. */
static void storm(int cross, int rounds)
{
    struct storm_result *res = mmap(NULL, sizeof(*res) * STORM_WORKERS, PROT_READ | PROT_WRITE,
                                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(res != MAP_FAILED);
    memset(res, 0, sizeof(*res) * STORM_WORKERS);
    pid_t w[STORM_WORKERS];
    double t0 = now_s();
    for (int i = 0; i < STORM_WORKERS; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            storm_worker(cross ? smp_cpu(i) : -1, rounds, &res[i]);
            _exit(0);
        }
        CHECK(w[i] > 0);
    }
    for (int i = 0; i < STORM_WORKERS; i++) {
        int st = -1;
        if (w[i] > 0)
            CHECK(wait_bounded(w[i], &st, 60) == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    printf("  note: %d workers x %d fork+exec+exit in %.2f s\n", STORM_WORKERS, rounds,
           now_s() - t0);
    for (int i = 0; i < STORM_WORKERS; i++) {
        CHECK_EQ(res[i].pin_err, 0);
        CHECK_EQ(res[i].launched, rounds);
        CHECK_EQ(res[i].wrong_status, 0);
        if (cross) {
            CHECK_EQ(res[i].cpu_first, smp_cpu(i));
            CHECK_EQ(res[i].cpu_last, smp_cpu(i));
        }
    }
    munmap(res, sizeof(*res) * STORM_WORKERS);
}

/* Tolerance: the kernel's heap and page-table caches may keep a few pages after
 * the first storm (which warms them, like CHECK_FRAMES_RETURN); 256 kB is 64
 * frames, far below one leaked address space per launch (each child maps its
 * stack, heap, page tables and image: >= 5 frames, 200 launches >= 1000 frames),
 * and below a leak of one frame per launch (200 frames),
 * so a per-launch leak cannot hide in it. Only OSCortex is quiet enough to judge:
 * on the host other tenants move MemFree by megabytes, so there it is a note. */
#define MEMFREE_SLACK_KB 256

TEST(fork_exec_exit_storm_from_every_cpu_returns_free_memory)
{
    int cross = SMP_CROSS_CPU();
    storm(cross, STORM_ROUNDS / 5);     /* warm-up */
    long before = mem_free_kb();
    REQUIRE(before > 0);
    storm(cross, STORM_ROUNDS);
    long after = mem_free_kb();
    /* Freeing may trail the last wait (a reaper, deferred frees): up to 2 s. */
    for (int i = 0; i < 20 && after < before - MEMFREE_SLACK_KB; i++) {
        sleep_us(100000);
        after = mem_free_kb();
    }
    printf("  note: MemFree %ld kB before, %ld kB after (%+ld kB)\n", before, after,
           after - before);
    if (smp_on_oscortex())
        CHECK(after >= before - MEMFREE_SLACK_KB);
}

/* ---- pipes ---- */

static uint8_t pattern(uint64_t i)
{
    uint64_t x = ((i >> 3) + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 29;
    return (uint8_t)(x >> ((i & 7) * 8));
}

static uint32_t chunk_len(uint64_t *rng)
{
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    return 1 + (uint32_t)(*rng % 65536);
}

/* Writes STREAM_BYTES of the pattern in chunks of 1..65536 bytes. */
static int send_stream(int fd, uint64_t seed)
{
    static uint8_t buf[65536];
    uint64_t pos = 0, rng = seed;
    while (pos < STREAM_BYTES) {
        uint32_t n = chunk_len(&rng);
        if (n > STREAM_BYTES - pos)
            n = STREAM_BYTES - pos;
        for (uint32_t i = 0; i < n; i++)
            buf[i] = pattern(pos + i);
        for (uint32_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w <= 0)
                return -1;
            off += w;
        }
        pos += n;
    }
    return 0;
}

/* Reads the stream back in other chunk sizes; the count of wrong bytes, or -1 on
 * a short stream or a stall of LIMIT_S. */
static long recv_stream(int fd, uint64_t seed)
{
    static uint8_t buf[65536];
    uint64_t pos = 0, rng = seed;
    long wrong = 0;
    while (pos < STREAM_BYTES) {
        struct pollfd pfd = { fd, POLLIN, 0 };
        if (poll(&pfd, 1, (int)(LIMIT_S * 1000)) != 1)
            return -1;
        ssize_t r = read(fd, buf, chunk_len(&rng));
        if (r <= 0)
            return -1;
        for (ssize_t i = 0; i < r; i++)
            wrong += buf[i] != pattern(pos + i);
        pos += r;
    }
    return wrong;
}

TEST(pipe_streams_between_processes_on_different_cpus_arrive_intact)
{
    int cross = SMP_CROSS_CPU();
    int down[2], up[2];
    REQUIRE(pipe(down) == 0 && pipe(up) == 0);
    if (cross)
        CHECK_EQ(smp_pin(smp_cpu(0)), 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        int cpu = cross ? smp_cpu(1) : -1;
        if (cpu >= 0 && smp_pin(cpu) != 0)
            _exit(2);
        int seen = smp_getcpu();
        if (write(up[1], &seen, sizeof seen) != sizeof seen)
            _exit(3);
        if (send_stream(up[1], 7) != 0)                 /* child -> parent */
            _exit(4);
        long wrong = recv_stream(down[0], 11);          /* parent -> child */
        seen = smp_getcpu();
        if (write(up[1], &wrong, sizeof wrong) != sizeof wrong ||
            write(up[1], &seen, sizeof seen) != sizeof seen)
            _exit(5);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    double t0 = now_s();
    int child_cpu = -1, child_cpu2 = -1;
    long wrong_up = -2, wrong_down = -2;
    if (read(up[0], &child_cpu, sizeof child_cpu) == sizeof child_cpu) {
        wrong_up = recv_stream(up[0], 13);
        CHECK_EQ(send_stream(down[1], 17), 0);
        struct pollfd pfd = { up[0], POLLIN, 0 };
        if (poll(&pfd, 1, (int)(LIMIT_S * 1000)) == 1 &&
            read(up[0], &wrong_down, sizeof wrong_down) == sizeof wrong_down)
            CHECK_EQ(read(up[0], &child_cpu2, sizeof child_cpu2), sizeof child_cpu2);
    }
    int my_cpu = smp_getcpu();
    int st = -1;
    if (wait_bounded(pid, &st, LIMIT_S) != 0)
        kill(pid, SIGKILL), waitpid(pid, &st, 0);
    close(down[1]);
    close(up[0]);
    smp_unpin();
    printf("  note: 2 x %u bytes in %.2f s, parent on CPU %d, child on CPU %d then %d\n",
           STREAM_BYTES, now_s() - t0, my_cpu, child_cpu, child_cpu2);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(wrong_up, 0);
    CHECK_EQ(wrong_down, 0);
    if (cross) {
        CHECK_EQ(my_cpu, smp_cpu(0));
        CHECK_EQ(child_cpu, smp_cpu(1));
        CHECK_EQ(child_cpu2, smp_cpu(1));
        CHECK(my_cpu != child_cpu);
    }
}

/* POSIX: a write of at most PIPE_BUF bytes to a pipe is atomic, whoever writes
 * at the same time and from whichever CPU. Writers on different CPUs each send
 * numbered 512-byte records; the reader, in odd-sized reads, must find every record
 * whole and each writer's in order. */
#define REC_BYTES 512
#define RECS      1000

static void fill_record(unsigned char *rec, uint32_t writer, uint32_t seq)
{
    memcpy(rec, &writer, 4);
    memcpy(rec + 4, &seq, 4);
    for (int i = 8; i < REC_BYTES; i++)
        rec[i] = (unsigned char)(writer * 31 + seq + i);
}

TEST(pipe_writes_of_pipe_buf_or_less_from_several_cpus_stay_whole)
{
    int cross = SMP_CROSS_CPU();
    int writers = cross ? smp_cpus()->n_usable : 2;
    if (writers > 8)
        writers = 8;
    if (writers < 2)
        writers = 2;
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t pids[8];
    for (int w = 0; w < writers; w++) {
        pids[w] = fork();
        if (pids[w] == 0) {
            close(p[0]);
            if (cross && smp_pin(smp_cpu(w)) != 0)
                _exit(2);
            unsigned char rec[REC_BYTES];
            for (uint32_t seq = 0; seq < RECS; seq++) {
                fill_record(rec, (uint32_t)w, seq);
                if (write(p[1], rec, REC_BYTES) != REC_BYTES)
                    _exit(3);
            }
            _exit(0);
        }
        CHECK(pids[w] > 0);
    }
    close(p[1]);
    static unsigned char buf[REC_BYTES * 4];
    size_t have = 0;
    uint32_t next[8] = { 0 };
    long records = 0, broken = 0, out_of_order = 0;
    for (;;) {
        struct pollfd pfd = { p[0], POLLIN, 0 };
        if (poll(&pfd, 1, (int)(LIMIT_S * 1000)) != 1)
            break;
        ssize_t r = read(p[0], buf + have, 700);   /* not a record multiple; small, so the pipe fills */
        if (r <= 0)
            break;
        have += r;
        while (have >= REC_BYTES) {
            uint32_t w, seq;
            unsigned char want[REC_BYTES];
            memcpy(&w, buf, 4);
            memcpy(&seq, buf + 4, 4);
            if (w < (uint32_t)writers) {
                fill_record(want, w, seq);
                if (memcmp(want, buf, REC_BYTES) != 0)
                    broken++;
                else if (seq != next[w]++)
                    out_of_order++;
            } else {
                broken++;
            }
            records++;
            memmove(buf, buf + REC_BYTES, have - REC_BYTES);
            have -= REC_BYTES;
        }
    }
    close(p[0]);
    for (int w = 0; w < writers; w++) {
        int st = -1;
        if (pids[w] > 0 && wait_bounded(pids[w], &st, LIMIT_S) != 0)
            kill(pids[w], SIGKILL), waitpid(pids[w], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    printf("  note: %d writers, %ld records of %d bytes, %ld broken, %ld out of order\n",
           writers, records, REC_BYTES, broken, out_of_order);
    CHECK_EQ(records, (long)writers * RECS);
    CHECK_EQ(have, 0);
    CHECK_EQ(broken, 0);
    CHECK_EQ(out_of_order, 0);
}

/* ---- signals to a thread spinning on another CPU ---- */

static atomic_int sig_count, sig_cpu_wrong, spin_ready, spin_stop;
static atomic_long spin_loops;
static int spin_cpu, spin_tid, spin_pin_err, spin_cpu_seen;

static void on_usr1(int sig)
{
    (void)sig;
    int cpu = smp_getcpu();                     /* a raw syscall: async-signal-safe */
    if (spin_cpu >= 0 && cpu != spin_cpu)
        atomic_fetch_add(&sig_cpu_wrong, 1);
    if ((int)syscall(SYS_gettid) != spin_tid)
        atomic_fetch_add(&sig_cpu_wrong, 1);    /* ran on the wrong thread */
    atomic_fetch_add(&sig_count, 1);
}

static void *spinner(void *arg)
{
    (void)arg;
    if (spin_cpu >= 0 && smp_pin(spin_cpu) != 0)
        spin_pin_err = 1;
    spin_tid = (int)syscall(SYS_gettid);
    spin_cpu_seen = smp_getcpu();
    atomic_store(&spin_ready, 1);
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        atomic_fetch_add_explicit(&spin_loops, 1, memory_order_relaxed);   /* no syscall */
    return NULL;
}

TEST(tgkill_reaches_a_thread_busy_looping_on_another_cpu)
{
    int cross = SMP_CROSS_CPU();
    struct sigaction sa = { 0 };
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
    atomic_store(&sig_count, 0);
    atomic_store(&sig_cpu_wrong, 0);
    atomic_store(&spin_ready, 0);
    atomic_store(&spin_stop, 0);
    spin_cpu = cross ? smp_cpu(1) : -1;
    spin_pin_err = 0;
    if (cross)
        CHECK_EQ(smp_pin(smp_cpu(0)), 0);
    /* The main thread must not take the signal: it is directed, but make sure. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, spinner, NULL) == 0);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    double end = now_s() + LIMIT_S;
    while (!atomic_load(&spin_ready) && now_s() < end)
        sleep_us(1000);
    int delivered = 0;
    double worst = 0;
    if (atomic_load(&spin_ready)) {
        for (int k = 1; k <= SIGNALS; k++) {
            double t0 = now_s();
            if (syscall(SYS_tgkill, getpid(), spin_tid, SIGUSR1) != 0)
                break;
            while (atomic_load(&sig_count) < k && now_s() - t0 < LIMIT_S)
                sleep_us(200);
            if (atomic_load(&sig_count) < k)
                break;
            delivered = k;
            if (now_s() - t0 > worst)
                worst = now_s() - t0;
        }
    }
    long loops = atomic_load(&spin_loops);
    atomic_store(&spin_stop, 1);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    signal(SIGUSR1, SIG_DFL);
    smp_unpin();
    printf("  note: %d of %d signals handled, slowest after %.1f ms; spinner on CPU %d, %ld loops\n",
           delivered, SIGNALS, worst * 1e3, spin_cpu_seen, loops);
    CHECK_EQ(delivered, SIGNALS);
    CHECK_EQ(atomic_load(&sig_cpu_wrong), 0);
    CHECK_EQ(spin_pin_err, 0);
    CHECK(loops > 0);
    if (cross) {
        CHECK_EQ(spin_cpu_seen, spin_cpu);
        CHECK(spin_cpu_seen != smp_cpu(0));
    }
}

/* ---- SIGKILL of a process spinning on every CPU ---- */

static int kill_pipe, kill_cross;

/* Spinner i reports (i, its CPU) then loops without a syscall. */
static void *kill_spinner(void *arg)
{
    int i = (int)(intptr_t)arg;
    /* Spread from CPU index 1, so the first spinner does not share the main thread's. */
    int cpu = kill_cross ? smp_cpu(i + 1) : -1;
    unsigned char msg[2] = { (unsigned char)i, 0xff };
    if (cpu < 0 || smp_pin(cpu) == 0)
        msg[1] = (unsigned char)smp_getcpu();
    if (write(kill_pipe, msg, 2) != 2)
        _exit(9);
    for (volatile unsigned long n = 0;; n++)
        ;
    return NULL;
}

TEST(sigkill_reaps_a_process_whose_threads_spin_on_other_cpus)
{
    int cross = SMP_CROSS_CPU();
    int nthreads = cross ? smp_cpus()->n_usable : 2;
    if (nthreads > 8)
        nthreads = 8;
    double worst = 0;
    for (int round = 0; round < KILL_ROUNDS; round++) {
        int p[2];
        REQUIRE(pipe(p) == 0);
        pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            close(p[0]);
            kill_pipe = p[1];
            kill_cross = cross;
            for (int i = 0; i < nthreads; i++) {
                pthread_t t;
                if (pthread_create(&t, NULL, kill_spinner, (void *)(intptr_t)i) != 0)
                    _exit(8);
            }
            for (volatile unsigned long n = 0;; n++)
                ;
        }
        close(p[1]);
        unsigned char msg[16];
        int got = 0;
        while (got < 2 * nthreads) {
            struct pollfd pfd = { p[0], POLLIN, 0 };
            if (poll(&pfd, 1, (int)(LIMIT_S * 1000)) != 1)
                break;
            ssize_t r = read(p[0], msg + got, 2 * nthreads - got);
            if (r <= 0)
                break;
            got += r;
        }
        close(p[0]);
        CHECK_EQ(got, 2 * nthreads);
        for (int i = 0; i + 1 < got; i += 2) {
            CHECK(msg[i + 1] != 0xff);                  /* the pin worked */
            if (cross)
                CHECK_EQ(msg[i + 1], smp_cpu(msg[i] + 1));
        }
        double t0 = now_s();
        CHECK_EQ(kill(pid, SIGKILL), 0);
        int st = 0;
        int reaped = wait_bounded(pid, &st, LIMIT_S * 2) == 0;
        CHECK(reaped);
        if (!reaped)
            break;      /* a process we cannot reap: the next rounds would pile up */
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        if (now_s() - t0 > worst)
            worst = now_s() - t0;
    }
    printf("  note: %d rounds of %d spinning threads killed, slowest reaped after %.1f ms\n",
           KILL_ROUNDS, nthreads, worst * 1e3);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "exit") == 0)
        _exit(argc >= 3 ? atoi(argv[2]) : 0);
    if (argc >= 2 && strcmp(argv[1], "segv") == 0) {
        *(volatile int *)0 = 1;
        _exit(126);
    }
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0) {
        perror("readlink /proc/self/exe");
        return 1;
    }
    self_exe[n] = 0;
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);   /* the "segv" children leave no core files */
    return tl_run_all(argv[0] ? argv[0] : "smp_procs");
}
