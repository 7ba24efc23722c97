/* timerfd: a timer read through an fd. read returns the number of expirations
 * since the last read as a u64 (blocking until the first, or EAGAIN under
 * TFD_NONBLOCK); periodic timers count every interval; settime/gettime report
 * the time left; poll wakes at the expiry. Timing bounds are generous. */
#include "testlib.h"
#include <poll.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

#ifndef CLOCK_REALTIME_ALARM
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#endif

static const long MS = 1000000;

static uint64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int arm(int fd, long value_ns, long interval_ns)
{
    struct itimerspec its = { { interval_ns / 1000000000, interval_ns % 1000000000 },
                              { value_ns / 1000000000, value_ns % 1000000000 } };
    return timerfd_settime(fd, 0, &its, NULL);
}

TEST(timerfd_accepts_every_linux_clock_and_rejects_others)
{
    clockid_t ok[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
                       CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM };
    for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int fd = timerfd_create(ok[i], 0);
        CHECK(fd >= 0);
        close(fd);
    }
    CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x1234), EINVAL);
}

TEST(timerfd_unarmed_read_is_eagain_and_gettime_is_zero)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    REQUIRE(fd >= 0);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    uint64_t v;
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    struct itimerspec cur;
    memset(&cur, 0xff, sizeof(cur));
    CHECK_EQ(timerfd_gettime(fd, &cur), 0);
    CHECK_EQ(cur.it_value.tv_sec, 0);
    CHECK_EQ(cur.it_value.tv_nsec, 0);
    CHECK_EQ(cur.it_interval.tv_sec, 0);
    close(fd);
}

TEST(timerfd_blocking_read_returns_one_expiry_of_a_one_shot_timer)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    REQUIRE(fd >= 0);
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    CHECK_EQ(arm(fd, 30 * MS, 0), 0);
    uint64_t v = 0;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK(now_ns(CLOCK_MONOTONIC) - t0 >= 29 * (uint64_t)MS);   /* not early */
    struct itimerspec cur;
    CHECK_EQ(timerfd_gettime(fd, &cur), 0);
    CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_nsec, 0);   /* spent */
    close(fd);
}

TEST(timerfd_periodic_timer_counts_missed_expirations)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(arm(fd, 10 * MS, 10 * MS), 0);
    struct timespec ts = { 0, 200 * MS };
    nanosleep(&ts, NULL);
    uint64_t v = 0;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK(v >= 15);                     /* ~20; at least most of them */
    uint64_t w;
    CHECK_ERR(read(fd, &w, 8), EAGAIN); /* the count was taken */
    struct itimerspec cur;
    CHECK_EQ(timerfd_gettime(fd, &cur), 0);
    CHECK_EQ(cur.it_interval.tv_nsec, 10 * MS);
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10 * MS);
    close(fd);
}

TEST(timerfd_settime_returns_the_old_setting_and_disarms_with_zero)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(arm(fd, 100000 * MS, 5000 * MS), 0);
    struct itimerspec zero = { { 0, 0 }, { 0, 0 } }, old;
    CHECK_EQ(timerfd_settime(fd, 0, &zero, &old), 0);
    CHECK(old.it_value.tv_sec > 90 && old.it_value.tv_sec <= 100);
    CHECK_EQ(old.it_interval.tv_sec, 5);
    struct itimerspec cur;
    CHECK_EQ(timerfd_gettime(fd, &cur), 0);
    CHECK_EQ(cur.it_value.tv_sec + cur.it_value.tv_nsec + cur.it_interval.tv_sec, 0);
    close(fd);
}

TEST(timerfd_settime_rejects_bad_flags_and_timespecs)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    REQUIRE(fd >= 0);
    struct itimerspec its = { { 0, 0 }, { 0, 1000000000 } };
    CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    its.it_value.tv_nsec = 1;
    CHECK_ERR(timerfd_settime(fd, 0x100, &its, NULL), EINVAL);
    int pfd[2];
    REQUIRE(pipe(pfd) == 0);
    CHECK_ERR(timerfd_settime(pfd[0], 0, &its, NULL), EINVAL);    /* not a timerfd */
    CHECK_ERR(timerfd_settime(999, 0, &its, NULL), EBADF);
    close(pfd[0]);
    close(pfd[1]);
    close(fd);
}

TEST(timerfd_absolute_time_in_the_past_fires_at_once)
{
    clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
    for (int i = 0; i < 2; i++) {
        int fd = timerfd_create(clocks[i], TFD_NONBLOCK);
        REQUIRE(fd >= 0);
        uint64_t at = now_ns(clocks[i]) - 1000000;      /* 1 ms ago */
        struct itimerspec its = { { 0, 0 }, { (time_t)(at / 1000000000), (long)(at % 1000000000) } };
        CHECK_EQ(timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET * (i == 1),
                                 &its, NULL), 0);
        uint64_t v = 0;
        CHECK_EQ(read(fd, &v, 8), 8);
        CHECK_EQ(v, 1);
        close(fd);
    }
}

TEST(timerfd_absolute_realtime_timer_fires_at_the_wall_clock_time)
{
    int fd = timerfd_create(CLOCK_REALTIME, 0);
    REQUIRE(fd >= 0);
    uint64_t at = now_ns(CLOCK_REALTIME) + 40 * MS;
    struct itimerspec its = { { 0, 0 }, { (time_t)(at / 1000000000), (long)(at % 1000000000) } };
    CHECK_EQ(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0);
    uint64_t v = 0;
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK(now_ns(CLOCK_REALTIME) + 2 * MS >= at);   /* not early (small clock slack) */
    close(fd);
}

TEST(timerfd_poll_sleeps_until_the_expiry_then_reports_readable)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    REQUIRE(fd >= 0);
    struct pollfd p = { fd, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 0), 0);
    CHECK_EQ(arm(fd, 50 * MS, 0), 0);
    CHECK_EQ(poll(&p, 1, 0), 0);
    uint64_t t0 = now_ns(CLOCK_MONOTONIC);
    CHECK_EQ(poll(&p, 1, 20000), 1);
    CHECK_EQ(p.revents, POLLIN);
    uint64_t took = now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(took >= 40 * (uint64_t)MS && took < 15000 * (uint64_t)MS);
    close(fd);
}

TEST(timerfd_rearming_resets_the_count)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    REQUIRE(fd >= 0);
    CHECK_EQ(arm(fd, 1 * MS, 0), 0);
    struct timespec ts = { 0, 20 * MS };
    nanosleep(&ts, NULL);
    CHECK_EQ(arm(fd, 100000 * MS, 0), 0);
    uint64_t v;
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    char small[4];
    CHECK_ERR(read(fd, small, 4), EINVAL);
    close(fd);
}
