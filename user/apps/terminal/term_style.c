/* How a terminal cell looks: its attributes and colours resolved to pixels'
 * colours (see term_style.h). */
#include "term_style.h"

static uint32_t resolve(uint32_t c, uint32_t dflt, bool bright)
{
    switch (VT_KIND(c)) {
    case 1: {
        int i = (int)(c & 0xff);
        if (bright && i < 8)
            i += 8;             /* xterm: bold makes the 8 base colours bright */
        return 0xff000000u | vt_palette(i);
    }
    case 2:
        return 0xff000000u | (c & 0xffffff);
    default:
        return dflt;
    }
}

struct term_style term_cell_style(const struct vt_cell *c, bool cursor)
{
    struct term_style s;
    s.bold = c->attr & VT_BOLD;
    s.underline = c->attr & VT_UNDERLINE;
    s.strike = c->attr & VT_STRIKE;
    s.fg = resolve(c->fg, TERM_FG, s.bold);
    s.bg = resolve(c->bg, TERM_BG, false);
    if (c->attr & VT_DIM)       /* halfway to the background */
        s.fg = 0xff000000u | (((s.fg & 0xfefefe) >> 1) + ((s.bg & 0xfefefe) >> 1));
    bool swap = !(c->attr & VT_REVERSE) != !cursor;
    if (swap) {
        uint32_t t = s.fg;
        s.fg = s.bg;
        s.bg = t;
    }
    bool hidden = c->attr & VT_HIDDEN;
    s.glyph = c->cp > ' ' && !hidden;
    if (hidden)
        s.underline = s.strike = false;
    return s;
}

int term_utf8(uint32_t cp, char *out)
{
    int n;
    if (cp < 0x80)
        out[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        out[0] = (char)(0xc0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    else if (cp < 0x10000)
        out[0] = (char)(0xe0 | cp >> 12), out[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
        out[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    else
        out[0] = (char)(0xf0 | cp >> 18), out[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
        out[2] = (char)(0x80 | (cp >> 6 & 0x3f)), out[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    out[n] = 0;
    return n;
}
