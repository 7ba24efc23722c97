/* libui's text rendering: FreeType faces with a glyph cache keyed by glyph and
 * quarter-pixel phase, kerned measuring, caret hit testing, and drawing glyph
 * coverage masks with pixman. */
#include "ui.h"

#include <errno.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include <pixman.h>
#include <stdlib.h>
#include <string.h>

#define PHASES 4                /* subpixel positions per pixel */
#define CACHE_SLOTS 1024        /* direct-mapped; a miss re-renders one glyph */

struct glyph {
    unsigned index;             /* FreeType glyph index; 0 with no mask = empty slot */
    unsigned phase;
    bool used;
    int left, top;              /* mask offset from the pen on the baseline */
    long advance;               /* 26.6, unhinted */
    pixman_image_t *mask;       /* a8 coverage, NULL for blank glyphs (space) */
};

struct ui_font {
    FT_Library lib;
    FT_Face face;
    int ascent, descent, line_height;
    struct glyph cache[CACHE_SLOTS];
};

struct ui_font *ui_font_open(const char *path, int px)
{
    struct ui_font *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    if (FT_Init_FreeType(&f->lib)) {
        free(f);
        errno = ENOMEM;
        return NULL;
    }
    if (FT_New_Face(f->lib, path, 0, &f->face) || FT_Set_Pixel_Sizes(f->face, 0, (FT_UInt)px)) {
        FT_Done_FreeType(f->lib);
        free(f);
        errno = ENOENT;
        return NULL;
    }
    FT_Size_Metrics *m = &f->face->size->metrics;
    f->ascent = (int)((m->ascender + 63) >> 6);
    f->descent = (int)((-m->descender + 63) >> 6);
    f->line_height = (int)((m->height + 63) >> 6);
    return f;
}

void ui_font_close(struct ui_font *f)
{
    if (!f)
        return;
    for (int i = 0; i < CACHE_SLOTS; i++)
        if (f->cache[i].mask)
            pixman_image_unref(f->cache[i].mask);
    FT_Done_Face(f->face);
    FT_Done_FreeType(f->lib);
    free(f);
}

int ui_font_ascent(const struct ui_font *f) { return f->ascent; }
int ui_font_descent(const struct ui_font *f) { return f->descent; }
int ui_font_line_height(const struct ui_font *f) { return f->line_height; }

/* Renders glyph `index` shifted right by phase/PHASES of a pixel. Light hinting
 * touches only vertical metrics, so advances stay fractional and text keeps its
 * designed spacing at every position. */
static struct glyph *glyph_get(struct ui_font *f, unsigned index, unsigned phase)
{
    struct glyph *g = &f->cache[(index * PHASES + phase) % CACHE_SLOTS];
    if (g->used && g->index == index && g->phase == phase)
        return g;
    if (g->mask)
        pixman_image_unref(g->mask);
    memset(g, 0, sizeof(*g));
    FT_GlyphSlot slot = f->face->glyph;
    if (FT_Load_Glyph(f->face, index, FT_LOAD_NO_BITMAP | FT_LOAD_TARGET_LIGHT))
        return NULL;
    g->advance = slot->linearHoriAdvance >> 10;     /* 16.16 -> 26.6 */
    if (slot->format == FT_GLYPH_FORMAT_OUTLINE)
        FT_Outline_Translate(&slot->outline, (FT_Pos)(phase * 64 / PHASES), 0);
    if (FT_Render_Glyph(slot, FT_RENDER_MODE_LIGHT))
        return NULL;
    FT_Bitmap *bm = &slot->bitmap;
    if (bm->width && bm->rows) {
        g->mask = pixman_image_create_bits(PIXMAN_a8, (int)bm->width, (int)bm->rows, NULL, 0);
        if (!g->mask)
            return NULL;
        uint8_t *dst = (uint8_t *)pixman_image_get_data(g->mask);
        int stride = pixman_image_get_stride(g->mask);
        for (unsigned y = 0; y < bm->rows; y++)
            memcpy(dst + y * stride, bm->buffer + (long)y * bm->pitch, bm->width);
    }
    g->left = slot->bitmap_left;
    g->top = slot->bitmap_top;
    g->index = index;
    g->phase = phase;
    g->used = true;
    return g;
}

/* Walks s glyph by glyph, calling visit with each glyph's pen position (26.6)
 * before it and its byte offset; returns the end pen position. */
typedef void (*glyph_visit)(void *ctx, struct glyph *g, long pen, size_t offset);

static long walk(struct ui_font *f, const char *s, size_t n, long pen, glyph_visit visit, void *ctx)
{
    unsigned prev = 0;
    bool kern = FT_HAS_KERNING(f->face);
    for (size_t i = 0, next; i < n; i = next) {
        unsigned cp = ui_utf8_decode(s, i, &next);
        unsigned index = FT_Get_Char_Index(f->face, cp);
        if (prev && kern) {
            FT_Vector k;
            if (!FT_Get_Kerning(f->face, prev, index, FT_KERNING_UNFITTED, &k))
                pen += k.x;
        }
        unsigned phase = (unsigned)((pen & 63) * PHASES / 64);
        struct glyph *g = glyph_get(f, index, phase);
        if (visit)
            visit(ctx, g, pen, i);
        if (g)
            pen += g->advance;
        prev = index;
    }
    return pen;
}

long ui_font_measure(struct ui_font *f, const char *s, size_t n)
{
    return walk(f, s, n, 0, NULL, NULL);
}

struct hit {
    long x, best_dist;
    size_t best;
};

static void hit_visit(void *ctx, struct glyph *g, long pen, size_t offset)
{
    (void)g;
    struct hit *h = ctx;
    long d = labs(pen - h->x);
    if (d < h->best_dist) {
        h->best_dist = d;
        h->best = offset;
    }
}

size_t ui_font_offset_at(struct ui_font *f, const char *s, size_t n, long x)
{
    struct hit h = { x, labs(x), 0 };
    long end = walk(f, s, n, 0, hit_visit, &h);
    if (labs(end - x) < h.best_dist)
        h.best = n;
    return h.best;
}

struct draw {
    pixman_image_t *dst, *ink;
    int y;
};

static void draw_visit(void *ctx, struct glyph *g, long pen, size_t offset)
{
    (void)offset;
    struct draw *d = ctx;
    if (!g || !g->mask)
        return;
    /* The mask already carries the fractional part; place it at the pixel. */
    int x = (int)(pen >> 6) + g->left;
    pixman_image_composite32(PIXMAN_OP_OVER, d->ink, g->mask, d->dst, 0, 0, 0, 0, x,
                             d->y - g->top, pixman_image_get_width(g->mask),
                             pixman_image_get_height(g->mask));
}

long ui_font_draw(struct ui_font *f, pixman_image_t *dst, long x, int y,
                  const char *s, size_t n, unsigned argb)
{
    unsigned a = argb >> 24, r = argb >> 16 & 0xff, gr = argb >> 8 & 0xff, b = argb & 0xff;
    /* pixman wants premultiplied 16-bit channels. */
    pixman_color_t c = { (uint16_t)(r * a * 0x101 / 255), (uint16_t)(gr * a * 0x101 / 255),
                         (uint16_t)(b * a * 0x101 / 255), (uint16_t)(a * 0x101) };
    struct draw d = { dst, pixman_image_create_solid_fill(&c), y };
    if (!d.ink)
        return x + ui_font_measure(f, s, n);
    long end = walk(f, s, n, x, draw_visit, &d);
    pixman_image_unref(d.ink);
    return end;
}
