/* The compositor thread: sleeps until something changed (a present, a move, input),
 * then at most 60 times a second composes the damaged region — background, then
 * the visible surfaces bottom to top, each only where nothing above covers it —
 * into the back buffer, copies that region to the framebuffer in one pass and
 * draws the cursor over it. Input arrives from the input layer's handler into a
 * small ring (interrupt context) and is routed here, in thread context. */

#define LOG_TAG "compositor"
#include <osc/console.h>
#include <osc/errno.h>
#include <osc/input.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/mm.h>
#include <osc/syscall.h>
#include <osc/time.h>

#include "comp_internal.h"

#define FRAME_NS        16666667ull     /* 60 Hz */
#define INPUT_RING      128
#define TITLE_FOCUSED   0x2b4a7au
#define TITLE_IDLE      0x1f2a3au
#define TITLE_TEXT      0xe6edf3u
#define CLOSE_BG        0xb03a3au

struct mutex comp_lock;
struct comp_surface *comp_stack[COMP_MAX_SURFACES];
int comp_nstack;
struct fb_surface *comp_screen;

/* Under comp_lock. */
static struct comp_region damage;
static bool active;             /* the compositor owns the screen (after frame 1) */
static uint64_t frames;
static struct fb_surface back;  /* the back buffer, in the screen's pixel format */
static bool have_back;
static paddr_t back_pa;
static size_t back_pages;
static int ptr_x, ptr_y;        /* the pointer's hot spot on screen */
static struct comp_surface *hover, *capture, *focused;
static uint32_t buttons_down;   /* bit (code - BTN_LEFT) */
static struct comp_surface *dragged;    /* moved by its title bar while the button is held */
static int drag_dx, drag_dy;            /* pointer minus the surface's origin */
static uint32_t mods;
static unsigned layout;         /* OSC_LAYOUT_*: atomic (the ioctl sets it unlocked) */
static bool tab_switching;      /* Tab went down with Alt: its release is ours too */
static unsigned shown_shape;    /* the cursor shape on screen */

/* The input ring and the thread's wake-up condition, under comp_wq.lock (70):
 * taken inside `input` by the handler, alone by the thread. */
enum { IN_REL, IN_ABS, IN_KEY, IN_WHEEL };
struct in_rec {
    uint8_t kind;
    int32_t a, b;               /* REL: dx, dy; ABS: x, y on screen; KEY: code, value;
                                 * WHEEL: notches, OSC_WHEEL_* axis */
    uint64_t t;                 /* time_ns() at the interrupt (the latest, merged) */
};
/* While route_input handles a record: its interrupt time, which the events it
 * makes carry (so a client's latency counts the wait for the compositor). */
static uint64_t routing_ns;
struct osc_comp_stats comp_stats;       /* under comp_lock */
static struct waitqueue comp_wq;
static bool work;
static struct in_rec in_ring[INPUT_RING];
static uint32_t in_head, in_tail;
static int32_t pend_dx, pend_dy, abs_x, abs_y;
static bool pend_rel, pend_abs;

void comp_damage(struct comp_rect r)
{
    if (!comp_screen)
        return;
    r = comp_rect_intersect(r, (struct comp_rect){ 0, 0, (int)comp_screen->width, (int)comp_screen->height });
    comp_region_add(&damage, r);
}

void comp_kick(void)
{
    unsigned long fl = spin_lock_irqsave(&comp_wq.lock);
    work = true;
    waitqueue_wake_locked(&comp_wq, -1);
    spin_unlock_irqrestore(&comp_wq.lock, fl);
}

bool comp_owns_screen(void)
{
    return __atomic_load_n(&active, __ATOMIC_RELAXED);
}

bool comp_is_focused(const struct comp_surface *s)
{
    return s == focused;
}

static void send(struct comp_surface *s, uint32_t type, uint32_t code, int32_t value)
{
    struct osc_event ev = {
        .type = type, .mods = mods, .x = ptr_x - s->x, .y = ptr_y - s->y,
        .code = code, .value = value, .time_ns = routing_ns ? routing_ns : time_ns(),
    };
    comp_push_event(s, &ev);
}

static struct comp_surface *topmost_shown(void)
{
    for (int i = comp_nstack - 1; i >= 0; i--)
        if (comp_surface_shown(comp_stack[i]))
            return comp_stack[i];
    return NULL;
}

static void damage_title(struct comp_surface *s)
{
    if (s && s->decorated && comp_surface_shown(s))
        comp_damage(comp_title_rect(s));
}

static void focus(struct comp_surface *s)
{
    if (s == focused)
        return;
    damage_title(focused);              /* its title bar's colour shows focus */
    damage_title(s);
    if (focused)
        send(focused, OSC_EV_FOCUS_OUT, 0, 0);
    focused = s;
    if (s)
        send(s, OSC_EV_FOCUS_IN, 0, 0);
}

void comp_focus(struct comp_surface *s)
{
    focus(s);
}

void comp_forget(struct comp_surface *s)
{
    if (hover == s)
        hover = NULL;
    if (dragged == s)
        dragged = NULL;
    comp_resize_forget(s);
    if (capture == s) {
        capture = NULL;
        buttons_down = 0;
    }
    if (focused == s) {
        focused = NULL;
        focus(topmost_shown());
    }
}

void comp_raise(struct comp_surface *s)
{
    if (s->desktop)
        return;                 /* the desktop stays under every window */
    for (int i = 0; i < comp_nstack - 1; i++) {
        if (comp_stack[i] != s)
            continue;
        memmove(&comp_stack[i], &comp_stack[i + 1], (size_t)(comp_nstack - i - 1) * sizeof(comp_stack[0]));
        comp_stack[comp_nstack - 1] = s;
        if (comp_surface_shown(s))
            comp_damage(comp_frame_rect(s));
        return;
    }
}

static struct comp_surface *surface_at(int x, int y)
{
    for (int i = comp_nstack - 1; i >= 0; i--)
        if (comp_surface_shown(comp_stack[i]) && comp_rect_has_point(comp_frame_rect(comp_stack[i]), x, y))
            return comp_stack[i];
    return NULL;
}

static struct comp_rect cursor_rect(void)
{
    return comp_cursor_box(ptr_x, ptr_y);
}

/* Enter/leave as the pointer crosses surfaces (not while a button holds it). */
static void update_hover(void)
{
    struct comp_surface *under = capture ? capture : surface_at(ptr_x, ptr_y);
    if (under == hover)
        return;
    if (hover)
        send(hover, OSC_EV_POINTER_LEAVE, 0, 0);
    hover = under;
    if (hover)
        send(hover, OSC_EV_POINTER_ENTER, 0, 0);
}

#define POS_MAX 32767

/* The pointer is on s's title bar (the compositor's, not the client's). */
static bool in_title(const struct comp_surface *s)
{
    return s->decorated && comp_rect_has_point(comp_title_rect(s), ptr_x, ptr_y);
}

/* The close box: the title bar's right end, a square as tall as the bar (when the
 * surface is wide enough to leave room for a title too). */
static struct comp_rect close_rect(const struct comp_surface *s)
{
    if (!s->decorated || s->w < 3 * COMP_TITLE_H)
        return (struct comp_rect){ 0, 0, 0, 0 };
    return (struct comp_rect){ s->x + (int)s->w - COMP_TITLE_H, s->y - COMP_TITLE_H, COMP_TITLE_H, COMP_TITLE_H };
}

static void move_to(int x, int y)
{
    x = MAX(0, MIN(x, (int)comp_screen->width - 1));
    y = MAX(0, MIN(y, (int)comp_screen->height - 1));
    if (x == ptr_x && y == ptr_y)
        return;
    if (active)
        comp_damage(cursor_rect());
    ptr_x = x;
    ptr_y = y;
    if (active)
        comp_damage(cursor_rect());
    if (dragged) {
        comp_damage(comp_frame_rect(dragged));
        dragged->x = MAX(-POS_MAX, MIN(ptr_x - drag_dx, POS_MAX));
        dragged->y = MAX(COMP_TITLE_H, MIN(ptr_y - drag_dy, POS_MAX));    /* title reachable */
        comp_damage(comp_frame_rect(dragged));
        return;
    }
    if (comp_resize_grabbed()) {
        comp_resize_motion(ptr_x, ptr_y);
        return;
    }
    update_hover();
    if (hover && !in_title(hover))
        send(hover, OSC_EV_POINTER_MOTION, 0, 0);
}

long comp_set_layout(unsigned long l)
{
    if (l >= OSC_LAYOUT_COUNT)
        return -EINVAL;
    __atomic_store_n(&layout, (unsigned)l, __ATOMIC_RELAXED);
    return 0;
}

long comp_get_layout(void)
{
    return __atomic_load_n(&layout, __ATOMIC_RELAXED);
}

static uint32_t mod_bit(uint32_t code, unsigned lay)
{
    switch (code) {
    case KEY_LEFTSHIFT: case KEY_RIGHTSHIFT: return OSC_MOD_SHIFT;
    case KEY_LEFTCTRL: case KEY_RIGHTCTRL: return OSC_MOD_CTRL;
    case KEY_LEFTALT: return OSC_MOD_ALT;
    case KEY_RIGHTALT: return comp_keymap_has_altgr(lay) ? OSC_MOD_ALTGR : OSC_MOD_ALT;
    case KEY_LEFTMETA: case KEY_RIGHTMETA: return OSC_MOD_META;
    }
    return 0;
}

/* A key press or repeat to the focused surface, with the OSC_EV_TEXT of the
 * character it types queued together (a read never sees one without the other). */
static void send_key(uint32_t code, int32_t value, unsigned lay)
{
    struct osc_event ev[2] = { {
        .type = OSC_EV_KEY, .mods = mods, .x = ptr_x - focused->x, .y = ptr_y - focused->y,
        .code = code, .value = value, .time_ns = routing_ns ? routing_ns : time_ns(),
    } };
    uint32_t c = value ? comp_keymap_char(lay, code, mods & OSC_MOD_SHIFT, mods & OSC_MOD_ALTGR) : 0;
    ev[1] = ev[0];
    ev[1].type = OSC_EV_TEXT;
    ev[1].code = c;
    ev[1].value = 0;
    comp_push_events(focused, ev, c ? 2 : 1);
}

#define KEY_F4 62
#define KEY_TAB 15

/* The shape the pointer should show: a resize shape on a window's edges and
 * while resizing, the client's over its client area (the surface holding it
 * during a button press), the arrow elsewhere. */
static unsigned cur_shape(void)
{
    struct comp_surface *t = capture ? capture : hover;
    if (comp_resize_grabbed())
        return comp_resize_shape(comp_resize_grab_edges());
    if (dragged || !t)
        return OSC_CURSOR_ARROW;
    unsigned edges = capture ? 0 : comp_resize_edges(t, ptr_x, ptr_y);
    if (edges)
        return comp_resize_shape(edges);
    return in_title(t) ? OSC_CURSOR_ARROW : t->cursor;
}

/* Alt+Tab: the shown surface lowest in the stack (the longest unraised) is
 * focused and raised, so repeated presses visit every surface in turn. The
 * desktop is not a window: it is never picked (it stays at the bottom). */
static void switch_next(void)
{
    for (int i = 0; i < comp_nstack; i++) {
        struct comp_surface *s = comp_stack[i];
        if (comp_surface_shown(s) && s != focused && !s->desktop) {
            focus(s);
            comp_raise(s);
            return;
        }
    }
}

static void key(uint32_t code, int32_t value)
{
    if (code >= BTN_LEFT && code < BTN_LEFT + 8) {
        uint32_t bit = 1u << (code - BTN_LEFT);
        update_hover();
        struct comp_surface *t = capture ? capture : hover;
        /* A left press on an edge starts a resize: the compositor's, as a
         * title-bar click is, and so are the grab's presses and releases. */
        unsigned edges = t && !capture && code == BTN_LEFT && value == 1 ?
                         comp_resize_edges(t, ptr_x, ptr_y) : 0;
        bool ours = t && (dragged == t || comp_resize_grabbed() == t || in_title(t) || edges);
        if (value == 1) {
            buttons_down |= bit;
            if (t && !capture) {
                /* Click to focus and raise; the button holds the pointer. */
                focus(t);
                comp_raise(t);
                capture = t;
                /* The title bar's top band resizes; below it the close box
                 * closes and the rest drags. */
                if (edges) {
                    comp_resize_begin(t, edges, ptr_x, ptr_y);
                } else if (code == BTN_LEFT && comp_rect_has_point(close_rect(t), ptr_x, ptr_y)) {
                    send(t, OSC_EV_CLOSE_REQUEST, 0, 0);    /* the client decides */
                } else if (code == BTN_LEFT && in_title(t)) {
                    dragged = t;
                    drag_dx = ptr_x - t->x;
                    drag_dy = ptr_y - t->y;
                }
            }
        } else if (value == 0) {
            buttons_down &= ~bit;
            if (!buttons_down) {
                capture = dragged = NULL;
                comp_resize_end();
            }
        }
        if (t && !ours)
            send(t, OSC_EV_POINTER_BUTTON, code, value);
        update_hover();
        return;
    }
    unsigned lay = (unsigned)comp_get_layout();
    uint32_t m = mod_bit(code, lay);
    if (m && value)
        mods |= m;
    else if (m)     /* Right Alt's bit may be the other one if the layout changed */
        mods &= ~(code == KEY_RIGHTALT ? OSC_MOD_ALT | OSC_MOD_ALTGR : m);
    /* Alt+Tab belongs to the compositor: Tab's press, repeats and release are
     * not delivered (Alt itself is, as a modifier). */
    if (code == KEY_TAB && (tab_switching || (value == 1 && mods == OSC_MOD_ALT))) {
        if (value == 1) {
            tab_switching = true;
            switch_next();
        } else if (value == 0) {
            tab_switching = false;
        }
        return;
    }
    if (!focused)
        return;
    if (code == KEY_F4 && (mods & OSC_MOD_ALT) && !(mods & ~OSC_MOD_ALT)) {
        if (value == 1)
            send(focused, OSC_EV_CLOSE_REQUEST, 0, 0);
        return;
    }
    send_key(code, value, lay);
}

static void route_input(const struct in_rec *r, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        routing_ns = r[i].t;
        switch (r[i].kind) {
        case IN_REL: move_to(ptr_x + r[i].a, ptr_y + r[i].b); break;
        case IN_ABS: move_to(r[i].a, r[i].b); break;
        case IN_KEY: key((uint32_t)r[i].a, r[i].b); break;
        case IN_WHEEL:
            update_hover();
            if (hover && !in_title(hover))
                send(hover, OSC_EV_POINTER_WHEEL, (uint32_t)r[i].b, r[i].a);
            break;
        }
    }
    routing_ns = 0;
}

/* ---- input handler (interrupt context, under `input`) ---- */

static void in_push(struct in_rec r)
{
    r.t = time_ns();
    if (in_head != in_tail) {
        struct in_rec *last = &in_ring[(in_head - 1) % INPUT_RING];
        if (last->kind == IN_REL && r.kind == IN_REL) {
            last->a += r.a;
            last->b += r.b;
            last->t = r.t;
            return;
        }
        if (last->kind == IN_ABS && r.kind == IN_ABS) {
            *last = r;
            return;
        }
    }
    if (in_head - in_tail >= INPUT_RING)
        return;                 /* the thread is far behind: drop, never grow */
    in_ring[in_head++ % INPUT_RING] = r;
}

static void flush_motion(void)
{
    if (pend_rel)
        in_push((struct in_rec){ IN_REL, pend_dx, pend_dy, 0 });
    if (pend_abs)
        in_push((struct in_rec){ IN_ABS, abs_x, abs_y, 0 });
    pend_rel = pend_abs = false;
    pend_dx = pend_dy = 0;
}

static int32_t scale_abs(const struct input_dev *dev, unsigned code, int32_t v, uint32_t size)
{
    const struct input_absinfo *a = &dev->absinfo[code];
    if (a->maximum <= a->minimum)
        return 0;
    int64_t t = (int64_t)(v - a->minimum) * (int64_t)(size - 1) / (a->maximum - a->minimum);
    return (int32_t)MAX(0, MIN(t, (int64_t)size - 1));
}

static void comp_input_event(struct input_handler *h, struct input_dev *dev,
                             const struct input_event_rec *ev)
{
    (void)h;
    if (!comp_screen || input_grabbed_by_other(dev, NULL))
        return;
    unsigned long fl = spin_lock_irqsave(&comp_wq.lock);
    switch (ev->type) {
    case EV_REL:
        if (ev->code == REL_X || ev->code == REL_Y) {
            *(ev->code == REL_X ? &pend_dx : &pend_dy) += ev->value;
            pend_rel = true;
        } else if (ev->code == REL_WHEEL || ev->code == REL_HWHEEL) {
            flush_motion();
            in_push((struct in_rec){ IN_WHEEL, ev->value,
                                     ev->code == REL_HWHEEL ? OSC_WHEEL_HORIZONTAL : OSC_WHEEL_VERTICAL, 0 });
        }
        break;
    case EV_ABS:
        if (ev->code == ABS_X || ev->code == ABS_Y) {
            bool x = ev->code == ABS_X;
            *(x ? &abs_x : &abs_y) = scale_abs(dev, ev->code, ev->value,
                                               x ? comp_screen->width : comp_screen->height);
            pend_abs = true;
        }
        break;
    case EV_KEY:
        flush_motion();         /* a click lands where the packet moved to */
        in_push((struct in_rec){ IN_KEY, ev->code, ev->value, 0 });
        break;
    case EV_SYN:
        flush_motion();
        if (in_head != in_tail) {
            work = true;
            waitqueue_wake_locked(&comp_wq, -1);
        }
        break;
    }
    spin_unlock_irqrestore(&comp_wq.lock, fl);
}

static struct input_handler comp_handler = { .name = "compositor", .event = comp_input_event };

/* ---- composing ---- */

static bool screen_is_xrgb(const struct fb_surface *t)
{
    return t->bytes_pp == 4 && t->red_pos == 16 && t->green_pos == 8 && t->blue_pos == 0 &&
           t->red_size == 8 && t->green_size == 8 && t->blue_size == 8;
}

/* Copies piece r (screen coordinates, inside s) of s's pixels to t. */
static void blit(struct fb_surface *t, const struct comp_surface *s, struct comp_rect r)
{
    bool direct = screen_is_xrgb(t);
    for (int y = r.y; y < r.y + r.h; y++) {
        size_t off = (size_t)(y - s->y) * s->stride + (size_t)(r.x - s->x) * 4;
        size_t len = (size_t)r.w * 4;
        uint8_t *dst = t->pixels + (size_t)y * t->pitch + (size_t)r.x * t->bytes_pp;
        int x = r.x;
        while (len) {
            size_t in = off % PAGE_SIZE, n = MIN(len, PAGE_SIZE - in);
            const uint8_t *src = (const uint8_t *)phys_to_virt(s->frames[off / PAGE_SIZE]) + in;
            if (direct) {
                memcpy(dst, src, n);
                dst += n;
            } else {
                for (size_t i = 0; i < n; i += 4) {
                    uint32_t px;
                    memcpy(&px, src + i, 4);
                    fb_put_pixel(t, x++, y, px & 0xffffff);
                }
            }
            off += n;
            len -= n;
        }
    }
}

/* The part piece of s's title bar: its colour (brighter when focused) and the
 * title, drawn through a view of t limited to piece so nothing spills out. */
static void draw_title(struct fb_surface *t, const struct comp_surface *s, struct comp_rect piece)
{
    struct fb_surface view = *t;
    view.pixels = t->pixels + (size_t)piece.y * t->pitch + (size_t)piece.x * t->bytes_pp;
    view.width = (uint32_t)piece.w;
    view.height = (uint32_t)piece.h;
    fb_fill_rect(&view, 0, 0, piece.w, piece.h, s == focused ? TITLE_FOCUSED : TITLE_IDLE);
    const struct psf_font *font = fb_console_font();
    struct comp_rect bar = comp_title_rect(s);
    if (font && s->title[0])
        fb_draw_text(&view, bar.x + 8 - piece.x, bar.y + (COMP_TITLE_H - (int)font->height) / 2 - piece.y,
                     font, s->title, TITLE_TEXT, FB_TRANSPARENT, 1);
    struct comp_rect box = close_rect(s);
    if (comp_rect_empty(box))
        return;
    fb_fill_rect(&view, box.x - piece.x, box.y - piece.y, box.w, box.h, CLOSE_BG);
    for (int i = 7; i < COMP_TITLE_H - 7; i++) {       /* an X, two pixels thick */
        for (int d = 0; d < 2; d++) {
            fb_put_pixel(&view, box.x + i + d - piece.x, box.y + i - piece.y, TITLE_TEXT);
            fb_put_pixel(&view, box.x + COMP_TITLE_H - 1 - i - d - piece.x, box.y + i - piece.y, TITLE_TEXT);
        }
    }
}

static void paint_rect(struct fb_surface *t, struct comp_rect d)
{
    struct comp_region bg = { .n = 1, .r = { d } };
    for (int i = 0; i < comp_nstack; i++)
        if (comp_surface_shown(comp_stack[i]))
            comp_region_subtract(&bg, comp_frame_rect(comp_stack[i]));
    for (int k = 0; k < bg.n; k++)
        fb_fill_rect(t, bg.r[k].x, bg.r[k].y, bg.r[k].w, bg.r[k].h, COMP_BG);
    for (int i = 0; i < comp_nstack; i++) {
        struct comp_surface *s = comp_stack[i];
        if (!comp_surface_shown(s))
            continue;
        struct comp_region v = { .n = 1, .r = { comp_rect_intersect(comp_frame_rect(s), d) } };
        if (comp_rect_empty(v.r[0]))
            continue;
        for (int j = i + 1; j < comp_nstack && v.n; j++)   /* occluded parts cost nothing */
            if (comp_surface_shown(comp_stack[j]))
                comp_region_subtract(&v, comp_frame_rect(comp_stack[j]));
        for (int k = 0; k < v.n; k++) {
            struct comp_rect body = comp_rect_intersect(v.r[k], comp_surface_rect(s));
            if (!comp_rect_empty(body))
                blit(t, s, body);
            struct comp_rect bar = comp_rect_intersect(v.r[k], comp_title_rect(s));
            if (!comp_rect_empty(bar))
                draw_title(t, s, bar);
        }
    }
    comp_resize_paint(t, d);
}

static void draw_cursor(void)
{
    shown_shape = cur_shape();
    comp_cursor_draw(comp_screen, shown_shape, ptr_x, ptr_y);
}

static void compose(void)
{
    struct fb_surface *t = have_back ? &back : comp_screen;
    for (int i = 0; i < damage.n; i++)
        paint_rect(t, damage.r[i]);
    if (have_back) {
        for (int i = 0; i < damage.n; i++) {
            struct comp_rect d = damage.r[i];
            size_t row = (size_t)d.w * back.bytes_pp;
            for (int y = d.y; y < d.y + d.h; y++)
                memcpy(comp_screen->pixels + (size_t)y * comp_screen->pitch + (size_t)d.x * back.bytes_pp,
                       back.pixels + (size_t)y * back.pitch + (size_t)d.x * back.bytes_pp, row);
        }
    }
    for (int i = 0; i < damage.n; i++) {
        if (!comp_rect_empty(comp_rect_intersect(damage.r[i], cursor_rect()))) {
            draw_cursor();
            break;
        }
    }
    comp_region_clear(&damage);
    if (++frames == 1)
        log_info("frame 1");
}

/* The first presented frame takes the screen from the splash or the console. */
static void take_over(void)
{
    splash_stop();
    fbcon_release_screen();
    thread_sleep_ns(100000000ull);      /* a spinner frame being drawn lands first */
    mutex_lock(&comp_lock);
    __atomic_store_n(&active, true, __ATOMIC_RELAXED);
    comp_damage((struct comp_rect){ 0, 0, (int)comp_screen->width, (int)comp_screen->height });
    mutex_unlock(&comp_lock);
}

static void comp_thread(void *arg)
{
    (void)arg;
    static struct in_rec batch[INPUT_RING];
    uint64_t last = 0;
    for (;;) {
        unsigned long fl = spin_lock_irqsave(&comp_wq.lock);
        while (!work)
            waitqueue_sleep_locked(&comp_wq, &fl);
        spin_unlock_irqrestore(&comp_wq.lock, fl);
        /* Pacing: whatever arrives meanwhile joins this frame. */
        uint64_t now = time_ns();
        if (last && now - last < FRAME_NS)
            thread_sleep_ns(FRAME_NS - (now - last));
        last = time_ns();
        fl = spin_lock_irqsave(&comp_wq.lock);
        work = false;
        uint32_t n = 0;
        while (in_tail != in_head)
            batch[n++] = in_ring[in_tail++ % INPUT_RING];
        spin_unlock_irqrestore(&comp_wq.lock, fl);

        mutex_lock(&comp_lock);
        if (!active && topmost_shown()) {
            mutex_unlock(&comp_lock);
            take_over();
            mutex_lock(&comp_lock);
        }
        route_input(batch, n);
        comp_resize_live();             /* at most one resize event per frame */
        /* A surface shown, moved or resized under a still pointer: enter/leave
         * and the cursor shape follow at once. */
        if (active)
            update_hover();
        if (active && cur_shape() != shown_shape)
            comp_damage(cursor_rect());     /* a new shape, or a new surface under it */
        if (active && damage.n) {
            uint64_t t0 = time_ns(), area = comp_region_area(&damage);
            compose();
            comp_stats.frames++;
            comp_stats.compose_ns += time_ns() - t0;
            comp_stats.pixels += area;
        } else {
            comp_region_clear(&damage);
        }
        for (int i = 0; i < comp_nstack; i++) {
            struct comp_surface *s = comp_stack[i];
            if (s->frame_pending) {
                s->frame_pending = false;
                send(s, OSC_EV_FRAME_DONE, (uint32_t)frames, 0);
            }
        }
        mutex_unlock(&comp_lock);
    }
}

static size_t back_pages_for(uint32_t w, uint32_t h)
{
    return ALIGN_UP((size_t)w * h * comp_screen->bytes_pp, PAGE_SIZE) / PAGE_SIZE;
}

/* The back buffer at pa (pages long) for the screen as it is now; pa 0: none,
 * then composing draws straight to the framebuffer (SPEC: never fail for it). */
static void use_back(paddr_t pa, size_t pages)
{
    have_back = pa != 0;
    back_pa = pa;
    back_pages = pages;
    if (have_back)
        fb_surface_init_like(&back, phys_to_virt(pa), comp_screen->width, comp_screen->height, comp_screen);
    else
        log_warn("no memory for a back buffer: drawing straight to the framebuffer");
}

int comp_screen_resize(uint32_t w, uint32_t h)
{
    if (!__atomic_load_n(&active, __ATOMIC_RELAXED))
        return -EBUSY;              /* the console still draws with the old size */
    if (!fb_mode_possible(w, h))
        return fb_mode_possible(comp_screen->width, comp_screen->height) ? -EINVAL : -EOPNOTSUPP;
    /* The new buffer before the switch: a failure leaves everything as it was. */
    size_t pages = back_pages_for(w, h);
    paddr_t pa = pmm_alloc_pages(pages);
    int err = fb_set_mode(w, h);
    if (err) {
        if (pa)
            pmm_free_pages(pa, pages);
        return err;
    }
    if (have_back)
        pmm_free_pages(back_pa, back_pages);
    use_back(pa, pages);
    if (comp_resize_grabbed())
        comp_resize_forget(comp_resize_grabbed());
    dragged = NULL;
    ptr_x = MIN(ptr_x, (int)w - 1);
    ptr_y = MIN(ptr_y, (int)h - 1);
    /* Windows keep their place where it is still on screen; one now beyond an
     * edge moves in so its title bar can be grabbed. */
    for (int i = 0; i < comp_nstack; i++) {
        struct comp_surface *s = comp_stack[i];
        if (s->desktop) {
            comp_send_resize(s, w, h);
            continue;
        }
        s->x = MIN(s->x, (int)w - 3 * COMP_TITLE_H);
        s->y = MIN(s->y, (int)h - COMP_TITLE_H);
        s->x = MAX(s->x, -(int)s->w + 3 * COMP_TITLE_H);
        s->y = MAX(s->y, s->decorated ? COMP_TITLE_H : 0);
    }
    comp_damage((struct comp_rect){ 0, 0, (int)w, (int)h });
    comp_kick();
    return 0;
}

/* app_close_foreground(): asks the focused surface's owner to close it (the
 * event its close box sends); the owner decides. When the surface goes, focus
 * passes on (comp_forget). */
SYSCALL(app_close_foreground)
{
    (void)args;
    mutex_lock(&comp_lock);
    long r = -ESRCH;
    if (focused) {
        send(focused, OSC_EV_CLOSE_REQUEST, 0, 0);
        r = 0;
    }
    mutex_unlock(&comp_lock);
    return r;
}

void comp_init(void)
{
    mutex_init(&comp_lock, "comp", 36);
    waitqueue_init(&comp_wq);
    comp_screen = fb_screen();
    if (!comp_screen) {
        log_info("no framebuffer: no compositor");
        return;
    }
    ptr_x = abs_x = (int)comp_screen->width / 2;
    ptr_y = abs_y = (int)comp_screen->height / 2;
    size_t pages = back_pages_for(comp_screen->width, comp_screen->height);
    paddr_t pa = pmm_alloc_pages(pages);
    use_back(pa, pages);
    input_register_handler(&comp_handler);
    if (!thread_create("compositor", comp_thread, NULL)) {
        log_warn("no compositor thread");
        comp_screen = NULL;
        return;
    }
    log_info("ready: %ux%u, %s", comp_screen->width, comp_screen->height,
             have_back ? "back buffer" : "no back buffer");
}
