/* libui's menus, tabs, text areas and grids on an off-screen window, driven by
 * synthetic events: a right click opens a context menu at the pointer over a
 * selected row, items are chosen by click or keys (disabled ones and separators
 * never), a click outside only closes, the menu paints over the window and stays
 * inside it; tabs show one page at a time (click, Ctrl+Tab); a text area edits
 * across lines with the keys, the mouse and the clipboard and scrolls; a grid
 * moves in two dimensions. Everything is checked through the semantics tree too. */
#include "testlib.h"

#include <pixman.h>
#include "ui.h"

#define SANS "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define W 520
#define H 420
#define KEY_ESC 1
#define KEY_TAB 15
#define KEY_ENTER 28
#define KEY_A 30
#define KEY_C 46
#define KEY_X 45
#define KEY_V 47
#define KEY_HOME 102
#define KEY_UP 103
#define KEY_LEFT 105
#define KEY_RIGHT 106
#define KEY_END 107
#define KEY_DOWN 108
#define KEY_PAGEDOWN 109

static uint32_t px[W * H];
static struct ui_window win;
static struct ui_font *font;
static struct ui_widget *list, *button, *menu;
static int button_clicks, opens, renames, deletes, pastes, contexts;
static char clipboard[256];
static char sem[65536];
static const char *const rows[] = { "Applications", "Documents", "Downloads", "Music",
                                    "Pictures", "Videos", "home", "tmp", "usr", "var" };

static void count(struct ui_widget *w, void *ctx) { (void)w; ++*(int *)ctx; }

static void paint(void)
{
    struct ui_rect d;
    ui_window_paint(&win, &d);
}

static char *clip_get(void *ctx) { (void)ctx; return strdup(clipboard); }
static void clip_set(void *ctx, const char *s) { (void)ctx; snprintf(clipboard, sizeof(clipboard), "%s", s); }

/* The Files-like context menu: one for a row, another for empty space. */
static void context(struct ui_widget *w, int x, int y, void *ctx)
{
    (void)ctx;
    contexts++;
    menu = ui_menu_open(w->win, x, y);
    if (ui_list_row_at(w, y) >= 0) {
        ui_menu_item(menu, "Open", "Enter", count, &opens);
        ui_menu_item(menu, "Rename", "F2", count, &renames);
        ui_menu_separator(menu);
        ui_set_enabled(ui_menu_item(menu, "Copy", "Ctrl+C", count, &opens), false);
        ui_menu_item(menu, "Delete", "Del", count, &deletes);
    } else {
        ui_menu_item(menu, "Paste", "Ctrl+V", count, &pastes);
    }
}

static void build(void)
{
    if (font) {
        pixman_image_unref(win.target);
        ui_window_destroy(&win);
    } else
        font = ui_font_open(SANS, 15);
    REQUIRE(font);
    memset(px, 0, sizeof(px));
    pixman_image_t *img = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, px, W * 4);
    ui_window_init(&win, img, W, H, font);
    win.root.box.align = UI_ALIGN_STRETCH;
    win.clipboard_get = clip_get, win.clipboard_set = clip_set;
    button = ui_add(&win.root, UI_ROLE_BUTTON, "Menu");
    button->on_change = count, button->ctx = &button_clicks;
    list = ui_add(&win.root, UI_ROLE_LIST, "Entries");
    ui_set_items(list, rows, 4);
    list->box.flex = 1;
    list->on_context = context;
    button_clicks = opens = renames = deletes = pastes = contexts = 0;
    menu = NULL;
    clipboard[0] = 0;
    paint();
}

static unsigned pixel(int x, int y) { return px[y * W + x] & 0xffffff; }

static void pointer(enum ui_event_type t, int x, int y, int button)
{
    struct ui_event e = { .type = t, .x = x, .y = y, .button = button };
    ui_window_event(&win, &e);
}

static void click_at(int x, int y)
{
    pointer(UI_EV_POINTER_MOVE, x, y, 0);
    pointer(UI_EV_POINTER_DOWN, x, y, 0);
    pointer(UI_EV_POINTER_UP, x, y, 0);
}

static void right_click_at(int x, int y)
{
    pointer(UI_EV_POINTER_MOVE, x, y, 0);
    pointer(UI_EV_POINTER_DOWN, x, y, UI_BUTTON_RIGHT);
    pointer(UI_EV_POINTER_UP, x, y, UI_BUTTON_RIGHT);
}

static void click(struct ui_widget *w)
{
    click_at(w->box.rect.x + w->box.rect.w / 2, w->box.rect.y + w->box.rect.h / 2);
}

static void key_mods(int code, const char *text, unsigned mods)
{
    struct ui_event e = { .type = UI_EV_KEY_DOWN, .key = code, .mods = mods };
    snprintf(e.text, sizeof(e.text), "%s", text);
    ui_window_event(&win, &e);
}

static void key(int code, const char *text) { key_mods(code, text, 0); }

static void type(const char *s)
{
    for (; *s; s++) {
        char c[2] = { *s, 0 };
        key(*s == '\n' ? KEY_ENTER : 0, *s == '\n' ? "" : c);
    }
}

static const char *semantics(void)
{
    ui_semantics(&win, sem, sizeof(sem));
    return sem;
}

static struct ui_widget *item(const char *label)
{
    return ui_find(&win, UI_ROLE_MENUITEM, label);
}

/* A point on list row i. */
static int row_y(int i) { return list->box.rect.y + i * ui_list_row_height(&win) + 4; }

TEST(a_right_click_on_a_row_selects_it_and_opens_the_menu_at_the_pointer)
{
    build();
    int x = list->box.rect.x + 40, y = row_y(2);
    right_click_at(x, y);
    CHECK(contexts == 1 && list->value == 2);
    REQUIRE(win.menu && win.menu == menu);
    paint();
    CHECK(menu->box.rect.x == x && menu->box.rect.y == y);
    CHECK(menu->box.rect.w >= 150 && menu->box.rect.h > 4 * ui_list_row_height(&win));
    const char *s = semantics();
    CHECK(strstr(s, " menu \"\"") != NULL);
    CHECK(strstr(s, " menuitem \"Rename\" value=\"F2\"") != NULL);
    CHECK(strstr(s, " separator ") != NULL);
    CHECK(strstr(s, " menuitem \"Copy\" value=\"Ctrl+C\"") && (item("Copy")->state & UI_STATE_DISABLED));
    /* Its release landed inside the menu but chose nothing. */
    CHECK(win.menu && opens + renames + deletes == 0);
    /* On empty space: the other menu, the selection kept. */
    key(KEY_ESC, "");
    right_click_at(x, list->box.rect.y + list->box.rect.h - 5);
    CHECK(contexts == 2 && list->value == 2 && item("Paste") && !item("Rename"));
}

TEST(clicking_an_item_closes_the_menu_then_calls_it_disabled_items_and_separators_do_nothing)
{
    build();
    right_click_at(list->box.rect.x + 40, row_y(1));
    paint();
    struct ui_widget *copy = item("Copy");
    REQUIRE(copy);
    click(copy);
    CHECK(win.menu != NULL && opens == 0);
    struct ui_widget *sep = (struct ui_widget *)copy->parent->box.first_child->next_sibling->next_sibling;
    CHECK(sep->role == UI_ROLE_SEPARATOR);
    click(sep);
    CHECK(win.menu != NULL);
    click(item("Rename"));
    CHECK(renames == 1 && win.menu == NULL);
    paint();                            /* frees the closed menu */
    CHECK(win.closed == NULL);
    CHECK(strstr(semantics(), "menuitem") == NULL);
}

static bool hooked;
static bool hook(struct ui_window *w, const struct ui_event *e, void *ctx)
{
    (void)w, (void)e, (void)ctx;
    hooked = true;
    return true;
}

TEST(an_open_menu_sees_events_before_the_apps_hook)
{
    build();
    right_click_at(list->box.rect.x + 40, row_y(1));
    REQUIRE(win.menu);
    paint();
    win.event_hook = hook;
    hooked = false;
    click(item("Open"));
    CHECK(opens == 1 && !hooked && !win.menu);
    click(button);
    CHECK(hooked && button_clicks == 0);
    win.event_hook = NULL;
}

TEST(keys_move_through_the_enabled_items_enter_chooses_escape_closes)
{
    build();
    right_click_at(list->box.rect.x + 40, row_y(0));
    key(KEY_DOWN, "");                  /* Open */
    key(KEY_DOWN, "");                  /* Rename */
    key(KEY_DOWN, "");                  /* past the separator and Copy: Delete */
    CHECK(item("Delete")->state & UI_STATE_HOVER);
    key(KEY_DOWN, "");                  /* wraps to Open */
    CHECK(item("Open")->state & UI_STATE_HOVER);
    key(KEY_UP, "");                    /* and back to Delete */
    key(KEY_ENTER, "");
    CHECK(deletes == 1 && win.menu == NULL);
    right_click_at(list->box.rect.x + 40, row_y(0));
    key(KEY_UP, "");
    key(KEY_ESC, "");
    CHECK(win.menu == NULL && deletes == 1 && opens == 0);
    /* Keys went to the menu, not the list. */
    CHECK(list->value == 0);
}

TEST(the_menu_key_and_shift_f10_open_the_focused_lists_menu_at_its_row)
{
    build();
    ui_set_focus(&win, list);
    ui_set_value(list, 2);
    paint();
    key(127, "");                       /* KEY_COMPOSE, the Menu key */
    REQUIRE(win.menu);
    CHECK(contexts == 1 && item("Rename"));
    paint();
    CHECK(menu->box.rect.y >= row_y(2) - 4 && menu->box.rect.y < row_y(3));
    key(KEY_ESC, "");
    key_mods(68, "", UI_MOD_SHIFT);     /* Shift+F10 */
    CHECK(contexts == 2 && win.menu && item("Rename"));
    key(KEY_DOWN, "");
    key(KEY_DOWN, "");
    key(KEY_ENTER, "");
    CHECK(renames == 1 && !win.menu);
    key(68, "");                        /* F10 alone: no menu */
    CHECK(contexts == 2 && !win.menu);
}

TEST(a_click_outside_only_closes_the_menu)
{
    build();
    right_click_at(list->box.rect.x + 40, row_y(3));
    REQUIRE(win.menu);
    click(button);
    CHECK(win.menu == NULL && button_clicks == 0);
    click(button);
    CHECK(button_clicks == 1);
}

TEST(the_menu_paints_over_the_window_stays_inside_it_and_leaves_no_trace)
{
    build();
    int x = W - 20, y = row_y(3);
    ui_set_value(list, 3);              /* as the right click will */
    ui_set_focus(&win, list);
    paint();
    unsigned before = pixel(W - 60, y + 20);
    right_click_at(x, y);
    paint();
    struct ui_rect m = menu->box.rect;
    CHECK(m.x + m.w <= W && m.y + m.h <= H && m.x >= 0 && m.y >= 0);
    CHECK(m.x + m.w <= x);              /* opened to the left of the pointer */
    CHECK(pixel(W - 60, y + 20) != before);
    /* Hover paints the highlight. */
    struct ui_widget *open = item("Open");
    int ox = open->box.rect.x + open->box.rect.w - 8, oy = open->box.rect.y + open->box.rect.h / 2;
    unsigned plain = pixel(ox, oy);
    pointer(UI_EV_POINTER_MOVE, ox, oy, 0);
    paint();
    CHECK(open->state & UI_STATE_HOVER);
    CHECK(pixel(ox, oy) != plain);
    key(KEY_ESC, "");
    paint();
    CHECK(pixel(W - 60, y + 20) == before);
}

static void open_below(struct ui_widget *w, void *ctx)
{
    (void)ctx;
    menu = ui_menu_open_below(w);
    ui_menu_item(menu, "New Window", "Ctrl+N", count, &opens);
}

TEST(a_menu_button_opens_its_menu_below_it)
{
    build();
    button->on_change = open_below;
    click(button);
    REQUIRE(win.menu);
    paint();
    CHECK(menu->box.rect.y >= button->box.rect.y + button->box.rect.h);
    CHECK(menu->box.rect.x == button->box.rect.x);
    click(item("New Window"));
    CHECK(opens == 1 && !win.menu);
}

/* ---- Tabs ---- */
static struct ui_widget *tabs, *pages[3], *fields[3];
static int tab_changes;

static void build_tabs(void)
{
    build();
    tabs = ui_tabs_add(&win.root);
    REQUIRE(tabs);
    tabs->box.flex = 1;
    tabs->on_change = count, tabs->ctx = &tab_changes;
    const char *names[] = { "Mouse", "Keyboard", "About" };
    for (int i = 0; i < 3; i++) {
        pages[i] = ui_tab_add(tabs, names[i]);
        REQUIRE(pages[i]);
        char label[32];
        snprintf(label, sizeof(label), "Field %d", i);
        fields[i] = ui_add(pages[i], UI_ROLE_TEXT_FIELD, label);
    }
    tab_changes = 0;
    paint();
}

TEST(tabs_show_one_page_and_a_click_switches)
{
    build_tabs();
    CHECK(tabs->value == 0 && !pages[0]->box.hidden && pages[1]->box.hidden && pages[2]->box.hidden);
    const char *s = semantics();
    CHECK(strstr(s, "tab \"Mouse\" value=0") && strstr(s, "\"Field 0\"") && !strstr(s, "\"Field 1\""));
    struct ui_widget *kb = ui_find(&win, UI_ROLE_TAB, "Keyboard");
    REQUIRE(kb);
    CHECK(!(kb->state & UI_STATE_CHECKED) && (ui_find(&win, UI_ROLE_TAB, "Mouse")->state & UI_STATE_CHECKED));
    click(kb);
    paint();
    CHECK(tabs->value == 1 && tab_changes == 1 && (kb->state & UI_STATE_CHECKED));
    CHECK(pages[0]->box.hidden && !pages[1]->box.hidden);
    CHECK(fields[1]->box.rect.w > 0 && fields[1]->box.rect.y > kb->box.rect.y + kb->box.rect.h);
    s = semantics();
    CHECK(strstr(s, "\"Field 1\"") && !strstr(s, "\"Field 0\""));
    click(fields[1]);
    CHECK(win.focus == fields[1]);
}

TEST(ctrl_tab_cycles_the_tabs_and_the_focus_never_stays_on_a_hidden_page)
{
    build_tabs();
    click(fields[0]);
    CHECK(win.focus == fields[0]);
    key_mods(KEY_TAB, "", UI_MOD_CTRL);
    CHECK(tabs->value == 1 && win.focus && win.focus->role == UI_ROLE_TAB);
    key_mods(KEY_TAB, "", UI_MOD_CTRL);
    key_mods(KEY_TAB, "", UI_MOD_CTRL);
    CHECK(tabs->value == 0);
    key_mods(KEY_TAB, "", UI_MOD_CTRL | UI_MOD_SHIFT);
    CHECK(tabs->value == 2 && tab_changes == 4);
    /* Plain Tab walks only what is shown. */
    for (int i = 0; i < 12; i++) {
        key(KEY_TAB, "");
        CHECK(win.focus != fields[0] && win.focus != fields[1]);
    }
    /* Left/Right on a focused tab. */
    ui_set_focus(&win, ui_find(&win, UI_ROLE_TAB, "About"));
    key(KEY_RIGHT, "");
    CHECK(tabs->value == 0 && win.focus == ui_find(&win, UI_ROLE_TAB, "Mouse"));
}

/* ---- Text areas ---- */
static struct ui_widget *area;
static int edits;

static void build_area(void)
{
    build();
    area = ui_add(&win.root, UI_ROLE_TEXT_AREA, "Notes");
    area->box.pref_h = 6 * ui_font_line_height(font) + 16;
    area->on_change = count, area->ctx = &edits;
    edits = 0;
    paint();
    click(area);
    CHECK(win.focus == area);
}

TEST(a_text_area_edits_across_lines_and_up_down_keep_the_column)
{
    build_area();
    type("first line\nsecond\nthe third line");
    CHECK_STR(area->text.buf, "first line\nsecond\nthe third line");
    CHECK(edits == 32 && ui_text_line_count(&area->text) == 3);
    CHECK(strstr(semantics(), "text_area \"Notes\" value=\"first line\\x0asecond\\x0athe third line\""));
    key(KEY_UP, "");                    /* from the end of line 3 (col 14): line 2 is shorter */
    CHECK(area->text.cursor == strlen("first line\nsecond"));
    key(KEY_UP, "");                    /* the column remembered: back further right */
    CHECK(area->text.cursor > strlen("first li") && area->text.cursor <= strlen("first line"));
    key(KEY_HOME, "");
    CHECK(area->text.cursor == 0);
    key(KEY_DOWN, "");
    key(KEY_END, "");
    CHECK(area->text.cursor == strlen("first line\nsecond"));
    key(KEY_ENTER, "");
    type("x");
    CHECK_STR(area->text.buf, "first line\nsecond\nx\nthe third line");
    key_mods(KEY_END, "", UI_MOD_CTRL);
    CHECK(area->text.cursor == area->text.len);
}

TEST(shift_arrows_and_a_drag_select_across_lines_and_the_clipboard_works)
{
    build_area();
    type("alpha\nbeta\ngamma");
    key_mods(KEY_HOME, "", UI_MOD_CTRL);
    key_mods(KEY_DOWN, "", UI_MOD_SHIFT);
    key_mods(KEY_RIGHT, "", UI_MOD_SHIFT);
    key_mods(KEY_C, "", UI_MOD_CTRL);
    CHECK_STR(clipboard, "alpha\nb");
    key_mods(KEY_X, "", UI_MOD_CTRL);
    CHECK_STR(area->text.buf, "eta\ngamma");
    key_mods(KEY_END, "", UI_MOD_CTRL);
    key_mods(KEY_V, "", UI_MOD_CTRL);
    CHECK_STR(area->text.buf, "eta\ngammaalpha\nb");
    /* The mouse: a press on line 2's start, a drag to line 1. */
    paint();
    int lh = ui_font_line_height(font), x0 = area->box.rect.x + 8, y0 = area->box.rect.y + 8;
    pointer(UI_EV_POINTER_MOVE, x0 + 1, y0 + lh + lh / 2, 0);
    pointer(UI_EV_POINTER_DOWN, x0 + 1, y0 + lh + lh / 2, 0);
    CHECK(area->text.cursor == 4 && area->text.anchor == 4);
    pointer(UI_EV_POINTER_MOVE, x0 + 400, y0 + lh / 2, 0);
    pointer(UI_EV_POINTER_UP, x0 + 400, y0 + lh / 2, 0);
    CHECK(area->text.anchor == 4 && area->text.cursor == 3);
    key_mods(KEY_A, "", UI_MOD_CTRL);
    key_mods(KEY_C, "", UI_MOD_CTRL);
    CHECK_STR(clipboard, "eta\ngammaalpha\nb");
}

TEST(a_long_text_scrolls_with_the_keys_and_the_wheel)
{
    build_area();
    char text[2000] = "";
    for (int i = 0; i < 60; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "line %d\n", i);
    REQUIRE(ui_textarea_set(area, text) == 0);
    paint();
    CHECK(area->text.cursor == 0 && area->scroll_y == 0);
    unsigned top_left = pixel(area->box.rect.x + 12, area->box.rect.y + 14);
    (void)top_left;
    key(KEY_PAGEDOWN, "");
    int line = ui_text_line_of(&area->text, area->text.cursor);
    CHECK(line >= 3 && line <= 8);
    for (int i = 0; i < 10; i++)
        key(KEY_PAGEDOWN, "");
    CHECK(ui_text_line_of(&area->text, area->text.cursor) == 60);
    int lh = ui_font_line_height(font);
    CHECK(area->scroll_y > 50 * lh);    /* the cursor's line is in view */
    struct ui_event wheel = { .type = UI_EV_WHEEL, .x = area->box.rect.x + 20,
                              .y = area->box.rect.y + 20, .wheel = -3 };
    ui_window_event(&win, &wheel);
    CHECK(area->scroll_y > 45 * lh && area->scroll_y % lh == 0);
    wheel.wheel = -1000;
    ui_window_event(&win, &wheel);
    CHECK(area->scroll_y == 0);
    paint();
    /* Long lines scroll sideways to the cursor. */
    REQUIRE(ui_textarea_set(area, "") == 0);
    for (int i = 0; i < 80; i++)
        type("word ");
    CHECK(area->scroll_x > 0);
    key(KEY_HOME, "");
    CHECK(area->scroll_x == 0);
}

TEST(a_long_text_publishes_only_its_head_and_the_tree_goes_on)
{
    build_area();
    static char big[20000];
    memset(big, 'a', sizeof(big) - 1);
    memcpy(big + 2047, "\xc3\xa9", 2);          /* an é across the cut */
    REQUIRE(ui_textarea_set(area, big) == 0);
    struct ui_widget *after = ui_add(&win.root, UI_ROLE_BUTTON, "After");
    REQUIRE(after);
    const char *s = semantics();
    const char *line = strstr(s, "text_area \"Notes\" value=\"");
    REQUIRE(line);
    const char *end = strchr(line, '\n');
    CHECK(end && end - line < 2200 && end - line > 2000);
    CHECK(strstr(line, "aa\xe2\x80\xa6\"") != NULL);    /* cut before the é, an ellipsis */
    CHECK(strstr(s, "button \"After\"") != NULL);
}

/* ---- Grids ---- */
TEST(a_grid_moves_in_two_dimensions_selects_by_click_and_activates)
{
    build();
    int activations = 0;
    static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                                         "k", "l", "m", "n", "o", "p", "q", "r", "s", "t" };
    struct ui_widget *g = ui_grid_add(&win.root, "Icons", 100, 90);
    REQUIRE(g);
    g->box.flex = 1;
    ui_set_items(g, names, 20);
    g->on_activate = count, g->ctx = &activations;
    paint();
    ui_set_focus(&win, g);
    int cols = (g->box.rect.w - 18) / 100;
    CHECK(cols == 4);
    ui_set_value(g, 0);
    key(KEY_RIGHT, "");
    key(KEY_DOWN, "");
    CHECK(g->value == 1 + cols);
    key(KEY_END, "");
    CHECK(g->value == 19 && g->first_row > 0);
    key(KEY_UP, "");
    CHECK(g->value == 19 - cols);
    key(KEY_ENTER, "");
    CHECK(activations == 1);
    key(KEY_HOME, "");
    CHECK(g->value == 0 && g->first_row == 0);
    paint();
    const char *s = semantics();
    CHECK(strstr(s, "grid \"Icons\" value=\"a\"") && strstr(s, "cell \"f\" value=5"));
    /* A click on the second row's third cell selects it; a second one opens it. */
    int i = ui_grid_item_at(g, g->box.rect.x + 6 + 250, g->box.rect.y + 6 + 135);
    CHECK(i == cols + 2);
    click_at(g->box.rect.x + 6 + 250, g->box.rect.y + 6 + 135);
    CHECK(g->value == cols + 2 && activations == 1);
    click_at(g->box.rect.x + 6 + 250, g->box.rect.y + 6 + 135);
    CHECK(activations == 2);
}
