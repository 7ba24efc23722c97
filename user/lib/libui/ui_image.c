/* Images: PNG files decoded by libpng's simplified API into pixman images,
 * premultiplied as pixman's a8r8g8b8 wants, and the widgets that show them. */
#include "ui_private.h"

#include <errno.h>
#include <pixman.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIDE_MAX 8192

pixman_image_t *ui_image_load_png(const char *path, int *err)
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

void ui_set_image(struct ui_widget *w, pixman_image_t *img)
{
    if (img)
        pixman_image_ref(img);
    if (w->image)
        pixman_image_unref(w->image);
    w->image = img;
    if (w->role == UI_ROLE_IMAGE && img) {
        w->box.pref_w = pixman_image_get_width(img);
        w->box.pref_h = pixman_image_get_height(img);
        w->win->needs_layout = true;
    }
    ui_damage(w->win, w->box.rect);
}

struct ui_rect ui_image_fit(struct ui_rect r, int iw, int ih)
{
    if (iw <= 0 || ih <= 0 || r.w <= 0 || r.h <= 0)
        return (struct ui_rect){ r.x, r.y, 0, 0 };
    long w = r.w, h = (long)ih * r.w / iw;
    if (h > r.h) {
        h = r.h;
        w = (long)iw * r.h / ih;
    }
    return (struct ui_rect){ r.x + (int)(r.w - w) / 2, r.y + (int)(r.h - h) / 2, (int)w, (int)h };
}
