/* Process basics: getpid/getppid/gettid, uid calls, uname fields, getrandom. */
#define _GNU_SOURCE
#include "testlib.h"

#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

TEST(getpid_is_positive_and_stable)
{
    pid_t p = getpid();
    CHECK(p > 0);
    CHECK_EQ(getpid(), p);
    CHECK_EQ(syscall(SYS_getpid), p);
}

TEST(getppid_is_positive_and_differs_from_pid)
{
    if (getpid() == 1) {            /* run as init: Linux reports parent 0 */
        CHECK_EQ(getppid(), 0);
        return;
    }
    CHECK(getppid() > 0);
    CHECK(getppid() != getpid());
}

TEST(gettid_of_the_main_thread_is_the_pid)
{
    CHECK_EQ(syscall(SYS_gettid), getpid());
}

TEST(uid_calls_agree)
{
    CHECK_EQ(getuid(), geteuid());
    CHECK_EQ(getgid(), getegid());
}

static int terminated_nonempty(const char *s, size_t size)
{
    return s[0] != '\0' && memchr(s, '\0', size) != NULL;
}

TEST(uname_fields_are_filled)
{
    struct utsname u;
    memset(&u, 0xff, sizeof u);
    CHECK_EQ(uname(&u), 0);
    CHECK(terminated_nonempty(u.sysname, sizeof u.sysname));
    CHECK(terminated_nonempty(u.release, sizeof u.release));
    CHECK(terminated_nonempty(u.version, sizeof u.version));
    CHECK(terminated_nonempty(u.nodename, sizeof u.nodename));
    CHECK_STR(u.machine, "x86_64");
}

TEST(getrandom_fills_the_buffer)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    CHECK_EQ(getrandom(a, sizeof a, 0), sizeof a);
    CHECK_EQ(getrandom(b, sizeof b, 0), sizeof b);
    int zeros = 0;
    for (size_t i = 0; i < sizeof a; i++)
        zeros += a[i] == 0;
    CHECK(zeros < 16);                      /* 64 random bytes: ~0.25 zeros expected */
    CHECK(memcmp(a, b, sizeof a) != 0);
}

TEST(getrandom_large_request_returns_bytes)
{
    static unsigned char big[4096];
    ssize_t n = getrandom(big, sizeof big, 0);
    CHECK(n > 0 && n <= (ssize_t)sizeof big);
}

TEST(getrandom_rejects_unknown_flags)
{
    unsigned char a[8];
    CHECK_ERR(syscall(SYS_getrandom, a, sizeof a, 0x4000), EINVAL);
}
