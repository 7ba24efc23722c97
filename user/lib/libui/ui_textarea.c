/* libui's text area: multi-line editing on the ui_text model and its line model
 * (ui_textlines.c): keys, mouse selection, the clipboard, a view scrolled by whole
 * lines vertically and by pixels sideways to keep the cursor in sight, and the
 * painting of lines, selection, caret and scroll bar. */
#include "ui.h"
#include "ui_keycodes.h"
#include "ui_private.h"
#include "ui_palette.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_DIM    0xff7c87a6u
#define PAD   8
#define BAR_W 6

static const char *buf_of(const struct ui_widget *w) { return w->text.buf ? w->text.buf : ""; }

static int line_h(const struct ui_widget *w)
{
    return w->win->font ? ui_font_line_height(w->win->font) : 16;
}

static struct ui_rect inner(const struct ui_widget *w)
{
    struct ui_rect r = w->box.rect;
    int pad = ui_px(w->win, PAD);
    return (struct ui_rect){ r.x + pad, r.y + pad, r.w - 2 * pad - BAR_W - 2, r.h - 2 * pad };
}

static int visible_lines(const struct ui_widget *w)
{
    int v = inner(w).h / line_h(w);
    return v > 0 ? v : 1;
}

/* x of byte offset at within its line, in 26.6 pixels from the line's start. */
static long x_of(const struct ui_widget *w, size_t at)
{
    size_t s = ui_text_line_start(&w->text, at);
    if (!w->win->font)
        return (long)ui_text_column(&w->text, at) * 8 * 64;
    return ui_font_measure(w->win->font, buf_of(w) + s, at - s);
}

/* The offset in line `line` nearest x (26.6 from the line's start). */
static size_t offset_in_line(const struct ui_widget *w, int line, long x)
{
    size_t s = ui_text_line_offset(&w->text, line), e = ui_text_line_end(&w->text, s);
    if (!w->win->font) {
        size_t c = s;
        for (long col = (x + 4 * 64) / (8 * 64); col > 0 && c < e; col--)
            ui_utf8_decode(buf_of(w), c, &c);
        return c;
    }
    return s + ui_font_offset_at(w->win->font, buf_of(w) + s, e - s, x);
}

static void clamp_scroll(struct ui_widget *w)
{
    int lh = line_h(w), max = (ui_text_line_count(&w->text) - visible_lines(w)) * lh;
    if (w->scroll_y > max)
        w->scroll_y = max;
    if (w->scroll_y < 0)
        w->scroll_y = 0;
    w->scroll_y -= w->scroll_y % lh;
    if (w->scroll_x < 0)
        w->scroll_x = 0;
}

/* Scrolls so the cursor's line and column are in the view. */
static void show_cursor(struct ui_widget *w)
{
    int lh = line_h(w), vis = visible_lines(w), line = ui_text_line_of(&w->text, w->text.cursor);
    if (line * lh < w->scroll_y)
        w->scroll_y = line * lh;
    else if (line >= w->scroll_y / lh + vis)
        w->scroll_y = (line - vis + 1) * lh;
    int cx = (int)(x_of(w, w->text.cursor) >> 6), vw = inner(w).w;
    if (cx < w->scroll_x)
        w->scroll_x = cx - vw / 3;
    else if (cx > w->scroll_x + vw - 4)
        w->scroll_x = cx - vw + vw / 3;
    clamp_scroll(w);
}

static void edited(struct ui_widget *w)
{
    w->goal_x = -1;
    show_cursor(w);
    ui_mark_dirty(w);
    if (w->on_change)
        w->on_change(w, w->ctx);
}

int ui_textarea_set(struct ui_widget *w, const char *s)
{
    if (ui_text_set(&w->text, s) < 0)
        return -1;
    w->text.cursor = w->text.anchor = 0;
    w->scroll_x = w->scroll_y = 0;
    w->goal_x = -1;
    ui_mark_dirty(w);
    return 0;
}

static void vertical(struct ui_widget *w, int lines, bool extend)
{
    struct ui_text *t = &w->text;
    if (w->goal_x < 0)
        w->goal_x = (int)x_of(w, t->cursor);
    int line = ui_text_line_of(t, t->cursor) + lines;
    size_t c = line < 0 ? 0 : line >= ui_text_line_count(t) ? t->len : offset_in_line(w, line, w->goal_x);
    t->cursor = c;
    if (!extend)
        t->anchor = c;
}

void ui_textarea_key(struct ui_widget *w, const struct ui_event *e)
{
    bool shift = e->mods & UI_MOD_SHIFT, ctrl = e->mods & UI_MOD_CTRL;
    struct ui_text *t = &w->text;
    int keep_goal = w->goal_x;
    w->goal_x = -1;
    switch (e->key) {
    case KEY_LEFT: ui_text_move(t, ctrl ? UI_MOVE_WORD_LEFT : UI_MOVE_LEFT, shift); break;
    case KEY_RIGHT: ui_text_move(t, ctrl ? UI_MOVE_WORD_RIGHT : UI_MOVE_RIGHT, shift); break;
    case KEY_HOME: ui_text_move(t, ctrl ? UI_MOVE_DOC_START : UI_MOVE_LINE_START, shift); break;
    case KEY_END: ui_text_move(t, ctrl ? UI_MOVE_DOC_END : UI_MOVE_LINE_END, shift); break;
    case KEY_UP: case KEY_DOWN: case KEY_PAGEUP: case KEY_PAGEDOWN: {
        int n = e->key == KEY_UP || e->key == KEY_DOWN ? 1 : visible_lines(w);
        w->goal_x = keep_goal;
        vertical(w, e->key == KEY_UP || e->key == KEY_PAGEUP ? -n : n, shift);
        break;
    }
    case KEY_BACKSPACE: if (ui_text_delete_back(t)) edited(w); break;
    case KEY_DELETE: if (ui_text_delete_forward(t)) edited(w); break;
    case KEY_ENTER: if (ui_text_insert(t, "\n", 1) == 0) edited(w); break;
    default:
        if (ui_text_edit_key(w, e))
            edited(w);
        break;
    }
    show_cursor(w);
    ui_mark_dirty(w);
}

void ui_textarea_pointer(struct ui_widget *w, const struct ui_event *e, bool drag)
{
    struct ui_rect in = inner(w);
    int last = ui_text_line_count(&w->text) - 1;
    int line = (e->y - in.y + w->scroll_y) / line_h(w);
    if (e->y < in.y)
        line = w->scroll_y / line_h(w) - 1;
    line = line < 0 ? 0 : line > last ? last : line;
    size_t at = offset_in_line(w, line, (long)(e->x - in.x + w->scroll_x) * 64);
    size_t anchor = drag || (e->mods & UI_MOD_SHIFT) ? w->text.anchor : at;
    if (drag && at == w->text.cursor)
        return;
    ui_text_select(&w->text, anchor, at);
    w->goal_x = -1;
    show_cursor(w);
    ui_mark_dirty(w);
}

void ui_textarea_wheel(struct ui_widget *w, int rows)
{
    int before = w->scroll_y;
    w->scroll_y += rows * line_h(w);
    clamp_scroll(w);
    if (w->scroll_y != before)
        ui_mark_dirty(w);
}

void ui_textarea_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r)
{
    bool focused = w->state & UI_STATE_FOCUSED;
    ui_fill_round_rect(win->target, r, 6, FIELD);
    ui_stroke_round_rect(win->target, r, 6, focused ? 2 : 1, focused ? CYAN : EDGE);
    struct ui_rect in = inner(w);
    int lh = line_h(w), vis = visible_lines(w), first = w->scroll_y / lh;
    int lines = ui_text_line_count(&w->text);
    const char *s = buf_of(w);
    size_t ss, se;
    ui_text_selection(&w->text, &ss, &se);
    if (!w->text.len && !focused)
        ui_draw_text(win, w->label, in.x, (struct ui_rect){ in.x, in.y, in.w, lh }, TEXT_DIM);
    ui_clip(win, (struct ui_rect){ in.x - 1, in.y, in.w + 2, in.h });
    size_t ls = ui_text_line_offset(&w->text, first);
    for (int i = first; i < lines && i < first + vis; i++) {
        size_t le = ui_text_line_end(&w->text, ls);
        struct ui_rect row = { in.x, in.y + (i - first) * lh, in.w, lh };
        int x0 = in.x - w->scroll_x;
        if (ss != se && ss <= le && se > ls) {
            size_t a = ss > ls ? ss : ls, b = se < le ? se : le;
            int sx = x0 + (int)(x_of(w, a) >> 6), ex = x0 + (int)(x_of(w, b) >> 6);
            if (se > le)
                ex += 6;            /* the newline is selected too */
            if (sx < in.x)
                sx = in.x;
            if (ex > in.x + in.w)
                ex = in.x + in.w;
            if (ex > sx)
                ui_fill_rect(win->target, (struct ui_rect){ sx, row.y, ex - sx, lh }, SELECTION);
        }
        if (win->font && le > ls) {
            int asc = ui_font_ascent(win->font), desc = ui_font_descent(win->font);
            int baseline = row.y + (lh - asc - desc) / 2 + asc;
            ui_font_draw(win->font, win->target, (long)x0 * 64, baseline, s + ls, le - ls, TEXT);
        }
        if (focused && w->text.cursor >= ls && w->text.cursor <= le) {
            int cx = x0 + (int)(x_of(w, w->text.cursor) >> 6);
            if (cx >= in.x - 1 && cx <= in.x + in.w)
                ui_fill_rect(win->target, (struct ui_rect){ cx, row.y + 2, 2, lh - 4 }, CYAN);
        }
        ls = le + 1;
    }
    ui_clip(win, r);
    if (lines > vis) {
        struct ui_rect track = { r.x + r.w - BAR_W - 4, r.y + 4, BAR_W, r.h - 8 };
        int len = track.h * vis / lines;
        if (len < 16)
            len = 16;
        int y = track.y + (track.h - len) * first / (lines - vis);
        ui_fill_round_rect(win->target, track, BAR_W / 2, CONTROL_HI);
        ui_fill_round_rect(win->target, (struct ui_rect){ track.x, y, BAR_W, len }, BAR_W / 2, THUMB);
    }
}
