/* Shared file mappings: MAP_SHARED of a /tmp file maps the file's own pages, so
 * stores through it reach read() and every other mapping (across fork and in a
 * process that opens the file itself), write() shows through it, whole pages past
 * the end of file raise SIGBUS, and msync checks its arguments. MAP_PRIVATE stays
 * private; a writable shared mapping needs the file open for writing. */
#define _GNU_SOURCE
#include "testlib.h"
#include "mmap_files.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

TEST(mmap_shared_stores_reach_read_and_other_mappings)
{
    int fd = make_file("/tmp/osc-shm-a", 2 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, 2 * PAGE, PROT_READ | PROT_WRITE);
    unsigned char *q = map_shared(fd, 2 * PAGE, PROT_READ);
    REQUIRE(p && q);
    CHECK_EQ(p[PAGE + 7], (unsigned char)(PAGE + 7));
    memcpy(p + 10, "hello", 5);
    p[PAGE + 1] = 0xab;
    char buf[5];
    CHECK_EQ(pread(fd, buf, 5, 10), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    unsigned char b;
    CHECK_EQ(pread(fd, &b, 1, PAGE + 1), 1);
    CHECK_EQ(b, 0xab);
    CHECK(memcmp(q + 10, "hello", 5) == 0);
    CHECK_EQ(q[PAGE + 1], 0xab);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    CHECK_EQ(munmap(q, 2 * PAGE), 0);
    /* The stores stay in the file after the mappings are gone. */
    CHECK_EQ(pread(fd, &b, 1, PAGE + 1), 1);
    CHECK_EQ(b, 0xab);
    close(fd);
    unlink("/tmp/osc-shm-a");
}

TEST(mmap_shared_sees_later_writes_to_the_file)
{
    int fd = make_file("/tmp/osc-shm-b", PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, PAGE, PROT_READ);
    REQUIRE(p);
    CHECK_EQ(p[100], 100);
    CHECK_EQ(pwrite(fd, "xyz", 3, 100), 3);
    CHECK(memcmp(p + 100, "xyz", 3) == 0);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-b");
}

TEST(mmap_shared_is_shared_with_a_forked_child)
{
    int fd = make_file("/tmp/osc-shm-c", PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    p[0] = 1;
    int go[2], done[2];
    REQUIRE(pipe(go) == 0 && pipe(done) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        char c;
        p[1] = 0x42;                            /* the parent must see this */
        if (write(done[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(2);
        _exit(p[2] == 0x43 ? 0 : 1);            /* and we must see the parent's */
    }
    char c;
    CHECK_EQ(read(done[0], &c, 1), 1);
    CHECK_EQ(p[1], 0x42);
    p[2] = 0x43;
    CHECK_EQ(write(go[1], "x", 1), 1);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(pread(fd, &c, 1, 1), 1);
    CHECK_EQ(c, 0x42);
    close(go[0]); close(go[1]); close(done[0]); close(done[1]);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-c");
}

TEST(mmap_shared_is_shared_with_a_process_mapping_the_file_itself)
{
    int fd = make_file("/tmp/osc-shm-d", PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        /* Drop everything inherited: a mapping of its own through a new open. */
        munmap(p, PAGE);
        close(fd);
        int cfd = open("/tmp/osc-shm-d", O_RDWR);
        unsigned char *c = cfd < 0 ? NULL : map_shared(cfd, PAGE, PROT_READ | PROT_WRITE);
        if (!c)
            _exit(2);
        c[500] = 0x77;
        while (c[501] != 0x78)          /* the parent's store, through its mapping */
            usleep(1000);
        _exit(0);
    }
    for (int i = 0; i < 5000 && p[500] != 0x77; i++)
        usleep(1000);
    CHECK_EQ(p[500], 0x77);
    p[501] = 0x78;
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-d");
}

static void touch(unsigned char *p)
{
    *(volatile unsigned char *)p = 1;
}

TEST(mmap_shared_whole_pages_past_eof_raise_sigbus)
{
    int fd = make_file("/tmp/osc-shm-e", PAGE + 100);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, 3 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    /* The last page's tail past the end reads as zeros. */
    CHECK_EQ(p[PAGE + 99], 99);
    CHECK_EQ(p[PAGE + 100], 0);
    CHECK_EQ(p[2 * PAGE - 1], 0);
    int s = in_child(touch, p + 2 * PAGE);
    CHECK(s != -1 && WIFSIGNALED(s) && WTERMSIG(s) == SIGBUS);
    /* Growing the file makes the page reachable, as zeros. */
    CHECK_EQ(ftruncate(fd, 3 * PAGE), 0);
    CHECK_EQ(p[2 * PAGE + 5], 0);
    p[2 * PAGE + 5] = 9;
    unsigned char b;
    CHECK_EQ(pread(fd, &b, 1, 2 * PAGE + 5), 1);
    CHECK_EQ(b, 9);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-e");
}

TEST(mmap_shared_after_shrinking_ftruncate_raises_sigbus)
{
    int fd = make_file("/tmp/osc-shm-f", 2 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, 2 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    CHECK_EQ(p[10], 10);
    CHECK_EQ(ftruncate(fd, 20), 0);
    CHECK_EQ(p[19], 19);
    CHECK_EQ(p[20], 0);             /* cut off: zeros */
    int s = in_child(touch, p + PAGE);
    CHECK(s != -1 && WIFSIGNALED(s) && WTERMSIG(s) == SIGBUS);
    CHECK_EQ(ftruncate(fd, 2 * PAGE), 0);
    CHECK_EQ(p[PAGE + 3], 0);
    CHECK_EQ(munmap(p, 2 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-f");
}

TEST(mmap_shared_pages_outlive_close_and_unlink)
{
    int fd = make_file("/tmp/osc-shm-g", 4 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, 4 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    close(fd);
    CHECK_EQ(unlink("/tmp/osc-shm-g"), 0);
    int bad = 0;
    for (size_t i = 0; i < 4 * PAGE; i++)
        bad += p[i] != (unsigned char)i;
    CHECK_EQ(bad, 0);
    memset(p, 0x5c, 4 * PAGE);
    CHECK_EQ(p[3 * PAGE + 17], 0x5c);
    CHECK_EQ(munmap(p, 4 * PAGE), 0);
}

TEST(mmap_private_file_mapping_stays_private_beside_a_shared_one)
{
    int fd = make_file("/tmp/osc-shm-h", PAGE);
    REQUIRE(fd >= 0);
    unsigned char *s = map_shared(fd, PAGE, PROT_READ | PROT_WRITE);
    unsigned char *v = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    REQUIRE(s && v != MAP_FAILED);
    v[0] = 0xee;                    /* a private copy now */
    CHECK_EQ(s[0], 0);
    unsigned char b;
    CHECK_EQ(pread(fd, &b, 1, 0), 1);
    CHECK_EQ(b, 0);
    s[0] = 0x11;                    /* the copy does not follow the file any more */
    CHECK_EQ(v[0], 0xee);
    CHECK_EQ(munmap(s, PAGE), 0);
    CHECK_EQ(munmap(v, PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-h");
}

TEST(mmap_shared_writable_needs_the_file_open_for_writing)
{
    int fd = make_file("/tmp/osc-shm-i", PAGE);
    REQUIRE(fd >= 0);
    int rfd = open("/tmp/osc-shm-i", O_RDONLY);
    REQUIRE(rfd >= 0);
    CHECK(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    unsigned char *p = map_shared(rfd, PAGE, PROT_READ);
    REQUIRE(p);
    CHECK_ERR(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES);
    CHECK_EQ(p[3], 3);              /* still mapped, still readable */
    CHECK_EQ(munmap(p, PAGE), 0);
    /* A private mapping of the same fd may be written. */
    p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, rfd, 0);
    REQUIRE(p != MAP_FAILED);
    p[0] = 1;
    CHECK_EQ(munmap(p, PAGE), 0);
    /* Opened read-write, mprotect to writable is fine. */
    p = map_shared(fd, PAGE, PROT_READ);
    REQUIRE(p);
    CHECK_EQ(mprotect(p, PAGE, PROT_READ | PROT_WRITE), 0);
    p[0] = 0x31;
    unsigned char b;
    CHECK_EQ(pread(fd, &b, 1, 0), 1);
    CHECK_EQ(b, 0x31);
    CHECK_EQ(munmap(p, PAGE), 0);
    close(rfd);
    close(fd);
    unlink("/tmp/osc-shm-i");
}

TEST(msync_checks_flags_alignment_and_that_the_range_is_mapped)
{
    int fd = make_file("/tmp/osc-shm-j", 3 * PAGE);
    REQUIRE(fd >= 0);
    unsigned char *p = map_shared(fd, 3 * PAGE, PROT_READ | PROT_WRITE);
    REQUIRE(p);
    p[0] = 0x99;
    CHECK_EQ(msync(p, 3 * PAGE, MS_SYNC), 0);
    CHECK_EQ(msync(p, 100, MS_ASYNC), 0);   /* the length rounds up */
    CHECK_EQ(msync(p, PAGE, MS_INVALIDATE), 0);
    CHECK_EQ(msync(p, 0, MS_SYNC), 0);
    CHECK_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
    CHECK_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_ERR(msync(p, PAGE, 0x100), EINVAL);
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    CHECK_ERR(msync(p, 3 * PAGE, MS_SYNC), ENOMEM);
    CHECK_EQ(msync(p + 2 * PAGE, PAGE, MS_SYNC), 0);
    CHECK_EQ(munmap(p, 3 * PAGE), 0);
    close(fd);
    unlink("/tmp/osc-shm-j");
}

/* Maps a 64-page file shared, touches it here and in a forked child, then lets go
 * of everything: mapping, fd, name. */
static void map_fork_and_drop(void)
{
    int fd = open("/tmp/osc-shm-k", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 64 * PAGE) != 0)
        return;
    unsigned char *p = map_shared(fd, 64 * PAGE, PROT_READ | PROT_WRITE);
    if (!p) {
        close(fd);
        return;
    }
    for (size_t i = 0; i < 64; i++)
        p[i * PAGE] = 1;
    pid_t pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < 64; i++)
            p[i * PAGE + 1] = 2;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    munmap(p, 64 * PAGE);
    close(fd);
    unlink("/tmp/osc-shm-k");
}

TEST(mmap_shared_frames_return_after_munmap_exit_and_unlink)
{
    /* A leak would keep 64 frames per round; allow a little heap growth. */
    CHECK_FRAMES_RETURN(for (int i = 0; i < 4; i++) map_fork_and_drop(), 16);
}
