/* The OSCortex-vs-Linux benchmark: one static musl program that times the kernel
 * paths an OS is judged by (syscall entry, context switch, pipes, fork, exec, page
 * faults, futexes, tmpfs I/O; sockets and epoll in bench_net.c, ext2 on a disk in
 * bench_storage.c) plus a memcpy as the hardware reference, and the
 * parallel figures: one worker against N (the online CPUs) on the same work. The same
 * binary runs under both kernels (tools/bench.py, docs/performance.md).
 *
 * usage: bench [--quick] [FIGURE...]      (no FIGURE: all of them, in table order)
 * Output, one line per figure: "BENCH <name> <value> <unit>", where value is the
 * median over several batches of the per-operation time — every figure is "lower
 * is better". Framed by "BENCH_START <mode>" (followed by "BENCH_INFO cpus <n>",
 * the CPUs the program can run on, and "BENCH_INFO online <n>", the N of the
 * parallel figures) and "BENCH_END"; a figure that cannot
 * be measured prints "BENCH_ERROR <name> <reason>" instead. fork+execve runs the
 * helper "nop" found next to argv[0]. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Linux futex operations (include/uapi/linux/futex.h; musl ships no kernel headers). */
#define FUTEX_WAIT_PRIVATE  (0 | 128)
#define FUTEX_WAKE_PRIVATE  (1 | 128)

#define MAX_BATCHES  16
#define MAX_SAMPLES  4096
#define PAGE         4096
#define FRAME_BYTES  (1024 * 768 * 4)   /* the compositor's 1024x768x32 frame */
#define TMPFS_FILE   "/tmp/bench.dat"
#define TMPFS_CHUNK  (1 << 20)

int quick;
static char nop_path[PATH_MAX];

/* Iteration counts: full mode finishes each figure in a few seconds under QEMU TCG;
 * quick mode only proves that every figure can be produced. */
struct counts pick(int full_batches, int full_iters, int quick_iters)
{
    struct counts c = { full_batches, full_iters };
    if (quick) {
        c.batches = 1;
        c.iters = quick_iters;
    }
    return c;
}

int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void report(const char *name, double value, const char *unit)
{
    printf("BENCH %s %.3f %s\n", name, value, unit);
    fflush(stdout);
}

void fail(const char *name, const char *what)
{
    printf("BENCH_ERROR %s %s: %s\n", name, what, strerror(errno));
    fflush(stdout);
}

/* Runs body(iters) `batches` times and reports the median time per iteration
 * in `unit` (divisor: ns per unit). body returns 0, or -1 with errno set. */
void timed(const char *name, struct counts c, int (*body)(int iters),
                  double divisor, const char *unit)
{
    double per[MAX_BATCHES];
    for (int b = 0; b < c.batches; b++) {
        int64_t t0 = now_ns();
        if (body(c.iters) < 0) {
            fail(name, "run");
            return;
        }
        per[b] = (double)(now_ns() - t0) / c.iters / divisor;
    }
    report(name, median(per, c.batches), unit);
}

/* --- getpid: the cheapest real syscall (raw, so no libc caching). */
static int body_getpid(int n)
{
    for (int i = 0; i < n; i++)
        syscall(SYS_getpid);
    return 0;
}

/* --- clock_gettime through the C library: the vDSO where the kernel maps one (no
 * kernel entry at all), else the syscall. */
static int body_clock(int n)
{
    struct timespec t;
    for (int i = 0; i < n; i++)
        if (clock_gettime(CLOCK_MONOTONIC, &t))
            return -1;
    return 0;
}

/* --- memcpy of one 1024x768x4 frame: what the compositor's blit costs at best. */
static char *frame_src, *frame_dst;
static int body_memcpy(int n)
{
    for (int i = 0; i < n; i++) {
        memcpy(frame_dst, frame_src, FRAME_BYTES);
        __asm__ volatile("" ::: "memory");
    }
    return 0;
}

/* --- mmap 1 MiB anonymous, write one byte per page (demand faults), munmap. */
static int body_mmap(int n)
{
    for (int i = 0; i < n; i++) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return -1;
        for (int off = 0; off < (1 << 20); off += PAGE)
            p[off] = 1;
        if (munmap(p, 1 << 20) < 0)
            return -1;
    }
    return 0;
}

/* --- pipe round trip: one byte to a child process and one byte back. */
static int body_pipe(int n)
{
    int to[2], from[2];
    char c = 'x';
    if (pipe(to) < 0 || pipe(from) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(to[0]); close(to[1]); close(from[0]); close(from[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(to[1]);
        close(from[0]);
        while (read(to[0], &c, 1) == 1)
            if (write(from[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
            rc = -1;
    close(to[1]);
    close(from[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = -1;
    return rc;
}

/* --- fork + _exit + wait. */
static int body_fork(int n)
{
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0)
            _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            return -1;
    }
    return 0;
}

/* --- fork + execve of a tiny static binary + wait. */
static int body_exec(int n)
{
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            char *argv[] = { nop_path, NULL }, *envp[] = { NULL };
            execve(nop_path, argv, envp);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid)
            return -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            errno = ENOEXEC;
            return -1;
        }
    }
    return 0;
}

/* --- sched_yield ping-pong: two threads hand a turn variable back and forth,
 * each yielding while it is not its turn. Time per round trip (two hand-offs). */
static atomic_int turn;
static int pingpong_rounds;
static void *pong(void *arg)
{
    (void)arg;
    for (int i = 0; i < pingpong_rounds; i++) {
        while (atomic_load(&turn) != 1)
            sched_yield();
        atomic_store(&turn, 0);
    }
    return NULL;
}

static int body_yield(int n)
{
    pthread_t t;
    pingpong_rounds = n;
    atomic_store(&turn, 0);
    if ((errno = pthread_create(&t, NULL, pong, NULL)) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        atomic_store(&turn, 1);
        while (atomic_load(&turn) != 0)
            sched_yield();
    }
    pthread_join(t, NULL);
    return 0;
}

/* --- futex wake-to-run: the waker stamps the time and FUTEX_WAKEs a thread that
 * sleeps in FUTEX_WAIT; the sleeper stamps the time when it runs again. Only wakes
 * that really woke a sleeper (FUTEX_WAKE returned 1) count; the median is reported. */
static atomic_int fword, fack, fstop;
static _Atomic int64_t fstamp;
static double flat[MAX_SAMPLES];
static int fsamples;

static long futex(atomic_int *addr, int op, int val)
{
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static void *futex_sleeper(void *arg)
{
    (void)arg;
    for (int i = 0; i < fsamples; i++) {
        while (atomic_load(&fword) == 0)
            futex(&fword, FUTEX_WAIT_PRIVATE, 0);
        if (atomic_load(&fstop))
            break;
        flat[i] = (double)(now_ns() - atomic_load(&fstamp));
        atomic_store(&fword, 0);
        atomic_store(&fack, i + 1);
    }
    return NULL;
}

static void bench_futex(void)
{
    const char *name = "futex_wake_ns";
    struct counts c = pick(1, 200, 20);
    static double real[MAX_SAMPLES];
    int nreal = 0;
    pthread_t t;
    fsamples = c.iters;
    atomic_store(&fword, 0);
    atomic_store(&fack, 0);
    atomic_store(&fstop, 0);
    if ((errno = pthread_create(&t, NULL, futex_sleeper, NULL)) != 0) {
        fail(name, "pthread_create");
        return;
    }
    int woke[MAX_SAMPLES];
    for (int i = 0; i < fsamples; i++) {
        while (atomic_load(&fack) != i)
            sched_yield();
        /* Give the sleeper time to get into FUTEX_WAIT. */
        struct timespec pause = { 0, 1000000 };
        nanosleep(&pause, NULL);
        atomic_store(&fstamp, now_ns());
        atomic_store(&fword, 1);
        long r = futex(&fword, FUTEX_WAKE_PRIVATE, 1);
        if (r < 0) {
            fail(name, "FUTEX_WAKE");
            atomic_store(&fstop, 1);     /* release the sleeper (it sees fword == 1) */
            pthread_join(t, NULL);
            return;
        }
        woke[i] = r == 1;
    }
    pthread_join(t, NULL);
    for (int i = 0; i < fsamples; i++)
        if (woke[i])
            real[nreal++] = flat[i];
    if (nreal == 0) {
        errno = EAGAIN;
        fail(name, "no wake found a sleeper");
        return;
    }
    report(name, median(real, nreal), "ns");
}

/* --- tmpfs: write a file sequentially in 1 MiB chunks, fsync-free, then read it
 * back; reported as time per MiB (64 MiB in full mode). */
static char *chunk;
static int tmpfs_mib;
static int body_tmpfs_write(int n)
{
    for (int r = 0; r < n; r++) {
        int fd = open(TMPFS_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            return -1;
        for (int i = 0; i < tmpfs_mib; i++)
            if (write(fd, chunk, TMPFS_CHUNK) != TMPFS_CHUNK) {
                close(fd);
                return -1;
            }
        if (close(fd) < 0)
            return -1;
    }
    return 0;
}

static int body_tmpfs_read(int n)
{
    for (int r = 0; r < n; r++) {
        int fd = open(TMPFS_FILE, O_RDONLY);
        if (fd < 0)
            return -1;
        for (int i = 0; i < tmpfs_mib; i++)
            if (read(fd, chunk, TMPFS_CHUNK) != TMPFS_CHUNK) {
                close(fd);
                errno = errno ? errno : EIO;
                return -1;
            }
        close(fd);
    }
    return 0;
}

static void bench_tmpfs(void)
{
    struct counts c = pick(3, 1, 1);
    tmpfs_mib = quick ? 4 : 64;
    chunk = malloc(TMPFS_CHUNK);
    if (!chunk) {
        fail("tmpfs_write_us_per_mib", "malloc");
        return;
    }
    memset(chunk, 0xa5, TMPFS_CHUNK);
    /* timed() divides by iterations (whole files): per MiB = ns / 1000 / mib. */
    timed("tmpfs_write_us_per_mib", c, body_tmpfs_write, 1000.0 * tmpfs_mib, "us");
    timed("tmpfs_read_us_per_mib", c, body_tmpfs_read, 1000.0 * tmpfs_mib, "us");
    unlink(TMPFS_FILE);
    free(chunk);
}

static void bench_memcpy(void)
{
    frame_src = malloc(FRAME_BYTES);
    frame_dst = malloc(FRAME_BYTES);
    if (!frame_src || !frame_dst) {
        fail("memcpy_frame_us", "malloc");
        return;
    }
    memset(frame_src, 0x5a, FRAME_BYTES);
    memset(frame_dst, 0, FRAME_BYTES);      /* fault both buffers in first */
    timed("memcpy_frame_us", pick(5, 20, 3), body_memcpy, 1000.0, "us");
    free(frame_src);
    free(frame_dst);
}

/* --- Parallel figures (issue 9). N = the online CPUs (/sys/devices/system/cpu/
 * online, else sysconf): the same total work done by 1 worker and split over N
 * workers, started together (each blocks on a pipe until the parent closes it), timed
 * from the start to the last exit/join. Each batch times 1 then N; the figures are
 * the medians of both times and of the per-batch ratio N-time / 1-time (lower is
 * better: 1/N is a perfect speed-up, 1 none). */
static int online_cpus(void)
{
    char buf[256];
    int n = 0, fd = open("/sys/devices/system/cpu/online", O_RDONLY);
    if (fd >= 0) {
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[len > 0 ? len : 0] = 0;
        for (char *s = buf; *s >= '0' && *s <= '9';) {
            long a = strtol(s, &s, 10), b = a;
            if (*s == '-')
                b = strtol(s + 1, &s, 10);
            n += (int)(b - a + 1);
            if (*s == ',')
                s++;
        }
    }
    if (n <= 0)
        n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : n;
}

static volatile uint64_t cpu_sink;
static uint64_t spin_work(uint64_t iters)
{
    uint64_t x = 88172645463325252ull, acc = 0;
    for (uint64_t i = 0; i < iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x;
    }
    return acc;
}

#define FILES_DIR "/tmp/bench-files"
static uint64_t par_work;           /* per worker: CPU iterations or file loops */
static int par_files;               /* 1: the open/read/close workload */

static int files_loop(int worker, uint64_t loops)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, FILES_DIR "/f%d", worker);
    for (uint64_t i = 0; i < loops; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            return -1;
        ssize_t r = read(fd, buf, sizeof buf);
        close(fd);
        if (r != (ssize_t)sizeof buf)
            return -1;
    }
    return 0;
}

static int do_work(int worker)
{
    if (par_files)
        return files_loop(worker, par_work);
    cpu_sink = spin_work(par_work);
    return 0;
}

struct par_thread { pthread_t t; int worker, go, rc; };
static void *par_thread_main(void *arg)
{
    struct par_thread *p = arg;
    char c;
    if (read(p->go, &c, 1) < 0)
        p->rc = -1;
    else
        p->rc = do_work(p->worker);
    return NULL;
}

/* One run: n workers (processes or threads) each doing par_work; returns ns or -1. */
static int64_t par_run(int n, int threads)
{
    int go[2];
    pid_t pids[64];
    struct par_thread th[64];
    if (pipe(go) < 0)
        return -1;
    int started = 0, rc = 0;
    for (; started < n; started++) {
        if (threads) {
            th[started].worker = started;
            th[started].go = go[0];
            th[started].rc = 0;
            if ((errno = pthread_create(&th[started].t, NULL, par_thread_main, &th[started])))
                break;
        } else {
            pids[started] = fork();
            if (pids[started] < 0)
                break;
            if (pids[started] == 0) {
                char c;
                close(go[1]);
                if (read(go[0], &c, 1) < 0)
                    _exit(1);
                _exit(do_work(started) ? 1 : 0);
            }
        }
    }
    if (started < n)
        rc = -1;
    int64_t t0 = now_ns();
    close(go[1]);                       /* EOF: every worker starts */
    for (int i = 0; i < started; i++) {
        if (threads) {
            pthread_join(th[i].t, NULL);
            rc |= th[i].rc;
        } else {
            int status;
            if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
                WEXITSTATUS(status) != 0)
                rc = -1;
        }
    }
    int64_t dt = now_ns() - t0;
    close(go[0]);
    if (rc < 0 && !errno)
        errno = EIO;
    return rc < 0 ? -1 : dt;
}

/* Reports NAME_1_UNIT, NAME_n_UNIT (time for the whole work, divided by divisor)
 * and NAME_ratio. total: the work (iterations or loops) of one worker alone. */
static void par_figure(const char *name, int threads, int batches, uint64_t total,
                       double divisor, const char *unit)
{
    int n = online_cpus();
    double one[MAX_BATCHES], many[MAX_BATCHES], ratio[MAX_BATCHES];
    char key[64];
    for (int b = 0; b < batches; b++) {
        par_work = total;
        int64_t t1 = par_run(1, threads);
        par_work = total / n;
        int64_t tn = par_run(n, threads);
        if (t1 < 0 || tn < 0) {
            fail(name, "run");
            return;
        }
        one[b] = t1 / divisor;
        many[b] = tn / divisor;
        ratio[b] = (double)tn / t1;
    }
    snprintf(key, sizeof key, "%s_1_%s", name, unit);
    report(key, median(one, batches), unit);
    snprintf(key, sizeof key, "%s_n_%s", name, unit);
    report(key, median(many, batches), unit);
    snprintf(key, sizeof key, "%s_ratio", name);
    report(key, median(ratio, batches), "x");
}

static void bench_parallel(void)
{
    uint64_t iters = quick ? (1u << 20) : (1u << 26);
    int batches = quick ? 1 : 3;
    par_files = 0;
    par_figure("par_procs", 0, batches, iters, 1e6, "ms");
    par_figure("par_threads", 1, batches, iters, 1e6, "ms");
}

/* N processes, each open/read(512)/close on its own file of one tmpfs directory:
 * what serialises unrelated work in the VFS. Per-loop time of the whole work. */
static void bench_files(void)
{
    int n = online_cpus();
    char path[64], data[4096];
    memset(data, 'f', sizeof data);
    mkdir(FILES_DIR, 0755);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, FILES_DIR "/f%d", i);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data) {
            fail("files_par", "create");
            return;
        }
        close(fd);
    }
    uint64_t loops = quick ? 200 : 4000;
    par_files = 1;
    par_figure("files_par", 0, quick ? 1 : 5, loops, 1e3 * loops, "us");
    par_files = 0;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, FILES_DIR "/f%d", i);
        unlink(path);
    }
    rmdir(FILES_DIR);
}

static void bench_getpid(void) { timed("getpid_ns", pick(7, 20000, 1000), body_getpid, 1.0, "ns"); }
static void bench_clock(void)  { timed("clock_gettime_ns", pick(7, 20000, 1000), body_clock, 1.0, "ns"); }
static void bench_yield(void)  { timed("yield_pingpong_ns", pick(5, 2000, 100), body_yield, 1.0, "ns"); }
static void bench_pipe(void)   { timed("pipe_rtt_ns", pick(5, 2000, 100), body_pipe, 1.0, "ns"); }
static void bench_fork(void)   { timed("fork_exit_wait_us", pick(5, 100, 5), body_fork, 1000.0, "us"); }
static void bench_exec(void)   { timed("fork_exec_wait_us", pick(5, 50, 3), body_exec, 1000.0, "us"); }
static void bench_mmap(void)   { timed("mmap_touch_1mib_us", pick(5, 100, 5), body_mmap, 1000.0, "us"); }

static const struct figure {
    const char *name;
    void (*run)(void);
} figures[] = {
    { "getpid", bench_getpid },
    { "clock", bench_clock },
    { "yield", bench_yield },
    { "pipe", bench_pipe },
    { "fork", bench_fork },
    { "exec", bench_exec },
    { "mmap", bench_mmap },
    { "futex", bench_futex },
    { "tmpfs", bench_tmpfs },
    { "memcpy", bench_memcpy },
    { "parallel", bench_parallel },
    { "files", bench_files },
    { "net", bench_net },
    { "storage", bench_storage },
    { "nic", bench_nic },
};
#define NFIGURES (sizeof figures / sizeof figures[0])

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--quick") == 0) {
        quick = 1;
        first = 2;
    }
    const char *slash = strrchr(argv[0], '/');
    snprintf(nop_path, sizeof nop_path, "%.*snop", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);

    printf("BENCH_START %s\n", quick ? "quick" : "full");
    printf("BENCH_INFO cpus %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
    printf("BENCH_INFO online %d\n", online_cpus());
    fflush(stdout);
    int groups = 0;                     /* group names given (--peer=PORT is none) */
    for (int a = first; a < argc; a++) {
        if (strncmp(argv[a], "--peer=", 7) == 0)
            nic_peer_port = atoi(argv[a] + 7);
        else
            groups++;
    }
    for (size_t f = 0; f < NFIGURES; f++) {
        int wanted = !groups;
        for (int a = first; a < argc; a++)
            wanted |= strcmp(argv[a], figures[f].name) == 0;
        if (wanted)
            figures[f].run();
    }
    printf("BENCH_END\n");
    fflush(stdout);
    return 0;
}
