/* procfs: /proc read the way libc and tools read it. Checks only what Linux also
 * provides, in Linux's format, so the same program passes on the host. */
#define _GNU_SOURCE
#define TESTLIB_NO_MAIN     /* main records argv first */
#include "testlib.h"

#include <dirent.h>
#include <grp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char buf[65536];
static char self_argv0[256];
static char self_cmdline[1024];     /* argv joined with NULs, as the kernel keeps it */
static size_t self_cmdline_len;

/* Reads the whole file in small chunks (exercises read offsets); length or -1. */
static long slurp(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while (n < (long)sizeof(buf) - 1 && (r = read(fd, buf + n, 100)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return r < 0 ? -1 : n;
}

TEST(proc_self_exe_is_an_absolute_link_ending_in_the_program_name)
{
    char link[512];
    ssize_t l = readlink("/proc/self/exe", link, sizeof(link) - 1);
    REQUIRE(l > 0);
    link[l] = 0;
    const char *base = tl_basename(self_argv0);
    size_t bl = strlen(base);
    CHECK(link[0] == '/');
    CHECK((size_t)l > bl && strcmp(link + l - bl, base) == 0 && link[l - bl - 1] == '/');
}

TEST(proc_self_stat_starts_with_pid_and_parenthesised_comm)
{
    REQUIRE(slurp("/proc/self/stat") > 0);
    CHECK_EQ(atoi(buf), getpid());
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    REQUIRE(open_paren && close_paren && close_paren > open_paren);
    CHECK(open_paren[-1] == ' ' && close_paren[1] == ' ');
    /* comm is the first 15 bytes of the executable's name. */
    char comm[16] = { 0 };
    const char *base = tl_basename(self_argv0);
    memcpy(comm, base, strnlen(base, sizeof(comm) - 1));
    *close_paren = 0;
    CHECK_STR(open_paren + 1, comm);
    CHECK(strchr("RSDZTtWXxKWIP", close_paren[2]) != NULL);     /* field 3: state */
}

TEST(proc_self_status_has_pid_line)
{
    REQUIRE(slurp("/proc/self/status") > 0);
    char want[64];
    snprintf(want, sizeof(want), "\nPid:\t%d\n", (int)getpid());
    CHECK(strstr(buf, want) != NULL);
    CHECK(strncmp(buf, "Name:\t", 6) == 0);
}

/* Uid/Gid are real, effective, saved and filesystem ids; Groups the supplementary
 * list; the capability sets follow the uid change (ps, id and su read these). */
TEST(proc_self_status_shows_every_id_groups_and_caps)
{
    if (geteuid() != 0) {
        printf("  not root: ids not changed\n");
        return;
    }
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        gid_t groups[] = { 3, 4 };
        if (setgroups(2, groups) || setresgid(10, 11, 12) || setresuid(20, 21, 22))
            _exit(2);
        int fd = open("/proc/self/status", O_RDONLY);
        if (fd < 0)
            _exit(3);
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
            _exit(4);
        buf[n] = 0;
        static const char *const want[] = { "\nUid:\t20\t21\t22\t21\n", "\nGid:\t10\t11\t12\t11\n",
                                            "\nGroups:\t3 4 \n", "\nCapEff:\t0000000000000000\n" };
        int bad = 0;
        for (int i = 0; i < 4; i++)
            if (!strstr(buf, want[i]))
                bad |= 1 << i;
        if (bad)
            fputs(buf, stdout);
        _exit(bad ? 10 + bad : 0);
    }
    int status;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    REQUIRE(slurp("/proc/self/status") > 0);
    CHECK(strstr(buf, "\nCapEff:\t") != NULL);
    CHECK(strstr(buf, "\nCapBnd:\t") != NULL);
}

/* A process's /proc entries are its own (euid/egid): a normal user reopens what it
 * has open through /proc/self/fd, with the file's own permissions checked again. */
TEST(a_normal_user_reopens_its_files_through_proc_self_fd)
{
    if (geteuid() != 0) {
        printf("  not root: ids not changed\n");
        return;
    }
    char path[64];
    snprintf(path, sizeof(path), "/tmp/procfs-reopen.%d", (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "mine\n", 5) == 5);
    close(fd);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
            _exit(2);
        int r = open(path, O_RDONLY);
        char link[64], got[8] = "";
        snprintf(link, sizeof(link), "/proc/self/fd/%d", r);
        int again = open(link, O_RDONLY);
        if (r < 0 || again < 0 || read(again, got, 4) != 4 || memcmp(got, "mine", 4))
            _exit(3);
        if (open(link, O_WRONLY) >= 0 || errno != EACCES)
            _exit(4);                   /* root's 0644 file: not writable */
        char parent[64];
        snprintf(parent, sizeof(parent), "/proc/%d/fd", (int)getppid());
        if (opendir(parent) != NULL || errno != EACCES)
            _exit(5);                   /* root's (the parent's) descriptors are not ours */
        _exit(0);
    }
    int status;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    unlink(path);
}

TEST(proc_meminfo_has_memtotal_and_memfree_in_kb)
{
    REQUIRE(slurp("/proc/meminfo") > 0);
    CHECK(strncmp(buf, "MemTotal:", 9) == 0);
    char *free_line = strstr(buf, "\nMemFree:");
    REQUIRE(free_line != NULL);
    char *end;
    long kb = strtol(free_line + 9, &end, 10);
    CHECK(kb > 0);
    CHECK(strncmp(end, " kB\n", 4) == 0);
}

TEST(proc_self_fd_lists_stdio_and_an_opened_file_as_a_link_to_its_path)
{
    const char *path = "/tmp/osc-procfs-fd-test";
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    DIR *d = opendir("/proc/self/fd");
    REQUIRE(d != NULL);
    int stdio = 0, mine = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] >= '0' && e->d_name[0] <= '2' && e->d_name[1] == 0)
            stdio |= 1 << (e->d_name[0] - '0');
        if (atoi(e->d_name) == fd && e->d_name[0] != '.')
            mine = 1;
    }
    closedir(d);
    CHECK_EQ(stdio, 7);
    CHECK(mine);
    char name[64], link[256];
    snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
    struct stat st;
    CHECK_EQ(lstat(name, &st), 0);
    CHECK(S_ISLNK(st.st_mode));
    ssize_t l = readlink(name, link, sizeof(link) - 1);
    CHECK(l > 0);
    link[l > 0 ? l : 0] = 0;
    CHECK_STR(link, path);
    close(fd);
    unlink(path);
}

TEST(proc_self_maps_shows_the_stack)
{
    REQUIRE(slurp("/proc/self/maps") > 0);
    CHECK(strstr(buf, "[stack]") != NULL);
}

TEST(proc_uptime_is_two_numbers)
{
    REQUIRE(slurp("/proc/uptime") > 0);
    char *end, *end2;
    double up = strtod(buf, &end);
    CHECK(end != buf && *end == ' ' && up >= 0);
    double idle = strtod(end, &end2);
    CHECK(end2 != end && *end2 == '\n' && idle >= 0);
}

TEST(proc_cpuinfo_starts_with_processor)
{
    REQUIRE(slurp("/proc/cpuinfo") > 0);
    CHECK(strncmp(buf, "processor", 9) == 0);
}

TEST(proc_self_cmdline_is_argv_joined_with_nuls)
{
    long n = slurp("/proc/self/cmdline");
    CHECK_EQ(n, (long)self_cmdline_len);
    CHECK(n > 0 && memcmp(buf, self_cmdline, self_cmdline_len) == 0);
}

TEST(proc_mounts_has_proc)
{
    REQUIRE(slurp("/proc/mounts") > 0);
    CHECK(strstr(buf, "proc /proc proc ") != NULL);
}

TEST(proc_pid_directory_exists_while_child_lives_and_goes_when_reaped)
{
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct timespec ts = { 5, 0 };
        nanosleep(&ts, NULL);
        _exit(0);
    }
    char dir[64];
    snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
    struct stat st;
    CHECK_EQ(stat(dir, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    char stat_path[80];
    snprintf(stat_path, sizeof(stat_path), "%s/stat", dir);
    CHECK(slurp(stat_path) > 0 && atoi(buf) == pid);
    kill(pid, SIGKILL);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_ERR(stat(dir, &st), ENOENT);
}

/* Opening /proc/self/fd/N opens the same file again, even one with no name left
 * (Linux follows these links to the file, not to the text they show). */
TEST(opening_proc_self_fd_reaches_an_unlinked_file)
{
    const char *path = "/tmp/osc-procfs-unlinked";
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(fd, "still here", 10), 10);
    CHECK_EQ(unlink(path), 0);
    char name[64], got[16] = "";
    snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
    int again = open(name, O_RDONLY);
    CHECK(again >= 0);
    CHECK_EQ(read(again, got, sizeof(got) - 1), 10);  /* its own offset: from 0 */
    CHECK_STR(got, "still here");
    struct stat a, b;
    CHECK_EQ(fstat(fd, &a), 0);
    CHECK_EQ(fstat(again, &b), 0);
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    close(again);
    close(fd);
}

TEST(dev_stdin_opens_what_fd_0_has_open)
{
    const char *path = "/tmp/osc-procfs-stdin";
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(fd, "from stdin", 10), 10);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 0);
        unlink(path);
        char got[16] = "";
        int in = open("/dev/stdin", O_RDONLY);
        _exit(in >= 0 && read(in, got, sizeof(got) - 1) == 10 && !strcmp(got, "from stdin")
              ? 0 : 1);
    }
    int st = -1;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(fd);
    unlink(path);
}

TEST(opening_proc_self_fd_of_a_pipe_gives_another_end_of_it)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    char rname[64], wname[64], got[8] = "";
    snprintf(rname, sizeof(rname), "/proc/self/fd/%d", p[0]);
    snprintf(wname, sizeof(wname), "/proc/self/fd/%d", p[1]);
    int w2 = open(wname, O_WRONLY);          /* as `echo x > /dev/stdout` does */
    CHECK(w2 >= 0);
    CHECK_EQ(write(w2, "via", 3), 3);
    int r2 = open(rname, O_RDONLY);          /* as `cat /dev/stdin` does */
    CHECK(r2 >= 0);
    CHECK_EQ(read(r2, got, sizeof(got) - 1), 3);
    CHECK_STR(got, "via");
    struct stat st;
    CHECK_EQ(fstat(r2, &st), 0);
    CHECK(S_ISFIFO(st.st_mode));
    close(w2);
    close(p[1]);
    CHECK_EQ(read(r2, got, 1), 0);          /* every writer gone: end of file */
    close(r2);
    close(p[0]);
}

int main(int argc, char **argv)
{
    snprintf(self_argv0, sizeof(self_argv0), "%s", argv[0] ? argv[0] : "");
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (self_cmdline_len + l > sizeof(self_cmdline))
            break;
        memcpy(self_cmdline + self_cmdline_len, argv[i], l);
        self_cmdline_len += l;
    }
    return tl_run_all(argv[0] ? argv[0] : "procfs");
}
