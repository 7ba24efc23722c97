/* Window resizing by the window manager: which edge or corner of a decorated surface the
 * pointer is on, the grab a press there starts (an outline of the new frame
 * follows the pointer), and the OSC_EV_RESIZE sent the owner during the drag (at
 * most one a frame) and at the release, which it answers with a new buffer
 * (OSC_SURFACE_RESIZE) when it likes. All under comp_lock. */

#include <osc/lib.h>
#include <osc/time.h>

#include "comp_internal.h"

#define EDGE_BAND   5           /* px inside the client area's left/right/bottom edges
                                   and at the title bar's top */
#define CORNER      14          /* the bottom corners' square grips, the top ones' width */
#define OUTLINE     2           /* the outline's thickness */
#define OUTLINE_RGB 0x7aa2f7u

static struct comp_surface *grabbed;
static unsigned grab_edges;
static int grab_x, grab_y;              /* the pointer at the press */
static struct comp_rect start;          /* the surface's client rect at the press */
static struct comp_rect cur;            /* the client rect the outline shows */
static int sent_w, sent_h;              /* the size last asked of the client */

unsigned comp_resize_edges(const struct comp_surface *s, int x, int y)
{
    if (!s->decorated || s->desktop || !comp_surface_shown(s) ||
        !comp_rect_has_point(comp_frame_rect(s), x, y))
        return 0;
    int l = x - s->x, r = s->x + (int)s->w - 1 - x, b = s->y + (int)s->h - 1 - y;
    int t = y - (s->y - COMP_TITLE_H);
    if (b < CORNER && r < CORNER)
        return COMP_EDGE_R | COMP_EDGE_B;
    if (b < CORNER && l < CORNER)
        return COMP_EDGE_L | COMP_EDGE_B;
    /* The top is the title bar's upper band: the rest of the bar drags the
     * window and holds the close box. */
    if (t < EDGE_BAND)
        return COMP_EDGE_T | (l < CORNER ? COMP_EDGE_L : 0) | (r < CORNER ? COMP_EDGE_R : 0);
    if (y < s->y)
        return 0;
    return (l < EDGE_BAND ? COMP_EDGE_L : 0) | (r < EDGE_BAND ? COMP_EDGE_R : 0) |
           (b < EDGE_BAND ? COMP_EDGE_B : 0);
}

unsigned comp_resize_shape(unsigned edges)
{
    bool vertical = edges & (COMP_EDGE_B | COMP_EDGE_T);
    if (vertical && (edges & (COMP_EDGE_L | COMP_EDGE_R)))
        return COMP_CURSOR_RESIZE_D;
    return vertical ? OSC_CURSOR_RESIZE_V : OSC_CURSOR_RESIZE_H;
}

struct comp_surface *comp_resize_grabbed(void)
{
    return grabbed;
}

unsigned comp_resize_grab_edges(void)
{
    return grab_edges;
}

/* The outline: the client rect with the title bar above it. */
static struct comp_rect outline_frame(struct comp_rect c)
{
    return (struct comp_rect){ c.x, c.y - COMP_TITLE_H, c.w, c.h + COMP_TITLE_H };
}

static void outline_sides(struct comp_rect c, struct comp_rect side[4])
{
    struct comp_rect f = outline_frame(c);
    side[0] = (struct comp_rect){ f.x, f.y, f.w, OUTLINE };
    side[1] = (struct comp_rect){ f.x, f.y + f.h - OUTLINE, f.w, OUTLINE };
    side[2] = (struct comp_rect){ f.x, f.y, OUTLINE, f.h };
    side[3] = (struct comp_rect){ f.x + f.w - OUTLINE, f.y, OUTLINE, f.h };
}

static void damage_outline(void)
{
    struct comp_rect side[4];
    outline_sides(cur, side);
    for (int i = 0; i < 4; i++)
        comp_damage(side[i]);
}

void comp_resize_begin(struct comp_surface *s, unsigned edges, int x, int y)
{
    grabbed = s;
    grab_edges = edges;
    grab_x = x;
    grab_y = y;
    start = cur = comp_surface_rect(s);
    sent_w = start.w;
    sent_h = start.h;
    /* Every commit during and after this drag keeps the opposite edges. */
    s->anchor_right = edges & COMP_EDGE_L;
    s->anchor_bottom = edges & COMP_EDGE_T;
    damage_outline();
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void comp_resize_motion(int x, int y)
{
    if (!grabbed)
        return;
    int dx = x - grab_x, dy = y - grab_y;
    struct comp_rect n = start;
    if (grab_edges & COMP_EDGE_R)
        n.w = clampi(start.w + dx, OSC_SURFACE_MIN_W, OSC_SURFACE_MAX_DIM);
    if (grab_edges & COMP_EDGE_L) {
        n.w = clampi(start.w - dx, OSC_SURFACE_MIN_W, OSC_SURFACE_MAX_DIM);
        n.x = start.x + start.w - n.w;          /* the right edge stays */
    }
    if (grab_edges & COMP_EDGE_B)
        n.h = clampi(start.h + dy, OSC_SURFACE_MIN_H, OSC_SURFACE_MAX_DIM);
    if (grab_edges & COMP_EDGE_T) {
        /* The bottom edge stays, and the title bar on screen (as a drag keeps it). */
        int top_room = start.y + start.h - COMP_TITLE_H;
        n.h = clampi(start.h - dy, OSC_SURFACE_MIN_H, MAX(OSC_SURFACE_MIN_H, MIN(top_room, OSC_SURFACE_MAX_DIM)));
        n.y = start.y + start.h - n.h;
    }
    if (n.x == cur.x && n.y == cur.y && n.w == cur.w && n.h == cur.h)
        return;
    damage_outline();
    cur = n;
    damage_outline();
}

void comp_send_resize(struct comp_surface *s, uint32_t w, uint32_t h)
{
    struct osc_event ev = {
        .type = OSC_EV_RESIZE,
        .x = clampi((int)w, OSC_SURFACE_MIN_W, OSC_SURFACE_MAX_DIM),
        .y = clampi((int)h, OSC_SURFACE_MIN_H, OSC_SURFACE_MAX_DIM),
        .time_ns = time_ns(),
    };
    comp_push_event(s, &ev);
}

/* The outline's size to the client if it changed since last asked. */
static void ask_size(void)
{
    if (cur.w == sent_w && cur.h == sent_h)
        return;
    comp_send_resize(grabbed, (uint32_t)cur.w, (uint32_t)cur.h);
    sent_w = cur.w;
    sent_h = cur.h;
}

void comp_resize_live(void)
{
    if (grabbed)
        ask_size();
}

void comp_resize_end(void)
{
    if (!grabbed)
        return;
    damage_outline();
    ask_size();
    if (sent_w == start.w && sent_h == start.h)
        grabbed->anchor_right = grabbed->anchor_bottom = false;     /* nothing asked */
    grabbed = NULL;
    comp_kick();
}

void comp_resize_forget(const struct comp_surface *s)
{
    if (grabbed != s)
        return;
    damage_outline();
    grabbed = NULL;
}

void comp_resize_paint(struct fb_surface *t, struct comp_rect piece)
{
    if (!grabbed)
        return;
    struct comp_rect side[4];
    outline_sides(cur, side);
    for (int i = 0; i < 4; i++) {
        struct comp_rect r = comp_rect_intersect(side[i], piece);
        if (!comp_rect_empty(r))
            fb_fill_rect(t, r.x, r.y, r.w, r.h, OUTLINE_RGB);
    }
}
