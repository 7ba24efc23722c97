/* The Files app's actions on the filesystem (fileops.h). */
#define _GNU_SOURCE
#include "fileops.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entries.h"

#define LAUNCHER "/bin/osc-launch"

int fo_mkdir(const char *path)
{
    return mkdir(path, 0755) == 0 ? 0 : errno;
}

int fo_rename(const char *from, const char *to)
{
    struct stat st;
    if (strcmp(from, to) == 0)
        return 0;
    if (lstat(to, &st) == 0)
        return EEXIST;
    return rename(from, to) == 0 ? 0 : errno;
}

/* Depth-first, bounded so a deep tree or a loop cannot exhaust the stack. */
static int remove_tree(const char *path, int depth)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 ? 0 : errno;
    if (depth > 64)
        return ELOOP;
    DIR *d = opendir(path);
    if (!d)
        return errno;
    int err = 0;
    struct dirent *de;
    while (!err && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *child = malloc(strlen(path) + strlen(de->d_name) + 2);
        if (!child) {
            err = ENOMEM;
            break;
        }
        sprintf(child, "%s/%s", path, de->d_name);
        err = remove_tree(child, depth + 1);
        free(child);
    }
    closedir(d);
    if (!err && rmdir(path) < 0)
        err = errno;
    return err;
}

int fo_remove(const char *path)
{
    return remove_tree(path, 0);
}

static int copy_bytes(int in, int out)
{
    static char buf[65536];
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        if (r == 0)
            return 0;
        for (ssize_t done = 0; done < r;) {
            ssize_t w = write(out, buf + done, (size_t)(r - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return errno;
            if (w == 0)
                return ENOSPC;
            done += w;
        }
    }
}

int fo_copy(const char *src, const char *dir, char *made, size_t n)
{
    struct stat st;
    if (stat(src, &st) < 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    char name[256], dst[4096 + 256];
    int out = -1;
    for (int k = 0; k < 100 && out < 0; k++) {
        if (k == 0)
            snprintf(name, sizeof(name), "%s", base);
        else
            copy_name(base, k, name, sizeof(name));
        if (path_join(dir, name, dst, sizeof(dst)) < 0)
            return ENAMETOOLONG;
        out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
        if (out < 0 && errno != EEXIST)
            return errno;
    }
    if (out < 0)
        return EEXIST;
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int err = in < 0 ? errno : copy_bytes(in, out);
    if (in >= 0)
        close(in);
    if (close(out) < 0 && !err)
        err = errno;
    if (err)
        unlink(dst);
    else
        snprintf(made, n, "%s", name);
    return err;
}

int fo_write_text(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return errno;
    for (size_t done = 0; done < len;) {
        ssize_t r = write(fd, text + done, len - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return e;
        }
        done += (size_t)r;
    }
    return close(fd) < 0 ? errno : 0;
}

int fo_read_text(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    char *buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    size_t got = 0;
    while (got < max) {
        ssize_t r = read(fd, buf + got, max - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!looks_like_text(buf, got)) {
        free(buf);
        return EINVAL;
    }
    buf[got] = 0;
    *out = buf;
    *len = got;
    return 0;
}

int fo_launch(const char *path, pid_t *pid)
{
    int p[2];
    /* The child reports a failed exec through a close-on-exec pipe, so "it
     * could not start" reaches the dialog instead of vanishing. */
    if (pipe2(p, O_CLOEXEC) < 0)
        return errno;
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return e;
    }
    if (child == 0) {
        close(p[0]);
        if (access(LAUNCHER, X_OK) == 0)
            execl(LAUNCHER, LAUNCHER, path, (char *)NULL);
        else
            execl(path, path, (char *)NULL);
        int e = errno;
        (void)!write(p[1], &e, sizeof(e));
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t r;
    do
        r = read(p[0], &e, sizeof(e));
    while (r < 0 && errno == EINTR);
    close(p[0]);
    *pid = child;
    return r == (ssize_t)sizeof(e) ? e : 0;
}
