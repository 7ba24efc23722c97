/* The benchmark's storage figures (see bench.c): an ext2 filesystem on the
 * virtio-blk disk /dev/vda (a fresh copy of the same mke2fs image for each kernel,
 * tools/bench.py), mounted read-write: sequential write + fsync and, after
 * dropping the caches, sequential and random reads; creating and unlinking many
 * small files; append + fsync latency. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define DISK      "/dev/vda"
#define MNT       "/tmp/bench-disk"
#define BIG_FILE  MNT "/big"
#define SMALL_DIR MNT "/small"
#define SYNC_FILE MNT "/synced"
#define CHUNK     (1 << 20)
#define RAND_IO   4096
#define MAX_RUNS  8
#define MAX_FSYNC 512

static char *buf;
static int mib;                 /* the big file's size */

/* The cached file data and metadata go; the next reads come from the disk. */
static int drop_caches(void)
{
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t r = write(fd, "3\n", 2);
    close(fd);
    return r == 2 ? 0 : -1;
}

static int seq_write(void)
{
    int fd = open(BIG_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    for (int i = 0; i < mib; i++) {
        memset(buf, 'a' + i % 26, 64);     /* not all one page of bytes */
        if (write(fd, buf, CHUNK) != CHUNK) {
            close(fd);
            errno = errno ? errno : EIO;
            return -1;
        }
    }
    if (fsync(fd) < 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

static int seq_read(void)
{
    int fd = open(BIG_FILE, O_RDONLY);
    if (fd < 0)
        return -1;
    for (int i = 0; i < mib; i++)
        if (read(fd, buf, CHUNK) != CHUNK) {
            close(fd);
            errno = errno ? errno : EIO;
            return -1;
        }
    return close(fd);
}

/* n preads of 4 KiB at 4 KiB-aligned offsets of the big file, a fixed sequence
 * per seed. */
static int rand_read(int n, uint64_t seed)
{
    int fd = open(BIG_FILE, O_RDONLY);
    if (fd < 0)
        return -1;
    uint64_t x = seed * 2654435761u + 88172645463325252ull, blocks = (uint64_t)mib * CHUNK / RAND_IO;
    for (int i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (pread(fd, buf, RAND_IO, (off_t)(x % blocks) * RAND_IO) != RAND_IO) {
            close(fd);
            errno = errno ? errno : EIO;
            return -1;
        }
    }
    return close(fd);
}

static int create_files(int n)
{
    char path[64];
    if (mkdir(SMALL_DIR, 0755) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, SMALL_DIR "/f%04d", i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0)
            return -1;
        if (write(fd, buf, 1024) != 1024) {
            close(fd);
            errno = errno ? errno : EIO;
            return -1;
        }
        if (close(fd) < 0)
            return -1;
    }
    return 0;
}

static int unlink_files(int n)
{
    char path[64];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, SMALL_DIR "/f%04d", i);
        if (unlink(path) < 0)
            return -1;
    }
    return rmdir(SMALL_DIR);
}

/* Appends 4 KiB and fsyncs it, n times; each latency in us into lat. */
static int append_fsync(int n, double *lat)
{
    int fd = open(SYNC_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        int64_t t0 = now_ns();
        if (write(fd, buf, 4096) != 4096 || fsync(fd) < 0) {
            close(fd);
            errno = errno ? errno : EIO;
            return -1;
        }
        lat[i] = (double)(now_ns() - t0) / 1000.0;
    }
    close(fd);
    return unlink(SYNC_FILE);
}

/* The disk node appears when the driver has probed (Linux: after init's insmod). */
static int wait_for_disk(void)
{
    struct stat st;
    for (int i = 0; i < 100; i++) {
        if (stat(DISK, &st) == 0)
            return 0;
        struct timespec t = { 0, 100000000 };
        nanosleep(&t, NULL);
    }
    return -1;
}

void bench_storage(void)
{
    int runs = quick ? 1 : 3, nrand = quick ? 200 : 2000, nfiles = quick ? 100 : 1000;
    int nsync = quick ? 10 : 200;
    double w[MAX_RUNS], r[MAX_RUNS], rr[MAX_RUNS], c[MAX_RUNS], u[MAX_RUNS];
    static double lat[MAX_FSYNC];
    mib = quick ? 4 : 64;
    buf = malloc(CHUNK);
    if (!buf) {
        fail("storage", "malloc");
        return;
    }
    memset(buf, 0x5a, CHUNK);
    mkdir(MNT, 0755);
    if (wait_for_disk() < 0) {
        fail("storage", "no " DISK);
        goto out;
    }
    if (mount(DISK, MNT, "ext2", 0, NULL) < 0) {
        fail("storage", "mount -t ext2 " DISK);
        goto out;
    }
    for (int i = 0; i < runs; i++) {
        int64_t t0 = now_ns();
        if (seq_write() < 0) {
            fail("storage_seq_write_us_per_mib", "write");
            goto unmount;
        }
        w[i] = (double)(now_ns() - t0) / 1000.0 / mib;
    }
    report("storage_seq_write_us_per_mib", median(w, runs), "us");
    for (int i = 0; i < runs; i++) {
        if (drop_caches() < 0) {
            fail("storage_seq_read_us_per_mib", "drop_caches");
            goto unmount;
        }
        int64_t t0 = now_ns();
        if (seq_read() < 0) {
            fail("storage_seq_read_us_per_mib", "read");
            goto unmount;
        }
        r[i] = (double)(now_ns() - t0) / 1000.0 / mib;
    }
    report("storage_seq_read_us_per_mib", median(r, runs), "us");
    for (int i = 0; i < runs; i++) {
        if (drop_caches() < 0) {
            fail("storage_rand_read_us", "drop_caches");
            goto unmount;
        }
        int64_t t0 = now_ns();
        if (rand_read(nrand, (uint64_t)i + 1) < 0) {
            fail("storage_rand_read_us", "pread");
            goto unmount;
        }
        rr[i] = (double)(now_ns() - t0) / 1000.0 / nrand;
    }
    report("storage_rand_read_us", median(rr, runs), "us");
    for (int i = 0; i < runs; i++) {
        int64_t t0 = now_ns();
        if (create_files(nfiles) < 0) {
            fail("storage_create_us", "create");
            goto unmount;
        }
        int64_t t1 = now_ns();
        if (unlink_files(nfiles) < 0) {
            fail("storage_unlink_us", "unlink");
            goto unmount;
        }
        c[i] = (double)(t1 - t0) / 1000.0 / nfiles;
        u[i] = (double)(now_ns() - t1) / 1000.0 / nfiles;
    }
    report("storage_create_us", median(c, runs), "us");
    report("storage_unlink_us", median(u, runs), "us");
    if (append_fsync(nsync, lat) < 0) {
        fail("storage_fsync_us", "append + fsync");
        goto unmount;
    }
    report("storage_fsync_us", median(lat, nsync), "us");
unmount:
    unlink(BIG_FILE);
    if (umount(MNT) < 0)
        fail("storage", "umount");
out:
    rmdir(MNT);
    free(buf);
}
