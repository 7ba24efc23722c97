/* host-test: user/lib/libui/ui_text.c -Iuser/lib/libui */
/* libui's text-editing model: inserting over selections, deleting by code point,
 * word and line moves, Shift-selection, copy, UTF-8 validation and limits. */
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

TEST(typing_inserts_at_the_cursor)
{
    struct ui_text t = with("");
    CHECK_EQ(ui_text_insert(&t, "helo", 4), 0);
    ui_text_move(&t, UI_MOVE_LEFT, false);
    CHECK_EQ(ui_text_insert(&t, "l", 1), 0);
    CHECK_STR(t.buf, "hello");
    CHECK_EQ(t.cursor, 4);
    ui_text_free(&t);
}

TEST(backspace_and_delete_remove_whole_code_points)
{
    struct ui_text t = with("a\xc3\xa9\xe2\x82\xac" "b");    /* a é € b */
    ui_text_move(&t, UI_MOVE_LEFT, false);                  /* before b */
    CHECK(ui_text_delete_back(&t));                         /* the euro sign */
    CHECK_STR(t.buf, "a\xc3\xa9" "b");
    ui_text_move(&t, UI_MOVE_DOC_START, false);
    ui_text_move(&t, UI_MOVE_RIGHT, false);
    CHECK(ui_text_delete_forward(&t));                      /* é */
    CHECK_STR(t.buf, "ab");
    ui_text_move(&t, UI_MOVE_DOC_END, false);
    CHECK(!ui_text_delete_forward(&t));
    ui_text_move(&t, UI_MOVE_DOC_START, false);
    CHECK(!ui_text_delete_back(&t));
    ui_text_free(&t);
}

TEST(shift_arrows_select_and_typing_replaces_the_selection)
{
    struct ui_text t = with("hello world");
    ui_text_move(&t, UI_MOVE_WORD_LEFT, true);
    size_t s, e;
    ui_text_selection(&t, &s, &e);
    CHECK_EQ(s, 6);
    CHECK_EQ(e, 11);
    char *copy = ui_text_copy_selection(&t);
    CHECK(copy && !strcmp(copy, "world"));
    free(copy);
    CHECK_EQ(ui_text_insert(&t, "there", 5), 0);
    CHECK_STR(t.buf, "hello there");
    CHECK_EQ(t.cursor, t.anchor);
    ui_text_free(&t);
}

TEST(arrow_without_shift_collapses_the_selection_to_its_edge)
{
    struct ui_text t = with("abcdef");
    ui_text_select(&t, 1, 4);
    ui_text_move(&t, UI_MOVE_LEFT, false);
    CHECK_EQ(t.cursor, 1);
    CHECK_EQ(t.anchor, 1);
    ui_text_select(&t, 4, 1);
    ui_text_move(&t, UI_MOVE_RIGHT, false);
    CHECK_EQ(t.cursor, 4);
    ui_text_free(&t);
}

TEST(word_moves_skip_punctuation_and_spaces)
{
    struct ui_text t = with("one, two  three");
    ui_text_move(&t, UI_MOVE_DOC_START, false);
    ui_text_move(&t, UI_MOVE_WORD_RIGHT, false);
    CHECK_EQ(t.cursor, 5);      /* start of "two" */
    ui_text_move(&t, UI_MOVE_WORD_RIGHT, false);
    CHECK_EQ(t.cursor, 10);     /* start of "three" */
    ui_text_move(&t, UI_MOVE_WORD_RIGHT, false);
    CHECK_EQ(t.cursor, 15);
    ui_text_move(&t, UI_MOVE_WORD_LEFT, false);
    CHECK_EQ(t.cursor, 10);
    ui_text_move(&t, UI_MOVE_WORD_LEFT, false);
    CHECK_EQ(t.cursor, 5);
    ui_text_move(&t, UI_MOVE_WORD_LEFT, false);
    CHECK_EQ(t.cursor, 0);
    ui_text_free(&t);
}

TEST(home_and_end_stay_on_the_current_line)
{
    struct ui_text t = with("first\nsecond\nthird");
    ui_text_select(&t, 9, 9);                   /* inside "second" */
    ui_text_move(&t, UI_MOVE_LINE_START, false);
    CHECK_EQ(t.cursor, 6);
    ui_text_move(&t, UI_MOVE_LINE_END, true);
    CHECK_EQ(t.cursor, 12);
    char *copy = ui_text_copy_selection(&t);
    CHECK(copy && !strcmp(copy, "second"));
    free(copy);
    ui_text_free(&t);
}

TEST(mouse_selection_snaps_to_code_point_boundaries)
{
    struct ui_text t = with("x\xe2\x82\xacy");
    ui_text_select(&t, 2, 100);
    CHECK_EQ(t.anchor, 1);
    CHECK_EQ(t.cursor, 5);
    ui_text_free(&t);
}

TEST(invalid_utf8_and_overlong_input_are_refused)
{
    struct ui_text t = with("ok");
    CHECK_EQ(ui_text_insert(&t, "\xc0\xaf", 2), -1);        /* overlong '/' */
    CHECK_EQ(ui_text_insert(&t, "\xed\xa0\x80", 3), -1);    /* a surrogate */
    CHECK_EQ(ui_text_insert(&t, "\xf4\x90\x80\x80", 4), -1);/* above U+10FFFF */
    CHECK_EQ(ui_text_insert(&t, "\xe2\x82", 2), -1);        /* truncated */
    CHECK_EQ(ui_text_insert(&t, "a\0b", 3), -1);            /* NUL inside */
    CHECK_STR(t.buf, "ok");
    CHECK(ui_utf8_valid("\xf0\x9f\x98\x80", 4));            /* an emoji */
    size_t next;
    CHECK_EQ(ui_utf8_decode("\xf0\x9f\x98\x80", 0, &next), 0x1f600);
    CHECK_EQ(next, 4);
    ui_text_free(&t);
}

TEST(max_len_refuses_inserts_that_would_pass_it)
{
    struct ui_text t;
    ui_text_init(&t, 5);
    CHECK_EQ(ui_text_insert(&t, "abcd", 4), 0);
    CHECK_EQ(ui_text_insert(&t, "ef", 2), -1);
    CHECK_EQ(ui_text_insert(&t, "e", 1), 0);
    ui_text_select_all(&t);
    CHECK_EQ(ui_text_insert(&t, "12345", 5), 0);            /* replacing fits */
    CHECK_STR(t.buf, "12345");
    ui_text_free(&t);
}

TEST(empty_text_is_safe_to_move_and_copy)
{
    struct ui_text t;
    ui_text_init(&t, 0);
    ui_text_move(&t, UI_MOVE_WORD_RIGHT, true);
    ui_text_move(&t, UI_MOVE_LINE_END, false);
    CHECK(ui_text_copy_selection(&t) == NULL);
    CHECK(!ui_text_delete_back(&t));
    ui_text_free(&t);
}
