/* libui's grid view: items as cells in rows that fill the width (icon views),
 * scrolled by rows, with keyboard moves in two dimensions, click and double-click,
 * and the visible cells published in the semantics tree. */
#include "ui.h"
#include "ui_keycodes.h"
#include "ui_private.h"
#include "ui_palette.h"

#include <stdio.h>

#define PAD   6
#define BAR_W 6

struct ui_widget *ui_grid_add(struct ui_widget *parent, const char *label, int cell_w, int cell_h)
{
    struct ui_widget *g = ui_add(parent, UI_ROLE_GRID, label);
    if (!g)
        return NULL;
    g->cell_w = cell_w > 8 ? cell_w : 8;
    g->cell_h = cell_h > 8 ? cell_h : 8;
    g->value = -1;
    return g;
}

static int columns(const struct ui_widget *g)
{
    int c = (g->box.rect.w - 2 * PAD - BAR_W) / g->cell_w;
    return c > 0 ? c : 1;
}

/* The cells' left edge: the columns are centred in the width. */
static int left(const struct ui_widget *g)
{
    return g->box.rect.x + PAD + (g->box.rect.w - 2 * PAD - BAR_W - columns(g) * g->cell_w) / 2;
}

static int visible_rows(const struct ui_widget *g)
{
    int v = (g->box.rect.h - 2 * PAD) / g->cell_h;
    return v > 0 ? v : 1;
}

static int total_rows(const struct ui_widget *g)
{
    return (g->nitems + columns(g) - 1) / columns(g);
}

static int max_first(const struct ui_widget *g)
{
    int m = total_rows(g) - visible_rows(g);
    return m > 0 ? m : 0;
}

static struct ui_rect cell_rect(const struct ui_widget *g, int i)
{
    int cols = columns(g);
    return (struct ui_rect){ left(g) + i % cols * g->cell_w,
                             g->box.rect.y + PAD + (i / cols - g->first_row) * g->cell_h,
                             g->cell_w, g->cell_h };
}

int ui_grid_item_at(const struct ui_widget *g, int x, int y)
{
    int cols = columns(g);
    int cx = x - left(g), cy = y - g->box.rect.y - PAD;
    if (cx < 0 || cy < 0 || cx / g->cell_w >= cols || cy / g->cell_h >= visible_rows(g))
        return -1;
    int i = (g->first_row + cy / g->cell_h) * cols + cx / g->cell_w;
    return i < g->nitems ? i : -1;
}

static void select_item(struct ui_widget *g, int i)
{
    if (!g->nitems)
        return;
    i = i < 0 ? 0 : i >= g->nitems ? g->nitems - 1 : i;
    int row = i / columns(g), vis = visible_rows(g);
    if (row < g->first_row)
        g->first_row = row;
    else if (row >= g->first_row + vis)
        g->first_row = row - vis + 1;
    ui_mark_dirty(g);
    if (i != g->value) {
        g->value = i;
        if (g->on_change)
            g->on_change(g, g->ctx);
    }
}

void ui_grid_key(struct ui_widget *g, const struct ui_event *e)
{
    int cols = columns(g), page = cols * (visible_rows(g) > 1 ? visible_rows(g) - 1 : 1);
    int v = g->value < 0 ? 0 : g->value;
    switch (e->key) {
    case KEY_LEFT: select_item(g, v - 1); break;
    case KEY_RIGHT: select_item(g, g->value < 0 ? 0 : v + 1); break;
    /* Up in the first row and Down in the last stay put rather than jump. */
    case KEY_UP: if (v - cols >= 0) select_item(g, v - cols); else select_item(g, v); break;
    case KEY_DOWN: if (v + cols < g->nitems) select_item(g, v + cols); else select_item(g, v); break;
    case KEY_PAGEUP: select_item(g, v - page); break;
    case KEY_PAGEDOWN: select_item(g, v + page); break;
    case KEY_HOME: select_item(g, 0); break;
    case KEY_END: select_item(g, g->nitems - 1); break;
    case KEY_ENTER:
        if (g->on_activate && g->value >= 0 && g->value < g->nitems)
            g->on_activate(g, g->ctx);
        break;
    default: break;
    }
}

void ui_grid_pointer(struct ui_widget *g, const struct ui_event *e)
{
    int i = ui_grid_item_at(g, e->x, e->y);
    if (i < 0)
        return;
    select_item(g, i);
    if (ui_list_double_click(g, i) && g->on_activate)
        g->on_activate(g, g->ctx);
}

void ui_grid_wheel(struct ui_widget *g, int rows)
{
    int f = g->first_row + rows, m = max_first(g);
    f = f < 0 ? 0 : f > m ? m : f;
    if (f != g->first_row) {
        g->first_row = f;
        ui_mark_dirty(g);
    }
}

void ui_grid_draw(struct ui_window *win, struct ui_widget *g, struct ui_rect r)
{
    bool focused = g->state & UI_STATE_FOCUSED;
    ui_fill_round_rect(win->target, r, 6, FIELD);
    int cols = columns(g), vis = visible_rows(g);
    ui_clip(win, (struct ui_rect){ r.x + 1, r.y + 1, r.w - 2, r.h - 2 });
    for (int i = g->first_row * cols; i < g->nitems && i < (g->first_row + vis) * cols; i++) {
        struct ui_rect c = cell_rect(g, i);
        bool sel = i == g->value;
        struct ui_rect in = { c.x + 2, c.y + 2, c.w - 4, c.h - 4 };
        if (sel)
            ui_fill_round_rect(win->target, in, 8, focused ? ROW_SEL : CONTROL_HI);
        if (g->draw_row)
            g->draw_row(g, i, c, sel, g->ctx);
        else
            ui_draw_text(win, g->items[i], c.x + (c.w - ui_text_width(win, g->items[i])) / 2, c, TEXT);
    }
    ui_clip(win, r);
    if (total_rows(g) > vis) {
        struct ui_rect track = { r.x + r.w - BAR_W - 3, r.y + 3, BAR_W, r.h - 6 };
        int len = track.h * vis / total_rows(g);
        if (len < 16)
            len = 16;
        int y = track.y + (track.h - len) * g->first_row / (max_first(g) > 0 ? max_first(g) : 1);
        ui_fill_round_rect(win->target, track, BAR_W / 2, CONTROL_HI);
        ui_fill_round_rect(win->target, (struct ui_rect){ track.x, y, BAR_W, len }, BAR_W / 2, THUMB);
    }
    ui_stroke_round_rect(win->target, r, 6, 1, focused ? CYAN : EDGE);
}

size_t ui_grid_dump(struct ui_widget *g, int depth, char *buf, size_t n, size_t at,
                    size_t (*quote)(char *buf, size_t n, size_t at, const char *s))
{
    int cols = columns(g), vis = visible_rows(g);
    for (int i = g->first_row * cols; i < g->nitems && i < (g->first_row + vis) * cols; i++) {
        struct ui_rect c = cell_rect(g, i);
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "%d %u cell ",
                               depth, g->id);
        at = quote(buf, n, at, g->items[i]);
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0,
                               " value=%d rect=%d,%d,%d,%d state=%u\n", i, c.x, c.y, c.w, c.h,
                               i == g->value ? (unsigned)UI_STATE_CHECKED : 0u);
    }
    return at;
}
