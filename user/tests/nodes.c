/* Special nodes and the calls busybox's own testsuite makes on them: mknod/mkfifo
 * (regular, device and FIFO nodes), named pipes (blocking and non-blocking opens,
 * data between processes, O_RDWR), chroot, fchown and lchown. Works in
 * /tmp/nodes.PID; device nodes, chroot and chown need root (as on Linux). */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

static char dir[64];

/* dir/name, in one of four rotating buffers. */
static const char *at(const char *name)
{
    static char paths[4][128];
    static int next;
    char *path = paths[next++ % 4];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/nodes.%d", (int)getpid());
        mkdir(dir, 0755);
    }
    snprintf(path, 128, "%s/%s", dir, name);
    return path;
}

__attribute__((destructor)) static void cleanup(void)
{
    static const char *const names[] = { "fifo", "fifo2", "fifo3", "fifo4", "reg", "chr",
                                         "blk", "exists", "owned", "link", "root/marker",
                                         "root" };
    if (!dir[0])
        return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        unlink(at(names[i]));
        rmdir(at(names[i]));
    }
    rmdir(dir);
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

TEST(mkfifo_makes_a_fifo_node_once)
{
    struct stat st;
    REQUIRE(mkfifo(at("fifo"), 0640) == 0);
    REQUIRE(stat(at("fifo"), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0640 & ~022);
    CHECK_ERR(mkfifo(at("fifo"), 0600), EEXIST);
}

TEST(mknod_makes_regular_files_and_refuses_directories)
{
    struct stat st;
    REQUIRE(mknod(at("reg"), S_IFREG | 0644, 0) == 0);
    REQUIRE(stat(at("reg"), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 0);
    CHECK_ERR(mknod(at("exists"), S_IFDIR | 0755, 0), EPERM);
    CHECK_ERR(mknod(at("exists"), 0170000 | 0644, 0), EINVAL);
    CHECK_ERR(mknod(at("reg"), S_IFIFO | 0644, 0), EEXIST);
}

TEST(mknod_device_nodes_keep_their_numbers)
{
    if (geteuid() != 0)
        return;                     /* CAP_MKNOD */
    struct stat st;
    REQUIRE(mknod(at("chr"), S_IFCHR | 0600, makedev(1, 3)) == 0);
    REQUIRE(stat(at("chr"), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), 3);
    REQUIRE(mknodat(AT_FDCWD, at("blk"), S_IFBLK | 0660, makedev(8, 300)) == 0);
    REQUIRE(lstat(at("blk"), &st) == 0);
    CHECK(S_ISBLK(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 8);
    CHECK_EQ(minor(st.st_rdev), 300);
}

TEST(fifo_nonblocking_write_open_needs_a_reader)
{
    REQUIRE(mkfifo(at("fifo2"), 0600) == 0);
    CHECK_ERR(open(at("fifo2"), O_WRONLY | O_NONBLOCK), ENXIO);
    int r = open(at("fifo2"), O_RDONLY | O_NONBLOCK);
    REQUIRE(r >= 0);
    int w = open(at("fifo2"), O_WRONLY | O_NONBLOCK);
    CHECK(w >= 0);
    CHECK_EQ(write(w, "abc", 3), 3);
    char buf[8] = { 0 };
    CHECK_EQ(read(r, buf, sizeof buf), 3);
    CHECK_STR(buf, "abc");
    CHECK_ERR(read(r, buf, sizeof buf), EAGAIN);    /* a writer is still there */
    struct stat st;
    CHECK(fstat(r, &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK_ERR(lseek(r, 0, SEEK_SET), ESPIPE);
    close(w);
    CHECK_EQ(read(r, buf, sizeof buf), 0);          /* every writer gone: EOF */
    close(r);
    CHECK_ERR(open(at("fifo2"), O_WRONLY | O_NONBLOCK), ENXIO);
}

TEST(fifo_blocking_opens_meet_and_carry_data_between_processes)
{
    REQUIRE(mkfifo(at("fifo3"), 0600) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        pause_ms(200);              /* the parent is blocked in open by now */
        int w = open(at("fifo3"), O_WRONLY);
        _exit(w >= 0 && write(w, "hello", 5) == 5 ? 0 : 1);
    }
    /* Blocks until the child opens the write end; an open that did not wait would
     * see no writer and read EOF at once. */
    int r = open(at("fifo3"), O_RDONLY);
    REQUIRE(r >= 0);
    char buf[16] = { 0 };
    size_t got = 0;
    ssize_t n;
    while ((n = read(r, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    CHECK_EQ(n, 0);
    CHECK_STR(buf, "hello");
    close(r);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(fifo_read_write_open_does_not_block)
{
    REQUIRE(mkfifo(at("fifo4"), 0600) == 0);
    int fd = open(at("fifo4"), O_RDWR);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(fd, "xy", 2), 2);
    char buf[4] = { 0 };
    CHECK_EQ(read(fd, buf, sizeof buf), 2);
    CHECK_STR(buf, "xy");
    close(fd);
}

TEST(chroot_changes_what_slash_names_in_a_child)
{
    if (geteuid() != 0)
        return;                     /* CAP_SYS_CHROOT */
    REQUIRE(mkdir(at("root"), 0755) == 0);
    int fd = open(at("root/marker"), O_WRONLY | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    close(fd);
    CHECK_ERR(chroot(at("root/marker")), ENOTDIR);
    CHECK_ERR(chroot(at("missing")), ENOENT);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int bad = 0;
        if (chroot(at("root")) != 0)
            _exit(10);
        if (chdir("/") != 0)
            bad |= 1;
        if (access("/marker", F_OK) != 0)
            bad |= 2;
        if (access("/../../marker", F_OK) != 0)   /* ".." stops at the new root */
            bad |= 4;
        char cwd[64];
        if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/") != 0)
            bad |= 8;
        if (access("/tmp", F_OK) == 0)            /* the old tree is out of reach */
            bad |= 16;
        _exit(bad);
    }
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    CHECK_EQ(access(at("root/marker"), F_OK), 0);   /* the parent's root is unchanged */
}

TEST(fchown_and_lchown_change_owners)
{
    if (geteuid() != 0)
        return;                     /* CAP_CHOWN */
    int fd = open(at("owned"), O_WRONLY | O_CREAT, 0644);
    REQUIRE(fd >= 0);
    CHECK_EQ(fchown(fd, 1234, 5678), 0);
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_uid, 1234);
    CHECK_EQ(st.st_gid, 5678);
    CHECK_EQ(fchown(fd, -1, 42), 0);               /* -1 keeps the owner */
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_uid, 1234);
    CHECK_EQ(st.st_gid, 42);
    close(fd);
    CHECK_ERR(fchown(-1, 0, 0), EBADF);
    REQUIRE(symlink("owned", at("link")) == 0);
    CHECK_EQ(lchown(at("link"), 77, 88), 0);
    REQUIRE(lstat(at("link"), &st) == 0);
    CHECK_EQ(st.st_uid, 77);
    CHECK_EQ(st.st_gid, 88);
    REQUIRE(stat(at("owned"), &st) == 0);          /* the target is untouched */
    CHECK_EQ(st.st_uid, 1234);
}
