/* eventfd: a 64-bit counter fd. write adds, read takes the whole count (or one with
 * EFD_SEMAPHORE), both block or fail with EAGAIN under EFD_NONBLOCK, and poll
 * reports readable while the count is non-zero. */
#include "testlib.h"
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>

static uint64_t rd(int fd) { uint64_t v = 0; return read(fd, &v, 8) == 8 ? v : (uint64_t)-1; }
static int wr(int fd, uint64_t v) { return (int)write(fd, &v, 8); }

TEST(eventfd_initial_value_is_read_back_then_count_resets)
{
    int fd = eventfd(5, EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(rd(fd), 5);
    uint64_t v;
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    close(fd);
}

TEST(eventfd_writes_add_up_and_one_read_takes_them_all)
{
    int fd = eventfd(0, EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(wr(fd, 3), 8);
    CHECK_EQ(wr(fd, 4), 8);
    CHECK_EQ(rd(fd), 7);
    close(fd);
}

TEST(eventfd_semaphore_reads_one_at_a_time)
{
    int fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(rd(fd), 1);
    CHECK_EQ(rd(fd), 1);
    uint64_t v;
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    close(fd);
}

TEST(eventfd_short_buffers_and_max_value_are_einval)
{
    int fd = eventfd(1, EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    char b[4];
    CHECK_ERR(read(fd, b, 4), EINVAL);
    CHECK_ERR(write(fd, b, 4), EINVAL);
    uint64_t max = UINT64_MAX;
    CHECK_ERR(write(fd, &max, 8), EINVAL);
    close(fd);
}

TEST(eventfd_write_that_would_overflow_is_eagain_when_nonblocking)
{
    int fd = eventfd(0, EFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(wr(fd, UINT64_MAX - 1), 8);
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN);        /* full: not writable */
    CHECK_ERR(wr(fd, 1), EAGAIN);
    CHECK_EQ(wr(fd, 0), 8);             /* adding 0 always fits */
    CHECK_EQ(rd(fd), UINT64_MAX - 1);
    close(fd);
}

TEST(eventfd_bad_flags_are_einval_and_cloexec_is_set)
{
    CHECK_ERR(syscall(SYS_eventfd2, 0, 0x40), EINVAL);
    int fd = eventfd(0, EFD_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    close(fd);
    fd = (int)syscall(SYS_eventfd, 9);  /* the old call: no flags */
    REQUIRE(fd >= 0);
    CHECK_EQ(rd(fd), 9);
    close(fd);
}

TEST(eventfd_poll_is_writable_when_empty_and_readable_after_write)
{
    int fd = eventfd(0, 0);
    REQUIRE(fd >= 0);
    struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLOUT);
    CHECK_EQ(wr(fd, 1), 8);
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN | POLLOUT);
    close(fd);
}

static void *write_later(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    wr(*(int *)arg, 42);
    return NULL;
}

TEST(eventfd_blocking_read_waits_for_another_threads_write)
{
    int fd = eventfd(0, 0);
    REQUIRE(fd >= 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &fd) == 0);
    CHECK_EQ(rd(fd), 42);
    pthread_join(t, NULL);
    close(fd);
}

TEST(eventfd_poll_wakes_when_another_thread_writes)
{
    int fd = eventfd(0, 0);
    REQUIRE(fd >= 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, write_later, &fd) == 0);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 10000), 1);
    CHECK_EQ(p.revents, POLLIN);
    pthread_join(t, NULL);
    close(fd);
}
