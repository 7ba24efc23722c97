/* libui's list view: rows as plain text or painted by the app (icons, columns),
 * a scroll bar when the rows outgrow the box, double-click timing, and the
 * visible rows published in the semantics tree. */
#include "ui.h"
#include "ui_private.h"
#include "ui_palette.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define DOUBLE_CLICK_MS 600
#define BAR_W 6

int ui_list_row_height(const struct ui_window *win)
{
    return win->font ? ui_font_line_height(win->font) + ui_px(win, 8) : 24;
}

void ui_draw_text(struct ui_window *win, const char *s, int x, struct ui_rect r, unsigned argb)
{
    if (!win->font || !*s)
        return;
    int asc = ui_font_ascent(win->font), desc = ui_font_descent(win->font);
    int baseline = r.y + (r.h - asc - desc) / 2 + asc;
    ui_font_draw(win->font, win->target, (long)x * 64, baseline, s, strlen(s), argb);
}

int ui_text_width(struct ui_window *win, const char *s)
{
    return win->font ? (int)(ui_font_measure(win->font, s, strlen(s)) >> 6) : 8 * (int)strlen(s);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

bool ui_list_double_click(struct ui_widget *w, int row)
{
    long t = now_ms();
    bool twice = row == w->last_click_row && w->last_click_ms && t - w->last_click_ms <= DOUBLE_CLICK_MS;
    /* A third click starts a new pair rather than activating again. */
    w->last_click_ms = twice ? 0 : t;
    w->last_click_row = row;
    return twice;
}

static int visible_rows(const struct ui_widget *w)
{
    int v = w->box.rect.h / ui_list_row_height(w->win);
    return v > 0 ? v : 1;
}

void ui_list_paint(struct ui_window *win, struct ui_widget *w, struct ui_rect r)
{
    int rh = ui_list_row_height(win), vis = visible_rows(w);
    bool bar = w->nitems > vis;
    ui_fill_round_rect(win->target, r, 6, FIELD);
    for (int i = w->first_row; i < w->nitems; i++) {
        struct ui_rect row = { r.x, r.y + (i - w->first_row) * rh, r.w - (bar ? BAR_W + 4 : 0), rh };
        if (row.y >= r.y + r.h)
            break;
        bool sel = i == w->value;
        if (sel)
            ui_fill_rect(win->target, row, (w->state & UI_STATE_FOCUSED) ? ROW_SEL : CONTROL_HI);
        if (w->draw_row)
            w->draw_row(w, i, row, sel, w->ctx);
        else
            ui_draw_text(win, w->items[i], row.x + 10, row, TEXT);
    }
    if (bar) {
        /* The thumb's length is the visible share, its place the first row's. */
        struct ui_rect track = { r.x + r.w - BAR_W - 3, r.y + 3, BAR_W, r.h - 6 };
        int len = track.h * vis / w->nitems;
        if (len < 16)
            len = 16;
        int max_first = w->nitems - vis;
        int y = track.y + (track.h - len) * w->first_row / (max_first > 0 ? max_first : 1);
        ui_fill_round_rect(win->target, track, BAR_W / 2, CONTROL_HI);
        ui_fill_round_rect(win->target, (struct ui_rect){ track.x, y, BAR_W, len }, BAR_W / 2, THUMB);
    }
    ui_stroke_round_rect(win->target, r, 6, 1, (w->state & UI_STATE_FOCUSED) ? CYAN : EDGE);
}

size_t ui_list_dump(struct ui_widget *w, int depth, char *buf, size_t n, size_t at,
                    size_t (*quote)(char *buf, size_t n, size_t at, const char *s))
{
    int rh = ui_list_row_height(w->win), vis = visible_rows(w);
    struct ui_rect r = w->box.rect;
    for (int i = w->first_row; i < w->nitems && i < w->first_row + vis; i++) {
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "%d %u row ",
                               depth, w->id);
        at = quote(buf, n, at, w->items[i]);
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0,
                               " value=%d rect=%d,%d,%d,%d state=%u\n", i, r.x,
                               r.y + (i - w->first_row) * rh, r.w, rh,
                               i == w->value ? (unsigned)UI_STATE_CHECKED : 0u);
    }
    return at;
}

int ui_list_row_at(const struct ui_widget *w, int y)
{
    if (y < w->box.rect.y || y >= w->box.rect.y + w->box.rect.h)
        return -1;
    int row = w->first_row + (y - w->box.rect.y) / ui_list_row_height(w->win);
    return row < w->nitems ? row : -1;
}
