/* Canvas: drawing on a sheet of paper with a pen in a few colours and widths,
 * an eraser, lines, rectangles and ellipses (anti-aliased with pixman), text
 * notes (click, type, Enter), undo
 * and redo (buttons, Ctrl+Z, Ctrl+Y), saving to and opening from PNG files
 * (libpng). Usage: canvas [file.png [x y]]; the file defaults to ~/drawing.png.
 * Prints "[canvas] ready" after its first frame and, with OSC_SEMANTICS=1, its
 * semantics tree (SEM lines, then SEM-END) after each change a person made. */
#include <errno.h>
#include <pixman.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "ui_keycodes.h"
#include "draw.h"
#include "ui.h"

#define FONT "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define WIN_W 820
#define WIN_H 620
#define PAPER 0xffffffffu

static struct ui_surface_window win;
static struct ui_widget *canvas_w, *path_w, *status_w;
static struct doc doc;
static pixman_image_t *base, *paper;   /* the opened picture (or white); it plus the strokes */
static pixman_image_t *under;          /* the paper before the path being drawn */
static enum tool tool = TOOL_PEN;
static unsigned colour = 0xff111827u;
static float width = 4;
static bool drawing, tree_changed;
static bool typing;                     /* a note (the newest stroke) is being typed */
static struct ui_font *note_font;

struct choice {
    const char *label;
    int kind;           /* 0 tool, 1 colour, 2 width */
    unsigned value;
    struct ui_widget *w;
};
static struct choice choices[] = {
    { "Pen", 0, TOOL_PEN, NULL }, { "Eraser", 0, TOOL_ERASER, NULL },
    { "Line", 0, TOOL_LINE, NULL }, { "Rectangle", 0, TOOL_RECT, NULL },
    { "Ellipse", 0, TOOL_ELLIPSE, NULL }, { "Text", 0, TOOL_TEXT, NULL },
    { "Black", 1, 0xff111827u, NULL }, { "Red", 1, 0xffe11d48u, NULL },
    { "Green", 1, 0xff16a34au, NULL }, { "Blue", 1, 0xff2563ebu, NULL },
    { "Thin", 2, 2, NULL }, { "Medium", 2, 4, NULL }, { "Thick", 2, 12, NULL },
};
#define NCHOICES (int)(sizeof(choices) / sizeof(choices[0]))

static void status(const char *fmt, ...)
{
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    ui_set_label(status_w, text);
    tree_changed = true;
}

static void print_semantics(void)
{
    if (ui_semantics_wanted())
        ui_print_semantics(&win.ui, "SEM");
}

/* ---- The paper ---------------------------------------------------------------- */

static pixman_image_t *white_image(int w, int h)
{
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_a8r8g8b8, w, h, NULL, 0);
    if (img)
        ui_fill_rect(img, (struct ui_rect){ 0, 0, w, h }, PAPER);
    return img;
}

static void damage_canvas(void)
{
    ui_damage(&win.ui, canvas_w->box.rect);
    canvas_w->value = doc.count;
}

/* The paper again from the picture and the strokes still done (undo, redo, open). */
static void rerender(void)
{
    pixman_image_composite32(PIXMAN_OP_SRC, base, NULL, paper, 0, 0, 0, 0, 0, 0,
                             pixman_image_get_width(paper), pixman_image_get_height(paper));
    for (int i = 0; i < doc.count; i++)
        draw_stroke(paper, &doc.strokes[i], 0, 0);
    damage_canvas();
    tree_changed = true;
}

/* A note is drawn on the paper once it is done; an empty one is dropped. */
static void finish_note(void)
{
    if (!typing)
        return;
    typing = false;
    struct stroke *s = &doc.strokes[doc.count - 1];
    if (!s->text || !*s->text) {
        doc_drop_last(&doc);
    } else {
        draw_stroke(paper, s, 0, 0);
        printf("NOTE %s\n", s->text);
        fflush(stdout);
    }
    damage_canvas();
    tree_changed = true;
}

static void undo(void)
{
    finish_note();
    if (drawing)
        return;
    if (doc_undo(&doc)) {
        rerender();
        printf("UNDO %d\n", doc.count);
    } else {
        status("Nothing to undo");
    }
    fflush(stdout);
}

static void redo(void)
{
    finish_note();
    if (drawing)
        return;
    if (doc_redo(&doc)) {
        rerender();
        printf("REDO %d\n", doc.count);
    } else {
        status("Nothing to redo");
    }
    fflush(stdout);
}

static void draw_canvas(struct ui_widget *w, pixman_image_t *dst)
{
    struct ui_rect r = w->box.rect;
    pixman_image_composite32(PIXMAN_OP_SRC, paper, NULL, dst, 0, 0, 0, 0, r.x, r.y,
                             pixman_image_get_width(paper), pixman_image_get_height(paper));
    /* A shape being dragged is shown on top until it is let go, a note being
     * typed with its caret. */
    if (drawing && tool != TOOL_PEN && tool != TOOL_ERASER)
        draw_stroke(dst, &doc.strokes[doc.count - 1], r.x, r.y);
    if (typing) {
        const struct stroke *s = &doc.strokes[doc.count - 1];
        draw_stroke(dst, s, r.x, r.y);
        long adv = s->text ? ui_font_measure(note_font, s->text, strlen(s->text)) : 0;
        int asc = ui_font_ascent(note_font), desc = ui_font_descent(note_font);
        ui_fill_rect(dst, (struct ui_rect){ r.x + (int)s->pts[0].x + (int)(adv >> 6) + 1,
                                            r.y + (int)s->pts[0].y - asc, 2, asc + desc }, s->argb);
    }
}

/* The bounds of a stroke, or with from > 0 of its segments from point from - 1 on. */
static struct ui_rect part_bounds(const struct stroke *s, int from)
{
    struct stroke part = *s;
    if (from > 0) {
        part.pts = s->pts + from - 1;
        part.npts = s->npts - from + 1;
    }
    struct ui_rect b;
    stroke_bounds(&part, &b.x, &b.y, &b.w, &b.h);
    return b;
}

static void damage_stroke(const struct stroke *s, int from)
{
    struct ui_rect b = part_bounds(s, from);
    b.x += canvas_w->box.rect.x;
    b.y += canvas_w->box.rect.y;
    ui_damage(&win.ui, b);
}

static bool in_canvas(int x, int y)
{
    struct ui_rect r = canvas_w->box.rect;
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static void finish_stroke(void)
{
    struct stroke *s = &doc.strokes[doc.count - 1];
    drawing = false;
    if (s->tool != TOOL_PEN && s->tool != TOOL_ERASER)
        draw_stroke(paper, s, 0, 0);
    damage_stroke(s, 0);
    canvas_w->value = doc.count;
    tree_changed = true;
    printf("STROKE %d points, %d strokes\n", s->npts, doc.count);
    fflush(stdout);
}

static bool on_event(struct ui_window *w, const struct ui_event *e, void *ctx)
{
    (void)w, (void)ctx;
    struct ui_rect r = canvas_w->box.rect;
    float x = (float)(e->x - r.x) + 0.5f, y = (float)(e->y - r.y) + 0.5f;
    /* Only the left button draws; the others go to libui (context menus). */
    if ((e->type == UI_EV_POINTER_DOWN || e->type == UI_EV_POINTER_UP) && e->button != UI_BUTTON_LEFT)
        return false;
    switch (e->type) {
    case UI_EV_KEY_DOWN:
        if (typing && !(e->mods & UI_MOD_CTRL)) {
            struct stroke *s = &doc.strokes[doc.count - 1];
            if (e->key == KEY_ENTER || e->key == KEY_ESC)
                finish_note();
            else if (e->key == KEY_BACKSPACE)
                stroke_text_backspace(s);
            else if ((unsigned char)e->text[0] >= 0x20 && e->text[0] != 0x7f)
                stroke_append_text(s, e->text);
            damage_canvas();
            return true;
        }
        if ((e->mods & UI_MOD_CTRL) && e->key == KEY_Z) {
            (e->mods & UI_MOD_SHIFT) ? redo() : undo();
            return true;
        }
        if ((e->mods & UI_MOD_CTRL) && e->key == KEY_Y) {
            redo();
            return true;
        }
        return false;
    case UI_EV_POINTER_DOWN: {
        finish_note();          /* a click anywhere ends the note being typed */
        if (!in_canvas(e->x, e->y))
            return false;
        if (tool == TOOL_TEXT) {
            /* The click is the note's top left; its point is where the baseline starts. */
            struct stroke *s = doc_begin(&doc, TOOL_TEXT, colour, width);
            if (!s || stroke_add(s, x, y + (float)ui_font_ascent(note_font)) < 0) {
                status("Out of memory");
                return true;
            }
            typing = true;
            damage_canvas();
            return true;
        }
        struct stroke *s = doc_begin(&doc, tool, tool == TOOL_ERASER ? PAPER : colour,
                                     tool == TOOL_ERASER ? width * 3 : width);
        if (!s || stroke_add(s, x, y) < 0) {
            status("Out of memory");
            return true;
        }
        drawing = true;
        if (tool == TOOL_PEN || tool == TOOL_ERASER) {
            pixman_image_composite32(PIXMAN_OP_SRC, paper, NULL, under, 0, 0, 0, 0, 0, 0,
                                     pixman_image_get_width(paper), pixman_image_get_height(paper));
            draw_stroke(paper, s, 0, 0);
        }
        damage_stroke(s, 0);
        return true;
    }
    case UI_EV_POINTER_MOVE: {
        if (!drawing)
            return false;
        struct stroke *s = &doc.strokes[doc.count - 1];
        bool path = s->tool == TOOL_PEN || s->tool == TOOL_ERASER;
        if (!path)
            damage_stroke(s, 0);            /* where the shape was */
        if (stroke_add(s, x, y) < 0)
            return true;
        if (path) {
            /* The new end again over what was under it, joint included. */
            struct ui_rect b = part_bounds(s, s->npts - 1);
            pixman_image_composite32(PIXMAN_OP_SRC, under, NULL, paper, b.x, b.y, 0, 0, b.x, b.y,
                                     b.w, b.h);
            draw_stroke_part(paper, s, b.x, b.y, b.w, b.h, 0, 0);
        }
        damage_stroke(s, path ? s->npts - 1 : 0);
        return true;
    }
    case UI_EV_POINTER_UP:
        if (!drawing)
            return false;
        stroke_add(&doc.strokes[doc.count - 1], x, y);
        finish_stroke();
        return true;
    case UI_EV_FOCUS_OUT:
    case UI_EV_POINTER_LEAVE:
        if (drawing)
            finish_stroke();
        return false;
    default:
        return false;
    }
}

/* ---- PNG files ------------------------------------------------------------------ */

static const char *file_path(char *buf, size_t n)
{
    const char *p = path_w->text.buf && path_w->text.len ? path_w->text.buf : "~/drawing.png";
    const char *home = getenv("HOME");
    if (p[0] == '~' && p[1] == '/')
        snprintf(buf, n, "%s%s", home && *home ? home : "", p + 1);
    else
        snprintf(buf, n, "%s", p);
    return buf;
}

/* Written beside the file and renamed over it, so a reader never sees half a PNG. */
static void save(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char path[512], tmp[530];
    file_path(path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)pixman_image_get_width(paper);
    img.height = (png_uint_32)pixman_image_get_height(paper);
    img.format = PNG_FORMAT_BGRA;       /* a8r8g8b8 in little-endian memory */
    int ok = png_image_write_to_file(&img, tmp, 0, pixman_image_get_data(paper),
                                     pixman_image_get_stride(paper), NULL);
    if (ok && rename(tmp, path) != 0) {
        snprintf(img.message, sizeof(img.message), "%s", strerror(errno));
        unlink(tmp);
        ok = 0;
    }
    png_image_free(&img);
    if (!ok) {
        status("Could not save %s: %s", path, img.message);
        printf("SAVE-FAILED %s: %s\n", path, img.message);
    } else {
        status("Saved %s", path);
        printf("SAVED %s\n", path);
    }
    fflush(stdout);
}

/* The picture becomes the paper's background (drawn from its top left corner,
 * cut to the paper); the strokes before it are forgotten. */
static int open_png(const char *path, bool quiet_if_missing)
{
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        if (quiet_if_missing && access(path, F_OK) != 0)
            return 0;
        status("Could not open %s: %s", path, img.message);
        printf("OPEN-FAILED %s: %s\n", path, img.message);
        png_image_free(&img);
        return -1;
    }
    img.format = PNG_FORMAT_BGRA;
    size_t stride = (size_t)img.width * 4;
    uint32_t *px = img.width && img.height < (64u << 20) / stride ? malloc(stride * img.height) : NULL;
    pixman_image_t *pic = NULL;
    if (!px || !png_image_finish_read(&img, NULL, px, (png_int_32)stride, NULL) ||
        !(pic = pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)img.width, (int)img.height, px,
                                         (int)stride))) {
        status("Could not open %s: %s", path, px ? img.message : "too large");
        printf("OPEN-FAILED %s: %s\n", path, px ? img.message : "too large");
        png_image_free(&img);
        free(px);
        return -1;
    }
    int w = pixman_image_get_width(base), h = pixman_image_get_height(base);
    ui_fill_rect(base, (struct ui_rect){ 0, 0, w, h }, PAPER);
    pixman_image_composite32(PIXMAN_OP_OVER, pic, NULL, base, 0, 0, 0, 0, 0, 0, w, h);
    pixman_image_unref(pic);
    free(px);
    doc_clear(&doc);
    rerender();
    status("Opened %s (%ux%u)", path, img.width, img.height);
    printf("OPENED %s %ux%u\n", path, img.width, img.height);
    fflush(stdout);
    return 0;
}

static void open_clicked(struct ui_widget *w, void *ctx)
{
    (void)w, (void)ctx;
    char path[512];
    open_png(file_path(path, sizeof(path)), false);
}

/* ---- The window ---------------------------------------------------------------- */

static void draw_choice(struct ui_widget *w, pixman_image_t *dst)
{
    struct choice *c = w->ctx;
    struct ui_rect r = w->box.rect;
    if (c->kind == 1)
        ui_fill_round_rect(dst, (struct ui_rect){ r.x + 8, r.y + r.h - 8, r.w - 16, 4 }, 2, c->value);
    if (w->state & UI_STATE_CHECKED)
        ui_stroke_round_rect(dst, r, 8, 2, 0xffe6e9f2u);
}

static void choose(struct ui_widget *w, void *ctx)
{
    struct choice *c = ctx;
    (void)w;
    finish_note();
    if (c->kind == 0)
        tool = (enum tool)c->value;
    else if (c->kind == 1)
        colour = c->value;
    else
        width = (float)c->value;
    for (int i = 0; i < NCHOICES; i++) {
        struct ui_widget *o = choices[i].w;
        if (choices[i].kind != c->kind)
            continue;
        unsigned st = &choices[i] == c ? o->state | UI_STATE_CHECKED : o->state & ~UI_STATE_CHECKED;
        if (st != o->state) {
            o->state = st;
            ui_damage(&win.ui, o->box.rect);
        }
    }
    tree_changed = true;
}

static struct ui_widget *row(struct ui_widget *root)
{
    struct ui_widget *p = ui_add(root, UI_ROLE_PANEL, "");
    if (p) {
        p->box.dir = UI_ROW;
        p->box.align = UI_ALIGN_CENTER;
        p->box.padding = 6;
        p->box.spacing = 6;
    }
    return p;
}

static struct ui_widget *button(struct ui_widget *parent, const char *label,
                                void (*fn)(struct ui_widget *, void *), void *ctx)
{
    struct ui_widget *b = ui_add(parent, UI_ROLE_BUTTON, label);
    if (b) {
        b->on_change = fn;
        b->ctx = ctx;
    }
    return b;
}

static void undo_clicked(struct ui_widget *w, void *ctx) { (void)w, (void)ctx; undo(); }
static void redo_clicked(struct ui_widget *w, void *ctx) { (void)w, (void)ctx; redo(); }

static int build(const char *path)
{
    struct ui_widget *root = &win.ui.root;
    root->box.padding = 10;
    root->box.align = UI_ALIGN_STRETCH;
    root->box.spacing = 8;
    struct ui_widget *tools = row(root), *styles = row(root);
    if (!tools || !styles)
        return -1;
    for (int i = 0; i < NCHOICES; i++) {
        struct ui_widget *b = button(choices[i].kind == 0 ? tools : styles, choices[i].label,
                                     choose, &choices[i]);
        if (!b)
            return -1;
        b->draw = draw_choice;
        choices[i].w = b;
    }
    if (!button(tools, "Undo", undo_clicked, NULL) || !button(tools, "Redo", redo_clicked, NULL))
        return -1;
    canvas_w = ui_add(root, UI_ROLE_PANEL, "Canvas");
    struct ui_widget *files = row(root);
    if (!canvas_w || !files)
        return -1;
    canvas_w->box.flex = 1;
    canvas_w->draw = draw_canvas;
    path_w = ui_add(files, UI_ROLE_TEXT_FIELD, "File");
    if (!path_w || !button(files, "Open", open_clicked, NULL) || !button(files, "Save", save, NULL))
        return -1;
    path_w->box.flex = 1;
    ui_text_set(&path_w->text, path);
    status_w = ui_add(root, UI_ROLE_LABEL, "Draw with the mouse");
    if (!status_w)
        return -1;
    for (int i = 0; i < NCHOICES; i++)
        if (choices[i].value == (choices[i].kind == 0 ? (unsigned)tool : choices[i].kind == 1 ? colour
                                                                     : (unsigned)width))
            choose(choices[i].w, &choices[i]);
    ui_semantics(&win.ui, NULL, 0);     /* lays the window out: the paper takes the canvas's size */
    struct ui_rect r = canvas_w->box.rect;
    base = white_image(r.w, r.h);
    paper = white_image(r.w, r.h);
    under = white_image(r.w, r.h);
    if (!base || !paper || !under)
        return -1;
    win.ui.event_hook = on_event;
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "~/drawing.png";
    int x = argc > 3 ? atoi(argv[2]) : 120, y = argc > 3 ? atoi(argv[3]) : 70;
    struct ui_font *font = ui_font_open(FONT, 15);
    note_font = ui_font_open(FONT, 22);
    if (!font || !note_font) {
        perror("canvas: " FONT);
        return 1;
    }
    if (ui_surface_open(&win, WIN_W, WIN_H, x, y, "Canvas", font) < 0) {
        perror("canvas: /dev/compositor");
        return 1;
    }
    doc_init(&doc);
    draw_set_note_font(note_font);
    if (build(path) < 0) {
        fprintf(stderr, "canvas: out of memory\n");
        return 1;
    }
    char full[512];
    open_png(file_path(full, sizeof(full)), true);
    bool ready = false;
    for (;;) {
        if (ui_surface_dispatch(&win, -1) != 0)
            break;
        if (!win.frame_pending && !win.ui.damaged && (!ready || tree_changed)) {
            tree_changed = false;
            print_semantics();          /* the tree first: a test reads it at the line */
            if (!ready) {
                printf("[canvas] ready\n");
                fflush(stdout);
                ready = true;
            }
            fflush(stdout);
        }
    }
    ui_surface_close(&win);
    ui_font_close(font);
    ui_font_close(note_font);
    doc_free(&doc);
    return 0;
}
