/* Directory positions that survive changes, as Linux's file systems give them:
 * a directory emptied while it is listed (getdents64 in small pieces, unlinking
 * what each piece returned, as rm -rf does) is listed whole, each entry once,
 * also while another descriptor lists it meanwhile;
 * telldir values lead back to their entries with seekdir, also after other
 * entries were deleted. Runs in the directory OSC_FS_DIR names
 * (tests/qemu/ext2_write.py: a read-write ext2 mount), else under /tmp. */

#define _GNU_SOURCE
#include "testlib.h"
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define NFILES 300
#define NSEEK  60

static char base[256];

__attribute__((constructor(101))) static void setup(void)
{
    const char *dir = getenv("OSC_FS_DIR");
    snprintf(base, sizeof(base), "%s/rdp-%d", dir && *dir ? dir : "/tmp", (int)getpid());
    if (mkdir(base, 0755) != 0) {
        printf("readdir_pos: cannot make %s: %s\n", base, strerror(errno));
        exit(1);
    }
    printf("readdir_pos: testing in %s\n", base);
}

__attribute__((destructor)) static void cleanup(void)
{
    rmdir(base);
}

/* Names of varied lengths, so records of several sizes are merged on removal. */
static void name_of(char *out, size_t n, int i)
{
    snprintf(out, n, "entry-%d-%.*s", i, i % 23, "abcdefghijklmnopqrstuvwxyz");
}

/* The index of a name made by name_of, or -1. */
static int index_of(const char *name)
{
    int i;
    char want[64];
    if (sscanf(name, "entry-%d-", &i) != 1 || i < 0 || i >= NFILES)
        return -1;
    name_of(want, sizeof(want), i);
    return strcmp(want, name) == 0 ? i : -1;
}

static int make_files(const char *dir, int n)
{
    char path[512], name[64];
    if (mkdir(dir, 0755) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        name_of(name, sizeof(name), i);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || close(fd) != 0)
            return -1;
    }
    return 0;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Lists all of dir through a descriptor of its own: another reader. */
static int list_all(const char *dir)
{
    char buf[4096] __attribute__((aligned(8)));
    int fd = open(dir, O_RDONLY | O_DIRECTORY), n = 0;
    long got;
    if (fd < 0)
        return -1;
    while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
        for (long off = 0; off < got; off += ((struct linux_dirent64 *)(buf + off))->d_reclen)
            n++;
    close(fd);
    return got < 0 ? -1 : n;
}

/* Creates NFILES files in base/sub and lists them with getdents64 in small
 * pieces, unlinking what each piece returned before asking for the next (as rm -rf
 * does); with other_reader, another descriptor lists the whole directory between
 * the pieces (an ls running meanwhile). Every file must be seen exactly once. */
static void empty_while_listing(const char *sub, bool other_reader)
{
    char dir[300], path[400];
    snprintf(dir, sizeof(dir), "%s/%s", base, sub);
    CHECK_EQ(make_files(dir, NFILES), 0);
    int seen[NFILES] = { 0 }, strays = 0, calls = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK(fd >= 0);
    /* 192 bytes: a few entries per call, so nearly every call follows deletions. */
    char buf[192] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
        CHECK(n >= 0);
        if (n <= 0)
            break;
        calls++;
        char names[16][64];
        int got = 0;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                continue;
            int i = index_of(d->d_name);
            if (i < 0) {
                strays++;
                continue;
            }
            seen[i]++;
            if (got < 16)
                snprintf(names[got++], sizeof(names[0]), "%.63s", d->d_name);
        }
        for (int k = 0; k < got; k++) {
            snprintf(path, sizeof(path), "%.299s/%.63s", dir, names[k]);
            CHECK_EQ(unlink(path), 0);
        }
        if (other_reader)
            CHECK(list_all(dir) >= 2);
        if (calls > 10 * NFILES)
            break;                      /* never ends: reported below */
    }
    close(fd);
    int missing = 0, twice = 0;
    for (int i = 0; i < NFILES; i++) {
        missing += seen[i] == 0;
        twice += seen[i] > 1;
    }
    CHECK_EQ(missing, 0);
    CHECK_EQ(twice, 0);
    CHECK_EQ(strays, 0);
    CHECK(calls >= NFILES / 8);         /* small pieces really were read */
    CHECK_EQ(rmdir(dir), 0);            /* and it is empty now */
}

TEST(a_directory_emptied_while_listed_in_small_pieces_lists_every_entry_once)
{
    empty_while_listing("many", false);
}

TEST(the_same_while_another_descriptor_lists_the_directory_meanwhile)
{
    empty_while_listing("many2", true);
}

struct mark { long pos; char name[64]; };

/* Lists dir with readdir, the telldir value before each entry into marks. */
static int list_marks(DIR *d, struct mark *marks, int max)
{
    int n = 0;
    for (;;) {
        long t = telldir(d);
        struct dirent *e = readdir(d);
        if (!e)
            break;
        if (n < max) {
            marks[n].pos = t;
            snprintf(marks[n].name, sizeof(marks[n].name), "%.63s", e->d_name);
        }
        n++;
    }
    return n;
}

static bool name_at(DIR *d, const struct mark *m)
{
    seekdir(d, m->pos);
    struct dirent *e = readdir(d);
    return e && strcmp(e->d_name, m->name) == 0;
}

TEST(telldir_values_lead_back_to_their_entries_also_after_deletions)
{
    char dir[300], path[400];
    snprintf(dir, sizeof(dir), "%s/seek", base);
    CHECK_EQ(make_files(dir, NSEEK), 0);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d)
        return;
    static struct mark marks[NSEEK + 2];
    int n = list_marks(d, marks, NSEEK + 2);
    CHECK_EQ(n, NSEEK + 2);             /* with . and .. */
    int bad = 0;
    for (int i = n - 1; i >= 0; i--)    /* backwards: each a real seek */
        bad += !name_at(d, &marks[i]);
    CHECK_EQ(bad, 0);
    /* Delete every third file; the others keep their positions. */
    int deleted = 0;
    for (int i = 0; i < n; i++) {
        int k = index_of(marks[i].name);
        if (k >= 0 && k % 3 == 0) {
            snprintf(path, sizeof(path), "%.299s/%.63s", dir, marks[i].name);
            CHECK_EQ(unlink(path), 0);
            marks[i].name[0] = 0;
            deleted++;
        }
    }
    CHECK_EQ(deleted, NSEEK / 3);
    bad = 0;
    for (int i = n - 1; i >= 0; i--)
        if (marks[i].name[0])
            bad += !name_at(d, &marks[i]);
    CHECK_EQ(bad, 0);
    /* A fresh listing has exactly the survivors. */
    rewinddir(d);
    static struct mark again[NSEEK + 2];
    CHECK_EQ(list_marks(d, again, NSEEK + 2), n - deleted);
    closedir(d);
    for (int i = 0; i < n; i++) {
        if (marks[i].name[0] && index_of(marks[i].name) >= 0) {
            snprintf(path, sizeof(path), "%.299s/%.63s", dir, marks[i].name);
            CHECK_EQ(unlink(path), 0);
        }
    }
    CHECK_EQ(rmdir(dir), 0);
}
