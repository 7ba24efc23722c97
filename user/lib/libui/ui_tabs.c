/* libui's tabs: a "tabs" column holding a bar of tabs (a panel row) and one page
 * per tab, of which only the selected one is shown; selection by click, by
 * Left/Right on a focused tab and by Ctrl+Tab anywhere in the window. */
#include "ui.h"
#include "ui_keycodes.h"
#include "ui_private.h"
#include "ui_palette.h"

#include <stddef.h>

#define TEXT_DIM    0xff9aa4c2u
static struct ui_widget *bar_of(struct ui_widget *tabs)
{
    return (struct ui_widget *)tabs->box.first_child;
}

static struct ui_widget *tab_at(struct ui_widget *tabs, int i)
{
    struct ui_box *b = bar_of(tabs)->box.first_child;
    for (; b && i > 0; i--)
        b = b->next_sibling;
    return b ? (struct ui_widget *)b : NULL;
}

static int tab_count(struct ui_widget *tabs)
{
    int n = 0;
    for (struct ui_box *b = bar_of(tabs)->box.first_child; b; b = b->next_sibling)
        n++;
    return n;
}

struct ui_widget *ui_tabs_add(struct ui_widget *parent)
{
    struct ui_widget *tabs = ui_add(parent, UI_ROLE_TABS, "");
    if (!tabs)
        return NULL;
    tabs->box.dir = UI_COLUMN;
    tabs->box.spacing = ui_px(parent->win, 10);
    tabs->box.align = UI_ALIGN_STRETCH;
    tabs->value = -1;
    struct ui_widget *bar = ui_add(tabs, UI_ROLE_PANEL, "");
    if (!bar)
        return NULL;        /* freed with the window */
    bar->box.dir = UI_ROW;
    bar->box.padding = ui_px(parent->win, 4);
    bar->box.spacing = ui_px(parent->win, 4);
    bar->box.align = UI_ALIGN_CENTER;
    return tabs;
}

struct ui_widget *ui_tab_add(struct ui_widget *tabs, const char *label)
{
    struct ui_widget *tab = ui_add(bar_of(tabs), UI_ROLE_TAB, label);
    struct ui_widget *page = tab ? ui_add(tabs, UI_ROLE_PANEL, label) : NULL;
    if (!page)
        return NULL;
    tab->page = page;
    page->box.flex = 1;
    page->box.align = UI_ALIGN_STRETCH;
    if (tabs->value < 0) {
        tabs->value = 0;
        tab->state |= UI_STATE_CHECKED;
    } else {
        page->box.hidden = true;
    }
    return page;
}

static bool inside(struct ui_widget *w, struct ui_widget *ancestor)
{
    for (; w; w = w->parent)
        if (w == ancestor)
            return true;
    return false;
}

void ui_tabs_select(struct ui_widget *tabs, int index)
{
    int n = tab_count(tabs);
    if (index < 0 || index >= n || index == tabs->value)
        return;
    struct ui_widget *old = tab_at(tabs, tabs->value), *now = tab_at(tabs, index);
    struct ui_window *win = tabs->win;
    if (old) {
        old->state &= ~UI_STATE_CHECKED;
        old->page->box.hidden = true;
        /* The focus cannot stay on a page that is gone. */
        if (win->focus && inside(win->focus, old->page))
            ui_set_focus(win, now);
        if (win->hover && inside(win->hover, old->page)) {
            win->hover->state &= ~UI_STATE_HOVER;
            win->hover = NULL;
        }
    }
    now->state |= UI_STATE_CHECKED;
    now->page->box.hidden = false;
    tabs->value = index;
    win->needs_layout = true;
    ui_mark_dirty(tabs);
    if (tabs->on_change)
        tabs->on_change(tabs, tabs->ctx);
}

static struct ui_widget *tabs_of(struct ui_widget *tab)
{
    return tab->parent->parent;
}

static int index_of(struct ui_widget *tab)
{
    int i = 0;
    for (struct ui_box *b = tab->parent->box.first_child; b; b = b->next_sibling, i++)
        if ((struct ui_widget *)b == tab)
            return i;
    return -1;
}

void ui_tab_activate(struct ui_widget *tab)
{
    ui_tabs_select(tabs_of(tab), index_of(tab));
}

bool ui_tab_key(struct ui_widget *tab, const struct ui_event *e)
{
    if (e->key != KEY_LEFT && e->key != KEY_RIGHT)
        return false;
    struct ui_widget *tabs = tabs_of(tab);
    int n = tab_count(tabs), i = index_of(tab) + (e->key == KEY_RIGHT ? 1 : -1);
    i = (i + n) % n;
    ui_tabs_select(tabs, i);
    ui_set_focus(tab->win, tab_at(tabs, i));
    return true;
}

static struct ui_widget *first_tabs(struct ui_widget *w)
{
    if (w->box.hidden)
        return NULL;
    if (w->role == UI_ROLE_TABS)
        return w;
    for (struct ui_box *c = w->box.first_child; c; c = c->next_sibling) {
        struct ui_widget *t = first_tabs((struct ui_widget *)c);
        if (t)
            return t;
    }
    return NULL;
}

bool ui_tabs_cycle(struct ui_window *win, bool backwards)
{
    struct ui_widget *tabs = NULL;
    for (struct ui_widget *w = win->focus; w && !tabs; w = w->parent)
        if (w->role == UI_ROLE_TABS)
            tabs = w;
    if (!tabs)
        tabs = first_tabs(win->modal ? win->modal : &win->root);
    if (!tabs)
        return false;
    int n = tab_count(tabs);
    if (n < 2)
        return n == 1;
    ui_tabs_select(tabs, (tabs->value + (backwards ? n - 1 : 1)) % n);
    return true;
}

void ui_tab_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r)
{
    bool sel = w->state & UI_STATE_CHECKED;
    if (sel)
        ui_fill_gradient(win->target, r, 8, CYAN, VIOLET);
    else if (w->state & UI_STATE_HOVER)
        ui_fill_round_rect(win->target, r, 8, CONTROL_HI);
    if (w->state & UI_STATE_FOCUSED)
        ui_stroke_round_rect(win->target, r, 8, 2, sel ? TEXT : CYAN);
    ui_draw_text(win, w->label, r.x + (r.w - ui_text_width(win, w->label)) / 2, r,
                 sel ? TEXT : (w->state & UI_STATE_DISABLED) ? 0xff4b5573u : TEXT_DIM);
}
