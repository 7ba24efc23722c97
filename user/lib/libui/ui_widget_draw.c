/* libui's look (the boot splash's dark navy with cyan-to-violet accents): painting
 * each widget role, repainting only the damaged rectangle, and the semantics tree. */
#include "ui.h"
#include "ui_private.h"
#include "ui_palette.h"

#include <pixman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BG          0xff0f1629u
#define PANEL       0xff16203au
#define CONTROL     0xff1f2a48u
#define TEXT_DIM    0xff7c87a6u
#define FIELD_PAD 8
#define TREE_TEXT_MAX 2048      /* a text area's value in the semantics tree */

static bool overlaps(struct ui_rect a, struct ui_rect b)
{
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* Restricts drawing to r within the damage, so text and shapes never spill. */
static void clip_to(struct ui_window *win, struct ui_rect r)
{
    pixman_region32_t a, b;
    pixman_region32_init_rect(&a, win->damage.x, win->damage.y, (unsigned)win->damage.w,
                              (unsigned)win->damage.h);
    pixman_region32_init_rect(&b, r.x, r.y, (unsigned)(r.w > 0 ? r.w : 0), (unsigned)(r.h > 0 ? r.h : 0));
    pixman_region32_intersect(&a, &a, &b);
    pixman_image_set_clip_region32(win->target, &a);
    pixman_region32_fini(&a);
    pixman_region32_fini(&b);
}

void ui_clip(struct ui_window *win, struct ui_rect r) { clip_to(win, r); }

static void text_at(struct ui_window *win, const char *s, int x, struct ui_rect r, unsigned argb)
{
    if (!win->font || !*s)
        return;
    int asc = ui_font_ascent(win->font), desc = ui_font_descent(win->font);
    int baseline = r.y + (r.h - asc - desc) / 2 + asc;
    ui_font_draw(win->font, win->target, (long)x * 64, baseline, s, strlen(s), argb);
}

static int text_width(struct ui_window *win, const char *s)
{
    return win->font ? (int)(ui_font_measure(win->font, s, strlen(s)) >> 6) : 0;
}

static void draw_field(struct ui_window *win, struct ui_widget *w, struct ui_rect r)
{
    bool focused = w->state & UI_STATE_FOCUSED;
    ui_fill_round_rect(win->target, r, 6, FIELD);
    ui_stroke_round_rect(win->target, r, 6, focused ? 2 : 1, focused ? CYAN : EDGE);
    const char *s = w->text.buf ? w->text.buf : "";
    int x0 = r.x + ui_px(win, FIELD_PAD);
    size_t start, end;
    ui_text_selection(&w->text, &start, &end);
    if (win->font && start != end) {
        int sx = x0 + (int)(ui_font_measure(win->font, s, start) >> 6);
        int ex = x0 + (int)(ui_font_measure(win->font, s, end) >> 6);
        ui_fill_rect(win->target, (struct ui_rect){ sx, r.y + 4, ex - sx, r.h - 8 }, SELECTION);
    }
    if (*s)
        text_at(win, s, x0, r, TEXT);
    else if (!focused)
        text_at(win, w->label, x0, r, TEXT_DIM);       /* the placeholder */
    if (focused && win->font) {
        int cx = x0 + (int)(ui_font_measure(win->font, s, w->text.cursor) >> 6);
        ui_fill_rect(win->target, (struct ui_rect){ cx, r.y + 5, 2, r.h - 10 }, CYAN);
    }
}

/* An app tile: its accent as a gradient square (lighter while hovered, the
 * accent's violet end while pressed), its icon or else the name's initial large
 * in it, the name below. */
static void draw_tile(struct ui_window *win, struct ui_widget *w, struct ui_rect r)
{
    unsigned accent = 0xff000000u | (unsigned)w->value;
    /* Hover lifts the accent halfway to white. */
    unsigned lit = 0xff000000u | (((accent & 0xfefefe) >> 1) + 0x7f7f7f);
    int side = ui_px(win, 112), round = ui_px(win, 22);
    struct ui_rect sq = { r.x + (r.w - side) / 2, r.y, side, side };
    ui_fill_gradient(win->target, sq, round, (w->state & UI_STATE_HOVER) ? lit : accent,
                     (w->state & UI_STATE_PRESSED) ? accent : VIOLET);
    if (w->state & UI_STATE_FOCUSED)
        ui_stroke_round_rect(win->target, sq, round, ui_px(win, 3), TEXT);
    struct ui_rect name = { r.x, r.y + side + ui_px(win, 4), r.w, r.h - side - ui_px(win, 4) };
    text_at(win, w->label, r.x + (r.w - text_width(win, w->label)) / 2, name, TEXT);
    if (w->image) {
        /* The icon in the middle of the square, its proportions kept. */
        int inset = ui_px(win, 20);
        struct ui_rect box = { sq.x + inset, sq.y + inset, side - 2 * inset, side - 2 * inset };
        ui_draw_image(win->target, ui_image_fit(box, pixman_image_get_width(w->image),
                                                pixman_image_get_height(w->image)), w->image);
        return;
    }
    char initial[5] = { 0 };
    size_t next;
    ui_utf8_decode(w->label, 0, &next);
    memcpy(initial, w->label, next < 4 ? next : 4);
    if (win->font) {
        /* The initial at three times the text size, drawn by scaling the glyph
         * run through a temporary image: the window has one font. */
        int lh = ui_font_line_height(win->font);
        pixman_image_t *tmp = pixman_image_create_bits(PIXMAN_a8r8g8b8, 3 * lh, lh, NULL, 0);
        if (tmp) {
            long adv = ui_font_draw(win->font, tmp, 0, ui_font_ascent(win->font), initial,
                                    strlen(initial), 0xffffffffu);
            int gw = (int)(adv >> 6);
            ui_draw_image(win->target, (struct ui_rect){ sq.x + side / 2 - gw * 3 / 2, sq.y + side / 2 - lh * 3 / 2,
                                                         3 * 3 * lh, 3 * lh }, tmp);
            pixman_image_unref(tmp);
        }
    }
}

static void draw_widget(struct ui_window *win, struct ui_widget *w)
{
    struct ui_rect r = w->box.rect;
    unsigned st = w->state;
    bool off = st & UI_STATE_DISABLED;
    switch (w->role) {
    case UI_ROLE_WINDOW:
        ui_fill_rect(win->target, r, BG);
        break;
    case UI_ROLE_PANEL:
        ui_fill_round_rect(win->target, r, 10, PANEL);
        break;
    case UI_ROLE_LABEL:
        text_at(win, w->label, r.x, r, off ? TEXT_DIM : TEXT);
        break;
    case UI_ROLE_BUTTON:
        if ((st & UI_STATE_PRESSED) && !off)
            ui_fill_gradient(win->target, r, 8, CYAN, VIOLET);
        else
            ui_fill_round_rect(win->target, r, 8, (st & UI_STATE_HOVER) && !off ? CONTROL_HI : CONTROL);
        if (st & UI_STATE_FOCUSED)
            ui_stroke_round_rect(win->target, r, 8, 2, CYAN);
        text_at(win, w->label, r.x + (r.w - text_width(win, w->label)) / 2, r, off ? TEXT_DIM : TEXT);
        break;
    case UI_ROLE_TEXT_FIELD:
        draw_field(win, w, r);
        break;
    case UI_ROLE_TOGGLE: {
        int tw = ui_px(win, 44), th = ui_px(win, 24), knob = ui_px(win, 20), in = (th - knob) / 2;
        struct ui_rect track = { r.x + r.w - tw, r.y + (r.h - th) / 2, tw, th };
        text_at(win, w->label, r.x, r, off ? TEXT_DIM : TEXT);
        if (w->value)
            ui_fill_gradient(win->target, track, th / 2, CYAN, VIOLET);
        else
            ui_fill_round_rect(win->target, track, th / 2, CONTROL_HI);
        if (st & UI_STATE_FOCUSED)
            ui_stroke_round_rect(win->target, track, th / 2, 2, TEXT);
        int kx = w->value ? track.x + tw - knob - in : track.x + in;
        ui_fill_round_rect(win->target, (struct ui_rect){ kx, track.y + in, knob, knob }, knob / 2, TEXT);
        break;
    }
    case UI_ROLE_SLIDER: {
        int k = ui_px(win, 16), t = ui_px(win, 4);
        int span = r.w - k, range = w->max - w->min > 0 ? w->max - w->min : 1;
        int kx = r.x + (int)((long)(w->value - w->min) * span / range);
        struct ui_rect track = { r.x + k / 2, r.y + (r.h - t) / 2, span, t };
        ui_fill_round_rect(win->target, track, t / 2, CONTROL_HI);
        ui_fill_gradient(win->target, (struct ui_rect){ track.x, track.y, kx - r.x, t }, t / 2, CYAN, VIOLET);
        ui_fill_round_rect(win->target, (struct ui_rect){ kx, r.y + (r.h - k) / 2, k, k }, k / 2,
                           (st & UI_STATE_FOCUSED) ? CYAN : TEXT);
        break;
    }
    case UI_ROLE_PROGRESS: {
        int range = w->max - w->min > 0 ? w->max - w->min : 1;
        ui_fill_round_rect(win->target, r, r.h / 2, CONTROL_HI);
        ui_fill_gradient(win->target, (struct ui_rect){ r.x, r.y, (int)((long)(w->value - w->min) * r.w / range), r.h },
                         r.h / 2, CYAN, VIOLET);
        break;
    }
    case UI_ROLE_LIST:
        ui_list_paint(win, w, r);
        break;
    case UI_ROLE_DIALOG:
        if (!w->parent) {
            ui_fill_round_rect(win->target, r, 12, BG);
            ui_stroke_round_rect(win->target, r, 12, 2, CYAN);
        }
        break;
    case UI_ROLE_ROW:
        break;
    case UI_ROLE_TILE:
        draw_tile(win, w, r);
        break;
    case UI_ROLE_IMAGE:
        if (w->image)
            ui_draw_image(win->target, ui_image_fit(r, pixman_image_get_width(w->image),
                                                   pixman_image_get_height(w->image)), w->image);
        break;
    case UI_ROLE_MENU:
    case UI_ROLE_MENUITEM:
    case UI_ROLE_SEPARATOR:
        ui_menu_draw(win, w, r);
        break;
    case UI_ROLE_TABS:
    case UI_ROLE_CELL:
        break;
    case UI_ROLE_TAB:
        ui_tab_draw(win, w, r);
        break;
    case UI_ROLE_TEXT_AREA:
        ui_textarea_draw(win, w, r);
        break;
    case UI_ROLE_GRID:
        ui_grid_draw(win, w, r);
        break;
    }
}

static void paint_tree(struct ui_window *win, struct ui_widget *w)
{
    if (w->box.hidden || !overlaps(w->box.rect, win->damage))
        return;
    clip_to(win, w->box.rect);
    draw_widget(win, w);
    if (w->draw)
        w->draw(w, win->target);
    if (w->paint)
        w->paint(w, w->box.rect, w->ctx);
    w->dirty = false;
    for (struct ui_box *c = w->box.first_child; c; c = c->next_sibling)
        paint_tree(win, (struct ui_widget *)c);
}

/* A layout change can move anything: it damages the whole window. */
static void layout_if_needed(struct ui_window *win)
{
    if (!win->needs_layout)
        return;
    ui_layout(&win->root.box, (struct ui_rect){ 0, 0, win->w, win->h });
    ui_dialog_layout(win);
    ui_menu_layout(win);
    win->needs_layout = false;
    win->damage = (struct ui_rect){ 0, 0, win->w, win->h };
    win->damaged = true;
}

bool ui_window_paint(struct ui_window *win, struct ui_rect *damage)
{
    ui_dialog_free_closed(win);
    layout_if_needed(win);
    if (!win->damaged)
        return false;
    /* Widgets paint over their parents, so the whole stack under the damage is
     * redrawn, back to front, clipped to it. */
    paint_tree(win, &win->root);
    if (win->modal) {
        /* The window dims under the dialog; the same dim over the same pixels
         * keeps partial repaints seamless. */
        clip_to(win, (struct ui_rect){ 0, 0, win->w, win->h });
        ui_fill_rect(win->target, win->damage, 0x99050810u);
        paint_tree(win, win->modal);
    }
    if (win->menu && overlaps(win->menu->box.rect, win->damage)) {
        /* A soft shadow below and right of the menu, then the menu. */
        struct ui_rect m = win->menu->box.rect;
        clip_to(win, (struct ui_rect){ 0, 0, win->w, win->h });
        ui_fill_round_rect(win->target, (struct ui_rect){ m.x + 2, m.y + 4, m.w + 4, m.h + 4 }, 12, 0x50000000u);
        paint_tree(win, win->menu);
    }
    pixman_image_set_clip_region32(win->target, NULL);
    *damage = win->damage;
    win->damaged = false;
    return true;
}

static const char *role_name(enum ui_role r)
{
    static const char *const names[] = {
        [UI_ROLE_WINDOW] = "window", [UI_ROLE_PANEL] = "panel", [UI_ROLE_LABEL] = "label",
        [UI_ROLE_BUTTON] = "button", [UI_ROLE_TEXT_FIELD] = "text_field",
        [UI_ROLE_TOGGLE] = "toggle", [UI_ROLE_SLIDER] = "slider", [UI_ROLE_LIST] = "list",
        [UI_ROLE_PROGRESS] = "progress", [UI_ROLE_TILE] = "tile",
        [UI_ROLE_DIALOG] = "dialog", [UI_ROLE_ROW] = "row", [UI_ROLE_IMAGE] = "image",
        [UI_ROLE_MENU] = "menu", [UI_ROLE_MENUITEM] = "menuitem",
        [UI_ROLE_SEPARATOR] = "separator", [UI_ROLE_TABS] = "tabs", [UI_ROLE_TAB] = "tab",
        [UI_ROLE_TEXT_AREA] = "text_area", [UI_ROLE_GRID] = "grid", [UI_ROLE_CELL] = "cell",
    };
    return names[r];
}

/* Appends s to buf with quotes and backslash escapes so one line stays one line. */
static size_t put_quoted(char *buf, size_t n, size_t at, const char *s)
{
    at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *fmt = c == '"' || c == '\\' ? "\\%c" : c < 0x20 ? "\\x%02x" : "%c";
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, fmt, c);
    }
    return at + (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "\"");
}

static size_t dump(struct ui_widget *w, int depth, char *buf, size_t n, size_t at)
{
    if (w->box.hidden)
        return at;
    struct ui_rect r = w->box.rect;
    at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "%d %u %s ", depth,
                           w->id, role_name(w->role));
    at = put_quoted(buf, n, at, w->label);
    if (w->role == UI_ROLE_TEXT_AREA && w->text.len > TREE_TEXT_MAX) {
        /* A long text's head only: the rest of the tree must still fit. */
        char cut[TREE_TEXT_MAX + 4];
        size_t k = TREE_TEXT_MAX;
        while (k && ((unsigned char)w->text.buf[k] & 0xc0) == 0x80)
            k--;
        memcpy(cut, w->text.buf, k);
        memcpy(cut + k, "\xe2\x80\xa6", 4);
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, " value=");
        at = put_quoted(buf, n, at, cut);
    } else if (w->role == UI_ROLE_TEXT_FIELD || w->role == UI_ROLE_TEXT_AREA || w->role == UI_ROLE_MENUITEM) {
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, " value=");
        at = put_quoted(buf, n, at, w->text.buf ? w->text.buf : "");
    } else if ((w->role == UI_ROLE_LIST || w->role == UI_ROLE_GRID) && w->value >= 0 &&
               w->value < w->nitems) {
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, " value=");
        at = put_quoted(buf, n, at, w->items[w->value]);
    } else {
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, " value=%d", w->value);
    }
    at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0,
                           " rect=%d,%d,%d,%d state=%u", r.x, r.y, r.w, r.h, w->state);
    if (w->image)
        at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, " image=%dx%d",
                               pixman_image_get_width(w->image), pixman_image_get_height(w->image));
    at += (size_t)snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "\n");
    if (w->role == UI_ROLE_LIST)
        at = ui_list_dump(w, depth + 1, buf, n, at, put_quoted);
    if (w->role == UI_ROLE_GRID)
        at = ui_grid_dump(w, depth + 1, buf, n, at, put_quoted);
    for (struct ui_box *c = w->box.first_child; c; c = c->next_sibling)
        at = dump((struct ui_widget *)c, depth + 1, buf, n, at);
    return at;
}

size_t ui_semantics(struct ui_window *win, char *buf, size_t n)
{
    layout_if_needed(win);
    if (n)
        buf[0] = 0;
    size_t at = dump(&win->root, 0, buf, n, 0);
    at = win->modal ? dump(win->modal, 1, buf, n, at) : at;
    return win->menu ? dump(win->menu, 1, buf, n, at) : at;
}

bool ui_semantics_wanted(void)
{
    const char *want = getenv("OSC_SEMANTICS");
    return want && !strcmp(want, "1");
}

void ui_print_semantics(struct ui_window *win, const char *tag)
{
    static char buf[65536];
    ui_semantics(win, buf, sizeof(buf));
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        printf("%s %s\n", tag, line);
    printf("%s-END\n", tag);
    fflush(stdout);
}
