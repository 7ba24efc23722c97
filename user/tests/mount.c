/* mount(2), umount2(2), statfs and /proc/self/mounts: the errors any root process
 * can check (unknown type, a source that is no block device, a missing target, a
 * directory that is no mount point, bad flags), and, on a disk the harness names in
 * OSC_EXT2_DEV (tests/qemu/ext2.py: an ext2 image holding small.txt), a real
 * read-only mount: statfs, EROFS, EBUSY while a file is open, unmount. Without
 * OSC_EXT2_DEV (the host, the normal suite) those print a note and pass. */

#include "testlib.h"
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define EXT2_SUPER_MAGIC 0xEF53
#define ST_RDONLY_FLAG   1       /* ST_RDONLY (<sys/statvfs.h>), a statfs f_flags bit */

static const char *scratch(const char *name)
{
    static char buf[128];
    snprintf(buf, sizeof(buf), "/tmp/osc-mount-%d-%s", (int)getpid(), name);
    return buf;
}

TEST(mount_of_an_unknown_filesystem_type_is_enodev)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s", scratch("d1"));
    REQUIRE(mkdir(dir, 0755) == 0);
    CHECK_ERR(mount("none", dir, "no-such-fs-type", MS_RDONLY, NULL), ENODEV);
    rmdir(dir);
}

TEST(mount_from_a_regular_file_is_enotblk)
{
    char dir[128], file[128];
    snprintf(dir, sizeof(dir), "%s", scratch("d2"));
    snprintf(file, sizeof(file), "%s", scratch("f2"));
    REQUIRE(mkdir(dir, 0755) == 0);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    REQUIRE(fd >= 0);
    close(fd);
    CHECK_ERR(mount(file, dir, "ext2", MS_RDONLY, NULL), ENOTBLK);
    CHECK_ERR(mount("/dev/null", dir, "ext2", MS_RDONLY, NULL), ENOTBLK);
    unlink(file);
    rmdir(dir);
}

TEST(mount_on_a_missing_target_is_enoent)
{
    CHECK_ERR(mount("none", scratch("missing/x"), "ext2", MS_RDONLY, NULL), ENOENT);
}

TEST(umount_of_a_directory_that_is_no_mount_point_is_einval)
{
    char dir[128];
    snprintf(dir, sizeof(dir), "%s", scratch("d3"));
    REQUIRE(mkdir(dir, 0755) == 0);
    CHECK_ERR(umount2(dir, 0), EINVAL);
    CHECK_ERR(umount2(dir, 0x100), EINVAL);             /* unknown flag */
    CHECK_ERR(umount2(scratch("missing"), 0), ENOENT);
    rmdir(dir);
}

TEST(proc_self_mounts_lists_proc)
{
    FILE *f = fopen("/proc/self/mounts", "r");
    REQUIRE(f != NULL);
    char line[512];
    int found = 0;
    while (fgets(line, sizeof(line), f))
        found |= strstr(line, " /proc proc ") != NULL;
    fclose(f);
    CHECK(found);
}

TEST(an_ext2_disk_mounts_read_only_and_unmounts_when_idle)
{
    const char *dev = getenv("OSC_EXT2_DEV");
    if (!dev) {
        printf("  (no OSC_EXT2_DEV: the ext2 mount test did not run)\n");
        return;
    }
    char dir[128], file[160];
    snprintf(dir, sizeof(dir), "%s", scratch("ext2"));
    snprintf(file, sizeof(file), "%s/small.txt", dir);
    REQUIRE(mkdir(dir, 0755) == 0);
    REQUIRE(mount(dev, dir, "ext2", MS_RDONLY, NULL) == 0);
    CHECK_ERR(mount(dev, dir, "ext2", MS_RDONLY, NULL), EBUSY);     /* mounted already */
    struct statfs sf;
    CHECK_EQ(statfs(dir, &sf), 0);
    CHECK_EQ(sf.f_type, EXT2_SUPER_MAGIC);
    CHECK(sf.f_flags & ST_RDONLY_FLAG);
    CHECK(sf.f_blocks > 0 && sf.f_bfree <= sf.f_blocks && sf.f_bavail <= sf.f_bfree);
    CHECK_ERR(open(file, O_WRONLY), EROFS);
    CHECK_ERR(mkdir(scratch("ext2/new"), 0755), EROFS);
    int fd = open(file, O_RDONLY);
    CHECK(fd >= 0);
    struct statfs ff;
    CHECK_EQ(fstatfs(fd, &ff), 0);
    CHECK_EQ(ff.f_type, EXT2_SUPER_MAGIC);
    char buf[32];
    CHECK_EQ(read(fd, buf, sizeof(buf)), 13);
    CHECK_ERR(umount2(dir, 0), EBUSY);                  /* the open file */
    close(fd);
    CHECK_EQ(umount2(dir, 0), 0);
    struct stat st;
    CHECK_ERR(stat(file, &st), ENOENT);                 /* the mount point is bare again */
    rmdir(dir);
}

TEST(ms_move_of_a_directory_that_is_no_mount_point_is_einval)
{
    char a[128], b[128];
    snprintf(a, sizeof(a), "%s", scratch("mv-a"));
    snprintf(b, sizeof(b), "%s", scratch("mv-b"));
    REQUIRE(mkdir(a, 0755) == 0);
    REQUIRE(mkdir(b, 0755) == 0);
    CHECK_ERR(mount(a, b, NULL, MS_MOVE, NULL), EINVAL);
    CHECK_ERR(mount(scratch("missing"), b, NULL, MS_MOVE, NULL), ENOENT);
    rmdir(a);
    rmdir(b);
}

/* What switch_root does to a disk: the mount moves, whole, to another directory;
 * not below itself. */
TEST(an_ext2_mount_moves_with_ms_move)
{
    const char *dev = getenv("OSC_EXT2_DEV");
    if (!dev) {
        printf("  (no OSC_EXT2_DEV: the move test did not run)\n");
        return;
    }
    char a[128], b[128], inside[160];
    snprintf(a, sizeof(a), "%s", scratch("mv-ext2-a"));
    snprintf(b, sizeof(b), "%s", scratch("mv-ext2-b"));
    REQUIRE(mkdir(a, 0755) == 0);
    REQUIRE(mkdir(b, 0755) == 0);
    REQUIRE(mount(dev, a, "ext2", MS_RDONLY, NULL) == 0);
    snprintf(inside, sizeof(inside), "%s/lost+found", a);
    CHECK_ERR(mount(a, inside, NULL, MS_MOVE, NULL), ELOOP);
    CHECK_EQ(mount(a, b, NULL, MS_MOVE, NULL), 0);
    struct stat st;
    char file[160];
    snprintf(file, sizeof(file), "%s/small.txt", b);
    CHECK_EQ(stat(file, &st), 0);
    snprintf(file, sizeof(file), "%s/small.txt", a);
    CHECK_ERR(stat(file, &st), ENOENT);
    CHECK_ERR(umount2(a, 0), EINVAL);
    CHECK_EQ(umount2(b, 0), 0);
    rmdir(a);
    rmdir(b);
}
