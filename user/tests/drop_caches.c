/* /proc/sys/vm/drop_caches as Linux has it: write-only even for root (mode 0200),
 * a number from 1 to 4 with blanks around it accepted, anything else EINVAL. Only
 * "4" is written on the host (it drops nothing there: the host's caches are other
 * people's too); in OSCortex "3" too, and a file reads back the same after it. */

#include "testlib.h"
#include <stdbool.h>
#include <sys/stat.h>

#define DROP "/proc/sys/vm/drop_caches"

static long put(const char *text)
{
    int fd = open(DROP, O_WRONLY);
    if (fd < 0)
        return -1000 - errno;
    long r = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return r < 0 ? -errno : r;
}

TEST(drop_caches_is_there_and_write_only_even_for_root)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    struct stat st;
    CHECK_EQ(stat(DROP, &st), 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0200);
    CHECK_ERR(open(DROP, O_RDONLY), EACCES);
    CHECK_ERR(open(DROP, O_RDWR), EACCES);
}

TEST(drop_caches_takes_a_number_from_1_to_4_and_refuses_the_rest)
{
    if (geteuid() != 0) {
        printf("  (not root: skipped)\n");
        return;
    }
    CHECK_EQ(put("4"), 1);
    CHECK_EQ(put("4\n"), 2);
    CHECK_EQ(put(" 4"), 2);
    CHECK_EQ(put("0"), -EINVAL);
    CHECK_EQ(put("x"), -EINVAL);
    CHECK_EQ(put("4x"), -EINVAL);
    CHECK_EQ(put("-1"), -EINVAL);
    CHECK_EQ(put(""), 0);                       /* nothing written: nothing done */
}

TEST(dropping_the_caches_keeps_file_contents)
{
    if (!tl_on_oscortex()) {
        printf("  (not OSCortex: the host's caches are left alone)\n");
        return;
    }
    char path[64], buf[64];
    snprintf(path, sizeof(path), "/tmp/osc-drop-%d", (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    CHECK_EQ(write(fd, "kept across drop_caches\n", 24), 24);
    sync();
    CHECK_EQ(put("3\n"), 2);
    CHECK_EQ(put("1"), 1);
    CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 24);
    CHECK(memcmp(buf, "kept across drop_caches\n", 24) == 0);
    close(fd);
    unlink(path);
}
