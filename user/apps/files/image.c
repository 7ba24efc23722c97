/* The Files app's image view: a PNG decoded by libpng's simplified API into a
 * pixman image, premultiplied as pixman's a8r8g8b8 wants. */
#include "image.h"

#include <errno.h>
#include <pixman.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIDE_MAX 8192

pixman_image_t *image_load_png(const char *path, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return NULL;
    }
    png_image png;
    memset(&png, 0, sizeof(png));
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(&png, f)) {
        fclose(f);
        *err = EINVAL;
        return NULL;
    }
    if (png.width == 0 || png.height == 0 || png.width > SIDE_MAX || png.height > SIDE_MAX) {
        png_image_free(&png);
        fclose(f);
        *err = EFBIG;
        return NULL;
    }
    png.format = PNG_FORMAT_BGRA;       /* little-endian a8r8g8b8 */
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_a8r8g8b8, (int)png.width,
                                                   (int)png.height, NULL, (int)png.width * 4);
    if (!img) {
        png_image_free(&png);
        fclose(f);
        *err = ENOMEM;
        return NULL;
    }
    uint32_t *px = pixman_image_get_data(img);
    int ok = png_image_finish_read(&png, NULL, px, (png_int_32)(png.width * 4), NULL);
    fclose(f);
    if (!ok) {
        pixman_image_unref(img);
        *err = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < (size_t)png.width * png.height; i++) {
        uint32_t p = px[i], a = p >> 24;
        if (a == 255)
            continue;
        uint32_t r = ((p >> 16) & 0xff) * a / 255, g = ((p >> 8) & 0xff) * a / 255, b = (p & 0xff) * a / 255;
        px[i] = a << 24 | r << 16 | g << 8 | b;
    }
    return img;
}
