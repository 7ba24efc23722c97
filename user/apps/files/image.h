/* The Files app's image view: PNG files decoded with libpng. */
#pragma once

#include "ui.h"

/* Reads a PNG into a new premultiplied a8r8g8b8 image (pixman_image_unref
 * frees it); NULL with *err: EINVAL when it is not a PNG libpng can read,
 * EFBIG past 8192 pixels a side, ENOMEM, or the error opening the file. */
pixman_image_t *image_load_png(const char *path, int *err);
