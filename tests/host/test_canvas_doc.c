/* host-test: user/apps/canvas/doc.c -Iuser/apps/canvas -lm */
/* Canvas's stroke list: undo and redo move a cursor through it, a new stroke
 * drops what could be redone, shapes keep exactly two corners, bounds cover
 * the pen's width, notes edit by whole code points and an empty one is dropped. */
#include "doc.h"
#include "check.h"

static struct stroke *pen(struct doc *d, int npts)
{
    struct stroke *s = doc_begin(d, TOOL_PEN, 0xff000000u, 4);
    for (int i = 0; i < npts; i++)
        stroke_add(s, (float)i, (float)(2 * i));
    return s;
}

TEST(undo_and_redo_move_through_the_strokes)
{
    struct doc d;
    doc_init(&d);
    CHECK(!doc_undo(&d));
    pen(&d, 3);
    pen(&d, 5);
    CHECK_EQ(d.count, 2);
    CHECK(doc_undo(&d));
    CHECK_EQ(d.count, 1);
    CHECK_EQ(d.total, 2);
    CHECK(doc_undo(&d));
    CHECK(!doc_undo(&d));
    CHECK_EQ(d.count, 0);
    CHECK(doc_redo(&d));
    CHECK(doc_redo(&d));
    CHECK(!doc_redo(&d));
    CHECK_EQ(d.count, 2);
    CHECK_EQ(d.strokes[1].npts, 5);
    doc_free(&d);
}

TEST(a_new_stroke_drops_what_could_be_redone)
{
    struct doc d;
    doc_init(&d);
    pen(&d, 3);
    pen(&d, 4);
    pen(&d, 5);
    doc_undo(&d);
    doc_undo(&d);
    struct stroke *s = pen(&d, 7);
    CHECK(s == &d.strokes[1]);
    CHECK_EQ(d.count, 2);
    CHECK_EQ(d.total, 2);
    CHECK(!doc_redo(&d));
    CHECK_EQ(d.strokes[1].npts, 7);
    doc_free(&d);       /* ASan: the dropped strokes' points were freed */
}

TEST(many_strokes_grow_the_list)
{
    struct doc d;
    doc_init(&d);
    for (int i = 0; i < 1000; i++)
        pen(&d, 1 + i % 40);
    CHECK_EQ(d.count, 1000);
    CHECK_EQ(d.strokes[999].npts, 1 + 999 % 40);
    CHECK_EQ(d.strokes[999].pts[10].y, 20);
    doc_clear(&d);
    CHECK_EQ(d.count, 0);
    CHECK_EQ(d.total, 0);
    CHECK(!doc_redo(&d));
    doc_free(&d);
}

TEST(a_shape_has_two_corners_the_last_drag_point_wins)
{
    struct doc d;
    doc_init(&d);
    struct stroke *s = doc_begin(&d, TOOL_RECT, 0xffff0000u, 2);
    stroke_add(s, 10, 20);
    CHECK_EQ(s->npts, 2);
    stroke_add(s, 30, 40);
    stroke_add(s, 50, 60);
    CHECK_EQ(s->npts, 2);
    CHECK_EQ(s->pts[0].x, 10);
    CHECK_EQ(s->pts[1].x, 50);
    CHECK_EQ(s->pts[1].y, 60);
    doc_free(&d);
}

TEST(bounds_cover_the_width)
{
    struct doc d;
    doc_init(&d);
    struct stroke *s = doc_begin(&d, TOOL_PEN, 0xff000000u, 10);
    stroke_add(s, 100, 50);
    stroke_add(s, 40, 80);
    int x, y, w, h;
    stroke_bounds(s, &x, &y, &w, &h);
    CHECK(x <= 40 - 5 && y <= 50 - 5);
    CHECK(x + w >= 100 + 5 && y + h >= 80 + 5);
    CHECK(x >= 40 - 8 && x + w <= 100 + 8);
    doc_free(&d);
}

TEST(a_note_takes_text_backspace_removes_whole_code_points)
{
    struct doc d;
    doc_init(&d);
    pen(&d, 2);
    struct stroke *s = doc_begin(&d, TOOL_TEXT, 0xff000000u, 4);
    stroke_add(s, 10, 30);
    CHECK(!stroke_text_backspace(s));               /* nothing yet */
    CHECK_EQ(stroke_append_text(s, "Hi "), 0);
    CHECK_EQ(stroke_append_text(s, "\xc3\xa9\xe2\x82\xac"), 0);     /* é€ */
    CHECK_STR(s->text, "Hi \xc3\xa9\xe2\x82\xac");
    CHECK(stroke_text_backspace(s));
    CHECK_STR(s->text, "Hi \xc3\xa9");
    CHECK(stroke_text_backspace(s));
    CHECK_STR(s->text, "Hi ");
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CHECK_EQ(stroke_append_text(s, big), -1);       /* past the limit: unchanged */
    CHECK_STR(s->text, "Hi ");
    CHECK(doc_undo(&d));                            /* notes undo like strokes */
    CHECK_EQ(d.count, 1);
    CHECK(doc_redo(&d));
    CHECK_STR(d.strokes[1].text, "Hi ");
    doc_free(&d);
}

TEST(an_empty_note_is_dropped_for_good)
{
    struct doc d;
    doc_init(&d);
    pen(&d, 2);
    struct stroke *s = doc_begin(&d, TOOL_TEXT, 0xff000000u, 4);
    stroke_add(s, 1, 2);
    doc_drop_last(&d);
    CHECK_EQ(d.count, 1);
    CHECK_EQ(d.total, 1);
    CHECK(!doc_redo(&d));
    doc_free(&d);
}
