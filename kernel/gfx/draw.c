/* 2D drawing primitives on fb_surface: clipped rectangles, PSF glyphs, alpha
 * sprites and surface copies, for any 16/24/32-bit direct-colour format. Pure:
 * no hardware, so the in-kernel tests draw into memory surfaces. */

#include <osc/fb.h>
#include <osc/lib.h>

void fb_surface_init_mem(struct fb_surface *s, void *buf, uint32_t w, uint32_t h)
{
    *s = (struct fb_surface){
        .pixels = buf, .width = w, .height = h, .pitch = w * 4, .bytes_pp = 4,
        .red_pos = 16, .red_size = 8, .green_pos = 8, .green_size = 8,
        .blue_pos = 0, .blue_size = 8,
    };
}

void fb_surface_init_like(struct fb_surface *s, void *buf, uint32_t w, uint32_t h,
                          const struct fb_surface *other)
{
    *s = *other;
    s->pixels = buf;
    s->width = w;
    s->height = h;
    s->pitch = w * other->bytes_pp;
}

static uint32_t scale_to(uint32_t v8, uint8_t size)
{
    return size >= 8 ? v8 << (size - 8) : v8 >> (8 - size);
}

static uint32_t scale_from(uint32_t v, uint8_t size)
{
    if (size == 0)
        return 0;
    if (size >= 8)
        return (v >> (size - 8)) & 0xff;
    /* Replicate the top bits so full intensity stays 0xff. */
    uint32_t x = v << (8 - size);
    return (x | x >> size) & 0xff;
}

static uint32_t field_mask(uint8_t size)
{
    return size >= 32 ? 0xffffffffu : (1u << size) - 1;
}

uint32_t fb_pack(const struct fb_surface *s, uint32_t rgb)
{
    return (scale_to((rgb >> 16) & 0xff, s->red_size) & field_mask(s->red_size)) << s->red_pos |
           (scale_to((rgb >> 8) & 0xff, s->green_size) & field_mask(s->green_size)) << s->green_pos |
           (scale_to(rgb & 0xff, s->blue_size) & field_mask(s->blue_size)) << s->blue_pos;
}

uint32_t fb_unpack(const struct fb_surface *s, uint32_t raw)
{
    return scale_from((raw >> s->red_pos) & field_mask(s->red_size), s->red_size) << 16 |
           scale_from((raw >> s->green_pos) & field_mask(s->green_size), s->green_size) << 8 |
           scale_from((raw >> s->blue_pos) & field_mask(s->blue_size), s->blue_size);
}

static inline uint8_t *pixel_at(const struct fb_surface *s, int x, int y)
{
    return s->pixels + (size_t)y * s->pitch + (size_t)x * s->bytes_pp;
}

static inline void store_raw(const struct fb_surface *s, uint8_t *p, uint32_t raw)
{
    switch (s->bytes_pp) {
    case 4: *(volatile uint32_t *)p = raw; break;
    case 3: p[0] = raw; p[1] = raw >> 8; p[2] = raw >> 16; break;
    case 2: *(volatile uint16_t *)p = (uint16_t)raw; break;
    }
}

static inline uint32_t load_raw(const struct fb_surface *s, const uint8_t *p)
{
    switch (s->bytes_pp) {
    case 4: return *(const volatile uint32_t *)p;
    case 3: return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    case 2: return *(const volatile uint16_t *)p;
    }
    return 0;
}

static inline bool inside(const struct fb_surface *s, int x, int y)
{
    return x >= 0 && y >= 0 && (uint32_t)x < s->width && (uint32_t)y < s->height;
}

uint32_t fb_get_pixel(const struct fb_surface *s, int x, int y)
{
    return inside(s, x, y) ? fb_unpack(s, load_raw(s, pixel_at(s, x, y))) : 0;
}

void fb_put_pixel(struct fb_surface *s, int x, int y, uint32_t rgb)
{
    if (inside(s, x, y))
        store_raw(s, pixel_at(s, x, y), fb_pack(s, rgb));
}

uint32_t fb_mix(uint32_t a, uint32_t b, uint32_t t)
{
    if (t > 255)
        t = 255;
    uint32_t out = 0;
    for (int sh = 0; sh <= 16; sh += 8) {
        uint32_t ca = (a >> sh) & 0xff, cb = (b >> sh) & 0xff;
        out |= ((ca * (255 - t) + cb * t + 127) / 255) << sh;
    }
    return out;
}

void fb_blend_pixel(struct fb_surface *s, int x, int y, uint32_t rgb, uint32_t alpha)
{
    if (!inside(s, x, y) || alpha == 0)
        return;
    if (alpha >= 255) {
        fb_put_pixel(s, x, y, rgb);
        return;
    }
    fb_put_pixel(s, x, y, fb_mix(fb_get_pixel(s, x, y), rgb, alpha));
}

/* Clips [x, x+w) x [y, y+h) to the surface; false when nothing remains. */
static bool clip(const struct fb_surface *s, int *x, int *y, int *w, int *h)
{
    if (*w <= 0 || *h <= 0)
        return false;
    long x0 = *x, y0 = *y, x1 = x0 + *w, y1 = y0 + *h;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > (long)s->width) x1 = s->width;
    if (y1 > (long)s->height) y1 = s->height;
    if (x0 >= x1 || y0 >= y1)
        return false;
    *x = (int)x0; *y = (int)y0; *w = (int)(x1 - x0); *h = (int)(y1 - y0);
    return true;
}

void fb_fill_rect(struct fb_surface *s, int x, int y, int w, int h, uint32_t rgb)
{
    if (!clip(s, &x, &y, &w, &h))
        return;
    uint32_t raw = fb_pack(s, rgb);
    for (int row = 0; row < h; row++) {
        uint8_t *p = pixel_at(s, x, y + row);
        if (s->bytes_pp == 4) {
            volatile uint32_t *q = (volatile uint32_t *)p;
            for (int i = 0; i < w; i++)
                q[i] = raw;
        } else {
            for (int i = 0; i < w; i++, p += s->bytes_pp)
                store_raw(s, p, raw);
        }
    }
}

void fb_draw_glyph(struct fb_surface *s, int x, int y, const struct psf_font *font,
                   uint32_t codepoint, uint32_t fg, uint32_t bg, unsigned scale)
{
    if (!font)
        return;
    if (scale == 0)
        scale = 1;
    const uint8_t *g = psf_glyph(font, codepoint);
    uint32_t rfg = fb_pack(s, fg), rbg = fb_pack(s, bg);
    bool opaque = bg != FB_TRANSPARENT;
    for (uint32_t gy = 0; gy < font->height * scale; gy++) {
        int py = y + (int)gy;
        if (py < 0 || (uint32_t)py >= s->height)
            continue;
        for (uint32_t gx = 0; gx < font->width * scale; gx++) {
            int px = x + (int)gx;
            if (px < 0 || (uint32_t)px >= s->width)
                continue;
            bool on = psf_pixel(font, g, gx / scale, gy / scale);
            if (on || opaque)
                store_raw(s, pixel_at(s, px, py), on ? rfg : rbg);
        }
    }
}

static bool glyph_bit(const struct psf_font *f, const uint8_t *g, int x, int y)
{
    return x >= 0 && y >= 0 && (uint32_t)x < f->width && (uint32_t)y < f->height &&
           psf_pixel(f, g, (uint32_t)x, (uint32_t)y);
}

/* EPX (Scale2x): each font pixel P becomes 2x2; a sub-pixel takes the value of the
 * two neighbours it touches when they agree and the other two do not, which rounds
 * diagonal steps instead of doubling them. */
void fb_draw_glyph_smooth2x(struct fb_surface *s, int x, int y, const struct psf_font *font,
                            uint32_t codepoint, uint32_t fg)
{
    if (!font)
        return;
    const uint8_t *g = psf_glyph(font, codepoint);
    for (int gy = 0; gy < (int)font->height; gy++) {
        for (int gx = 0; gx < (int)font->width; gx++) {
            bool p = glyph_bit(font, g, gx, gy);
            bool a = glyph_bit(font, g, gx, gy - 1), b = glyph_bit(font, g, gx + 1, gy);
            bool c = glyph_bit(font, g, gx - 1, gy), d = glyph_bit(font, g, gx, gy + 1);
            bool q[4] = { p, p, p, p };
            if (c == a && c != d && a != b) q[0] = a;
            if (a == b && a != c && b != d) q[1] = b;
            if (d == c && d != b && c != a) q[2] = c;
            if (b == d && b != a && d != c) q[3] = d;
            for (int i = 0; i < 4; i++)
                if (q[i])
                    fb_put_pixel(s, x + gx * 2 + (i & 1), y + gy * 2 + (i >> 1), fg);
        }
    }
}

int fb_draw_text(struct fb_surface *s, int x, int y, const struct psf_font *font,
                 const char *text, uint32_t fg, uint32_t bg, unsigned scale)
{
    if (!font || !text)
        return x;
    if (scale == 0)
        scale = 1;
    for (; *text; text++) {
        fb_draw_glyph(s, x, y, font, (uint8_t)*text, fg, bg, scale);
        x += (int)(font->width * scale);
    }
    return x;
}

void fb_blit_argb(struct fb_surface *s, int x, int y, const uint32_t *argb,
                  int w, int h, size_t stride)
{
    if (!argb)
        return;
    for (int row = 0; row < h; row++)
        for (int col = 0; col < w; col++) {
            uint32_t v = argb[(size_t)row * stride + (size_t)col];
            fb_blend_pixel(s, x + col, y + row, v & 0xffffff, v >> 24);
        }
}

void fb_copy_surface(struct fb_surface *dst, int x, int y, const struct fb_surface *src)
{
    int w = (int)src->width, h = (int)src->height, cx = x, cy = y;
    if (src->bytes_pp != dst->bytes_pp || !clip(dst, &cx, &cy, &w, &h))
        return;
    for (int row = 0; row < h; row++)
        memcpy(pixel_at(dst, cx, cy + row), pixel_at(src, cx - x, cy - y + row),
               (size_t)w * dst->bytes_pp);
}
