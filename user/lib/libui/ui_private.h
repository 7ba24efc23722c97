/* What libui's own files share and apps do not call: the list's click timing,
 * painting and semantics rows, and the open dialog's layout and painting. */
#pragma once

#include "ui.h"

/* Records a click on row; true when it is the second click on the same row
 * within the double-click time. */
bool ui_list_double_click(struct ui_widget *w, int row);
void ui_list_paint(struct ui_window *win, struct ui_widget *w, struct ui_rect r);
/* Appends the visible rows as "row" lines at depth to the semantics text (the
 * same snprintf-style accounting as ui_semantics). */
size_t ui_list_dump(struct ui_widget *w, int depth, char *buf, size_t n, size_t at,
                    size_t (*quote)(char *buf, size_t n, size_t at, const char *s));
/* Places the open dialog centred in the window (after the root's layout). */
void ui_dialog_layout(struct ui_window *win);
/* Frees the dialogs closed since the last paint. */
void ui_dialog_free_closed(struct ui_window *win);

/* ---- Menus, tabs, text areas, grids (ui_menu.c, ui_tabs.c, ui_textarea.c, ui_grid.c) */
/* mark_dirty for libui's other files: repaint w's rectangle. */
void ui_mark_dirty(struct ui_widget *w);
/* Restricts painting to r within the damage (painting a widget's inside). */
void ui_clip(struct ui_window *win, struct ui_rect r);
/* The open menu's share of ui_window_event: it takes every event. */
void ui_menu_event(struct ui_window *win, const struct ui_event *e);
/* Places the open menu (after the root's layout) and paints it over everything. */
void ui_menu_layout(struct ui_window *win);
void ui_menu_free(struct ui_window *win);
/* Painting of the new roles, clipped to r within the damage. */
void ui_menu_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r);
void ui_tab_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r);
void ui_textarea_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r);
void ui_grid_draw(struct ui_window *win, struct ui_widget *w, struct ui_rect r);
/* Input for them, from ui_window_event (w enabled, focus already set on a down). */
void ui_tab_activate(struct ui_widget *tab);
bool ui_tab_key(struct ui_widget *tab, const struct ui_event *e);
/* Ctrl+Tab: the tabs around the focus, else the window's first; false: none. */
bool ui_tabs_cycle(struct ui_window *win, bool backwards);
void ui_textarea_pointer(struct ui_widget *w, const struct ui_event *e, bool drag);
void ui_textarea_key(struct ui_widget *w, const struct ui_event *e);
void ui_textarea_wheel(struct ui_widget *w, int rows);
void ui_grid_pointer(struct ui_widget *w, const struct ui_event *e);
void ui_grid_key(struct ui_widget *w, const struct ui_event *e);
void ui_grid_wheel(struct ui_widget *w, int rows);
size_t ui_grid_dump(struct ui_widget *w, int depth, char *buf, size_t n, size_t at,
                    size_t (*quote)(char *buf, size_t n, size_t at, const char *s));
/* The editing keys a text field and a text area share (ui_widget.c): Ctrl+A
 * selects all, Ctrl+C/X copy (and cut) through the window's clipboard, Ctrl+V
 * pastes, a typed character is inserted. True when the text changed. */
bool ui_text_edit_key(struct ui_widget *w, const struct ui_event *e);
