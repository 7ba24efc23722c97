/* The Files app's icons, drawn with libui's paint calls by entry kind. */
#pragma once

#include "entries.h"
#include "ui.h"

/* Draws kind's icon in the square of side `size` at (x, y). */
void icon_draw(pixman_image_t *dst, int x, int y, int size, enum entry_kind kind);
