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
