/* Framebuffer text console: renders the console layout grid with the Terminus
 * font, drawing only cells that changed since the last frame (so a log line costs
 * its own glyphs, a scroll only the cells whose character moved). Terminal output
 * reaches the grid from the moment it is prepared, while the splash still owns the
 * screen, so nothing the shell printed is lost at the handover. It is a log sink
 * while active and takes the screen over at panic so the reason is visible. */

#define LOG_TAG "fb"
#include <osc/console.h>
#include <osc/errno.h>
#include <osc/fb.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/spinlock.h>

#define FBCON_MAX_COLS  256     /* grids are static: the console never allocates */
#define FBCON_MAX_ROWS  128
#define FBCON_MARGIN    8       /* pixels around the text area */
#define FBCON_BG        0x0b0f17u

/* ANSI colours 0-15 in the console's tones: 0 is its background, 7 its text, and
 * the log's colours (console.h) sit among the bright ones. */
static const uint32_t palette[16] = {
    FBCON_BG, 0xcd3131, 0x3fb950, 0xd29922, 0x388bfd, 0xbc8cff, 0x39c5cf, 0xc9d1d9,
    0x6e7681, 0xff6b6b, 0x56d364, 0xe3b341, 0x58a6ff, 0xd2a8ff, 0x56d4dd, 0xf0f6fc,
};

/* Protected by fbcon_lock (rank 95, a leaf taken inside the log lock by the sink and
 * alone by terminal writes) except at panic, when only the panicking CPU still runs
 * kernel code and the lock is skipped. */
static spinlock_t fbcon_lock = SPINLOCK_INIT("fbcon", 95);
static volatile bool panicking;
static struct con_cell grid[FBCON_MAX_COLS * FBCON_MAX_ROWS];
static struct con_cell shown[FBCON_MAX_COLS * FBCON_MAX_ROWS];
static struct con_layout layout;
static struct fb_surface *screen;
static const struct psf_font *font;
static int origin_x, origin_y;
static bool prepared;           /* grid sized: terminal output is kept */
static bool active;             /* the console owns the screen: output is drawn */
static bool yielded;            /* the compositor owns it: the grid is kept, not drawn */
static char replay_buf[64 * 1024];   /* the whole log ring, for replay */

static void draw_cell(void *ctx, uint32_t col, uint32_t row, struct con_cell cell)
{
    (void)ctx;
    fb_draw_glyph(screen, origin_x + (int)(col * font->width), origin_y + (int)(row * font->height),
                  font, cell.ch ? cell.ch : ' ', palette[CON_FG(cell.color)], palette[CON_BG(cell.color)], 1);
}

/* Writes one log line, colouring its "[tag]" prefix and, by content, the rest. */
static void put_line(const char *text, size_t len)
{
    size_t tag_end = 0;
    if (len > 2 && text[0] == '[') {
        for (size_t i = 1; i < len && i < 24; i++)
            if (text[i] == ']') {
                tag_end = i + 1;
                break;
            }
    }
    uint8_t body = CON_TEXT;
    if (tag_end == 7 && memcmp(text, "[panic]", 7) == 0)
        body = CON_ERROR;
    else if (tag_end && len >= tag_end + 10 && memcmp(text + tag_end, " warning: ", 10) == 0)
        body = CON_WARN;
    layout.color = body == CON_ERROR ? CON_ERROR : CON_TAG;
    con_layout_write(&layout, text, tag_end);
    layout.color = body;
    con_layout_write(&layout, text + tag_end, len - tag_end);
}

/* Sinks get whole lines, but a replay gets the ring: split it into lines. */
static void put_text(const char *text, size_t len)
{
    while (len) {
        size_t n = 0;
        while (n < len && text[n++] != '\n')
            ;
        put_line(text, n);
        text += n;
        len -= n;
    }
}

/* Scrollback: the rows that scrolled off the top of the normal screen (never the
 * alternate one), FBCON_HISTORY rows in a ring, each FBCON_MAX_COLS cells wide.
 * view_back > 0 shows the screen that many rows further back, composed in
 * view_grid; any terminal output returns to the live screen. */
#define FBCON_HISTORY   512
static struct con_cell history[FBCON_HISTORY * FBCON_MAX_COLS];
static uint64_t history_rows;           /* rows ever saved */
static uint32_t view_back;
static struct con_cell view_grid[FBCON_MAX_COLS * FBCON_MAX_ROWS];
static bool on_alt;                     /* the alternate screen is shown */

static void save_row(void *ctx, const struct con_cell *row, uint32_t cols)
{
    (void)ctx;
    if (on_alt)
        return;
    memcpy(&history[(history_rows % FBCON_HISTORY) * FBCON_MAX_COLS], row, cols * sizeof(*row));
    history_rows++;
}

/* The screen view_back rows up: the history's last rows, then the grid's first. */
static void compose_view(struct con_layout *v)
{
    uint32_t rows = layout.rows, cols = layout.cols;
    *v = layout;
    v->cells = view_grid;
    for (uint32_t r = 0; r < rows; r++) {
        struct con_cell *dst = &view_grid[(size_t)r * cols];
        if (r < view_back) {
            uint64_t h = history_rows - view_back + r;
            memcpy(dst, &history[(h % FBCON_HISTORY) * FBCON_MAX_COLS], cols * sizeof(*dst));
        } else {
            memcpy(dst, &layout.cells[(size_t)(r - view_back) * cols], cols * sizeof(*dst));
        }
    }
}

/* The cursor: an underline drawn over its cell after each sync, so a moved cursor
 * only costs redrawing the cell it left. Hidden with ESC [ ?25 l (full-screen
 * programs draw without it) and at panic. */
#define CURSOR_NONE     UINT32_MAX
#define CURSOR_HEIGHT   2
static bool cursor_on = true;
static uint32_t cursor_col = CURSOR_NONE, cursor_row;

static void render(void)
{
    if (yielded && !panicking)
        return;
    if (view_back) {
        struct con_layout v;
        compose_view(&v);
        con_layout_sync(&v, shown, draw_cell, NULL);
    } else {
        con_layout_sync(&layout, shown, draw_cell, NULL);
    }
    if (!layout.cols || !layout.rows)
        return;
    uint32_t col = MIN(layout.cx, layout.cols - 1), row = layout.cy;
    bool show = cursor_on && !panicking && !view_back;
    if (cursor_col != CURSOR_NONE && (!show || cursor_col != col || cursor_row != row))
        draw_cell(NULL, cursor_col, cursor_row, con_layout_cell(&layout, cursor_col, cursor_row));
    cursor_col = CURSOR_NONE;
    if (!show)
        return;
    fb_fill_rect(screen, origin_x + (int)(col * font->width),
                 origin_y + (int)((row + 1) * font->height) - CURSOR_HEIGHT,
                 (int)font->width, CURSOR_HEIGHT, palette[CON_TEXT]);
    cursor_col = col;
    cursor_row = row;
}

static void fbcon_sink(const char *text, size_t len)
{
    bool locked = !panicking;
    if (locked)
        spin_lock_raw(&fbcon_lock);
    if (layout.cx)
        con_layout_putc(&layout, '\n');    /* never mid-way through a shell's prompt */
    put_line(text, len);
    render();
    if (locked)
        spin_unlock_raw(&fbcon_lock);
}

/* Terminal output: a small subset of ANSI/VT100 control sequences, the ones shells'
 * line editors emit (cursor moves, erase in line/display); other sequences are
 * swallowed so they never show as text. */
static enum { ESC_NONE, ESC_START, ESC_CSI } esc_state;
static uint32_t esc_param[8];
static uint32_t esc_nparam;
static bool esc_private;        /* "ESC [ ?": DEC private modes */
/* Select Graphic Rendition state: what terminal text is drawn with. */
static struct { uint8_t fg, bg; bool bold, reverse; } sgr = { CON_TEXT, 0, false, false };

static uint8_t sgr_color(void)
{
    uint8_t fg = sgr.bold && sgr.fg < 8 ? sgr.fg + 8 : sgr.fg;     /* bold as bright */
    return sgr.reverse ? CON_ATTR(sgr.bg, fg) : CON_ATTR(fg, sgr.bg);
}

static void sgr_apply(void)
{
    if (esc_nparam == 0)
        esc_nparam = 1;                 /* "ESC [ m" is a reset */
    for (uint32_t i = 0; i < esc_nparam && i < ARRAY_SIZE(esc_param); i++) {
        uint32_t p = esc_param[i];
        if (p == 0)
            sgr = (typeof(sgr)){ CON_TEXT, 0, false, false };
        else if (p == 1)
            sgr.bold = true;
        else if (p == 22)
            sgr.bold = false;
        else if (p == 7)
            sgr.reverse = true;
        else if (p == 27)
            sgr.reverse = false;
        else if (p >= 30 && p <= 37)
            sgr.fg = (uint8_t)(p - 30);
        else if (p == 39)
            sgr.fg = CON_TEXT;
        else if (p >= 40 && p <= 47)
            sgr.bg = (uint8_t)(p - 40);
        else if (p == 49)
            sgr.bg = 0;
        else if (p >= 90 && p <= 97)
            sgr.fg = (uint8_t)(p - 90 + 8);
        else if (p >= 100 && p <= 107)
            sgr.bg = (uint8_t)(p - 100 + 8);
        /* underline, blink, 256 colours...: not shown */
    }
    layout.color = sgr_color();
}

/* What the terminal answers to queries (cursor position, status, attributes),
 * handed to fbcon_write's caller to feed back as input; only the last answer of
 * one write is kept, as a program waits for each before asking again. */
static char answer_buf[32];
static size_t answer_len;

static void answer(int n)
{
    answer_len = n > 0 ? MIN((size_t)n, sizeof(answer_buf) - 1) : 0;
}

/* The alternate screen (ESC [ ?1049 h/l) that full-screen programs draw on: the
 * normal screen and cursor are kept aside and come back when the program leaves,
 * so the shell's lines reappear after vi or less, as in a terminal emulator. */
static struct con_cell saved_grid[FBCON_MAX_COLS * FBCON_MAX_ROWS];
static uint32_t saved_cx, saved_cy;

static void alt_screen(bool enter)
{
    size_t cells = (size_t)layout.cols * layout.rows;
    if (enter == on_alt)
        return;
    on_alt = enter;
    if (enter) {
        memcpy(saved_grid, layout.cells, cells * sizeof(*saved_grid));
        saved_cx = layout.cx;
        saved_cy = layout.cy;
        con_layout_clear(&layout);
    } else {
        memcpy(layout.cells, saved_grid, cells * sizeof(*saved_grid));
        layout.cx = saved_cx;
        layout.cy = saved_cy;
    }
}

/* [from, to) in cell index; erased cells take the current background, as on a
 * VT (full-screen programs paint bars this way). */
static void erase_cells(uint32_t from, uint32_t to)
{
    uint8_t color = CON_ATTR(CON_TEXT, CON_BG(sgr_color()));
    for (uint32_t i = from; i < to; i++)
        layout.cells[i] = (struct con_cell){ ' ', color };
}

static void csi_final(char f)
{
    uint32_t p0 = esc_param[0], n = p0 ? p0 : 1;
    uint32_t cols = layout.cols, rows = layout.rows;
    uint32_t cx = MIN(layout.cx, cols - 1), here = layout.cy * cols + cx;
    switch (f) {
    case 'A': layout.cy = layout.cy > n ? layout.cy - n : 0; break;
    case 'B': layout.cy = MIN(layout.cy + n, rows - 1); break;
    case 'C': layout.cx = MIN(cx + n, cols - 1); break;
    case 'D': layout.cx = cx > n ? cx - n : 0; break;
    case 'G': layout.cx = MIN(n - 1, cols - 1); break;
    case 'H': case 'f':
        layout.cy = MIN((p0 ? p0 : 1) - 1, rows - 1);
        layout.cx = MIN((esc_nparam > 1 && esc_param[1] ? esc_param[1] : 1) - 1, cols - 1);
        break;
    case 'K':
        if (p0 == 0)
            erase_cells(here, (layout.cy + 1) * cols);
        else if (p0 == 1)
            erase_cells(layout.cy * cols, here + 1);
        else
            erase_cells(layout.cy * cols, (layout.cy + 1) * cols);
        break;
    case 'J':
        if (p0 == 0) {
            erase_cells(here, rows * cols);
        } else {
            erase_cells(0, rows * cols);
            if (p0 == 2)
                layout.cx = layout.cy = 0;
        }
        break;
    case 'h': case 'l':
        if (esc_private && p0 == 25)
            cursor_on = f == 'h';
        else if (esc_private && (p0 == 1049 || p0 == 1047 || p0 == 47))
            alt_screen(f == 'h');
        break;
    case 'm':
        sgr_apply();
        break;
    case 'n':                           /* device status report */
        if (p0 == 6)
            answer(ksnprintf(answer_buf, sizeof(answer_buf), "\x1b[%u;%uR", layout.cy + 1, cx + 1));
        else if (p0 == 5)
            answer(ksnprintf(answer_buf, sizeof(answer_buf), "\x1b[0n"));
        break;
    case 'c':                           /* device attributes: a VT102, as Linux's */
        if (!esc_private && p0 == 0)
            answer(ksnprintf(answer_buf, sizeof(answer_buf), "\x1b[?6c"));
        break;
    default:
        break;          /* other modes, reports (n): ignored */
    }
}

static void term_putc(char c)
{
    switch (esc_state) {
    case ESC_NONE:
        if (c == 0x1b)
            esc_state = ESC_START;
        else
            con_layout_putc(&layout, c);
        return;
    case ESC_START:
        if (c == '[') {
            esc_state = ESC_CSI;
            esc_nparam = 0;
            esc_private = false;
            memset(esc_param, 0, sizeof(esc_param));
        } else {
            esc_state = ESC_NONE;   /* two-byte sequences (ESC 7, ESC c...): ignored */
        }
        return;
    case ESC_CSI:
        if (c >= '0' && c <= '9') {
            if (esc_nparam == 0)
                esc_nparam = 1;
            if (esc_nparam <= ARRAY_SIZE(esc_param))
                esc_param[esc_nparam - 1] = esc_param[esc_nparam - 1] * 10 + (uint32_t)(c - '0');
        } else if (c == ';') {
            esc_nparam = esc_nparam ? esc_nparam + 1 : 2;
        } else if (c == '?' || c == '>') {
            esc_private = true;         /* DEC private modes; '>' secondary queries */
        } else if (c >= 0x40 && c <= 0x7e) {
            esc_state = ESC_NONE;
            if (layout.cols && layout.rows)
                csi_final(c);
        }               /* '?' and other intermediates: keep collecting */
        return;
    }
}

size_t fbcon_write(const char *s, size_t n, char *reply, size_t reply_cap)
{
    if (!prepared)
        return 0;
    unsigned long f = spin_lock_irqsave(&fbcon_lock);
    layout.color = sgr_color();         /* log lines in between have their own */
    answer_len = 0;
    view_back = 0;                      /* output shows the live screen */
    for (size_t i = 0; i < n; i++)
        term_putc(s[i]);
    if (active)
        render();
    size_t k = MIN(answer_len, reply_cap);
    memcpy(reply, answer_buf, k);
    spin_unlock_irqrestore(&fbcon_lock, f);
    return k;
}

void fbcon_scrollback(int pages)
{
    if (!prepared)
        return;
    unsigned long f = spin_lock_irqsave(&fbcon_lock);
    uint32_t step = MAX(layout.rows / 2, 1u);
    uint64_t have = MIN(history_rows, (uint64_t)FBCON_HISTORY);
    int64_t back = (int64_t)view_back + (int64_t)pages * step;
    if (on_alt || back < 0)
        back = 0;
    view_back = (uint32_t)MIN((uint64_t)back, have);
    if (active)
        render();
    spin_unlock_irqrestore(&fbcon_lock, f);
}

bool fbcon_size(uint32_t *cols, uint32_t *rows)
{
    if (!prepared)
        return false;
    *cols = layout.cols;
    *rows = layout.rows;
    return true;
}

/* Sizes the grid to the screen and clears it; draws nothing. */
static int size_grid(void)
{
    screen = fb_screen();
    font = fb_console_font();
    if (!screen || !font)
        return -ENODEV;
    uint32_t avail_w = screen->width > 2 * FBCON_MARGIN ? screen->width - 2 * FBCON_MARGIN : 0;
    uint32_t avail_h = screen->height > 2 * FBCON_MARGIN ? screen->height - 2 * FBCON_MARGIN : 0;
    uint32_t cols = MIN(avail_w / font->width, FBCON_MAX_COLS);
    uint32_t rows = MIN(avail_h / font->height, FBCON_MAX_ROWS);
    origin_x = (int)(screen->width - cols * font->width) / 2;
    origin_y = (int)(screen->height - rows * font->height) / 2;
    con_layout_init(&layout, grid, cols, rows);
    layout.scrolled_out = save_row;
    prepared = true;
    return 0;
}

/* Paints the whole screen background; shown then holds blank cells, so the next
 * render draws every non-blank cell of the grid. */
static void paint_blank(void)
{
    if (yielded && !panicking)
        return;
    size_t cells = (size_t)layout.cols * layout.rows;
    for (size_t i = 0; i < cells; i++)
        shown[i] = (struct con_cell){ ' ', CON_TEXT };
    cursor_col = CURSOR_NONE;
    fb_fill_rect(screen, 0, 0, (int)screen->width, (int)screen->height, FBCON_BG);
}

/* Puts the tail of the log ring (n bytes in replay_buf) on the grid, most recent
 * last: the grid keeps only what fits. */
static void put_log_tail(size_t n)
{
    size_t keep = (size_t)layout.cols * layout.rows;
    size_t start = n > keep ? n - keep : 0;
    /* Start at a line boundary so colouring sees each "[tag]" prefix. */
    while (start > 0 && start < n && replay_buf[start - 1] != '\n')
        start++;
    put_text(replay_buf + start, n - start);
}

int fbcon_prepare(void)
{
    unsigned long f = spin_lock_irqsave(&fbcon_lock);
    int err = prepared ? 0 : size_grid();
    spin_unlock_irqrestore(&fbcon_lock, f);
    return err;
}

int fbcon_start(void)
{
    if (active)
        return 0;
    if (!fb_screen() || !fb_console_font())
        return -ENODEV;
    /* A console that was prepared behind the splash shows the terminal as it is;
     * one started cold (splash=0) shows the boot log so far. The ring is read
     * before fbcon_lock is taken: the log lock ranks below it. */
    bool cold = !prepared;
    size_t n = cold ? log_read_ring(replay_buf, sizeof(replay_buf)) : 0;
    unsigned long f = spin_lock_irqsave(&fbcon_lock);
    if (!prepared)
        size_grid();
    if (cold)
        put_log_tail(n);
    paint_blank();
    render();
    active = true;
    spin_unlock_irqrestore(&fbcon_lock, f);
    /* Logged before the sink is added: the line would land under the shell's prompt. */
    log_info("text console %ux%u", layout.cols, layout.rows);
    log_add_sink(fbcon_sink);
    return 0;
}

void fbcon_release_screen(void)
{
    unsigned long f = spin_lock_irqsave(&fbcon_lock);
    yielded = true;
    spin_unlock_irqrestore(&fbcon_lock, f);
}

void fbcon_panic_takeover(void)
{
    if (!fb_screen() || !fb_console_font())
        return;
    panicking = true;
    splash_stop();
    if (active) {
        if (yielded) {          /* the compositor's picture goes: show the log */
            paint_blank();
            render();
        }
        return;
    }
    /* The panic lines are being written right after this; show what led here
     * rather than whatever the terminal left behind the splash. */
    size_grid();
    put_log_tail(log_read_ring(replay_buf, sizeof(replay_buf)));
    paint_blank();
    render();
    active = true;
    log_add_sink(fbcon_sink);
}
