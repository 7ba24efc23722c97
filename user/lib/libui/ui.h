/* libui, the toolkit every OSCortex app is written against. This header states
 * the parts that stand today: the text-editing model behind text fields and text
 * areas, and the box layout (rows and columns with padding, spacing, flex and
 * alignment). Both are pure logic, tested on the host (tests/host/test_ui_*.c);
 * drawing (FreeType and pixman, user/tests/gfxlibs.c) and surfaces build on them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* ---- Text editing ------------------------------------------------------------
 * A UTF-8 string with a cursor and a selection anchor, both byte offsets that
 * always sit on code point boundaries. The selection is the span between anchor
 * and cursor (empty when they are equal). Every edit that inserts text replaces
 * the selection, as text fields do. */
struct ui_text {
    char *buf;          /* NUL-terminated */
    size_t len, cap;
    size_t cursor, anchor;
    size_t max_len;     /* 0: unlimited; inserts that would pass it are refused */
};

enum ui_move {
    UI_MOVE_LEFT, UI_MOVE_RIGHT,            /* one code point */
    UI_MOVE_WORD_LEFT, UI_MOVE_WORD_RIGHT,  /* to the start of the word before / after */
    UI_MOVE_LINE_START, UI_MOVE_LINE_END,   /* Home / End: within the current line */
    UI_MOVE_DOC_START, UI_MOVE_DOC_END,
};

void ui_text_init(struct ui_text *t, size_t max_len);
void ui_text_free(struct ui_text *t);
/* Replaces the whole text; the cursor goes to its end. -1 on invalid UTF-8, a
 * length past max_len, or no memory (the text is then unchanged). */
int ui_text_set(struct ui_text *t, const char *s);
/* Inserts s (n bytes) at the cursor, replacing the selection. Same errors. */
int ui_text_insert(struct ui_text *t, const char *s, size_t n);
/* Backspace and Delete: remove the selection, or else one code point before /
 * after the cursor. Return false when there was nothing to delete. */
bool ui_text_delete_back(struct ui_text *t);
bool ui_text_delete_forward(struct ui_text *t);
/* Moves the cursor; extend keeps the anchor (Shift+arrow), otherwise a move
 * with a selection collapses it first (Left/Right to its near edge). */
void ui_text_move(struct ui_text *t, enum ui_move m, bool extend);
void ui_text_select_all(struct ui_text *t);
/* Sets cursor and anchor from byte offsets (a mouse selection), each snapped
 * back to a code point boundary and clamped to the text. */
void ui_text_select(struct ui_text *t, size_t anchor, size_t cursor);
void ui_text_selection(const struct ui_text *t, size_t *start, size_t *end);
/* The selected text as a new NUL-terminated string (copy), or NULL when the
 * selection is empty or on no memory. Cut = copy then ui_text_delete_back. */
char *ui_text_copy_selection(const struct ui_text *t);

/* Validates UTF-8 as Linux's and Unicode's rules have it: no overlongs, no
 * surrogates, nothing above U+10FFFF. */
bool ui_utf8_valid(const char *s, size_t n);
/* Decodes the code point at s[i] (valid UTF-8 assumed); *next gets the offset after it. */
unsigned ui_utf8_decode(const char *s, size_t i, size_t *next);

/* ---- Layout ------------------------------------------------------------------
 * A box is a widget's rectangle in a tree. A container lays its children out in
 * a row or a column: each child gets its preferred size along the main axis plus
 * a share of the spare space by its flex weight; on the cross axis it is aligned
 * or stretched. When the space is short, flexible children shrink first (down
 * to their minimum), then the rest. */
enum ui_dir { UI_ROW, UI_COLUMN };
enum ui_align { UI_ALIGN_START, UI_ALIGN_CENTER, UI_ALIGN_END, UI_ALIGN_STRETCH };

struct ui_rect { int x, y, w, h; };

struct ui_box {
    enum ui_dir dir;
    enum ui_align align;        /* children's cross-axis alignment */
    int padding, spacing;
    int pref_w, pref_h;         /* a leaf's preferred (content) size */
    int min_w, min_h;           /* never smaller than this */
    int flex;                   /* share of the spare main-axis space; 0: none */
    bool hidden;                /* takes no space */
    struct ui_box *first_child, *next_sibling;
    struct ui_rect rect;        /* the result of ui_layout */
};

void ui_box_add(struct ui_box *parent, struct ui_box *child);
/* The size a box asks for: a leaf's preferred size, a container's from its
 * children (never below min). */
void ui_box_measure(const struct ui_box *b, int *w, int *h);
/* Places b and all its descendants inside r. */
void ui_layout(struct ui_box *b, struct ui_rect r);
/* The deepest visible box containing (x, y), or NULL: pointer hit testing. */
struct ui_box *ui_box_at(struct ui_box *b, int x, int y);

/* ---- Text rendering ----------------------------------------------------------
 * Fonts are FreeType faces at one pixel size with a glyph cache. Pen positions
 * are in 1/64 pixel (26.6) so glyphs sit at their true fractional positions
 * (subpixel positioning: each glyph is rendered at the quarter-pixel phase it
 * lands on) and pairs are kerned. Drawing composites the cached coverage masks
 * with pixman, so text is anti-aliased over whatever is beneath it. */
typedef union pixman_image pixman_image_t;
struct ui_font;

/* Opens the font file at a pixel size; NULL (errno set) when it cannot be read. */
struct ui_font *ui_font_open(const char *path, int px);
void ui_font_close(struct ui_font *f);
/* Line metrics in whole pixels: ascent above the baseline, descent below it
 * (positive), and the distance between baselines. */
int ui_font_ascent(const struct ui_font *f);
int ui_font_descent(const struct ui_font *f);
int ui_font_line_height(const struct ui_font *f);
/* The advance of s (n bytes of UTF-8) in 26.6 pixels, kerning included. */
long ui_font_measure(struct ui_font *f, const char *s, size_t n);
/* The byte offset whose caret position is nearest to x (26.6, from the start of
 * the text): where a click in a text field puts the cursor. */
size_t ui_font_offset_at(struct ui_font *f, const char *s, size_t n, long x);
/* Draws s with its baseline's left end at (x, y), x in 26.6 pixels, in colour
 * 0xAARRGGBB. Returns the pen's end x (26.6). */
long ui_font_draw(struct ui_font *f, pixman_image_t *dst, long x, int y,
                  const char *s, size_t n, unsigned argb);

/* ---- Painting ----------------------------------------------------------------
 * Shapes drawn anti-aliased with pixman onto a target image (a window's surface
 * or any a8r8g8b8/x8r8g8b8 image), clipped to it. Colours are 0xAARRGGBB, not
 * premultiplied; alpha below 0xff blends over what is there. */
void ui_fill_rect(pixman_image_t *dst, struct ui_rect r, unsigned argb);
/* A rectangle with circular corners of radius (clamped to half the shorter side). */
void ui_fill_round_rect(pixman_image_t *dst, struct ui_rect r, int radius, unsigned argb);
/* A rounded outline `width` pixels wide inside r. */
void ui_stroke_round_rect(pixman_image_t *dst, struct ui_rect r, int radius, int width,
                          unsigned argb);
/* A horizontal gradient from `from` at the left edge to `to` at the right, with
 * rounded corners (radius 0 for square). */
void ui_fill_gradient(pixman_image_t *dst, struct ui_rect r, int radius, unsigned from,
                      unsigned to);
/* Draws src scaled to r with bilinear filtering (icons and images). */
void ui_draw_image(pixman_image_t *dst, struct ui_rect r, pixman_image_t *src);

/* ---- Widgets and windows -------------------------------------------------------
 * A window holds a retained tree of widgets, each a box in the layout. Input
 * events go in (pointer to the widget under it, keys to the focused one); the
 * widgets change state and call their on_change; painting redraws only the
 * rectangle the changes touched and reports it as the damage to present. Every
 * widget is published in the semantics tree (role, label, value, rectangle,
 * state) that tests and accessibility tools read. */
enum ui_role {
    UI_ROLE_WINDOW, UI_ROLE_PANEL, UI_ROLE_LABEL, UI_ROLE_BUTTON, UI_ROLE_TEXT_FIELD,
    UI_ROLE_TOGGLE, UI_ROLE_SLIDER, UI_ROLE_LIST, UI_ROLE_PROGRESS,
    UI_ROLE_TILE,       /* an app tile: a square in its accent (value = 0xRRGGBB) with
                           its icon (ui_set_image) or else its initial large, its
                           name below; activates like a button */
    UI_ROLE_DIALOG,     /* a modal dialog over the window (ui_dialog.c) */
    UI_ROLE_ROW,        /* a list's visible row, in the semantics tree only */
    UI_ROLE_IMAGE,      /* shows its image (ui_set_image) fitted to its box */
    /* Menus, tabs, text areas and grids (ui_menu.c, ui_tabs.c, ui_textarea.c, ui_grid.c) */
    UI_ROLE_MENU,       /* a popup menu over the window, a column of items */
    UI_ROLE_MENUITEM,   /* its items (label, shortcut text as the value) */
    UI_ROLE_SEPARATOR,  /* a line between a menu's groups */
    UI_ROLE_TABS,       /* a tab bar over pages: value = the selected tab */
    UI_ROLE_TAB,        /* a tab, CHECKED when selected */
    UI_ROLE_TEXT_AREA,  /* multi-line text editing */
    UI_ROLE_GRID,       /* items as cells in rows and columns (icons) */
    UI_ROLE_CELL,       /* a grid's visible cell, in the semantics tree only */
};

enum {
    UI_STATE_HOVER = 1, UI_STATE_PRESSED = 2, UI_STATE_FOCUSED = 4,
    UI_STATE_DISABLED = 8, UI_STATE_CHECKED = 16,
};

/* Cursor shapes a window asks the compositor for (SPEC's cursor_shape_set). */
/* The numbers are the call's (OSC_CURSOR_* in osc_compositor.h). */
enum ui_cursor { UI_CURSOR_ARROW, UI_CURSOR_IBEAM, UI_CURSOR_HAND, UI_CURSOR_FORBIDDEN,
                 UI_CURSOR_GRAB, UI_CURSOR_RESIZE_H, UI_CURSOR_RESIZE_V, UI_CURSOR_HIDDEN };

struct ui_window;

struct ui_widget {
    struct ui_box box;              /* first member: boxes map back to widgets */
    enum ui_role role;
    unsigned id;                    /* stable within the window */
    unsigned state;
    char label[64];
    int value, min, max;            /* toggle 0/1, slider, progress, list selection */
    struct ui_text text;            /* text fields */
    const char *const *items;       /* list rows (not copied) */
    int nitems, first_row;
    void (*on_change)(struct ui_widget *w, void *ctx);
    void *ctx;
    struct ui_widget *parent;
    struct ui_window *win;
    bool dirty;
    /* An app's own drawing over the role's look (a drawing area, a marker on
     * a tool button), called while painting with the target clipped to the
     * widget's rectangle within the damage; NULL for none. */
    void (*draw)(struct ui_widget *w, pixman_image_t *dst);
    /* Lists (ui_list.c): an app's row painter (icons, columns) instead of the
     * item's text; on_activate is Enter or a double-click on a row (and Enter in
     * a text field). */
    void (*draw_row)(struct ui_widget *w, int row, struct ui_rect r, bool selected, void *ctx);
    void (*on_activate)(struct ui_widget *w, void *ctx);
    long last_click_ms;
    int last_click_row;
    /* An app's own painting over the widget's (an image, a chart), clipped to
     * the widget and the damage. */
    void (*paint)(struct ui_widget *w, struct ui_rect r, void *ctx);
    /* An image widget's picture, a tile's icon (a reference: ui_set_image). */
    pixman_image_t *image;
    /* ---- Menus, tabs, text areas, grids ----
     * on_context: a right click on the widget or anything inside it (the
     * deepest widget with one is called), x and y window-local; a list selects
     * the row under the pointer first (ui_list_row_at tells empty space). The
     * Menu key or Shift+F10 calls it for the focused widget at its selected
     * row (lists) or its middle. */
    void (*on_context)(struct ui_widget *w, int x, int y, void *ctx);
    int open_x, open_y;         /* a menu: the point it opened at */
    int scroll_x, scroll_y;     /* a text area: pixels scrolled */
    int goal_x;                 /* a text area: the x Up/Down keep; -1: none */
    int cell_w, cell_h;         /* a grid's cell size */
    struct ui_widget *page;     /* a tab: the page it shows */
    bool menu_pressed;          /* a menu: a button went down inside it */
};

enum ui_event_type {
    UI_EV_POINTER_MOVE, UI_EV_POINTER_DOWN, UI_EV_POINTER_UP, UI_EV_POINTER_LEAVE,
    UI_EV_WHEEL, UI_EV_KEY_DOWN, UI_EV_FOCUS_OUT,
};
enum { UI_MOD_SHIFT = 1, UI_MOD_CTRL = 2, UI_MOD_ALT = 4 };
enum { UI_BUTTON_LEFT = 0, UI_BUTTON_RIGHT = 1, UI_BUTTON_MIDDLE = 2 };

struct ui_event {
    enum ui_event_type type;
    int x, y;                       /* window-local pointer position */
    int wheel;                      /* rows, positive = content moves up (scroll down) */
    int wheel_x;                    /* columns (horizontal wheel), positive = content
                                       moves left (scroll right); the settings' direction
                                       and speed apply as to rows */
    int key;                        /* Linux key code (KEY_LEFT, ...) */
    int button;                     /* pointer down/up: UI_BUTTON_* (0: left) */
    unsigned mods;
    char text[8];                   /* the UTF-8 the key types, "" for none */
};

struct ui_window {
    struct ui_widget root;
    pixman_image_t *target;
    int w, h;
    struct ui_font *font;
    struct ui_widget *focus, *hover, *pressed;
    struct ui_rect damage;
    bool damaged, needs_layout;
    unsigned changes;               /* counts repaint requests */
    unsigned next_id;
    enum ui_cursor cursor;
    /* The clipboard, shared across apps by the platform; may be left NULL. */
    char *(*clipboard_get)(void *ctx);
    void (*clipboard_set)(void *ctx, const char *text);
    void *clipboard_ctx;
    /* Sees every event before the widgets; returning true consumes it (an
     * app's drawing area, its keyboard shortcuts); pointer down/up of every
     * button (ui_event.button). May be left NULL. */
    bool (*event_hook)(struct ui_window *win, const struct ui_event *e, void *ctx);
    void *event_ctx;
    /* The open dialog (ui_dialog.c): laid out centred over the root, the only
     * part that takes input; closed dialogs wait in `closed` to be freed at the
     * next paint (a dialog's own button may close it). */
    struct ui_widget *modal, *closed, *focus_before_modal;
    /* Sees every key first (an app's shortcuts); true when it took the key.
     * Escape closes an open dialog. */
    bool (*on_key)(struct ui_window *win, const struct ui_event *e);
    /* The open popup menu (ui_menu.c), over everything, dialogs included;
     * while open it takes every event. */
    struct ui_widget *menu;
    /* The scale factor in percent (100: 1x; ui_window_set_scale). */
    int scale;
};

/* Sets up a window drawing into target (w x h) with font for its text. */
void ui_window_init(struct ui_window *win, pixman_image_t *target, int w, int h,
                    struct ui_font *font);
/* Frees every widget (the target and font stay the caller's). */
void ui_window_destroy(struct ui_window *win);
/* Frees every widget and leaves an empty root, keeping the target, size, font
 * and hooks: for a window that builds itself again (the desktop, when the
 * screen's size changed). */
void ui_window_clear(struct ui_window *win);
/* Adds a widget under parent (a panel or the window's root) and sizes it for its
 * role and label; NULL on no memory. */
struct ui_widget *ui_add(struct ui_widget *parent, enum ui_role role, const char *label);
/* Changes that repaint: label, value, list rows, enabled. */
void ui_set_label(struct ui_widget *w, const char *label);
void ui_set_value(struct ui_widget *w, int value);
void ui_set_items(struct ui_widget *w, const char *const *items, int n);
void ui_set_enabled(struct ui_widget *w, bool on);
/* Feeds one input event; returns true when it changed something on screen. */
bool ui_window_event(struct ui_window *win, const struct ui_event *e);
/* Lays out if needed and repaints what changed; returns false when nothing did,
 * else true with *damage the rectangle to present. */
bool ui_window_paint(struct ui_window *win, struct ui_rect *damage);
/* The semantics tree as text, one widget per line, depth-first:
 *   <depth> <id> <role> "<label>" value=<v> rect=<x>,<y>,<w>,<h> state=<bits>
 * Returns the length it needed (as snprintf). */
size_t ui_semantics(struct ui_window *win, char *buf, size_t n);
/* For tests: whether OSC_SEMANTICS=1 is in the environment, and the tree printed
 * on stdout as "TAG <line>" lines and "TAG-END". */
bool ui_semantics_wanted(void);
void ui_print_semantics(struct ui_window *win, const char *tag);
/* Finds the first widget with this role and label (tests, accessibility). */
struct ui_widget *ui_find(struct ui_window *win, enum ui_role role, const char *label);

/* ---- Images (ui_image.c) ----------------------------------------------------- */
/* Reads a PNG into a new premultiplied a8r8g8b8 image (pixman_image_unref
 * frees it); NULL with *err: EINVAL when it is not a PNG libpng can read,
 * EFBIG past 8192 pixels a side, ENOMEM, or the error opening the file. */
pixman_image_t *ui_image_load_png(const char *path, int *err);
/* Gives w (an image widget or a tile) img to show, taking a reference (NULL:
 * none); an image widget's preferred size becomes the image's. */
void ui_set_image(struct ui_widget *w, pixman_image_t *img);
/* The largest rectangle with an iw x ih image's proportions centred in r. */
struct ui_rect ui_image_fit(struct ui_rect r, int iw, int ih);

/* Marks r (window coordinates) for repainting without a layout: part of a
 * widget whose draw hook shows something new. */
void ui_damage(struct ui_window *win, struct ui_rect r);
/* Replaces a text field's text (cursor at its end, all of it selected when
 * select_all) and repaints it. -1 as ui_text_set. */
int ui_set_text(struct ui_widget *w, const char *s, bool select_all);
/* Moves the keyboard focus to w (NULL: nowhere). */
void ui_set_focus(struct ui_window *win, struct ui_widget *w);
/* Frees a widget that is in no tree (a closed dialog) with its children. */
void ui_free_detached(struct ui_widget *w);

/* ---- Lists and dialogs (ui_list.c, ui_dialog.c) ---------------------------------
 * A list's rows are its items; the app may paint them itself (draw_row) with
 * ui_draw_text and the paint calls. A scroll bar shows when the rows outgrow the
 * box; the wheel, Up/Down/PgUp/PgDn/Home/End move; each visible row is published
 * in the semantics tree as a "row" (label the item, value its index, state
 * CHECKED when selected). */
int ui_list_row_height(const struct ui_window *win);
/* The text s left-aligned at x, centred vertically in r. */
void ui_draw_text(struct ui_window *win, const char *s, int x, struct ui_rect r, unsigned argb);
int ui_text_width(struct ui_window *win, const char *s);
/* A modal dialog titled title: a column the app fills with ui_add (labels,
 * fields, a ui_dialog_buttons row), drawn centred over the dimmed window.
 * Opening one closes any other. NULL on no memory. */
struct ui_widget *ui_dialog_open(struct ui_window *win, const char *title);
/* A row of buttons at the dialog's bottom, right-aligned. */
struct ui_widget *ui_dialog_buttons(struct ui_widget *dialog);
/* Closes the open dialog (safe from its own buttons' callbacks); the focus goes
 * back where it was before it opened. */
void ui_dialog_close(struct ui_window *win);
/* A dialog with a title, a message and an OK button that closes it. */
struct ui_widget *ui_dialog_message(struct ui_window *win, const char *title, const char *message);

/* ---- Menus (ui_menu.c) -----------------------------------------------------------
 * A popup menu: a column of items (label, shortcut text shown on the right,
 * disabled ones dimmed) and separators, drawn over everything in the window with
 * its top-left at the point it opened (moved to stay inside). While open it takes
 * every event: the pointer highlights, a click chooses, Up/Down/Home/End move,
 * Enter or Space chooses, Escape or a click outside closes. Choosing closes the
 * menu, then calls the item's on_change(item, ctx). Published in the semantics
 * tree as "menu" with "menuitem" and "separator" children. Opening one closes
 * any other. NULL on no memory. */
struct ui_widget *ui_menu_open(struct ui_window *win, int x, int y);
/* A menu under a widget (a menu button's on_change opens it so). */
struct ui_widget *ui_menu_open_below(struct ui_widget *anchor);
struct ui_widget *ui_menu_item(struct ui_widget *menu, const char *label, const char *shortcut,
                               void (*fn)(struct ui_widget *item, void *ctx), void *ctx);
void ui_menu_separator(struct ui_widget *menu);
/* Closes the open menu (safe from its items' callbacks). */
void ui_menu_close(struct ui_window *win);
/* The list row at window y, or -1 below the last row (empty space). */
int ui_list_row_at(const struct ui_widget *list, int y);

/* ---- Tabs (ui_tabs.c) ---------------------------------------------------------------
 * A tab bar over pages: ui_tab_add adds a tab and returns its page (a panel the
 * app fills); only the selected tab's page is shown (the others are hidden, out
 * of the layout and the semantics tree). A click on a tab, Left/Right on a
 * focused tab, and Ctrl+Tab / Ctrl+Shift+Tab anywhere in the window select;
 * the tabs' on_change is called with value the new index. */
struct ui_widget *ui_tabs_add(struct ui_widget *parent);
struct ui_widget *ui_tab_add(struct ui_widget *tabs, const char *label);
void ui_tabs_select(struct ui_widget *tabs, int index);

/* ---- Text areas (ui_textarea.c, ui_textlines.c) ---------------------------------------
 * A multi-line text field: the text is w->text (unlimited length), lines end at
 * '\n'. Enter inserts a newline; arrows, Home/End (line), Ctrl+Home/End (text),
 * PgUp/PgDn; Shift extends the selection, as does a drag; Ctrl+A/C/X/V with the
 * window's clipboard; no wrapping: the view scrolls sideways to the cursor and
 * vertically with the wheel (a scroll bar shows when the lines outgrow it). Its
 * value in the semantics tree is the text (its first 2 KiB and an ellipsis when
 * longer, so the rest of the tree still fits). on_change follows every edit.
 * The line model below is pure (host-tested): offsets are bytes, columns code
 * points. */
size_t ui_text_line_start(const struct ui_text *t, size_t at);
size_t ui_text_line_end(const struct ui_text *t, size_t at);     /* its '\n' or the end */
int ui_text_line_count(const struct ui_text *t);
int ui_text_line_of(const struct ui_text *t, size_t at);
/* The start of line `line` (clamped to the first and the last). */
size_t ui_text_line_offset(const struct ui_text *t, int line);
size_t ui_text_column(const struct ui_text *t, size_t at);
/* Moves the cursor `lines` down (negative: up) to column col of that line (or
 * its end when shorter); past the first or last line it goes to the text's start
 * or end. extend keeps the anchor. */
void ui_text_move_lines(struct ui_text *t, int lines, size_t col, bool extend);
/* Sets a text area's text (cursor at the start, view scrolled to the top). */
int ui_textarea_set(struct ui_widget *w, const char *s);

/* ---- Scale factor (ui_widget.c) ------------------------------------------------------
 * High-DPI: a window lays out and draws at a scale (percent: 100, 125, 150, 175,
 * 200) from the user's display.scale setting. Paddings, spacing and the fixed
 * parts of widgets (toggles, sliders, tiles, field insets) follow it; text follows
 * the font, which the app opens at ui_scale_px(its size). Set before building. */
void ui_window_set_scale(struct ui_window *win, int percent);
/* v at the window's scale, rounded. */
int ui_px(const struct ui_window *win, int v);
/* v at the user's current display.scale (for font sizes and window sizes
 * before the window exists). */
int ui_scale_px(int v);
/* A window's size (*w x *h at 1x) at the user's scale, kept inside the screen
 * (less a margin for the desktop's bars) as /dev/compositor reports it, and its
 * place (*x, *y) moved as far as it must be for it to fit. */
void ui_scale_window(int *x, int *y, int *w, int *h);

/* ---- Grids (ui_grid.c) ----------------------------------------------------------------
 * Items (w->items, ui_set_items) as cells of cell_w x cell_h in rows that fill the
 * width; value is the selected item. Arrows move (Up/Down by a row), Home/End,
 * PgUp/PgDn; a click selects, Enter or a double-click calls on_activate; the wheel
 * scrolls by rows. The app paints cells with draw_row (the item's index and
 * rectangle) or they show the item's text. Visible cells are published as "cell". */
struct ui_widget *ui_grid_add(struct ui_widget *parent, const char *label, int cell_w, int cell_h);
/* The item at window (x, y), or -1. */
int ui_grid_item_at(const struct ui_widget *grid, int x, int y);

/* ---- Keys --------------------------------------------------------------------
 * Key events carry the text the compositor's keymap made of them (OSC_EV_TEXT,
 * in the session's layout); libui keeps only the layout choice. */
enum ui_layout_id { UI_LAYOUT_US, UI_LAYOUT_DE };   /* OSC_LAYOUT_US, OSC_LAYOUT_DE */
/* Makes layout the session's (every window's keys from now on); 0 or -1 (errno). */
int ui_keyboard_layout_apply(enum ui_layout_id layout);

/* ---- A window on the compositor ------------------------------------------------
 * A libui window drawn into a compositor surface (/dev/compositor, decorated with
 * a title bar): events are read from the surface fd and fed to the widgets,
 * changes are presented as damage rectangles, at most one frame in flight (the
 * next waits for frame-done). The clipboard hooks go to the system clipboard. */
struct ui_surface_window {
    struct ui_window ui;
    int comp_fd, fd;
    void *pixels;
    size_t map_len;
    bool frame_pending, close_requested;
    enum ui_cursor cursor_set;      /* what cursor_shape_set was last told */
};

/* Opens a w x h window titled title at screen position (x, y); 0 or -1 (errno). */
int ui_surface_open(struct ui_surface_window *sw, int w, int h, int x, int y,
                    const char *title, struct ui_font *font);
/* The same with the surface's creation flags (OSC_SURFACE_*: DESKTOP for the
 * desktop shell, 0 for an undecorated window). */
int ui_surface_open_flags(struct ui_surface_window *sw, int w, int h, int x, int y,
                          const char *title, struct ui_font *font, unsigned flags);
void ui_surface_close(struct ui_surface_window *sw);
/* Handles what arrived within timeout_ms (-1: wait), then presents what changed.
 * Returns 1 once the compositor asked the window to close, 0 otherwise, -1 on
 * an error (errno). */
int ui_surface_dispatch(struct ui_surface_window *sw, int timeout_ms);

/* ---- Settings ------------------------------------------------------------------
 * The user's desktop settings, a small key=value file ($HOME/.config/oscortex/
 * settings) that the Settings app writes atomically and every libui window reads:
 * wheel events become rows by the scroll direction and speed, keys become text by
 * the layout. A window re-reads the file when it changes, so changes apply live. */
#define UI_SCROLL_SPEED_MIN     1
#define UI_SCROLL_SPEED_MAX     10
#define UI_SCROLL_SPEED_DEFAULT 3
struct ui_settings {
    bool natural_scroll;        /* content follows the fingers: a notch up shows later rows */
    int scroll_speed;           /* rows per wheel notch, MIN..MAX */
    enum ui_layout_id layout;
    /* display.resolution=WxH, which the desktop sets when it starts; 0 x 0:
     * the mode the machine started in. */
    int display_w, display_h;
    int scale;                  /* display.scale: percent, UI_SCALE_MIN..MAX in steps of 25 */
};
#define UI_SCALE_MIN 100
#define UI_SCALE_MAX 200

void ui_settings_defaults(struct ui_settings *s);
/* Applies the key=value lines of text (n bytes) over what s holds: known keys
 * with valid values are taken; comments (#), blank lines, unknown keys and bad
 * values are skipped. Returns how many values were taken. */
int ui_settings_parse(struct ui_settings *s, const char *text, size_t n);
/* The file's text for s (as snprintf: the length it needed). */
size_t ui_settings_format(const struct ui_settings *s, char *buf, size_t n);
/* $HOME/.config/oscortex/settings into buf; -1 without HOME or room. */
int ui_settings_path(char *buf, size_t n);
/* Defaults, then the file at path (NULL: the user's). -1 (errno) when it cannot
 * be read; s then holds the defaults. */
int ui_settings_load(struct ui_settings *s, const char *path);
/* Writes s to path (NULL: the user's) atomically: a temporary file beside it,
 * fsync, rename over, fsync of the directory; the directories are made as
 * needed. 0, or -1 (errno) with the old file untouched. */
int ui_settings_save(const struct ui_settings *s, const char *path);
/* The user's settings, re-read whenever the file changed (another inode, mtime
 * or size) since the last call; defaults while there is no file. */
const struct ui_settings *ui_settings_current(void);
/* Rows a wheel turn scrolls (ui_event.wheel: positive shows later rows) for
 * notches as the compositor reports them (positive = wheel turned up). */
int ui_settings_wheel_rows(const struct ui_settings *s, int notches);
