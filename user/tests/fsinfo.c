/* Filesystem information and anonymous files: statfs/fstatfs/statvfs of the mounted
 * filesystems (Linux magic numbers, sizes that move with real use on tmpfs), and
 * memfd_create with ftruncate, read/write, MAP_SHARED and file seals. */
#define _GNU_SOURCE
#include "../lib/testlib.h"
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#define TMPFS_MAGIC      0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC      0x62656572
#define PIPEFS_MAGIC     0x50495045
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* Raw statfs: no libc wrapper may hide a missing system call. */
static long sys_statfs(const char *path, struct statfs *st)
{
    return syscall(SYS_statfs, path, st);
}

TEST(statfs_proc_and_sys_report_linux_magics)
{
    struct statfs st;
    memset(&st, 0xff, sizeof(st));
    REQUIRE(sys_statfs("/proc", &st) == 0);
    CHECK_EQ(st.f_type, PROC_SUPER_MAGIC);
    CHECK_EQ(st.f_namelen, 255);
    CHECK(st.f_bsize > 0);
    memset(&st, 0xff, sizeof(st));
    REQUIRE(sys_statfs("/sys", &st) == 0);
    CHECK_EQ(st.f_type, SYSFS_MAGIC);
    memset(&st, 0xff, sizeof(st));
    REQUIRE(sys_statfs("/dev", &st) == 0);
    CHECK_EQ(st.f_type, TMPFS_MAGIC);           /* devtmpfs reports tmpfs's magic */
    CHECK(st.f_blocks > 0);
}

TEST(statfs_root_has_sizes_and_names_up_to_255)
{
    struct statfs st;
    memset(&st, 0, sizeof(st));
    REQUIRE(sys_statfs("/", &st) == 0);
    CHECK(st.f_type != 0);
    CHECK(st.f_bsize >= 512);
    CHECK(st.f_frsize >= 512);
    CHECK(st.f_blocks > 0);
    CHECK(st.f_bfree <= st.f_blocks);
    CHECK(st.f_bavail <= st.f_bfree);
    CHECK(st.f_ffree <= st.f_files);
    CHECK_EQ(st.f_namelen, 255);
}

/* On a tmpfs, the free block count is the memory the files really hold. /tmp is
 * one in OSCortex; a host whose /tmp is not may have /dev/shm. */
TEST(tmpfs_free_blocks_follow_file_data)
{
    struct statfs before, during, after;
    const char *dir = "/tmp";
    REQUIRE(sys_statfs(dir, &before) == 0);
    if (before.f_type != TMPFS_MAGIC) {
        dir = "/dev/shm";
        if (sys_statfs(dir, &before) != 0 || before.f_type != TMPFS_MAGIC) {
            printf("  no writable tmpfs here: sizes not checked\n");
            return;
        }
    }
    char path[64];
    snprintf(path, sizeof(path), "%s/fsinfo.%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    static char buf[1 << 20];
    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(write(fd, buf, sizeof(buf)), (long)sizeof(buf));
    REQUIRE(sys_statfs(dir, &during) == 0);
    long pages = (long)sizeof(buf) / during.f_bsize;
    CHECK(during.f_blocks > (unsigned long)pages);
    /* Generous bounds: other programs may use the filesystem at the same time. */
    CHECK((long)(before.f_bfree - during.f_bfree) >= pages / 2);
    CHECK(during.f_ffree < before.f_ffree + 8);
    close(fd);
    unlink(path);
    REQUIRE(sys_statfs(dir, &after) == 0);
    CHECK((long)(after.f_bfree - during.f_bfree) >= pages / 2);
}

/* st_blocks counts what a file holds, not its size: a hole costs nothing (du and
 * cp --sparse rely on it). On host Linux /tmp may be a disk: only tmpfs is checked. */
TEST(tmpfs_st_blocks_skip_holes)
{
    struct statfs sfs;
    const char *dir = "/tmp";
    if (sys_statfs(dir, &sfs) != 0 || sfs.f_type != TMPFS_MAGIC) {
        dir = "/dev/shm";
        if (sys_statfs(dir, &sfs) != 0 || sfs.f_type != TMPFS_MAGIC) {
            printf("  no writable tmpfs here: blocks not checked\n");
            return;
        }
    }
    char path[64];
    snprintf(path, sizeof(path), "%s/fsinfo-sparse.%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    struct stat st;
    CHECK(ftruncate(fd, 1 << 20) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 1 << 20);
    CHECK_EQ((long)st.st_blocks, 0L);
    CHECK(pwrite(fd, "x", 1, 512 * 1024) == 1);
    CHECK(fstat(fd, &st) == 0);
    CHECK_EQ((long)st.st_blocks, 8L);          /* one 4 KiB page in 512-byte units */
    static char page[8192];
    CHECK(pwrite(fd, page, sizeof(page), 0) == (ssize_t)sizeof(page));
    CHECK(fstat(fd, &st) == 0);
    CHECK_EQ((long)st.st_blocks, 24L);
    close(fd);
    unlink(path);
}

TEST(fstatfs_matches_statfs_and_knows_pipes)
{
    struct statfs a, b;
    int fd = open("/proc/self/stat", O_RDONLY);
    REQUIRE(fd >= 0);
    REQUIRE(syscall(SYS_fstatfs, fd, &a) == 0);
    REQUIRE(sys_statfs("/proc/self/stat", &b) == 0);
    CHECK_EQ(a.f_type, PROC_SUPER_MAGIC);
    CHECK_EQ(b.f_type, PROC_SUPER_MAGIC);
    close(fd);
    int p[2];
    REQUIRE(pipe(p) == 0);
    REQUIRE(syscall(SYS_fstatfs, p[0], &a) == 0);
    CHECK_EQ(a.f_type, PIPEFS_MAGIC);
    close(p[0]);
    close(p[1]);
}

TEST(statfs_errors)
{
    struct statfs st;
    CHECK_ERR(sys_statfs("/no/such/dir", &st), ENOENT);
    CHECK_ERR(sys_statfs("/proc", (struct statfs *)8), EFAULT);
    CHECK_ERR(syscall(SYS_fstatfs, -1, &st), EBADF);
    CHECK_ERR(syscall(SYS_fstatfs, 1000, &st), EBADF);
}

TEST(statvfs_works_on_top)
{
    struct statvfs sv;
    REQUIRE(statvfs("/proc", &sv) == 0);
    CHECK_EQ(sv.f_namemax, 255);
    REQUIRE(statvfs("/", &sv) == 0);
    CHECK(sv.f_blocks > 0);
    CHECK(sv.f_frsize > 0);
    CHECK(!(sv.f_flag & ST_RDONLY));
}

/* ---- memfd ---- */

static int mfd(const char *name, unsigned flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

TEST(memfd_is_an_anonymous_regular_file)
{
    int fd = mfd("osc-test", MFD_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    char link[64], target[128] = "";
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    CHECK(n > 0);
    CHECK_STR(target, "/memfd:osc-test (deleted)");
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(write(fd, "hello", 5), 5);
    char buf[8] = "";
    CHECK_EQ(pread(fd, buf, 5, 0), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(ftruncate(fd, 10000), 0);
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_size, 10000);
    struct statfs sf;
    REQUIRE(syscall(SYS_fstatfs, fd, &sf) == 0);
    CHECK_EQ(sf.f_type, TMPFS_MAGIC);
    int plain = mfd("plain", 0);
    REQUIRE(plain >= 0);
    CHECK_EQ(fcntl(plain, F_GETFD), 0);
    close(plain);
    close(fd);
}

TEST(memfd_shared_mapping_and_io_see_one_set_of_bytes)
{
    int fd = mfd("map", 0);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 8192) == 0);
    unsigned char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(m != MAP_FAILED);
    m[4100] = 'M';
    char c = 0;
    CHECK_EQ(pread(fd, &c, 1, 4100), 1);
    CHECK_EQ(c, 'M');
    CHECK_EQ(pwrite(fd, "W", 1, 10), 1);
    CHECK_EQ(m[10], 'W');
    /* A second mapping (as another process would make) shares them too. */
    unsigned char *m2 = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(m2 != MAP_FAILED);
    CHECK_EQ(m2[4100], 'M');
    munmap(m2, 8192);
    munmap(m, 8192);
    close(fd);
}

/* Written, mapped and closed: the memfd's frames all come back (OSCortex counts). */
static void memfd_round_trip(void)
{
    int fd = mfd("frames", 0);
    if (fd < 0)
        return;
    static char buf[16384];
    memset(buf, 'f', sizeof(buf));
    for (int i = 0; i < 8; i++)
        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
            break;
    unsigned char *m = mmap(NULL, 8 * sizeof(buf), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m != MAP_FAILED) {
        m[0] = 'm';
        munmap(m, 8 * sizeof(buf));
    }
    close(fd);
}

TEST(memfd_frames_return_when_closed)
{
    int fd = mfd("frames", 0);
    REQUIRE(fd >= 0);
    close(fd);
    CHECK_FRAMES_RETURN(memfd_round_trip(), 4);
}

TEST(memfd_flags_and_name_are_checked)
{
    CHECK_ERR(mfd("x", 0x100), EINVAL);
    char name[300];
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = 0;
    CHECK_ERR(mfd(name, 0), EINVAL);            /* longer than 249 bytes */
    name[249] = 0;
    int fd = mfd(name, 0);
    CHECK(fd >= 0);
    close(fd);
    CHECK_ERR(mfd((const char *)8, 0), EFAULT);
}

TEST(memfd_without_allow_sealing_is_sealed_shut)
{
    int fd = mfd("nosealing", 0);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
    CHECK_EQ(write(fd, "ok", 2), 2);
    close(fd);
    /* Seals are a memfd (shmem) thing: a pipe has none. */
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_ERR(fcntl(p[0], F_GET_SEALS), EINVAL);
    close(p[0]);
    close(p[1]);
}

TEST(memfd_shrink_and_grow_seals_refuse_size_changes)
{
    int fd = mfd("sizes", MFD_ALLOW_SEALING);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), 0);
    REQUIRE(ftruncate(fd, 4096) == 0);
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
    CHECK_ERR(ftruncate(fd, 100), EPERM);
    CHECK_EQ(ftruncate(fd, 8192), 0);
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
    CHECK_ERR(ftruncate(fd, 9000), EPERM);
    CHECK_ERR(pwrite(fd, "x", 1, 8192), EPERM);                /* past the end */
    CHECK_EQ(pwrite(fd, "x", 1, 8191), 1);                     /* inside: fine */
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, 0x8000), EINVAL);
    close(fd);
}

TEST(memfd_write_seal_needs_no_writable_mapping_then_stops_writes)
{
    int fd = mfd("write", MFD_ALLOW_SEALING);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 4096) == 0);
    unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(m != MAP_FAILED);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
    REQUIRE(munmap(m, 4096) == 0);
    /* A private mapping does not count (a read-only shared one of an O_RDWR file
     * would: it may become writable). */
    unsigned char *cow = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(cow != MAP_FAILED);
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
    CHECK_ERR(write(fd, "x", 1), EPERM);
    CHECK_ERR(pwrite(fd, "x", 1, 0), EPERM);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EPERM);
    unsigned char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(ro != MAP_FAILED);
    CHECK(mprotect(ro, 4096, PROT_READ | PROT_WRITE) != 0);   /* may not become writable */
    unsigned char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(priv != MAP_FAILED);
    if (priv != MAP_FAILED) {
        priv[0] = 'p';                          /* a private copy: allowed */
        munmap(priv, 4096);
    }
    CHECK_EQ(ftruncate(fd, 8192), 0);           /* WRITE alone does not fix the size */
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
    CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_SEAL);
    munmap(ro, 4096);
    munmap(cow, 4096);
    close(fd);
}

TEST(memfd_future_write_seal_keeps_existing_mappings_writable)
{
    int fd = mfd("future", MFD_ALLOW_SEALING);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 4096) == 0);
    unsigned char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(m != MAP_FAILED);
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
    m[0] = 'F';                                 /* the old mapping still writes */
    char c = 0;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, 'F');
    CHECK_ERR(write(fd, "x", 1), EPERM);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EPERM);
    munmap(m, 4096);
    close(fd);
}

TEST(memfd_noexec_seal_keeps_execute_bits_off)
{
    int fd = mfd("noexec", MFD_NOEXEC_SEAL);
    REQUIRE(fd >= 0);
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_mode & 0777, 0666);
    CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);     /* sealing stays allowed */
    CHECK_ERR(fchmod(fd, 0777), EPERM);
    CHECK_EQ(fchmod(fd, 0600), 0);                     /* only x is sealed */
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
    close(fd);
    fd = mfd("exec", MFD_ALLOW_SEALING);
    REQUIRE(fd >= 0);
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ(st.st_mode & 0777, 0777);
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC), 0);
    CHECK_ERR(fchmod(fd, 0666), EPERM);
    close(fd);
}

/* A plain file: tmpfs (shmem) files carry F_SEAL_SEAL from birth; other
 * filesystems know no seals. /dev/shm is a tmpfs on most hosts, /tmp in OSCortex. */
TEST(plain_files_answer_seal_queries_as_their_filesystem_does)
{
    char path[64];
    struct statfs shm;
    const char *dir = sys_statfs("/dev/shm", &shm) == 0 && shm.f_type == TMPFS_MAGIC
                      ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof(path), "%s/fsinfo-seal.%d", dir, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    struct statfs st;
    REQUIRE(syscall(SYS_fstatfs, fd, &st) == 0);
    if (st.f_type == TMPFS_MAGIC) {
        CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
        CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
    } else {
        CHECK_ERR(fcntl(fd, F_GET_SEALS), EINVAL);
        CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EINVAL);
    }
    close(fd);
    unlink(path);
}
