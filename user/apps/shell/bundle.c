/* App bundle manifests: parsing key=value lines and scanning /Applications. */
#include "bundle.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int set(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, v, n);
    dst[n] = 0;
    return 0;
}

static int parse_colour(const char *v, size_t n, unsigned *out)
{
    if (n != 7 || v[0] != '#')
        return -1;
    unsigned c = 0;
    for (size_t i = 1; i < 7; i++) {
        char h = v[i];
        int d = h >= '0' && h <= '9' ? h - '0' : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        c = c << 4 | (unsigned)d;
    }
    *out = c;
    return 0;
}

int bundle_parse(const char *text, size_t len, struct bundle *b, char *why, size_t why_len)
{
    char dir[BUNDLE_PATH_MAX];
    memcpy(dir, b->dir, sizeof(dir));
    memset(b, 0, sizeof(*b));
    memcpy(b->dir, dir, sizeof(dir));
    b->accent = 0x22d3ee;
    const char *p = text, *end = text + len;
    int line = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *k = p, *ke;
        p = eol + 1;
        while (k < eol && (*k == ' ' || *k == '\t'))
            k++;
        if (k == eol || *k == '#')
            continue;
        const char *eq = memchr(k, '=', (size_t)(eol - k));
        if (!eq) {
            snprintf(why, why_len, "line %d: no '='", line);
            return -1;
        }
        for (ke = eq; ke > k && (ke[-1] == ' ' || ke[-1] == '\t'); ke--)
            ;
        const char *v = eq + 1, *ve = eol;
        while (v < ve && (*v == ' ' || *v == '\t'))
            v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
            ve--;
        size_t kn = (size_t)(ke - k), vn = (size_t)(ve - v);
        int bad = 0;
        if (kn == 4 && !memcmp(k, "name", 4))
            bad = set(b->name, sizeof(b->name), v, vn) || vn == 0;
        else if (kn == 4 && !memcmp(k, "exec", 4))
            bad = set(b->exec, sizeof(b->exec), v, vn) || vn == 0 || v[0] != '/';
        else if (kn == 4 && !memcmp(k, "args", 4))
            bad = set(b->args, sizeof(b->args), v, vn);
        else if (kn == 4 && !memcmp(k, "kind", 4)) {
            if (vn == 5 && !memcmp(v, "local", 5))
                b->kind = BUNDLE_LOCAL;
            else if (vn == 6 && !memcmp(v, "remote", 6))
                b->kind = BUNDLE_REMOTE;
            else
                bad = 1;
        } else if (kn == 6 && !memcmp(k, "accent", 6))
            bad = parse_colour(v, vn, &b->accent);
        else if (kn == 4 && !memcmp(k, "icon", 4))
            /* Inside the bundle only: no directories, no "..". */
            bad = set(b->icon, sizeof(b->icon), v, vn) || vn == 0 || memchr(v, '/', vn) ||
                  (vn == 2 && !memcmp(v, "..", 2)) || (vn == 1 && v[0] == '.');
        if (bad) {
            snprintf(why, why_len, "line %d: bad value for '%.*s'", line, (int)kn, k);
            return -1;
        }
    }
    if (!b->name[0] || (!b->exec[0] && b->kind == BUNDLE_LOCAL)) {
        snprintf(why, why_len, "no %s", b->name[0] ? "exec" : "name");
        return -1;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct bundle *)a)->name, ((const struct bundle *)b)->name);
}

int bundle_scan(const char *dir, struct bundle *out, int max,
                void (*report)(const char *bundle_dir, const char *why))
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".app") != 0)
            continue;
        struct bundle *b = &out[n];
        char path[BUNDLE_PATH_MAX + 16], text[4096], why[96];
        if (snprintf(b->dir, sizeof(b->dir), "%s/%s", dir, e->d_name) >= (int)sizeof(b->dir))
            continue;
        snprintf(path, sizeof(path), "%s/manifest", b->dir);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t got = fd >= 0 ? read(fd, text, sizeof(text)) : -1;
        if (fd >= 0)
            close(fd);
        if (got < 0 || got == (ssize_t)sizeof(text)) {
            if (report)
                report(b->dir, got < 0 ? "no readable manifest" : "manifest too large");
            continue;
        }
        if (bundle_parse(text, (size_t)got, b, why, sizeof(why)) != 0) {
            if (report)
                report(b->dir, why);
            continue;
        }
        n++;
    }
    closedir(d);
    qsort(out, (size_t)n, sizeof(out[0]), by_name);
    return n;
}
