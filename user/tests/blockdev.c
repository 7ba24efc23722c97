/* Block device files (/dev/vda): size ioctls, reads and writes at unaligned
 * offsets and lengths (read-modify-write of partial sectors), the end of the
 * device, fsync, and a read-only disk. The disk tests only touch a device whose
 * first bytes carry the marker tests/qemu/blockdev.py writes into its scratch
 * image ("OSCTESTDISK <size> <rw|ro>\n"): on any other machine (the host Linux,
 * the normal suite without a disk) they print a note and pass without writing,
 * so a real disk is never harmed. OSC_BLOCKDEV names another device. */

#include "testlib.h"
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

/* <linux/fs.h>, which musl-gcc does not see. */
#define BLKROGET        0x125e
#define BLKGETSIZE      0x1260
#define BLKFLSBUF       0x1261
#define BLKSSZGET       0x1268
#define BLKGETSIZE64    0x80081272

#define MARKER      "OSCTESTDISK "
#define PERSIST_OFF (1u << 20)
#define PERSIST_AT  (PERSIST_OFF + 100)     /* unaligned on purpose */
#define PERSIST_LEN 5000

static const char *path;
static uint64_t disk_size;
static int disk_ro = -1;            /* -1: no marked disk, tests skip */

static void find_disk(void)
{
    path = getenv("OSC_BLOCKDEV") ? getenv("OSC_BLOCKDEV") : "/dev/vda";
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    char buf[64] = { 0 };
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && pread(fd, buf, sizeof(buf) - 1, 0) > 0 &&
        strncmp(buf, MARKER, strlen(MARKER)) == 0) {
        char mode[4] = "";
        unsigned long long size;
        if (sscanf(buf + strlen(MARKER), "%llu %2s", &size, mode) == 2) {
            disk_size = size;
            disk_ro = strcmp(mode, "ro") == 0;
        }
    }
    close(fd);
}

/* False (and a note) when there is no marked disk to test on. */
static int have_disk(int want_ro)
{
    if (disk_ro < 0) {
        static int told;
        if (!told++)
            printf("  note: no marked test disk at %s: disk tests skipped\n", path);
        return 0;
    }
    return want_ro < 0 || disk_ro == want_ro;
}

/* The first disk of a driver whose numbers OSCortex gives as Linux does: its
 * /proc/partitions line and device number are checked too. */
struct known_disk { const char *path; unsigned major; };
static const struct known_disk *known_disk(void)
{
    static const struct known_disk disks[] = {
        { "/dev/vda", 254 },        /* virtio-blk (Debian's dynamic major) */
        { "/dev/nvme0n1", 259 },    /* NVMe: Linux's blkext major */
    };
    for (size_t i = 0; i < sizeof(disks) / sizeof(disks[0]); i++)
        if (strcmp(path, disks[i].path) == 0)
            return &disks[i];
    return NULL;
}

static uint8_t pattern(uint64_t off, unsigned seed)
{
    return (uint8_t)((off * 31 + seed * 7 + (off >> 9)) & 0xff);
}

TEST(fsync_of_a_regular_file_succeeds_and_of_a_pipe_is_einval)
{
    find_disk();
    char name[] = "/tmp/blockdev-fsync-XXXXXX";
    int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fdatasync(fd), 0);
    close(fd);
    unlink(name);
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_ERR(fsync(p[0]), EINVAL);
    close(p[0]);
    close(p[1]);
    CHECK_ERR(fsync(-1), EBADF);
}

TEST(proc_partitions_has_linux_header)
{
    FILE *f = fopen("/proc/partitions", "r");
    REQUIRE(f != NULL);
    char line[128] = "";
    CHECK(fgets(line, sizeof(line), f) != NULL);
    CHECK_STR(line, "major minor  #blocks  name\n");
    const struct known_disk *k = known_disk();
    if (have_disk(-1) && k) {
        char want[64];
        snprintf(want, sizeof(want), " %3u        0 %10llu %s\n", k->major,
                 (unsigned long long)(disk_size / 1024), k->path + 5);
        int found = 0;
        while (fgets(line, sizeof(line), f))
            found |= strcmp(line, want) == 0;
        CHECK(found);
    }
    fclose(f);
}

TEST(block_node_is_s_ifblk_with_its_device_number)
{
    if (!have_disk(-1))
        return;
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK(S_ISBLK(st.st_mode));
    const struct known_disk *k = known_disk();
    if (k) {
        CHECK_EQ(major(st.st_rdev), k->major);
        CHECK_EQ(minor(st.st_rdev), 0);
    }
}

TEST(size_ioctls_and_seek_end_give_the_image_size)
{
    if (!have_disk(-1))
        return;
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    uint64_t bytes = 0;
    unsigned long sectors = 0;
    int ssz = 0;
    CHECK_EQ(ioctl(fd, BLKGETSIZE64, &bytes), 0);
    CHECK_EQ(bytes, disk_size);
    CHECK_EQ(ioctl(fd, BLKGETSIZE, &sectors), 0);
    CHECK_EQ((uint64_t)sectors * 512, disk_size);
    CHECK_EQ(ioctl(fd, BLKSSZGET, &ssz), 0);
    CHECK_EQ(ssz, 512);
    CHECK_EQ(lseek(fd, 0, SEEK_END), (off_t)disk_size);
    CHECK_ERR(ioctl(fd, BLKGETSIZE64, (void *)8), EFAULT);
    close(fd);
}

/* Writes at offsets and lengths that start and end inside sectors and pages and
 * cross the block layer's 64 KiB chunks; the bytes around each write keep their
 * old values. */
TEST(unaligned_writes_read_back_and_leave_their_neighbours)
{
    if (!have_disk(0))
        return;
    int fd = open(path, O_RDWR);
    REQUIRE(fd >= 0);
    static const struct { uint64_t off; size_t len; } w[] = {
        { 2 * 4096 + 7, 1 }, { 3 * 4096 + 513, 1000 }, { 5 * 4096 - 3, 6 },
        { 7 * 4096 + 100, 3 * 4096 }, { 65536 * 2 - 5, 70000 }, { 300000, 512 },
    };
    static uint8_t before[80000], buf[80000], back[80000];
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        uint64_t lo = w[i].off - 600, span = w[i].len + 1200;
        REQUIRE(pread(fd, before, span, (off_t)lo) == (ssize_t)span);
        for (size_t j = 0; j < w[i].len; j++)
            buf[j] = pattern(w[i].off + j, (unsigned)i + 1);
        CHECK_EQ(pwrite(fd, buf, w[i].len, (off_t)w[i].off), (ssize_t)w[i].len);
        REQUIRE(pread(fd, back, span, (off_t)lo) == (ssize_t)span);
        CHECK(memcmp(back, before, 600) == 0);
        CHECK(memcmp(back + 600, buf, w[i].len) == 0);
        CHECK(memcmp(back + 600 + w[i].len, before + 600 + w[i].len, 600) == 0);
    }
    close(fd);
}

TEST(read_write_and_lseek_move_the_file_offset)
{
    if (!have_disk(0))
        return;
    int fd = open(path, O_RDWR);
    REQUIRE(fd >= 0);
    CHECK_EQ(lseek(fd, 400001, SEEK_SET), 400001);
    CHECK_EQ(write(fd, "abcdef", 6), 6);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 400007);
    CHECK_EQ(write(fd, "XYZ", 3), 3);
    CHECK_EQ(lseek(fd, 400001, SEEK_SET), 400001);
    char b[10] = "";
    CHECK_EQ(read(fd, b, 9), 9);
    CHECK(memcmp(b, "abcdefXYZ", 9) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 400010);
    close(fd);
}

TEST(readv_writev_move_whole_buffers_and_access_modes_hold)
{
    if (!have_disk(0))
        return;
    int fd = open(path, O_RDWR);
    REQUIRE(fd >= 0);
    static uint8_t a[5], b[70000], c[9], back[70014];
    for (size_t j = 0; j < sizeof(b); j++)
        b[j] = pattern(j, 77);
    memcpy(a, "head-", 5);
    memcpy(c, "-tail-end", 9);
    struct iovec w[3] = { { a, 5 }, { b, sizeof(b) }, { c, 9 } };
    CHECK_EQ(lseek(fd, 600003, SEEK_SET), 600003);
    CHECK_EQ(writev(fd, w, 3), (ssize_t)sizeof(back));
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 600003 + (off_t)sizeof(back));
    struct iovec r[2] = { { back, 1000 }, { back + 1000, sizeof(back) - 1000 } };
    CHECK_EQ(lseek(fd, 600003, SEEK_SET), 600003);
    CHECK_EQ(readv(fd, r, 2), (ssize_t)sizeof(back));
    CHECK(memcmp(back, a, 5) == 0 && memcmp(back + 5, b, sizeof(b)) == 0 &&
          memcmp(back + 5 + sizeof(b), c, 9) == 0);
    void *volatile bad = (void *)8;     /* volatile: the compiler cannot see it is bad */
    CHECK_ERR(write(fd, bad, 100), EFAULT);
    close(fd);
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    REQUIRE(ro >= 0 && wo >= 0);
    CHECK_ERR(write(ro, "x", 1), EBADF);
    CHECK_ERR(read(wo, back, 1), EBADF);
    close(ro);
    close(wo);
}

TEST(io_at_the_end_of_the_device_is_short_then_zero_then_enospc)
{
    if (!have_disk(-1))
        return;
    int fd = open(path, disk_ro ? O_RDONLY : O_RDWR);
    REQUIRE(fd >= 0);
    char b[100];
    CHECK_EQ(pread(fd, b, 100, (off_t)disk_size - 10), 10);
    CHECK_EQ(pread(fd, b, 100, (off_t)disk_size), 0);
    CHECK_EQ(pread(fd, b, 100, (off_t)disk_size + 4096), 0);
    if (!disk_ro) {
        CHECK_ERR(pwrite(fd, b, 100, (off_t)disk_size), ENOSPC);
        memset(b, 0x5a, sizeof(b));
        CHECK_EQ(pwrite(fd, b, 100, (off_t)disk_size - 30), 30);
        char c[30];
        CHECK_EQ(pread(fd, c, 30, (off_t)disk_size - 30), 30);
        CHECK(memcmp(b, c, 30) == 0);
    }
    close(fd);
}

TEST(read_only_disk_refuses_writes_with_eperm)
{
    if (!have_disk(1))
        return;
    int fd = open(path, O_RDWR);        /* opening for writing works, as on Linux */
    REQUIRE(fd >= 0);
    int ro = 0;
    CHECK_EQ(ioctl(fd, BLKROGET, &ro), 0);
    CHECK_EQ(ro, 1);
    char before[16], after[16];
    CHECK_EQ(pread(fd, before, 16, 0), 16);
    CHECK_ERR(pwrite(fd, "overwrite", 9, 0), EPERM);
    CHECK_ERR(write(fd, "overwrite", 9), EPERM);
    CHECK_EQ(pread(fd, after, 16, 0), 16);
    CHECK(memcmp(before, after, 16) == 0);
    close(fd);
    printf("  read-only disk tests ran on %s (%llu bytes)\n", path, (unsigned long long)disk_size);
}

/* Several processes at once, each with its own region: their requests are in
 * flight together (each sleeps until its own completes). */
TEST(concurrent_writers_and_readers_each_see_their_own_data)
{
    if (!have_disk(0))
        return;
    enum { NPROC = 6, REGION = 200 * 1024, BASE = 2 << 20, PIECE = 10007 };
    pid_t pids[NPROC];
    for (int i = 0; i < NPROC; i++) {
        pids[i] = fork();
        REQUIRE(pids[i] >= 0);
        if (pids[i] == 0) {
            int fd = open(path, O_RDWR);
            static uint8_t buf[REGION], back[REGION];
            uint64_t base = BASE + (uint64_t)i * REGION + 1;
            for (size_t j = 0; j < REGION - 2; j++)
                buf[j] = pattern(base + j, 50 + (unsigned)i);
            int bad = fd < 0;
            for (size_t at = 0; !bad && at < REGION - 2; at += PIECE) {
                size_t n = at + PIECE > REGION - 2 ? REGION - 2 - at : PIECE;
                bad = pwrite(fd, buf + at, n, (off_t)(base + at)) != (ssize_t)n;
            }
            bad = bad || pread(fd, back, REGION - 2, (off_t)base) != REGION - 2 ||
                  memcmp(buf, back, REGION - 2) != 0;
            _exit(bad);
        }
    }
    for (int i = 0; i < NPROC; i++) {
        int st = -1;
        CHECK_EQ(waitpid(pids[i], &st, 0), pids[i]);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

/* Last: a record tests/qemu/blockdev.py looks for in the image after poweroff. */
TEST(fsync_after_a_write_makes_it_durable)
{
    if (!have_disk(0))
        return;
    int fd = open(path, O_RDWR);
    REQUIRE(fd >= 0);
    static uint8_t buf[PERSIST_LEN];
    for (size_t j = 0; j < sizeof(buf); j++)
        buf[j] = pattern(PERSIST_AT + j, 99);
    memcpy(buf, "OSC-PERSIST", 11);
    CHECK_EQ(pwrite(fd, buf, sizeof(buf), PERSIST_AT), (ssize_t)sizeof(buf));
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fdatasync(fd), 0);
    CHECK_EQ(ioctl(fd, BLKFLSBUF, 0), 0);
    close(fd);
    printf("  disk tests ran on %s (%llu bytes, %s)\n", path, (unsigned long long)disk_size,
           disk_ro ? "ro" : "rw");
}
