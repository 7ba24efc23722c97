/* files: the OSCortex file manager. A window with a toolbar (Up, New Folder,
 * Rename, Delete, Copy, Paste, Properties), a location field, and the folder's
 * entries as a list with icons, sizes and dates; Enter or a double-click opens
 * a folder, runs a program or shows a text file (editable, with Save); a right
 * click gives a row's or the folder's context menu; Delete, F2, Backspace,
 * Ctrl+C/V/L are shortcuts. Starts at $HOME or argv[1].
 * Prints "[files] ready <path>" after its first frame, a line per action, and
 * with OSC_SEMANTICS=1 its semantics tree ("SEM ..." then "SEM-END") whenever
 * it changes. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "fileops.h"
#include "files.h"
#include "icons.h"
#include "ui_keycodes.h"

#define FONT "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define WIN_X 120
#define WIN_Y 70
#define WIN_W 780
#define WIN_H 560
#define TEXT     0xffe6e9f2u
#define TEXT_DIM 0xff7c87a6u
#define DATE_W   150
#define SIZE_GAP 16

struct files app;

void files_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("[files] ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

static void print_semantics(void)
{
    if (ui_semantics_wanted())
        ui_print_semantics(&app.win.ui, "SEM");
}

static void error_ok(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    ui_dialog_close(w->win);
    app.tree_changed = true;
}

void files_error(const char *title, const char *op, const char *path, int err)
{
    files_log("error %s %s: %s", op, path, strerror(err));
    struct ui_widget *d = ui_dialog_open(&app.win.ui, title);
    if (!d)
        return;
    const char *base = strrchr(path, '/');
    ui_add(d, UI_ROLE_LABEL, strerror(err));
    ui_add(d, UI_ROLE_LABEL, base && base[1] ? base + 1 : path);
    struct ui_widget *row = ui_dialog_buttons(d);
    struct ui_widget *ok = row ? ui_add(row, UI_ROLE_BUTTON, "OK") : NULL;
    if (ok) {
        ok->on_change = error_ok;
        ui_set_focus(&app.win.ui, ok);
    }
    app.tree_changed = true;
}

struct entry *files_selected(void)
{
    int i = app.list->value;
    return i >= 0 && i < app.dir.n ? &app.dir.e[i] : NULL;
}

void files_path_of(const struct entry *e, char *out, size_t n)
{
    if (path_join(app.dir.path, e->name, out, n) < 0)
        snprintf(out, n, "%s", app.dir.path);
}

static void set_enabled(struct ui_widget *w, bool on)
{
    if (!(w->state & UI_STATE_DISABLED) != on)
        ui_set_enabled(w, on);
}

static void update_actions(void)
{
    bool sel = files_selected() != NULL;
    set_enabled(app.up, strcmp(app.dir.path, "/") != 0);
    set_enabled(app.rename, sel);
    set_enabled(app.remove, sel);
    set_enabled(app.copy, sel);
    set_enabled(app.props, sel);
    set_enabled(app.paste, app.clip[0] != 0);
    char text[64];
    snprintf(text, sizeof(text), "%d item%s%s", app.dir.n, app.dir.n == 1 ? "" : "s",
             app.clip[0] ? " - a file is copied" : "");
    if (strcmp(text, app.status->label))
        ui_set_label(app.status, text);
}

/* The view shown: the list, or the grid of icons. */
static struct ui_widget *shown_view(void)
{
    return app.grid->box.hidden ? app.list : app.grid;
}

static void show_listing(const char *select)
{
    int keep = app.list->value;
    ui_set_items(app.list, app.dir.names, app.dir.n);
    ui_set_items(app.grid, app.dir.names, app.dir.n);
    int at = select ? listing_find(&app.dir, select) : keep;
    app.list->value = -1;
    ui_set_value(app.list, at >= 0 && at < app.dir.n ? at : 0);
    /* Bring the selected row into view. */
    int rows = app.list->box.rect.h / ui_list_row_height(&app.win.ui);
    if (rows > 0 && app.list->value >= rows)
        app.list->first_row = app.list->value - rows + 1;
    app.grid->value = -1;
    ui_set_value(app.grid, app.list->value);
    ui_set_text(app.location, app.dir.path, false);
    update_actions();
    /* Keys go on moving in the list after an action (not under a dialog). */
    if (!app.win.ui.modal)
        ui_set_focus(&app.win.ui, shown_view());
    app.tree_changed = true;
}

int files_open(const char *path)
{
    char norm[4096];
    if (path_normalize(app.dir.path[0] ? app.dir.path : "/", path, norm, sizeof(norm)) < 0) {
        files_error("Cannot open the folder", "open", path, ENAMETOOLONG);
        return ENAMETOOLONG;
    }
    char before[4096];
    snprintf(before, sizeof(before), "%s", app.dir.path);
    int r = listing_read(&app.dir, norm);
    if (r < 0) {
        files_error("Cannot open the folder", "open", norm, -r);
        ui_set_text(app.location, app.dir.path, false);
        return -r;
    }
    /* Going up selects the folder we came from. */
    const char *from = NULL;
    size_t nl = strlen(norm);
    if (strlen(before) > nl && !strncmp(before, norm, nl) && (nl == 1 || before[nl] == '/'))
        from = before + (nl == 1 ? 1 : nl + 1);
    char first[256] = "";
    if (from) {
        snprintf(first, sizeof(first), "%s", from);
        char *slash = strchr(first, '/');
        if (slash)
            *slash = 0;
    }
    show_listing(first[0] ? first : NULL);
    if (!first[0]) {
        app.list->first_row = app.grid->first_row = 0;
        ui_set_value(app.list, 0);
        ui_set_value(app.grid, 0);
    }
    files_log("open %s (%d entries)", app.dir.path, app.dir.n);
    return 0;
}

void files_reload(const char *select)
{
    int r = listing_read(&app.dir, app.dir.path);
    if (r < 0)
        files_error("Cannot read the folder", "open", app.dir.path, -r);
    show_listing(select);
}

static bool looks_like_png(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".png") == 0;
}

static void open_entry(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    struct entry *e = files_selected();
    if (!e)
        return;
    char path[4096 + 256];
    files_path_of(e, path, sizeof(path));
    if (e->kind == KIND_FOLDER) {
        files_open(path);
    } else if (e->kind == KIND_PROGRAM) {
        pid_t pid;
        int err = fo_launch(path, &pid);
        if (err)
            files_error("Cannot run the program", "run", path, err);
        else
            files_log("launched %s (pid %d)", path, (int)pid);
    } else if (e->kind == KIND_IMAGE && !looks_like_png(e->name)) {
        ui_dialog_message(&app.win.ui, "Only PNG images can be shown yet", e->name);
        files_log("not yet: image %s", path);
        app.tree_changed = true;
    } else if (e->kind == KIND_IMAGE) {
        dialog_view_image(path);
    } else {
        dialog_view_text(path);
    }
}

static void selection_changed(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    /* The list's selection is the one the actions use; the grid follows it. */
    if (w == app.grid)
        ui_set_value(app.list, w->value);
    update_actions();
    app.tree_changed = true;
}

static void up_clicked(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char parent[4096];
    path_parent(app.dir.path, parent, sizeof(parent));
    files_log("up from %s", app.dir.path);
    files_open(parent);
}

static void location_entered(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    files_open(w->text.buf ? w->text.buf : "/");
}

static void copy_clicked(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    struct entry *e = files_selected();
    if (!e)
        return;
    files_path_of(e, app.clip, sizeof(app.clip));
    files_log("copied %s", app.clip);
    update_actions();
    app.tree_changed = true;
}

static void paste_clicked(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char made[256];
    int err = fo_copy(app.clip, app.dir.path, made, sizeof(made));
    if (err) {
        files_error("Cannot paste", "paste", app.clip, err);
        return;
    }
    files_log("pasted %s -> %s/%s", app.clip, app.dir.path, made);
    files_reload(made);
}

/* The context menus: a row's actions on the row under the pointer (the list
 * selected it), the folder's on empty space. */
static void list_context(struct ui_widget *w, int x, int y, void *ctx)
{
    (void)ctx;
    int row = w == app.grid ? ui_grid_item_at(w, x, y) : ui_list_row_at(w, y);
    struct ui_widget *m = ui_menu_open(w->win, x, y);
    if (!m)
        return;
    if (row >= 0) {
        ui_menu_item(m, "Open", "Enter", open_entry, NULL);
        ui_menu_item(m, "Rename", "F2", dialog_rename, NULL);
        ui_menu_item(m, "Copy", "Ctrl+C", copy_clicked, NULL);
        ui_menu_separator(m);
        ui_menu_item(m, "Delete", "Delete", dialog_delete, NULL);
        ui_menu_separator(m);
        ui_menu_item(m, "Properties", "", dialog_properties, NULL);
        files_log("menu row %s", app.dir.e[row].name);
    } else {
        ui_menu_item(m, "New Folder", "", dialog_new_folder, NULL);
        struct ui_widget *p = ui_menu_item(m, "Paste", "Ctrl+V", paste_clicked, NULL);
        if (p && !app.clip[0])
            ui_set_enabled(p, false);
        files_log("menu folder %s", app.dir.path);
    }
    app.tree_changed = true;
}

/* Linux key codes for the shortcuts. */

/* Delete, F2 (rename), Backspace (up), Ctrl+C/Ctrl+V, Ctrl+L (the location);
 * not while typing in a field or under a dialog. */
static bool shortcut(struct ui_window *win, const struct ui_event *e)
{
    bool ctrl = e->mods & UI_MOD_CTRL;
    if (win->modal)
        return false;
    if (ctrl && e->key == KEY_L) {
        ui_set_text(app.location, app.dir.path, true);
        ui_set_focus(win, app.location);
        return true;
    }
    if (win->focus && win->focus->role == UI_ROLE_TEXT_FIELD)
        return false;
    switch (e->key) {
    case KEY_DELETE: dialog_delete(NULL, NULL); return true;
    case KEY_F2: dialog_rename(NULL, NULL); return true;
    case KEY_BACKSPACE:
        if (strcmp(app.dir.path, "/") != 0)
            up_clicked(NULL, NULL);
        return true;
    case KEY_C: if (ctrl) { copy_clicked(NULL, NULL); return true; } break;
    case KEY_V: if (ctrl && app.clip[0]) { paste_clicked(NULL, NULL); return true; } break;
    }
    return false;
}

static struct ui_widget *tool(struct ui_widget *bar, const char *label,
                              void (*fn)(struct ui_widget *, void *), void *ctx)
{
    struct ui_widget *b = ui_add(bar, UI_ROLE_BUTTON, label);
    b->on_change = fn;
    b->ctx = ctx;
    return b;
}

/* One row: the icon, the name, the size right-aligned, the date. */
static void draw_row(struct ui_widget *w, int i, struct ui_rect r, bool selected, void *ctx)
{
    (void)ctx, (void)selected;
    struct ui_window *win = w->win;
    const struct entry *e = &app.dir.e[i];
    int icon = r.h - 8 > ui_px(win, 22) ? ui_px(win, 22) : r.h - 8;
    icon_draw(win->target, r.x + 8, r.y + (r.h - icon) / 2, icon, e->kind);
    ui_draw_text(win, e->name, r.x + 16 + icon, r, TEXT);
    char size[32], date[32];
    format_size(e->size, e->kind == KIND_FOLDER, size, sizeof(size));
    format_date(e->mtime, date, sizeof(date));
    int date_x = r.x + r.w - ui_px(win, DATE_W);
    ui_draw_text(win, size, date_x - ui_px(win, SIZE_GAP) - ui_text_width(win, size), r, TEXT_DIM);
    ui_draw_text(win, date, date_x, r, TEXT_DIM);
}

/* One icon: the kind's picture large, the name centred below it (cut with an
 * ellipsis when too wide). */
static void draw_cell(struct ui_widget *w, int i, struct ui_rect r, bool selected, void *ctx)
{
    (void)ctx, (void)selected;
    struct ui_window *win = w->win;
    const struct entry *e = &app.dir.e[i];
    int icon = ui_px(win, 48), top = ui_px(win, 8);
    icon_draw(win->target, r.x + (r.w - icon) / 2, r.y + top, icon, e->kind);
    char name[300];
    snprintf(name, sizeof(name), "%s", e->name);
    size_t n = strlen(name);
    while (n > 1 && ui_text_width(win, name) > r.w - 10) {
        /* Back off a whole code point, then end with an ellipsis. */
        do
            n--;
        while (n > 1 && ((unsigned char)name[n] & 0xc0) == 0x80);
        snprintf(name + n, sizeof(name) - n, "\xe2\x80\xa6");
    }
    struct ui_rect label = { r.x, r.y + top + icon + top / 2, r.w, r.h - icon - 2 * top };
    ui_draw_text(win, name, r.x + (r.w - ui_text_width(win, name)) / 2, label, TEXT);
}

static void view_toggled(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    bool icons = app.grid->box.hidden;
    app.grid->box.hidden = !icons;
    app.list->box.hidden = icons;
    app.head->box.hidden = icons;
    ui_set_value(app.grid, app.list->value);
    ui_set_label(w, icons ? "List" : "Icons");
    ui_set_focus(&app.win.ui, shown_view());
    app.win.ui.needs_layout = true;
    files_log("view %s", icons ? "icons" : "list");
    app.tree_changed = true;
}

static struct ui_widget *bar_of(struct ui_widget *root)
{
    struct ui_widget *bar = ui_add(root, UI_ROLE_WINDOW, "");
    bar->box.dir = UI_ROW;
    bar->box.padding = 0;
    bar->box.spacing = ui_px(root->win, 8);
    bar->box.align = UI_ALIGN_CENTER;
    return bar;
}

static void build(void)
{
    struct ui_widget *root = &app.win.ui.root;
    struct ui_window *win = &app.win.ui;
    root->box.padding = ui_px(win, 12);
    root->box.spacing = ui_px(win, 8);
    root->box.align = UI_ALIGN_STRETCH;
    struct ui_widget *bar = bar_of(root);
    app.up = tool(bar, "Up", up_clicked, NULL);
    app.new_folder = tool(bar, "New Folder", dialog_new_folder, NULL);
    app.rename = tool(bar, "Rename", dialog_rename, NULL);
    app.remove = tool(bar, "Delete", dialog_delete, NULL);
    app.copy = tool(bar, "Copy", copy_clicked, NULL);
    app.paste = tool(bar, "Paste", paste_clicked, NULL);
    app.props = tool(bar, "Properties", dialog_properties, NULL);
    ui_add(bar, UI_ROLE_LABEL, "")->box.flex = 1;
    app.view = tool(bar, "Icons", view_toggled, NULL);
    app.location = ui_add(root, UI_ROLE_TEXT_FIELD, "Location");
    app.location->on_activate = location_entered;
    struct ui_widget *head = app.head = bar_of(root);
    head->box.spacing = 0;
    ui_add(head, UI_ROLE_LABEL, "")->box.pref_w = ui_px(win, 38);
    ui_add(head, UI_ROLE_LABEL, "Name")->box.flex = 1;
    ui_add(head, UI_ROLE_LABEL, "Size")->box.pref_w = ui_px(win, 60 + SIZE_GAP);
    ui_add(head, UI_ROLE_LABEL, "Modified")->box.pref_w = ui_px(win, DATE_W + 10);
    app.list = ui_add(root, UI_ROLE_LIST, "Entries");
    app.list->box.flex = 1;
    app.list->draw_row = draw_row;
    app.list->on_activate = open_entry;
    app.list->on_change = selection_changed;
    app.list->on_context = list_context;
    app.grid = ui_grid_add(root, "Icons", ui_px(&app.win.ui, 112), ui_px(&app.win.ui, 96));
    app.grid->box.flex = 1;
    app.grid->box.hidden = true;
    app.grid->draw_row = draw_cell;
    app.grid->on_activate = open_entry;
    app.grid->on_change = selection_changed;
    app.grid->on_context = list_context;
    app.status = ui_add(root, UI_ROLE_LABEL, "0 items");
}

static void reap(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
        files_log("program %d ended (status %d)", (int)pid,
                  WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *start = argc > 1 ? argv[1] : getenv("HOME");
    if (!start || !*start)
        start = "/";
    struct ui_font *font = ui_font_open(FONT, ui_scale_px(16));
    if (!font) {
        perror("[files] " FONT);
        return 1;
    }
    int x = WIN_X, y = WIN_Y, w = WIN_W, h = WIN_H;
    ui_scale_window(&x, &y, &w, &h);
    if (ui_surface_open(&app.win, w, h, x, y, "Files", font) < 0) {
        perror("[files] /dev/compositor");
        return 1;
    }
    ui_window_set_scale(&app.win.ui, ui_settings_current()->scale);
    build();
    files_log("window %d,%d %dx%d", x, y, w, h);
    if (files_open(start) != 0 && strcmp(start, "/") != 0)
        files_open("/");
    ui_set_focus(&app.win.ui, shown_view());
    app.win.ui.on_key = shortcut;
    bool ready = false;
    struct ui_widget *shown_dialog = NULL, *shown_menu = NULL;
    for (;;) {
        int r = ui_surface_dispatch(&app.win, 250);
        if (r == 1 || (r < 0 && errno != EINTR))
            break;
        reap();
        if (app.win.ui.modal != shown_dialog) {    /* Escape closes dialogs too */
            shown_dialog = app.win.ui.modal;
            app.tree_changed = true;
        }
        if (app.win.ui.menu != shown_menu) {        /* menus close by themselves */
            shown_menu = app.win.ui.menu;
            app.tree_changed = true;
        }
        if (app.win.frame_pending || app.win.ui.damaged || app.win.ui.needs_layout)
            continue;
        if (!ready) {
            print_semantics();
            files_log("ready %s", app.dir.path);
            ready = true;
            app.tree_changed = false;
        } else if (app.tree_changed) {
            print_semantics();
            app.tree_changed = false;
        }
    }
    files_log("closed");
    listing_free(&app.dir);
    ui_surface_close(&app.win);
    ui_font_close(font);
    return 0;
}
