/* host-test: user/lib/libui/ui_layout.c -Iuser/lib/libui */
/* libui's box layout: rows and columns, padding and spacing, flex shares,
 * alignment, shrinking to minimums, hidden boxes, hit testing. */
#include "ui.h"
#include "check.h"

static struct ui_box leaf(int w, int h, int flex)
{
    return (struct ui_box){ .pref_w = w, .pref_h = h, .flex = flex };
}

#define CHECK_RECT(b, X, Y, W, H)                                               \
    do {                                                                        \
        CHECK_EQ((b).rect.x, X); CHECK_EQ((b).rect.y, Y);                       \
        CHECK_EQ((b).rect.w, W); CHECK_EQ((b).rect.h, H);                       \
    } while (0)

TEST(row_places_children_left_to_right_with_padding_and_spacing)
{
    struct ui_box row = { .dir = UI_ROW, .padding = 4, .spacing = 2 };
    struct ui_box a = leaf(10, 5, 0), b = leaf(20, 8, 0);
    ui_box_add(&row, &a);
    ui_box_add(&row, &b);
    int w, h;
    ui_box_measure(&row, &w, &h);
    CHECK_EQ(w, 4 + 10 + 2 + 20 + 4);
    CHECK_EQ(h, 4 + 8 + 4);
    ui_layout(&row, (struct ui_rect){ 100, 50, w, h });
    CHECK_RECT(a, 104, 54, 10, 5);
    CHECK_RECT(b, 116, 54, 20, 8);
}

TEST(spare_space_goes_to_flex_children_by_weight_exactly)
{
    struct ui_box col = { .dir = UI_COLUMN, .align = UI_ALIGN_STRETCH };
    struct ui_box a = leaf(10, 10, 1), b = leaf(10, 10, 0), c = leaf(10, 10, 2);
    ui_box_add(&col, &a);
    ui_box_add(&col, &b);
    ui_box_add(&col, &c);
    ui_layout(&col, (struct ui_rect){ 0, 0, 50, 131 });   /* 101 spare */
    CHECK_EQ(b.rect.h, 10);
    CHECK_EQ(a.rect.h + b.rect.h + c.rect.h, 131);        /* filled to the pixel */
    CHECK(c.rect.h - 10 >= 2 * (a.rect.h - 10) - 2);
    CHECK_EQ(a.rect.w, 50);                               /* stretched across */
    CHECK_EQ(c.rect.y + c.rect.h, 131);
}

TEST(cross_axis_alignment_start_center_end)
{
    struct ui_box row = { .dir = UI_ROW, .align = UI_ALIGN_CENTER };
    struct ui_box a = leaf(10, 10, 0);
    ui_box_add(&row, &a);
    ui_layout(&row, (struct ui_rect){ 0, 0, 100, 40 });
    CHECK_EQ(a.rect.y, 15);
    row.align = UI_ALIGN_END;
    ui_layout(&row, (struct ui_rect){ 0, 0, 100, 40 });
    CHECK_EQ(a.rect.y, 30);
    row.align = UI_ALIGN_START;
    ui_layout(&row, (struct ui_rect){ 0, 0, 100, 40 });
    CHECK_EQ(a.rect.y, 0);
}

TEST(short_space_shrinks_flexible_children_first_then_others_to_minimum)
{
    struct ui_box row = { .dir = UI_ROW };
    struct ui_box a = leaf(100, 10, 1), b = leaf(100, 10, 0);
    a.min_w = 20;
    b.min_w = 50;
    ui_box_add(&row, &a);
    ui_box_add(&row, &b);
    ui_layout(&row, (struct ui_rect){ 0, 0, 150, 10 });
    CHECK_EQ(a.rect.w, 50);     /* only the flexible one gave */
    CHECK_EQ(b.rect.w, 100);
    ui_layout(&row, (struct ui_rect){ 0, 0, 80, 10 });
    CHECK_EQ(a.rect.w, 20);     /* down to its minimum */
    CHECK_EQ(b.rect.w, 60);
    ui_layout(&row, (struct ui_rect){ 0, 0, 10, 10 });
    CHECK_EQ(a.rect.w, 20);     /* never below minimums: overflow instead */
    CHECK_EQ(b.rect.w, 50);
}

TEST(hidden_children_take_no_space_and_are_not_hit)
{
    struct ui_box row = { .dir = UI_ROW, .spacing = 5 };
    struct ui_box a = leaf(10, 10, 0), h = leaf(30, 10, 0), b = leaf(10, 10, 0);
    h.hidden = true;
    ui_box_add(&row, &a);
    ui_box_add(&row, &h);
    ui_box_add(&row, &b);
    int w, hh;
    ui_box_measure(&row, &w, &hh);
    CHECK_EQ(w, 25);
    ui_layout(&row, (struct ui_rect){ 0, 0, 25, 10 });
    CHECK_EQ(b.rect.x, 15);
    CHECK(ui_box_at(&row, 16, 5) == &b);
    CHECK(ui_box_at(&row, 12, 5) == &row);   /* the gap belongs to the row */
    CHECK(ui_box_at(&row, 25, 5) == NULL);   /* right edge is exclusive */
}

TEST(nested_layout_and_hit_test_find_the_deepest_box)
{
    struct ui_box win = { .dir = UI_COLUMN, .padding = 8, .align = UI_ALIGN_STRETCH };
    struct ui_box title = leaf(0, 20, 0);
    struct ui_box body = { .dir = UI_ROW, .flex = 1, .spacing = 4, .align = UI_ALIGN_STRETCH };
    struct ui_box list = leaf(60, 10, 1), detail = leaf(100, 10, 2);
    ui_box_add(&win, &title);
    ui_box_add(&win, &body);
    ui_box_add(&body, &list);
    ui_box_add(&body, &detail);
    ui_layout(&win, (struct ui_rect){ 0, 0, 400, 300 });
    CHECK_RECT(title, 8, 8, 384, 20);
    CHECK_RECT(body, 8, 28, 384, 264);
    CHECK_EQ(list.rect.w + 4 + detail.rect.w, 384);
    CHECK_EQ(detail.rect.h, 264);
    CHECK(ui_box_at(&win, detail.rect.x + 1, 200) == &detail);
    CHECK(ui_box_at(&win, 3, 3) == &win);
}
