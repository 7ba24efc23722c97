/* The Terminal app's engine: a VT100/xterm emulator over a grid of cells. Bytes
 * from the pty go in (UTF-8 text and control sequences); the grid, the cursor,
 * the scrollback and the title come out, with dirty rows for repainting. Keys go
 * the other way through vt_key. Pure logic, tested on the host (tests/host/test_vt.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A colour: default, one of the 256 palette entries, or 24-bit RGB. */
#define VT_DEFAULT      0u
#define VT_PALETTE(i)   (0x01000000u | (uint8_t)(i))
#define VT_RGB(r, g, b) (0x02000000u | (uint32_t)(r) << 16 | (uint32_t)(g) << 8 | (uint8_t)(b))
#define VT_KIND(c)      ((c) >> 24)

enum {
    VT_BOLD = 1, VT_DIM = 2, VT_ITALIC = 4, VT_UNDERLINE = 8, VT_BLINK = 16,
    VT_REVERSE = 32, VT_HIDDEN = 64, VT_STRIKE = 128,
};

struct vt_cell {
    uint32_t cp;            /* code point; 0 = blank */
    uint32_t fg, bg;
    uint16_t attr;
};

struct vt_cursor {
    int x, y;
    struct vt_cell pen;     /* colours and attributes of what is written next */
    bool origin;            /* DECOM: rows count from the scroll region's top */
};

struct vt {
    int rows, cols;
    struct vt_cell *screen;         /* rows x cols, the active one */
    struct vt_cell *main, *alt;
    bool alt_active;
    struct vt_cursor cur, saved_main, saved_alt;
    bool wrap_pending;              /* the last column was written: wrap on the next */
    int top, bottom;                /* scroll region, inclusive rows */
    bool autowrap, cursor_visible, app_cursor_keys, bracketed_paste, insert_mode;
    uint8_t *tabs;                  /* one byte per column: a stop there */

    /* The parser. */
    int state;
    unsigned params[16];
    int nparams;
    char private_mark, intermediate;
    char osc[256];
    size_t osc_len;
    uint32_t utf8_cp;
    int utf8_left;
    uint32_t last_cp;               /* for REP */

    char title[128];
    bool bell;                      /* set by BEL, cleared by the app */

    /* Scrollback: lines scrolled off the top of the main screen, a ring. */
    struct vt_cell *sb;
    int sb_cap, sb_count, sb_head;

    uint8_t *dirty;                 /* one byte per row */

    /* Replies to queries (device status, attributes) go back to the pty. */
    void (*reply)(void *ctx, const char *s, size_t n);
    void *reply_ctx;
};

/* Returns 0, or -1 on no memory. */
int vt_init(struct vt *vt, int rows, int cols, int scrollback_lines);
void vt_free(struct vt *vt);
/* Feeds bytes from the pty. */
void vt_write(struct vt *vt, const char *s, size_t n);
/* Changes the grid size (window resize): content keeps its top-left, the cursor
 * stays on screen, the scroll region resets. 0 or -1 on no memory (unchanged). */
int vt_resize(struct vt *vt, int rows, int cols);
/* The cell at (row, col) of the screen; scrolled back by `back` lines into the
 * scrollback (0 = the live screen). */
const struct vt_cell *vt_cell(const struct vt *vt, int back, int row, int col);
/* The text of a screen row (trailing blanks dropped) as UTF-8 into buf; returns its length. */
size_t vt_row_text(const struct vt *vt, int back, int row, char *buf, size_t n);
/* The bytes a key sends to the pty (Linux key code, modifiers as libui's
 * UI_MOD_*, the UTF-8 text it types); returns their count (0: nothing). */
size_t vt_key(const struct vt *vt, int key, unsigned mods, const char *text, char *out, size_t n);
/* The palette colour i (0-255) as 0xRRGGBB: xterm's 16 colours, the 6x6x6 cube
 * and the grey ramp. */
uint32_t vt_palette(int i);
