/* libui's widgets driven by input events on an off-screen window: clicks, typing
 * with selection and the clipboard, Tab focus, toggles, sliders, lists, disabled
 * widgets, cursor shapes, damage-only repaints and the semantics tree. */
#include "testlib.h"

#include <pixman.h>
#include "ui.h"

#define SANS "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define W 480
#define H 520
#define KEY_TAB 15
#define KEY_SPACE 57
#define KEY_HOME 102
#define KEY_LEFT 105
#define KEY_END 107
#define KEY_DOWN 108
#define KEY_A 30
#define KEY_C 46
#define KEY_V 47
#define KEY_X 45
#define KEY_BACKSPACE 14

static uint32_t px[W * H];
static struct ui_window win;
static struct ui_font *font;
static struct ui_widget *ok, *name, *dark, *volume, *files, *off, *progress;
static int ok_clicks, name_changes;
static char clip[256];
static const char *const rows[] = { "Applications", "Documents", "Downloads", "Music",
                                    "Pictures", "Videos", "home", "tmp", "usr" };

static void count(struct ui_widget *w, void *ctx) { (void)w; ++*(int *)ctx; }
static char *clip_get(void *ctx) { (void)ctx; return strdup(clip); }
static void clip_set(void *ctx, const char *s) { (void)ctx; snprintf(clip, sizeof(clip), "%s", s); }

static void build(void)
{
    if (font)
        ui_window_destroy(&win);
    else
        font = ui_font_open(SANS, 15);
    REQUIRE(font);
    memset(px, 0, sizeof(px));
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, px, W * 4);
    ui_window_init(&win, img, W, H, font);
    win.clipboard_get = clip_get;
    win.clipboard_set = clip_set;
    struct ui_widget *panel = ui_add(&win.root, UI_ROLE_PANEL, "");
    ui_add(panel, UI_ROLE_LABEL, "Settings");
    name = ui_add(panel, UI_ROLE_TEXT_FIELD, "Your name");
    dark = ui_add(panel, UI_ROLE_TOGGLE, "Natural scrolling");
    volume = ui_add(panel, UI_ROLE_SLIDER, "Scroll speed");
    files = ui_add(&win.root, UI_ROLE_LIST, "Folders");
    ui_set_items(files, rows, 9);
    progress = ui_add(&win.root, UI_ROLE_PROGRESS, "Copying");
    struct ui_widget *buttons = ui_add(&win.root, UI_ROLE_PANEL, "");
    buttons->box.dir = UI_ROW;
    ok = ui_add(buttons, UI_ROLE_BUTTON, "OK");
    off = ui_add(buttons, UI_ROLE_BUTTON, "Delete");
    ui_set_enabled(off, false);
    ok_clicks = name_changes = 0;
    ok->on_change = count, ok->ctx = &ok_clicks;
    name->on_change = count, name->ctx = &name_changes;
    off->on_change = count, off->ctx = &ok_clicks;
    struct ui_rect d;
    REQUIRE(ui_window_paint(&win, &d));
}

static void pointer(enum ui_event_type t, int x, int y)
{
    struct ui_event e = { .type = t, .x = x, .y = y };
    ui_window_event(&win, &e);
}

static void click_at(int x, int y)
{
    pointer(UI_EV_POINTER_MOVE, x, y);
    pointer(UI_EV_POINTER_DOWN, x, y);
    pointer(UI_EV_POINTER_UP, x, y);
}

/* Clicks a widget's centre, found by its rectangle as a test finds it. */
static void click(struct ui_widget *w)
{
    click_at(w->box.rect.x + w->box.rect.w / 2, w->box.rect.y + w->box.rect.h / 2);
}

static void key(int code, unsigned mods, const char *text)
{
    struct ui_event e = { .type = UI_EV_KEY_DOWN, .key = code, .mods = mods };
    snprintf(e.text, sizeof(e.text), "%s", text);
    ui_window_event(&win, &e);
}

static void type(const char *s)
{
    for (; *s; s++) {
        char t[2] = { *s, 0 };
        key(0, 0, t);
    }
}

TEST(semantics_tree_lists_every_widget_with_its_rectangle)
{
    build();
    char buf[4096];
    size_t n = ui_semantics(&win, buf, sizeof(buf));
    CHECK(n < sizeof(buf));
    CHECK(strstr(buf, "0 1 window \"\"") == buf);
    CHECK(strstr(buf, " button \"OK\" value=0 rect="));
    CHECK(strstr(buf, " list \"Folders\" value=\"Applications\""));
    CHECK(strstr(buf, "2 ") && strstr(buf, " toggle \"Natural scrolling\""));
    CHECK(ui_find(&win, UI_ROLE_BUTTON, "OK") == ok);
    CHECK(ui_find(&win, UI_ROLE_BUTTON, "Cancel") == NULL);
    CHECK(ok->box.rect.w > 20 && ok->box.rect.x + ok->box.rect.w <= W);
    CHECK(files->box.rect.y > name->box.rect.y);
    size_t small = ui_semantics(&win, buf, 10);     /* truncation: NUL-terminated */
    CHECK(small == n && strlen(buf) == 9);
}

TEST(a_label_set_from_its_own_text_keeps_it)
{
    build();
    /* The widget's own buffer, whole and from its middle (a label that drops its
     * first word): snprintf into the same buffer is undefined, glibc empties it. */
    ui_set_label(ok, ok->label);
    CHECK_STR(ok->label, "OK");
    ui_set_label(dark, "Dark mode on");
    ui_set_label(dark, dark->label + 5);
    CHECK_STR(dark->label, "mode on");
}

TEST(click_on_a_button_activates_it_once_and_release_outside_cancels)
{
    build();
    click(ok);
    CHECK(ok_clicks == 1);
    pointer(UI_EV_POINTER_DOWN, ok->box.rect.x + 2, ok->box.rect.y + 2);
    CHECK(ok->state & UI_STATE_PRESSED);
    pointer(UI_EV_POINTER_UP, 1, 1);
    CHECK(ok_clicks == 1);
    CHECK(!(ok->state & UI_STATE_PRESSED));
}

TEST(disabled_button_ignores_clicks_and_shows_forbidden_cursor)
{
    build();
    click(off);
    CHECK(ok_clicks == 0);
    CHECK(win.cursor == UI_CURSOR_FORBIDDEN);
    pointer(UI_EV_POINTER_MOVE, name->box.rect.x + 5, name->box.rect.y + 5);
    CHECK(win.cursor == UI_CURSOR_IBEAM);
    pointer(UI_EV_POINTER_MOVE, ok->box.rect.x + 5, ok->box.rect.y + 5);
    CHECK(win.cursor == UI_CURSOR_HAND);
}

TEST(typing_selection_and_clipboard_in_a_text_field)
{
    build();
    click(name);
    CHECK(win.focus == name);
    type("hello world");
    CHECK(!strcmp(name->text.buf, "hello world"));
    CHECK(name_changes == 11);
    key(KEY_LEFT, UI_MOD_CTRL | UI_MOD_SHIFT, "");
    key(KEY_C, UI_MOD_CTRL, "");
    CHECK(!strcmp(clip, "world"));
    key(KEY_X, UI_MOD_CTRL, "");
    CHECK(!strcmp(name->text.buf, "hello "));
    key(KEY_HOME, 0, "");
    key(KEY_V, UI_MOD_CTRL, "");
    CHECK(!strcmp(name->text.buf, "worldhello "));
    key(KEY_A, UI_MOD_CTRL, "");
    key(KEY_BACKSPACE, 0, "");
    CHECK(!strcmp(name->text.buf, ""));
    type("\x01");                                   /* control characters do not type */
    CHECK(name->text.len == 0);
    char buf[4096];
    type("Ada");
    ui_semantics(&win, buf, sizeof(buf));
    CHECK(strstr(buf, "text_field \"Your name\" value=\"Ada\""));
}

TEST(clicking_in_text_places_the_cursor_and_dragging_selects)
{
    build();
    click(name);
    type("abcdefgh");
    int y = name->box.rect.y + name->box.rect.h / 2;
    int x0 = name->box.rect.x + 8;                  /* the text's left edge */
    pointer(UI_EV_POINTER_DOWN, x0 - 3, y);
    CHECK(name->text.cursor == 0);
    pointer(UI_EV_POINTER_MOVE, x0 + 400, y);       /* past the end */
    pointer(UI_EV_POINTER_UP, x0 + 400, y);
    size_t s, e;
    ui_text_selection(&name->text, &s, &e);
    CHECK(s == 0 && e == 8);
}

TEST(tab_moves_focus_in_order_and_space_flips_the_toggle)
{
    build();
    key(KEY_TAB, 0, "");
    CHECK(win.focus == name);
    key(KEY_TAB, 0, "");
    CHECK(win.focus == dark);
    key(KEY_SPACE, 0, " ");
    CHECK(dark->value == 1 && (dark->state & UI_STATE_CHECKED));
    key(KEY_TAB, 0, "");
    key(KEY_TAB, 0, "");
    CHECK(win.focus == files);
    key(KEY_TAB, 0, "");
    CHECK(win.focus == ok);                         /* progress and disabled skipped */
    key(KEY_TAB, 0, "");
    CHECK(win.focus == name);                       /* wraps */
    key(KEY_TAB, UI_MOD_SHIFT, "");
    CHECK(win.focus == ok);
    click(dark);
    CHECK(dark->value == 0);
}

TEST(slider_follows_the_pointer_and_keys)
{
    build();
    struct ui_rect r = volume->box.rect;
    pointer(UI_EV_POINTER_DOWN, r.x + 8, r.y + r.h / 2);
    CHECK(volume->value == 0);
    pointer(UI_EV_POINTER_MOVE, r.x + r.w / 2, r.y);
    CHECK(volume->value >= 45 && volume->value <= 55);
    pointer(UI_EV_POINTER_MOVE, r.x + r.w + 50, r.y);
    CHECK(volume->value == 100);
    pointer(UI_EV_POINTER_UP, 0, 0);
    key(KEY_LEFT, 0, "");
    CHECK(volume->value == 95);
    key(KEY_HOME, 0, "");
    CHECK(volume->value == 0);
}

TEST(list_selects_by_click_keys_and_scrolls_with_the_wheel)
{
    build();
    struct ui_rect r = files->box.rect;
    int rh = ui_font_line_height(font) + 8;
    click_at(r.x + 20, r.y + rh + rh / 2);
    CHECK(files->value == 1);
    key(KEY_DOWN, 0, "");
    CHECK(files->value == 2);
    key(KEY_END, 0, "");
    CHECK(files->value == 8 && files->first_row > 0);  /* scrolled to keep it in view */
    struct ui_event wheel = { .type = UI_EV_WHEEL, .x = r.x + 5, .y = r.y + 5, .wheel = -10 };
    ui_window_event(&win, &wheel);
    CHECK(files->first_row == 0);
    wheel.wheel = 100;
    ui_window_event(&win, &wheel);
    CHECK(files->first_row == 9 - r.h / rh);
}

static unsigned pixel(int x, int y) { return px[y * W + x] & 0xffffff; }

TEST(repaints_only_what_changed)
{
    build();
    struct ui_rect d;
    CHECK(!ui_window_paint(&win, &d));              /* nothing changed */
    pointer(UI_EV_POINTER_MOVE, ok->box.rect.x + 3, ok->box.rect.y + 3);
    REQUIRE(ui_window_paint(&win, &d));
    CHECK(d.x == ok->box.rect.x && d.y == ok->box.rect.y && d.w == ok->box.rect.w &&
          d.h == ok->box.rect.h);
    ui_set_value(progress, 50);
    REQUIRE(ui_window_paint(&win, &d));
    CHECK(d.y == progress->box.rect.y && d.h == progress->box.rect.h);
}

TEST(painting_draws_the_look)
{
    build();
    struct ui_rect d;
    CHECK(pixel(2, 2) == 0x0f1629);                 /* window background */
    pointer(UI_EV_POINTER_DOWN, ok->box.rect.x + ok->box.rect.w / 2, ok->box.rect.y + 3);
    ui_window_paint(&win, &d);
    unsigned left = pixel(ok->box.rect.x + 4, ok->box.rect.y + ok->box.rect.h / 2);
    unsigned right = pixel(ok->box.rect.x + ok->box.rect.w - 5, ok->box.rect.y + ok->box.rect.h / 2);
    CHECK((left & 0xff) > 0xc0 && (left >> 8 & 0xff) > 0xa0);      /* cyan end */
    CHECK((right >> 16 & 0xff) > (left >> 16 & 0xff));            /* toward violet */
    unsigned corner = pixel(ok->box.rect.x, ok->box.rect.y);
    CHECK(corner != left);                                         /* rounded corner */
    click(name);
    type("Ink");
    ui_window_paint(&win, &d);
    int bright = 0;
    for (int y = name->box.rect.y; y < name->box.rect.y + name->box.rect.h; y++)
        for (int x = name->box.rect.x + 8; x < name->box.rect.x + 40; x++)
            bright += (pixel(x, y) & 0xff) > 0xc0 && (pixel(x, y) >> 16 & 0xff) > 0xc0;
    CHECK(bright > 10);                                            /* the typed text */
    ui_window_destroy(&win);
    ui_font_close(font);
    font = NULL;
}
