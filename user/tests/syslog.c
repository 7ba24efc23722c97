/* syslog(2) as busybox dmesg uses it (klogctl): the ring's size, reading it
 * whole, a short read giving the newest bytes, clearing, and the arguments
 * refused. Reading needs privilege (root here; another user gets EPERM). */
#define _GNU_SOURCE
#include "testlib.h"

#include <stdlib.h>
#include <sys/klog.h>
#include <sys/wait.h>
#include <unistd.h>

TEST(the_buffer_size_is_reported_and_read_all_returns_log_text)
{
    int size = klogctl(10, NULL, 0);
    CHECK(size >= 4096);
    char *buf = malloc((size_t)size);
    REQUIRE(buf != NULL);
    int n = klogctl(3, buf, size);
    CHECK(n > 0 && n <= size);
    /* Every kernel's log has bracketed lines ([mm], [    0.000000], ...). */
    CHECK(memchr(buf, '[', (size_t)n) != NULL && memchr(buf, '\n', (size_t)n) != NULL);
    /* A short read gives the newest whole lines that fit (none when the last
     * line is longer than the buffer). */
    char tail[200];
    int t = klogctl(3, tail, sizeof(tail));
    CHECK(t >= 0 && t <= (int)sizeof(tail));
    CHECK(t == 0 || tail[t - 1] == '\n');
    CHECK(klogctl(9, NULL, 0) >= 0);
    free(buf);
}

TEST(bad_arguments_are_einval_and_efault)
{
    char buf[16];
    CHECK_ERR(klogctl(3, buf, -1), EINVAL);
    CHECK_ERR(klogctl(3, NULL, 16), EINVAL);
    CHECK_ERR(klogctl(3, (char *)8, klogctl(10, NULL, 0)), EFAULT);
    CHECK_ERR(klogctl(99, buf, 16), EINVAL);
    CHECK_ERR(klogctl(8, NULL, 0), EINVAL);     /* console level out of 1..8 */
}

TEST(a_normal_user_may_not_read_it)
{
    if (getuid() != 0) {
        printf("  note: not root: skipped\n");
        return;
    }
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        char buf[64];
        if (setuid(65534) != 0)
            _exit(2);
        _exit(klogctl(3, buf, sizeof(buf)) == -1 && errno == EPERM ? 0 : 1);
    }
    int status = -1;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
