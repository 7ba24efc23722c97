/* The Files app's model: a folder's entries read with their type, size, dates
 * and owner, sorted folders-first by name, and the text formatting and path
 * handling around them. Pure logic (no drawing), tested on the host
 * (tests/host/test_files.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum entry_kind { KIND_FOLDER, KIND_PROGRAM, KIND_IMAGE, KIND_TEXT, KIND_FILE };

struct entry {
    char name[256];
    mode_t mode;
    off_t size;
    time_t mtime, atime, ctime;
    uid_t uid;
    gid_t gid;
    bool link;                  /* a symbolic link (mode/size are its target's) */
    enum entry_kind kind;
};

struct listing {
    char path[4096];
    struct entry *e;
    const char **names;         /* e[i].name, for the list widget */
    int n;
};

/* Reads path's entries (without . and ..), sorted. 0, or a negative errno
 * (the listing is then unchanged). */
int listing_read(struct listing *l, const char *path);
void listing_free(struct listing *l);
/* Folders first, then by name without regard to case (ties by bytes). */
void entries_sort(struct entry *e, int n);
/* The index of the entry named name, or -1. */
int listing_find(const struct listing *l, const char *name);

/* What a name and mode are: a folder, a program (any execute bit), a PNG/JPEG
 * image, a text file by extension, else a file. */
enum entry_kind entry_kind_of(const char *name, mode_t mode);
const char *kind_name(enum entry_kind k);
/* "512 B", "1.5 KB", "12 KB", "3.4 MB", "2.0 GB"; folders "--". */
void format_size(off_t size, bool folder, char *out, size_t n);
/* "2026-12-05 07:21" (UTC). */
void format_date(time_t t, char *out, size_t n);
/* "drwxr-xr-x" (10 characters and a NUL). */
void format_mode(mode_t m, char out[11]);

/* The parent of an absolute path ("/" for "/" and "/a"); trailing slashes are
 * ignored. */
void path_parent(const char *path, char *out, size_t n);
/* dir + "/" + name; -1 when it does not fit. */
int path_join(const char *dir, const char *name, char *out, size_t n);
/* A name one may create: not empty, not "." or "..", no '/', under 256 bytes. */
bool name_valid(const char *name);
/* The k-th name for a pasted copy of name: "a copy.txt", "a copy 2.txt", ...
 * (k from 1; the extension of a leading-dot name is not split off). */
void copy_name(const char *name, int k, char *out, size_t n);
/* Whether the first bytes of a file read as text: no NUL and valid UTF-8
 * (a sequence cut at the end of the buffer is allowed). */
bool looks_like_text(const char *buf, size_t n);
/* An absolute, normalised form of path taken relative to cwd: "." and empty
 * components dropped, ".." going up (never above "/"). -1 when it does not fit. */
int path_normalize(const char *cwd, const char *path, char *out, size_t n);
