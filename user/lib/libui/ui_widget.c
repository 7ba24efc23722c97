/* libui's widget tree and input handling: building a window's widgets, sizing
 * them for their role, and turning pointer and key events into state changes,
 * focus moves and on_change calls, marking what must be repainted. */
#include "ui.h"
#include "ui_keycodes.h"
#include "ui_private.h"

#include <pixman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Linux key codes (include/uapi/linux/input-event-codes.h). */

#define FIELD_PAD 8

static struct ui_widget *widget_of(struct ui_box *b) { return (struct ui_widget *)b; }

static struct ui_rect rect_union(struct ui_rect a, struct ui_rect b)
{
    int x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int x1 = a.x + a.w > b.x + b.w ? a.x + a.w : b.x + b.w;
    int y1 = a.y + a.h > b.y + b.h ? a.y + a.h : b.y + b.h;
    return (struct ui_rect){ x0, y0, x1 - x0, y1 - y0 };
}

static void mark_dirty(struct ui_widget *w)
{
    struct ui_window *win = w->win;
    w->dirty = true;
    win->changes++;
    if (w->box.rect.w <= 0 || w->box.rect.h <= 0)
        return;
    win->damage = win->damaged ? rect_union(win->damage, w->box.rect) : w->box.rect;
    win->damaged = true;
}

void ui_mark_dirty(struct ui_widget *w) { mark_dirty(w); }

static int label_width(struct ui_window *win, const char *s)
{
    return win->font ? (int)((ui_font_measure(win->font, s, strlen(s)) + 63) >> 6) : 8 * (int)strlen(s);
}

static int line_height(struct ui_window *win)
{
    return win->font ? ui_font_line_height(win->font) : 16;
}

static int row_height(struct ui_window *win) { return line_height(win) + ui_px(win, 8); }

int ui_px(const struct ui_window *win, int v)
{
    int s = win->scale > 0 ? win->scale : 100;
    return (v * s + (v >= 0 ? 50 : -50)) / 100;
}

int ui_scale_px(int v)
{
    int s = ui_settings_current()->scale;
    return (v * s + 50) / 100;
}

/* A widget's preferred size follows its role and label. */
static void size_for_role(struct ui_widget *w)
{
    struct ui_window *win = w->win;
    int lh = line_height(win), lw = label_width(win, w->label);
    struct ui_box *b = &w->box;
    switch (w->role) {
    case UI_ROLE_WINDOW:
    case UI_ROLE_PANEL:
    case UI_ROLE_DIALOG:
    case UI_ROLE_ROW:
    case UI_ROLE_IMAGE:         /* ui_set_image sizes it */
    case UI_ROLE_MENU:
    case UI_ROLE_TABS:
    case UI_ROLE_CELL:
        break;
    case UI_ROLE_MENUITEM: {
        int sw = w->text.len ? label_width(win, w->text.buf) + ui_px(win, 32) : 0;
        b->pref_w = lw + ui_px(win, 36) + sw; b->pref_h = lh + ui_px(win, 12);
        break;
    }
    case UI_ROLE_SEPARATOR: b->pref_h = ui_px(win, 9); break;
    case UI_ROLE_TAB: b->pref_w = lw + ui_px(win, 36); b->pref_h = lh + ui_px(win, 14); break;
    case UI_ROLE_TEXT_AREA:
        b->pref_w = ui_px(win, 320); b->pref_h = lh * 6 + 16; b->min_w = ui_px(win, 80); b->min_h = lh + 16;
        break;
    case UI_ROLE_GRID:
        b->pref_w = ui_px(win, 320); b->pref_h = ui_px(win, 240); b->min_w = ui_px(win, 80); b->min_h = ui_px(win, 60);
        break;
    case UI_ROLE_LABEL: b->pref_w = lw; b->pref_h = lh; break;
    case UI_ROLE_BUTTON: b->pref_w = lw + ui_px(win, 32); b->pref_h = lh + ui_px(win, 16); break;
    case UI_ROLE_TEXT_FIELD:
        b->pref_w = ui_px(win, 220); b->pref_h = lh + ui_px(win, 16); b->min_w = ui_px(win, 80);
        break;
    case UI_ROLE_TOGGLE:
        b->pref_w = lw + ui_px(win, 12 + 44); b->pref_h = lh > ui_px(win, 24) ? lh : ui_px(win, 24);
        break;
    case UI_ROLE_SLIDER: b->pref_w = ui_px(win, 180); b->pref_h = ui_px(win, 24); b->min_w = ui_px(win, 60); break;
    case UI_ROLE_PROGRESS: b->pref_w = ui_px(win, 180); b->pref_h = ui_px(win, 8); break;
    case UI_ROLE_TILE: b->pref_w = ui_px(win, 120); b->pref_h = ui_px(win, 112 + 8) + lh; break;
    case UI_ROLE_LIST:
        b->pref_w = ui_px(win, 220);
        b->pref_h = row_height(w->win) * (w->nitems < 6 ? (w->nitems > 2 ? w->nitems : 2) : 6);
        break;
    }
}

static void widget_setup(struct ui_widget *w, struct ui_window *win, enum ui_role role,
                         const char *label)
{
    w->role = role;
    w->win = win;
    w->id = ++win->next_id;
    w->max = 100;
    snprintf(w->label, sizeof(w->label), "%s", label ? label : "");
    ui_text_init(&w->text, role == UI_ROLE_TEXT_AREA ? 0 : 4096);
    w->goal_x = -1;
    if (role == UI_ROLE_PANEL || role == UI_ROLE_WINDOW || role == UI_ROLE_DIALOG) {
        w->box.dir = UI_COLUMN;
        w->box.padding = ui_px(win, role == UI_ROLE_WINDOW ? 16 : role == UI_ROLE_DIALOG ? 20 : 12);
        w->box.spacing = ui_px(win, 10);
    }
    size_for_role(w);
}

void ui_window_init(struct ui_window *win, pixman_image_t *target, int w, int h,
                    struct ui_font *font)
{
    memset(win, 0, sizeof(*win));
    win->target = target;
    win->w = w;
    win->h = h;
    win->font = font;
    win->scale = 100;
    widget_setup(&win->root, win, UI_ROLE_WINDOW, "");
    win->root.box.align = UI_ALIGN_START;
    win->needs_layout = true;
}

/* What a widget holds besides its own memory. */
static void release(struct ui_widget *w)
{
    ui_text_free(&w->text);
    if (w->image)
        pixman_image_unref(w->image);
    w->image = NULL;
}

void ui_window_set_scale(struct ui_window *win, int percent)
{
    win->scale = percent < UI_SCALE_MIN ? UI_SCALE_MIN : percent > UI_SCALE_MAX ? UI_SCALE_MAX : percent;
    win->root.box.padding = ui_px(win, 16);
    win->root.box.spacing = ui_px(win, 10);
    win->needs_layout = true;
}

static void free_children(struct ui_widget *w)
{
    struct ui_box *c = w->box.first_child;
    while (c) {
        struct ui_box *next = c->next_sibling;
        free_children(widget_of(c));
        release(widget_of(c));
        free(c);
        c = next;
    }
    w->box.first_child = NULL;
}

void ui_free_detached(struct ui_widget *w)
{
    free_children(w);
    release(w);
    free(w);
}

void ui_window_clear(struct ui_window *win)
{
    struct ui_window keep = *win;
    ui_window_destroy(win);
    ui_window_init(win, keep.target, keep.w, keep.h, keep.font);
    win->clipboard_get = keep.clipboard_get;
    win->clipboard_set = keep.clipboard_set;
    win->clipboard_ctx = keep.clipboard_ctx;
    win->event_hook = keep.event_hook;
    win->event_ctx = keep.event_ctx;
    win->on_key = keep.on_key;
    win->cursor = keep.cursor;
    ui_window_set_scale(win, keep.scale);
}

void ui_window_destroy(struct ui_window *win)
{
    ui_dialog_free_closed(win);
    if (win->modal)
        ui_free_detached(win->modal);
    win->modal = NULL;
    ui_menu_free(win);
    free_children(&win->root);
    release(&win->root);
}

struct ui_widget *ui_add(struct ui_widget *parent, enum ui_role role, const char *label)
{
    struct ui_widget *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    widget_setup(w, parent->win, role, label);
    w->parent = parent;
    ui_box_add(&parent->box, &w->box);
    parent->win->needs_layout = true;
    return w;
}

void ui_set_label(struct ui_widget *w, const char *label)
{
    /* Through a copy: label may be (part of) w->label itself. */
    char copy[sizeof(w->label)];
    snprintf(copy, sizeof(copy), "%s", label);
    memcpy(w->label, copy, sizeof(copy));
    size_for_role(w);
    w->win->needs_layout = true;
    mark_dirty(w);
}

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

void ui_set_value(struct ui_widget *w, int value)
{
    bool rows = w->role == UI_ROLE_LIST || w->role == UI_ROLE_GRID;
    int lo = rows ? -1 : w->min;
    int hi = rows ? w->nitems - 1 : w->role == UI_ROLE_TOGGLE ? 1 : w->max;
    value = clamp(value, lo, hi);
    if (value == w->value)
        return;
    w->value = value;
    if (w->role == UI_ROLE_TOGGLE)
        w->state = value ? w->state | UI_STATE_CHECKED : w->state & ~UI_STATE_CHECKED;
    mark_dirty(w);
}

void ui_set_items(struct ui_widget *w, const char *const *items, int n)
{
    w->items = items;
    w->nitems = n;
    w->first_row = 0;
    w->value = n ? clamp(w->value, 0, n - 1) : -1;
    size_for_role(w);
    w->win->needs_layout = true;
    mark_dirty(w);
}

int ui_set_text(struct ui_widget *w, const char *s, bool select_all)
{
    if (ui_text_set(&w->text, s) < 0)
        return -1;
    if (select_all)
        ui_text_select_all(&w->text);
    mark_dirty(w);
    return 0;
}

void ui_set_enabled(struct ui_widget *w, bool on)
{
    w->state = on ? w->state & ~UI_STATE_DISABLED : w->state | UI_STATE_DISABLED;
    if (!on && w->win->focus == w) {
        w->win->focus = NULL;
        w->state &= ~UI_STATE_FOCUSED;
    }
    mark_dirty(w);
}

static void changed(struct ui_widget *w)
{
    mark_dirty(w);
    if (w->on_change)
        w->on_change(w, w->ctx);
}

/* Hidden with an ancestor: a page of tabs not selected. */
static bool shown(const struct ui_widget *w)
{
    for (; w; w = w->parent)
        if (w->box.hidden)
            return false;
    return true;
}

static bool focusable(const struct ui_widget *w)
{
    return !(w->state & UI_STATE_DISABLED) && shown(w) &&
           w->role != UI_ROLE_LABEL && w->role != UI_ROLE_PANEL &&
           w->role != UI_ROLE_WINDOW && w->role != UI_ROLE_PROGRESS &&
           w->role != UI_ROLE_DIALOG && w->role != UI_ROLE_ROW &&
           w->role != UI_ROLE_MENU && w->role != UI_ROLE_MENUITEM &&
           w->role != UI_ROLE_SEPARATOR && w->role != UI_ROLE_TABS &&
           w->role != UI_ROLE_CELL;
}

void ui_set_focus(struct ui_window *win, struct ui_widget *w)
{
    if (win->focus == w)
        return;
    if (win->focus) {
        win->focus->state &= ~UI_STATE_FOCUSED;
        mark_dirty(win->focus);
    }
    win->focus = w;
    if (w) {
        w->state |= UI_STATE_FOCUSED;
        mark_dirty(w);
    }
}

/* Depth-first order over the tree, for Tab. */
static struct ui_widget *next_in_order(struct ui_widget *w)
{
    if (w->box.first_child)
        return widget_of(w->box.first_child);
    while (w) {
        if (w->box.next_sibling)
            return widget_of(w->box.next_sibling);
        w = w->parent;
    }
    return NULL;
}

static void focus_step(struct ui_window *win, bool backwards)
{
    struct ui_widget *order[512];
    int n = 0, at = -1;
    /* An open dialog has no parent, so the walk stays inside it. */
    for (struct ui_widget *w = win->modal ? win->modal : &win->root; w && n < 512;
         w = next_in_order(w))
        if (focusable(w)) {
            if (w == win->focus)
                at = n;
            order[n++] = w;
        }
    if (!n)
        return;
    int next = at < 0 ? (backwards ? n - 1 : 0) : (at + (backwards ? n - 1 : 1)) % n;
    ui_set_focus(win, order[next]);
}

static struct ui_widget *hit(struct ui_window *win, int x, int y)
{
    struct ui_box *b = ui_box_at(win->modal ? &win->modal->box : &win->root.box, x, y);
    return b ? widget_of(b) : NULL;
}

static size_t field_offset_at(struct ui_widget *w, int x)
{
    if (!w->win->font)
        return 0;
    long px = (long)(x - w->box.rect.x - ui_px(w->win, FIELD_PAD)) * 64;
    return ui_font_offset_at(w->win->font, w->text.buf ? w->text.buf : "", w->text.len, px);
}

static void slider_to(struct ui_widget *w, int x)
{
    int k = ui_px(w->win, 16), span = w->box.rect.w - k;
    int v = w->min + (int)((long)(x - w->box.rect.x - k / 2) * (w->max - w->min) / (span > 0 ? span : 1));
    int before = w->value;
    ui_set_value(w, v);
    if (w->value != before)
        changed(w);
}

static void list_scroll_to(struct ui_widget *w, int row)
{
    int visible = w->box.rect.h / row_height(w->win);
    if (visible < 1)
        visible = 1;
    if (row < w->first_row)
        w->first_row = row;
    else if (row >= w->first_row + visible)
        w->first_row = row - visible + 1;
    int max_first = w->nitems - visible > 0 ? w->nitems - visible : 0;
    w->first_row = clamp(w->first_row, 0, max_first);
}

static void list_select(struct ui_widget *w, int row)
{
    if (!w->nitems)
        return;
    row = clamp(row, 0, w->nitems - 1);
    list_scroll_to(w, row);
    mark_dirty(w);
    if (row != w->value) {
        w->value = row;
        changed(w);
    }
}

static void activate(struct ui_widget *w)
{
    if (w->role == UI_ROLE_TOGGLE)
        ui_set_value(w, !w->value);
    if (w->role == UI_ROLE_BUTTON || w->role == UI_ROLE_TOGGLE || w->role == UI_ROLE_TILE)
        changed(w);
    if (w->role == UI_ROLE_TAB)
        ui_tab_activate(w);
}

static enum ui_cursor cursor_for(const struct ui_widget *w)
{
    if (!w)
        return UI_CURSOR_ARROW;
    if (w->state & UI_STATE_DISABLED)
        return focusable(w) || w->role == UI_ROLE_BUTTON ? UI_CURSOR_FORBIDDEN : UI_CURSOR_ARROW;
    switch (w->role) {
    case UI_ROLE_TEXT_FIELD: case UI_ROLE_TEXT_AREA: return UI_CURSOR_IBEAM;
    case UI_ROLE_BUTTON: case UI_ROLE_TOGGLE: case UI_ROLE_SLIDER: case UI_ROLE_LIST:
    case UI_ROLE_TILE: case UI_ROLE_TAB: case UI_ROLE_GRID:
        return UI_CURSOR_HAND;
    default: return UI_CURSOR_ARROW;
    }
}

static void set_hover(struct ui_window *win, struct ui_widget *w)
{
    if (win->hover == w)
        return;
    if (win->hover) {
        win->hover->state &= ~UI_STATE_HOVER;
        mark_dirty(win->hover);
    }
    win->hover = w;
    if (w) {
        w->state |= UI_STATE_HOVER;
        mark_dirty(w);
    }
    win->cursor = cursor_for(w);
}

bool ui_text_edit_key(struct ui_widget *w, const struct ui_event *e)
{
    struct ui_window *win = w->win;
    struct ui_text *t = &w->text;
    bool ctrl = e->mods & UI_MOD_CTRL;
    if (ctrl && e->key == KEY_A) {
        ui_text_select_all(t);
        return false;
    }
    if (ctrl && (e->key == KEY_C || e->key == KEY_X)) {
        char *s = ui_text_copy_selection(t);
        if (!s)
            return false;
        if (win->clipboard_set)
            win->clipboard_set(win->clipboard_ctx, s);
        free(s);
        return e->key == KEY_X && ui_text_delete_back(t);
    }
    if (ctrl && e->key == KEY_V) {
        char *s = win->clipboard_get ? win->clipboard_get(win->clipboard_ctx) : NULL;
        bool done = s && ui_text_insert(t, s, strlen(s)) == 0;
        free(s);
        return done;
    }
    return !ctrl && e->text[0] && (unsigned char)e->text[0] >= 0x20 && e->text[0] != 0x7f &&
           ui_text_insert(t, e->text, strnlen(e->text, sizeof(e->text))) == 0;
}

static void field_key(struct ui_widget *w, const struct ui_event *e)
{
    bool shift = e->mods & UI_MOD_SHIFT, ctrl = e->mods & UI_MOD_CTRL;
    struct ui_text *t = &w->text;
    switch (e->key) {
    case KEY_LEFT: ui_text_move(t, ctrl ? UI_MOVE_WORD_LEFT : UI_MOVE_LEFT, shift); break;
    case KEY_RIGHT: ui_text_move(t, ctrl ? UI_MOVE_WORD_RIGHT : UI_MOVE_RIGHT, shift); break;
    case KEY_HOME: ui_text_move(t, UI_MOVE_LINE_START, shift); break;
    case KEY_END: ui_text_move(t, UI_MOVE_LINE_END, shift); break;
    case KEY_BACKSPACE: if (ui_text_delete_back(t)) changed(w); break;
    case KEY_DELETE: if (ui_text_delete_forward(t)) changed(w); break;
    default:
        if (ui_text_edit_key(w, e))
            changed(w);
        break;
    }
    mark_dirty(w);
}

static bool context_key(struct ui_window *win);

static void key_down(struct ui_window *win, const struct ui_event *e)
{
    if (win->on_key && win->on_key(win, e))
        return;
    if (e->key == KEY_ESC && win->modal) {
        ui_dialog_close(win);
        return;
    }
    if (e->key == KEY_TAB && (e->mods & UI_MOD_CTRL) && ui_tabs_cycle(win, e->mods & UI_MOD_SHIFT))
        return;
    if ((e->key == KEY_COMPOSE || (e->key == KEY_F10 && (e->mods & UI_MOD_SHIFT))) && context_key(win))
        return;
    if (e->key == KEY_TAB) {
        focus_step(win, e->mods & UI_MOD_SHIFT);
        return;
    }
    struct ui_widget *w = win->focus;
    if (!w)
        return;
    int step = (w->max - w->min) / 20 > 0 ? (w->max - w->min) / 20 : 1;
    switch (w->role) {
    case UI_ROLE_TEXT_FIELD:
        if (e->key == KEY_ENTER && w->on_activate) {
            mark_dirty(w);
            w->on_activate(w, w->ctx);      /* may close the dialog w is in */
            break;
        }
        field_key(w, e);
        break;
    case UI_ROLE_BUTTON:
    case UI_ROLE_TOGGLE:
    case UI_ROLE_TILE:
        if (e->key == KEY_ENTER || e->key == KEY_SPACE)
            activate(w);
        break;
    case UI_ROLE_SLIDER: {
        int before = w->value;
        if (e->key == KEY_LEFT || e->key == KEY_DOWN) ui_set_value(w, w->value - step);
        if (e->key == KEY_RIGHT || e->key == KEY_UP) ui_set_value(w, w->value + step);
        if (e->key == KEY_HOME) ui_set_value(w, w->min);
        if (e->key == KEY_END) ui_set_value(w, w->max);
        if (w->value != before)
            changed(w);
        break;
    }
    case UI_ROLE_LIST: {
        int page = w->box.rect.h / row_height(win) > 1 ? w->box.rect.h / row_height(win) - 1 : 1;
        if (e->key == KEY_PAGEUP) list_select(w, w->value - page);
        if (e->key == KEY_PAGEDOWN) list_select(w, w->value + page);
        if (e->key == KEY_ENTER && w->on_activate && w->value >= 0 && w->value < w->nitems)
            w->on_activate(w, w->ctx);
        if (e->key == KEY_UP) list_select(w, w->value - 1);
        if (e->key == KEY_DOWN) list_select(w, w->value + 1);
        if (e->key == KEY_HOME) list_select(w, 0);
        if (e->key == KEY_END) list_select(w, w->nitems - 1);
        break;
    }
    case UI_ROLE_TAB:
        if (!ui_tab_key(w, e) && (e->key == KEY_ENTER || e->key == KEY_SPACE))
            activate(w);
        break;
    case UI_ROLE_TEXT_AREA:
        ui_textarea_key(w, e);
        break;
    case UI_ROLE_GRID:
        ui_grid_key(w, e);
        break;
    default:
        break;
    }
}

/* The Menu key or Shift+F10: the focused widget's context menu, at its
 * selected row (lists) or its middle. */
static bool context_key(struct ui_window *win)
{
    struct ui_widget *w = win->focus;
    if (!w)
        return false;
    struct ui_rect r = w->box.rect;
    int x = r.x + r.w / 2, y = r.y + r.h / 2;
    if (w->role == UI_ROLE_LIST && w->value >= w->first_row && w->value < w->nitems) {
        x = r.x + ui_px(win, 40);
        y = r.y + (w->value - w->first_row) * row_height(win) + row_height(win) / 2;
    }
    for (; w; w = w->parent)
        if (w->on_context) {
            w->on_context(w, x, y, w->ctx);
            return true;
        }
    return false;
}

/* A right click: a list selects the row under it, then the deepest widget
 * with an on_context hook (a context menu) is called. */
static void context_click(struct ui_window *win, const struct ui_event *e)
{
    struct ui_widget *w = hit(win, e->x, e->y);
    set_hover(win, w);
    if (!w || (w->state & UI_STATE_DISABLED))
        return;
    if (w->role == UI_ROLE_LIST || w->role == UI_ROLE_GRID) {
        int at = w->role == UI_ROLE_LIST ? ui_list_row_at(w, e->y) : ui_grid_item_at(w, e->x, e->y);
        ui_set_focus(win, w);
        if (at >= 0 && w->role == UI_ROLE_LIST)
            list_select(w, at);
        else if (at >= 0 && at != w->value) {
            ui_set_value(w, at);
            changed(w);
        }
    }
    for (; w; w = w->parent)
        if (w->on_context) {
            w->on_context(w, e->x, e->y, w->ctx);
            break;
        }
}

bool ui_window_event(struct ui_window *win, const struct ui_event *e)
{
    unsigned before = win->changes;
    struct ui_widget *w;
    /* An open menu is over everything, the app's own hook included. */
    if (win->menu) {
        ui_menu_event(win, e);
        return win->changes != before;
    }
    if (win->event_hook && win->event_hook(win, e, win->event_ctx))
        return win->changes != before;
    if ((e->type == UI_EV_POINTER_DOWN || e->type == UI_EV_POINTER_UP) && e->button != UI_BUTTON_LEFT) {
        if (e->type == UI_EV_POINTER_DOWN && e->button == UI_BUTTON_RIGHT && !win->pressed)
            context_click(win, e);
        return win->changes != before;
    }
    switch (e->type) {
    case UI_EV_POINTER_MOVE:
        w = hit(win, e->x, e->y);
        set_hover(win, w);
        if (win->pressed && win->pressed->role == UI_ROLE_SLIDER)
            slider_to(win->pressed, e->x);
        else if (win->pressed && win->pressed->role == UI_ROLE_TEXT_FIELD) {
            size_t at = field_offset_at(win->pressed, e->x);
            if (at != win->pressed->text.cursor) {
                ui_text_select(&win->pressed->text, win->pressed->text.anchor, at);
                mark_dirty(win->pressed);
            }
        } else if (win->pressed && win->pressed->role == UI_ROLE_TEXT_AREA) {
            ui_textarea_pointer(win->pressed, e, true);
        }
        break;
    case UI_EV_POINTER_DOWN:
        w = hit(win, e->x, e->y);
        if (!w || (w->state & UI_STATE_DISABLED))
            break;
        win->pressed = w;
        w->state |= UI_STATE_PRESSED;
        mark_dirty(w);
        ui_set_focus(win, focusable(w) ? w : NULL);
        if (w->role == UI_ROLE_TEXT_FIELD) {
            size_t at = field_offset_at(w, e->x);
            ui_text_select(&w->text, e->mods & UI_MOD_SHIFT ? w->text.anchor : at, at);
        } else if (w->role == UI_ROLE_SLIDER) {
            slider_to(w, e->x);
        } else if (w->role == UI_ROLE_LIST && w->nitems) {
            int row = w->first_row + (e->y - w->box.rect.y) / row_height(win);
            if (row < w->nitems) {
                list_select(w, row);
                if (ui_list_double_click(w, row) && w->on_activate)
                    w->on_activate(w, w->ctx);
            }
        } else if (w->role == UI_ROLE_TEXT_AREA) {
            ui_textarea_pointer(w, e, false);
        } else if (w->role == UI_ROLE_GRID) {
            ui_grid_pointer(w, e);
        }
        break;
    case UI_EV_POINTER_UP:
        w = win->pressed;
        win->pressed = NULL;
        if (!w)
            break;
        w->state &= ~UI_STATE_PRESSED;
        mark_dirty(w);
        if (hit(win, e->x, e->y) == w)
            activate(w);
        break;
    case UI_EV_POINTER_LEAVE:
        set_hover(win, NULL);
        break;
    case UI_EV_WHEEL:
        w = hit(win, e->x, e->y);
        if (w && w->role == UI_ROLE_LIST) {
            int visible = w->box.rect.h / row_height(win);
            int max_first = w->nitems - visible > 0 ? w->nitems - visible : 0;
            w->first_row = clamp(w->first_row + e->wheel, 0, max_first);
            mark_dirty(w);
        } else if (w && w->role == UI_ROLE_TEXT_AREA) {
            ui_textarea_wheel(w, e->wheel);
        } else if (w && w->role == UI_ROLE_GRID) {
            ui_grid_wheel(w, e->wheel);
        }
        break;
    case UI_EV_KEY_DOWN:
        key_down(win, e);
        break;
    case UI_EV_FOCUS_OUT:
        if (win->pressed) {
            win->pressed->state &= ~UI_STATE_PRESSED;
            mark_dirty(win->pressed);
            win->pressed = NULL;
        }
        break;
    }
    return win->changes != before;
}

struct ui_widget *ui_find(struct ui_window *win, enum ui_role role, const char *label)
{
    for (struct ui_widget *w = &win->root; w; w = next_in_order(w))
        if (w->role == role && !strcmp(w->label, label))
            return w;
    for (struct ui_widget *w = win->modal; w; w = next_in_order(w))
        if (w->role == role && !strcmp(w->label, label))
            return w;
    for (struct ui_widget *w = win->menu; w; w = next_in_order(w))
        if (w->role == role && !strcmp(w->label, label))
            return w;
    return NULL;
}

void ui_damage(struct ui_window *win, struct ui_rect r)
{
    struct ui_rect all = { 0, 0, win->w, win->h };
    int x0 = r.x > 0 ? r.x : 0, y0 = r.y > 0 ? r.y : 0;
    int x1 = r.x + r.w < all.w ? r.x + r.w : all.w, y1 = r.y + r.h < all.h ? r.y + r.h : all.h;
    if (x1 <= x0 || y1 <= y0)
        return;
    r = (struct ui_rect){ x0, y0, x1 - x0, y1 - y0 };
    win->changes++;
    win->damage = win->damaged ? rect_union(win->damage, r) : r;
    win->damaged = true;
}
