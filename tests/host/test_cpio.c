/* host-test: kernel/fs/cpio.c */
/* host-test-setup: tests/host/setup_cpio.sh */
#define _GNU_SOURCE     /* memmem */
/* cpio newc reader on archives written by GNU cpio and by tools/mkinitramfs.py
 * (setup_cpio.sh), then on truncated and corrupted copies of them, each parsed from
 * an exact-size heap buffer so ASan catches any overread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <osc/cpio.h>
#include <osc/errno.h>
#include "check.h"

struct blob {
    char *buf;
    size_t len;
};

static const char *data_path(const char *name, char *path, size_t size)
{
    const char *dir = getenv("HOST_TEST_DATA");
    snprintf(path, size, "%s/%s", dir ? dir : ".", name);
    return path;
}

static struct blob blob_load(const char *name)
{
    struct blob b = { NULL, 0 };
    char path[1024];
    FILE *f = fopen(data_path(name, path, sizeof(path)), "rb");
    if (!f) {
        fprintf(stderr, "  cannot open %s (setup_cpio.sh should have made it)\n", path);
        host_test_failed_checks++;
        return b;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.buf = malloc((size_t)n + 1);
    if (b.buf && fread(b.buf, 1, (size_t)n, f) == (size_t)n)
        b.len = (size_t)n;
    b.buf[b.len] = 0;
    fclose(f);
    return b;
}

#define MAX_SEEN 32
struct seen {
    int n;
    struct cpio_entry e[MAX_SEEN];
    char names[MAX_SEEN][64];
    char data[MAX_SEEN][64];
    int stop_after;     /* return 7 after this many entries (0: never) */
};

static int collect(const struct cpio_entry *e, void *ctx)
{
    struct seen *s = ctx;
    /* Touch every byte the entry points at: ASan proves they are inside the buffer. */
    volatile unsigned sum = 0;
    for (size_t i = 0; i <= e->name_len; i++)
        sum += (unsigned char)e->name[i];
    for (size_t i = 0; i < e->size; i++)
        sum += ((const unsigned char *)e->data)[i];
    if (s->n < MAX_SEEN) {
        s->e[s->n] = *e;
        snprintf(s->names[s->n], 64, "%s", e->name);
        size_t n = e->size < 63 ? e->size : 63;
        memcpy(s->data[s->n], e->data, n);
        s->data[s->n][n] = 0;
        s->e[s->n].name = s->names[s->n];
        s->e[s->n].data = s->data[s->n];
    }
    s->n++;
    return s->stop_after && s->n == s->stop_after ? 7 : 0;
}

static int iterate_exact(const char *buf, size_t len, struct seen *s)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, buf, len);
    memset(s, 0, offsetof(struct seen, stop_after));
    int r = cpio_iterate(copy, len, collect, s);
    free(copy);
    return r;
}

static const struct cpio_entry *find(const struct seen *s, const char *name)
{
    for (int i = 0; i < s->n && i < MAX_SEEN; i++)
        if (strcmp(s->names[i], name) == 0)
            return &s->e[i];
    fprintf(stderr, "  entry %s missing\n", name);
    host_test_failed_checks++;
    return NULL;
}

TEST(gnu_cpio_archive_yields_every_entry_with_its_metadata)
{
    struct blob b = blob_load("gnu.cpio");
    if (!b.len)
        return;
    static struct seen s;
    CHECK_EQ(iterate_exact(b.buf, b.len, &s), 0);
    CHECK_EQ(s.n, 11);      /* . a a/b a/b/{four,one,three,two} a/empty a/hello.txt a/link a/null */
    const struct cpio_entry *e;
    if ((e = find(&s, "."))) {
        CHECK_EQ(e->mode, CPIO_S_IFDIR | 0755);
        CHECK_EQ(e->size, 0);
        CHECK_EQ(e->mtime, 1700000000);
    }
    if ((e = find(&s, "a/hello.txt"))) {
        CHECK_EQ(e->mode, CPIO_S_IFREG | 0644);
        CHECK_EQ(e->size, 6);
        CHECK_STR(s.data[e - s.e], "hello\n");
        CHECK_EQ(e->uid, 0);
        CHECK_EQ(e->nlink, 1);
        CHECK_EQ(e->name_len, 11);
    }
    if ((e = find(&s, "a/empty")))
        CHECK_EQ(e->size, 0);
    if ((e = find(&s, "a/b/three"))) {
        CHECK_EQ(e->size, 3);
        CHECK_STR(s.data[e - s.e], "123");
    }
    if ((e = find(&s, "a/b/four")))
        CHECK_STR(s.data[e - s.e], "1234");
    if ((e = find(&s, "a/link"))) {
        CHECK_EQ(e->mode & CPIO_S_IFMT, CPIO_S_IFLNK);
        CHECK_EQ(e->size, 9);
        CHECK_STR(s.data[e - s.e], "hello.txt");
    }
    char path[1024];
    FILE *nodev = fopen(data_path("no-device-node", path, sizeof(path)), "r");
    CHECK(nodev == NULL);   /* setup could not mknod: not root */
    if (nodev)
        fclose(nodev);
    else if ((e = find(&s, "a/null"))) {
        CHECK_EQ(e->mode, CPIO_S_IFCHR | 0644);
        CHECK_EQ(e->rdev_major, 1);
        CHECK_EQ(e->rdev_minor, 3);
        CHECK_EQ(e->size, 0);
    }
    for (int i = 0; i < s.n; i++)
        CHECK(cpio_name_is_safe(s.names[i]));
    free(b.buf);
}

TEST(mkinitramfs_archive_is_sorted_reproducible_and_matches_manifest)
{
    struct blob b = blob_load("ours.cpio");
    struct blob list = blob_load("ours.list");
    if (!b.len || !list.len)
        goto out;
    static struct seen s;
    CHECK_EQ(iterate_exact(b.buf, b.len, &s), 0);
    static const struct {
        const char *name;
        uint32_t mode, nlink, size, rmaj, rmin;
        const char *data;
    } want[] = {
        { ".", CPIO_S_IFDIR | 0755, 4, 0, 0, 0, "" },
        { "bin", CPIO_S_IFDIR | 0755, 2, 0, 0, 0, "" },
        { "bin/four", CPIO_S_IFREG | 0644, 1, 4, 0, 0, "1234" },
        { "bin/hello", CPIO_S_IFREG | 0755, 1, 6, 0, 0, "hello\n" },
        { "bin/sh", CPIO_S_IFLNK | 0777, 1, 7, 0, 0, "busybox" },
        { "bin/three", CPIO_S_IFREG | 0644, 1, 3, 0, 0, "123" },
        { "dev", CPIO_S_IFDIR | 0755, 2, 0, 0, 0, "" },
        { "dev/console", CPIO_S_IFCHR | 0600, 1, 0, 5, 1, "" },
        { "dev/vda", CPIO_S_IFBLK | 0660, 1, 0, 254, 0, "" },
        { "empty", CPIO_S_IFREG | 0600, 1, 0, 0, 0, "" },
    };
    CHECK_EQ(s.n, (int)(sizeof(want) / sizeof(want[0])));
    /* GNU cpio's own listing of our archive must name the same entries in order. */
    char *line = list.buf;
    for (int i = 0; i < s.n && i < (int)(sizeof(want) / sizeof(want[0])); i++) {
        const struct cpio_entry *e = &s.e[i];
        CHECK_STR(s.names[i], want[i].name);
        CHECK_EQ(e->mode, want[i].mode);
        CHECK_EQ(e->nlink, want[i].nlink);
        CHECK_EQ(e->size, want[i].size);
        CHECK_EQ(e->rdev_major, want[i].rmaj);
        CHECK_EQ(e->rdev_minor, want[i].rmin);
        CHECK_STR(s.data[i], want[i].data);
        CHECK_EQ(e->ino, i + 1);
        CHECK_EQ(e->uid, 0);
        CHECK_EQ(e->gid, 0);
        CHECK_EQ(e->mtime, 0);
        char *nl = strchr(line, '\n');
        if (!nl) {
            CHECK(nl != NULL);
            break;
        }
        *nl = 0;
        CHECK_STR(line, want[i].name);
        line = nl + 1;
    }
out:
    free(b.buf);
    free(list.buf);
}

TEST(callback_return_value_stops_the_walk)
{
    struct blob b = blob_load("ours.cpio");
    if (!b.len)
        return;
    static struct seen s;
    s.stop_after = 3;
    CHECK_EQ(iterate_exact(b.buf, b.len, &s), 7);
    CHECK_EQ(s.n, 3);
    s.stop_after = 0;
    free(b.buf);
}

/* Offset just past the "TRAILER!!!" entry's name padding: shorter prefixes lack it. */
static size_t trailer_end(const struct blob *b)
{
    const char *t = memmem(b->buf, b->len, "TRAILER!!!", 11);
    if (!t)
        return 0;
    size_t end = (size_t)(t - b->buf) + 11;
    return (end + 3) & ~(size_t)3;
}

static void truncations_fail(const char *name)
{
    struct blob b = blob_load(name);
    if (!b.len)
        return;
    static struct seen s;
    size_t end = trailer_end(&b);
    CHECK(end > 0 && end <= b.len);
    for (size_t k = 0; k < end; k++) {
        int r = iterate_exact(b.buf, k, &s);
        if (r != -EINVAL) {
            fprintf(stderr, "  %s truncated to %zu gave %d\n", name, k, r);
            host_test_failed_checks++;
        }
    }
    CHECK_EQ(iterate_exact(b.buf, end, &s), 0);
    CHECK_EQ(iterate_exact(b.buf, end - 1, &s), -EINVAL);   /* trailer's name padding cut */
    free(b.buf);
}

TEST(every_truncation_before_the_trailer_is_einval)
{
    truncations_fail("gnu.cpio");
    truncations_fail("ours.cpio");
}

static void expect_einval(const char *buf, size_t len, const char *what, long arg)
{
    static struct seen s;
    int r = iterate_exact(buf, len, &s);
    if (r != -EINVAL) {
        fprintf(stderr, "  %s (%ld) gave %d, want -EINVAL\n", what, arg, r);
        host_test_failed_checks++;
    }
}

static void set_field(char *h, int field, uint32_t v)
{
    char tmp[9];
    snprintf(tmp, sizeof(tmp), "%08X", v);
    memcpy(h + 6 + 8 * field, tmp, 8);
}

#define MUTATE(what, arg, stmt)                                   \
    do {                                                          \
        char *m = malloc(b.len);                                  \
        memcpy(m, b.buf, b.len);                                  \
        stmt;                                                     \
        expect_einval(m, b.len, what, (long)(arg));               \
        free(m);                                                  \
    } while (0)

TEST(corrupted_headers_are_einval)
{
    struct blob b = blob_load("ours.cpio");
    if (!b.len)
        return;
    /* Second header (name "bin", after "." at 0): mutate both the first and this one. */
    size_t second = (110 + 2 + 3) & ~(size_t)3;
    CHECK(memcmp(b.buf + second, "070701", 6) == 0);
    size_t heads[] = { 0, second };
    for (int h = 0; h < 2; h++) {
        size_t o = heads[h];
        MUTATE("magic", o, m[o + 5] = '2');
        MUTATE("old binary magic", o, memcpy(m + o, "\xc7\x71", 2));
        for (int f = 0; f < 13; f++) {
            MUTATE("non-hex digit in field", f, m[o + 6 + 8 * f + 3] = 'g');
            MUTATE("blank in field", f, m[o + 6 + 8 * f] = ' ');
            MUTATE("sign in field", f, m[o + 6 + 8 * f] = '-');
        }
        MUTATE("namesize 0", o, set_field(m + o, 11, 0));
        MUTATE("namesize 1", o, set_field(m + o, 11, 1));
        MUTATE("namesize huge", o, set_field(m + o, 11, 0xffffffff));
        MUTATE("namesize past NUL", o, set_field(m + o, 11, h ? 5 : 3));
        MUTATE("namesize short of NUL", o, set_field(m + o, 11, h ? 3 : 1));
        MUTATE("filesize huge", o, set_field(m + o, 6, 0xffffffff));
        MUTATE("filesize past end", o, set_field(m + o, 6, (uint32_t)b.len));
    }
    MUTATE("embedded NUL in name", 0, m[second + 110 + 1] = 0);
    MUTATE("trailer misspelt", 0, ({ char *t = memmem(m, b.len, "TRAILER!!!", 10); t[0] = 'X'; }));
    expect_einval(b.buf, 0, "empty archive", 0);
    expect_einval("070701", 6, "bare magic", 0);
    free(b.buf);
}

TEST(random_corruption_never_crashes)
{
    struct blob b = blob_load("gnu.cpio");
    if (!b.len)
        return;
    static struct seen s;
    char *m = malloc(b.len);
    unsigned seed = 99, ok = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(m, b.buf, b.len);
        for (int k = 0; k < 1 + iter % 3; k++) {
            seed = seed * 1103515245 + 12345;
            size_t at = (seed >> 8) % b.len;
            seed = seed * 1103515245 + 12345;
            m[at] = (iter & 1) ? (char)(seed >> 16) : "0123456789abcdefF\0/."[(seed >> 16) % 20];
        }
        memset(&s, 0, sizeof(s));
        int r = cpio_iterate(m, b.len, collect, &s);
        CHECK(r == 0 || r == -EINVAL);
        ok += r == 0;
    }
    printf("  %u of 20000 corrupted archives still parse (data bytes, padding)\n", ok);
    free(m);
    free(b.buf);
}

TEST(name_safety_rejects_absolute_and_dotdot)
{
    CHECK(cpio_name_is_safe("."));
    CHECK(cpio_name_is_safe("bin/sh"));
    CHECK(cpio_name_is_safe("./bin//sh"));
    CHECK(cpio_name_is_safe("..."));
    CHECK(cpio_name_is_safe("a/..b/c.."));
    CHECK(!cpio_name_is_safe(""));
    CHECK(!cpio_name_is_safe("/etc/passwd"));
    CHECK(!cpio_name_is_safe(".."));
    CHECK(!cpio_name_is_safe("../x"));
    CHECK(!cpio_name_is_safe("a/../../x"));
    CHECK(!cpio_name_is_safe("a/.."));
    CHECK(!cpio_name_is_safe("a//../b"));
    CHECK(!cpio_name_is_safe(NULL));
}
