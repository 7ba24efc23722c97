/* /bin/terminal: the Terminal app. A decorated compositor surface showing a vt
 * (vt.c) fed from a pty on which busybox sh runs. Keys go to the pty through
 * vt_key, the wheel scrolls the scrollback, only dirty rows are repainted and
 * presented. For tests and accessibility it prints its visible text ("ROW n
 * text", the rows that changed) once the screen has been idle 200 ms, or all of
 * it on SIGUSR1. A drag selects text and copies it to the clipboard (COPIED
 * text is printed); Ctrl+Shift+V or the middle button pastes.
 * usage: terminal [x y [cols rows]] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pixman.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "osc.h"
#include "term_style.h"
#include "ui.h"
#include "ui_keycodes.h"
#include "vt.h"

#define FONT      "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define FONT_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
#define FONT_PX   15
#define PAD       4
#define SCROLLBACK 1000
#define IDLE_MS   200

static struct vt vt;
static struct ui_font *font, *bold_font;
static int cell_w, cell_h, ascent;
static int surf_fd = -1, master = -1;
static pid_t child;
static pixman_image_t *img;
static void *pixels;
static size_t pixels_len;
static int sig_pipe[2];
static int back;                    /* rows scrolled back into the scrollback */
static bool frame_pending, repaint_all;
/* OSC_LATENCY=1 (tools/desktop-budgets.py): a key press's time from its interrupt
 * to this program's read ("[terminal] key read after N us") and to the composed
 * frame showing what the shell echoed ("[terminal] key to glyph N us"). Stages:
 * key seen -> echo read from the pty -> presented -> FRAME_DONE. */
static struct {
    bool on;
    uint64_t key_ns;
    int stage;
} lat;
static int drawn_cx = -1, drawn_cy = -1;
static bool drawn_cursor;
static char **published;            /* the row texts last printed */
static char title[OSC_TITLE_MAX];

/* A mouse selection in view cells, start and end in the order the drag made
 * them; cleared when the view scrolls or the screen changes under it. */
static struct { bool on, dragging; int r0, c0, r1, c1; } sel;

#define CLIP_MAX (1 << 20)

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EAGAIN) {
            struct pollfd p = { fd, POLLOUT, 0 };
            poll(&p, 1, 100);
            continue;
        }
        if (w <= 0 && errno != EINTR)
            return;
        if (w > 0)
            s += w, n -= (size_t)w;
    }
}

static void reply(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    write_all(master, s, n);
}

static void on_signal(int sig)
{
    int e = errno;
    char c = (char)sig;
    (void)!write(sig_pipe[1], &c, 1);
    errno = e;
}

/* The shell on the pty's slave side: its own session with the slave as its
 * controlling terminal, the grid's size set, an interactive busybox sh. */
static pid_t spawn_shell(const char *slave_name)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setsid();
    int s = open(slave_name, O_RDWR);
    if (s < 0)
        _exit(127);
    ioctl(s, TIOCSCTTY, 0);
    struct winsize ws = { (unsigned short)vt.rows, (unsigned short)vt.cols,
                          (unsigned short)(vt.cols * cell_w), (unsigned short)(vt.rows * cell_h) };
    ioctl(s, TIOCSWINSZ, &ws);
    dup2(s, 0), dup2(s, 1), dup2(s, 2);
    if (s > 2)
        close(s);
    setenv("TERM", "xterm-256color", 1);
    setenv("COLORTERM", "truecolor", 1);
    if (!getenv("HOME"))
        setenv("HOME", "/root", 1);
    if (!getenv("PS1"))
        setenv("PS1", "\\w \\$ ", 1);
    execl("/bin/sh", "sh", "-i", (char *)NULL);
    _exit(127);
}

static int open_pty(void)
{
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
        return -1;
    char *name = ptsname(master);
    if (!name)
        return -1;
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    child = spawn_shell(name);
    return child < 0 ? -1 : 0;
}

static int open_surface(int x, int y)
{
    int comp = osc_comp_open();
    if (comp < 0)
        return -1;
    int w = vt.cols * cell_w + 2 * PAD, h = vt.rows * cell_h + 2 * PAD;
    surf_fd = osc_surface_create(comp, (uint32_t)w, (uint32_t)h,
                                 OSC_SURFACE_CLOEXEC | OSC_SURFACE_DECORATED);
    close(comp);
    struct osc_surface_info info;
    if (surf_fd < 0 || osc_surface_info(surf_fd, &info) < 0)
        return -1;
    pixels_len = (size_t)info.stride * info.height;
    pixels = mmap(NULL, pixels_len, PROT_READ | PROT_WRITE, MAP_SHARED, surf_fd, 0);
    if (pixels == MAP_FAILED)
        return -1;
    img = pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, pixels, (int)info.stride);
    if (!img)
        return -1;
    ui_fill_rect(img, (struct ui_rect){ 0, 0, w, h }, TERM_BG);
    strcpy(title, "Terminal");
    osc_surface_set_title(surf_fd, title);
    osc_surface_set_pos(surf_fd, x, y);
    return 0;
}

/* Whether view cell (row, col) is selected. */
static bool selected(int row, int col)
{
    if (!sel.on)
        return false;
    int a = sel.r0 * vt.cols + sel.c0, b = sel.r1 * vt.cols + sel.c1, i = row * vt.cols + col;
    return a <= b ? i >= a && i <= b : i >= b && i <= a;
}

static struct term_style cell_style(int row, int col, bool cursor_row)
{
    bool cursor = cursor_row && col == vt.cur.x;
    return term_cell_style(vt_cell(&vt, back, row, col), cursor != selected(row, col));
}

static void draw_row(int row)
{
    int y = PAD + row * cell_h;
    bool cursor_row = back == 0 && vt.cursor_visible && row == vt.cur.y;
    for (int col = 0; col < vt.cols;) {
        /* A run of cells with one background, filled at once. */
        struct term_style s = cell_style(row, col, cursor_row);
        int end = col + 1;
        while (end < vt.cols && cell_style(row, end, cursor_row).bg == s.bg)
            end++;
        ui_fill_rect(img, (struct ui_rect){ PAD + col * cell_w, y, (end - col) * cell_w, cell_h },
                     s.bg);
        col = end;
    }
    for (int col = 0; col < vt.cols; col++) {
        const struct vt_cell *c = vt_cell(&vt, back, row, col);
        struct term_style s = cell_style(row, col, cursor_row);
        int x = PAD + col * cell_w;
        if (s.glyph) {
            char u[5];
            int n = term_utf8(c->cp, u);
            ui_font_draw(s.bold && bold_font ? bold_font : font, img, (long)x * 64, y + ascent,
                         u, (size_t)n, s.fg);
        }
        if (s.underline)
            ui_fill_rect(img, (struct ui_rect){ x, y + ascent + 2, cell_w, 1 }, s.fg);
        if (s.strike)
            ui_fill_rect(img, (struct ui_rect){ x, y + ascent - cell_h / 4, cell_w, 1 }, s.fg);
    }
}

/* Repaints what changed and presents it as row rectangles; one frame in flight. */
static bool paint(void)
{
    if (frame_pending)
        return false;
    bool cursor_on = back == 0 && vt.cursor_visible;
    if (cursor_on != drawn_cursor || vt.cur.x != drawn_cx || vt.cur.y != drawn_cy) {
        if (drawn_cy >= 0 && drawn_cy < vt.rows)
            vt.dirty[drawn_cy] = 1;
        if (vt.cur.y >= 0 && vt.cur.y < vt.rows)
            vt.dirty[vt.cur.y] = 1;
    }
    if (back > 0 || (sel.on && !sel.dragging)) {
        bool any = false;
        for (int r = 0; r < vt.rows; r++)
            any |= vt.dirty[r];
        if (any && sel.on && !sel.dragging)
            sel.on = false;             /* the text under it changed */
        repaint_all |= any && (back > 0 || !sel.on);
    }
    struct osc_rect rects[OSC_PRESENT_MAX_RECTS];
    uint32_t n = 0;
    for (int r = 0; r < vt.rows; r++) {
        if (!repaint_all && !vt.dirty[r])
            continue;
        vt.dirty[r] = 0;
        draw_row(r);
        int y = PAD + r * cell_h;
        if (n && rects[n - 1].y + rects[n - 1].h == y)
            rects[n - 1].h += cell_h;
        else if (n < OSC_PRESENT_MAX_RECTS)
            rects[n++] = (struct osc_rect){ 0, y, vt.cols * cell_w + 2 * PAD, cell_h };
    }
    repaint_all = false;
    drawn_cx = vt.cur.x, drawn_cy = vt.cur.y, drawn_cursor = cursor_on;
    if (!n)
        return false;
    if (osc_surface_present(surf_fd, rects, n) == 0) {
        frame_pending = true;
        if (lat.stage == 2)
            lat.stage = 3;
    }
    return true;
}

/* Prints the visible rows whose text changed since last time (all with force). */
static void publish(bool force)
{
    static char buf[4 * 512 + 1];
    for (int r = 0; r < vt.rows; r++) {
        vt_row_text(&vt, back, r, buf, sizeof(buf));
        if (!force && strcmp(published[r] ? published[r] : "", buf) == 0)
            continue;
        free(published[r]);
        published[r] = strdup(buf);
        printf("ROW %d %s\n", r, buf);
    }
    fflush(stdout);
}

static void follow_title(void)
{
    if (!vt.title[0] || strncmp(vt.title, title, sizeof(title) - 1) == 0)
        return;
    size_t n = strnlen(vt.title, sizeof(title) - 1);
    if (n < strlen(vt.title))
        while (n > 0 && (vt.title[n] & 0xc0) == 0x80)
            n--;                    /* cut at a code point boundary */
    memcpy(title, vt.title, n);
    title[n] = 0;
    osc_surface_set_title(surf_fd, title);
    printf("TITLE %s\n", title);
    fflush(stdout);
}

static void scroll_view(int rows)
{
    int b = back + rows;
    b = b < 0 ? 0 : b > vt.sb_count ? vt.sb_count : b;
    if (vt.alt_active)
        b = 0;
    if (b != back) {
        back = b;
        sel.on = false;
        repaint_all = true;
    }
}

/* The selected text, rows joined by newlines, trailing blanks dropped. */
static char *selection_text(void)
{
    int a = sel.r0 * vt.cols + sel.c0, b = sel.r1 * vt.cols + sel.c1;
    if (a > b) {
        int t = a;
        a = b, b = t;
    }
    char *out = malloc((size_t)(b - a + 1) * 4 + (size_t)vt.rows + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (int r = a / vt.cols; r <= b / vt.cols; r++) {
        int from = r == a / vt.cols ? a % vt.cols : 0, to = r == b / vt.cols ? b % vt.cols : vt.cols - 1;
        size_t line = n;
        for (int c = from; c <= to; c++) {
            uint32_t cp = vt_cell(&vt, back, r, c)->cp;
            n += (size_t)term_utf8(cp ? cp : ' ', out + n);
        }
        while (n > line && out[n - 1] == ' ')
            n--;
        if (r < b / vt.cols)
            out[n++] = '\n';
    }
    out[n] = 0;
    return out;
}

static void copy_selection(void)
{
    char *t = selection_text();
    if (!t)
        return;
    osc_clipboard_set("text/plain;charset=utf-8", t, strlen(t));
    printf("COPIED %s\n", t);
    fflush(stdout);
    free(t);
}

/* The clipboard's text to the shell, as typed (newlines as Enter), bracketed
 * when the application asked for it. */
static void paste(void)
{
    char *t = osc_clipboard_get_text(CLIP_MAX);
    size_t n = t ? strlen(t) : 0;
    if (n > 0) {
        for (size_t i = 0; i < n; i++)
            if (t[i] == '\n')
                t[i] = '\r';
        scroll_view(-back);
        if (vt.bracketed_paste)
            write_all(master, "\033[200~", 6);
        write_all(master, t, n);
        if (vt.bracketed_paste)
            write_all(master, "\033[201~", 6);
    }
    free(t);
}

static void pointer(const struct osc_event *ev)
{
    int col = (ev->x - PAD) / cell_w, row = (ev->y - PAD) / cell_h;
    col = col < 0 ? 0 : col >= vt.cols ? vt.cols - 1 : col;
    row = row < 0 ? 0 : row >= vt.rows ? vt.rows - 1 : row;
    if (ev->type == OSC_EV_POINTER_BUTTON && ev->code == BTN_MIDDLE && ev->value) {
        paste();
    } else if (ev->type == OSC_EV_POINTER_BUTTON && ev->code == BTN_LEFT) {
        if (ev->value) {
            sel.on = false;
            sel.dragging = true;
            sel.r0 = sel.r1 = row, sel.c0 = sel.c1 = col;
        } else if (sel.dragging) {
            sel.dragging = false;
            if (sel.on)
                copy_selection();
        }
        repaint_all = true;
    } else if (ev->type == OSC_EV_POINTER_MOTION && sel.dragging &&
               (row != sel.r1 || col != sel.c1 || !sel.on)) {
        sel.r1 = row, sel.c1 = col;
        sel.on = sel.r1 != sel.r0 || sel.c1 != sel.c0;
        repaint_all = true;
    }
}

/* Key record ev[i] of the n read together (its OSC_EV_TEXT may follow). */
static void key(const struct osc_event *evs, size_t i, size_t n)
{
    const struct osc_event *ev = &evs[i];
    unsigned mods = ev->mods & 7;
    if ((mods & UI_MOD_SHIFT) && (ev->code == 104 || ev->code == 109)) {   /* Shift+PgUp/PgDn */
        scroll_view(ev->code == 104 ? vt.rows / 2 : -vt.rows / 2);
        return;
    }
    if ((mods & (UI_MOD_SHIFT | UI_MOD_CTRL)) == (UI_MOD_SHIFT | UI_MOD_CTRL)) {
        if (ev->code == KEY_V)
            paste();
        else if (ev->code == 46 && sel.on)     /* KEY_C */
            copy_selection();
        if (ev->code == KEY_V || ev->code == 46)
            return;
    }
    if (lat.on && !lat.stage) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        printf("[terminal] key read after %lu us\n", (unsigned long)(((uint64_t)t.tv_sec *
               1000000000ull + (uint64_t)t.tv_nsec - ev->time_ns) / 1000));
        lat.key_ns = ev->time_ns;
        lat.stage = 1;
    }
    char text[8], out[64];
    /* The compositor's character also under Ctrl and Alt: vt_key makes Ctrl+C
     * into ^C and Alt+x into ESC x. */
    osc_key_text(evs, i, n, text);
    size_t len = vt_key(&vt, (int)ev->code, mods, text, out, sizeof(out));
    if (len) {
        scroll_view(-back);
        write_all(master, out, len);
    }
}

static void print_grid(void)
{
    printf("GRID %d %d %d %d %d\n", vt.cols, vt.rows, cell_w, cell_h, PAD);
    fflush(stdout);
}

/* The window manager asked for w x h: the grid takes the whole cells that fit
 * (the window snaps to them), keeps its content (vt_resize), and the shell is
 * told through TIOCSWINSZ (SIGWINCH). The new buffer is painted whole; the old
 * one stays on screen until it is presented. */
static void resize(int w, int h)
{
    int cols = (w - 2 * PAD) / cell_w, rows = (h - 2 * PAD) / cell_h;
    cols = cols < 2 ? 2 : cols > 400 ? 400 : cols;
    rows = rows < 2 ? 2 : rows > 200 ? 200 : rows;
    if (cols == vt.cols && rows == vt.rows)
        return;
    char **pub = calloc((size_t)rows, sizeof(*pub));
    if (!pub)
        return;
    int old_rows = vt.rows;
    if (vt_resize(&vt, rows, cols) < 0) {
        free(pub);
        return;
    }
    for (int r = 0; r < old_rows; r++)
        free(published[r]);
    free(published);
    published = pub;
    w = cols * cell_w + 2 * PAD, h = rows * cell_h + 2 * PAD;
    void *px = MAP_FAILED;
    if (osc_surface_resize(surf_fd, (uint32_t)w, (uint32_t)h) == 0)
        px = mmap(NULL, (size_t)w * 4 * h, PROT_READ | PROT_WRITE, MAP_SHARED, surf_fd, 0);
    pixman_image_t *n = px != MAP_FAILED ? pixman_image_create_bits(PIXMAN_x8r8g8b8, w, h, px, w * 4) : NULL;
    if (n) {
        pixman_image_unref(img);
        munmap(pixels, pixels_len);
        img = n, pixels = px, pixels_len = (size_t)w * 4 * h;
        ui_fill_rect(img, (struct ui_rect){ 0, 0, w, h }, TERM_BG);
    } else if (px != MAP_FAILED) {
        munmap(px, (size_t)w * 4 * h);
    }
    back = 0;
    sel.on = sel.dragging = false;
    drawn_cx = drawn_cy = -1;
    repaint_all = true;
    struct winsize ws = { (unsigned short)rows, (unsigned short)cols,
                          (unsigned short)(cols * cell_w), (unsigned short)(rows * cell_h) };
    ioctl(master, TIOCSWINSZ, &ws);
    print_grid();
}

/* Returns 1 when the window was asked to close. */
static int surface_events(void)
{
    struct osc_event ev[32];
    ssize_t got = read(surf_fd, ev, sizeof(ev));
    size_t n = got > 0 ? (size_t)got / sizeof(ev[0]) : 0;
    for (size_t i = 0; i < n; i++) {
        switch (ev[i].type) {
        case OSC_EV_FRAME_DONE:
            frame_pending = false;
            if (lat.stage == 3) {
                printf("[terminal] key to glyph %lu us\n",
                       (unsigned long)((ev[i].time_ns - lat.key_ns) / 1000));
                fflush(stdout);
                lat.stage = 0;
            }
            break;
        case OSC_EV_KEY:
            if (ev[i].value)
                key(ev, i, n);
            break;
        case OSC_EV_POINTER_BUTTON:
        case OSC_EV_POINTER_MOTION:
            pointer(&ev[i]);
            break;
        case OSC_EV_POINTER_WHEEL:
            /* The user's direction and speed (libui's settings; 3 rows a notch
             * up into the scrollback by default); no sideways scrolling. */
            if (ev[i].code == OSC_WHEEL_VERTICAL)
                scroll_view(-ui_settings_wheel_rows(ui_settings_current(), ev[i].value));
            break;
        case OSC_EV_CLOSE_REQUEST:
            return 1;
        case OSC_EV_RESIZE:
            resize(ev[i].x, ev[i].y);
            break;
        }
    }
    return 0;
}

/* Reads what the shell wrote; -1 once the slave side is gone. */
static int pty_output(void)
{
    static char buf[16384];
    for (int i = 0; i < 8; i++) {
        ssize_t n = read(master, buf, sizeof(buf));
        if (n > 0) {
            vt_write(&vt, buf, (size_t)n);
            if (lat.stage == 1)
                lat.stage = 2;
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int x = argc > 2 ? atoi(argv[1]) : 120, y = argc > 2 ? atoi(argv[2]) : 90;
    lat.on = getenv("OSC_LATENCY") && !strcmp(getenv("OSC_LATENCY"), "1");
    if (lat.on)
        printf("[terminal] logging key latency\n");
    int cols = argc > 4 ? atoi(argv[3]) : 80, rows = argc > 4 ? atoi(argv[4]) : 24;
    if (cols < 2 || cols > 400 || rows < 2 || rows > 200) {
        fprintf(stderr, "terminal: bad grid %dx%d\n", cols, rows);
        return 2;
    }
    font = ui_font_open(FONT, FONT_PX);
    if (!font) {
        perror("terminal: " FONT);
        return 1;
    }
    bold_font = ui_font_open(FONT_BOLD, FONT_PX);
    cell_w = (int)((ui_font_measure(font, "M", 1) + 32) / 64);
    cell_h = ui_font_line_height(font);
    ascent = ui_font_ascent(font);
    published = calloc((size_t)rows, sizeof(*published));
    if (!published || vt_init(&vt, rows, cols, SCROLLBACK) < 0) {
        fprintf(stderr, "terminal: no memory\n");
        return 1;
    }
    vt.reply = reply;
    if (open_surface(x, y) < 0) {
        perror("terminal: /dev/compositor");
        return 1;
    }
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || open_pty() < 0) {
        perror("terminal: pty");
        return 1;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    print_grid();

    repaint_all = true;
    bool ready = false, changed = false, closing = false;
    long changed_at = 0;
    int status = 0;
    for (;;) {
        if (paint()) {
            changed = true;
            changed_at = now_ms();
        }
        int timeout = -1;
        if (changed)
            timeout = (int)(changed_at + IDLE_MS - now_ms()), timeout = timeout < 0 ? 0 : timeout;
        struct pollfd p[3] = { { surf_fd, POLLIN, 0 }, { master, POLLIN, 0 },
                               { sig_pipe[0], POLLIN, 0 } };
        int r = poll(p, 3, timeout);
        if (r < 0 && errno != EINTR)
            break;
        if (p[0].revents & POLLIN && surface_events()) {
            closing = true;
            break;
        }
        if (!ready && !frame_pending) {
            printf("READY\n");
            fflush(stdout);
            ready = true;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (pty_output() < 0)
                break;
            follow_title();
            if (back > 0)
                repaint_all = true;
        }
        if (p[2].revents & POLLIN) {
            char sigs[16];
            ssize_t n = read(sig_pipe[0], sigs, sizeof(sigs));
            bool usr1 = false, chld = false;
            for (ssize_t i = 0; i < n; i++)
                usr1 |= sigs[i] == SIGUSR1, chld |= sigs[i] == SIGCHLD;
            if (usr1)
                publish(true);
            if (chld && waitpid(child, &status, WNOHANG) == child) {
                pty_output();       /* the shell's last words */
                child = 0;
                break;
            }
        }
        if (changed && now_ms() - changed_at >= IDLE_MS) {
            publish(false);
            changed = false;
        }
    }
    paint();
    publish(false);
    if (closing) {
        if (child > 0) {            /* its process group: the shell and its jobs */
            kill(-child, SIGHUP);
            kill(child, SIGHUP);
        }
        printf("CLOSED\n");
    } else {
        if (child > 0)
            waitpid(child, &status, 0);
        printf("EXIT %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    fflush(stdout);
    return 0;
}
