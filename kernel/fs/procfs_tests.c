/* KTESTs of /proc and /sys: read through the VFS from the kernel, and by real
 * programs (user/tests/procfs.c, tests/proc/unimplemented.c, busybox cat and ps)
 * from the initramfs. */

#define LOG_TAG "test"
#include <osc/errno.h>
#include <osc/ktest.h>
#include <osc/log.h>
#include <osc/lib.h>
#include <osc/mm.h>
#include <osc/proc.h>
#include <osc/sched.h>
#include <osc/syscall.h>
#include <osc/vfs.h>

static const char *const no_env[] = { "PATH=/bin", NULL };

static struct vfs_ctx ctx(void)
{
    struct vnode *r = vfs_root();
    struct vfs_ctx c = { .root = r, .cwd = r, .umask = 022 };
    return c;
}

/* Reads path whole (in 7-byte steps, so offsets matter) into a kmalloc'd,
 * NUL-terminated buffer; its length or -errno. */
static long slurp(const char *path, char **out)
{
    struct vfs_ctx c = ctx();
    struct file *f;
    int err = vfs_open(&c, NULL, path, O_RDONLY, 0, &f);
    if (err)
        return err;
    size_t cap = 64 * 1024, n = 0;
    char *buf = kmalloc(cap);
    if (!buf) {
        file_put(f);
        return -ENOMEM;
    }
    ssize_t r;
    while (n + 8 < cap && (r = file_read(f, buf + n, 7)) > 0)
        n += (size_t)r;
    file_put(f);
    buf[n] = 0;
    *out = buf;
    return (long)n;
}

static bool contains(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (; *hay; hay++)
        if (strncmp(hay, needle, nl) == 0)
            return true;
    return false;
}

KTEST(procfs_meminfo_uptime_cpuinfo_mounts_read_like_linux)
{
    char *s;
    KT_ASSERT(slurp("/proc/meminfo", &s) > 0);
    KT_ASSERT(strncmp(s, "MemTotal:       ", 16) == 0 && contains(s, " kB\nMemFree:"));
    kfree(s);
    KT_ASSERT(slurp("/proc/uptime", &s) > 0);
    const char *dot = strchr(s, '.');           /* "secs.hundredths idle.hundredths\n" */
    KT_ASSERT(s[0] >= '0' && s[0] <= '9' && dot && dot[3] == ' ' && dot[4] >= '0' &&
              dot[4] <= '9');
    const char *dot2 = strchr(dot + 4, '.');
    KT_ASSERT(dot2 && dot2[1] >= '0' && dot2[2] >= '0' && strcmp(dot2 + 3, "\n") == 0);
    kfree(s);
    KT_ASSERT(slurp("/proc/cpuinfo", &s) > 0);
    KT_ASSERT(strncmp(s, "processor\t: 0\n", 14) == 0 && contains(s, "\nflags\t\t: fpu"));
    kfree(s);
    KT_ASSERT(slurp("/proc/mounts", &s) > 0);
    KT_ASSERT(contains(s, "tmpfs / tmpfs rw 0 0\n") &&
              contains(s, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n") &&
              contains(s, "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"));
    kfree(s);
}

KTEST(procfs_files_are_read_only)
{
    struct vfs_ctx c = ctx();
    struct file *f;
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/proc/meminfo", O_WRONLY, 0, &f), -EACCES);
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/proc/new", O_WRONLY | O_CREAT, 0644, &f), -EACCES);
    KT_ASSERT_EQ(vfs_mkdir(&c, NULL, "/sys/kernel/x", 0755), -EACCES);
    KT_ASSERT_EQ(vfs_unlink(&c, NULL, "/sys/kernel/mm"), -EACCES);
}

KTEST(procfs_pid_directory_shows_a_running_process)
{
    static const char *const argv[] = { "busybox", "sleep", "1", NULL };
    int pid = proc_spawn("/bin/busybox", argv, no_env);
    KT_ASSERT(pid > 0);
    char path[64], want[64], *s;
    struct vfs_ctx c = ctx();
    ksnprintf(path, sizeof(path), "/proc/%d/stat", pid);
    /* Runnable ('R') until it reaches its sleep, then 'S'. */
    ksnprintf(want, sizeof(want), "%d (busybox) S ", pid);
    bool sleeping = false;
    for (int i = 0; i < 50 && !sleeping; i++) {
        KT_ASSERT(slurp(path, &s) > 0);
        sleeping = strncmp(s, want, strlen(want)) == 0;
        kfree(s);
        if (!sleeping)
            thread_sleep_ns(10000000);
    }
    KT_ASSERT(sleeping);
    ksnprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    long n = slurp(path, &s);
    KT_ASSERT_EQ(n, 16);
    KT_ASSERT(memcmp(s, "busybox\0sleep\0" "1\0", 16) == 0);
    kfree(s);
    ksnprintf(path, sizeof(path), "/proc/%d/status", pid);
    KT_ASSERT(slurp(path, &s) > 0);
    ksnprintf(want, sizeof(want), "\nPid:\t%d\n", pid);
    KT_ASSERT(strncmp(s, "Name:\tbusybox\n", 14) == 0 && contains(s, want) && contains(s, "Threads:\t1\n"));
    kfree(s);
    char link[64];
    ksnprintf(path, sizeof(path), "/proc/%d/exe", pid);
    ssize_t l = vfs_readlink(&c, NULL, path, link, sizeof(link));
    KT_ASSERT(l == 12 && memcmp(link, "/bin/busybox", 12) == 0);
    ksnprintf(path, sizeof(path), "/proc/%d/fd/1", pid);
    l = vfs_readlink(&c, NULL, path, link, sizeof(link));
    KT_ASSERT(l == 12 && memcmp(link, "/dev/console", 12) == 0);
    ksnprintf(path, sizeof(path), "/proc/%d/maps", pid);
    KT_ASSERT(slurp(path, &s) > 0);
    KT_ASSERT(contains(s, " rw-p 00000000 00:00 0") && contains(s, "[stack]\n"));
    kfree(s);
    struct vnode *v;
    ksnprintf(path, sizeof(path), "/proc/%d/fd", pid);
    KT_ASSERT_EQ(vfs_lookup(&c, NULL, path, 0, &v), 0);
    struct vfs_ctx in = { .root = c.root, .cwd = v, .umask = 022 };
    KT_ASSERT(vfs_getcwd(&in, link, sizeof(link)) > 0 && strcmp(link, path) == 0);
    vnode_put(v);
    int st = -1;
    KT_ASSERT_EQ(proc_wait(pid, &st, NULL, 0), 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    ksnprintf(path, sizeof(path), "/proc/%d", pid);
    KT_ASSERT_EQ(vfs_lookup(&c, NULL, path, 0, &v), -ENOENT);   /* reaped: gone */
    KT_ASSERT(vfs_readlink(&c, NULL, "/proc/self", link, sizeof(link)) < 0);  /* kernel thread */
}

KTEST(procfs_root_lists_files_and_pids)
{
    struct vfs_ctx c = ctx();
    struct file *f;
    KT_ASSERT_EQ(vfs_open(&c, NULL, "/proc", O_RDONLY | O_DIRECTORY, 0, &f), 0);
    char *buf = kmalloc(4096);
    KT_ASSERT(buf);
    ssize_t n = file_getdents64(f, buf, 4096);
    file_put(f);
    bool meminfo = false, self = false;
    for (ssize_t off = 0; off < n;) {
        uint16_t reclen;
        memcpy(&reclen, buf + off + 16, 2);
        const char *name = buf + off + 19;
        meminfo |= strcmp(name, "meminfo") == 0;
        self |= strcmp(name, "self") == 0 && buf[off + 18] == 10;   /* DT_LNK */
        off += reclen;
    }
    kfree(buf);
    KT_ASSERT(meminfo && self);
}

KTEST(procfs_user_test_program_passes)
{
    static const char *const argv[] = { "/usr/tests/procfs.musl", NULL };
    int pid = proc_spawn("/usr/tests/procfs.musl", argv, no_env);
    KT_ASSERT(pid > 0);
    int st = -1;
    KT_ASSERT_EQ(proc_wait(pid, &st, NULL, 0), 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));    /* else: its FAIL lines name the test */
}

KTEST(sysfs_counts_a_user_programs_unimplemented_syscall)
{
    static const char *const argv[] = { "unimplemented", NULL };
    uint64_t before = syscall_unimplemented_count(333);
    int pid = proc_spawn("/test/unimplemented", argv, no_env);
    KT_ASSERT(pid > 0);
    int st = -1;
    KT_ASSERT_EQ(proc_wait(pid, &st, NULL, 0), 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT_EQ(syscall_unimplemented_count(333), before + 1);
    char *s, want[64];
    KT_ASSERT(slurp("/sys/kernel/unimplemented", &s) > 0);
    ksnprintf(want, sizeof(want), "333 io_pgetevents %lu\n", (unsigned long)(before + 1));
    KT_ASSERT(contains(s, want));
    kfree(s);
}

KTEST(sysfs_kernel_syscalls_mm_uptime_log)
{
    char *s;
    KT_ASSERT(slurp("/sys/kernel/syscalls", &s) > 0);
    KT_ASSERT(strncmp(s, "read\nwrite\n", 11) == 0 && contains(s, "\nexecve\n"));
    kfree(s);
    KT_ASSERT(slurp("/sys/kernel/mm", &s) > 0);
    KT_ASSERT(strncmp(s, "free_pages ", 11) == 0 && contains(s, "\ntotal_pages "));
    kfree(s);
    KT_ASSERT(slurp("/sys/kernel/uptime", &s) > 0);
    KT_ASSERT(s[0] >= '0' && s[0] <= '9');
    kfree(s);
    KT_ASSERT(slurp("/sys/kernel/log", &s) > 0);
    KT_ASSERT(contains(s, "[vfs]"));
    kfree(s);
}

KTEST(procfs_busybox_cat_meminfo_and_ps)
{
    static const char *const cat[] = { "busybox", "cat", "/proc/meminfo", NULL };
    static const char *const ps[] = { "busybox", "ps", NULL };
    char out[128];
    int pid = proc_spawn("/bin/busybox", cat, no_env);
    KT_ASSERT(pid > 0);
    int st = -1;
    KT_ASSERT_EQ(proc_wait(pid, &st, out, sizeof(out)), 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    KT_ASSERT(strncmp(out, "MemTotal:", 9) == 0);
    pid = proc_spawn("/bin/busybox", ps, no_env);
    KT_ASSERT(pid > 0);
    KT_ASSERT_EQ(proc_wait(pid, &st, out, sizeof(out)), 0);
    KT_ASSERT_EQ(st, PROC_STATUS_EXITED(0));
    log_info("busybox ps printed:\n%s", out);
    KT_ASSERT(contains(out, "PID"));
    KT_ASSERT(contains(out, "busybox ps") || contains(out, " ps"));
    char *s;
    KT_ASSERT(slurp("/sys/kernel/unimplemented", &s) >= 0);
    log_info("/sys/kernel/unimplemented:\n%s", s);    /* what the tests' programs missed */
    kfree(s);
}
