/* Canvas's rasteriser: every stroke becomes triangles (segment quads and round
 * caps for paths, bands for rectangles, a ring for ellipses) rasterised
 * anti-aliased by pixman into a coverage mask, then its colour is composited
 * through the mask. */
#include "draw.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static struct ui_font *note_font;

void draw_set_note_font(struct ui_font *f) { note_font = f; }

struct tris {
    pixman_triangle_t *t;
    int n, cap;
};

static void tri(struct tris *v, float ax, float ay, float bx, float by, float cx, float cy)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 256;
        pixman_triangle_t *n = realloc(v->t, (size_t)cap * sizeof(*n));
        if (!n)
            return;             /* on no memory the stroke is drawn in part */
        v->t = n;
        v->cap = cap;
    }
    v->t[v->n++] = (pixman_triangle_t){
        { pixman_double_to_fixed(ax), pixman_double_to_fixed(ay) },
        { pixman_double_to_fixed(bx), pixman_double_to_fixed(by) },
        { pixman_double_to_fixed(cx), pixman_double_to_fixed(cy) } };
}

static void quad(struct tris *v, float ax, float ay, float bx, float by, float cx, float cy,
                 float dx, float dy)
{
    tri(v, ax, ay, bx, by, cx, cy);
    tri(v, ax, ay, cx, cy, dx, dy);
}

static void disc(struct tris *v, float x, float y, float r)
{
    int k = r < 2 ? 8 : r < 6 ? 16 : 32;
    for (int i = 0; i < k; i++) {
        float a0 = 2 * (float)M_PI * i / k, a1 = 2 * (float)M_PI * (i + 1) / k;
        tri(v, x, y, x + r * cosf(a0), y + r * sinf(a0), x + r * cosf(a1), y + r * sinf(a1));
    }
}

static void segment(struct tris *v, struct point p, struct point q, float r)
{
    float dx = q.x - p.x, dy = q.y - p.y, len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-3f)
        return;
    float nx = -dy / len * r, ny = dx / len * r;
    quad(v, p.x + nx, p.y + ny, q.x + nx, q.y + ny, q.x - nx, q.y - ny, p.x - nx, p.y - ny);
}

static void rect_outline(struct tris *v, struct point a, struct point b, float r)
{
    float x0 = fminf(a.x, b.x), x1 = fmaxf(a.x, b.x), y0 = fminf(a.y, b.y), y1 = fmaxf(a.y, b.y);
    if (x1 - x0 <= 2 * r || y1 - y0 <= 2 * r) {     /* too small for a hole: solid */
        quad(v, x0 - r, y0 - r, x1 + r, y0 - r, x1 + r, y1 + r, x0 - r, y1 + r);
        return;
    }
    quad(v, x0 - r, y0 - r, x1 + r, y0 - r, x1 + r, y0 + r, x0 - r, y0 + r);   /* top */
    quad(v, x0 - r, y1 - r, x1 + r, y1 - r, x1 + r, y1 + r, x0 - r, y1 + r);   /* bottom */
    quad(v, x0 - r, y0 + r, x0 + r, y0 + r, x0 + r, y1 - r, x0 - r, y1 - r);   /* left */
    quad(v, x1 - r, y0 + r, x1 + r, y0 + r, x1 + r, y1 - r, x1 - r, y1 - r);   /* right */
}

static void ellipse_outline(struct tris *v, struct point a, struct point b, float r)
{
    float cx = (a.x + b.x) / 2, cy = (a.y + b.y) / 2;
    float rx = fabsf(b.x - a.x) / 2, ry = fabsf(b.y - a.y) / 2;
    float ox = rx + r, oy = ry + r, ix = fmaxf(rx - r, 0), iy = fmaxf(ry - r, 0);
    int k = 96;
    for (int i = 0; i < k; i++) {
        float a0 = 2 * (float)M_PI * i / k, a1 = 2 * (float)M_PI * (i + 1) / k;
        float c0 = cosf(a0), s0 = sinf(a0), c1 = cosf(a1), s1 = sinf(a1);
        quad(v, cx + ox * c0, cy + oy * s0, cx + ox * c1, cy + oy * s1,
             cx + ix * c1, cy + iy * s1, cx + ix * c0, cy + iy * s0);
    }
}

/* A stroke's coverage: each piece (a cap, a segment, a ring) is rasterised on
 * its own and merged by maximum, so where pieces overlap the edge is as soft
 * as one piece's (adding coverages would darken every joint). */
struct mask {
    pixman_image_t *img;
    uint8_t *px;
    int x, y, w, h, stride;
};

static void merge(struct mask *m, struct tris *v)
{
    if (!v->n)
        return;
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    for (int i = 0; i < v->n; i++) {
        const pixman_point_fixed_t *p = &v->t[i].p1;
        for (int k = 0; k < 3; k++) {
            double x = pixman_fixed_to_double(p[k].x), y = pixman_fixed_to_double(p[k].y);
            x0 = fmin(x0, x), y0 = fmin(y0, y), x1 = fmax(x1, x), y1 = fmax(y1, y);
        }
    }
    int bx = (int)floor(x0) - 1, by = (int)floor(y0) - 1;
    int ex = (int)ceil(x1) + 1, ey = (int)ceil(y1) + 1;
    bx = bx > m->x ? bx : m->x;
    by = by > m->y ? by : m->y;
    ex = ex < m->x + m->w ? ex : m->x + m->w;
    ey = ey < m->y + m->h ? ey : m->y + m->h;
    pixman_image_t *tmp = ex > bx && ey > by ? pixman_image_create_bits(PIXMAN_a8, ex - bx, ey - by, NULL, 0)
                                             : NULL;
    if (tmp) {
        pixman_add_triangles(tmp, -bx, -by, v->n, v->t);
        const uint8_t *t = (const uint8_t *)pixman_image_get_data(tmp);
        int ts = pixman_image_get_stride(tmp);
        for (int y = by; y < ey; y++) {
            const uint8_t *src = t + (y - by) * ts;
            uint8_t *dst = m->px + (y - m->y) * m->stride + (bx - m->x);
            for (int x = 0; x < ex - bx; x++)
                if (src[x] > dst[x])
                    dst[x] = src[x];
        }
        pixman_image_unref(tmp);
    }
    v->n = 0;
}

static bool touches(const struct mask *m, float x0, float y0, float x1, float y1, float r)
{
    return x0 - r - 1 < m->x + m->w && x1 + r + 1 > m->x && y0 - r - 1 < m->y + m->h &&
           y1 + r + 1 > m->y;
}

void draw_stroke_part(pixman_image_t *dst, const struct stroke *s, int x, int y, int w, int h,
                      int ox, int oy)
{
    if (!s->npts || w <= 0 || h <= 0)
        return;
    if (s->tool == TOOL_TEXT) {
        if (note_font && s->text)
            ui_font_draw(note_font, dst, (long)((s->pts[0].x + (float)ox) * 64), (int)s->pts[0].y + oy,
                         s->text, strlen(s->text), s->argb);
        return;
    }
    struct mask m = { pixman_image_create_bits(PIXMAN_a8, w, h, NULL, 0), NULL, x, y, w, h, 0 };
    if (!m.img)
        return;
    m.px = (uint8_t *)pixman_image_get_data(m.img);
    m.stride = pixman_image_get_stride(m.img);
    struct tris v = { 0 };
    float r = s->width / 2;
    const struct point *p = s->pts;
    switch (s->tool) {
    case TOOL_PEN:
    case TOOL_ERASER:
        for (int i = 0; i < s->npts; i++) {
            if (touches(&m, p[i].x, p[i].y, p[i].x, p[i].y, r)) {
                disc(&v, p[i].x, p[i].y, r);
                merge(&m, &v);
            }
            if (i > 0 && touches(&m, fminf(p[i - 1].x, p[i].x), fminf(p[i - 1].y, p[i].y),
                                 fmaxf(p[i - 1].x, p[i].x), fmaxf(p[i - 1].y, p[i].y), r)) {
                segment(&v, p[i - 1], p[i], r);
                merge(&m, &v);
            }
        }
        break;
    case TOOL_LINE:
        segment(&v, p[0], p[1], r);
        merge(&m, &v);
        disc(&v, p[0].x, p[0].y, r);
        merge(&m, &v);
        disc(&v, p[1].x, p[1].y, r);
        break;
    case TOOL_RECT:
        rect_outline(&v, p[0], p[1], r);    /* bands meeting edge to edge: they add exactly */
        break;
    case TOOL_ELLIPSE:
        ellipse_outline(&v, p[0], p[1], r);
        break;
    case TOOL_TEXT:
        break;
    }
    merge(&m, &v);
    free(v.t);
    pixman_color_t c = { (uint16_t)((s->argb >> 16 & 0xff) * 0x101),
                         (uint16_t)((s->argb >> 8 & 0xff) * 0x101),
                         (uint16_t)((s->argb & 0xff) * 0x101),
                         (uint16_t)((s->argb >> 24 & 0xff) * 0x101) };
    pixman_image_t *src = pixman_image_create_solid_fill(&c);
    if (src) {
        pixman_image_composite32(PIXMAN_OP_OVER, src, m.img, dst, 0, 0, 0, 0, x + ox, y + oy, w, h);
        pixman_image_unref(src);
    }
    pixman_image_unref(m.img);
}

void draw_stroke(pixman_image_t *dst, const struct stroke *s, int ox, int oy)
{
    int x, y, w, h;
    stroke_bounds(s, &x, &y, &w, &h);
    if (s->tool == TOOL_TEXT)
        w = h = 1;          /* a note draws itself whole: its size is the font's */
    draw_stroke_part(dst, s, x, y, w, h, ox, oy);
}
