/* Time: clock_gettime (monotonic, realtime), gettimeofday, nanosleep and
 * clock_nanosleep lower bounds. */
#include "testlib.h"

#include <sys/time.h>
#include <time.h>

static long long ns_of(const struct timespec *t)
{
    return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ns_of(&t);
}

TEST(clock_gettime_fields_are_normalised)
{
    struct timespec t;
    CHECK_EQ(clock_gettime(CLOCK_MONOTONIC, &t), 0);
    CHECK(t.tv_sec >= 0);
    CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000L);
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &t), 0);
    CHECK(t.tv_nsec >= 0 && t.tv_nsec < 1000000000L);
}

TEST(clock_monotonic_never_goes_back)
{
    long long prev = mono_ns();
    for (int i = 0; i < 10000; i++) {
        long long now = mono_ns();
        if (now < prev) {
            CHECK(now >= prev);
            break;
        }
        prev = now;
    }
}

TEST(clock_monotonic_advances)
{
    long long start = mono_ns();
    long long now = start;
    /* Spin at most ~2 s of wall time counted in iterations, not clocks. */
    for (long i = 0; i < 2000000000L && now == start; i++)
        now = mono_ns();
    CHECK(now > start);
}

TEST(clock_realtime_is_after_2020)
{
    struct timespec t;
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &t), 0);
    CHECK(t.tv_sec > 1577836800);   /* 2020-01-01: the RTC was read */
}

TEST(gettimeofday_agrees_with_realtime)
{
    struct timespec ts;
    struct timeval tv;
    CHECK_EQ(gettimeofday(&tv, NULL), 0);
    CHECK_EQ(clock_gettime(CLOCK_REALTIME, &ts), 0);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    long long d = (long long)ts.tv_sec - tv.tv_sec;
    CHECK(d >= 0 && d <= 1);
    CHECK(time(NULL) >= tv.tv_sec);
}

TEST(nanosleep_sleeps_at_least_the_requested_time)
{
    struct timespec req = { 0, 20 * 1000000L };   /* 20 ms */
    long long start = mono_ns();
    CHECK_EQ(nanosleep(&req, NULL), 0);
    CHECK(mono_ns() - start >= 20 * 1000000LL);
}

TEST(clock_nanosleep_relative_sleeps_at_least_the_requested_time)
{
    struct timespec req = { 0, 30 * 1000000L };   /* 30 ms */
    long long start = mono_ns();
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
    CHECK(mono_ns() - start >= 30 * 1000000LL);
}

TEST(clock_nanosleep_absolute_wakes_after_the_deadline)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_nsec += 25 * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    CHECK_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &dl, NULL), 0);
    CHECK(mono_ns() >= ns_of(&dl));
}

TEST(nanosleep_rejects_bad_nanoseconds)
{
    struct timespec req = { 0, 1000000000L };
    CHECK_ERR(nanosleep(&req, NULL), EINVAL);
    req.tv_nsec = -1;
    CHECK_ERR(nanosleep(&req, NULL), EINVAL);
}
