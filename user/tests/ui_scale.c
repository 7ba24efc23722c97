/* libui's scale factor: a window at 200% (with its font at twice the size, as
 * apps open it) lays out and draws at twice the size of one at 100% (paddings,
 * buttons, toggles, list rows, menus), and the user's display.scale setting
 * (read from $HOME/.config/oscortex/settings) drives ui_scale_px and the window
 * sizes apps ask for, kept inside the screen. */
#include "testlib.h"

#include <pixman.h>
#include <stdlib.h>
#include <unistd.h>
#include "ui.h"

#define SANS "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define W 800
#define H 600

static uint32_t px[W * H];

struct built {
    struct ui_window win;
    struct ui_font *font;
    struct ui_widget *button, *toggle, *list, *field;
};

static const char *const rows[] = { "one", "two", "three" };

static void build(struct built *b, int scale)
{
    b->font = ui_font_open(SANS, 16 * scale / 100);
    REQUIRE(b->font);
    memset(px, 0, sizeof(px));
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, px, W * 4);
    ui_window_init(&b->win, img, W, H, b->font);
    ui_window_set_scale(&b->win, scale);
    b->button = ui_add(&b->win.root, UI_ROLE_BUTTON, "Open");
    b->toggle = ui_add(&b->win.root, UI_ROLE_TOGGLE, "Natural scrolling");
    ui_set_value(b->toggle, 1);
    b->field = ui_add(&b->win.root, UI_ROLE_TEXT_FIELD, "Name");
    b->list = ui_add(&b->win.root, UI_ROLE_LIST, "Rows");
    ui_set_items(b->list, rows, 3);
    struct ui_rect d;
    ui_window_paint(&b->win, &d);
}

static void done(struct built *b)
{
    pixman_image_unref(b->win.target);
    ui_window_destroy(&b->win);
    ui_font_close(b->font);
}

/* Within 2 px of twice a (rounding in the font's metrics). */
static bool doubled(int a, int b) { return abs(2 * a - b) <= 3; }

TEST(at_200_percent_everything_is_twice_the_size)
{
    struct built one, two;
    build(&one, 100);
    struct ui_rect b1 = one.button->box.rect, t1 = one.toggle->box.rect, f1 = one.field->box.rect;
    int rh1 = ui_list_row_height(&one.win), pad1 = one.win.root.box.padding;
    done(&one);
    build(&two, 200);
    struct ui_rect b2 = two.button->box.rect, t2 = two.toggle->box.rect, f2 = two.field->box.rect;
    CHECK_EQ(two.win.root.box.padding, 2 * pad1);
    CHECK(doubled(b1.x, b2.x) && doubled(b1.y, b2.y));
    CHECK(doubled(b1.w, b2.w) && doubled(b1.h, b2.h));
    CHECK(doubled(t1.h, t2.h) && doubled(f1.h, f2.h) && doubled(f1.y, f2.y));
    CHECK(doubled(rh1, ui_list_row_height(&two.win)));
    CHECK_EQ(ui_px(&two.win, 44), 88);
    /* The toggle's knob (on: at the track's right end) is drawn at 2x, 40 px
     * across: white at its centre and 4 px in from its left edge; the track
     * further left is the gradient. */
    struct ui_rect t = two.toggle->box.rect;
    int y = t.y + t.h / 2;
    CHECK((px[y * W + t.x + t.w - 24] & 0xffffff) == 0xe6e9f2);
    CHECK((px[y * W + t.x + t.w - 40] & 0xffffff) == 0xe6e9f2);
    CHECK((px[y * W + t.x + t.w - 80] & 0xffffff) != 0xe6e9f2);
    /* A menu's items grow with the font and their insets. */
    struct ui_widget *m = ui_menu_open(&two.win, 10, 10);
    ui_menu_item(m, "Rename", "F2", NULL, NULL);
    struct ui_rect d;
    ui_window_paint(&two.win, &d);
    CHECK(m->box.rect.w >= 400 && m->box.padding == 12);
    done(&two);
}

TEST(the_users_display_scale_sizes_fonts_and_windows_inside_the_screen)
{
    char dir[] = "/tmp/ui_scale.XXXXXX";
    REQUIRE(mkdtemp(dir));
    setenv("HOME", dir, 1);
    struct ui_settings s;
    ui_settings_defaults(&s);
    CHECK_EQ(ui_scale_px(16), 16);              /* no file: 100% */
    s.scale = 150;
    REQUIRE(ui_settings_save(&s, NULL) == 0);
    CHECK_EQ(ui_settings_current()->scale, 150);
    CHECK_EQ(ui_scale_px(16), 24);
    int x = 120, y = 70, w = 400, h = 300;
    ui_scale_window(&x, &y, &w, &h);
    CHECK(w == 600 && h == 450 && x == 120 && y == 70);
    s.scale = 200;
    REQUIRE(ui_settings_save(&s, NULL) == 0);
    x = 120, y = 70, w = 780, h = 560;
    ui_scale_window(&x, &y, &w, &h);
    /* 1560 x 1120 does not fit any screen OSCortex runs (1024 x 768 in QEMU,
     * the host has no /dev/compositor and takes the same): clamped and moved. */
    CHECK(w <= 1560 && h <= 1120 && w > 780 && h > 400);
    CHECK(x >= 0 && y >= 0 && x + w <= 1920 && (w < 1560 || h < 1120));
    char path[128];
    snprintf(path, sizeof(path), "%s/.config/oscortex/settings", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/.config/oscortex", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/.config", dir);
    rmdir(path);
    rmdir(dir);
}
