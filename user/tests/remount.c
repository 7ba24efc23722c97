/* mount(MS_REMOUNT) of an ext2 filesystem, as Linux does it: read-only writes the
 * data back and marks the superblock clean, then writes answer EROFS; EBUSY while
 * a file is open for writing; read-write again marks it in use; nosuid, nodev,
 * noexec and noatime change on a remount (statfs f_flags, /proc/self/mounts;
 * execve on a noexec mount is EACCES) and atime flags not named are kept. Needs a writable ext2 disk named by
 * OSC_EXT2_DEV (tests/qemu/ext2_write.py; on the host a loop device); without it
 * the disk tests print a note and pass. */

#include "testlib.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

/* statfs f_flags bits (linux/statfs.h ST_*). */
#define F_RDONLY  0x0001
#define F_NOSUID  0x0002
#define F_NODEV   0x0004
#define F_NOEXEC  0x0008
#define F_NOATIME 0x0400

#define EXT2_VALID_FS 1

static char dir[128];

static const char *disk(void)
{
    const char *dev = getenv("OSC_EXT2_DEV");
    if (!dev || !*dev)
        printf("  (no OSC_EXT2_DEV: the remount test did not run)\n");
    return dev && *dev ? dev : NULL;
}

static const char *in(const char *name)
{
    static char buf[2][256];
    static int i;
    i ^= 1;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
    return buf[i];
}

/* s_state of the superblock as the disk holds it (through the block device). */
static int disk_state(const char *dev)
{
    int fd = open(dev, O_RDONLY);
    uint8_t b[2];
    int r = fd >= 0 && pread(fd, b, 2, 1024 + 58) == 2 ? b[0] | b[1] << 8 : -1;
    if (fd >= 0)
        close(fd);
    return r;
}

static long fs_flags(void)
{
    struct statfs sf;
    return statfs(dir, &sf) == 0 ? (long)sf.f_flags : -1;
}

/* The options field of dir's line in /proc/self/mounts ("" when not listed). */
static const char *mount_opts(void)
{
    static char line[512], opts[300];
    opts[0] = 0;
    FILE *f = fopen("/proc/self/mounts", "r");
    if (!f)
        return opts;
    while (fgets(line, sizeof(line), f)) {
        char src[128], mnt[128], type[32], o[256];
        if (sscanf(line, "%127s %127s %31s %255s", src, mnt, type, o) == 4 &&
            strcmp(mnt, dir) == 0)
            snprintf(opts, sizeof(opts), ",%s,", o);
    }
    fclose(f);
    return opts;
}

static bool has_opt(const char *o)
{
    char want[64];
    snprintf(want, sizeof(want), ",%s,", o);
    return strstr(mount_opts(), want) != NULL;
}

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    return close(fd) == 0 && n == (ssize_t)strlen(text) ? 0 : -1;
}

static bool reads_as(const char *path, const char *text)
{
    char buf[128] = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

__attribute__((constructor(101))) static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/osc-remount-%d", (int)getpid());
}

TEST(remount_of_a_directory_that_is_no_mount_point_is_einval)
{
    REQUIRE(mkdir(dir, 0755) == 0);
    CHECK_ERR(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), EINVAL);
    CHECK_EQ(rmdir(dir), 0);
}

TEST(remount_read_only_writes_back_marks_clean_and_refuses_writes)
{
    const char *dev = disk();
    if (!dev)
        return;
    REQUIRE(mkdir(dir, 0755) == 0);
    REQUIRE(mount(dev, dir, "ext2", 0, NULL) == 0);
    CHECK_EQ(disk_state(dev) & EXT2_VALID_FS, 0);           /* in use */
    CHECK_EQ(write_text(in("remount.txt"), "written while read-write\n"), 0);
    CHECK_EQ(mkdir(in("remount.d"), 0755), 0);
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
    CHECK_EQ(disk_state(dev) & EXT2_VALID_FS, EXT2_VALID_FS);   /* clean */
    CHECK(fs_flags() & F_RDONLY);
    CHECK(has_opt("ro"));
    CHECK_ERR(open(in("remount.txt"), O_WRONLY), EROFS);
    CHECK_ERR(open(in("new.txt"), O_WRONLY | O_CREAT, 0644), EROFS);
    CHECK_ERR(unlink(in("remount.txt")), EROFS);
    CHECK_ERR(rmdir(in("remount.d")), EROFS);
    CHECK(reads_as(in("remount.txt"), "written while read-write\n"));
    /* Read-write again: in use on the disk, writable. */
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT, NULL), 0);
    CHECK_EQ(fs_flags() & F_RDONLY, 0);
    CHECK(has_opt("rw"));
    CHECK_EQ(disk_state(dev) & EXT2_VALID_FS, 0);
    CHECK_EQ(write_text(in("remount.txt"), "again\n"), 0);
    CHECK(reads_as(in("remount.txt"), "again\n"));
    CHECK_EQ(unlink(in("remount.txt")), 0);
    CHECK_EQ(rmdir(in("remount.d")), 0);
    CHECK_EQ(umount2(dir, 0), 0);
    CHECK_EQ(disk_state(dev) & EXT2_VALID_FS, EXT2_VALID_FS);
    rmdir(dir);
}

TEST(remount_read_only_is_ebusy_while_a_file_is_open_for_writing)
{
    const char *dev = disk();
    if (!dev)
        return;
    REQUIRE(mkdir(dir, 0755) == 0);
    REQUIRE(mount(dev, dir, "ext2", 0, NULL) == 0);
    int fd = open(in("busy.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_ERR(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
    CHECK_EQ(fs_flags() & F_RDONLY, 0);                     /* still read-write */
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    int rfd = open(in("busy.txt"), O_RDONLY);               /* readers do not count */
    CHECK(rfd >= 0);
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
    CHECK(fs_flags() & F_RDONLY);
    close(rfd);
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT, NULL), 0);
    CHECK_EQ(unlink(in("busy.txt")), 0);
    CHECK_EQ(umount2(dir, 0), 0);
    rmdir(dir);
}

/* Runs path in a child: its exit status, or 1000 + errno when execve failed. */
static int run(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = { (char *)path, NULL }, *envp[] = { NULL };
        execve(path, argv, envp);
        _exit(errno == EACCES ? 201 : 200);
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st) == 201 ? 1000 + EACCES : WEXITSTATUS(st);
}

TEST(remount_changes_nosuid_nodev_noexec_noatime_and_keeps_unnamed_atime_flags)
{
    const char *dev = disk();
    if (!dev)
        return;
    REQUIRE(mkdir(dir, 0755) == 0);
    REQUIRE(mount(dev, dir, "ext2", 0, NULL) == 0);
    long f = fs_flags();
    CHECK(f >= 0 && !(f & (F_NOSUID | F_NODEV | F_NOEXEC | F_NOATIME)));
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME,
                   NULL), 0);
    f = fs_flags();
    CHECK_EQ(f & (F_NOSUID | F_NODEV | F_NOEXEC | F_NOATIME | F_RDONLY),
             F_NOSUID | F_NODEV | F_NOEXEC | F_NOATIME);
    CHECK(has_opt("rw") && has_opt("nosuid") && has_opt("nodev") && has_opt("noexec") &&
          has_opt("noatime"));
    CHECK_EQ(write_text(in("prog.sh"), "#!/bin/sh\nexit 7\n"), 0);
    CHECK_EQ(chmod(in("prog.sh"), 0755), 0);
    CHECK_EQ(run(in("prog.sh")), 1000 + EACCES);           /* noexec */
    /* Flags not given are cleared; noatime, an atime flag, stays when none is named. */
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT | MS_NODEV, NULL), 0);
    f = fs_flags();
    CHECK_EQ(f & (F_NOSUID | F_NODEV | F_NOEXEC | F_NOATIME), F_NODEV | F_NOATIME);
    CHECK(!has_opt("nosuid") && has_opt("nodev") && !has_opt("noexec") && has_opt("noatime"));
    CHECK_EQ(run(in("prog.sh")), 7);                       /* runs again */
    CHECK_EQ(unlink(in("prog.sh")), 0);
    CHECK_EQ(mount(NULL, dir, NULL, MS_REMOUNT | MS_RELATIME, NULL), 0);
    f = fs_flags();
    CHECK_EQ(f & (F_NOSUID | F_NODEV | F_NOEXEC | F_NOATIME), 0);
    CHECK(has_opt("relatime") && !has_opt("noatime"));
    CHECK_EQ(umount2(dir, 0), 0);
    rmdir(dir);
}
