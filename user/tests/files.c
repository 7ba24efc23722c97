/* Files: open/read/write/lseek/fstat/unlink in /tmp, getdents64, rename,
 * symlink/readlink, mkdir/rmdir, O_APPEND, O_EXCL, O_CLOEXEC, statx. Every test works in
 * its own directory /tmp/files.PID.N. */
#define _GNU_SOURCE
#include "testlib.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static char dir[64];

/* A fresh directory for the current test; its path is in `dir`. */
static int fresh_dir(void)
{
    static int n;
    snprintf(dir, sizeof dir, "/tmp/files.%d.%d", (int)getpid(), n++);
    return mkdir(dir, 0755);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes every directory the tests made (they are numbered from 0). */
__attribute__((destructor)) static void remove_dirs(void)
{
    char path[64];
    for (int n = 0;; n++) {
        snprintf(path, sizeof path, "/tmp/files.%d.%d", (int)getpid(), n);
        if (access(path, F_OK) != 0)
            break;
        nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    }
}

/* dir/name, in one of four rotating buffers (calls may nest in one expression). */
static const char *at(const char *name)
{
    static char paths[4][128];
    static int next;
    char *path = paths[next++ % 4];
    snprintf(path, 128, "%s/%s", dir, name);
    return path;
}

static int put(const char *name, const char *text)
{
    int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

TEST(open_write_read_roundtrip)
{
    REQUIRE(fresh_dir() == 0);
    int fd = open(at("a"), O_RDWR | O_CREAT | O_EXCL, 0644);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(fd, "hello, world", 12), 12);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    char buf[32] = { 0 };
    CHECK_EQ(read(fd, buf, sizeof buf), 12);
    CHECK_STR(buf, "hello, world");
    CHECK_EQ(read(fd, buf, sizeof buf), 0);     /* EOF */
    CHECK_EQ(close(fd), 0);
    fd = open(at("a"), O_RDONLY);
    CHECK(fd >= 0);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(read(fd, buf, 5), 5);
    CHECK_STR(buf, "hello");
    close(fd);
}

TEST(lseek_set_cur_end_and_past_end)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "0123456789") == 0);
    int fd = open(at("f"), O_RDWR);
    REQUIRE(fd >= 0);
    CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
    CHECK_EQ(lseek(fd, 2, SEEK_CUR), 5);
    char c = 0;
    CHECK_EQ(read(fd, &c, 1), 1);
    CHECK_EQ(c, '5');
    CHECK_EQ(lseek(fd, -1, SEEK_END), 9);
    CHECK_EQ(lseek(fd, 0, SEEK_END), 10);
    CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
    /* Writing past the end leaves a hole that reads as zeros. */
    CHECK_EQ(lseek(fd, 20, SEEK_SET), 20);
    CHECK_EQ(write(fd, "x", 1), 1);
    char buf[11];
    CHECK_EQ(pread(fd, buf, 11, 10), 11);
    int zeros = 0;
    for (int i = 0; i < 10; i++)
        zeros += buf[i] == 0;
    CHECK_EQ(zeros, 10);
    CHECK_EQ(buf[10], 'x');
    close(fd);
}

TEST(fstat_and_stat_report_type_and_size)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "12345") == 0);
    struct stat st;
    int fd = open(at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 5);
    CHECK(st.st_nlink >= 1);
    close(fd);
    CHECK_EQ(stat(dir, &st), 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK_ERR(stat(at("missing"), &st), ENOENT);
}

TEST(unlink_removes_the_name)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "x") == 0);
    CHECK_EQ(unlink(at("f")), 0);
    CHECK_ERR(open(at("f"), O_RDONLY), ENOENT);
    CHECK_ERR(unlink(at("f")), ENOENT);
}

TEST(unlinked_open_file_stays_readable)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "still here") == 0);
    int fd = open(at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(unlink(at("f")), 0);
    char buf[16] = { 0 };
    CHECK_EQ(read(fd, buf, sizeof buf), 10);
    CHECK_STR(buf, "still here");
    close(fd);
}

TEST(open_errors)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "x") == 0);
    CHECK_ERR(open(at("f"), O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK_ERR(open(at("nope"), O_RDONLY), ENOENT);
    CHECK_ERR(open(at("nodir/f"), O_RDWR | O_CREAT, 0644), ENOENT);
    CHECK_ERR(open(at("f/x"), O_RDONLY), ENOTDIR);
    CHECK_ERR(open(dir, O_WRONLY), EISDIR);
    CHECK_ERR(open(at("f"), O_RDONLY | O_DIRECTORY), ENOTDIR);
}

TEST(o_append_writes_at_the_end)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "abc") == 0);
    int fd = open(at("f"), O_WRONLY | O_APPEND);
    REQUIRE(fd >= 0);
    lseek(fd, 0, SEEK_SET);
    CHECK_EQ(write(fd, "def", 3), 3);
    close(fd);
    fd = open(at("f"), O_RDONLY);
    char buf[8] = { 0 };
    CHECK_EQ(read(fd, buf, sizeof buf), 6);
    CHECK_STR(buf, "abcdef");
    close(fd);
}

TEST(o_trunc_and_ftruncate)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "0123456789") == 0);
    int fd = open(at("f"), O_RDWR);
    REQUIRE(fd >= 0);
    CHECK_EQ(ftruncate(fd, 4), 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 4);
    close(fd);
    fd = open(at("f"), O_RDWR | O_TRUNC);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, 0);
    close(fd);
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

TEST(getdents64_lists_created_files)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("alpha", "1") == 0);
    REQUIRE(put("beta", "2") == 0);
    REQUIRE(mkdir(at("gamma"), 0755) == 0);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    char buf[1024] __attribute__((aligned(8)));
    int seen_alpha = 0, seen_beta = 0, seen_gamma = 0, seen_dot = 0, seen_dotdot = 0, other = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        CHECK(n >= 0);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            CHECK(d->d_reclen > 0 && d->d_reclen % 8 == 0);
            if (d->d_reclen == 0)
                break;
            if (!strcmp(d->d_name, "alpha")) {
                seen_alpha++;
                CHECK_EQ(d->d_type, DT_REG);
            } else if (!strcmp(d->d_name, "beta")) {
                seen_beta++;
            } else if (!strcmp(d->d_name, "gamma")) {
                seen_gamma++;
                CHECK_EQ(d->d_type, DT_DIR);
            }
            else if (!strcmp(d->d_name, "."))
                seen_dot++;
            else if (!strcmp(d->d_name, ".."))
                seen_dotdot++;
            else
                other++;
            CHECK(d->d_ino != 0);
            off += d->d_reclen;
        }
    }
    CHECK_EQ(seen_alpha, 1);
    CHECK_EQ(seen_beta, 1);
    CHECK_EQ(seen_gamma, 1);
    CHECK_EQ(seen_dot, 1);
    CHECK_EQ(seen_dotdot, 1);
    CHECK_EQ(other, 0);
    close(fd);
}

TEST(getdents64_small_buffer_is_einval)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    char buf[4];
    CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof buf), EINVAL);
    close(fd);
}

TEST(readdir_sees_files)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("one", "1") == 0);
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        found += !strcmp(e->d_name, "one");
    CHECK_EQ(found, 1);
    closedir(d);
}

TEST(rename_moves_and_replaces)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("old", "content") == 0);
    REQUIRE(put("victim", "gone") == 0);
    CHECK_EQ(rename(at("old"), at("new")), 0);
    CHECK_ERR(open(at("old"), O_RDONLY), ENOENT);
    CHECK_EQ(rename(at("new"), at("victim")), 0);
    int fd = open(at("victim"), O_RDONLY);
    REQUIRE(fd >= 0);
    char buf[16] = { 0 };
    CHECK_EQ(read(fd, buf, sizeof buf), 7);
    CHECK_STR(buf, "content");
    close(fd);
    CHECK_ERR(rename(at("missing"), at("x")), ENOENT);
}

TEST(symlink_readlink_and_follow)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("target", "via link") == 0);
    CHECK_EQ(symlink("target", at("link")), 0);
    char buf[64];
    memset(buf, 'X', sizeof buf);
    CHECK_EQ(readlink(at("link"), buf, sizeof buf), 6);
    CHECK_EQ(buf[6], 'X');              /* readlink does not NUL-terminate */
    CHECK(memcmp(buf, "target", 6) == 0);
    struct stat st;
    CHECK_EQ(lstat(at("link"), &st), 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(stat(at("link"), &st), 0);
    CHECK(S_ISREG(st.st_mode));
    int fd = open(at("link"), O_RDONLY);
    REQUIRE(fd >= 0);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(read(fd, buf, sizeof buf), 8);
    CHECK_STR(buf, "via link");
    close(fd);
    CHECK_ERR(readlink(at("target"), buf, sizeof buf), EINVAL);
    CHECK_ERR(symlink("x", at("link")), EEXIST);
    CHECK_EQ(symlink("nowhere", at("dangling")), 0);
    CHECK_ERR(open(at("dangling"), O_RDONLY), ENOENT);
}

TEST(mkdir_rmdir)
{
    REQUIRE(fresh_dir() == 0);
    CHECK_EQ(mkdir(at("d"), 0755), 0);
    CHECK_ERR(mkdir(at("d"), 0755), EEXIST);
    REQUIRE(put("d/f", "x") == 0);
    CHECK_ERR(rmdir(at("d")), ENOTEMPTY);
    CHECK_EQ(unlink(at("d/f")), 0);
    CHECK_EQ(rmdir(at("d")), 0);
    CHECK_ERR(rmdir(at("d")), ENOENT);
}

TEST(chdir_and_getcwd)
{
    REQUIRE(fresh_dir() == 0);
    char old[256], now[256];
    REQUIRE(getcwd(old, sizeof old) != NULL);
    CHECK_EQ(chdir(dir), 0);
    CHECK(getcwd(now, sizeof now) != NULL);
    CHECK_STR(now, dir);
    REQUIRE(put("rel", "r") == 0);
    CHECK_EQ(access("rel", F_OK), 0);  /* relative paths resolve from the cwd */
    CHECK_ERR(chdir(at("rel")), ENOTDIR);
    CHECK_EQ(chdir(old), 0);
    CHECK_ERR(syscall(SYS_getcwd, now, 1), ERANGE);
}

TEST(o_cloexec_is_visible_through_fcntl)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "x") == 0);
    int a = open(at("f"), O_RDONLY | O_CLOEXEC);
    int b = open(at("f"), O_RDONLY);
    REQUIRE(a >= 0 && b >= 0);
    CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(b, F_GETFD), 0);
    CHECK_EQ(fcntl(b, F_SETFD, FD_CLOEXEC), 0);
    CHECK_EQ(fcntl(b, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(a, F_GETFL) & O_ACCMODE, O_RDONLY);
    close(a);
    close(b);
}

TEST(utimensat_sets_omits_and_refreshes_times)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "x") == 0);
    struct timespec ts[2] = { { 1000000000, 500 }, { 1200000000, 0 } };
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), ts, 0), 0);
    struct stat st;
    REQUIRE(stat(at("f"), &st) == 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);
    CHECK_EQ(st.st_atim.tv_nsec, 500);
    CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
    struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
    CHECK_EQ(utimensat(AT_FDCWD, at("f"), omit_now, 0), 0);
    REQUIRE(stat(at("f"), &st) == 0);
    CHECK_EQ(st.st_atim.tv_sec, 1000000000);       /* left as it was */
    CHECK(st.st_mtim.tv_sec > 1600000000);          /* now */
    int fd = open(at("f"), O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_EQ(futimens(fd, ts), 0);
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
    close(fd);
    struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
    CHECK_ERR(utimensat(AT_FDCWD, at("f"), bad, 0), EINVAL);
    CHECK_ERR(utimensat(AT_FDCWD, at("missing"), NULL, 0), ENOENT);
}

TEST(sendfile_copies_with_and_without_an_offset)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("src", "0123456789") == 0);
    int in = open(at("src"), O_RDONLY);
    int out = open(at("dst"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(in >= 0 && out >= 0);
    off_t off = 2;
    CHECK_EQ(sendfile(out, in, &off, 3), 3);        /* "234"; in's offset stays 0 */
    CHECK_EQ(off, 5);
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 0);
    CHECK_EQ(sendfile(out, in, NULL, 100), 10);     /* the whole file from offset 0 */
    CHECK_EQ(lseek(in, 0, SEEK_CUR), 10);
    CHECK_EQ(sendfile(out, in, NULL, 100), 0);      /* at end of file */
    close(out);
    char buf[32] = { 0 };
    int r = open(at("dst"), O_RDONLY);
    REQUIRE(r >= 0);
    CHECK_EQ(read(r, buf, sizeof(buf) - 1), 13);
    CHECK_STR(buf, "2340123456789");
    close(r);
    CHECK_ERR(sendfile(out, in, NULL, 1), EBADF);   /* out was closed */
    close(in);
}

/* statx through the raw call (musl has no wrapper): Linux's 256-byte layout. */
struct t_statx_ts { long long tv_sec; unsigned tv_nsec; int pad; };
struct t_statx {
    unsigned stx_mask, stx_blksize;
    unsigned long long stx_attributes;
    unsigned stx_nlink, stx_uid, stx_gid;
    unsigned short stx_mode, spare0;
    unsigned long long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct t_statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    unsigned stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    unsigned long long spare[14];
};
#define T_STATX_BASIC_STATS 0x7ffu
#define T_AT_STATX_DONT_SYNC 0x4000
#define T_AT_STATX_SYNC_TYPE 0x6000

static long t_statx(int dirfd, const char *path, int flags, struct t_statx *sx)
{
    memset(sx, 0xa5, sizeof *sx);
    return syscall(SYS_statx, dirfd, path, flags, T_STATX_BASIC_STATS, sx);
}

TEST(statx_reports_size_mode_nlink_and_times_like_stat)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("f", "twelve bytes") == 0);
    REQUIRE(chmod(at("f"), 0640) == 0);
    struct t_statx sx;
    struct stat st;
    CHECK_EQ(t_statx(AT_FDCWD, at("f"), 0, &sx), 0);
    CHECK_EQ(stat(at("f"), &st), 0);
    CHECK_EQ(sx.stx_mask & T_STATX_BASIC_STATS, T_STATX_BASIC_STATS);
    CHECK_EQ(sx.stx_size, 12);
    CHECK_EQ(sx.stx_mode, S_IFREG | 0640);
    CHECK_EQ(sx.stx_nlink, 1);
    CHECK_EQ(sx.stx_ino, (unsigned long long)st.st_ino);
    CHECK_EQ(sx.stx_blocks, (unsigned long long)st.st_blocks);
    CHECK_EQ(sx.stx_mtime.tv_sec, (long long)st.st_mtim.tv_sec);
    CHECK_EQ(sx.stx_mtime.tv_nsec, (unsigned)st.st_mtim.tv_nsec);
    CHECK_EQ(makedev(sx.stx_dev_major, sx.stx_dev_minor), st.st_dev);
    CHECK_EQ(link(at("f"), at("g")), 0);
    CHECK_EQ(t_statx(AT_FDCWD, at("g"), T_AT_STATX_DONT_SYNC, &sx), 0);
    CHECK_EQ(sx.stx_nlink, 2);
    CHECK_ERR(t_statx(AT_FDCWD, at("missing"), 0, &sx), ENOENT);
    CHECK_ERR(t_statx(AT_FDCWD, at("f"), T_AT_STATX_SYNC_TYPE, &sx), EINVAL);
}

TEST(statx_empty_path_names_the_fd_and_nofollow_stats_the_link)
{
    REQUIRE(fresh_dir() == 0);
    REQUIRE(put("target", "0123456789") == 0);
    CHECK_EQ(symlink("target", at("link")), 0);
    int fd = open(at("target"), O_RDONLY);
    REQUIRE(fd >= 0);
    struct t_statx sx;
    CHECK_EQ(t_statx(fd, "", AT_EMPTY_PATH, &sx), 0);
    CHECK_EQ(sx.stx_size, 10);
    CHECK(S_ISREG(sx.stx_mode));
    CHECK_ERR(t_statx(fd, "", 0, &sx), ENOENT);
    close(fd);
    CHECK_ERR(t_statx(fd, "", AT_EMPTY_PATH, &sx), EBADF);
    CHECK_EQ(t_statx(AT_FDCWD, at("link"), AT_SYMLINK_NOFOLLOW, &sx), 0);
    CHECK(S_ISLNK(sx.stx_mode));
    CHECK_EQ(sx.stx_size, 6);                   /* strlen("target") */
    CHECK_EQ(t_statx(AT_FDCWD, at("link"), 0, &sx), 0);
    CHECK(S_ISREG(sx.stx_mode));
    CHECK_EQ(sx.stx_size, 10);
}
