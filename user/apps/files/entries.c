/* The Files app's model: reading, sorting and formatting a folder's entries
 * (entries.h). */
#include "entries.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ui.h"

static int by_kind_then_name(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    bool da = a->kind == KIND_FOLDER, db = b->kind == KIND_FOLDER;
    if (da != db)
        return da ? -1 : 1;
    int c = strcasecmp(a->name, b->name);
    return c ? c : strcmp(a->name, b->name);
}

void entries_sort(struct entry *e, int n)
{
    if (n > 1)
        qsort(e, (size_t)n, sizeof(*e), by_kind_then_name);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && strcasecmp(s + a - b, suffix) == 0;
}

enum entry_kind entry_kind_of(const char *name, mode_t mode)
{
    static const char *const text[] = { ".txt", ".conf", ".cfg", ".md", ".c", ".h", ".sh",
                                        ".py", ".log", ".ini", ".json", ".csv", ".html",
                                        ".xml", ".rc", ".list", ".manifest" };
    if (S_ISDIR(mode))
        return KIND_FOLDER;
    if (ends_with(name, ".png") || ends_with(name, ".jpg") || ends_with(name, ".jpeg"))
        return KIND_IMAGE;
    if (S_ISREG(mode) && (mode & 0111))
        return KIND_PROGRAM;
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if (ends_with(name, text[i]))
            return KIND_TEXT;
    return KIND_FILE;
}

const char *kind_name(enum entry_kind k)
{
    static const char *const names[] = { "Folder", "Program", "Image", "Text", "File" };
    return names[k];
}

void format_size(off_t size, bool folder, char *out, size_t n)
{
    if (folder) {
        snprintf(out, n, "--");
        return;
    }
    static const char *const units[] = { "KB", "MB", "GB", "TB" };
    if (size < 1024) {
        snprintf(out, n, "%lld B", (long long)size);
        return;
    }
    double v = (double)size / 1024;
    int u = 0;
    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    /* One decimal below ten, where it says something. */
    if (v < 10)
        snprintf(out, n, "%.1f %s", v, units[u]);
    else
        snprintf(out, n, "%.0f %s", v, units[u]);
}

void format_date(time_t t, char *out, size_t n)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(out, n, "?");
        return;
    }
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min);
}

void format_mode(mode_t m, char out[11])
{
    out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b'
           : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        out[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
    if (m & S_ISUID) out[3] = (m & 0100) ? 's' : 'S';
    if (m & S_ISGID) out[6] = (m & 0010) ? 's' : 'S';
    if (m & S_ISVTX) out[9] = (m & 0001) ? 't' : 'T';
    out[10] = 0;
}

void path_parent(const char *path, char *out, size_t n)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    while (len > 0 && path[len - 1] != '/')
        len--;
    while (len > 1 && path[len - 1] == '/')
        len--;
    if (len == 0)
        len = 1;        /* a relative name's parent: stay at the root */
    snprintf(out, n, "%.*s", (int)len, len == 1 ? "/" : path);
}

int path_join(const char *dir, const char *name, char *out, size_t n)
{
    size_t d = strlen(dir);
    bool slash = d > 0 && dir[d - 1] == '/';
    int w = snprintf(out, n, "%s%s%s", dir, slash ? "" : "/", name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

bool name_valid(const char *name)
{
    size_t len = strlen(name);
    return len > 0 && len < 256 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
           !strchr(name, '/');
}

void copy_name(const char *name, int k, char *out, size_t n)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        dot = name + strlen(name);
    char nth[16] = "";
    if (k > 1)
        snprintf(nth, sizeof(nth), " %d", k);
    snprintf(out, n, "%.*s copy%s%s", (int)(dot - name), name, nth, dot);
}

bool looks_like_text(const char *buf, size_t n)
{
    if (memchr(buf, 0, n))
        return false;
    /* Allow a multi-byte sequence cut by the end of the sample. */
    size_t cut = n;
    for (size_t back = 0; back < 3 && back < n; back++) {
        unsigned char c = (unsigned char)buf[n - 1 - back];
        if ((c & 0xc0) == 0xc0) {
            int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            if ((size_t)need > back + 1)
                cut = n - 1 - back;
            break;
        }
        if ((c & 0xc0) != 0x80)
            break;
    }
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b)
            return false;
    }
    return ui_utf8_valid(buf, cut);
}

int listing_find(const struct listing *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->e[i].name, name) == 0)
            return i;
    return -1;
}

void listing_free(struct listing *l)
{
    free(l->e);
    free(l->names);
    l->e = NULL;
    l->names = NULL;
    l->n = 0;
}

int listing_read(struct listing *l, const char *path)
{
    if (strlen(path) >= sizeof(l->path))
        return -ENAMETOOLONG;
    DIR *d = opendir(path);
    if (!d)
        return -errno;
    struct entry *e = NULL;
    int n = 0, cap = 0, err = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            int nc = cap ? cap * 2 : 64;
            struct entry *ne = realloc(e, (size_t)nc * sizeof(*e));
            if (!ne) {
                err = -ENOMEM;
                break;
            }
            e = ne;
            cap = nc;
        }
        struct entry *x = &e[n];
        memset(x, 0, sizeof(*x));
        snprintf(x->name, sizeof(x->name), "%s", de->d_name);
        char full[4096 + 256];
        struct stat st;
        if (path_join(path, de->d_name, full, sizeof(full)) == 0 &&
            (lstat(full, &st) == 0)) {
            x->link = S_ISLNK(st.st_mode);
            /* A link shows as what it points to; a dangling one as itself. */
            if (x->link)
                stat(full, &st);
            x->mode = st.st_mode;
            x->size = st.st_size;
            x->mtime = st.st_mtime;
            x->atime = st.st_atime;
            x->ctime = st.st_ctime;
            x->uid = st.st_uid;
            x->gid = st.st_gid;
        }
        x->kind = entry_kind_of(x->name, x->mode);
        n++;
    }
    closedir(d);
    const char **names = err ? NULL : malloc((size_t)(n ? n : 1) * sizeof(*names));
    if (!err && !names)
        err = -ENOMEM;
    if (err) {
        free(e);
        return err;
    }
    entries_sort(e, n);
    for (int i = 0; i < n; i++)
        names[i] = e[i].name;
    char keep[sizeof(l->path)];
    snprintf(keep, sizeof(keep), "%s", path);      /* path may be l->path itself */
    listing_free(l);
    memcpy(l->path, keep, sizeof(keep));
    l->e = e;
    l->names = names;
    l->n = n;
    return 0;
}

int path_normalize(const char *cwd, const char *path, char *out, size_t n)
{
    char in[8192];
    int w = path[0] == '/' ? snprintf(in, sizeof(in), "%s", path)
                           : snprintf(in, sizeof(in), "%s/%s", cwd, path);
    if (w < 0 || (size_t)w >= sizeof(in) || n < 2)
        return -1;
    size_t len = 0;
    out[0] = 0;
    for (char *save, *c = strtok_r(in, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, "."))
            continue;
        if (!strcmp(c, "..")) {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--;          /* the slash before it */
            out[len] = 0;
            continue;
        }
        size_t cl = strlen(c);
        if (len + 1 + cl + 1 > n)
            return -1;
        out[len++] = '/';
        memcpy(out + len, c, cl);
        len += cl;
        out[len] = 0;
    }
    if (len == 0)
        snprintf(out, n, "/");
    return 0;
}
