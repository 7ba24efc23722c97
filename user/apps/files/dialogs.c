/* The Files app's dialogs: the name asked for a new folder and for a rename,
 * the confirmation before a delete, an entry's properties, and the text viewer
 * (a text area: the file can be edited and saved). */
#include <errno.h>
#include <stdarg.h>
#include <pwd.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pixman.h>

#include "fileops.h"
#include "files.h"

#define VIEW_MAX   (256 * 1024)

static struct ui_widget *name_field;
static char target[4096 + 256];     /* what the open dialog acts on */
static struct ui_widget *view_area;    /* the text viewer's */
static char view_path[4096 + 256];
#define IMAGE_W 640
#define IMAGE_H 380

static struct ui_window *ui(void) { return &app.win.ui; }

static void closed(void)
{
    ui_dialog_close(ui());
    app.tree_changed = true;
}

static void cancel(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    closed();
}

static struct ui_widget *button(struct ui_widget *row, const char *label,
                                void (*fn)(struct ui_widget *, void *))
{
    struct ui_widget *b = ui_add(row, UI_ROLE_BUTTON, label);
    if (b)
        b->on_change = fn;
    return b;
}

/* A dialog asking for a name: a field holding `initial` (selected, so typing
 * replaces it), Cancel and the action's button; Enter in the field acts too. */
static void ask_name(const char *title, const char *initial, const char *action,
                     void (*act)(struct ui_widget *, void *))
{
    struct ui_widget *d = ui_dialog_open(ui(), title);
    if (!d)
        return;
    name_field = ui_add(d, UI_ROLE_TEXT_FIELD, "Name");
    name_field->box.pref_w = 360;
    ui_set_text(name_field, initial, true);
    name_field->on_activate = act;
    struct ui_widget *row = ui_dialog_buttons(d);
    button(row, "Cancel", cancel);
    button(row, action, act);
    ui_set_focus(ui(), name_field);
    app.tree_changed = true;
}

static const char *field_text(void)
{
    return name_field->text.buf ? name_field->text.buf : "";
}

static void create_folder(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char name[256], path[4096 + 256];
    snprintf(name, sizeof(name), "%s", field_text());
    closed();
    if (!name_valid(name)) {
        files_error("Cannot create the folder", "mkdir", name, EINVAL);
        return;
    }
    path_join(app.dir.path, name, path, sizeof(path));
    int err = fo_mkdir(path);
    if (err) {
        files_error("Cannot create the folder", "mkdir", path, err);
        return;
    }
    files_log("created %s", path);
    files_reload(name);
}

void dialog_new_folder(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    ask_name("New folder", "New Folder", "Create", create_folder);
}

static void do_rename(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char name[256], to[4096 + 256];
    snprintf(name, sizeof(name), "%s", field_text());
    closed();
    if (!name_valid(name)) {
        files_error("Cannot rename", "rename", name, EINVAL);
        return;
    }
    path_join(app.dir.path, name, to, sizeof(to));
    int err = fo_rename(target, to);
    if (err) {
        files_error("Cannot rename", "rename", target, err);
        return;
    }
    files_log("renamed %s -> %s", target, to);
    files_reload(name);
}

void dialog_rename(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    struct entry *e = files_selected();
    if (!e)
        return;
    files_path_of(e, target, sizeof(target));
    ask_name("Rename", e->name, "Rename", do_rename);
}

static void do_delete(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    closed();
    int err = fo_remove(target);
    if (err) {
        files_error("Cannot delete", "delete", target, err);
        files_reload(NULL);
        return;
    }
    files_log("deleted %s", target);
    files_reload(NULL);
}

void dialog_delete(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    struct entry *e = files_selected();
    if (!e)
        return;
    files_path_of(e, target, sizeof(target));
    char q[300];
    snprintf(q, sizeof(q), "Delete \"%s\"?", e->name);
    struct ui_widget *d = ui_dialog_open(ui(), q);
    if (!d)
        return;
    ui_add(d, UI_ROLE_LABEL, e->kind == KIND_FOLDER ? "The folder and everything in it will be gone."
                                                   : "The file will be gone.");
    struct ui_widget *row = ui_dialog_buttons(d);
    struct ui_widget *no = button(row, "Cancel", cancel);
    button(row, "Delete", do_delete);
    ui_set_focus(ui(), no);     /* Enter right away does not destroy anything */
    app.tree_changed = true;
}

static void line(struct ui_widget *d, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line(struct ui_widget *d, const char *key, const char *fmt, ...)
{
    char value[200], text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    snprintf(text, sizeof(text), "%s: %s", key, value);
    ui_add(d, UI_ROLE_LABEL, text);
}

void dialog_properties(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    struct entry *e = files_selected();
    if (!e)
        return;
    char path[4096 + 256], mode[11], size[32], date[32];
    files_path_of(e, path, sizeof(path));
    struct ui_widget *d = ui_dialog_open(ui(), e->name);
    if (!d)
        return;
    line(d, "Kind", "%s%s", kind_name(e->kind), e->link ? " (link)" : "");
    format_size(e->size, false, size, sizeof(size));
    line(d, "Size", "%s (%lld bytes)", size, (long long)e->size);
    format_mode(e->mode, mode);
    line(d, "Mode", "%s (%04o)", mode, (unsigned)(e->mode & 07777));
    struct passwd *pw = getpwuid(e->uid);
    struct group *gr = getgrgid(e->gid);
    line(d, "Owner", "%s (%u), group %s (%u)", pw ? pw->pw_name : "?", (unsigned)e->uid,
         gr ? gr->gr_name : "?", (unsigned)e->gid);
    format_date(e->mtime, date, sizeof(date));
    line(d, "Modified", "%s", date);
    format_date(e->atime, date, sizeof(date));
    line(d, "Accessed", "%s", date);
    format_date(e->ctime, date, sizeof(date));
    line(d, "Changed", "%s", date);
    line(d, "Where", "%s", app.dir.path);
    struct ui_widget *ok = button(ui_dialog_buttons(d), "OK", cancel);
    ui_set_focus(ui(), ok);
    files_log("properties %s size=%lld mode=%04o uid=%u", path, (long long)e->size,
              (unsigned)(e->mode & 07777), (unsigned)e->uid);
    app.tree_changed = true;
}

static void close_viewer(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    closed();
}

static void save_text(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    const char *text = view_area->text.buf ? view_area->text.buf : "";
    int err = fo_write_text(view_path, text, view_area->text.len);
    if (err) {
        closed();
        files_error("Cannot save the file", "write", view_path, err);
        return;
    }
    files_log("saved %s (%zu bytes)", view_path, view_area->text.len);
    files_reload(NULL);                 /* its size and date in the list */
    app.tree_changed = true;
}

void dialog_view_text(const char *path)
{
    char *text;
    size_t len;
    int err = fo_read_text(path, VIEW_MAX, &text, &len);
    if (err == EINVAL) {
        const char *base = strrchr(path, '/');
        files_log("not text: %s", path);
        ui_dialog_message(ui(), "Not a text file", base ? base + 1 : path);
        app.tree_changed = true;
        return;
    }
    if (err) {
        files_error("Cannot open the file", "read", path, err);
        return;
    }
    const char *base = strrchr(path, '/');
    struct ui_widget *d = ui_dialog_open(ui(), base ? base + 1 : path);
    if (!d) {
        free(text);
        return;
    }
    view_area = ui_add(d, UI_ROLE_TEXT_AREA, "Text");
    /* Text that is not UTF-8 is shown as far as it is, not edited. */
    if (!view_area || ui_textarea_set(view_area, text) < 0) {
        free(text);
        ui_dialog_close(ui());
        files_log("not text: %s", path);
        ui_dialog_message(ui(), "Not a UTF-8 text file", base ? base + 1 : path);
        app.tree_changed = true;
        return;
    }
    free(text);
    snprintf(view_path, sizeof(view_path), "%s", path);
    view_area->box.pref_w = 680;
    view_area->box.pref_h = 380;
    ui_set_focus(ui(), view_area);
    struct ui_widget *row = ui_dialog_buttons(d);
    button(row, "Close", close_viewer);
    button(row, "Save", save_text);
    files_log("viewing %s (%d lines)", path, ui_text_line_count(&view_area->text));
    app.tree_changed = true;
}

void dialog_view_image(const char *path)
{
    int err = 0;
    pixman_image_t *img = ui_image_load_png(path, &err);
    if (!img) {
        files_error("Cannot show the image", "image", path, err);
        return;
    }
    const char *base = strrchr(path, '/');
    struct ui_widget *d = ui_dialog_open(ui(), base ? base + 1 : path);
    if (!d) {
        pixman_image_unref(img);
        return;
    }
    int w = pixman_image_get_width(img), h = pixman_image_get_height(img);
    char size[64];
    snprintf(size, sizeof(size), "%d x %d pixels", w, h);
    ui_add(d, UI_ROLE_LABEL, size);
    /* Fitted into the view keeping its proportions; small images are not blown
     * up past four times. */
    double k = (double)IMAGE_W / w < (double)IMAGE_H / h ? (double)IMAGE_W / w : (double)IMAGE_H / h;
    if (k > 4)
        k = 4;
    struct ui_widget *view = ui_add(d, UI_ROLE_IMAGE, "Image");
    if (view) {
        ui_set_image(view, img);
        view->box.pref_w = view->box.min_w = (int)(w * k) > 0 ? (int)(w * k) : 1;
        view->box.pref_h = view->box.min_h = (int)(h * k) > 0 ? (int)(h * k) : 1;
    }
    pixman_image_unref(img);    /* the widget holds it while the dialog is open */
    d->box.align = UI_ALIGN_CENTER;
    struct ui_widget *close = button(ui_dialog_buttons(d), "Close", close_viewer);
    ui_set_focus(ui(), close);
    files_log("image %s (%dx%d)", path, w, h);
    app.tree_changed = true;
}
