/* Pipes: data in order, EOF once every writer is gone, EPIPE once every reader is
 * gone, O_NONBLOCK EAGAIN both ways, pipe2 flags, a blocked reader woken by a
 * child's write or exit. */
#define _GNU_SOURCE
#include "testlib.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

TEST(pipe_carries_data_in_order)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK(p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
    CHECK_EQ(write(p[1], "hello ", 6), 6);
    CHECK_EQ(write(p[1], "pipe", 4), 4);
    char buf[32] = { 0 };
    CHECK_EQ(read(p[0], buf, sizeof buf), 10);  /* read returns what is there */
    CHECK_STR(buf, "hello pipe");
    close(p[0]), close(p[1]);
}

TEST(pipe_partial_reads_keep_the_rest)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(write(p[1], "abcdef", 6), 6);
    char buf[4] = { 0 };
    CHECK_EQ(read(p[0], buf, 2), 2);
    CHECK_STR(buf, "ab");
    CHECK_EQ(read(p[0], buf, 3), 3);
    CHECK_STR(buf, "cde");
    close(p[0]), close(p[1]);
}

TEST(pipe_read_after_writer_closes_returns_eof)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    close(p[1]);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);             /* buffered data first */
    CHECK_EQ(read(p[0], &c, 1), 0);             /* then EOF */
    CHECK_EQ(read(p[0], &c, 1), 0);
    close(p[0]);
}

TEST(pipe_eof_waits_for_every_writer)
{
    int p[2];
    REQUIRE(pipe2(p, O_NONBLOCK) == 0);
    int w2 = dup(p[1]);
    close(p[1]);
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);       /* a writer remains: not EOF */
    close(w2);
    CHECK_EQ(read(p[0], &c, 1), 0);
    close(p[0]);
}

/* The blocking read sleeps until the child (after 50 ms) writes, then until its
 * exit closes the last write end. */
TEST(pipe_blocked_read_wakes_for_a_child_write_then_eof_at_its_exit)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    pid_t c = fork();
    REQUIRE(c >= 0);
    if (c == 0) {
        close(p[0]);
        struct timespec ts = { 0, 50 * 1000000 };
        nanosleep(&ts, NULL);
        _exit(write(p[1], "y", 1) == 1 ? 0 : 1);
    }
    close(p[1]);
    char ch = 0;
    CHECK_EQ(read(p[0], &ch, 1), 1);
    CHECK_EQ(ch, 'y');
    CHECK_EQ(read(p[0], &ch, 1), 0);
    int st;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(p[0]);
}

TEST(pipe_write_without_reader_is_epipe)
{
    struct sigaction sa = { .sa_handler = SIG_IGN }, old;
    REQUIRE(sigaction(SIGPIPE, &sa, &old) == 0);
    int p[2];
    REQUIRE(pipe(p) == 0);
    close(p[0]);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    close(p[1]);
    sigaction(SIGPIPE, &old, NULL);
}

TEST(pipe_nonblocking_read_of_empty_pipe_is_eagain)
{
    int p[2];
    REQUIRE(pipe2(p, O_NONBLOCK) == 0);
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    close(p[0]), close(p[1]);
}

TEST(pipe_nonblocking_write_fills_then_eagain)
{
    int p[2];
    REQUIRE(pipe2(p, O_NONBLOCK) == 0);
    static char chunk[1024];
    memset(chunk, 'z', sizeof chunk);
    long total = 0;
    for (int i = 0; i < 4096; i++) {        /* at most 4 MiB */
        ssize_t n = write(p[1], chunk, sizeof chunk);
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        total += n;
    }
    CHECK(total >= 4096);                   /* POSIX: PIPE_BUF at least */
    CHECK(total < 4L << 20);
    /* Draining everything makes room again. */
    char buf[1024];
    long drained = 0;
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        drained += n;
    CHECK_EQ(drained, total);
    CHECK(write(p[1], "y", 1) == 1);
    close(p[0]), close(p[1]);
}

TEST(fcntl_setfl_toggles_nonblocking)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    CHECK_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    close(p[0]), close(p[1]);
}

TEST(pipe2_cloexec_sets_both_ends)
{
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    CHECK_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    close(p[0]), close(p[1]);
    CHECK_ERR(pipe2(p, 0x12345678), EINVAL);
}

TEST(pipe_ends_are_one_way)
{
    int p[2];
    REQUIRE(pipe(p) == 0);
    char c;
    CHECK_ERR(write(p[0], "x", 1), EBADF);
    CHECK_ERR(read(p[1], &c, 1), EBADF);
    close(p[0]), close(p[1]);
}
