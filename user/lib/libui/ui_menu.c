/* libui's popup menus: a column of items outside the window's tree, placed at the
 * point it opened and kept inside the window, painted over everything (dialogs
 * too) and taking every event while open. Choosing closes the menu before the
 * item's callback runs; closed menus are freed at the next paint, as dialogs are,
 * since the callback still holds the item. */
#include "ui.h"
#include "ui_keycodes.h"
#include "ui_private.h"
#include "ui_palette.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MENU_BG     0xff131c33u
#define TEXT_DIM    0xff7c87a6u
#define TEXT_OFF    0xff4b5573u
#define HI_FROM     0xff1b5f7cu     /* the highlight: dark cyan to dark violet */
#define HI_TO       0xff4a3488u

#define MENU_PAD    6
#define MENU_MIN_W  200
#define SHADOW      8

static struct ui_rect with_shadow(struct ui_rect r)
{
    return (struct ui_rect){ r.x, r.y, r.w + SHADOW, r.h + SHADOW };
}

void ui_menu_free(struct ui_window *win)
{
    if (win->menu)
        ui_free_detached(win->menu);
    win->menu = NULL;
}

void ui_menu_close(struct ui_window *win)
{
    struct ui_widget *m = win->menu;
    if (!m)
        return;
    ui_damage(win, with_shadow(m->box.rect));
    /* Freed with the closed dialogs at the next paint. */
    m->box.next_sibling = win->closed ? &win->closed->box : NULL;
    win->closed = m;
    win->menu = NULL;
}

struct ui_widget *ui_menu_open(struct ui_window *win, int x, int y)
{
    struct ui_widget *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    ui_menu_close(win);
    m->win = win;
    m->role = UI_ROLE_MENU;
    m->id = ++win->next_id;
    m->box.dir = UI_COLUMN;
    m->box.padding = ui_px(win, MENU_PAD);
    m->box.spacing = 0;
    m->box.align = UI_ALIGN_STRETCH;
    m->value = -1;
    m->goal_x = -1;
    m->open_x = x;
    m->open_y = y;
    ui_text_init(&m->text, 16);
    /* A pointer inside a widget of the window would keep its hover look. */
    if (win->hover) {
        win->hover->state &= ~UI_STATE_HOVER;
        ui_mark_dirty(win->hover);
        win->hover = NULL;
    }
    if (win->pressed) {
        win->pressed->state &= ~UI_STATE_PRESSED;
        ui_mark_dirty(win->pressed);
        win->pressed = NULL;
    }
    win->cursor = UI_CURSOR_ARROW;
    win->menu = m;
    win->needs_layout = true;
    return m;
}

struct ui_widget *ui_menu_open_below(struct ui_widget *anchor)
{
    struct ui_rect r = anchor->box.rect;
    return ui_menu_open(anchor->win, r.x, r.y + r.h + 2);
}

struct ui_widget *ui_menu_item(struct ui_widget *menu, const char *label, const char *shortcut,
                               void (*fn)(struct ui_widget *item, void *ctx), void *ctx)
{
    struct ui_widget *it = ui_add(menu, UI_ROLE_MENUITEM, label);
    if (!it)
        return NULL;
    if (shortcut && *shortcut) {
        ui_text_set(&it->text, shortcut);
        ui_set_label(it, label);            /* re-sized for the shortcut */
    }
    it->on_change = fn;
    it->ctx = ctx;
    return it;
}

void ui_menu_separator(struct ui_widget *menu)
{
    ui_add(menu, UI_ROLE_SEPARATOR, "");
}

void ui_menu_layout(struct ui_window *win)
{
    struct ui_widget *m = win->menu;
    if (!m)
        return;
    int w, h;
    ui_box_measure(&m->box, &w, &h);
    if (w < ui_px(win, MENU_MIN_W))
        w = ui_px(win, MENU_MIN_W);
    if (w > win->w - 4)
        w = win->w - 4;
    if (h > win->h - 4)
        h = win->h - 4;
    int x = m->open_x, y = m->open_y;
    /* Past the right or bottom edge it opens to the left or upwards. */
    if (x + w > win->w - 2)
        x = x - w >= 2 ? x - w : win->w - 2 - w;
    if (y + h > win->h - 2)
        y = y - h >= 2 ? y - h : win->h - 2 - h;
    if (x < 2)
        x = 2;
    if (y < 2)
        y = 2;
    ui_layout(&m->box, (struct ui_rect){ x, y, w, h });
    ui_damage(win, with_shadow(m->box.rect));
}

static bool choosable(const struct ui_widget *it)
{
    return it->role == UI_ROLE_MENUITEM && !(it->state & UI_STATE_DISABLED);
}

static struct ui_widget *item_at(struct ui_widget *m, int i)
{
    struct ui_box *b = m->box.first_child;
    for (; b && i > 0; i--)
        b = b->next_sibling;
    return i == 0 && b ? (struct ui_widget *)b : NULL;
}

static int item_count(struct ui_widget *m)
{
    int n = 0;
    for (struct ui_box *b = m->box.first_child; b; b = b->next_sibling)
        n++;
    return n;
}

/* Highlights item i (-1: none); m->value remembers it. */
static void highlight(struct ui_widget *m, int i)
{
    if (i == m->value)
        return;
    struct ui_widget *old = item_at(m, m->value), *now = item_at(m, i);
    if (old) {
        old->state &= ~UI_STATE_HOVER;
        ui_mark_dirty(old);
    }
    if (now) {
        now->state |= UI_STATE_HOVER;
        ui_mark_dirty(now);
    }
    m->value = now ? i : -1;
}

/* The next choosable item from the highlight in direction dir (wrapping). */
static void step(struct ui_widget *m, int from, int dir)
{
    int n = item_count(m);
    for (int k = 1; k <= n; k++) {
        int i = ((from + dir * k) % n + n) % n;
        if (choosable(item_at(m, i))) {
            highlight(m, i);
            return;
        }
    }
}

static void choose(struct ui_window *win, struct ui_widget *it)
{
    if (!it || !choosable(it))
        return;
    void (*fn)(struct ui_widget *, void *) = it->on_change;
    void *ctx = it->ctx;
    ui_menu_close(win);
    if (fn)
        fn(it, ctx);        /* may open a dialog or another menu */
}

static int index_of(struct ui_widget *m, struct ui_widget *it)
{
    int i = 0;
    for (struct ui_box *b = m->box.first_child; b; b = b->next_sibling, i++)
        if ((struct ui_widget *)b == it)
            return i;
    return -1;
}

static struct ui_widget *item_under(struct ui_widget *m, int x, int y)
{
    struct ui_box *b = ui_box_at(&m->box, x, y);
    struct ui_widget *w = b ? (struct ui_widget *)b : NULL;
    return w && w != m ? w : NULL;
}

void ui_menu_event(struct ui_window *win, const struct ui_event *e)
{
    struct ui_widget *m = win->menu;
    struct ui_rect r = m->box.rect;
    bool inside = e->x >= r.x && e->y >= r.y && e->x < r.x + r.w && e->y < r.y + r.h;
    struct ui_widget *it;
    switch (e->type) {
    case UI_EV_POINTER_MOVE:
        it = inside ? item_under(m, e->x, e->y) : NULL;
        if (it && choosable(it))
            highlight(m, index_of(m, it));
        else if (inside)
            highlight(m, -1);
        break;
    case UI_EV_POINTER_DOWN:
        if (!inside) {
            ui_menu_close(win);     /* the click that closes does nothing else */
            break;
        }
        m->menu_pressed = true;
        break;
    case UI_EV_POINTER_UP:
        /* Only a press made inside the menu chooses: the release of the right
         * click that opened it may land on an item. */
        if (m->menu_pressed && inside)
            choose(win, item_under(m, e->x, e->y));
        else if (m->menu_pressed)
            m->menu_pressed = false;
        break;
    case UI_EV_KEY_DOWN:
        switch (e->key) {
        case KEY_ESC: ui_menu_close(win); break;
        case KEY_UP: step(m, m->value < 0 ? 0 : m->value, -1); break;
        case KEY_DOWN: step(m, m->value < 0 ? -1 : m->value, 1); break;
        case KEY_HOME: step(m, -1, 1); break;
        case KEY_END: step(m, 0, -1); break;
        case KEY_ENTER: case KEY_SPACE: choose(win, item_at(m, m->value)); break;
        default: break;
        }
        break;
    case UI_EV_FOCUS_OUT:
        ui_menu_close(win);
        break;
    case UI_EV_POINTER_LEAVE:
    case UI_EV_WHEEL:
        break;
    }
}

void ui_menu_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r)
{
    switch (w->role) {
    case UI_ROLE_MENU:
        ui_fill_round_rect(win->target, r, 10, MENU_BG);
        ui_stroke_round_rect(win->target, r, 10, 1, EDGE);
        break;
    case UI_ROLE_SEPARATOR:
        ui_fill_rect(win->target, (struct ui_rect){ r.x + 8, r.y + r.h / 2, r.w - 16, 1 }, EDGE);
        break;
    default: {
        bool off = w->state & UI_STATE_DISABLED;
        if ((w->state & UI_STATE_HOVER) && !off)
            ui_fill_gradient(win->target, r, 6, HI_FROM, HI_TO);
        ui_draw_text(win, w->label, r.x + ui_px(win, 14), r, off ? TEXT_OFF : TEXT);
        if (w->text.len)
            ui_draw_text(win, w->text.buf, r.x + r.w - ui_px(win, 14) - ui_text_width(win, w->text.buf), r,
                         off ? TEXT_OFF : TEXT_DIM);
        break;
    }
    }
}
