/* host-test: user/apps/terminal/term_style.c user/apps/terminal/vt.c user/apps/terminal/vt_view.c -Iuser/apps/terminal */
/* The Terminal app's cell look: colours from SGR through the vt (default, palette,
 * bold as bright, truecolour, reverse, dim, hidden) and the cursor block. */
#include <string.h>
#include "term_style.h"
#include "check.h"

static struct vt vt;

/* The style of the first cell after feeding s to a fresh 4x10 vt. */
static struct term_style style_of(const char *s, bool cursor)
{
    vt_free(&vt);
    memset(&vt, 0, sizeof(vt));
    if (vt_init(&vt, 4, 10, 0) < 0)
        return (struct term_style){ 0 };
    vt_write(&vt, s, strlen(s));
    return term_cell_style(vt_cell(&vt, 0, 0, 0), cursor);
}

TEST(plain_text_uses_the_default_colours)
{
    struct term_style s = style_of("a", false);
    CHECK_EQ(s.fg, TERM_FG);
    CHECK_EQ(s.bg, TERM_BG);
    CHECK(s.glyph && !s.bold && !s.underline);
}

TEST(blank_cell_has_no_glyph)
{
    struct term_style s = style_of(" ", false);
    CHECK(!s.glyph);
    CHECK_EQ(s.bg, TERM_BG);
}

TEST(bold_red_is_the_bright_red)
{
    struct term_style s = style_of("\033[1;31mR", false);
    CHECK_EQ(s.fg, 0xff000000u | vt_palette(9));
    CHECK(s.bold);
    s = style_of("\033[31mR", false);
    CHECK_EQ(s.fg, 0xff000000u | vt_palette(1));
    CHECK(!s.bold);
}

TEST(palette_256_and_truecolour)
{
    struct term_style s = style_of("\033[38;5;196;48;5;21mX", false);
    CHECK_EQ(s.fg, 0xffff0000u);
    CHECK_EQ(s.bg, 0xff0000ffu);
    s = style_of("\033[38;2;1;2;3;48;2;250;251;252mX", false);
    CHECK_EQ(s.fg, 0xff010203u);
    CHECK_EQ(s.bg, 0xfffafbfcu);
}

TEST(reverse_swaps_and_the_cursor_swaps_back)
{
    struct term_style s = style_of("\033[7mX", false);
    CHECK_EQ(s.fg, TERM_BG);
    CHECK_EQ(s.bg, TERM_FG);
    s = style_of("X", true);
    CHECK_EQ(s.fg, TERM_BG);
    CHECK_EQ(s.bg, TERM_FG);
    s = style_of("\033[7mX", true);
    CHECK_EQ(s.fg, TERM_FG);
    CHECK_EQ(s.bg, TERM_BG);
}

TEST(underline_dim_and_hidden)
{
    struct term_style s = style_of("\033[4mU", false);
    CHECK(s.underline);
    s = style_of("\033[2;37;40mD", false);
    uint32_t fg = vt_palette(7), bg = vt_palette(0);
    CHECK_EQ(s.fg, 0xff000000u | (((fg & 0xfefefe) >> 1) + ((bg & 0xfefefe) >> 1)));
    s = style_of("\033[8;4mH", false);
    CHECK(!s.glyph && !s.underline);
}

TEST(utf8_encoding_of_cells)
{
    char b[5];
    CHECK_EQ(term_utf8('A', b), 1);
    CHECK_EQ(term_utf8(0xe4, b), 2);
    CHECK(strcmp(b, "\xc3\xa4") == 0);
    CHECK_EQ(term_utf8(0x20ac, b), 3);
    CHECK(strcmp(b, "\xe2\x82\xac") == 0);
    CHECK_EQ(term_utf8(0x1f600, b), 4);
    CHECK(strcmp(b, "\xf0\x9f\x98\x80") == 0);
}
