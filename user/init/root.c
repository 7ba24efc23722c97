/* root=DEV: the system runs from a disk (ext2) instead of the initramfs, switched
 * to the way a Linux initramfs does it: mount the disk on /newroot, move the
 * kernel's /dev, /proc, /sys and /tmp onto it, and exec busybox switch_root, which
 * empties the initramfs, moves the disk onto / and runs the disk's /sbin/init. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

#define NEWROOT           "/newroot"
#define EXT2_SUPER_MAGIC  0xEF53
#define DEVICE_WAIT_MS    3000

static const char *const moved[] = { "/dev", "/proc", "/sys", "/tmp" };
#define NMOVED (sizeof(moved) / sizeof(moved[0]))

/* Moves the first n kernel mounts from the disk back to the initramfs. */
static void move_back(size_t n)
{
    char path[64];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), NEWROOT "%s", moved[i]);
        if (mount(path, moved[i], NULL, MS_MOVE, NULL))
            say("root: moving %s back failed: %s", moved[i], strerror(errno));
    }
}

static bool wait_for_device(const char *dev)
{
    for (int ms = 0; ms < DEVICE_WAIT_MS; ms += 100) {
        struct stat st;
        if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
            return true;
        struct timespec t = { 0, 100 * 1000000L };
        nanosleep(&t, NULL);
    }
    return false;
}

void init_switch_root(const char *dev, bool read_only)
{
    struct statfs sf;
    if (statfs("/", &sf) == 0 && sf.f_type == EXT2_SUPER_MAGIC)
        return;                         /* the disk's own init: switched already */
    if (!wait_for_device(dev)) {
        say("root: %s is no block device; staying on the initramfs", dev);
        return;
    }
    mkdir(NEWROOT, 0755);
    if (mount(dev, NEWROOT, "ext2", read_only ? MS_RDONLY : 0, NULL)) {
        say("root: mounting %s failed: %s; staying on the initramfs", dev, strerror(errno));
        return;
    }
    if (access(NEWROOT "/sbin/init", X_OK)) {
        say("root: %s has no /sbin/init; staying on the initramfs", dev);
        umount2(NEWROOT, 0);
        return;
    }
    size_t n = 0;
    for (; n < NMOVED; n++) {
        char path[64];
        snprintf(path, sizeof(path), NEWROOT "%s", moved[n]);
        mkdir(path, strcmp(moved[n], "/tmp") ? 0755 : 01777);
        if (mount(moved[n], path, NULL, MS_MOVE, NULL)) {
            say("root: moving %s to the disk failed: %s", moved[n], strerror(errno));
            break;
        }
    }
    if (n == NMOVED) {
        say("root: %s (ext2%s) becomes /", dev, read_only ? ", read-only" : "");
        execl("/bin/busybox", "switch_root", NEWROOT, "/sbin/init", (char *)NULL);
        say("root: switch_root: %s", strerror(errno));
    }
    move_back(n);
    umount2(NEWROOT, 0);
    say("root: staying on the initramfs");
}
