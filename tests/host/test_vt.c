/* host-test: user/apps/terminal/vt.c user/apps/terminal/vt_view.c -Iuser/apps/terminal */
/* The Terminal app's VT100/xterm emulator: printing and wrapping, cursor moves,
 * erasing, SGR colours, scroll regions, the alternate screen, scrollback, UTF-8,
 * titles, replies, resizing, key encoding, and random input. */
#include <stdint.h>
#include <stdlib.h>
#include "vt.h"
#include "check.h"

static struct vt vt;
static char replies[256];

static void reply(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    size_t have = strlen(replies);
    if (have + n < sizeof(replies))
        strncat(replies, s, n);
}

static void start(int rows, int cols, int sb)
{
    vt_free(&vt);
    CHECK_EQ(vt_init(&vt, rows, cols, sb), 0);
    vt.reply = reply;
    replies[0] = 0;
}

static void put(const char *s) { vt_write(&vt, s, strlen(s)); }

static const char *row(int back, int r)
{
    static char buf[512];
    vt_row_text(&vt, back, r, buf, sizeof(buf));
    return buf;
}

TEST(text_wraps_at_the_last_column_only_when_more_follows)
{
    start(4, 10, 0);
    put("0123456789");
    CHECK_EQ(vt.cur.x, 9);
    CHECK_EQ(vt.cur.y, 0);          /* pending wrap, not yet on row 1 */
    put("ab");
    CHECK_STR(row(0, 0), "0123456789");
    CHECK_STR(row(0, 1), "ab");
    put("\r\ncd\bX\tY");
    CHECK_STR(row(0, 2), "cX      Y");
}

TEST(cursor_moves_clamp_and_erase_works)
{
    start(5, 20, 0);
    put("\033[3;5Hx\033[10A\033[99Cy");
    CHECK_STR(row(0, 2), "    x");
    CHECK_EQ(vt.cur.y, 0);
    CHECK_EQ(vt.cur.x, 19);
    put("\033[1;1Habcdef\033[1;3H\033[K");
    CHECK_STR(row(0, 0), "ab");
    put("\033[2;1Hline2\033[3;1Hline3\033[2;3H\033[1J");
    CHECK_STR(row(0, 0), "");
    CHECK_STR(row(0, 1), "   e2");
    CHECK_STR(row(0, 2), "line3");
    put("\033[2J");
    CHECK_STR(row(0, 2), "");
}

TEST(sgr_sets_attributes_palette_and_truecolour)
{
    start(2, 20, 0);
    put("\033[1;4;31mA\033[38;5;208;48;2;10;20;30mB\033[22;24;39;49mC\033[7;95mD\033[0mE");
    const struct vt_cell *a = vt_cell(&vt, 0, 0, 0), *b = vt_cell(&vt, 0, 0, 1);
    const struct vt_cell *c = vt_cell(&vt, 0, 0, 2), *d = vt_cell(&vt, 0, 0, 3), *e = vt_cell(&vt, 0, 0, 4);
    CHECK_EQ(a->attr, VT_BOLD | VT_UNDERLINE);
    CHECK_EQ(a->fg, VT_PALETTE(1));
    CHECK_EQ(b->fg, VT_PALETTE(208));
    CHECK_EQ(b->bg, VT_RGB(10, 20, 30));
    CHECK_EQ(c->attr, 0);
    CHECK_EQ(c->fg, VT_DEFAULT);
    CHECK_EQ(d->attr, VT_REVERSE);
    CHECK_EQ(d->fg, VT_PALETTE(13));
    CHECK_EQ(e->attr, 0);
    CHECK_EQ(e->fg, VT_DEFAULT);
    put("\033[38;2m\033[48;5mF");     /* malformed: no crash, no garbage colour */
    CHECK_EQ(vt_cell(&vt, 0, 0, 5)->cp, 'F');
}

TEST(scroll_region_scrolls_only_its_rows)
{
    start(5, 10, 10);
    put("r0\r\nr1\r\nr2\r\nr3\r\nr4");
    put("\033[2;4r");                   /* rows 2..4 (1-based) */
    CHECK_EQ(vt.cur.y, 0);              /* DECSTBM homes the cursor */
    put("\033[4;1H\nnew");
    CHECK_STR(row(0, 0), "r0");
    CHECK_STR(row(0, 1), "r2");
    CHECK_STR(row(0, 2), "r3");
    CHECK_STR(row(0, 3), "new");
    CHECK_STR(row(0, 4), "r4");
    CHECK_EQ(vt.sb_count, 0);           /* region scrolls never reach the scrollback */
    put("\033[2;1H\033[L");             /* insert a line at row 2 */
    CHECK_STR(row(0, 1), "");
    CHECK_STR(row(0, 2), "r2");
    CHECK_STR(row(0, 3), "r3");
    CHECK_STR(row(0, 4), "r4");
    put("\033[2;1H\033M");              /* reverse index at the top margin */
    CHECK_STR(row(0, 3), "r2");
    put("\033[r");
    CHECK_EQ(vt.bottom, 4);
}

TEST(alternate_screen_is_separate_and_restores_the_cursor)
{
    start(4, 20, 10);
    put("shell $ vi\033[2;5H");
    put("\033[?1049h");
    CHECK(vt.alt_active);
    CHECK_STR(row(0, 0), "");
    put("\033[1;1Hediting");
    CHECK_STR(row(0, 0), "editing");
    put("\033[?1049l");
    CHECK(!vt.alt_active);
    CHECK_STR(row(0, 0), "shell $ vi");
    CHECK_EQ(vt.cur.y, 1);
    CHECK_EQ(vt.cur.x, 4);
}

TEST(scrollback_keeps_lines_that_leave_the_top)
{
    start(3, 10, 5);
    for (int i = 0; i < 10; i++) {
        char b[16];
        snprintf(b, sizeof(b), "%sline%d", i ? "\r\n" : "", i);
        put(b);
    }
    CHECK_EQ(vt.sb_count, 5);           /* 7 scrolled off; the ring holds 5 */
    CHECK_STR(row(0, 0), "line7");
    CHECK_STR(row(1, 0), "line6");
    CHECK_STR(row(5, 0), "line2");
    CHECK_STR(row(5, 2), "line4");
    CHECK_STR(row(99, 0), "line2");     /* clamped to the oldest */
    put("\033[3J");
    CHECK_EQ(vt.sb_count, 0);
}

TEST(utf8_wide_range_split_writes_and_bad_bytes)
{
    start(2, 20, 0);
    const char *s = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    vt_write(&vt, s, 3);
    vt_write(&vt, s + 3, 6);
    CHECK_EQ(vt_cell(&vt, 0, 0, 0)->cp, 0xe9);
    CHECK_EQ(vt_cell(&vt, 0, 0, 1)->cp, 0x20ac);
    CHECK_EQ(vt_cell(&vt, 0, 0, 2)->cp, 0x1f600);
    put("\xff" "a\x80" "b");
    CHECK_EQ(vt_cell(&vt, 0, 0, 3)->cp, 0xfffd);
    CHECK_EQ(vt_cell(&vt, 0, 0, 4)->cp, 'a');
    CHECK_EQ(vt_cell(&vt, 0, 0, 5)->cp, 0xfffd);
    CHECK_EQ(vt_cell(&vt, 0, 0, 6)->cp, 'b');
    CHECK_STR(row(0, 0), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd" "a\xef\xbf\xbd" "b");
}

TEST(osc_title_and_replies_to_queries)
{
    start(5, 20, 0);
    put("\033]0;vim - notes.txt\a");
    CHECK_STR(vt.title, "vim - notes.txt");
    put("\033]2;top\033\\x");
    CHECK_STR(vt.title, "top");
    CHECK_EQ(vt_cell(&vt, 0, 0, 0)->cp, 'x');
    put("\033[3;7H\033[6n");
    CHECK_STR(replies, "\033[3;7R");
    replies[0] = 0;
    put("\033[c");
    CHECK(strncmp(replies, "\033[?62;", 6) == 0);
    replies[0] = 0;
    put("\033[18t");
    CHECK_STR(replies, "\033[8;5;20t");
}

TEST(insert_delete_and_erase_characters)
{
    start(2, 10, 0);
    put("abcdef\033[1;3H\033[2@");
    CHECK_STR(row(0, 0), "ab  cdef");
    put("\033[3P");
    CHECK_STR(row(0, 0), "abdef");
    put("\033[1;2H\033[2X");
    CHECK_STR(row(0, 0), "a  ef");
    put("\033[4h\033[1;1HZ\033[4l");
    CHECK_STR(row(0, 0), "Za  ef");
    put("\033[1;1Hq\033[3b");
    CHECK_STR(row(0, 0), "qqqqef");
}

TEST(resize_keeps_the_cursor_row_in_view)
{
    start(10, 20, 50);
    for (int i = 0; i < 9; i++) {
        char b[16];
        snprintf(b, sizeof(b), "%sp%d", i ? "\r\n" : "", i);
        put(b);
    }
    CHECK_EQ(vt_resize(&vt, 4, 8), 0);
    CHECK_EQ(vt.cur.y, 3);
    CHECK_STR(row(0, 3), "p8");
    CHECK_STR(row(1, 0), "p4");         /* the rows above went to the scrollback */
    CHECK_EQ(vt_resize(&vt, 6, 30), 0);
    CHECK_STR(row(0, 3), "p8");
    put("\033[999;999H");
    CHECK_EQ(vt.cur.y, 5);
    CHECK_EQ(vt.cur.x, 29);
    CHECK_EQ(vt_resize(&vt, 0, 5), -1);
}

/* As xterm (no reflow): narrower cuts each row, scrollback too; wider and taller
 * keep what is left at its place and the cursor where it was; the grid works on. */
TEST(resize_narrower_cuts_wider_and_taller_keep_the_content)
{
    start(3, 10, 5);
    put("0123456789\r\nsb-line\r\nabcdefghij\r\nxyz");    /* 0123456789 scrolls off */
    CHECK_STR(row(1, 0), "0123456789");
    CHECK_EQ(vt_resize(&vt, 3, 5), 0);
    CHECK_STR(row(0, 0), "sb-li");
    CHECK_STR(row(0, 1), "abcde");
    CHECK_STR(row(0, 2), "xyz");
    CHECK_STR(row(1, 0), "01234");
    CHECK_EQ(vt.cur.y, 2);
    CHECK_EQ(vt.cur.x, 3);
    CHECK_EQ(vt_resize(&vt, 6, 12), 0);
    CHECK_EQ(vt.rows, 6);
    CHECK_EQ(vt.cols, 12);
    CHECK_STR(row(0, 1), "abcde");
    CHECK_STR(row(0, 2), "xyz");
    CHECK_STR(row(0, 3), "");
    CHECK_STR(row(1, 0), "01234");
    CHECK_EQ(vt.cur.y, 2);
    CHECK_EQ(vt.cur.x, 3);
    put("-more-than-5");                /* writes past the old width */
    CHECK_STR(row(0, 2), "xyz-more-tha");
    CHECK_STR(row(0, 3), "n-5");
    for (int r = 0; r < vt.rows; r++)
        CHECK(vt.dirty[r]);
}

TEST(keys_encode_as_xterm_sends_them)
{
    start(2, 10, 0);
    char out[32];
    size_t n = vt_key(&vt, 103, 0, "", out, sizeof(out));
    CHECK(n == 3 && !memcmp(out, "\033[A", 3));
    put("\033[?1h");
    n = vt_key(&vt, 103, 0, "", out, sizeof(out));
    CHECK(n == 3 && !memcmp(out, "\033OA", 3));
    n = vt_key(&vt, 106, 2, "", out, sizeof(out));          /* Ctrl+Right */
    CHECK(n == 6 && !memcmp(out, "\033[1;5C", 6));
    n = vt_key(&vt, 46, 2, "c", out, sizeof(out));          /* Ctrl+C */
    CHECK(n == 1 && out[0] == 3);
    n = vt_key(&vt, 45, 4, "x", out, sizeof(out));          /* Alt+x */
    CHECK(n == 2 && !memcmp(out, "\033x", 2));
    n = vt_key(&vt, 63, 0, "", out, sizeof(out));           /* F5 */
    CHECK(n == 5 && !memcmp(out, "\033[15~", 5));
    n = vt_key(&vt, 15, 1, "", out, sizeof(out));           /* Shift+Tab */
    CHECK(n == 3 && !memcmp(out, "\033[Z", 3));
    n = vt_key(&vt, 14, 0, "", out, sizeof(out));
    CHECK(n == 1 && out[0] == 0x7f);
    n = vt_key(&vt, 111, 0, "", out, sizeof(out));          /* Delete */
    CHECK(n == 4 && !memcmp(out, "\033[3~", 4));
    n = vt_key(&vt, 16, 0, "\xc3\xa9", out, sizeof(out));
    CHECK(n == 2 && !memcmp(out, "\xc3\xa9", 2));
    CHECK_EQ(vt_key(&vt, 103, 0, "", out, 2), 0);           /* no room: nothing */
}

TEST(palette_matches_xterm_cube_and_greys)
{
    CHECK_EQ(vt_palette(16), 0x000000);
    CHECK_EQ(vt_palette(231), 0xffffff);
    CHECK_EQ(vt_palette(196), 0xff0000);
    CHECK_EQ(vt_palette(232), 0x080808);
    CHECK_EQ(vt_palette(255), 0xeeeeee);
}

TEST(random_bytes_never_break_the_screen)
{
    srand(12345);
    start(7, 13, 20);
    char buf[4096];
    for (int round = 0; round < 300; round++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            int r = rand() % 10;
            /* Mostly escape-sequence material, so the parser's states all run. */
            buf[i] = (char)(r < 3 ? 0x1b : r < 5 ? "[];?0123456789"[rand() % 14]
                          : r < 7 ? "HJKLMPX@ABCDrhlmcnstbdefgSTu"[rand() % 28] : rand());
        }
        vt_write(&vt, buf, sizeof(buf));
        if (round % 50 == 0)
            vt_resize(&vt, 3 + rand() % 20, 2 + rand() % 50);
        CHECK(vt.cur.x >= 0 && vt.cur.x < vt.cols && vt.cur.y >= 0 && vt.cur.y < vt.rows);
        CHECK(vt.top >= 0 && vt.top < vt.bottom + 1 && vt.bottom < vt.rows);
        CHECK(vt.sb_count <= vt.sb_cap);
    }
    vt_free(&vt);
}
