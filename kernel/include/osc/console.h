/* Text console. The layout core (kernel/gfx/console.c) is pure: it keeps a grid of
 * character cells with a cursor and knows nothing about pixels. The framebuffer
 * console (kernel/gfx/fbcon.c) renders only the cells that changed since the last
 * frame and is a log sink while active. */
#pragma once

#include <osc/types.h>

/* A cell's colours: the foreground in the low nibble, the background in the high
 * one, each an index into the 16-colour ANSI palette (fbcon.c), where 0 is the
 * console's background and 7 its text colour. The log's colours are foregrounds
 * on the default background. */
enum con_color {
    CON_TEXT = 7, CON_DIM = 8, CON_ERROR = 9, CON_WARN = 11, CON_TAG = 12,
};
#define CON_FG(c)         ((c) & 15)
#define CON_BG(c)         ((c) >> 4)
#define CON_ATTR(fg, bg)  ((uint8_t)(((fg) & 15) | ((bg) & 15) << 4))

struct con_cell {
    uint8_t ch;                 /* Latin-1 code point; ' ' when empty */
    uint8_t color;              /* CON_ATTR(fg, bg) */
};

struct con_layout {
    struct con_cell *cells;     /* rows * cols, row-major */
    uint32_t cols, rows;
    uint32_t cx, cy;            /* cursor; cx == cols means "wrap before next char" */
    uint8_t color;              /* colour for newly written characters */
    uint64_t scrolls;           /* lines scrolled off the top so far */
    /* Optional (set after init): sees each row just before it scrolls off the
     * top, for a scrollback history. */
    void (*scrolled_out)(void *ctx, const struct con_cell *row, uint32_t cols);
    void *scroll_ctx;
};

#define CON_TAB_WIDTH 8

/* Uses cells (rows * cols of them) as the grid and clears it. A 0-column or 0-row
 * console is valid: it accepts and discards everything. */
void con_layout_init(struct con_layout *l, struct con_cell *cells, uint32_t cols, uint32_t rows);
void con_layout_clear(struct con_layout *l);
/* Handles printable bytes, '\n' (new line), '\r' (column 0), '\t' (next 8-column
 * stop), '\b' (back one column, never past column 0); other controls are ignored.
 * Writing past the right edge wraps; a new line past the bottom scrolls. */
void con_layout_putc(struct con_layout *l, char c);
void con_layout_write(struct con_layout *l, const char *s, size_t n);
static inline struct con_cell con_layout_cell(const struct con_layout *l, uint32_t col, uint32_t row)
{
    return l->cells[(size_t)row * l->cols + col];
}

/* Brings shown (what the screen holds, same size as the grid) up to date: calls
 * draw(ctx, col, row, cell) for each cell that differs and copies it. Returns how
 * many cells were drawn, so only the changed region is ever touched. */
typedef void (*con_draw_fn)(void *ctx, uint32_t col, uint32_t row, struct con_cell cell);
size_t con_layout_sync(const struct con_layout *l, struct con_cell *shown, con_draw_fn draw, void *ctx);

/* ---- framebuffer console (kernel/gfx/fbcon.c) ---- */

/* Sizes the console's grid to the screen without drawing, so terminal output is
 * kept while the splash is shown. 0, or -ENODEV without a framebuffer. */
int fbcon_prepare(void);
/* Starts the text console on the framebuffer: clears the screen and shows the
 * grid (what the terminal wrote since fbcon_prepare, or, started cold, the boot
 * log so far), then registers as a log sink. 0, or -ENODEV without a framebuffer. */
int fbcon_start(void);
/* Terminal output to the text console (a VT100 subset: cursor moves, erase in
 * line/display, SGR colours, bold as bright, reverse video, the alternate
 * screen); kept on the grid once prepared, drawn once started. What the terminal
 * answers to queries in s (ESC [ 6 n cursor position, ESC [ 5 n, ESC [ c) goes to
 * reply (at most reply_cap bytes, count returned) for the caller to feed back as
 * terminal input. */
size_t fbcon_write(const char *s, size_t n, char *reply, size_t reply_cap);
/* Pages the scrollback: pages > 0 back into history by that many half screens,
 * < 0 forward; any output returns to the live screen. From the keyboard's
 * interrupt handler (Shift+PgUp/PgDn). */
void fbcon_scrollback(int pages);
/* The console's size in cells; false before it is prepared (no framebuffer). */
bool fbcon_size(uint32_t *cols, uint32_t *rows);
/* The compositor took the screen over: the console stops drawing (its grid and
 * terminal go on; a panic draws again). */
void fbcon_release_screen(void);
/* Panic path: makes panic output reach the screen (stops the splash, clears, shows
 * the tail of the log and becomes a sink). Safe without a framebuffer, and with
 * interrupts off; takes no locks. */
void fbcon_panic_takeover(void);

/* ---- boot splash (kernel/gfx/splash.c) ---- */

/* Draws the logo and starts the spinner thread; with splash=0 on the command line
 * starts the text console instead. No-op without a framebuffer. */
void splash_start(void);
/* Boot is done: hands the screen to the text console once the splash has been up
 * for its minimum time (the spinner thread does it between two frames, so no
 * late frame lands on the console). Returns at once. */
void splash_finish(void);
/* Stops the spinner at once (panic). Idempotent. */
void splash_stop(void);
bool splash_active(void);
