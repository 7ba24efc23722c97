/* libui's modal dialogs and list rows on an off-screen window: a dialog is
 * centred, takes every click and key while open (Tab stays inside it), can be
 * closed by its own button, gives the focus back, dims the window under it and
 * shows in the semantics tree; list rows are published, painted by the app's
 * hook, and activated by Enter or a double-click; Enter in a text field acts;
 * a widget's paint hook draws over it, clipped to it. */
#include "testlib.h"

#include <pixman.h>
#include "ui.h"

#define SANS "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define W 520
#define H 420
#define KEY_ESC 1
#define KEY_TAB 15
#define KEY_ENTER 28
#define KEY_DOWN 108

static uint32_t px[W * H];
static struct ui_window win;
static struct ui_font *font;
static struct ui_widget *list, *main_button, *dlg, *field, *done;
static int main_clicks, activations, done_clicks, painted_rows;
static const char *const rows[] = { "Applications", "Documents", "Downloads", "Music",
                                    "Pictures", "Videos", "home", "tmp", "usr", "var",
                                    "etc", "bin", "sbin", "root" };

static void count(struct ui_widget *w, void *ctx) { (void)w; ++*(int *)ctx; }

static void close_it(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    done_clicks++;
    ui_dialog_close(w->win);
}

static void paint_row(struct ui_widget *w, int row, struct ui_rect r, bool sel, void *ctx)
{
    (void)ctx, (void)sel;
    painted_rows++;
    ui_draw_text(w->win, w->items[row], r.x + 30, r, 0xffffffffu);
}

static void paint(void)
{
    struct ui_rect d;
    ui_window_paint(&win, &d);
}

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
    win.root.box.align = UI_ALIGN_STRETCH;
    main_button = ui_add(&win.root, UI_ROLE_BUTTON, "Open");
    main_button->on_change = count, main_button->ctx = &main_clicks;
    list = ui_add(&win.root, UI_ROLE_LIST, "Folders");
    ui_set_items(list, rows, 14);
    list->box.flex = 1;
    list->on_activate = count, list->ctx = &activations;
    main_clicks = activations = done_clicks = painted_rows = 0;
    dlg = field = done = NULL;
    paint();
}

static void open_dialog(void)
{
    dlg = ui_dialog_open(&win, "Rename");
    REQUIRE(dlg);
    field = ui_add(dlg, UI_ROLE_TEXT_FIELD, "Name");
    struct ui_widget *row = ui_dialog_buttons(dlg);
    ui_add(row, UI_ROLE_BUTTON, "Cancel");
    done = ui_add(row, UI_ROLE_BUTTON, "Done");
    done->on_change = close_it;
    ui_set_focus(&win, field);
    paint();
}

static unsigned pixel(int x, int y) { return px[y * W + x] & 0xffffff; }

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

static void click(struct ui_widget *w)
{
    click_at(w->box.rect.x + w->box.rect.w / 2, w->box.rect.y + w->box.rect.h / 2);
}

static void key(int code, const char *text)
{
    struct ui_event e = { .type = UI_EV_KEY_DOWN, .key = code };
    snprintf(e.text, sizeof(e.text), "%s", text);
    ui_window_event(&win, &e);
}

TEST(a_dialog_is_centred_and_takes_all_input_while_open)
{
    build();
    ui_set_focus(&win, list);
    struct ui_rect under = main_button->box.rect;
    open_dialog();
    struct ui_rect r = dlg->box.rect;
    CHECK(r.w >= 300 && r.h > 60);
    CHECK(abs(r.x + r.w / 2 - W / 2) <= 1 && abs(r.y + r.h / 2 - H / 2) <= 1);
    CHECK(field->box.rect.x > r.x && field->box.rect.y > r.y);
    click_at(under.x + 4, under.y + 4);         /* the button under the dim: nothing */
    CHECK(main_clicks == 0);
    key(KEY_DOWN, "");
    CHECK(list->value == 0);                    /* the list does not get keys either */
    key(0, "x");
    CHECK(field->text.len == 1);
    for (int i = 0; i < 6; i++) {               /* Tab cycles field, Cancel, Done only */
        key(KEY_TAB, "");
        CHECK(win.focus == field || win.focus == done || win.focus->parent->parent == dlg);
    }
    CHECK(ui_find(&win, UI_ROLE_BUTTON, "Done") == done);
}

TEST(its_own_button_closes_it_and_the_focus_goes_back)
{
    build();
    ui_set_focus(&win, list);
    for (int round = 0; round < 3; round++) {
        open_dialog();
        click(done);
        CHECK(done_clicks == round + 1);
        CHECK(win.modal == NULL && win.focus == list);
        paint();                                /* frees the closed dialog */
        CHECK(win.closed == NULL);
    }
    click(main_button);
    CHECK(main_clicks == 1);
    open_dialog();
    open_dialog();                              /* a second one replaces the first */
    CHECK(win.modal == dlg);
    ui_dialog_close(&win);
    CHECK(win.focus == main_button);            /* the last focus before any dialog */
    open_dialog();
    key(KEY_ESC, "");                           /* Escape closes it */
    CHECK(win.modal == NULL && win.focus == main_button && done_clicks == 3);
}

TEST(the_window_dims_under_the_dialog_and_the_tree_shows_it)
{
    build();
    unsigned before = pixel(W - 3, H - 3);
    open_dialog();
    unsigned after = pixel(W - 3, H - 3);
    CHECK(before != 0);
    CHECK((after & 0xff) < (before & 0xff) && ((after >> 16) & 0xff) < ((before >> 16) & 0xff));
    struct ui_rect r = dlg->box.rect;
    CHECK(pixel(r.x + r.w / 2, r.y + 6) == (before & 0xffffff));   /* the dialog is not dimmed */
    char buf[8192];
    ui_semantics(&win, buf, sizeof(buf));
    char *d = strstr(buf, " dialog \"Rename\"");
    CHECK(d && d[-1] != '\n' && strstr(buf, "\n1 "));
    CHECK(d && strstr(d, " button \"Done\"") && strstr(d, " text_field \"Name\""));
    CHECK(d && d > strstr(buf, " list \"Folders\""));   /* after the window's own tree */
    ui_dialog_close(&win);
    paint();
    ui_semantics(&win, buf, sizeof(buf));
    CHECK(!strstr(buf, " dialog "));
    CHECK(pixel(W - 3, H - 3) == before);
}

TEST(list_rows_are_published_painted_and_activated)
{
    build();
    list->draw_row = paint_row;
    char buf[8192];
    ui_semantics(&win, buf, sizeof(buf));
    CHECK(strstr(buf, " row \"Applications\" value=0 rect="));
    CHECK(strstr(buf, " row \"Documents\" value=1 rect="));
    int rh = ui_list_row_height(&win), visible = list->box.rect.h / rh;
    CHECK(visible > 2 && visible < 14);
    char want[64];
    snprintf(want, sizeof(want), " row \"%s\" value=%d ", rows[visible - 1], visible - 1);
    CHECK(strstr(buf, want));
    snprintf(want, sizeof(want), " row \"%s\" value=%d ", rows[visible], visible);
    CHECK(!strstr(buf, want));                  /* rows out of view are not listed */
    painted_rows = 0;
    win.needs_layout = true;
    paint();
    CHECK(painted_rows == visible || painted_rows == visible + 1);
    struct ui_rect r = list->box.rect;
    /* The rows outgrow the box: a scroll bar's thumb at the right edge, at the
     * top, and lower once the wheel scrolled. */
    int bx = r.x + r.w - 6, top = r.y + 12, low = r.y + r.h - 12;
    unsigned field = pixel(r.x + r.w / 2, r.y + r.h - 3);
    CHECK(pixel(bx, top) != field && pixel(bx, top) != pixel(bx, low));
    struct ui_event wheel = { .type = UI_EV_WHEEL, .x = r.x + 5, .y = r.y + 5, .wheel = 100 };
    ui_window_event(&win, &wheel);
    paint();
    CHECK(list->first_row == 14 - visible && pixel(bx, low) != pixel(bx, top));
    wheel.wheel = -100;
    ui_window_event(&win, &wheel);
    paint();
    click_at(r.x + 40, r.y + rh + rh / 2);      /* one click selects */
    CHECK(list->value == 1 && activations == 0);
    click_at(r.x + 40, r.y + rh + rh / 2);      /* the second on the same row opens */
    CHECK(activations == 1);
    click_at(r.x + 40, r.y + 2 * rh + rh / 2);
    CHECK(list->value == 2 && activations == 1);
    ui_semantics(&win, buf, sizeof(buf));
    CHECK(strstr(buf, " row \"Downloads\" value=2 rect=") &&
          strstr(strstr(buf, " row \"Downloads\""), "state=16\n"));
    ui_set_focus(&win, list);
    key(KEY_ENTER, "");
    CHECK(activations == 2);
}

TEST(enter_in_a_text_field_acts_and_set_text_selects_for_replacing)
{
    build();
    open_dialog();
    field->on_activate = close_it;
    CHECK(ui_set_text(field, "New Folder", true) == 0);
    key(0, "x");
    CHECK(strcmp(field->text.buf, "x") == 0);   /* typing replaced the selection */
    key(KEY_ENTER, "");
    CHECK(done_clicks == 1 && win.modal == NULL);
    paint();
}

static struct ui_rect painted_at;
static void paint_hook(struct ui_widget *w, struct ui_rect r, void *ctx)
{
    (void)ctx;
    painted_at = r;
    ui_fill_rect(w->win->target, (struct ui_rect){ r.x - 20, r.y, r.w + 40, r.h }, 0xffff00ffu);
}

TEST(a_widgets_own_paint_hook_draws_over_it_clipped_to_it)
{
    build();
    open_dialog();
    struct ui_widget *view = ui_add(dlg, UI_ROLE_PANEL, "Image");
    view->box.pref_w = view->box.min_w = 64;
    view->box.pref_h = view->box.min_h = 32;
    view->paint = paint_hook;
    win.needs_layout = true;
    paint();
    struct ui_rect r = view->box.rect;
    CHECK(painted_at.w == r.w && painted_at.h == r.h && painted_at.x == r.x && r.w > 0);
    CHECK(pixel(r.x + r.w / 2, r.y + r.h / 2) == 0xff00ff);
    CHECK(r.x >= 10 && pixel(r.x - 10, r.y + r.h / 2) != 0xff00ff);   /* clipped to the widget */
}
