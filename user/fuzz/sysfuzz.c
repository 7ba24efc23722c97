/* sysfuzz: random system calls against the kernel from several worker processes
 * at once. Arguments mix valid descriptors, valid and hostile pointers (NULL,
 * unmapped, kernel, non-canonical), boundary integers and random flags. A worker
 * that crashes or stops making progress is replaced; the run passes when the
 * requested number of calls was made, every worker could be killed and reaped,
 * and free memory came back after the clean-up. Every worker's seed is printed,
 * so `sysfuzz -r SEED -n CALLS` replays one worker's sequence alone.
 *
 * usage: sysfuzz [-n CALLS] [-w WORKERS] [-s SEED] [-r WORKER_SEED] [-v] */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUZZ_DIR        "/tmp/fuzz"
#define MAX_NR          460         /* past the last x86_64 number (clone3 435, ...) */
#define MAX_WORKERS     16
#define STUCK_MS        1500        /* a worker silent this long is killed and replaced */
#define KILL_WAIT_MS    10000       /* SIGKILL not taking effect by then is a failure */
#define MEM_SLACK_KB    2048        /* free memory may end this much below its start */
#define SCRATCH_PAGES   16
#define SHARED_AT       0x100000000000ull   /* 16 TiB: below every mmap area */

/* Calls that would end or replace the worker for nothing, reach outside it (other
 * processes, the clock, the mounts, the machine), or only multiply processes. */
static const int excluded[] = {
    SYS_clone, SYS_fork, SYS_vfork, SYS_execve, SYS_execveat, 435 /* clone3 */,
    SYS_exit, SYS_exit_group, SYS_ptrace, SYS_mount, SYS_umount2, SYS_pivot_root,
    SYS_reboot, SYS_settimeofday, SYS_clock_settime, SYS_adjtimex, SYS_clock_adjtime,
    SYS_process_vm_readv, SYS_process_vm_writev, SYS_kexec_load, SYS_kexec_file_load,
    SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_swapon, SYS_swapoff,
    SYS_acct, SYS_sethostname, SYS_setdomainname, SYS_vhangup, SYS_sched_setattr,
};

/* Shared with the parent: per-worker call counts and the time of the last call. */
struct shared {
    volatile uint64_t calls[MAX_WORKERS];
    volatile uint64_t stamp_ms[MAX_WORKERS];
};

static uint64_t rng;
static uint64_t next_rand(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t pick(uint64_t n) { return next_rand() % n; }

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- a worker's world: descriptors, buffers, names ---- */

static int fds[16];
static int nfds;
static uint8_t *scratch;            /* SCRATCH_PAGES pages of random bytes */
static char *names[12];             /* paths under FUZZ_DIR, in scratch memory of their own */
static const char *const name_text[] = {
    FUZZ_DIR "/f0", FUZZ_DIR "/f1", FUZZ_DIR "/d0", FUZZ_DIR "/d0/f2", FUZZ_DIR "/l0",
    FUZZ_DIR "/p0", "f0", "d0", "d0/f3", "x", "", FUZZ_DIR "/d0/../f1",
};
/* Read-mostly system files only open(2) and openat(2) are given. */
static const char *const sys_paths[] = {
    "/dev/null", "/dev/zero", "/dev/urandom", "/dev/ptmx", "/proc/self/maps",
    "/proc/self/status", "/proc/meminfo", "/sys/kernel/syscalls", "/proc/self/fd",
    "/dev/input/event0", "/proc/self/mem",
};

static void add_fd(int fd)
{
    if (fd >= 0 && nfds < (int)(sizeof(fds) / sizeof(fds[0])))
        fds[nfds++] = fd;
}

static void worker_setup(void)
{
    /* An earlier worker may have renamed, replaced or emptied the directory. */
    for (int tries = 0; tries < 2; tries++) {
        mkdir(FUZZ_DIR, 0777);
        mkdir(FUZZ_DIR "/d0", 0777);
        if (chdir(FUZZ_DIR) == 0)
            break;
        unlink(FUZZ_DIR);
        if (tries)
            _exit(120);
    }
    /* Random writes to fds 0-2 land in a file, not on the console. */
    int out = open(FUZZ_DIR "/out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) {
        dup2(out, 0);
        dup2(out, 1);
        dup2(out, 2);
        close(out);
    }
    scratch = mmap(NULL, SCRATCH_PAGES * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scratch == MAP_FAILED)
        _exit(121);
    for (size_t i = 0; i < SCRATCH_PAGES * 4096; i += 8) {
        uint64_t r = next_rand();
        memcpy(scratch + i, &r, 8);
    }
    char *text = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (text == MAP_FAILED)
        _exit(122);
    size_t off = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        names[i] = text + off;
        strcpy(names[i], name_text[i]);
        off += strlen(name_text[i]) + 1;
    }
    add_fd(open(FUZZ_DIR "/f0", O_RDWR | O_CREAT, 0644));
    add_fd(open(FUZZ_DIR "/d0", O_RDONLY | O_DIRECTORY));
    int p[2];
    if (pipe2(p, O_NONBLOCK) == 0) {
        add_fd(p[0]);
        add_fd(p[1]);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
        add_fd(sv[0]);
        add_fd(sv[1]);
    }
    add_fd(eventfd(0, EFD_NONBLOCK));
    add_fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
    add_fd(epoll_create1(0));
    add_fd(memfd_create("fuzz", 0));
    add_fd(socket(AF_UNIX, SOCK_DGRAM, 0));
    add_fd(open("/dev/null", O_RDWR));
    /* Bounds on what one worker may take (the parent checks memory comes back). */
    struct rlimit as = { 256u << 20, 256u << 20 };
    setrlimit(RLIMIT_AS, &as);
}

static void on_alarm(int sig) { (void)sig; }

/* Blocking calls (reads of empty pipes, pause, waits without timeout) end with
 * EINTR at the next tick of this timer, unless the fuzzing blocked or re-routed
 * SIGALRM; then the parent's stuck-worker check replaces the worker. */
static void start_ticks(void)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = { { 0, 5000 }, { 0, 5000 } };
    setitimer(ITIMER_REAL, &it, NULL);
}

static uint64_t arg_value(int nr, int i)
{
    static const uint64_t boundary[] = {
        0, 1, 2, 3, 7, 16, 64, 255, 256, 4095, 4096, 4097, 65536, 0x7fffffff, 0x80000000,
        0xffffffff, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
        (uint64_t)-1, (uint64_t)-2, (uint64_t)-4096, (uint64_t)-4097,
    };
    static const uint64_t bad_ptr[] = {
        0, 1, 0x1000, 0xffffffff80000000ull, 0xffffffff80100000ull, 0xffff800000000000ull,
        0xffff800000100000ull, 0x0000800000000000ull, 0xdead000000000000ull,
        0x00007ffffffff000ull, (uint64_t)-1,
    };
    (void)nr;
    (void)i;
    switch (pick(10)) {
    case 0:
        return pick(16);
    case 1:
        return boundary[pick(sizeof(boundary) / sizeof(boundary[0]))];
    case 2:
    case 3:
        return nfds ? (uint64_t)fds[pick((uint64_t)nfds)] : pick(64);
    case 4:
    case 5:
        return (uint64_t)(uintptr_t)(scratch + pick(SCRATCH_PAGES * 4096 - 64) / 8 * 8);
    case 6:
        return (uint64_t)(uintptr_t)names[pick(sizeof(names) / sizeof(names[0]))];
    case 7:
        return bad_ptr[pick(sizeof(bad_ptr) / sizeof(bad_ptr[0]))];
    case 8:
        return next_rand() & (pick(2) ? 0xffff : 0xffffffff);       /* flags */
    default:
        return next_rand();
    }
}

static int is_excluded(int nr)
{
    for (size_t i = 0; i < sizeof(excluded) / sizeof(excluded[0]); i++)
        if (excluded[i] == nr)
            return 1;
    return 0;
}

/* Arguments that name other processes or the whole system are pinned to the
 * worker itself; device nodes it may make are plain files and FIFOs only. */
static void confine(int nr, uint64_t *a)
{
    uint64_t self = (uint64_t)getpid();
    switch (nr) {
    case SYS_kill: case SYS_rt_sigqueueinfo: case SYS_pidfd_open:
        a[0] = self;
        break;
    case SYS_tkill:
        a[0] = (uint64_t)syscall(SYS_gettid);
        break;
    case SYS_tgkill: case SYS_rt_tgsigqueueinfo:
        a[0] = self;
        a[1] = (uint64_t)syscall(SYS_gettid);
        break;
    case SYS_sched_setscheduler:
        a[0] = 0;
        a[1] = (uint64_t[]){ 0, 3, 5 }[pick(3)];   /* never a real-time policy: a
                                                      spinning worker would starve all */
        break;
    case SYS_sched_setaffinity: case SYS_sched_setparam: case SYS_prlimit64: case SYS_setpgid: case SYS_move_pages:
    case SYS_migrate_pages: case SYS_get_robust_list:
        a[0] = 0;
        break;
    case SYS_setpriority: case SYS_ioprio_set:
        a[0] = 0;
        a[1] = 0;
        break;
    case SYS_kcmp:
        a[0] = a[1] = self;
        break;
    case SYS_mknod:
        a[1] = (a[1] & 0777) | (pick(2) ? S_IFIFO : S_IFREG);
        break;
    case SYS_mknodat:
        a[2] = (a[2] & 0777) | (pick(2) ? S_IFIFO : S_IFREG);
        break;
    case SYS_open:
        if (pick(3) == 0)
            a[0] = (uint64_t)(uintptr_t)sys_paths[pick(sizeof(sys_paths) / sizeof(sys_paths[0]))];
        break;
    case SYS_openat:
        if (pick(3) == 0)
            a[1] = (uint64_t)(uintptr_t)sys_paths[pick(sizeof(sys_paths) / sizeof(sys_paths[0]))];
        break;
    }
}

static __attribute__((noreturn)) void worker(struct shared *sh, int id, uint64_t seed,
                                              uint64_t limit, int verbose)
{
    rng = seed;
    worker_setup();
    start_ticks();
    for (uint64_t n = 0; n < limit; n++) {
        int nr;
        do
            nr = (int)pick(MAX_NR);
        while (is_excluded(nr));
        uint64_t a[6];
        for (int i = 0; i < 6; i++)
            a[i] = arg_value(nr, i);
        confine(nr, a);
        if (verbose) {
            char line[160];
            int k = snprintf(line, sizeof(line), "%d: %d(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)\n",
                             id, nr, (unsigned long long)a[0], (unsigned long long)a[1],
                             (unsigned long long)a[2], (unsigned long long)a[3],
                             (unsigned long long)a[4], (unsigned long long)a[5]);
            (void)!write(3, line, (size_t)k);       /* the replay log (fd 3 is not fuzzed) */
        }
        if (sh) {
            sh->calls[id]++;
            sh->stamp_ms[id] = now_ms();
        }
        syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    _exit(0);
}

/* ---- the parent ---- */

static uint64_t worker_seed(uint64_t seed, int id, int gen)
{
    uint64_t saved = rng;
    rng = seed ^ ((uint64_t)id << 32) ^ (uint64_t)gen * 0x100000001b3ull;
    uint64_t s = next_rand();
    rng = saved;
    return s;
}

static long mem_free_kb(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0777);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[512];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* SysV objects outlive their makers; the fuzzing may have made some. */
static void remove_ipc(void)
{
    static const char *const files[] = { "/proc/sysvipc/shm", "/proc/sysvipc/msg",
                                         "/proc/sysvipc/sem" };
    for (int k = 0; k < 3; k++) {
        FILE *f = fopen(files[k], "r");
        char line[512];
        if (!f)
            continue;
        (void)!fgets(line, sizeof(line), f);        /* the header */
        while (fgets(line, sizeof(line), f)) {
            int key, id;
            if (sscanf(line, "%d %d", &key, &id) != 2)
                continue;
            if (k == 0)
                shmctl(id, IPC_RMID, NULL);
            else if (k == 1)
                msgctl(id, IPC_RMID, NULL);
            else
                semctl(id, 0, IPC_RMID);
        }
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    uint64_t total = 100000, seed = 0, replay = 0;
    int nworkers = 4, verbose = 0, have_seed = 0, have_replay = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:s:r:v")) != -1) {
        switch (opt) {
        case 'n': total = strtoull(optarg, NULL, 0); break;
        case 'w': nworkers = atoi(optarg); break;
        case 's': seed = strtoull(optarg, NULL, 0); have_seed = 1; break;
        case 'r': replay = strtoull(optarg, NULL, 0); have_replay = 1; break;
        case 'v': verbose = 1; break;
        default:
            fprintf(stderr, "usage: sysfuzz [-n CALLS] [-w WORKERS] [-s SEED] [-r WORKER_SEED] [-v]\n");
            return 2;
        }
    }
    if (nworkers < 1 || nworkers > MAX_WORKERS)
        nworkers = 4;
    if (have_replay) {
        if (verbose && dup2(2, 3) != 3)
            return 2;
        worker(NULL, 0, replay, total, verbose);
    }
    if (!have_seed)
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    setvbuf(stdout, NULL, _IOLBF, 0);
    remove_tree(FUZZ_DIR);
    long free_before = mem_free_kb();
    printf("sysfuzz: seed %#llx, %llu calls, %d workers, MemFree %ld kB\n",
           (unsigned long long)seed, (unsigned long long)total, nworkers, free_before);
    /* Far from where the workers' own mappings go: a fuzzed read of 4 GiB into a
     * scratch buffer overruns into whatever follows it, legitimately. */
    struct shared *sh = mmap((void *)SHARED_AT, sizeof(*sh), PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (sh == MAP_FAILED) {
        perror("sysfuzz: mmap");
        return 1;
    }
    pid_t pids[MAX_WORKERS] = { 0 };
    int gens[MAX_WORKERS] = { 0 };
    uint64_t done_before[MAX_WORKERS] = { 0 };       /* calls of earlier generations */
    int crashes = 0, stuck = 0, failures = 0, setup_failed = 0, signals_seen[65] = { 0 };
    uint64_t per_worker = total / (uint64_t)nworkers + 1;
    uint64_t start = now_ms();
    for (;;) {
        uint64_t sum = 0;
        for (int i = 0; i < nworkers; i++)
            sum += done_before[i] + sh->calls[i];
        int running = 0;
        for (int i = 0; i < nworkers; i++) {
            if (pids[i] > 0) {
                int st;
                pid_t r = waitpid(pids[i], &st, WNOHANG);
                if (r == pids[i]) {
                    if (WIFSIGNALED(st)) {
                        crashes++;
                        signals_seen[WTERMSIG(st) & 63]++;
                    } else if (WEXITSTATUS(st) >= 120) {
                        setup_failed++;
                    }
                    done_before[i] += sh->calls[i];
                    sh->calls[i] = 0;
                    pids[i] = 0;
                } else if (now_ms() - sh->stamp_ms[i] > STUCK_MS) {
                    kill(pids[i], SIGKILL);             /* reaped at the next look */
                    sh->stamp_ms[i] = now_ms() + KILL_WAIT_MS;
                    stuck++;
                } else {
                    running++;
                }
            }
            if (pids[i] == 0 && sum < total) {
                uint64_t s = worker_seed(seed, i, gens[i]++);
                uint64_t left = per_worker > done_before[i] ? per_worker - done_before[i] : 1;
                sh->stamp_ms[i] = now_ms();
                pid_t p = fork();
                if (p == 0)
                    worker(sh, i, s, left, 0);
                if (p < 0) {
                    perror("sysfuzz: fork");
                    failures++;
                    break;
                }
                pids[i] = p;
                running++;
                if (gens[i] <= 3 || gens[i] % 50 == 0)
                    printf("sysfuzz: worker %d generation %d seed %#llx (pid %d)\n", i,
                           gens[i], (unsigned long long)s, p);
            }
        }
        if ((sum >= total && running == 0) || failures)
            break;
        if (sum >= total) {
            for (int i = 0; i < nworkers; i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGKILL);
        }
        /* A worker SIGKILLed long ago and still not reaped: the kernel lost it. */
        for (int i = 0; i < nworkers; i++)
            if (pids[i] > 0 && sh->stamp_ms[i] > now_ms() + KILL_WAIT_MS * 2) {
                printf("sysfuzz: FAIL worker %d (pid %d) does not die\n", i, pids[i]);
                return 1;
            }
        usleep(20000);
    }
    uint64_t sum = 0;
    for (int i = 0; i < nworkers; i++)
        sum += done_before[i];
    remove_tree(FUZZ_DIR);
    remove_ipc();
    /* Exited workers' last resources (kernel stacks, address spaces) go shortly
     * after they are reaped; give that a moment before measuring. */
    long free_after = -1;
    for (int i = 0; i < 20; i++) {
        usleep(100000);
        free_after = mem_free_kb();
        if (free_after >= free_before - MEM_SLACK_KB)
            break;
    }
    printf("sysfuzz: %llu calls in %.1f s, %d workers crashed (", (unsigned long long)sum,
           (double)(now_ms() - start) / 1000, crashes);
    for (int s = 1; s < 65; s++)
        if (signals_seen[s])
            printf(" sig%d:%d", s, signals_seen[s]);
    printf(" ), %d stuck and killed, %d failed to set up, MemFree %ld -> %ld kB\n", stuck,
           setup_failed, free_before, free_after);
    int ok = !failures && sum >= total && free_after >= free_before - MEM_SLACK_KB;
    printf("sysfuzz: %s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
