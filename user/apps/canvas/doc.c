/* Canvas's stroke list with undo/redo (see doc.h). */
#include "doc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void doc_init(struct doc *d) { memset(d, 0, sizeof(*d)); }

static void drop_from(struct doc *d, int from)
{
    for (int i = from; i < d->total; i++) {
        free(d->strokes[i].pts);
        free(d->strokes[i].text);
        d->strokes[i].pts = NULL;
        d->strokes[i].text = NULL;
    }
    d->total = from;
    if (d->count > from)
        d->count = from;
}

void doc_clear(struct doc *d) { drop_from(d, 0); }

void doc_free(struct doc *d)
{
    doc_clear(d);
    free(d->strokes);
    memset(d, 0, sizeof(*d));
}

struct stroke *doc_begin(struct doc *d, enum tool tool, unsigned argb, float width)
{
    drop_from(d, d->count);
    if (d->total == d->cap) {
        int cap = d->cap ? d->cap * 2 : 64;
        struct stroke *n = realloc(d->strokes, (size_t)cap * sizeof(*n));
        if (!n)
            return NULL;
        d->strokes = n;
        d->cap = cap;
    }
    struct stroke *s = &d->strokes[d->total++];
    memset(s, 0, sizeof(*s));
    s->tool = tool;
    s->argb = argb;
    s->width = width;
    d->count = d->total;
    return s;
}

int stroke_add(struct stroke *s, float x, float y)
{
    bool shape = s->tool == TOOL_LINE || s->tool == TOOL_RECT || s->tool == TOOL_ELLIPSE;
    if (shape && s->npts == 2) {
        s->pts[1] = (struct point){ x, y };
        return 0;
    }
    if (s->npts == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        struct point *n = realloc(s->pts, (size_t)cap * sizeof(*n));
        if (!n)
            return -1;
        s->pts = n;
        s->cap = cap;
    }
    s->pts[s->npts++] = (struct point){ x, y };
    if (shape && s->npts == 1)
        return stroke_add(s, x, y);     /* a shape always has both corners */
    return 0;
}

int stroke_append_text(struct stroke *s, const char *utf8)
{
    size_t have = s->text ? strlen(s->text) : 0, add = strlen(utf8);
    if (have + add > 255)
        return -1;
    char *n = realloc(s->text, have + add + 1);
    if (!n)
        return -1;
    memcpy(n + have, utf8, add + 1);
    s->text = n;
    return 0;
}

bool stroke_text_backspace(struct stroke *s)
{
    size_t n = s->text ? strlen(s->text) : 0;
    if (!n)
        return false;
    do
        n--;
    while (n > 0 && ((unsigned char)s->text[n] & 0xc0) == 0x80);  /* continuation bytes */
    s->text[n] = 0;
    return true;
}

void doc_drop_last(struct doc *d)
{
    if (d->count == 0)
        return;
    drop_from(d, d->count - 1);
}

bool doc_undo(struct doc *d)
{
    if (d->count == 0)
        return false;
    d->count--;
    return true;
}

bool doc_redo(struct doc *d)
{
    if (d->count == d->total)
        return false;
    d->count++;
    return true;
}

void stroke_bounds(const struct stroke *s, int *x, int *y, int *w, int *h)
{
    if (!s->npts) {
        *x = *y = *w = *h = 0;
        return;
    }
    float x0 = s->pts[0].x, y0 = s->pts[0].y, x1 = x0, y1 = y0;
    for (int i = 1; i < s->npts; i++) {
        x0 = fminf(x0, s->pts[i].x);
        y0 = fminf(y0, s->pts[i].y);
        x1 = fmaxf(x1, s->pts[i].x);
        y1 = fmaxf(y1, s->pts[i].y);
    }
    float m = s->width / 2 + 2;
    *x = (int)floorf(x0 - m);
    *y = (int)floorf(y0 - m);
    *w = (int)ceilf(x1 + m) - *x;
    *h = (int)ceilf(y1 + m) - *y;
}
