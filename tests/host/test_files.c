/* host-test: user/apps/files/entries.c user/apps/files/fileops.c user/lib/libui/ui_text.c -Iuser/apps/files -Iuser/lib/libui */
/* The Files app's model and actions: sorting folders first by name, kinds by
 * mode and extension, sizes, dates and modes as shown, paths (parent, join,
 * normalise), names for pasted copies, text sniffing, and the actions on a
 * scratch folder (mkdir, rename refusing to overwrite, copy naming, recursive
 * delete, errors as errno). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "entries.h"
#include "fileops.h"

static struct entry mk(const char *name, mode_t mode)
{
    struct entry e = { .mode = mode };
    snprintf(e.name, sizeof(e.name), "%s", name);
    e.kind = entry_kind_of(name, mode);
    return e;
}

TEST(folders_sort_first_then_names_without_case)
{
    struct entry e[] = { mk("zeta.txt", S_IFREG | 0644), mk("Beta", S_IFDIR | 0755),
                         mk("alpha", S_IFREG | 0755), mk("beta", S_IFDIR | 0755),
                         mk("Alpha.png", S_IFREG | 0644), mk("tmp", S_IFDIR | 0777) };
    entries_sort(e, 6);
    const char *want[] = { "Beta", "beta", "tmp", "alpha", "Alpha.png", "zeta.txt" };
    for (int i = 0; i < 6; i++)
        CHECK_STR(e[i].name, want[i]);
}

TEST(kinds_follow_mode_and_extension)
{
    CHECK_EQ(entry_kind_of("bin", S_IFDIR | 0755), KIND_FOLDER);
    CHECK_EQ(entry_kind_of("ls", S_IFREG | 0755), KIND_PROGRAM);
    CHECK_EQ(entry_kind_of("photo.PNG", S_IFREG | 0644), KIND_IMAGE);
    CHECK_EQ(entry_kind_of("motd.txt", S_IFREG | 0644), KIND_TEXT);
    CHECK_EQ(entry_kind_of("resolv.conf", S_IFREG | 0644), KIND_TEXT);
    CHECK_EQ(entry_kind_of("run.sh", S_IFREG | 0755), KIND_PROGRAM);
    CHECK_EQ(entry_kind_of("passwd", S_IFREG | 0644), KIND_FILE);
    CHECK_EQ(entry_kind_of(".txt", S_IFREG | 0644), KIND_FILE);
    CHECK_STR(kind_name(KIND_FOLDER), "Folder");
}

TEST(sizes_dates_and_modes_read_as_people_write_them)
{
    char b[32], m[11];
    format_size(0, false, b, sizeof(b)); CHECK_STR(b, "0 B");
    format_size(1023, false, b, sizeof(b)); CHECK_STR(b, "1023 B");
    format_size(1536, false, b, sizeof(b)); CHECK_STR(b, "1.5 KB");
    format_size(12 * 1024 + 100, false, b, sizeof(b)); CHECK_STR(b, "12 KB");
    format_size(3565158, false, b, sizeof(b)); CHECK_STR(b, "3.4 MB");
    format_size(2LL << 30, false, b, sizeof(b)); CHECK_STR(b, "2.0 GB");
    format_size(4096, true, b, sizeof(b)); CHECK_STR(b, "--");
    format_date(0, b, sizeof(b)); CHECK_STR(b, "1970-01-01 00:00");
    format_date(1796454060, b, sizeof(b)); CHECK_STR(b, "2026-12-05 07:01");
    format_mode(S_IFDIR | 0755, m); CHECK_STR(m, "drwxr-xr-x");
    format_mode(S_IFREG | 0644, m); CHECK_STR(m, "-rw-r--r--");
    format_mode(S_IFDIR | 01777, m); CHECK_STR(m, "drwxrwxrwt");
    format_mode(S_IFREG | 04755, m); CHECK_STR(m, "-rwsr-xr-x");
    format_mode(S_IFLNK | 0777, m); CHECK_STR(m, "lrwxrwxrwx");
}

TEST(paths_go_up_join_and_normalise)
{
    char p[64];
    path_parent("/", p, sizeof(p)); CHECK_STR(p, "/");
    path_parent("/tmp", p, sizeof(p)); CHECK_STR(p, "/");
    path_parent("/home/user/", p, sizeof(p)); CHECK_STR(p, "/home");
    path_parent("/a//b", p, sizeof(p)); CHECK_STR(p, "/a");
    CHECK_EQ(path_join("/", "bin", p, sizeof(p)), 0); CHECK_STR(p, "/bin");
    CHECK_EQ(path_join("/tmp", "x", p, sizeof(p)), 0); CHECK_STR(p, "/tmp/x");
    CHECK_EQ(path_join("/tmp", "a-name-much-too-long-for-the-small-buffer-we-give-it-here-yes",
                       p, sizeof(p)), -1);
    CHECK_EQ(path_normalize("/tmp", "..", p, sizeof(p)), 0); CHECK_STR(p, "/");
    CHECK_EQ(path_normalize("/tmp", "a/./b/../c", p, sizeof(p)), 0); CHECK_STR(p, "/tmp/a/c");
    CHECK_EQ(path_normalize("/x", "//etc///", p, sizeof(p)), 0); CHECK_STR(p, "/etc");
    CHECK_EQ(path_normalize("/", "../../..", p, sizeof(p)), 0); CHECK_STR(p, "/");
    CHECK_EQ(path_normalize("/", "/", p, sizeof(p)), 0); CHECK_STR(p, "/");
}

TEST(names_are_checked_and_copies_numbered)
{
    char n[64];
    CHECK(name_valid("New Folder"));
    CHECK(!name_valid(""));
    CHECK(!name_valid("."));
    CHECK(!name_valid(".."));
    CHECK(!name_valid("a/b"));
    copy_name("notes.txt", 1, n, sizeof(n)); CHECK_STR(n, "notes copy.txt");
    copy_name("notes.txt", 3, n, sizeof(n)); CHECK_STR(n, "notes copy 3.txt");
    copy_name("README", 1, n, sizeof(n)); CHECK_STR(n, "README copy");
    copy_name(".profile", 2, n, sizeof(n)); CHECK_STR(n, ".profile copy 2");
}

TEST(text_is_told_from_binary)
{
    CHECK(looks_like_text("hello\n\tworld\r\n", 14));
    CHECK(looks_like_text("", 0));
    CHECK(looks_like_text("caf\xc3\xa9", 5));
    CHECK(looks_like_text("caf\xc3", 4));           /* cut by the sample's end */
    CHECK(!looks_like_text("ab\0cd", 5));
    CHECK(!looks_like_text("\x7f" "ELF\x02\x01", 6));
    CHECK(!looks_like_text("\xff\xfe", 2));
    CHECK(!looks_like_text("\x89PNG\r\n\x1a\n", 8));
}

static char scratch[64];

static void touch(const char *name, const char *text, mode_t mode)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", scratch, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_EQ(write(fd, text, strlen(text)), (long long)strlen(text));
        close(fd);
    }
}

TEST(a_folder_is_listed_made_renamed_copied_and_deleted)
{
    snprintf(scratch, sizeof(scratch), "/tmp/test_files.XXXXXX");
    CHECK(mkdtemp(scratch) != NULL);
    char p[256], q[256], made[256];
    touch("b.txt", "hello\n", 0644);
    touch("run", "#!/bin/sh\n", 0755);
    snprintf(p, sizeof(p), "%s/Sub", scratch);
    CHECK_EQ(fo_mkdir(p), 0);
    CHECK_EQ(fo_mkdir(p), EEXIST);
    struct listing l = { 0 };
    CHECK_EQ(listing_read(&l, scratch), 0);
    CHECK_EQ(l.n, 3);
    if (l.n == 3) {
        CHECK_STR(l.names[0], "Sub");
        CHECK_EQ(l.e[0].kind, KIND_FOLDER);
        CHECK_STR(l.names[1], "b.txt");
        CHECK_EQ(l.e[1].size, 6);
        CHECK_EQ(l.e[2].kind, KIND_PROGRAM);
    }
    CHECK_EQ(listing_find(&l, "run"), 2);
    CHECK_EQ(listing_read(&l, "/nonexistent/dir"), -ENOENT);
    CHECK_EQ(l.n, 3);                                   /* unchanged */
    snprintf(q, sizeof(q), "%s/b.txt", scratch);
    CHECK_EQ(fo_rename(p, q), EEXIST);                  /* never overwrites */
    snprintf(q, sizeof(q), "%s/Renamed", scratch);
    CHECK_EQ(fo_rename(p, q), 0);
    snprintf(p, sizeof(p), "%s/b.txt", scratch);
    CHECK_EQ(fo_copy(p, scratch, made, sizeof(made)), 0);
    CHECK_STR(made, "b copy.txt");
    CHECK_EQ(fo_copy(p, scratch, made, sizeof(made)), 0);
    CHECK_STR(made, "b copy 2.txt");
    CHECK_EQ(fo_copy(p, q, made, sizeof(made)), 0);     /* into the folder: its own name */
    CHECK_STR(made, "b.txt");
    CHECK_EQ(fo_copy(q, scratch, made, sizeof(made)), EISDIR);
    char *text = NULL;
    size_t len = 0;
    CHECK_EQ(fo_read_text(p, 1024, &text, &len), 0);
    CHECK(text && strcmp(text, "hello\n") == 0);
    free(text);
    CHECK_EQ(fo_read_text("/nonexistent", 16, &text, &len), ENOENT);
    CHECK_EQ(fo_remove(q), 0);                          /* the folder with its file */
    struct stat st;
    CHECK(lstat(q, &st) < 0 && errno == ENOENT);
    CHECK_EQ(fo_remove(q), ENOENT);
    CHECK_EQ(listing_read(&l, l.path), 0);             /* a reload reads its own path */
    CHECK_STR(l.path, scratch);
    CHECK_EQ(l.n, 4);
    listing_free(&l);
    CHECK_EQ(fo_remove(scratch), 0);
}

