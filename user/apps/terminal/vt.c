/* The VT100/xterm emulator's screen model and parser: printing with wrap and
 * insert mode, scroll regions, the alternate screen, scrollback, and the escape
 * and control sequences full-screen programs (vi, less, top) use. */
#include "vt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GROUND, ESCAPE, CSI, OSC, OSC_ESC, CHARSET };

static struct vt_cell blank(const struct vt *vt)
{
    /* Erased cells take the pen's background, as xterm's do. */
    return (struct vt_cell){ 0, VT_DEFAULT, vt->cur.pen.bg, 0 };
}

static struct vt_cell *row_at(const struct vt *vt, int y) { return vt->screen + (size_t)y * vt->cols; }

static void dirty(struct vt *vt, int from, int to)
{
    for (int y = from < 0 ? 0 : from; y <= to && y < vt->rows; y++)
        vt->dirty[y] = 1;
}

static void fill(struct vt *vt, int y, int x0, int x1, struct vt_cell c)
{
    struct vt_cell *r = row_at(vt, y);
    for (int x = x0 < 0 ? 0 : x0; x < x1 && x < vt->cols; x++)
        r[x] = c;
    dirty(vt, y, y);
}

static void reset_tabs(struct vt *vt)
{
    for (int x = 0; x < vt->cols; x++)
        vt->tabs[x] = x % 8 == 0 && x;
}

static void reset(struct vt *vt)
{
    vt->cur = (struct vt_cursor){ 0 };
    vt->saved_main = vt->saved_alt = vt->cur;
    vt->wrap_pending = false;
    vt->top = 0;
    vt->bottom = vt->rows - 1;
    vt->autowrap = vt->cursor_visible = true;
    vt->app_cursor_keys = vt->bracketed_paste = vt->insert_mode = false;
    vt->state = GROUND;
    vt->utf8_left = 0;
    vt->alt_active = false;
    vt->screen = vt->main;
    reset_tabs(vt);
    for (int y = 0; y < vt->rows; y++)
        fill(vt, y, 0, vt->cols, blank(vt));
}

int vt_init(struct vt *vt, int rows, int cols, int scrollback_lines)
{
    memset(vt, 0, sizeof(*vt));
    if (rows < 1 || cols < 1)
        return -1;
    vt->rows = rows;
    vt->cols = cols;
    vt->sb_cap = scrollback_lines;
    vt->main = calloc((size_t)rows * cols, sizeof(struct vt_cell));
    vt->alt = calloc((size_t)rows * cols, sizeof(struct vt_cell));
    vt->tabs = calloc((size_t)cols, 1);
    vt->dirty = calloc((size_t)rows, 1);
    vt->sb = scrollback_lines ? calloc((size_t)scrollback_lines * cols, sizeof(struct vt_cell)) : NULL;
    if (!vt->main || !vt->alt || !vt->tabs || !vt->dirty || (scrollback_lines && !vt->sb)) {
        vt_free(vt);
        return -1;
    }
    reset(vt);
    return 0;
}

void vt_free(struct vt *vt)
{
    free(vt->main);
    free(vt->alt);
    free(vt->tabs);
    free(vt->dirty);
    free(vt->sb);
    memset(vt, 0, sizeof(*vt));
}

static void push_scrollback(struct vt *vt, const struct vt_cell *line)
{
    if (!vt->sb_cap)
        return;
    int slot = (vt->sb_head + vt->sb_count) % vt->sb_cap;
    if (vt->sb_count == vt->sb_cap) {
        slot = vt->sb_head;
        vt->sb_head = (vt->sb_head + 1) % vt->sb_cap;
    } else {
        vt->sb_count++;
    }
    memcpy(vt->sb + (size_t)slot * vt->cols, line, sizeof(struct vt_cell) * vt->cols);
}

/* Scrolls rows top..bottom up by n (content moves up, blanks enter at the
 * bottom). Lines leaving the top of the whole main screen go to the scrollback. */
static void scroll_up(struct vt *vt, int top, int bottom, int n)
{
    if (n > bottom - top + 1)
        n = bottom - top + 1;
    if (n <= 0)
        return;
    if (top == 0 && !vt->alt_active)
        for (int i = 0; i < n; i++)
            push_scrollback(vt, row_at(vt, i));
    memmove(row_at(vt, top), row_at(vt, top + n),
            sizeof(struct vt_cell) * vt->cols * (bottom - top + 1 - n));
    for (int y = bottom - n + 1; y <= bottom; y++)
        fill(vt, y, 0, vt->cols, blank(vt));
    dirty(vt, top, bottom);
}

static void scroll_down(struct vt *vt, int top, int bottom, int n)
{
    if (n > bottom - top + 1)
        n = bottom - top + 1;
    if (n <= 0)
        return;
    memmove(row_at(vt, top + n), row_at(vt, top),
            sizeof(struct vt_cell) * vt->cols * (bottom - top + 1 - n));
    for (int y = top; y < top + n; y++)
        fill(vt, y, 0, vt->cols, blank(vt));
    dirty(vt, top, bottom);
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static void move_to(struct vt *vt, int x, int y)
{
    int lo = vt->cur.origin ? vt->top : 0, hi = vt->cur.origin ? vt->bottom : vt->rows - 1;
    vt->cur.x = clampi(x, 0, vt->cols - 1);
    vt->cur.y = clampi(y, lo, hi);
    vt->wrap_pending = false;
}

static void line_feed(struct vt *vt)
{
    if (vt->cur.y == vt->bottom)
        scroll_up(vt, vt->top, vt->bottom, 1);
    else if (vt->cur.y < vt->rows - 1)
        vt->cur.y++;
    vt->wrap_pending = false;
}

static void reverse_index(struct vt *vt)
{
    if (vt->cur.y == vt->top)
        scroll_down(vt, vt->top, vt->bottom, 1);
    else if (vt->cur.y > 0)
        vt->cur.y--;
}

static void put_char(struct vt *vt, uint32_t cp)
{
    if (vt->wrap_pending && vt->autowrap) {
        vt->cur.x = 0;
        line_feed(vt);
    }
    struct vt_cell *r = row_at(vt, vt->cur.y);
    if (vt->insert_mode)
        memmove(r + vt->cur.x + 1, r + vt->cur.x,
                sizeof(struct vt_cell) * (vt->cols - vt->cur.x - 1));
    struct vt_cell c = vt->cur.pen;
    c.cp = cp;
    r[vt->cur.x] = c;
    dirty(vt, vt->cur.y, vt->cur.y);
    vt->last_cp = cp;
    if (vt->cur.x == vt->cols - 1)
        vt->wrap_pending = true;
    else
        vt->cur.x++;
}

static void switch_screen(struct vt *vt, bool alt)
{
    if (alt == vt->alt_active)
        return;
    if (alt) {
        vt->saved_main = vt->cur;
        vt->alt_active = true;
        vt->screen = vt->alt;
        for (int y = 0; y < vt->rows; y++)
            fill(vt, y, 0, vt->cols, blank(vt));
    } else {
        vt->alt_active = false;
        vt->screen = vt->main;
        vt->cur = vt->saved_main;
        dirty(vt, 0, vt->rows - 1);
    }
    vt->wrap_pending = false;
}

static void send(struct vt *vt, const char *s)
{
    if (vt->reply)
        vt->reply(vt->reply_ctx, s, strlen(s));
}

static unsigned param(const struct vt *vt, int i, unsigned dflt)
{
    return i < vt->nparams && vt->params[i] ? vt->params[i] : dflt;
}

/* SGR 38/48: 5;n (palette) or 2;r;g;b. Returns how many parameters it used. */
static int extended_colour(struct vt *vt, int i, uint32_t *out)
{
    if (i + 1 < vt->nparams && vt->params[i + 1] == 5 && i + 2 < vt->nparams) {
        *out = VT_PALETTE(vt->params[i + 2] & 0xff);
        return 2;
    }
    if (i + 1 < vt->nparams && vt->params[i + 1] == 2 && i + 4 < vt->nparams) {
        *out = VT_RGB(vt->params[i + 2] & 0xff, vt->params[i + 3] & 0xff, vt->params[i + 4] & 0xff);
        return 4;
    }
    return vt->nparams - i - 1;     /* malformed: swallow the rest */
}

static void sgr(struct vt *vt)
{
    struct vt_cell *p = &vt->cur.pen;
    if (vt->nparams == 0)
        vt->nparams = 1, vt->params[0] = 0;
    for (int i = 0; i < vt->nparams; i++) {
        unsigned a = vt->params[i];
        static const uint16_t set[10] = { 0, VT_BOLD, VT_DIM, VT_ITALIC, VT_UNDERLINE, VT_BLINK, 0,
                                          VT_REVERSE, VT_HIDDEN, VT_STRIKE };
        if (a == 0)
            p->attr = 0, p->fg = p->bg = VT_DEFAULT;
        else if (a < 10)
            p->attr |= set[a];
        else if (a == 22)
            p->attr &= ~(VT_BOLD | VT_DIM);
        else if (a >= 23 && a <= 29)
            p->attr &= ~set[a - 20];
        else if (a >= 30 && a <= 37)
            p->fg = VT_PALETTE(a - 30);
        else if (a == 38)
            i += extended_colour(vt, i, &p->fg);
        else if (a == 39)
            p->fg = VT_DEFAULT;
        else if (a >= 40 && a <= 47)
            p->bg = VT_PALETTE(a - 40);
        else if (a == 48)
            i += extended_colour(vt, i, &p->bg);
        else if (a == 49)
            p->bg = VT_DEFAULT;
        else if (a >= 90 && a <= 97)
            p->fg = VT_PALETTE(a - 90 + 8);
        else if (a >= 100 && a <= 107)
            p->bg = VT_PALETTE(a - 100 + 8);
    }
}

static void set_mode(struct vt *vt, bool on)
{
    for (int i = 0; i < vt->nparams; i++) {
        unsigned m = vt->params[i];
        if (vt->private_mark != '?') {
            if (m == 4)
                vt->insert_mode = on;
            continue;
        }
        switch (m) {
        case 1: vt->app_cursor_keys = on; break;
        case 6: vt->cur.origin = on; move_to(vt, 0, on ? vt->top : 0); break;
        case 7: vt->autowrap = on; break;
        case 25: vt->cursor_visible = on; dirty(vt, vt->cur.y, vt->cur.y); break;
        case 47: case 1047: switch_screen(vt, on); break;
        case 1048:
            if (on) vt->saved_main = vt->cur; else vt->cur = vt->saved_main;
            break;
        case 1049:
            /* Save the cursor, then the alternate screen (cleared); back restores. */
            switch_screen(vt, on);
            break;
        case 2004: vt->bracketed_paste = on; break;
        default: break;
        }
    }
}

static void erase_display(struct vt *vt, unsigned mode)
{
    struct vt_cell b = blank(vt);
    if (mode == 0) {
        fill(vt, vt->cur.y, vt->cur.x, vt->cols, b);
        for (int y = vt->cur.y + 1; y < vt->rows; y++)
            fill(vt, y, 0, vt->cols, b);
    } else if (mode == 1) {
        for (int y = 0; y < vt->cur.y; y++)
            fill(vt, y, 0, vt->cols, b);
        fill(vt, vt->cur.y, 0, vt->cur.x + 1, b);
    } else if (mode == 2 || mode == 3) {
        for (int y = 0; y < vt->rows; y++)
            fill(vt, y, 0, vt->cols, b);
        if (mode == 3)
            vt->sb_count = vt->sb_head = 0;
    }
}

static void save_cursor(struct vt *vt) { *(vt->alt_active ? &vt->saved_alt : &vt->saved_main) = vt->cur; }

static void restore_cursor(struct vt *vt)
{
    vt->cur = vt->alt_active ? vt->saved_alt : vt->saved_main;
    move_to(vt, vt->cur.x, vt->cur.y);
}

static void csi_dispatch(struct vt *vt, char final)
{
    struct vt_cursor *c = &vt->cur;
    unsigned n = param(vt, 0, 1);
    int in = (int)(n > 10000 ? 10000 : n);
    struct vt_cell *r = row_at(vt, c->y);
    char buf[48];
    if (vt->private_mark && final != 'h' && final != 'l' && final != 'c')
        return;                                     /* e.g. CSI > c, CSI ? u: unsupported */
    switch (final) {
    case 'A': move_to(vt, c->x, c->y - in < vt->top && c->y >= vt->top ? vt->top : c->y - in); break;
    case 'B': case 'e':
        move_to(vt, c->x, c->y + in > vt->bottom && c->y <= vt->bottom ? vt->bottom : c->y + in);
        break;
    case 'C': case 'a': move_to(vt, c->x + in, c->y); break;
    case 'D': move_to(vt, c->x - in, c->y); break;
    case 'E': move_to(vt, 0, c->y + in); break;
    case 'F': move_to(vt, 0, c->y - in); break;
    case 'G': case '`': move_to(vt, in - 1, c->y); break;
    case 'd': move_to(vt, c->x, (c->origin ? vt->top : 0) + in - 1); break;
    case 'H': case 'f':
        move_to(vt, (int)param(vt, 1, 1) - 1, (c->origin ? vt->top : 0) + in - 1);
        break;
    case 'J': erase_display(vt, param(vt, 0, 0)); break;
    case 'K': {
        unsigned m = param(vt, 0, 0);
        fill(vt, c->y, m == 0 ? c->x : 0, m == 1 ? c->x + 1 : vt->cols, blank(vt));
        break;
    }
    case 'L': case 'M':
        if (c->y >= vt->top && c->y <= vt->bottom) {
            if (final == 'L')
                scroll_down(vt, c->y, vt->bottom, in);
            else
                scroll_up(vt, c->y, vt->bottom, in);
            c->x = 0;
        }
        break;
    case '@': {
        int k = in > vt->cols - c->x ? vt->cols - c->x : in;
        memmove(r + c->x + k, r + c->x, sizeof(*r) * (vt->cols - c->x - k));
        fill(vt, c->y, c->x, c->x + k, blank(vt));
        break;
    }
    case 'P': {
        int k = in > vt->cols - c->x ? vt->cols - c->x : in;
        memmove(r + c->x, r + c->x + k, sizeof(*r) * (vt->cols - c->x - k));
        fill(vt, c->y, vt->cols - k, vt->cols, blank(vt));
        break;
    }
    case 'X': fill(vt, c->y, c->x, c->x + in, blank(vt)); break;
    case 'S': scroll_up(vt, vt->top, vt->bottom, in); break;
    case 'T': scroll_down(vt, vt->top, vt->bottom, in); break;
    case 'b':
        for (int i = 0; i < in && vt->last_cp; i++)
            put_char(vt, vt->last_cp);
        break;
    case 'g':
        if (param(vt, 0, 0) == 0)
            vt->tabs[c->x] = 0;
        else if (param(vt, 0, 0) == 3)
            memset(vt->tabs, 0, (size_t)vt->cols);
        break;
    case 'm': sgr(vt); break;
    case 'h': set_mode(vt, true); break;
    case 'l': set_mode(vt, false); break;
    case 'r': {
        int top = (int)param(vt, 0, 1) - 1, bottom = (int)param(vt, 1, (unsigned)vt->rows) - 1;
        if (top < bottom && bottom < vt->rows) {
            vt->top = top;
            vt->bottom = bottom;
            move_to(vt, 0, c->origin ? top : 0);
        }
        break;
    }
    case 's': save_cursor(vt); break;
    case 'u': restore_cursor(vt); break;
    case 'n':
        if (param(vt, 0, 0) == 5)
            send(vt, "\033[0n");
        else if (param(vt, 0, 0) == 6) {
            snprintf(buf, sizeof(buf), "\033[%d;%dR", c->y + 1 - (c->origin ? vt->top : 0), c->x + 1);
            send(vt, buf);
        }
        break;
    case 'c':
        if (!vt->private_mark)
            send(vt, "\033[?62;22c");           /* a VT220 with ANSI colour */
        break;
    case 't':
        if (param(vt, 0, 0) == 18) {
            snprintf(buf, sizeof(buf), "\033[8;%d;%dt", vt->rows, vt->cols);
            send(vt, buf);
        }
        break;
    default: break;
    }
}

static void esc_dispatch(struct vt *vt, char c)
{
    switch (c) {
    case '7': save_cursor(vt); break;
    case '8': restore_cursor(vt); break;
    case 'D': line_feed(vt); break;
    case 'E': vt->cur.x = 0; line_feed(vt); break;
    case 'M': reverse_index(vt); break;
    case 'H': vt->tabs[vt->cur.x] = 1; break;
    case 'c': reset(vt); vt->sb_count = vt->sb_head = 0; break;
    default: break;     /* keypad modes (= >) and the rest need no state here */
    }
}

static void osc_dispatch(struct vt *vt)
{
    vt->osc[vt->osc_len] = 0;
    /* "0;title" and "2;title" set the window title; other OSCs are ignored. */
    if ((vt->osc[0] == '0' || vt->osc[0] == '2') && vt->osc[1] == ';')
        snprintf(vt->title, sizeof(vt->title), "%s", vt->osc + 2);
}

static void control(struct vt *vt, unsigned char b)
{
    switch (b) {
    case '\a': vt->bell = true; break;
    case '\b': if (vt->cur.x > 0) vt->cur.x--; vt->wrap_pending = false; break;
    case '\t': {
        int x = vt->cur.x + 1;
        while (x < vt->cols - 1 && !vt->tabs[x])
            x++;
        vt->cur.x = x < vt->cols ? x : vt->cols - 1;
        break;
    }
    case '\n': case '\v': case '\f': line_feed(vt); break;
    case '\r': vt->cur.x = 0; vt->wrap_pending = false; break;
    default: break;
    }
}

static void byte(struct vt *vt, unsigned char b)
{
    if (b == 0x1b && vt->state != OSC) {
        vt->state = ESCAPE;
        vt->nparams = 0;
        vt->private_mark = vt->intermediate = 0;
        memset(vt->params, 0, sizeof(vt->params));
        return;
    }
    switch (vt->state) {
    case GROUND:
        if (b < 0x20 || b == 0x7f) {
            control(vt, b);
        } else if (b < 0x80) {
            vt->utf8_left = 0;
            put_char(vt, b);
        } else if ((b & 0xc0) == 0x80 && vt->utf8_left) {
            vt->utf8_cp = vt->utf8_cp << 6 | (b & 0x3f);
            if (--vt->utf8_left == 0)
                put_char(vt, vt->utf8_cp > 0x10ffff ? 0xfffd : vt->utf8_cp);
        } else if (b >= 0xc2 && b <= 0xf4) {
            vt->utf8_left = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3;
            vt->utf8_cp = b & (0x3f >> vt->utf8_left);
        } else {
            vt->utf8_left = 0;
            put_char(vt, 0xfffd);       /* a stray byte shows as the replacement */
        }
        break;
    case ESCAPE:
        if (b == '[') vt->state = CSI;
        else if (b == ']') vt->state = OSC, vt->osc_len = 0;
        else if (b == '(' || b == ')' || b == '#' || b == '%') vt->state = CHARSET;
        else { esc_dispatch(vt, (char)b); vt->state = GROUND; }
        break;
    case CHARSET:
        vt->state = GROUND;             /* the designated set is always UTF-8 here */
        break;
    case CSI:
        if (b >= '0' && b <= '9') {
            if (vt->nparams == 0)
                vt->nparams = 1;
            unsigned *p = &vt->params[vt->nparams - 1];
            *p = *p > 100000 ? *p : *p * 10 + (b - '0');
        } else if (b == ';' || b == ':') {
            if (vt->nparams == 0)
                vt->nparams = 1;
            if (vt->nparams < 16)
                vt->nparams++;
        } else if (b >= '<' && b <= '?') {
            vt->private_mark = (char)b;
        } else if (b >= 0x20 && b <= 0x2f) {
            vt->intermediate = (char)b;
        } else if (b >= 0x40 && b <= 0x7e) {
            if (!vt->intermediate)
                csi_dispatch(vt, (char)b);
            vt->state = GROUND;
        } else if (b < 0x20) {
            control(vt, b);             /* controls inside CSI act immediately */
        }
        break;
    case OSC:
        if (b == '\a') {
            osc_dispatch(vt);
            vt->state = GROUND;
        } else if (b == 0x1b) {
            vt->state = OSC_ESC;
        } else if (vt->osc_len < sizeof(vt->osc) - 1) {
            vt->osc[vt->osc_len++] = (char)b;
        }
        break;
    case OSC_ESC:                       /* ESC \ ends an OSC (ST) */
        osc_dispatch(vt);
        vt->state = GROUND;
        if (b != '\\')
            byte(vt, b);
        break;
    }
}

void vt_write(struct vt *vt, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        byte(vt, (unsigned char)s[i]);
}

int vt_resize(struct vt *vt, int rows, int cols)
{
    if (rows < 1 || cols < 1)
        return -1;
    if (rows == vt->rows && cols == vt->cols)
        return 0;
    struct vt_cell *m = calloc((size_t)rows * cols, sizeof(*m));
    struct vt_cell *a = calloc((size_t)rows * cols, sizeof(*a));
    uint8_t *tabs = calloc((size_t)cols, 1), *d = calloc((size_t)rows, 1);
    struct vt_cell *sb = vt->sb_cap ? calloc((size_t)vt->sb_cap * cols, sizeof(*sb)) : NULL;
    if (!m || !a || !tabs || !d || (vt->sb_cap && !sb)) {
        free(m), free(a), free(tabs), free(d), free(sb);
        return -1;
    }
    /* Shrinking keeps the rows around the cursor: the top ones go to the
     * scrollback, as a shell's prompt at the bottom stays in view. */
    int shift = vt->cur.y >= rows ? vt->cur.y - rows + 1 : 0;
    for (int i = 0; i < shift && !vt->alt_active; i++)
        push_scrollback(vt, row_at(vt, i));
    int keep_cols = cols < vt->cols ? cols : vt->cols;
    for (int y = 0; y < rows; y++)
        for (int x = 0; x < cols; x++) {
            struct vt_cell blank_cell = { 0, VT_DEFAULT, VT_DEFAULT, 0 };
            bool in = y + shift < vt->rows && x < keep_cols;
            m[(size_t)y * cols + x] = in ? vt->main[(size_t)(y + shift) * vt->cols + x] : blank_cell;
            a[(size_t)y * cols + x] = in ? vt->alt[(size_t)(y + shift) * vt->cols + x] : blank_cell;
        }
    for (int i = 0; i < vt->sb_count; i++) {
        const struct vt_cell *src = vt->sb + (size_t)((vt->sb_head + i) % vt->sb_cap) * vt->cols;
        for (int x = 0; x < keep_cols; x++)
            sb[(size_t)i * cols + x] = src[x];
    }
    free(vt->main), free(vt->alt), free(vt->tabs), free(vt->dirty), free(vt->sb);
    vt->main = m, vt->alt = a, vt->tabs = tabs, vt->dirty = d, vt->sb = sb;
    vt->sb_head = 0;
    vt->screen = vt->alt_active ? a : m;
    vt->rows = rows;
    vt->cols = cols;
    vt->top = 0;
    vt->bottom = rows - 1;
    reset_tabs(vt);
    vt->cur.y -= shift;
    vt->saved_main.y = clampi(vt->saved_main.y - shift, 0, rows - 1);
    vt->saved_main.x = clampi(vt->saved_main.x, 0, cols - 1);
    move_to(vt, vt->cur.x, vt->cur.y);
    dirty(vt, 0, rows - 1);
    return 0;
}
