/* libui's user settings: the key=value file the Settings app writes (natural
 * scroll, scroll speed, keyboard layout), its parser, its atomic save, and the
 * cached copy every window consults for wheel and key events. */
#include "ui.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SETTINGS_REL  "/.config/oscortex/settings"
#define SETTINGS_MAX  4096          /* a bigger file is not ours: read only its head */

void ui_settings_defaults(struct ui_settings *s)
{
    s->natural_scroll = false;
    s->scroll_speed = UI_SCROLL_SPEED_DEFAULT;
    s->layout = UI_LAYOUT_US;
    s->display_w = s->display_h = 0;
    s->scale = 100;
}

/* A whole decimal number in [lo, hi] from v (len bytes). */
static bool parse_int(const char *v, size_t len, int lo, int hi, int *out)
{
    if (len == 0 || len > 6)
        return false;
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        n = n * 10 + (v[i] - '0');
    }
    if (n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && !memcmp(s, word, len);
}

/* One "key=value" line (no newline); true when a value was taken. */
static bool parse_line(struct ui_settings *s, const char *line, size_t len)
{
    while (len && is_blank(*line))
        line++, len--;
    while (len && is_blank(line[len - 1]))
        len--;
    if (!len || line[0] == '#')
        return false;
    const char *eq = memchr(line, '=', len);
    if (!eq)
        return false;
    size_t klen = (size_t)(eq - line), vlen = len - klen - 1;
    const char *v = eq + 1;
    while (klen && is_blank(line[klen - 1]))
        klen--;
    while (vlen && is_blank(*v))
        v++, vlen--;
    int n;
    if (word_is(line, klen, "mouse.natural_scroll") && parse_int(v, vlen, 0, 1, &n)) {
        s->natural_scroll = n;
        return true;
    }
    if (word_is(line, klen, "mouse.scroll_speed") &&
        parse_int(v, vlen, UI_SCROLL_SPEED_MIN, UI_SCROLL_SPEED_MAX, &n)) {
        s->scroll_speed = n;
        return true;
    }
    const char *x = memchr(v, 'x', vlen);
    int h;
    if (word_is(line, klen, "display.resolution") && x &&
        parse_int(v, (size_t)(x - v), 320, 4096, &n) &&
        parse_int(x + 1, vlen - (size_t)(x - v) - 1, 200, 4096, &h)) {
        s->display_w = n;
        s->display_h = h;
        return true;
    }
    if (word_is(line, klen, "display.scale") && parse_int(v, vlen, UI_SCALE_MIN, UI_SCALE_MAX, &n) &&
        n % 25 == 0) {
        s->scale = n;
        return true;
    }
    if (word_is(line, klen, "keyboard.layout")) {
        if (word_is(v, vlen, "us")) {
            s->layout = UI_LAYOUT_US;
            return true;
        }
        if (word_is(v, vlen, "de")) {
            s->layout = UI_LAYOUT_DE;
            return true;
        }
    }
    return false;
}

int ui_settings_parse(struct ui_settings *s, const char *text, size_t n)
{
    int taken = 0;
    for (size_t start = 0; start < n;) {
        const char *nl = memchr(text + start, '\n', n - start);
        size_t end = nl ? (size_t)(nl - text) : n;
        /* A NUL inside a line makes it no line of ours. */
        if (!memchr(text + start, '\0', end - start))
            taken += parse_line(s, text + start, end - start);
        start = end + 1;
    }
    return taken;
}

size_t ui_settings_format(const struct ui_settings *s, char *buf, size_t n)
{
    int len = snprintf(buf, n,
                       "# OSCortex settings, written by the Settings app.\n"
                       "mouse.natural_scroll=%d\n"
                       "mouse.scroll_speed=%d\n"
                       "keyboard.layout=%s\n"
                       "display.scale=%d\n",
                       s->natural_scroll ? 1 : 0, s->scroll_speed,
                       s->layout == UI_LAYOUT_DE ? "de" : "us", s->scale);
    if (len >= 0 && s->display_w > 0 && s->display_h > 0) {
        size_t at = (size_t)len;
        int more = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0,
                            "display.resolution=%dx%d\n", s->display_w, s->display_h);
        len = more < 0 ? more : len + more;
    }
    return len < 0 ? 0 : (size_t)len;
}

int ui_settings_path(char *buf, size_t n)
{
    const char *home = getenv("HOME");
    if (!home || home[0] != '/') {
        errno = ENOENT;
        return -1;
    }
    int len = snprintf(buf, n, "%s%s", home, SETTINGS_REL);
    if (len < 0 || (size_t)len >= n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int ui_settings_load(struct ui_settings *s, const char *path)
{
    char own[512], text[SETTINGS_MAX];
    ui_settings_defaults(s);
    if (!path) {
        if (ui_settings_path(own, sizeof(own)) < 0)
            return -1;
        path = own;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    while (len < sizeof(text)) {
        ssize_t r = read(fd, text + len, sizeof(text) - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    ui_settings_parse(s, text, len);
    return 0;
}

/* mkdir -p of path's directory part (path is changed and restored). */
static int make_parents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        int r = mkdir(path, 0700);
        int e = errno;
        *p = '/';
        if (r < 0 && e != EEXIST) {
            errno = e;
            return -1;
        }
    }
    return 0;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int ui_settings_save(const struct ui_settings *s, const char *path)
{
    char own[512], tmp[560], text[512];
    if (!path) {
        if (ui_settings_path(own, sizeof(own)) < 0)
            return -1;
        path = own;
    }
    size_t len = ui_settings_format(s, text, sizeof(text));
    if (len >= sizeof(text) ||
        snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if (make_parents(tmp) < 0)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    /* The data is on the disk before the name points at it: a crash leaves the
     * old file or the new one, never an empty one. */
    if (write_all(fd, text, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    char *slash = strrchr(tmp, '/');
    if (slash && slash != tmp) {
        *slash = '\0';
        int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);             /* the rename itself; best effort */
            close(dfd);
        }
    }
    return 0;
}

/* What the cached copy was read from: a rename makes a new inode, so even two
 * saves within one second (ext2 keeps whole seconds) are told apart. */
static struct {
    bool valid;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    off_t size;
    struct ui_settings s;
} cache;

const struct ui_settings *ui_settings_current(void)
{
    char path[512];
    struct stat st;
    if (ui_settings_path(path, sizeof(path)) < 0 || stat(path, &st) < 0) {
        ui_settings_defaults(&cache.s);
        cache.valid = false;
        return &cache.s;
    }
    if (cache.valid && cache.dev == st.st_dev && cache.ino == st.st_ino &&
        cache.size == st.st_size && cache.mtime.tv_sec == st.st_mtim.tv_sec &&
        cache.mtime.tv_nsec == st.st_mtim.tv_nsec)
        return &cache.s;
    ui_settings_load(&cache.s, path);
    cache.valid = true;
    cache.dev = st.st_dev;
    cache.ino = st.st_ino;
    cache.size = st.st_size;
    cache.mtime = st.st_mtim;
    return &cache.s;
}

int ui_settings_wheel_rows(const struct ui_settings *s, int notches)
{
    int speed = s->scroll_speed;
    if (speed < UI_SCROLL_SPEED_MIN || speed > UI_SCROLL_SPEED_MAX)
        speed = UI_SCROLL_SPEED_DEFAULT;
    if (notches > 1000)
        notches = 1000;
    if (notches < -1000)
        notches = -1000;
    /* Traditional: a notch up shows earlier rows; natural reverses it. */
    int rows = -notches * speed;
    return s->natural_scroll ? -rows : rows;
}
