/* Boot splash: the OSCortex mark (two segmented rings around a small network of
 * nodes, a "cortex"), the name in large Terminus Bold, and a spinner that a kernel
 * thread animates while boot goes on. The logo is drawn once; each spinner frame is
 * composed off-screen and copied over its own small rectangle only (LESSONS 10).
 * Geometry is integer-only (no FPU in the kernel): sines come from Bhaskara's
 * rational approximation, edges are antialiased by 4x4 supersampling. */

#define LOG_TAG "fb"
#include <osc/cmdline.h>
#include <osc/console.h>
#include <osc/fb.h>
#include <osc/lib.h>
#include <osc/log.h>
#include <osc/sched.h>
#include <osc/time.h>

#define SPLASH_BG        0x0b0f17u
#define SPLASH_CYAN      0x22d3eeu
#define SPLASH_VIOLET    0x8b5cf6u
#define SPLASH_BLUE      0x3b82f6u
#define SPLASH_WHITE     0xe6edf3u
#define SPLASH_DIM       0x1f2a3a

#define SUB              8      /* geometry unit: 1/8 pixel */
#define SIN_ONE          16384  /* fixed-point 1.0 of isin/icos */

#define SPINNER_DOTS     12
#define SPINNER_BOX      56     /* pixels; composed in spinner_buf */
#define SPINNER_FRAME_NS 70000000ull
#define SPLASH_MIN_NS    2000000000ull  /* shown at least this long: no flash on fast boots */

/* sin(deg) * SIN_ONE. Bhaskara I: sin x ~ 4x(180-x) / (40500 - x(180-x)) for x in
 * degrees 0..180; error below 0.2%, invisible at logo sizes. */
static int64_t isin(int deg)
{
    deg %= 360;
    if (deg < 0)
        deg += 360;
    int sign = 1;
    if (deg >= 180) {
        deg -= 180;
        sign = -1;
    }
    int64_t p = (int64_t)deg * (180 - deg);
    return sign * (4 * p * SIN_ONE) / (40500 - p);
}

static int64_t icos(int deg) { return isin(deg + 90); }

enum shape_kind { SHAPE_DISC, SHAPE_ARC, SHAPE_SEGMENT };

/* All coordinates in SUB units, y pointing down as on screen. */
struct shape {
    enum shape_kind kind;
    int64_t cx, cy;             /* centre (disc, arc) or first end (segment) */
    int64_t r_in, r_out;        /* disc: r_out; arc: radii */
    int64_t ax0, ay0, ax1, ay1; /* arc: directions of its two ends (< 180 deg apart) */
    int64_t x1, y1, half;       /* segment: second end, half thickness */
    uint32_t c0, c1;            /* diagonal gradient from top-left c0 to bottom-right c1 */
};

static bool shape_hit(const struct shape *s, int64_t x, int64_t y)
{
    int64_t dx = x - s->cx, dy = y - s->cy, d2 = dx * dx + dy * dy;
    switch (s->kind) {
    case SHAPE_DISC:
        return d2 <= s->r_out * s->r_out;
    case SHAPE_ARC:
        if (d2 < s->r_in * s->r_in || d2 > s->r_out * s->r_out)
            return false;
        /* Inside the sector: counter-clockwise of the start direction and
         * clockwise of the end one (cross products with screen y pointing down). */
        return s->ay0 * dx - s->ax0 * dy >= 0 && s->ax1 * dy - s->ay1 * dx >= 0;
    case SHAPE_SEGMENT: {
        int64_t vx = s->x1 - s->cx, vy = s->y1 - s->cy, len2 = vx * vx + vy * vy;
        int64_t t = dx * vx + dy * vy;     /* projection, scaled by len2 */
        if (t < 0) t = 0;
        if (t > len2) t = len2;
        int64_t px = len2 ? dx - vx * t / len2 : dx, py = len2 ? dy - vy * t / len2 : dy;
        return px * px + py * py <= s->half * s->half;
    }
    }
    return false;
}

/* Rasterises a shape inside the pixel box [x0, x1) x [y0, y1) with 16 samples per
 * pixel, blending its colour by coverage. */
static void shape_draw(struct fb_surface *fb, const struct shape *s, int x0, int y0, int x1, int y1)
{
    int64_t span = (x1 - x0) + (y1 - y0);
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            int cover = 0;
            for (int sy = 0; sy < 4; sy++)
                for (int sx = 0; sx < 4; sx++)
                    cover += shape_hit(s, (int64_t)x * SUB + sx * 2 + 1, (int64_t)y * SUB + sy * 2 + 1);
            if (!cover)
                continue;
            uint32_t t = span ? (uint32_t)(((x - x0) + (y - y0)) * 255 / span) : 0;
            fb_blend_pixel(fb, x, y, fb_mix(s->c0, s->c1, t), (uint32_t)cover * 255 / 16);
        }
    }
}

/* Arc of a ring: radii in SUB units, from angle a (degrees, counter-clockwise from
 * 3 o'clock) over span degrees. */
static void draw_arc(struct fb_surface *fb, int64_t cx, int64_t cy, int64_t r_in, int64_t r_out,
                     int a, int span, uint32_t c0, uint32_t c1)
{
    struct shape s = {
        .kind = SHAPE_ARC, .cx = cx, .cy = cy, .r_in = r_in, .r_out = r_out,
        .ax0 = icos(a), .ay0 = -isin(a), .ax1 = icos(a + span), .ay1 = -isin(a + span),
        .c0 = c0, .c1 = c1,
    };
    int64_t r = r_out / SUB + 2;
    shape_draw(fb, &s, (int)(cx / SUB - r), (int)(cy / SUB - r), (int)(cx / SUB + r), (int)(cy / SUB + r));
}

static void draw_disc(struct fb_surface *fb, int64_t cx, int64_t cy, int64_t r, uint32_t c0, uint32_t c1)
{
    struct shape s = { .kind = SHAPE_DISC, .cx = cx, .cy = cy, .r_out = r, .c0 = c0, .c1 = c1 };
    int64_t rp = r / SUB + 2;
    shape_draw(fb, &s, (int)(cx / SUB - rp), (int)(cy / SUB - rp), (int)(cx / SUB + rp), (int)(cy / SUB + rp));
}

static void draw_segment(struct fb_surface *fb, int64_t xa, int64_t ya, int64_t xb, int64_t yb,
                         int64_t half, uint32_t color)
{
    struct shape s = { .kind = SHAPE_SEGMENT, .cx = xa, .cy = ya, .x1 = xb, .y1 = yb, .half = half,
                       .c0 = color, .c1 = color };
    int64_t m = half / SUB + 2;
    shape_draw(fb, &s, (int)(MIN(xa, xb) / SUB - m), (int)(MIN(ya, yb) / SUB - m),
               (int)(MAX(xa, xb) / SUB + m), (int)(MAX(ya, yb) / SUB + m));
}

/* The mark, centred at pixel (cx, cy) with outer radius r pixels. */
static void draw_mark(struct fb_surface *fb, int cx_px, int cy_px, int r_px)
{
    int64_t cx = (int64_t)cx_px * SUB, cy = (int64_t)cy_px * SUB, r = (int64_t)r_px * SUB;
    /* Outer ring: three arcs of 100 degrees, the gaps at 2, 6 and 10 o'clock. */
    for (int i = 0; i < 3; i++)
        draw_arc(fb, cx, cy, r * 86 / 100, r, 40 + 120 * i, 100, SPLASH_CYAN, SPLASH_VIOLET);
    /* Inner ring: thinner, turned by 60 degrees against the outer one. */
    for (int i = 0; i < 3; i++)
        draw_arc(fb, cx, cy, r * 68 / 100, r * 74 / 100, 100 + 120 * i, 100, SPLASH_BLUE, SPLASH_CYAN);
    /* The cortex: six nodes on a hexagon, joined to each other and to the centre. */
    int64_t nx[6], ny[6], rn = r * 44 / 100;
    for (int i = 0; i < 6; i++) {
        nx[i] = cx + rn * icos(90 + 60 * i) / SIN_ONE;
        ny[i] = cy - rn * isin(90 + 60 * i) / SIN_ONE;
    }
    for (int i = 0; i < 6; i++)
        draw_segment(fb, nx[i], ny[i], nx[(i + 1) % 6], ny[(i + 1) % 6], r * 15 / 1000, 0x2b5d8c);
    for (int i = 0; i < 6; i++)
        draw_segment(fb, cx, cy, nx[i], ny[i], r * 25 / 1000, 0x3d7fc0);
    for (int i = 0; i < 6; i++)
        draw_disc(fb, nx[i], ny[i], r * 8 / 100, SPLASH_CYAN, SPLASH_VIOLET);
    draw_disc(fb, cx, cy, r * 15 / 100, SPLASH_WHITE, SPLASH_CYAN);
}

/* ---- spinner ---- */

static struct fb_surface *screen;
static int spin_x, spin_y;                      /* top-left of the spinner box */
static uint8_t spinner_buf[SPINNER_BOX * SPINNER_BOX * 4];
static volatile bool running;                   /* spinner thread keeps going */
static volatile bool shown;                     /* the splash owns the screen */
static volatile bool finishing;                 /* boot done: hand over when due */
static uint64_t shown_at;                       /* time_ns() when drawn */

/* Frame n: twelve dots on a circle, the head at position n % 12 brightest and the
 * tail fading behind it. Composed in memory, then copied in one pass. */
static void spinner_draw(unsigned frame)
{
    struct fb_surface box;
    fb_surface_init_like(&box, spinner_buf, SPINNER_BOX, SPINNER_BOX, screen);
    fb_fill_rect(&box, 0, 0, SPINNER_BOX, SPINNER_BOX, SPLASH_BG);
    int64_t c = SPINNER_BOX * SUB / 2, rr = 20 * SUB, rd = 7 * SUB / 2;
    for (int i = 0; i < SPINNER_DOTS; i++) {
        unsigned age = (frame % SPINNER_DOTS + SPINNER_DOTS - (unsigned)i) % SPINNER_DOTS;  /* 0 = head */
        uint32_t t = 255 - age * 200 / (SPINNER_DOTS - 1);
        uint32_t color = fb_mix(SPLASH_DIM, age == 0 ? SPLASH_WHITE : SPLASH_CYAN, t);
        int deg = 90 - i * (360 / SPINNER_DOTS);                /* clockwise from 12 */
        draw_disc(&box, c + rr * icos(deg) / SIN_ONE, c - rr * isin(deg) / SIN_ONE, rd, color, color);
    }
    if (shown)
        fb_copy_surface(screen, spin_x, spin_y, &box);
}

static void hand_over(void)
{
    running = false;
    shown = false;
    fbcon_start();
}

static void spinner_thread(void *arg)
{
    (void)arg;
    for (unsigned frame = 1; running; frame++) {
        /* Only this thread draws spinner frames, so handing over here, between
         * frames, is what guarantees none lands on the console. */
        if (finishing && time_ns() - shown_at >= SPLASH_MIN_NS) {
            hand_over();
            break;
        }
        spinner_draw(frame);
        thread_sleep_ns(SPINNER_FRAME_NS);
    }
    thread_exit();
}

bool splash_active(void)
{
    return shown;
}

void splash_finish(void)
{
    if (!shown)
        return;                 /* no splash (splash=0, no framebuffer) or stopped */
    finishing = true;
    if (!running)
        hand_over();            /* no spinner thread: nobody else will */
}

void splash_stop(void)
{
    running = false;
    shown = false;
}

void splash_start(void)
{
    if (shown)
        return;                 /* already up: one spinner thread only */
    screen = fb_screen();
    if (!screen)
        return;
    const char *opt = cmdline_get("splash");
    if (opt && strcmp(opt, "0") == 0) {
        fbcon_start();
        return;
    }
    fbcon_prepare();            /* the shell's first lines are kept for the handover */
    int w = (int)screen->width, h = (int)screen->height;
    int r = MIN(w, h) / 7;
    if (r > 160) r = 160;
    if (r < 24) r = 24;
    const struct psf_font *title = fb_title_font();
    unsigned scale = title && title->height * 2 <= (unsigned)r ? 2 : 1;
    int title_h = title ? (int)(title->height * scale) : 0;
    int gap = r / 3;
    /* Mark, title and spinner stacked and centred as one block. */
    int block = 2 * r + gap + title_h + gap + SPINNER_BOX;
    int top = (h - block) / 2;
    if (top < 0)
        top = 0;
    fb_fill_rect(screen, 0, 0, w, h, SPLASH_BG);
    draw_mark(screen, w / 2, top + r, r);
    if (title) {
        int tw = (int)(title->width * scale) * 8;      /* "OSCortex" */
        int tx = (w - tw) / 2, ty = top + 2 * r + gap;
        const char *name = "OSCortex";
        for (int i = 0; name[i]; i++, tx += (int)(title->width * scale)) {
            uint32_t color = i < 2 ? SPLASH_CYAN : SPLASH_WHITE;   /* "OS" in accent */
            if (scale == 2)
                fb_draw_glyph_smooth2x(screen, tx, ty, title, (uint8_t)name[i], color);
            else
                fb_draw_glyph(screen, tx, ty, title, (uint8_t)name[i], color, FB_TRANSPARENT, 1);
        }
    }
    spin_x = (w - SPINNER_BOX) / 2;
    spin_y = top + 2 * r + gap + title_h + gap;
    shown = true;
    shown_at = time_ns();
    spinner_draw(0);
    log_info("boot splash");
    running = true;
    if (!thread_create("splash", spinner_thread, NULL)) {
        running = false;
        log_warn("no spinner thread: the splash stays still");
    }
}
