/* Listing a directory while changing it: every entry present from start to end
 * is listed exactly once, even as the lister deletes what it has read (rm -r's
 * pattern), and entries added mid-listing do not repeat old ones; a removed
 * directory takes no new entries. */
#include "testlib.h"

#include <dirent.h>
#include <sys/stat.h>

#define N 300

static char dir[64];

static void make_dir_with_files(int n)
{
    snprintf(dir, sizeof(dir), "/tmp/dirlist-%d", (int)getpid());
    REQUIRE(mkdir(dir, 0755) == 0);
    for (int i = 0; i < n; i++) {
        char p[96];
        snprintf(p, sizeof(p), "%s/f%03d", dir, i);
        int fd = open(p, O_CREAT | O_WRONLY, 0644);
        REQUIRE(fd >= 0);
        close(fd);
    }
}

TEST(deleting_each_entry_after_reading_it_lists_them_all)
{
    make_dir_with_files(N);
    DIR *d = opendir(dir);
    REQUIRE(d);
    static char seen[N];
    memset(seen, 0, sizeof(seen));
    int count = 0, dups = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        int i = atoi(e->d_name + 1);
        if (i >= 0 && i < N) {
            dups += seen[i];
            seen[i] = 1;
        }
        count++;
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        CHECK(unlink(p) == 0);
    }
    closedir(d);
    CHECK(count == N);
    CHECK(dups == 0);
    CHECK(rmdir(dir) == 0);         /* nothing was skipped */
}

TEST(entries_added_while_listing_do_not_repeat_old_ones)
{
    make_dir_with_files(50);
    DIR *d = opendir(dir);
    REQUIRE(d);
    static char seen[1000];
    memset(seen, 0, sizeof(seen));
    int dups = 0, old = 0, added = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] != 'f' && e->d_name[0] != 'g')
            continue;
        int i = atoi(e->d_name + 1) + (e->d_name[0] == 'g' ? 500 : 0);
        dups += seen[i];
        seen[i] = 1;
        if (e->d_name[0] == 'f') {
            old++;
            if (added < 100) {
                char p[96];
                snprintf(p, sizeof(p), "%s/g%03d", dir, added++);
                int fd = open(p, O_CREAT | O_WRONLY, 0644);
                CHECK(fd >= 0);
                close(fd);
            }
        }
    }
    closedir(d);
    CHECK(old == 50);
    CHECK(dups == 0);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* A removed directory takes no new names, even through a descriptor or the
 * working directory still pointing at it (Linux: ENOENT). */
TEST(creating_in_a_removed_directory_is_enoent)
{
    char d[64], cwd[256];
    snprintf(d, sizeof(d), "/tmp/dirlist-gone-%d", (int)getpid());
    REQUIRE(mkdir(d, 0755) == 0);
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    REQUIRE(dfd >= 0);
    REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
    REQUIRE(chdir(d) == 0);
    CHECK(rmdir(d) == 0);
    errno = 0;
    CHECK(openat(dfd, "f", O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOENT);
    errno = 0;
    CHECK(mkdirat(dfd, "sub", 0755) == -1 && errno == ENOENT);
    errno = 0;
    CHECK(symlinkat("x", dfd, "ln") == -1 && errno == ENOENT);
    errno = 0;
    CHECK(mkdir("rel", 0755) == -1 && errno == ENOENT);
    CHECK(chdir(cwd) == 0);
    close(dfd);
}
