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
