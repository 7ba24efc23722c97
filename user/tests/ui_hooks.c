/* libui's hooks for an app's own drawing and input, on an off-screen window: a
 * window event hook that consumes what it handles (a drawing area's drags, a
 * shortcut) and lets the rest reach the widgets, a widget draw hook that paints
 * over the role's look only inside the damage, and ui_damage that repaints a
 * part of a widget (clipped to the window) without a layout. */
#include "testlib.h"

#include <pixman.h>
#include "ui.h"

#define SANS "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define W 400
#define H 300
#define KEY_Z 44
#define MAGENTA 0xffff00ffu

static uint32_t px[W * H];
static struct ui_window win;
static struct ui_font *font;
static struct ui_widget *area, *button;
static int clicks, hook_downs, hook_keys, draws;

static void count(struct ui_widget *w, void *ctx) { (void)w, (void)ctx; clicks++; }

static bool in(struct ui_rect r, int x, int y)
{
    return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

static bool hook(struct ui_window *w, const struct ui_event *e, void *ctx)
{
    (void)w, (void)ctx;
    if (e->type == UI_EV_POINTER_DOWN && in(area->box.rect, e->x, e->y)) {
        hook_downs++;
        return true;
    }
    if (e->type == UI_EV_KEY_DOWN && (e->mods & UI_MOD_CTRL) && e->key == KEY_Z) {
        hook_keys++;
        return true;
    }
    return false;
}

static void paint_area(struct ui_widget *w, pixman_image_t *dst)
{
    draws++;
    ui_fill_rect(dst, w->box.rect, MAGENTA);
}

static void build(void)
{
    font = font ? font : ui_font_open(SANS, 15);
    REQUIRE(font);
    memset(px, 0, sizeof(px));
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, px, W * 4);
    ui_window_init(&win, img, W, H, font);
    win.root.box.align = UI_ALIGN_STRETCH;
    button = ui_add(&win.root, UI_ROLE_BUTTON, "OK");
    button->on_change = count;
    area = ui_add(&win.root, UI_ROLE_PANEL, "Area");
    area->box.flex = 1;
    area->draw = paint_area;
    win.event_hook = hook;
    struct ui_rect d;
    ui_window_paint(&win, &d);
    clicks = hook_downs = hook_keys = draws = 0;
}

static void click(int x, int y)
{
    struct ui_event e = { .type = UI_EV_POINTER_DOWN, .x = x, .y = y };
    ui_window_event(&win, &e);
    e.type = UI_EV_POINTER_UP;
    ui_window_event(&win, &e);
}

static uint32_t at(int x, int y) { return px[y * W + x] & 0xffffff; }

TEST(the_event_hook_consumes_what_it_handles_and_passes_the_rest)
{
    build();
    struct ui_rect a = area->box.rect, b = button->box.rect;
    click(a.x + a.w / 2, a.y + a.h / 2);
    CHECK_EQ(hook_downs, 1);
    CHECK(win.pressed == NULL);                 /* the widgets never saw it */
    click(b.x + b.w / 2, b.y + b.h / 2);
    CHECK_EQ(hook_downs, 1);
    CHECK_EQ(clicks, 1);                        /* the button did */
    struct ui_event k = { .type = UI_EV_KEY_DOWN, .key = KEY_Z, .mods = UI_MOD_CTRL };
    ui_window_event(&win, &k);
    CHECK_EQ(hook_keys, 1);
}

TEST(the_draw_hook_paints_over_the_role_inside_the_damage_only)
{
    build();
    struct ui_rect a = area->box.rect;
    CHECK(a.w > 100 && a.h > 100);
    CHECK_EQ(at(a.x + 5, a.y + 5), MAGENTA & 0xffffff);     /* the first paint drew it */
    /* Repaint a 10x10 square inside the area only, after scribbling on the pixels. */
    for (int y = a.y; y < a.y + a.h; y++)
        for (int x = a.x; x < a.x + a.w; x++)
            px[y * W + x] = 0;
    ui_damage(&win, (struct ui_rect){ a.x + 20, a.y + 20, 10, 10 });
    struct ui_rect d;
    CHECK(ui_window_paint(&win, &d));
    CHECK_EQ(d.x, a.x + 20);
    CHECK_EQ(d.w, 10);
    CHECK_EQ(draws, 1);
    CHECK_EQ(at(a.x + 25, a.y + 25), MAGENTA & 0xffffff);
    CHECK_EQ(at(a.x + 31, a.y + 25), 0);                     /* outside: untouched */
    CHECK_EQ(at(a.x + 5, a.y + 5), 0);
    CHECK(!ui_window_paint(&win, &d));                      /* nothing more to do */
}

TEST(damage_is_clipped_to_the_window_and_empty_damage_is_ignored)
{
    build();
    unsigned before = win.changes;
    ui_damage(&win, (struct ui_rect){ W + 10, 0, 20, 20 });
    ui_damage(&win, (struct ui_rect){ 5, 5, 0, 9 });
    CHECK_EQ(win.changes, before);
    CHECK(!win.damaged);
    ui_damage(&win, (struct ui_rect){ -10, H - 5, 30, 40 });
    CHECK(win.damaged);
    CHECK_EQ(win.damage.x, 0);
    CHECK_EQ(win.damage.y, H - 5);
    CHECK_EQ(win.damage.w, 20);
    CHECK_EQ(win.damage.h, 5);
}
