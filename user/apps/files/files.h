/* The Files app's shared state: its window and widgets, the folder shown, and
 * what its dialogs (dialogs.c) and main window (files.c) call in each other. */
#pragma once

#include "entries.h"
#include "ui.h"

struct files {
    struct ui_surface_window win;
    struct listing dir;
    struct ui_widget *list, *location, *status;
    struct ui_widget *grid, *head, *view;   /* the icon view, the list's header, its toggle */
    struct ui_widget *up, *new_folder, *rename, *remove, *copy, *paste, *props;
    char clip[4096];            /* the copied file's path, "" for none */
    bool tree_changed;          /* the semantics tree is printed once it settles */
};

extern struct files app;

void files_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Shows path (normalised against the current folder); an error dialog when it
 * cannot be read. Returns 0 or the errno. */
int files_open(const char *path);
/* Reads the current folder again and selects name (NULL: keep the row). */
void files_reload(const char *select);
/* The selected entry, or NULL. */
struct entry *files_selected(void);
/* The full path of entry e in the current folder. */
void files_path_of(const struct entry *e, char *out, size_t n);
/* The error dialog: title, strerror(err), and the path it concerns; logged as
 * "[files] error <op> <path>: <strerror>". */
void files_error(const char *title, const char *op, const char *path, int err);

/* The toolbar's dialogs, as button callbacks. */
void dialog_new_folder(struct ui_widget *w, void *ctx);
void dialog_rename(struct ui_widget *w, void *ctx);
void dialog_delete(struct ui_widget *w, void *ctx);
void dialog_properties(struct ui_widget *w, void *ctx);
/* The text viewer: a dialog with the file in a text area, Save writes it
 * back; an error dialog when the file cannot be read or is not text. */
void dialog_view_text(const char *path);
/* The image viewer for PNG files (an error dialog for anything else). */
void dialog_view_image(const char *path);
