/* File descriptors: lowest free number, dup/dup2/dup3/F_DUPFD semantics, shared
 * offsets, close-on-exec flags, EBADF. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <sys/syscall.h>

static int open_null(void)
{
    /* Any readable file will do; / is always there. */
    return open("/", O_RDONLY | O_DIRECTORY);
}

static int scratch(void)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fds.%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0)
        unlink(path);
    return fd;
}

TEST(open_returns_the_lowest_free_descriptor)
{
    int a = open_null(), b = open_null(), c = open_null();
    REQUIRE(a >= 0 && b >= 0 && c >= 0);
    CHECK(a < b && b < c);
    CHECK_EQ(close(b), 0);
    int d = open_null();
    CHECK_EQ(d, b);
    close(a), close(c), close(d);
}

TEST(dup_returns_the_lowest_free_descriptor)
{
    int a = open_null(), b = open_null();
    REQUIRE(a >= 0 && b >= 0);
    close(a);
    CHECK_EQ(dup(b), a);
    close(a), close(b);
}

TEST(dup_shares_the_file_offset)
{
    int a = scratch();
    REQUIRE(a >= 0);
    CHECK_EQ(write(a, "abcdef", 6), 6);
    int b = dup(a);
    REQUIRE(b >= 0);
    CHECK_EQ(lseek(a, 2, SEEK_SET), 2);
    CHECK_EQ(lseek(b, 0, SEEK_CUR), 2);
    char c;
    CHECK_EQ(read(b, &c, 1), 1);
    CHECK_EQ(c, 'c');
    CHECK_EQ(lseek(a, 0, SEEK_CUR), 3);
    close(a);
    /* The open file lives on through the other descriptor. */
    CHECK_EQ(read(b, &c, 1), 1);
    CHECK_EQ(c, 'd');
    close(b);
}

TEST(dup_clears_close_on_exec)
{
    int a = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(a >= 0);
    int b = dup(a);
    CHECK_EQ(fcntl(b, F_GETFD), 0);
    close(a), close(b);
}

TEST(dup2_onto_an_open_descriptor_replaces_it)
{
    int a = scratch(), b = scratch();
    REQUIRE(a >= 0 && b >= 0);
    CHECK_EQ(write(a, "A", 1), 1);
    CHECK_EQ(dup2(a, b), b);
    CHECK_EQ(lseek(b, 0, SEEK_CUR), 1);        /* b is now a's file */
    CHECK_EQ(dup2(a, a), a);                   /* same fd: no-op, returns it */
    CHECK_EQ(dup2(a, 200), 200);               /* far above the current table */
    CHECK_EQ(lseek(200, 0, SEEK_CUR), 1);
    close(200);
    close(a), close(b);
}

TEST(dup2_and_dup3_errors)
{
    int a = open_null();
    REQUIRE(a >= 0);
    CHECK_ERR(dup2(9999, a), EBADF);
    CHECK_ERR(dup2(a, -1), EBADF);
    CHECK_ERR(dup3(a, a, 0), EINVAL);          /* dup3 refuses oldfd == newfd */
    CHECK_ERR(syscall(SYS_dup3, a, a + 1, 12345), EINVAL);  /* unknown flags (raw: musl drops them) */
    close(a);
}

TEST(dup3_sets_close_on_exec)
{
    int a = open_null();
    REQUIRE(a >= 0);
    int b = a + 10;
    CHECK_EQ(dup3(a, b, O_CLOEXEC), b);
    CHECK_EQ(fcntl(b, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(a, F_GETFD), 0);
    close(a), close(b);
}

TEST(fcntl_dupfd_respects_the_minimum)
{
    int a = open_null();
    REQUIRE(a >= 0);
    int b = fcntl(a, F_DUPFD, 50);
    CHECK(b >= 50);
    int c = fcntl(a, F_DUPFD_CLOEXEC, 60);
    CHECK(c >= 60);
    CHECK_EQ(fcntl(c, F_GETFD), FD_CLOEXEC);
    close(a), close(b), close(c);
}

TEST(closed_and_invalid_descriptors_are_ebadf)
{
    int a = open_null();
    REQUIRE(a >= 0);
    CHECK_EQ(close(a), 0);
    char c;
    CHECK_ERR(close(a), EBADF);
    CHECK_ERR(read(a, &c, 1), EBADF);
    CHECK_ERR(write(a, "x", 1), EBADF);
    CHECK_ERR(read(-1, &c, 1), EBADF);
    CHECK_ERR(fcntl(a, F_GETFD), EBADF);
    CHECK_ERR(dup(a), EBADF);
}

TEST(access_mode_is_enforced)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fds-mode.%d", (int)getpid());
    int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(w >= 0);
    int r = open(path, O_RDONLY);
    unlink(path);
    REQUIRE(r >= 0);
    char c;
    CHECK_ERR(write(r, "x", 1), EBADF);
    CHECK_ERR(read(w, &c, 1), EBADF);
    close(r), close(w);
}

TEST(standard_descriptors_are_open)
{
    CHECK(fcntl(0, F_GETFD) >= 0);
    CHECK(fcntl(1, F_GETFD) >= 0);
    CHECK(fcntl(2, F_GETFD) >= 0);
}

/* An O_PATH descriptor names a file without opening it: no read or write of any
 * kind (a pread through one of a symlink once reached a NULL page store). */
TEST(o_path_descriptors_refuse_every_read_and_write)
{
    char dir[] = "/tmp/opathXXXXXX";
    REQUIRE(mkdtemp(dir));
    char file[64], link[64];
    snprintf(file, sizeof(file), "%s/f", dir);
    snprintf(link, sizeof(link), "%s/l", dir);
    int w = open(file, O_WRONLY | O_CREAT, 0644);
    REQUIRE(w >= 0);
    CHECK_EQ(write(w, "abc", 3), 3);
    close(w);
    CHECK_EQ(symlink(file, link), 0);
    const char *paths[2] = { file, link };
    for (int i = 0; i < 2; i++) {
        int fd = open(paths[i], O_PATH | O_NOFOLLOW);
        CHECK(fd >= 0);
        char b[4];
        CHECK_ERR(read(fd, b, 1), EBADF);
        CHECK_ERR(pread(fd, b, 1, 0), EBADF);
        CHECK_ERR(write(fd, "x", 1), EBADF);
        CHECK_ERR(pwrite(fd, "x", 1, 0), EBADF);
        close(fd);
    }
    unlink(link);
    unlink(file);
    rmdir(dir);
}
