/* libui's box layout: rows and columns with padding, spacing, flex weights and
 * cross-axis alignment, and the hit test that maps a pointer to a box. */
#include "ui.h"

#include <stddef.h>

void ui_box_add(struct ui_box *parent, struct ui_box *child)
{
    struct ui_box **p = &parent->first_child;
    while (*p)
        p = &(*p)->next_sibling;
    child->next_sibling = NULL;
    *p = child;
}

static int max_int(int a, int b) { return a > b ? a : b; }

/* Main and cross extents of a size for a container laying out along dir. */
static int main_of(enum ui_dir d, int w, int h) { return d == UI_ROW ? w : h; }
static int cross_of(enum ui_dir d, int w, int h) { return d == UI_ROW ? h : w; }

void ui_box_measure(const struct ui_box *b, int *w, int *h)
{
    if (!b->first_child) {
        *w = max_int(b->pref_w, b->min_w);
        *h = max_int(b->pref_h, b->min_h);
        return;
    }
    int main = 0, cross = 0, shown = 0;
    for (const struct ui_box *c = b->first_child; c; c = c->next_sibling) {
        if (c->hidden)
            continue;
        int cw, ch;
        ui_box_measure(c, &cw, &ch);
        main += main_of(b->dir, cw, ch);
        cross = max_int(cross, cross_of(b->dir, cw, ch));
        shown++;
    }
    if (shown > 1)
        main += b->spacing * (shown - 1);
    main += 2 * b->padding;
    cross += 2 * b->padding;
    *w = max_int(b->dir == UI_ROW ? main : cross, b->min_w);
    *h = max_int(b->dir == UI_ROW ? cross : main, b->min_h);
}

static int min_main(const struct ui_box *c, enum ui_dir d)
{
    return main_of(d, c->min_w, c->min_h);
}

/* Takes up to `need` pixels from the first n children's sizes (only flexible ones
 * when flex_only), evenly, never below a child's minimum; returns what is still
 * needed. */
static int shrink(struct ui_box *b, int *sizes, int n, int need, bool flex_only)
{
    while (need > 0) {
        int can = 0, k = 0;
        for (struct ui_box *c = b->first_child; c && k < n; c = c->next_sibling, k++)
            if (!c->hidden && (!flex_only || c->flex > 0) && sizes[k] > min_main(c, b->dir))
                can++;
        if (!can)
            break;
        int share = need / can > 0 ? need / can : 1;
        k = 0;
        for (struct ui_box *c = b->first_child; c && k < n && need > 0; c = c->next_sibling, k++) {
            int room = sizes[k] - max_int(min_main(c, b->dir), 0);
            if (c->hidden || (flex_only && c->flex <= 0) || room <= 0)
                continue;
            int t = share < room ? share : room;
            sizes[k] -= t;
            need -= t;
        }
    }
    return need;
}

#define UI_MAX_CHILDREN 256

void ui_layout(struct ui_box *b, struct ui_rect r)
{
    b->rect = r;
    if (!b->first_child)
        return;
    int sizes[UI_MAX_CHILDREN], cross_sizes[UI_MAX_CHILDREN];
    int n = 0, shown = 0, total = 0, flex_sum = 0;
    for (struct ui_box *c = b->first_child; c && n < UI_MAX_CHILDREN; c = c->next_sibling, n++) {
        int cw, ch;
        ui_box_measure(c, &cw, &ch);
        sizes[n] = c->hidden ? 0 : main_of(b->dir, cw, ch);
        cross_sizes[n] = cross_of(b->dir, cw, ch);
        if (c->hidden)
            continue;
        total += sizes[n];
        flex_sum += c->flex > 0 ? c->flex : 0;
        shown++;
    }
    int inner_main = main_of(b->dir, r.w, r.h) - 2 * b->padding;
    int inner_cross = cross_of(b->dir, r.w, r.h) - 2 * b->padding;
    if (inner_main < 0)
        inner_main = 0;
    if (inner_cross < 0)
        inner_cross = 0;
    int gaps = shown > 1 ? b->spacing * (shown - 1) : 0;
    int spare = inner_main - gaps - total;

    if (spare > 0 && flex_sum > 0) {
        /* Spare space by flex weight; the remainder of the division goes to the
         * first flexible children, a pixel each, so the row is filled exactly. */
        int given = 0, k = 0;
        for (struct ui_box *c = b->first_child; c && k < n; c = c->next_sibling, k++)
            if (!c->hidden && c->flex > 0) {
                int add = spare * c->flex / flex_sum;
                sizes[k] += add;
                given += add;
            }
        k = 0;
        for (struct ui_box *c = b->first_child; c && k < n && given < spare; c = c->next_sibling, k++)
            if (!c->hidden && c->flex > 0) {
                sizes[k]++;
                given++;
            }
    } else if (spare < 0) {
        int need = shrink(b, sizes, n, -spare, true);
        shrink(b, sizes, n, need, false);
    }

    int pos = main_of(b->dir, r.x, r.y) + b->padding;
    int cross0 = cross_of(b->dir, r.x, r.y) + b->padding;
    int k = 0;
    for (struct ui_box *c = b->first_child; c; c = c->next_sibling, k++) {
        if (k >= n || c->hidden) {
            c->rect = (struct ui_rect){ 0, 0, 0, 0 };
            continue;
        }
        int cs = cross_sizes[k] < inner_cross ? cross_sizes[k] : inner_cross;
        int off = 0;
        switch (b->align) {
        case UI_ALIGN_START: break;
        case UI_ALIGN_CENTER: off = (inner_cross - cs) / 2; break;
        case UI_ALIGN_END: off = inner_cross - cs; break;
        case UI_ALIGN_STRETCH: cs = inner_cross; break;
        }
        struct ui_rect cr = b->dir == UI_ROW
            ? (struct ui_rect){ pos, cross0 + off, sizes[k], cs }
            : (struct ui_rect){ cross0 + off, pos, cs, sizes[k] };
        ui_layout(c, cr);
        pos += sizes[k] + b->spacing;
    }
}

struct ui_box *ui_box_at(struct ui_box *b, int x, int y)
{
    if (b->hidden || x < b->rect.x || y < b->rect.y || x >= b->rect.x + b->rect.w ||
        y >= b->rect.y + b->rect.h)
        return NULL;
    for (struct ui_box *c = b->first_child; c; c = c->next_sibling) {
        struct ui_box *hit = ui_box_at(c, x, y);
        if (hit)
            return hit;
    }
    return b;
}
