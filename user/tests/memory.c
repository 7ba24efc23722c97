/* Memory: anonymous and file mmap, MAP_FIXED, munmap, mprotect, brk. (Faults on protected
 * pages need fork to observe: crash.c.) */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PAGE 4096UL

TEST(mmap_anonymous_is_zeroed_and_writable)
{
    size_t len = 16 * PAGE;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    CHECK_EQ((uintptr_t)p % PAGE, 0);
    int nonzero = 0;
    for (size_t i = 0; i < len; i++)
        nonzero += p[i] != 0;
    CHECK_EQ(nonzero, 0);
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 7);
    int bad = 0;
    for (size_t i = 0; i < len; i++)
        bad += p[i] != (unsigned char)(i * 7);
    CHECK_EQ(bad, 0);
    CHECK_EQ(munmap(p, len), 0);
}

TEST(mmap_large_region_touched_sparsely)
{
    size_t len = 64UL << 20;    /* 64 MiB reserved, a few pages touched */
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    for (size_t off = 0; off < len; off += len / 8)
        p[off] = 0x5a;
    p[len - 1] = 0xa5;
    CHECK_EQ(p[len / 8], 0x5a);
    CHECK_EQ(p[len - 1], 0xa5);
    CHECK_EQ(p[1], 0);
    CHECK_EQ(munmap(p, len), 0);
}

TEST(mmap_fixed_replaces_pages_at_the_address)
{
    unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    memset(p, 0x11, 4 * PAGE);
    unsigned char *q = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(q == p + PAGE);
    CHECK_EQ(p[0], 0x11);
    CHECK_EQ(p[PAGE], 0);           /* the new page is fresh */
    CHECK_EQ(p[2 * PAGE - 1], 0);
    CHECK_EQ(p[2 * PAGE], 0x11);
    CHECK_EQ(munmap(p, 4 * PAGE), 0);
}

TEST(mmap_hint_is_not_fixed_and_remap_after_munmap_works)
{
    unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    p[0] = 1;
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    unsigned char *q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(q != MAP_FAILED);
    CHECK_EQ(q[0], 0);              /* no stale data after unmap + map */
    CHECK_EQ(munmap(q, PAGE), 0);
}

TEST(mmap_rejects_bad_arguments)
{
    CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    /* Neither MAP_PRIVATE nor MAP_SHARED. */
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    /* MAP_FIXED at an unaligned address. */
    CHECK(mmap((void *)0x10000001UL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
               -1, 0) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    /* A file mapping of a descriptor that is not open. */
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0) == MAP_FAILED);
    CHECK_EQ(errno, EBADF);
}

/* A /tmp file of npages pages plus tail bytes; byte i is (i * 13 + 1) & 0xff. */
static int make_file(const char *path, size_t npages, size_t tail)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    size_t n = npages * PAGE + tail;
    unsigned char *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)(i * 13 + 1);
    ssize_t w = write(fd, buf, n);
    free(buf);
    return w == (ssize_t)n ? fd : -1;
}

static size_t bad_bytes(const unsigned char *p, size_t from, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += p[i] != (unsigned char)((from + i) * 13 + 1);
    return bad;
}

TEST(mmap_file_private_reads_contents)
{
    int fd = make_file("/tmp/osc-mmap-a", 2, 0);
    REQUIRE(fd >= 0);
    unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(p != MAP_FAILED);
    CHECK_EQ(bad_bytes(p, 0, 2 * PAGE), 0);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    /* Read-only MAP_SHARED sees the same bytes. */
    p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(p != MAP_FAILED);
    CHECK_EQ(bad_bytes(p, 0, PAGE), 0);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-mmap-a");
}

TEST(mmap_file_private_writes_do_not_reach_the_file)
{
    int fd = make_file("/tmp/osc-mmap-b", 1, 0);
    REQUIRE(fd >= 0);
    unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    REQUIRE(p != MAP_FAILED);
    memset(p, 0xee, 100);
    CHECK_EQ(p[99], 0xee);
    unsigned char buf[100];
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 100);
    CHECK_EQ(bad_bytes(buf, 0, sizeof(buf)), 0);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-mmap-b");
}

TEST(mmap_file_at_offset_maps_the_second_page)
{
    int fd = make_file("/tmp/osc-mmap-c", 3, 0);
    REQUIRE(fd >= 0);
    unsigned char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    REQUIRE(p != MAP_FAILED);
    CHECK_EQ(bad_bytes(p, PAGE, PAGE), 0);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-mmap-c");
}

TEST(mmap_file_past_eof_reads_zeroes_in_the_last_page)
{
    int fd = make_file("/tmp/osc-mmap-d", 1, 100);
    REQUIRE(fd >= 0);
    unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(p != MAP_FAILED);
    CHECK_EQ(bad_bytes(p, 0, PAGE + 100), 0);
    int nonzero = 0;
    for (size_t i = PAGE + 100; i < 2 * PAGE; i++)
        nonzero += p[i] != 0;
    CHECK_EQ(nonzero, 0);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-mmap-d");
}

TEST(mmap_file_rejects_bad_offset_and_write_only_fd)
{
    int fd = make_file("/tmp/osc-mmap-e", 2, 0);
    REQUIRE(fd >= 0);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED);
    CHECK_EQ(errno, EINVAL);
    int wfd = open("/tmp/osc-mmap-e", O_WRONLY);
    REQUIRE(wfd >= 0);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, wfd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    close(wfd);
    close(fd);
    unlink("/tmp/osc-mmap-e");
    /* A pipe cannot be mapped. */
    int pfd[2];
    REQUIRE(pipe(pfd) == 0);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED);
    CHECK_EQ(errno, ENODEV);
    close(pfd[0]);
    close(pfd[1]);
}

TEST(mremap_grow_with_maymove_keeps_contents)
{
    /* The third page stays mapped, so growing in place is blocked and it must move. */
    unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    unsigned char *block = p + 2 * PAGE;
    for (size_t i = 0; i < 2 * PAGE; i++)
        p[i] = (unsigned char)(i * 3);
    unsigned char *q = mremap(p, 2 * PAGE, 8 * PAGE, MREMAP_MAYMOVE);
    REQUIRE(q != MAP_FAILED);
    CHECK(q != p);
    int bad = 0;
    for (size_t i = 0; i < 2 * PAGE; i++)
        bad += q[i] != (unsigned char)(i * 3);
    CHECK_EQ(bad, 0);
    CHECK_EQ(q[8 * PAGE - 1], 0);
    q[8 * PAGE - 1] = 7;
    CHECK_EQ(q[8 * PAGE - 1], 7);
    CHECK_EQ(munmap(q, 8 * PAGE), 0);
    CHECK_EQ(munmap(block, PAGE), 0);
}

TEST(mremap_shrink_keeps_the_head_in_place)
{
    unsigned char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    memset(p, 0x5c, 4 * PAGE);
    unsigned char *q = mremap(p, 4 * PAGE, PAGE, 0);
    CHECK(q == p);
    CHECK_EQ(p[0], 0x5c);
    CHECK_EQ(p[PAGE - 1], 0x5c);
    /* The tail is gone: mapping there without MAP_FIXED at the hint succeeds. */
    unsigned char *r = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(r == p + PAGE);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
}

TEST(mremap_grow_without_maymove_when_blocked_is_enomem)
{
    unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    p[0] = 9;
    /* Growing into the free page works in place ... */
    CHECK(mremap(p, PAGE, 2 * PAGE, 0) == p);
    /* ... but the third page blocks further growth. */
    CHECK(mremap(p, 2 * PAGE, 3 * PAGE, 0) == MAP_FAILED);
    CHECK_EQ(errno, ENOMEM);
    CHECK_EQ(p[0], 9);
    CHECK_ERR(syscall(SYS_mremap, p + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EINVAL);
    CHECK_ERR(syscall(SYS_mremap, p, PAGE, 0, MREMAP_MAYMOVE), EINVAL);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
}

TEST(mremap_fixed_moves_to_the_given_address)
{
    unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    unsigned char *t = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED && t != MAP_FAILED);
    p[0] = 0x61;
    p[PAGE] = 0x62;
    unsigned char *q = mremap(p, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, t);
    CHECK(q == t);
    CHECK_EQ(t[0], 0x61);
    CHECK_EQ(t[PAGE], 0x62);
    t[1] = 1;                       /* writable like the source */
    CHECK_EQ(munmap(t, 2 * PAGE), 0);
}

TEST(munmap_of_part_keeps_the_rest)
{
    unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    memset(p, 0x33, 3 * PAGE);
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    CHECK_EQ(p[0], 0x33);
    CHECK_EQ(p[2 * PAGE], 0x33);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);   /* unmapping a hole is not an error */
    CHECK_ERR(syscall(SYS_munmap, p + 1, PAGE), EINVAL);
}

TEST(mprotect_readonly_keeps_contents_and_back_to_write)
{
    unsigned char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    p[0] = 0x42;
    CHECK_EQ(mprotect(p, 2 * PAGE, PROT_READ), 0);
    CHECK_EQ(*(volatile unsigned char *)p, 0x42);
    CHECK_EQ(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
    p[PAGE] = 0x43;
    CHECK_EQ(p[PAGE], 0x43);
    CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL);  /* raw: musl aligns */
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
}

TEST(brk_grows_the_heap_with_zeroed_memory)
{
    uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
    CHECK(cur != 0);
    uintptr_t want = cur + 8 * PAGE;
    uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
    CHECK_EQ(got, want);
    if (got == want) {
        volatile unsigned char *p = (unsigned char *)cur;
        CHECK_EQ(p[0], 0);
        p[0] = 1;
        p[8 * PAGE - 1] = 2;
        CHECK_EQ(p[8 * PAGE - 1], 2);
        CHECK_EQ((uintptr_t)syscall(SYS_brk, cur), cur);
    }
}

TEST(malloc_many_sizes)
{
    void *blocks[64];
    for (int i = 0; i < 64; i++) {
        size_t n = (size_t)1 << (i % 20);
        blocks[i] = malloc(n);
        CHECK(blocks[i] != NULL);
        if (blocks[i])
            memset(blocks[i], i, n);
    }
    for (int i = 0; i < 64; i++)
        free(blocks[i]);
}
