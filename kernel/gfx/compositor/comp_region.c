/* Rectangle and region math of the compositor: damage accumulation, clipping and
 * occlusion (what of a surface is not covered by those above it). Pure: no locks,
 * no allocation; host-tested by tests/host/test_comp_region.c. */

#include <osc/compositor.h>

bool comp_rect_empty(struct comp_rect a)
{
    return a.w <= 0 || a.h <= 0;
}

struct comp_rect comp_rect_intersect(struct comp_rect a, struct comp_rect b)
{
    if (comp_rect_empty(a) || comp_rect_empty(b))
        return (struct comp_rect){ 0, 0, 0, 0 };
    /* 64-bit ends: x + w of a rect near INT_MAX must not wrap. */
    int64_t x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
    int64_t ax1 = (int64_t)a.x + a.w, bx1 = (int64_t)b.x + b.w;
    int64_t ay1 = (int64_t)a.y + a.h, by1 = (int64_t)b.y + b.h;
    int64_t x1 = ax1 < bx1 ? ax1 : bx1, y1 = ay1 < by1 ? ay1 : by1;
    if (x1 <= x0 || y1 <= y0)
        return (struct comp_rect){ 0, 0, 0, 0 };
    return (struct comp_rect){ (int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0) };
}

struct comp_rect comp_rect_bounds(struct comp_rect a, struct comp_rect b)
{
    if (comp_rect_empty(a))
        return b;
    if (comp_rect_empty(b))
        return a;
    int64_t x0 = a.x < b.x ? a.x : b.x, y0 = a.y < b.y ? a.y : b.y;
    int64_t ax1 = (int64_t)a.x + a.w, bx1 = (int64_t)b.x + b.w;
    int64_t ay1 = (int64_t)a.y + a.h, by1 = (int64_t)b.y + b.h;
    int64_t x1 = ax1 > bx1 ? ax1 : bx1, y1 = ay1 > by1 ? ay1 : by1;
    return (struct comp_rect){ (int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0) };
}

bool comp_rect_contains(struct comp_rect outer, struct comp_rect inner)
{
    if (comp_rect_empty(inner))
        return true;
    if (comp_rect_empty(outer))
        return false;
    return inner.x >= outer.x && inner.y >= outer.y &&
           (int64_t)inner.x + inner.w <= (int64_t)outer.x + outer.w &&
           (int64_t)inner.y + inner.h <= (int64_t)outer.y + outer.h;
}

bool comp_rect_has_point(struct comp_rect a, int x, int y)
{
    return !comp_rect_empty(a) && x >= a.x && y >= a.y &&
           (int64_t)x < (int64_t)a.x + a.w && (int64_t)y < (int64_t)a.y + a.h;
}

bool comp_rect_valid_in(struct comp_rect a, int w, int h)
{
    return a.w > 0 && a.h > 0 && a.x >= 0 && a.y >= 0 &&
           (int64_t)a.x + a.w <= w && (int64_t)a.y + a.h <= h;
}

void comp_region_clear(struct comp_region *g)
{
    g->n = 0;
    g->overflow = false;
}

uint64_t comp_region_area(const struct comp_region *g)
{
    uint64_t a = 0;
    for (int i = 0; i < g->n; i++)
        a += (uint64_t)g->r[i].w * (uint64_t)g->r[i].h;
    return a;
}

/* p minus a as up to four disjoint pieces (bands above and below the overlap, then
 * left and right of it); how many went to out. */
static int rect_minus(struct comp_rect p, struct comp_rect a, struct comp_rect out[4])
{
    struct comp_rect in = comp_rect_intersect(p, a);
    if (comp_rect_empty(in)) {
        out[0] = p;
        return 1;
    }
    int n = 0;
    if (in.y > p.y)
        out[n++] = (struct comp_rect){ p.x, p.y, p.w, in.y - p.y };
    if (in.y + in.h < p.y + p.h)
        out[n++] = (struct comp_rect){ p.x, in.y + in.h, p.w, p.y + p.h - (in.y + in.h) };
    if (in.x > p.x)
        out[n++] = (struct comp_rect){ p.x, in.y, in.x - p.x, in.h };
    if (in.x + in.w < p.x + p.w)
        out[n++] = (struct comp_rect){ in.x + in.w, in.y, p.x + p.w - (in.x + in.w), in.h };
    return n;
}

void comp_region_subtract(struct comp_region *g, struct comp_rect a)
{
    if (comp_rect_empty(a))
        return;
    struct comp_rect out[COMP_REGION_MAX];
    int n = 0;
    for (int i = 0; i < g->n; i++) {
        struct comp_rect pieces[4];
        int k = rect_minus(g->r[i], a, pieces);
        /* Room for these and, at worst, every piece still to come kept whole. */
        if (n + k + (g->n - i - 1) > COMP_REGION_MAX) {
            out[n++] = g->r[i];
            g->overflow = true;
            continue;
        }
        for (int j = 0; j < k; j++)
            out[n++] = pieces[j];
    }
    for (int i = 0; i < n; i++)
        g->r[i] = out[i];
    g->n = n;
}

void comp_region_clip(struct comp_region *g, struct comp_rect a)
{
    int n = 0;
    for (int i = 0; i < g->n; i++) {
        struct comp_rect c = comp_rect_intersect(g->r[i], a);
        if (!comp_rect_empty(c))
            g->r[n++] = c;
    }
    g->n = n;
}

static void collapse(struct comp_region *g, struct comp_rect a)
{
    struct comp_rect b = a;
    for (int i = 0; i < g->n; i++)
        b = comp_rect_bounds(b, g->r[i]);
    g->n = 1;
    g->r[0] = b;
}

void comp_region_add(struct comp_region *g, struct comp_rect a)
{
    if (comp_rect_empty(a))
        return;
    struct comp_region add = { .n = 1, .r = { a } };
    for (int i = 0; i < g->n && add.n; i++)
        comp_region_subtract(&add, g->r[i]);
    if (add.overflow || g->n + add.n > COMP_REGION_MAX) {
        collapse(g, a);
        return;
    }
    for (int i = 0; i < add.n; i++)
        g->r[g->n++] = add.r[i];
}
