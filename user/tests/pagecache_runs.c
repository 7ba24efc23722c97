/* A disk file read back from the disk in multi-page requests (the page cache's
 * readahead) and written back in runs, run in the directory OSC_FS_DIR names
 * (tests/qemu/ext2_write.py: a read-write ext2 mount; without it a fresh
 * directory under /tmp, so it also runs on the host). In OSCortex the caches are
 * dropped (/proc/sys/vm/drop_caches) between writing and reading, so the bytes
 * come from the disk: holes read as zeros, the bytes past the end of file as
 * zeros in a mapping, a page already cached in the middle of a readahead window
 * keeps its newer bytes, a page rewritten in place survives the next drop. */

#define _GNU_SOURCE
#include "testlib.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096

static char base[256];

static const char *p(const char *name)
{
    static char buf[2][1024];
    static int i;
    i = (i + 1) % 2;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, name);
    return buf[i];
}

__attribute__((constructor(101))) static void setup(void)
{
    const char *dir = getenv("OSC_FS_DIR");
    if (dir && *dir) {
        snprintf(base, sizeof(base), "%s/pagecache-runs-%d", dir, (int)getpid());
    } else {
        snprintf(base, sizeof(base), "/tmp/pagecache-runs-%d", (int)getpid());
    }
    mkdir(base, 0755);
}

__attribute__((destructor)) static void teardown(void)
{
    const char *names[] = { "holes", "big", "mixed" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlink(p(names[i]));
    rmdir(base);
}

/* The byte a file of this test holds at off (tag tells files apart). */
static uint8_t pat(uint64_t off, int tag)
{
    return (uint8_t)((off * 131 + off / PG * 7 + (uint64_t)tag * 29) % 251 + 1);
}

static void fill(uint8_t *b, size_t n, uint64_t off, int tag)
{
    for (size_t i = 0; i < n; i++)
        b[i] = pat(off + i, tag);
}

/* Written data to the disk and the caches emptied (OSCortex; the host keeps its
 * caches: the content checks still hold there). */
static void to_disk(int fd)
{
    CHECK_EQ(fsync(fd), 0);
    if (!tl_on_oscortex())
        return;
    int d = open("/proc/sys/vm/drop_caches", O_WRONLY);
    REQUIRE(d >= 0);
    CHECK_EQ(write(d, "3\n", 2), 2);
    close(d);
}

static uint8_t buf[512 * 1024], want[512 * 1024];

/* Reads [0, size) in chunks of chunk bytes (not page-aligned) and compares with
 * expect(off): the first offset that differs, or -1. */
static long long read_check(int fd, uint64_t size, size_t chunk,
                            uint8_t (*expect)(uint64_t off))
{
    for (uint64_t off = 0; off < size;) {
        ssize_t r = pread(fd, buf, chunk, (off_t)off);
        if (r <= 0)
            return (long long)off;
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != expect(off + (uint64_t)i))
                return (long long)(off + (uint64_t)i);
        off += (uint64_t)r;
    }
    return pread(fd, buf, 1, (off_t)size) == 0 ? -1 : (long long)size;
}

/* holes: pages 0-9 data, 10-19 a hole, 20-40 data, then 1000 bytes of page 41. */
#define HOLES_SIZE (41ull * PG + 1000)
static uint8_t holes_byte(uint64_t off)
{
    return off / PG >= 10 && off / PG < 20 ? 0 : pat(off, 1);
}

TEST(a_file_with_a_hole_and_a_partial_tail_reads_back_byte_for_byte_from_the_disk)
{
    int fd = open(p("holes"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    fill(want, 10 * PG, 0, 1);
    CHECK_EQ(pwrite(fd, want, 10 * PG, 0), 10 * PG);
    fill(want, 21 * PG + 1000, 20 * PG, 1);
    CHECK_EQ(pwrite(fd, want, 21 * PG + 1000, 20 * PG), 21 * PG + 1000);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ((uint64_t)st.st_size, HOLES_SIZE);
    to_disk(fd);
    CHECK_EQ(read_check(fd, HOLES_SIZE, 5000, holes_byte), -1);
    to_disk(fd);
    /* A mapping after another drop: the faults read it in; past the end is zero. */
    uint8_t *m = mmap(NULL, 42 * PG, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(m != MAP_FAILED);
    long long bad = -1;
    for (uint64_t off = 0; off < 42 * PG && bad < 0; off++)
        if (m[off] != (off < HOLES_SIZE ? holes_byte(off) : 0))
            bad = (long long)off;
    CHECK_EQ(bad, -1);
    munmap(m, 42 * PG);
    close(fd);
}

/* big: 3 MiB + 123 bytes written in 64 KiB writes; readahead grows to its widest. */
#define BIG_SIZE (3ull * 1024 * 1024 + 123)
static uint8_t big_byte(uint64_t off) { return pat(off, 2); }

TEST(a_3_mib_file_reads_back_the_same_in_big_and_small_reads_after_a_drop)
{
    int fd = open(p("big"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    for (uint64_t off = 0; off < BIG_SIZE; off += 65536) {
        size_t n = (size_t)(BIG_SIZE - off < 65536 ? BIG_SIZE - off : 65536);
        fill(want, n, off, 2);
        REQUIRE(pwrite(fd, want, n, (off_t)off) == (ssize_t)n);
    }
    to_disk(fd);
    CHECK_EQ(read_check(fd, BIG_SIZE, sizeof(buf), big_byte), -1);
    to_disk(fd);
    CHECK_EQ(read_check(fd, BIG_SIZE, 4096, big_byte), -1);
    to_disk(fd);
    CHECK_EQ(read_check(fd, BIG_SIZE, 777, big_byte), -1);
    close(fd);
}

/* mixed: 96 pages on disk; then page 40 changed (cached, dirty) and page 70
 * rewritten and written back in place before a sequential read from the start. */
#define MIXED_SIZE (96ull * PG)
static uint8_t mixed_byte(uint64_t off)
{
    if (off / PG == 40 && off % PG < 100)
        return 0xEE;
    if (off / PG == 70)
        return pat(off, 4);
    return pat(off, 3);
}

TEST(a_page_changed_in_the_middle_of_a_readahead_window_keeps_its_new_bytes)
{
    int fd = open(p("mixed"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    fill(want, MIXED_SIZE, 0, 3);
    CHECK_EQ(pwrite(fd, want, MIXED_SIZE, 0), (ssize_t)MIXED_SIZE);
    to_disk(fd);
    fill(want, PG, 70 * PG, 4);
    CHECK_EQ(pwrite(fd, want, PG, 70 * PG), PG);       /* in place, then to the disk */
    to_disk(fd);
    memset(want, 0xEE, 100);
    CHECK_EQ(pwrite(fd, want, 100, 40 * PG), 100);     /* page 40 alone in the cache */
    CHECK_EQ(read_check(fd, MIXED_SIZE, 8192, mixed_byte), -1);
    to_disk(fd);
    CHECK_EQ(read_check(fd, MIXED_SIZE, 65536, mixed_byte), -1);
    close(fd);
}

