/* Resource limits: every limit stored per process and enforced where Linux
 * enforces it (NOFILE, FSIZE, AS, DATA, STACK at exec, NPROC for non-root),
 * Linux's rules for changing them, prlimit64 on another process, inheritance
 * across fork and exec. Each case runs in a child, so the runner keeps its limits. */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN     /* main also serves the re-exec'd probes below */
#include "../lib/testlib.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024ul * 1024)

static char self_exe[512];

static void set_soft(int res, rlim_t soft)
{
    struct rlimit rl;
    EXPECT(getrlimit(res, &rl) == 0);
    rl.rlim_cur = soft;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < soft)
        rl.rlim_max = soft;
    EXPECT(setrlimit(res, &rl) == 0);
}

TEST(every_limit_reads_back_with_soft_not_above_hard)
{
    for (int r = 0; r < RLIMIT_NLIMITS; r++) {
        struct rlimit rl;
        CHECK_EQ(getrlimit(r, &rl), 0);
        CHECK(rl.rlim_cur <= rl.rlim_max);
    }
    struct rlimit rl;
    CHECK_ERR(syscall(SYS_getrlimit, RLIMIT_NLIMITS, &rl), EINVAL);
    CHECK(getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur >= 128 * 1024);
}

static void nofile_42(void)
{
    set_soft(RLIMIT_NOFILE, 42);
    struct rlimit rl;
    EXPECT(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 42);
    int last = -1, fd;
    while ((fd = open("/", O_RDONLY)) >= 0)
        last = fd;
    EXPECT(errno == EMFILE);
    EXPECT(last == 41);
    EXPECT(dup(0) == -1 && errno == EMFILE);
    int p[2];
    EXPECT(pipe(p) == -1 && errno == EMFILE);
    EXPECT(dup2(0, 42) == -1 && errno == EBADF);
    EXPECT(fcntl(0, F_DUPFD, 42) == -1 && errno == EINVAL);
    EXPECT(fcntl(0, F_DUPFD, 41) == -1 && errno == EMFILE);
    close(41);
    EXPECT(fcntl(0, F_DUPFD, 30) == 41);
    EXPECT(dup2(0, 41) == 41);
}

/* /proc/self/limits' "Max open files" soft and hard columns, as text. */
static int proc_limits_nofile(char *soft, char *hard)
{
    char buf[4096];
    int fd = open("/proc/self/limits", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *line = strstr(buf, "Max open files");
    return line && sscanf(line + 14, "%31s %31s", soft, hard) == 2 ? 0 : -1;
}

static void proc_limits(void)
{
    struct rlimit rl;
    EXPECT(getrlimit(RLIMIT_NOFILE, &rl) == 0);
    rl.rlim_cur = 42;
    EXPECT(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    char soft[32], hard[32], want[32];
    EXPECT(proc_limits_nofile(soft, hard) == 0);
    EXPECT(strcmp(soft, "42") == 0);
    snprintf(want, sizeof(want), "%lu", (unsigned long)rl.rlim_max);
    EXPECT(strcmp(hard, rl.rlim_max == RLIM_INFINITY ? "unlimited" : want) == 0);
}

TEST(proc_self_limits_shows_the_limits)
{
    if (access("/proc/self", F_OK) != 0) {
        printf("  (no /proc: skipped)\n");     /* the host's chroot check */
        return;
    }
    CHECK_EQ(tl_in_child(proc_limits), 0);
}

TEST(nofile_limit_42_makes_the_next_open_fail_with_emfile)
{
    CHECK_EQ(tl_in_child(nofile_42), 0);
}

static volatile sig_atomic_t xfsz_seen;
static void on_xfsz(int sig) { (void)sig; xfsz_seen++; }

static void fsize_1000(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/rlimits.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    EXPECT(fd >= 0);
    unlink(path);
    signal(SIGXFSZ, on_xfsz);
    set_soft(RLIMIT_FSIZE, 1000);
    static char buf[1500];
    EXPECT(write(fd, buf, sizeof(buf)) == 1000);         /* up to the limit */
    EXPECT(xfsz_seen == 0);
    EXPECT(write(fd, buf, 1) == -1 && errno == EFBIG);
    EXPECT(xfsz_seen == 1);
    EXPECT(pwrite(fd, buf, 10, 995) == 5);
    EXPECT(ftruncate(fd, 2000) == -1 && errno == EFBIG);
    EXPECT(xfsz_seen == 2);
    EXPECT(ftruncate(fd, 500) == 0);
    EXPECT(lseek(fd, 0, SEEK_END) == 500);
    /* The default action ends the process. */
    signal(SIGXFSZ, SIG_DFL);
    EXPECT(pwrite(fd, buf, 1, 1000) == -1);
    _exit(99);
}

TEST(fsize_limit_cuts_a_write_then_raises_sigxfsz_and_efbig)
{
    int st = tl_in_child(fsize_1000);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ);
    if (!WIFSIGNALED(st))
        printf("  child status %#x\n", st);
}

static void as_256m(void)
{
    set_soft(RLIMIT_AS, 256 * MIB);
    void *big = mmap(NULL, 512 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(big == MAP_FAILED && errno == ENOMEM);
    void *small = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(small != MAP_FAILED);
    EXPECT(mremap(small, MIB, 512 * MIB, MREMAP_MAYMOVE) == MAP_FAILED && errno == ENOMEM);
    EXPECT(munmap(small, MIB) == 0);
    long cur = syscall(SYS_brk, 0);     /* raw: musl's sbrk refuses to grow */
    EXPECT(syscall(SYS_brk, cur + 512 * MIB) == cur);
}

TEST(as_limit_makes_mmap_mremap_and_brk_fail_with_enomem)
{
    CHECK_EQ(tl_in_child(as_256m), 0);
}

static void data_32m(void)
{
    set_soft(RLIMIT_DATA, 32 * MIB);
    long cur = syscall(SYS_brk, 0);     /* raw: musl's sbrk refuses to grow */
    EXPECT(syscall(SYS_brk, cur + 64 * MIB) == cur);    /* brk fails by not moving */
    EXPECT(syscall(SYS_brk, cur + MIB) == cur + (long)MIB);
    /* Linux 4.7+: private writable mappings count too; read-only ones do not. */
    void *p = mmap(NULL, 64 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(p == MAP_FAILED && errno == ENOMEM);
    p = mmap(NULL, 64 * MIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(p != MAP_FAILED);
}

TEST(data_limit_makes_brk_and_private_writable_mmap_fail)
{
    CHECK_EQ(tl_in_child(data_32m), 0);
}

TEST(soft_limit_above_hard_is_einval)
{
    struct rlimit rl = { 100, 50 };
    CHECK_ERR(setrlimit(RLIMIT_NOFILE, &rl), EINVAL);
    CHECK_ERR(prlimit(0, RLIMIT_NOFILE, &rl, NULL), EINVAL);
    CHECK_ERR(setrlimit(RLIMIT_NLIMITS + 3, &rl), EINVAL);
}

/* (Root raising it is not checked: a container's root may lack CAP_SYS_RESOURCE.) */
static void hard_needs_root(void)
{
    struct rlimit rl = { 64, 128 };
    EXPECT(setrlimit(RLIMIT_NOFILE, &rl) == 0);
    EXPECT(setgid(65534) == 0 && setuid(65534) == 0);
    rl.rlim_max = 256;
    EXPECT(setrlimit(RLIMIT_NOFILE, &rl) == -1 && errno == EPERM);
    rl.rlim_max = 100;
    EXPECT(setrlimit(RLIMIT_NOFILE, &rl) == 0);         /* lowering is free */
    rl.rlim_cur = 100;
    EXPECT(setrlimit(RLIMIT_NOFILE, &rl) == 0);         /* soft up to hard too */
    EXPECT(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 100 && rl.rlim_max == 100);
}

TEST(raising_a_hard_limit_needs_root)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    CHECK_EQ(tl_in_child(hard_needs_root), 0);
}

static void *idle_thread(void *arg)
{
    return arg;
}

static void nproc_1(void)
{
    struct rlimit rl = { 1, 1 };
    EXPECT(setrlimit(RLIMIT_NPROC, &rl) == 0);
    pid_t c = fork();                   /* root is exempt */
    if (c == 0)
        _exit(0);
    EXPECT(c > 0 && waitpid(c, NULL, 0) == c);
    EXPECT(setgid(65533) == 0 && setuid(65533) == 0);
    c = fork();
    if (c == 0)
        _exit(0);
    EXPECT(c == -1 && errno == EAGAIN);
    pthread_t t;                        /* threads count too (Linux: tasks) */
    EXPECT(pthread_create(&t, NULL, idle_thread, NULL) == EAGAIN);
}

TEST(nproc_limit_binds_non_root_users_only)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    CHECK_EQ(tl_in_child(nproc_1), 0);
}

TEST(prlimit64_reads_and_sets_another_process)
{
    int go[2], back[2];
    REQUIRE(pipe(go) == 0 && pipe(back) == 0);
    pid_t c = fork();
    if (c == 0) {
        char b;
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        struct rlimit rl;
        getrlimit(RLIMIT_NOFILE, &rl);
        int v = (int)rl.rlim_cur;
        if (write(back[1], &v, sizeof(v)) != sizeof(v))
            _exit(2);
        _exit(0);
    }
    REQUIRE(c > 0);
    struct rlimit old, rl = { 33, 0 };
    CHECK_EQ(prlimit(c, RLIMIT_NOFILE, NULL, &old), 0);
    rl.rlim_max = old.rlim_max;
    CHECK_EQ(prlimit(c, RLIMIT_NOFILE, &rl, &old), 0);
    struct rlimit now;
    CHECK_EQ(prlimit(c, RLIMIT_NOFILE, NULL, &now), 0);
    CHECK_EQ(now.rlim_cur, 33);
    CHECK_EQ(write(go[1], "x", 1), 1);
    int v = 0;
    CHECK_EQ(read(back[0], &v, sizeof(v)), (long)sizeof(v));
    CHECK_EQ(v, 33);
    waitpid(c, NULL, 0);
    CHECK_ERR(prlimit(c, RLIMIT_NOFILE, NULL, &now), ESRCH);   /* reaped */
    close(go[0]); close(go[1]); close(back[0]); close(back[1]);
}

/* Re-exec'd: exits 0 when the limits set before exec are still there. */
static int probe_limits(void)
{
    struct rlimit a, b;
    if (getrlimit(RLIMIT_NOFILE, &a) || getrlimit(RLIMIT_FSIZE, &b))
        return 2;
    return a.rlim_cur == 77 && b.rlim_cur == 123456 ? 0 : 3;
}

static void inherit(void)
{
    set_soft(RLIMIT_NOFILE, 77);
    set_soft(RLIMIT_FSIZE, 123456);
    pid_t c = fork();
    if (c == 0)
        _exit(probe_limits());
    int st;
    EXPECT(c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    execl(self_exe, self_exe, "--probe-limits", (char *)NULL);
    EXPECT(!"exec failed");
}

TEST(limits_are_inherited_across_fork_and_kept_across_exec)
{
    CHECK_EQ(tl_in_child(inherit), 0);
}

/* Re-exec'd: touches mib MiB of stack below main's frame, top down. */
static int probe_stack(long mib)
{
    size_t n = (size_t)mib * MIB;
    volatile char *p = __builtin_alloca(n);
    for (long i = (long)n - 1; i >= 0; i -= 4096)
        p[i] = 1;
    p[0] = 1;
    return p[n - 1] == 1 ? 0 : 4;
}

static void stack_small(void)
{
    set_soft(RLIMIT_STACK, MIB);
    execl(self_exe, self_exe, "--probe-stack", "4", (char *)NULL);
    EXPECT(!"exec failed");
}

static void stack_large(void)
{
    set_soft(RLIMIT_STACK, 32 * MIB);
    execl(self_exe, self_exe, "--probe-stack", "12", (char *)NULL);
    EXPECT(!"exec failed");
}

TEST(stack_limit_at_exec_bounds_the_main_stack)
{
    int st = tl_in_child(stack_small);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    CHECK_EQ(tl_in_child(stack_large), 0);
}

TEST(core_limit_is_stored)
{
    struct rlimit old, rl = { 4096, RLIM_INFINITY }, got;
    REQUIRE(getrlimit(RLIMIT_CORE, &old) == 0);
    rl.rlim_max = old.rlim_max;
    CHECK_EQ(setrlimit(RLIMIT_CORE, &rl), 0);
    CHECK(getrlimit(RLIMIT_CORE, &got) == 0 && got.rlim_cur == 4096);
    CHECK_EQ(setrlimit(RLIMIT_CORE, &old), 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--probe-limits") == 0)
        return probe_limits();
    if (argc == 3 && strcmp(argv[1], "--probe-stack") == 0)
        return probe_stack(atol(argv[2]));
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
    if (n <= 0)
        snprintf(self_exe, sizeof(self_exe), "%s", argv[0]);
    return tl_run_all(argv[0]);
}
