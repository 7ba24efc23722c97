/* Private file mappings: MAP_PRIVATE of a /tmp file shows the file's pages until
 * a page is written (copy-on-write), so untouched pages follow later write()s while
 * written ones stay private, also across fork; the tail of the last page reads as
 * zeros, whole pages past the end raise SIGBUS, PROT_WRITE works on a read-only
 * fd (also through mprotect), and the frames come back after munmap and exit. */
#define _GNU_SOURCE
#include "testlib.h"
#include "mmap_files.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>

static void touch(unsigned char *p)
{
    *(volatile unsigned char *)p;
}

TEST(mmap_private_reads_the_file_and_writes_stay_private)
{
    int fd = make_file("/tmp/osc-priv-a", 3 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_private(fd, 3 * PAGE, PROT_READ | PROT_WRITE);
    unsigned char *q = map_private(fd, 3 * PAGE, PROT_READ);
    REQUIRE(p && q);
    int bad = 0;
    for (size_t i = 0; i < 3 * PAGE; i++)
        bad += p[i] != (unsigned char)i;
    CHECK_EQ(bad, 0);
    p[PAGE + 5] = 0xee;             /* first touch of page 1 is this write */
    p[0] = 0xdd;                    /* page 0 was read first */
    CHECK_EQ(p[PAGE + 5], 0xee);
    CHECK_EQ(p[PAGE + 6], 6);       /* the rest of the page is the file's */
    CHECK_EQ(q[PAGE + 5], 5);
    CHECK_EQ(q[0], 0);
    unsigned char b;
    CHECK_EQ(pread(fd, &b, 1, PAGE + 5), 1);
    CHECK_EQ(b, 5);
    CHECK_EQ(pread(fd, &b, 1, 0), 1);
    CHECK_EQ(b, 0);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
    CHECK_EQ(munmap(q, 3 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-priv-a");
}

TEST(mmap_private_untouched_pages_see_later_writes_to_the_file)
{
    int fd = make_file("/tmp/osc-priv-b", 2 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_private(fd, 2 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    CHECK_EQ(p[100], 100);          /* read, not written: still the file's page */
    p[PAGE] = 0x77;                 /* written: a private copy */
    CHECK_EQ(pwrite(fd, "xyz", 3, 100), 3);
    CHECK_EQ(pwrite(fd, "abc", 3, PAGE + 100), 3);
    CHECK(memcmp(p + 100, "xyz", 3) == 0);
    CHECK_EQ(p[PAGE + 100], 100);   /* the copy does not follow the file */
    CHECK_EQ(p[PAGE], 0x77);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-priv-b");
}

TEST(mmap_private_is_copy_on_write_across_fork)
{
    int fd = make_file("/tmp/osc-priv-c", 2 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_private(fd, 2 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    p[0] = 0x11;                    /* the parent's own copy before fork */
    CHECK_EQ(p[PAGE], 0);           /* page 1: the file's, read-only shared */
    int go[2], done[2];
    REQUIRE(pipe(go) == 0 && pipe(done) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        int ok = p[0] == 0x11 && p[PAGE + 1] == 1;
        p[0] = 0x22;
        p[PAGE + 1] = 0x33;
        if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        /* The parent's later stores must not show here. */
        ok = ok && p[0] == 0x22 && p[PAGE + 1] == 0x33 && p[PAGE + 2] == 2;
        _exit(ok ? 0 : 1);
    }
    char c;
    CHECK_EQ(read(done[0], &c, 1), 1);
    CHECK_EQ(p[0], 0x11);
    CHECK_EQ(p[PAGE + 1], 1);
    p[PAGE + 2] = 0x44;
    CHECK_EQ(write(go[1], "x", 1), 1);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    unsigned char b[3];
    CHECK_EQ(pread(fd, b, 3, PAGE), 3);
    CHECK(b[0] == 0 && b[1] == 1 && b[2] == 2);
    close(go[0]); close(go[1]); close(done[0]); close(done[1]);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-priv-c");
}

TEST(mmap_private_tail_of_the_last_page_is_zero_and_past_it_sigbus)
{
    int fd = make_file("/tmp/osc-priv-d", PAGE + 100);
    REQUIRE(fd >= 0);
    unsigned char *p = map_private(fd, 3 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    CHECK_EQ(p[PAGE + 99], 99);
    CHECK_EQ(p[PAGE + 100], 0);
    CHECK_EQ(p[2 * PAGE - 1], 0);
    p[PAGE + 200] = 5;              /* private: the file does not grow */
    struct stat st;
    CHECK_EQ(fstat(fd, &st), 0);
    CHECK_EQ(st.st_size, (off_t)(PAGE + 100));
    int s = in_child(touch, p + 2 * PAGE);
    CHECK(s != -1 && WIFSIGNALED(s) && WTERMSIG(s) == SIGBUS);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-priv-d");
}

TEST(mmap_private_writable_on_a_read_only_fd_also_through_mprotect)
{
    int w = make_file("/tmp/osc-priv-e", 2 * PAGE);
    REQUIRE(w >= 0);
    close(w);
    int fd = open("/tmp/osc-priv-e", O_RDONLY);
    REQUIRE(fd >= 0);
    unsigned char *p = map_private(fd, 2 * PAGE, PROT_READ | PROT_WRITE);
    unsigned char *q = map_private(fd, 2 * PAGE, PROT_READ);
    REQUIRE(p && q);
    p[3] = 0xaa;
    CHECK_EQ(p[3], 0xaa);
    CHECK_EQ(q[PAGE + 3], 3);       /* read first, then made writable */
    CHECK_EQ(mprotect(q, 2 * PAGE, PROT_READ | PROT_WRITE), 0);
    q[PAGE + 3] = 0xbb;
    q[4] = 0xcc;                    /* never touched before the mprotect */
    CHECK_EQ(q[PAGE + 3], 0xbb);
    CHECK_EQ(q[3], 3);
    unsigned char b;
    CHECK_EQ(pread(fd, &b, 1, PAGE + 3), 1);
    CHECK_EQ(b, 3);
    CHECK_EQ(pread(fd, &b, 1, 4), 1);
    CHECK_EQ(b, 4);
    CHECK_EQ(mprotect(q, 2 * PAGE, PROT_READ), 0);
    CHECK_EQ(q[PAGE + 3], 0xbb);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    CHECK_EQ(munmap(q, 2 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-priv-e");
}

TEST(mremap_moving_a_private_file_mapping_keeps_untouched_pages_the_files)
{
    int fd = make_file("/tmp/osc-priv-f", 4 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_private(fd, 2 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    p[0] = 0x99;                    /* page 1 stays untouched */
    /* Block growth in place so the mapping has to move. */
    void *block = mmap(p + 2 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
                       MAP_FIXED_NOREPLACE, -1, 0);
    unsigned char *n = mremap(p, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    REQUIRE(n != MAP_FAILED);
    CHECK_EQ(n[0], 0x99);
    CHECK_EQ(n[PAGE + 7], 7);
    CHECK_EQ(n[3 * PAGE + 9], 9);
    CHECK_EQ(munmap(n, 4 * PAGE), 0);
    if (block != MAP_FAILED)
        munmap(block, PAGE);
    close(fd);
    unlink("/tmp/osc-priv-f");
}

/* Maps a 64-page file privately, reads and writes it here and in a forked child,
 * then lets go of everything: mapping, fd, name. */
static void map_private_fork_and_drop(void)
{
    int fd = open("/tmp/osc-priv-k", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 64 * PAGE) != 0)
        return;
    unsigned char *p = map_private(fd, 64 * PAGE, PROT_READ | PROT_WRITE);
    if (!p) {
        close(fd);
        return;
    }
    for (size_t i = 0; i < 64; i++)
        touch(p + i * PAGE);
    for (size_t i = 0; i < 32; i++)
        p[i * PAGE] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 16; i < 48; i++)
            p[i * PAGE + 1] = 2;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    munmap(p, 64 * PAGE);
    close(fd);
    unlink("/tmp/osc-priv-k");
}

TEST(mmap_private_frames_return_after_munmap_exit_and_unlink)
{
    /* A leak would keep 64 frames or more per round; allow a little heap growth. */
    CHECK_FRAMES_RETURN(for (int i = 0; i < 4; i++) map_private_fork_and_drop(), 16);
}
