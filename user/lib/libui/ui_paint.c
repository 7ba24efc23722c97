/* libui's painting: rectangles, rounded rectangles (filled, outlined, gradient) as
 * pixman coverage masks, and scaled images. */
#include "ui.h"

#include <pixman.h>
#include <stdint.h>

static pixman_color_t premultiplied(unsigned argb)
{
    unsigned a = argb >> 24;
    return (pixman_color_t){ (uint16_t)((argb >> 16 & 0xff) * a * 0x101 / 255),
                             (uint16_t)((argb >> 8 & 0xff) * a * 0x101 / 255),
                             (uint16_t)((argb & 0xff) * a * 0x101 / 255),
                             (uint16_t)(a * 0x101) };
}

static pixman_image_t *solid(unsigned argb)
{
    pixman_color_t c = premultiplied(argb);
    return pixman_image_create_solid_fill(&c);
}

void ui_fill_rect(pixman_image_t *dst, struct ui_rect r, unsigned argb)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    pixman_image_t *src = solid(argb);
    if (!src)
        return;
    pixman_image_composite32((argb >> 24) == 0xff ? PIXMAN_OP_SRC : PIXMAN_OP_OVER, src, NULL,
                             dst, 0, 0, 0, 0, r.x, r.y, r.w, r.h);
    pixman_image_unref(src);
}

/* Coverage (0..255) of pixel (x, y) by a w x h rounded rectangle at the origin,
 * sampled 4 x 4 inside the corner squares; 255 elsewhere inside. */
static unsigned corner_coverage(int x, int y, int w, int h, int radius)
{
    int cx = x < radius ? radius : x >= w - radius ? w - radius : -1;
    int cy = y < radius ? radius : y >= h - radius ? h - radius : -1;
    if (cx < 0 || cy < 0)
        return 255;
    unsigned hits = 0;
    long r2 = (long)radius * radius * 64;   /* in (1/8 px)^2 */
    for (int sy = 0; sy < 4; sy++)
        for (int sx = 0; sx < 4; sx++) {
            long dx = (long)(x * 8 + sx * 2 + 1) - (long)cx * 8;
            long dy = (long)(y * 8 + sy * 2 + 1) - (long)cy * 8;
            hits += dx * dx + dy * dy <= r2;
        }
    return hits * 255 / 16;
}

/* An a8 mask of a rounded rectangle w x h; with inset > 0 the mask is the ring
 * between the outline and the same shape inset by that many pixels. */
static pixman_image_t *round_mask(int w, int h, int radius, int inset)
{
    pixman_image_t *m = pixman_image_create_bits(PIXMAN_a8, w, h, NULL, 0);
    if (!m)
        return NULL;
    uint8_t *p = (uint8_t *)pixman_image_get_data(m);
    int stride = pixman_image_get_stride(m);
    int ir = radius - inset > 0 ? radius - inset : 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned c = corner_coverage(x, y, w, h, radius);
            if (inset > 0) {
                int ix = x - inset, iy = y - inset, iw = w - 2 * inset, ih = h - 2 * inset;
                unsigned in = ix >= 0 && iy >= 0 && ix < iw && iy < ih
                    ? corner_coverage(ix, iy, iw, ih, ir) : 0;
                c = c > in ? c - in : 0;
            }
            p[y * stride + x] = (uint8_t)c;
        }
    return m;
}

static int clamp_radius(struct ui_rect r, int radius)
{
    int half = (r.w < r.h ? r.w : r.h) / 2;
    return radius < 0 ? 0 : radius > half ? half : radius;
}

static void fill_masked(pixman_image_t *dst, struct ui_rect r, int radius, int inset,
                        pixman_image_t *src)
{
    pixman_image_t *mask = round_mask(r.w, r.h, clamp_radius(r, radius), inset);
    if (!mask)
        return;
    /* A gradient source is positioned in destination space; a solid one anywhere. */
    pixman_image_composite32(PIXMAN_OP_OVER, src, mask, dst, r.x, r.y, 0, 0, r.x, r.y, r.w, r.h);
    pixman_image_unref(mask);
}

void ui_fill_round_rect(pixman_image_t *dst, struct ui_rect r, int radius, unsigned argb)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    if (clamp_radius(r, radius) == 0) {
        ui_fill_rect(dst, r, argb);
        return;
    }
    pixman_image_t *src = solid(argb);
    if (src) {
        fill_masked(dst, r, radius, 0, src);
        pixman_image_unref(src);
    }
}

void ui_stroke_round_rect(pixman_image_t *dst, struct ui_rect r, int radius, int width,
                          unsigned argb)
{
    if (r.w <= 0 || r.h <= 0 || width <= 0)
        return;
    pixman_image_t *src = solid(argb);
    if (src) {
        fill_masked(dst, r, radius, width, src);
        pixman_image_unref(src);
    }
}

void ui_fill_gradient(pixman_image_t *dst, struct ui_rect r, int radius, unsigned from,
                      unsigned to)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    pixman_point_fixed_t p1 = { pixman_int_to_fixed(r.x), 0 };
    pixman_point_fixed_t p2 = { pixman_int_to_fixed(r.x + r.w), 0 };
    pixman_gradient_stop_t stops[2] = { { 0, premultiplied(from) },
                                        { pixman_fixed_1, premultiplied(to) } };
    /* pixman interpolates the stops as given; gradients here are opaque or
     * share one alpha, where premultiplied and straight interpolation agree. */
    pixman_image_t *g = pixman_image_create_linear_gradient(&p1, &p2, stops, 2);
    if (!g)
        return;
    fill_masked(dst, r, radius, 0, g);
    pixman_image_unref(g);
}

void ui_draw_image(pixman_image_t *dst, struct ui_rect r, pixman_image_t *src)
{
    int sw = pixman_image_get_width(src), sh = pixman_image_get_height(src);
    if (r.w <= 0 || r.h <= 0 || sw <= 0 || sh <= 0)
        return;
    pixman_transform_t t;
    pixman_transform_init_scale(&t, pixman_int_to_fixed(sw) / r.w, pixman_int_to_fixed(sh) / r.h);
    pixman_image_set_transform(src, &t);
    pixman_image_set_filter(src, PIXMAN_FILTER_BILINEAR, NULL, 0);
    /* Edge pixels repeat outward so filtering does not fade the image's border. */
    pixman_image_set_repeat(src, PIXMAN_REPEAT_PAD);
    pixman_image_composite32(PIXMAN_OP_OVER, src, NULL, dst, 0, 0, 0, 0, r.x, r.y, r.w, r.h);
    pixman_image_set_repeat(src, PIXMAN_REPEAT_NONE);
    pixman_image_set_filter(src, PIXMAN_FILTER_NEAREST, NULL, 0);
    pixman_image_set_transform(src, NULL);
}
