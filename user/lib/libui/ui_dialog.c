/* libui's modal dialogs: a column of widgets outside the window's tree, laid out
 * centred over it and painted over the dimmed window; while one is open it alone
 * takes pointer and keys. Closing is deferred to the next paint because the
 * dialog's own buttons close it from inside their callbacks. */
#include "ui.h"
#include "ui_private.h"

#include <stdio.h>
#include <stdlib.h>

static void close_modal(struct ui_window *win)
{
    struct ui_widget *d = win->modal;
    if (!d)
        return;
    d->box.next_sibling = win->closed ? &win->closed->box : NULL;
    win->closed = d;
    win->modal = NULL;
    win->pressed = NULL;
    win->hover = NULL;
    win->focus = NULL;
    win->needs_layout = true;
}

struct ui_widget *ui_dialog_open(struct ui_window *win, const char *title)
{
    struct ui_widget *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->win = win;
    if (!win->modal)
        win->focus_before_modal = win->focus;
    close_modal(win);
    if (win->hover)
        win->hover->state &= ~UI_STATE_HOVER;
    if (win->focus)
        win->focus->state &= ~UI_STATE_FOCUSED;
    win->hover = win->focus = NULL;
    /* ui_add's setup, by hand: the dialog is not added under a parent. */
    d->role = UI_ROLE_DIALOG;
    d->id = ++win->next_id;
    d->box.dir = UI_COLUMN;
    d->box.padding = 20;
    d->box.spacing = 12;
    d->box.align = UI_ALIGN_STRETCH;
    d->max = 100;
    snprintf(d->label, sizeof(d->label), "%s", title);
    ui_text_init(&d->text, 16);
    /* No parent and in no tree: the window's walks never reach it, and walks
     * from it (Tab, ui_find) stop at it. */
    d->parent = NULL;
    win->modal = d;
    win->needs_layout = true;
    ui_add(d, UI_ROLE_LABEL, title);
    return d;
}

struct ui_widget *ui_dialog_buttons(struct ui_widget *dialog)
{
    struct ui_widget *row = ui_add(dialog, UI_ROLE_WINDOW, "");
    if (!row)
        return NULL;
    row->box.dir = UI_ROW;
    row->box.padding = 0;
    row->box.spacing = 10;
    row->box.align = UI_ALIGN_CENTER;
    struct ui_widget *spacer = ui_add(row, UI_ROLE_LABEL, "");
    if (spacer)
        spacer->box.flex = 1;
    return row;
}

void ui_dialog_close(struct ui_window *win)
{
    close_modal(win);
    struct ui_widget *back = win->focus_before_modal;
    win->focus_before_modal = NULL;
    /* The app may have disabled or hidden it meanwhile. */
    if (back && !(back->state & UI_STATE_DISABLED) && !back->box.hidden)
        ui_set_focus(win, back);
}

static void ok_clicked(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    ui_dialog_close(w->win);
}

struct ui_widget *ui_dialog_message(struct ui_window *win, const char *title, const char *message)
{
    struct ui_widget *d = ui_dialog_open(win, title);
    if (!d)
        return NULL;
    ui_add(d, UI_ROLE_LABEL, message);
    struct ui_widget *row = ui_dialog_buttons(d);
    struct ui_widget *ok = row ? ui_add(row, UI_ROLE_BUTTON, "OK") : NULL;
    if (ok) {
        ok->on_change = ok_clicked;
        ui_set_focus(win, ok);
    }
    return d;
}

void ui_dialog_layout(struct ui_window *win)
{
    struct ui_widget *d = win->modal;
    if (!d)
        return;
    int w, h;
    ui_box_measure(&d->box, &w, &h);
    if (w < 360)
        w = 360;
    if (w > win->w - 16)
        w = win->w - 16;
    if (h > win->h - 16)
        h = win->h - 16;
    ui_layout(&d->box, (struct ui_rect){ (win->w - w) / 2, (win->h - h) / 2, w, h });
}

void ui_dialog_free_closed(struct ui_window *win)
{
    while (win->closed) {
        struct ui_widget *d = win->closed;
        win->closed = d->box.next_sibling ? (struct ui_widget *)d->box.next_sibling : NULL;
        d->box.next_sibling = NULL;
        ui_free_detached(d);
    }
}
