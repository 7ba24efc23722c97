/* mmap of a disk file, run in the directory OSC_FS_DIR names (tests/qemu/
 * ext2_write.py: a read-write ext2 mount; without it a fresh directory under /tmp,
 * so it also runs on the host): read/write and MAP_SHARED see one copy of the data
 * both ways at once, across processes that map the file each on their own;
 * MAP_PRIVATE follows the file until its own store, then keeps its copy (Linux);
 * msync(MS_SYNC) and a reopen; stores into a hole through a mapping; a mapping
 * that outlives its unlinked file; a page past
 * the end after ftruncate raises SIGBUS; fsync empties the Dirty count of
 * /proc/meminfo (OSCortex); with OSC_MMAP_PRESSURE, clean cache pages give way to
 * a process taking all free memory (OSCortex). With OSC_MMAP_KEEP=name the last test leaves a file
 * written half through a mapping for the host to check on the image. */

#define _GNU_SOURCE
#include "testlib.h"
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096

static char base[256];

static const char *p(const char *name)
{
    static char buf[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof(buf[i]), "%s/%s", base, name);
    return buf[i];
}

static bool on_disk(void)
{
    return getenv("OSC_FS_DIR") && *getenv("OSC_FS_DIR");
}

__attribute__((constructor(101))) static void setup(void)
{
    if (on_disk())
        snprintf(base, sizeof(base), "%s/mmx-%d", getenv("OSC_FS_DIR"), (int)getpid());
    else
        snprintf(base, sizeof(base), "/tmp/osc-mmx-%d", (int)getpid());
    if (mkdir(base, 0755) != 0) {
        printf("mmap_ext2: cannot make %s: %s\n", base, strerror(errno));
        exit(1);
    }
    printf("mmap_ext2: testing in %s\n", base);
}

__attribute__((destructor)) static void teardown(void)
{
    rmdir(base);
}

static uint8_t pat(size_t i, int seed) { return (uint8_t)(i * 7 + seed + (i >> 12)); }

/* A file of n pattern bytes written with write(): its fd (O_RDWR) or -1. */
static int make(const char *path, size_t n, int seed)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    uint8_t buf[PG];
    for (size_t off = 0; off < n;) {
        size_t k = n - off < PG ? n - off : PG;
        for (size_t i = 0; i < k; i++)
            buf[i] = pat(off + i, seed);
        if (write(fd, buf, k) != (ssize_t)k) {
            close(fd);
            return -1;
        }
        off += k;
    }
    return fd;
}

static uint8_t *map(int fd, size_t len, int prot, int flags)
{
    void *m = mmap(NULL, len, prot, flags, fd, 0);
    return m == MAP_FAILED ? NULL : m;
}

static bool matches(const uint8_t *m, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++)
        if (m[i] != pat(i, seed))
            return false;
    return true;
}

TEST(written_data_reads_back_through_a_shared_map)
{
    size_t n = 3 * PG + 100;
    int fd = make(p("a"), n, 1);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, n, PROT_READ, MAP_SHARED);
    REQUIRE(m != NULL);
    CHECK(matches(m, n, 1));
    CHECK_EQ(m[n], 0);                  /* the last page's tail past the end */
    munmap(m, n);
    close(fd);
    CHECK_EQ(unlink(p("a")), 0);
}

TEST(stores_through_a_shared_map_are_read_at_once_and_writes_show_in_it)
{
    int fd = make(p("b"), 2 * PG, 2);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
    REQUIRE(m != NULL);
    memcpy(m + 10, "stored", 6);
    m[PG + 5] = 0xee;
    char buf[8] = { 0 };
    CHECK_EQ(pread(fd, buf, 6, 10), 6);
    CHECK(memcmp(buf, "stored", 6) == 0);
    uint8_t c = 0;
    CHECK_EQ(pread(fd, &c, 1, PG + 5), 1);
    CHECK_EQ(c, 0xee);
    CHECK_EQ(pwrite(fd, "WRITE", 5, PG + 100), 5);
    CHECK(memcmp(m + PG + 100, "WRITE", 5) == 0);
    /* read() into the mapping of the same file: the copy faults on the map. */
    CHECK_EQ(pread(fd, m + 3000, 6, 10), 6);
    CHECK(memcmp(m + 3000, "stored", 6) == 0);
    munmap(m, 2 * PG);
    close(fd);
    CHECK_EQ(unlink(p("b")), 0);
}

TEST(two_processes_mapping_the_file_each_see_the_others_stores)
{
    int fd = make(p("c"), 2 * PG, 3);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
    REQUIRE(m != NULL);
    int to_child[2], to_parent[2];
    REQUIRE(pipe(to_child) == 0 && pipe(to_parent) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* Its own open and mapping, not the inherited one. */
        munmap(m, 2 * PG);
        int cfd = open(p("c"), O_RDWR);
        uint8_t *cm = cfd < 0 ? NULL : map(cfd, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
        char t;
        if (!cm || read(to_child[0], &t, 1) != 1 || cm[PG + 1] != 0x5a)
            _exit(1);
        cm[PG + 2] = 0xa5;
        if (write(to_parent[1], "k", 1) != 1)
            _exit(2);
        _exit(0);
    }
    m[PG + 1] = 0x5a;
    CHECK_EQ(write(to_child[1], "g", 1), 1);
    char t = 0;
    CHECK_EQ(read(to_parent[0], &t, 1), 1);
    CHECK_EQ(m[PG + 2], 0xa5);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (int i = 0; i < 2; i++) {
        close(to_child[i]);
        close(to_parent[i]);
    }
    munmap(m, 2 * PG);
    close(fd);
    CHECK_EQ(unlink(p("c")), 0);
}

TEST(a_private_map_follows_the_file_until_its_own_store)
{
    int fd = make(p("d"), 2 * PG, 4);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    REQUIRE(m != NULL);
    CHECK(matches(m, 2 * PG, 4));       /* both pages read in from the file */
    m[0] = 'P';                         /* page 0 is the map's own from here on */
    uint8_t c = 0;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, pat(0, 4));             /* the file never sees a private store */
    CHECK_EQ(pwrite(fd, "xy", 2, 1), 2);
    CHECK_EQ(pwrite(fd, "zw", 2, PG + 1), 2);
    CHECK_EQ(m[1], pat(1, 4));          /* the copied page keeps its bytes */
    CHECK_EQ(m[0], 'P');
    CHECK(memcmp(m + PG + 1, "zw", 2) == 0);    /* an untouched page is the file's */
    munmap(m, 2 * PG);
    close(fd);
    CHECK_EQ(unlink(p("d")), 0);
}

TEST(msync_then_a_reopen_reads_the_stores)
{
    size_t n = 5 * PG;
    int fd = make(p("e"), n, 5);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, n, PROT_READ | PROT_WRITE, MAP_SHARED);
    REQUIRE(m != NULL);
    for (size_t i = 0; i < n; i += 97)
        m[i] = (uint8_t)~pat(i, 5);
    CHECK_EQ(msync(m, n, MS_SYNC), 0);
    CHECK_EQ(munmap(m, n), 0);
    CHECK_EQ(close(fd), 0);
    fd = open(p("e"), O_RDONLY);
    REQUIRE(fd >= 0);
    static uint8_t buf[5 * PG];
    CHECK_EQ(read(fd, buf, n), (ssize_t)n);
    bool ok = true;
    for (size_t i = 0; i < n; i++)
        ok &= buf[i] == (i % 97 == 0 ? (uint8_t)~pat(i, 5) : pat(i, 5));
    CHECK(ok);
    close(fd);
    CHECK_EQ(unlink(p("e")), 0);
}

TEST(stores_into_a_hole_through_a_map_become_file_data)
{
    int fd = open(p("f"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 64 * PG) == 0);
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    if (on_disk() || !tl_on_oscortex())
        CHECK_EQ(st.st_blocks, 0);      /* all hole (OSCortex's tmpfs counts the size) */
    uint8_t *m = map(fd, 64 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
    REQUIRE(m != NULL);
    CHECK_EQ(m[40 * PG + 3], 0);
    memcpy(m + 40 * PG + 3, "in-a-hole", 9);
    CHECK_EQ(msync(m, 64 * PG, MS_SYNC), 0);
    CHECK_EQ(fsync(fd), 0);
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK(st.st_blocks > 0);
    CHECK_EQ(st.st_size, 64 * PG);
    char buf[9];
    CHECK_EQ(pread(fd, buf, 9, 40 * PG + 3), 9);
    CHECK(memcmp(buf, "in-a-hole", 9) == 0);
    munmap(m, 64 * PG);
    close(fd);
    CHECK_EQ(unlink(p("f")), 0);
}

TEST(a_mapping_outlives_the_unlinked_file)
{
    size_t n = 6 * PG;
    int fd = make(p("j"), n, 10);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, n, PROT_READ | PROT_WRITE, MAP_SHARED);
    REQUIRE(m != NULL);
    m[5] = 'u';
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(unlink(p("j")), 0);        /* the last name and the last open: gone */
    CHECK_EQ(m[5], 'u');
    m[5] = pat(5, 10);
    CHECK(matches(m, n, 10));           /* every page, touched before or not */
    m[4 * PG] = 'v';
    CHECK_EQ(m[4 * PG], 'v');
    CHECK_EQ(munmap(m, n), 0);
}

static volatile uint8_t *probe_at;

static void touch_probe(void)
{
    (void)*probe_at;
    _exit(0);
}

TEST(a_page_past_the_end_after_ftruncate_raises_sigbus)
{
    int fd = make(p("g"), 3 * PG, 6);
    REQUIRE(fd >= 0);
    uint8_t *m = map(fd, 3 * PG, PROT_READ, MAP_SHARED);
    REQUIRE(m != NULL);
    CHECK_EQ(m[100], pat(100, 6));
    CHECK_EQ(ftruncate(fd, 100), 0);
    CHECK_EQ(m[99], pat(99, 6));
    CHECK_EQ(m[100], 0);                /* the last page's tail reads zeros */
    probe_at = m + 2 * PG;
    int st = tl_in_child(touch_probe);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS);
    munmap(m, 3 * PG);
    close(fd);
    CHECK_EQ(unlink(p("g")), 0);
}

/* The Dirty: line of /proc/meminfo in KiB, or -1. */
static long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    char line[128];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':')
            v = strtol(line + kl + 1, NULL, 10);
    fclose(f);
    return v;
}

TEST(fsync_writes_the_dirty_pages_back)
{
    size_t n = 2 << 20;
    long dirty0 = meminfo("Dirty"), cached0 = meminfo("Cached");
    CHECK(dirty0 >= 0 && cached0 >= 0);
    int fd = make(p("h"), n, 7);
    REQUIRE(fd >= 0);
    long dirty1 = meminfo("Dirty"), cached1 = meminfo("Cached");
    CHECK_EQ(fsync(fd), 0);
    long dirty2 = meminfo("Dirty");
    /* The counts are exact only on OSCortex's own disk: on the host other
     * programs write too, and tmpfs pages count as neither. */
    if (on_disk() && tl_on_oscortex()) {
        CHECK(dirty1 - dirty0 >= 1800);
        CHECK(cached1 - cached0 >= 1800);
        CHECK(dirty2 <= dirty0 + 64);
    }
    uint8_t *m = map(fd, n, PROT_READ, MAP_SHARED);
    REQUIRE(m != NULL);
    CHECK(matches(m, n, 7));
    munmap(m, n);
    close(fd);
    CHECK_EQ(unlink(p("h")), 0);
}

static const char *pressure_path;
static size_t pressure_size;

/* In a child: takes anonymous memory beyond what is free, so the kernel must give
 * back half the file's clean cache pages, then reads the file whole. */
static void squeeze_then_read(void)
{
    long free_pages = tl_free_frames();
    EXPECT(free_pages > 0);
    size_t take = ((size_t)free_pages + pressure_size / PG / 2) * PG;
    uint8_t *anon = mmap(NULL, take, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT(anon != MAP_FAILED);
    for (size_t i = 0; i < take; i += PG)
        anon[i] = 1;                    /* a frame each: only reclaim can give them */
    int fd = open(pressure_path, O_RDONLY);
    EXPECT(fd >= 0);
    static uint8_t buf[64 * 1024];
    bool ok = true;
    for (size_t off = 0; off < pressure_size; off += sizeof(buf)) {
        EXPECT(read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
        for (size_t i = 0; i < sizeof(buf); i++)
            ok &= buf[i] == pat(off + i, 9);
    }
    EXPECT(ok);
    _exit(0);
}

TEST(clean_cache_pages_give_way_to_memory_demand)
{
    /* Needs OSCortex's free frame count and a disk; OSC_MMAP_PRESSURE asks for it
     * (touching all free memory takes ~25 s in QEMU: run by hand, not by
     * ext2_write.py; the KTEST page_cache_reads_misses_once_and_reclaim_... covers
     * reclaim in every selftest run). */
    if (!on_disk() || !tl_on_oscortex() || !getenv("OSC_MMAP_PRESSURE"))
        return;
    pressure_size = 8 << 20;
    pressure_path = p("i");
    int fd = make(pressure_path, pressure_size, 9);
    REQUIRE(fd >= 0);
    CHECK_EQ(fsync(fd), 0);             /* clean: reclaimable */
    close(fd);
    CHECK(meminfo("Cached") >= (long)(pressure_size / 1024));
    printf("  squeezing: %ld free pages, %ld kB cached\n", tl_free_frames(), meminfo("Cached"));
    int st = tl_in_child(squeeze_then_read);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(meminfo("Cached") < (long)(pressure_size / 1024));   /* half of it went */
    CHECK_EQ(unlink(p("i")), 0);
}

/* Left for tests/qemu/ext2_write.py to find on the image: pages 0-2 written with
 * write(), then bytes stored through a shared mapping over page 1 and into page 3
 * after growing the file with ftruncate; munmap and close, no msync: umount's
 * write-back must carry them. */
TEST(a_file_stored_through_a_map_is_left_for_the_host)
{
    const char *keep = getenv("OSC_MMAP_KEEP");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", keep && *keep ? getenv("OSC_FS_DIR") : base,
             keep && *keep ? keep : "kept");
    int fd = make(path, 3 * PG, 8);
    REQUIRE(fd >= 0);
    REQUIRE(ftruncate(fd, 4 * PG - 10) == 0);
    uint8_t *m = map(fd, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
    REQUIRE(m != NULL);
    for (size_t i = PG; i < 4 * PG - 10; i++)
        if (i < 2 * PG || i >= 3 * PG)
            m[i] = (uint8_t)(i ^ 0x3c);
    CHECK_EQ(munmap(m, 4 * PG), 0);
    CHECK_EQ(close(fd), 0);
    fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    static uint8_t buf[4 * PG];
    CHECK_EQ(read(fd, buf, sizeof(buf)), 4 * PG - 10);
    bool ok = true;
    for (size_t i = 0; i < 4 * PG - 10; i++)
        ok &= buf[i] == ((i >= PG && i < 2 * PG) || i >= 3 * PG ? (uint8_t)(i ^ 0x3c) : pat(i, 8));
    CHECK(ok);
    close(fd);
    if (!(keep && *keep))
        CHECK_EQ(unlink(path), 0);
}
