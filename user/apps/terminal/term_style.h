/* The Terminal app's look of one cell: which colours and font a vt_cell is drawn
 * with (default colours, the palette, truecolour, bold as bright, reverse video,
 * hidden text, the cursor block). Pure logic, tested on the host
 * (tests/host/test_term_style.c); terminal.c paints with it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "vt.h"

#define TERM_FG 0xffd0d4deu     /* default text: libui's light grey */
#define TERM_BG 0xff0f1629u     /* default background: libui's navy */

struct term_style {
    uint32_t fg, bg;            /* 0xAARRGGBB, opaque */
    bool bold, underline, strike;
    bool glyph;                 /* there is something to draw (not blank, not hidden) */
};

/* The style of cell c; cursor: the cursor block sits on it (colours swapped). */
struct term_style term_cell_style(const struct vt_cell *c, bool cursor);

/* UTF-8 of code point cp into out (at least 5 bytes, NUL-terminated); its length. */
int term_utf8(uint32_t cp, char *out);
