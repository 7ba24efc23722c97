/* host-test: user/lib/libui/ui_text.c user/lib/libui/ui_textlines.c -Iuser/lib/libui */
/* libui's line model for text areas: line starts, ends, counts and numbers,
 * columns in code points, and Up/Down moves that keep a column, clamp to short
 * lines, run out to the text's ends and extend selections. */
#include <stdlib.h>
#include "ui.h"
#include "check.h"

static struct ui_text with(const char *s)
{
    struct ui_text t;
    ui_text_init(&t, 0);
    ui_text_set(&t, s);
    return t;
}

TEST(lines_split_at_newlines)
{
    struct ui_text t = with("one\ntwo two\n\nfour");
    CHECK_EQ(ui_text_line_count(&t), 4);
    CHECK_EQ(ui_text_line_of(&t, 0), 0);
    CHECK_EQ(ui_text_line_of(&t, 3), 0);            /* on the newline itself */
    CHECK_EQ(ui_text_line_of(&t, 4), 1);
    CHECK_EQ(ui_text_line_of(&t, 12), 2);           /* the empty line */
    CHECK_EQ(ui_text_line_of(&t, t.len), 3);
    CHECK_EQ(ui_text_line_offset(&t, 1), 4);
    CHECK_EQ(ui_text_line_offset(&t, 2), 12);
    CHECK_EQ(ui_text_line_offset(&t, 3), 13);
    CHECK_EQ(ui_text_line_offset(&t, 99), 13);      /* clamped to the last */
    CHECK_EQ(ui_text_line_offset(&t, -1), 0);
    CHECK_EQ(ui_text_line_start(&t, 9), 4);
    CHECK_EQ(ui_text_line_end(&t, 5), 11);
    CHECK_EQ(ui_text_line_end(&t, 12), 12);
    CHECK_EQ(ui_text_line_end(&t, 14), t.len);
    ui_text_free(&t);
    struct ui_text e = with("");
    CHECK_EQ(ui_text_line_count(&e), 1);
    CHECK_EQ(ui_text_line_end(&e, 0), 0);
    ui_text_move_lines(&e, 1, 3, false);
    ui_text_move_lines(&e, -1, 3, true);
    CHECK_EQ(e.cursor, 0);
    ui_text_free(&e);
    struct ui_text nl = with("a\n");               /* a trailing newline makes an empty line */
    CHECK_EQ(ui_text_line_count(&nl), 2);
    CHECK_EQ(ui_text_line_offset(&nl, 1), 2);
    ui_text_free(&nl);
}

TEST(columns_count_code_points)
{
    struct ui_text t = with("x\n\xc3\xa9t\xc3\xa9!");    /* x / été! */
    CHECK_EQ(ui_text_column(&t, 2), 0);
    CHECK_EQ(ui_text_column(&t, 4), 1);
    CHECK_EQ(ui_text_column(&t, t.len), 4);
    ui_text_free(&t);
}

TEST(up_and_down_keep_the_column_and_clamp_to_short_lines)
{
    struct ui_text t = with("long line\nab\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    ui_text_select(&t, 7, 7);                        /* column 7 of line 0 */
    ui_text_move_lines(&t, 1, 7, false);
    CHECK_EQ(t.cursor, 12);                          /* line 1 has two: its end */
    ui_text_move_lines(&t, 1, 7, false);
    CHECK_EQ(t.cursor, t.len);                       /* five é: the end, on a boundary */
    ui_text_move_lines(&t, -1, 3, false);
    ui_text_move_lines(&t, 1, 3, false);
    CHECK_EQ(t.cursor, 13 + 6);                      /* three é of two bytes */
    ui_text_move_lines(&t, -2, 3, false);
    CHECK_EQ(t.cursor, 3);
    CHECK_EQ(t.anchor, 3);
    ui_text_free(&t);
}

TEST(moving_past_the_first_or_last_line_goes_to_the_ends)
{
    struct ui_text t = with("abc\ndef");
    ui_text_select(&t, 5, 5);
    ui_text_move_lines(&t, 1, 1, false);
    CHECK_EQ(t.cursor, t.len);
    ui_text_move_lines(&t, -5, 1, false);
    CHECK_EQ(t.cursor, 0);
    ui_text_free(&t);
}

TEST(shift_up_and_down_extend_the_selection)
{
    struct ui_text t = with("alpha\nbeta\ngamma");
    ui_text_select(&t, 2, 2);
    ui_text_move_lines(&t, 2, 2, true);
    size_t s, e;
    ui_text_selection(&t, &s, &e);
    CHECK_EQ(s, 2);
    CHECK_EQ(e, 13);
    char *copy = ui_text_copy_selection(&t);
    CHECK_STR(copy, "pha\nbeta\nga");
    free(copy);
    ui_text_move_lines(&t, -1, 2, false);            /* a plain move collapses */
    CHECK_EQ(t.cursor, 8);
    CHECK_EQ(t.anchor, 8);
    ui_text_free(&t);
}
