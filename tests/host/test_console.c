/* host-test: kernel/gfx/console.c kernel/lib/string.c -Dmemcpy=k_memcpy -Dmemmove=k_memmove -Dmemset=k_memset -Dmemcmp=k_memcmp -Dstrlen=k_strlen -Dstrnlen=k_strnlen -Dstrcmp=k_strcmp -Dstrncmp=k_strncmp -Dstrchr=k_strchr -Dstrrchr=k_strrchr -Dstrlcpy=k_strlcpy -fno-builtin */
/* Text console layout on a character grid (no framebuffer): wrap, tabs, scrolling,
 * backspace, degenerate sizes, and the diff that limits redraws to changed cells. */
#include <stdint.h>
#include <osc/console.h>
#include "check.h"

/* Row r of the grid as a string with trailing blanks trimmed. */
static const char *row_text(const struct con_layout *l, uint32_t r)
{
    static char buf[256];
    uint32_t n = 0;
    for (uint32_t c = 0; c < l->cols && c < sizeof(buf) - 1; c++)
        buf[n++] = (char)con_layout_cell(l, c, r).ch;
    while (n > 0 && buf[n - 1] == ' ')
        n--;
    buf[n] = 0;
    return buf;
}

static void puts_l(struct con_layout *l, const char *s)
{
    con_layout_write(l, s, strlen(s));
}

TEST(text_wraps_at_right_edge)
{
    struct con_cell cells[10 * 3];
    struct con_layout l;
    con_layout_init(&l, cells, 10, 3);
    puts_l(&l, "0123456789abc");
    CHECK_STR(row_text(&l, 0), "0123456789");
    CHECK_STR(row_text(&l, 1), "abc");
    CHECK_EQ(l.cx, 3);
    CHECK_EQ(l.cy, 1);
}

TEST(full_line_then_newline_is_one_line)
{
    struct con_cell cells[4 * 3];
    struct con_layout l;
    con_layout_init(&l, cells, 4, 3);
    puts_l(&l, "abcd\nef");
    CHECK_STR(row_text(&l, 0), "abcd");
    CHECK_STR(row_text(&l, 1), "ef");
    CHECK_EQ(l.cy, 1);
}

TEST(tab_moves_to_next_8_column_stop)
{
    struct con_cell cells[20 * 2];
    struct con_layout l;
    con_layout_init(&l, cells, 20, 2);
    puts_l(&l, "a\tb");
    CHECK_EQ(con_layout_cell(&l, 8, 0).ch, 'b');
    puts_l(&l, "\t");
    CHECK_EQ(l.cx, 16);
    puts_l(&l, "\tX");          /* stop past the edge: clamps, then wraps */
    CHECK_EQ(l.cy, 1);
    CHECK_STR(row_text(&l, 1), "X");
    puts_l(&l, "\r\t\tY");
    CHECK_EQ(con_layout_cell(&l, 16, 1).ch, 'Y');
}

TEST(newline_at_bottom_scrolls_up)
{
    struct con_cell cells[8 * 3];
    struct con_layout l;
    con_layout_init(&l, cells, 8, 3);
    puts_l(&l, "one\ntwo\nthree\nfour");
    CHECK_STR(row_text(&l, 0), "two");
    CHECK_STR(row_text(&l, 1), "three");
    CHECK_STR(row_text(&l, 2), "four");
    CHECK_EQ(l.scrolls, 1);
    CHECK_EQ(l.cy, 2);
    puts_l(&l, "\n\n\n\n");
    for (int r = 0; r < 3; r++)
        CHECK_STR(row_text(&l, r), "");
}

/* Collects the rows a layout scrolls off, as fbcon's scrollback does. */
struct gone { char rows[4][9]; int n; };
static void collect(void *ctx, const struct con_cell *row, uint32_t cols)
{
    struct gone *g = ctx;
    if (g->n < 4) {
        for (uint32_t c = 0; c < cols && c < 8; c++)
            g->rows[g->n][c] = (char)row[c].ch;
        g->rows[g->n][cols < 8 ? cols : 8] = 0;
    }
    g->n++;
}

TEST(scrolled_out_hook_sees_each_row_leaving_the_top_in_order)
{
    struct con_cell cells[4 * 2];
    struct con_layout l;
    struct gone g = { .n = 0 };
    con_layout_init(&l, cells, 4, 2);
    l.scrolled_out = collect;
    l.scroll_ctx = &g;
    puts_l(&l, "a\nbb\nccc\ndddd");
    CHECK_EQ(g.n, 2);
    CHECK_STR(g.rows[0], "a   ");
    CHECK_STR(g.rows[1], "bb  ");
    CHECK_STR(row_text(&l, 0), "ccc");
}

TEST(wrap_on_last_row_scrolls)
{
    struct con_cell cells[3 * 2];
    struct con_layout l;
    con_layout_init(&l, cells, 3, 2);
    puts_l(&l, "abcdefgh");
    CHECK_STR(row_text(&l, 0), "def");
    CHECK_STR(row_text(&l, 1), "gh");
}

TEST(backspace_stops_at_column_0)
{
    struct con_cell cells[8 * 2];
    struct con_layout l;
    con_layout_init(&l, cells, 8, 2);
    puts_l(&l, "ab\nc\b\b\bX");
    CHECK_STR(row_text(&l, 0), "ab");
    CHECK_STR(row_text(&l, 1), "X");
    puts_l(&l, "yz\b\bQ");
    CHECK_STR(row_text(&l, 1), "XQz");
}

TEST(carriage_return_overwrites_line)
{
    struct con_cell cells[8 * 2];
    struct con_layout l;
    con_layout_init(&l, cells, 8, 2);
    puts_l(&l, "hello\rJ\x01\x7f");
    CHECK_STR(row_text(&l, 0), "Jello");
    CHECK_EQ(l.cx, 1);
}

TEST(zero_sized_console_discards_everything)
{
    struct con_cell cell;
    struct con_layout l;
    con_layout_init(&l, &cell, 0, 5);
    puts_l(&l, "abc\n\t\b\rxyz\n\n");
    CHECK_EQ(l.cx, 0);
    CHECK_EQ(l.cy, 0);
    con_layout_init(&l, &cell, 5, 0);
    puts_l(&l, "abc\n\n");
    CHECK_EQ(con_layout_sync(&l, &cell, NULL, NULL), 0);
    con_layout_init(&l, NULL, 5, 5);
    puts_l(&l, "abc\n\n");
    CHECK_EQ(l.cols, 0);
}

TEST(one_column_console_wraps_every_char)
{
    struct con_cell cells[1 * 2];
    struct con_layout l;
    con_layout_init(&l, cells, 1, 2);
    puts_l(&l, "abc");
    CHECK_STR(row_text(&l, 0), "b");
    CHECK_STR(row_text(&l, 1), "c");
}

struct draw_log { int count; uint32_t min_row, max_row; };

static void record(void *ctx, uint32_t col, uint32_t row, struct con_cell cell)
{
    struct draw_log *d = ctx;
    (void)col; (void)cell;
    d->count++;
    if (row < d->min_row) d->min_row = row;
    if (row > d->max_row) d->max_row = row;
}

TEST(sync_draws_only_changed_cells)
{
    struct con_cell cells[10 * 4], shown[10 * 4];
    struct con_layout l;
    con_layout_init(&l, cells, 10, 4);
    memcpy(shown, cells, sizeof(cells));        /* screen starts cleared */
    struct draw_log d = { 0, 99, 0 };
    puts_l(&l, "hi");
    CHECK_EQ(con_layout_sync(&l, shown, record, &d), 2);
    CHECK_EQ(d.count, 2);
    CHECK_EQ(con_layout_sync(&l, shown, record, &d), 0);   /* nothing new */
    d = (struct draw_log){ 0, 99, 0 };
    puts_l(&l, "\nab");
    con_layout_sync(&l, shown, record, &d);
    CHECK_EQ(d.count, 2);
    CHECK_EQ(d.min_row, 1);
    CHECK_EQ(d.max_row, 1);
    /* A colour change alone is a change. */
    l.color = CON_ERROR;
    puts_l(&l, "\rab");
    CHECK_EQ(con_layout_sync(&l, shown, NULL, NULL), 2);
    /* Scrolling redraws the cells that moved, not the blank rest of the screen. */
    puts_l(&l, "\n\n\n");
    size_t n = con_layout_sync(&l, shown, NULL, NULL);
    CHECK_EQ(n, 4);      /* row 0 "hi" becomes "ab", row 1 "ab" becomes blank */
}
