/* Canvas's document: the strokes drawn on the paper in order, with undo and
 * redo as a cursor into the list (pure logic, host-tested in test_canvas_doc). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum tool { TOOL_PEN, TOOL_ERASER, TOOL_LINE, TOOL_RECT, TOOL_ELLIPSE, TOOL_TEXT };

struct point { float x, y; };

struct stroke {
    enum tool tool;
    unsigned argb;          /* the eraser's is the paper's colour */
    float width;
    struct point *pts;      /* pen/eraser: the path; shapes: two corners; a note:
                               the start of its baseline */
    int npts, cap;
    char *text;             /* a note's UTF-8 text (NULL: none yet) */
};

/* strokes[0..count) are drawn; strokes[count..total) are undone and can be redone
 * until a new stroke replaces them. */
struct doc {
    struct stroke *strokes;
    int count, total, cap;
};

void doc_init(struct doc *d);
void doc_free(struct doc *d);
/* Starts a new stroke (dropping what could be redone); NULL on no memory. */
struct stroke *doc_begin(struct doc *d, enum tool tool, unsigned argb, float width);
/* Adds a point to a stroke (for shapes: sets the second corner); -1 on no memory. */
int stroke_add(struct stroke *s, float x, float y);
/* Appends UTF-8 to a note; -1 on no memory or past 255 bytes. */
int stroke_append_text(struct stroke *s, const char *utf8);
/* Removes a note's last code point; false when it is empty. */
bool stroke_text_backspace(struct stroke *s);
/* Forgets the newest stroke for good (a note left empty). */
void doc_drop_last(struct doc *d);
bool doc_undo(struct doc *d);
bool doc_redo(struct doc *d);
/* Forgets every stroke (a new picture was opened). */
void doc_clear(struct doc *d);
/* The bounding box of a stroke, widened by its half width plus a pixel. */
void stroke_bounds(const struct stroke *s, int *x, int *y, int *w, int *h);
