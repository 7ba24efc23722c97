/* cpio "newc" (magic 070701, see cpio(5)) archive reader: the initramfs format.
 * Walks an archive held in memory and hands each entry to a callback; the VFS
 * decides what to create. Archive bytes come from outside the kernel: every header
 * field, name and size is validated before use. */
#pragma once

#include <osc/types.h>

#define CPIO_HEADER_SIZE 110    /* 6-byte magic + 13 fields of 8 hex digits */
#define CPIO_NAME_MAX    4096   /* namesize (incl. NUL) above this is rejected */

/* File type bits of c_mode (the traditional st_mode values cpio(5) stores). */
#define CPIO_S_IFMT   0170000
#define CPIO_S_IFSOCK 0140000
#define CPIO_S_IFLNK  0120000
#define CPIO_S_IFREG  0100000
#define CPIO_S_IFBLK  0060000
#define CPIO_S_IFDIR  0040000
#define CPIO_S_IFCHR  0020000
#define CPIO_S_IFIFO  0010000

struct cpio_entry {
    const char *name;       /* NUL-terminated inside the archive, as stored (unchecked path) */
    size_t name_len;        /* strlen(name), >= 1 */
    uint32_t ino;
    uint32_t mode;          /* type (CPIO_S_IF*) and permission bits */
    uint32_t uid, gid;
    uint32_t nlink;
    uint32_t mtime;
    const void *data;       /* file contents, or symlink target (not NUL-terminated) */
    size_t size;
    uint32_t dev_major, dev_minor;      /* device holding the original file */
    uint32_t rdev_major, rdev_minor;    /* for CPIO_S_IFCHR / CPIO_S_IFBLK entries */
};

/* Called once per entry, in archive order (the "TRAILER!!!" entry is not passed).
 * A non-zero return stops the walk and becomes cpio_iterate's result. */
typedef int (*cpio_entry_fn)(const struct cpio_entry *entry, void *ctx);

/* Walks the newc archive in buf[0, len) up to its "TRAILER!!!" entry. Returns 0 when
 * the trailer was reached, the callback's non-zero value if it stopped the walk, or
 * -EINVAL for a malformed or truncated archive (entries before the bad one have
 * already been passed to fn). Bytes after the trailer are ignored. Never reads
 * outside buf[0, len). */
int cpio_iterate(const void *buf, size_t len, cpio_entry_fn fn, void *ctx);

/* True when name is a relative path with no ".." component (and not empty): safe to
 * create under the mount point. "." and "./x" are fine; "/x", "a/../b", ".." are not. */
bool cpio_name_is_safe(const char *name);
