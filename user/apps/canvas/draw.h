/* Canvas's rasteriser: strokes as anti-aliased pixman triangles. */
#pragma once

#include <pixman.h>

#include "doc.h"

struct ui_font;

/* The font notes are drawn in (their point is the start of the baseline). */
void draw_set_note_font(struct ui_font *f);

/* Draws s onto dst shifted by (ox, oy). */
void draw_stroke(pixman_image_t *dst, const struct stroke *s, int ox, int oy);
/* The same for the part of s inside the rectangle (x, y, w, h) of its own
 * coordinates: a drag redraws just the new end of a path (over what was under
 * it, so edges are not darkened twice). */
void draw_stroke_part(pixman_image_t *dst, const struct stroke *s, int x, int y, int w, int h,
                      int ox, int oy);
