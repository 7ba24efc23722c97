/* libui's text rendering on FreeType and pixman: metrics, kerned measuring, the
 * caret hit test that undoes measuring, ink inside the measured box, subpixel
 * positioning, and the glyph cache under churn. */
#include "testlib.h"

#include <pixman.h>
#include "ui.h"

#define SANS "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MONO "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define INTER "/usr/share/fonts/opentype/inter/Inter-Regular.otf"
#define W 320
#define H 64

static uint32_t px[W * H];

static pixman_image_t *blank(void)
{
    memset(px, 0, sizeof(px));
    return pixman_image_create_bits(PIXMAN_a8r8g8b8, W, H, px, W * 4);
}

/* The alpha-weighted mean x of the canvas's ink, in 1/256 pixel. */
static long centroid_x(void)
{
    long sum = 0, weight = 0;
    for (int i = 0; i < W * H; i++) {
        long a = px[i] >> 24;
        sum += a * (i % W) * 256;
        weight += a;
    }
    return weight ? sum / weight : -1;
}

TEST(font_metrics_fit_the_pixel_size)
{
    struct ui_font *f = ui_font_open(SANS, 16);
    REQUIRE(f);
    CHECK(ui_font_ascent(f) >= 13 && ui_font_ascent(f) <= 17);
    CHECK(ui_font_descent(f) >= 3 && ui_font_descent(f) <= 6);
    CHECK(ui_font_line_height(f) >= ui_font_ascent(f) + ui_font_descent(f) - 1);
    ui_font_close(f);
}

TEST(missing_font_file_gives_null)
{
    errno = 0;
    CHECK(ui_font_open("/nonexistent/font.ttf", 12) == NULL);
    CHECK(errno != 0);
}

TEST(kerning_tightens_av_and_monospace_adds_up)
{
    struct ui_font *f = ui_font_open(SANS, 32), *m = ui_font_open(MONO, 20);
    REQUIRE(f && m);
    CHECK(ui_font_measure(f, "AV", 2) < ui_font_measure(f, "A", 1) + ui_font_measure(f, "V", 1));
    long a = ui_font_measure(m, "a", 1);
    CHECK(a > 0 && ui_font_measure(m, "abc", 3) == 3 * a);
    CHECK(ui_font_measure(m, "", 0) == 0);
    ui_font_close(f);
    ui_font_close(m);
}

TEST(caret_hit_test_inverts_measuring)
{
    struct ui_font *f = ui_font_open(INTER, 18);
    REQUIRE(f);
    const char *s = "Hello w\xc3\xb6rld";
    size_t n = strlen(s);
    for (size_t i = 0; i <= n; i++) {
        if (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
            continue;       /* inside the o-umlaut */
        long x = ui_font_measure(f, s, i);
        size_t at = ui_font_offset_at(f, s, n, x + 10);    /* a click just right of it */
        if (at != i)
            printf("  offset %zu: x %ld gave %zu\n", i, x, at);
        CHECK(at == i);
    }
    CHECK(ui_font_offset_at(f, s, n, -6400) == 0);
    CHECK(ui_font_offset_at(f, s, n, 640000) == n);
    ui_font_close(f);
}

TEST(drawn_ink_stays_inside_the_measured_box)
{
    struct ui_font *f = ui_font_open(SANS, 24);
    REQUIRE(f);
    pixman_image_t *dst = blank();
    long end = ui_font_draw(f, dst, 10 * 64, 40, "OSCortex", 8, 0xffffffff);
    CHECK(end == 10 * 64 + ui_font_measure(f, "OSCortex", 8));
    int lo_x = W, hi_x = -1, lo_y = H, hi_y = -1, inked = 0;
    for (int i = 0; i < W * H; i++)
        if (px[i] >> 24) {
            int x = i % W, y = i / W;
            inked++;
            lo_x = x < lo_x ? x : lo_x;
            hi_x = x > hi_x ? x : hi_x;
            lo_y = y < lo_y ? y : lo_y;
            hi_y = y > hi_y ? y : hi_y;
        }
    CHECK(inked > 300);
    CHECK(lo_x >= 9 && lo_x <= 13);
    CHECK(hi_x <= (int)(end >> 6) + 1 && hi_x > (int)(end >> 6) - 6);
    CHECK(lo_y >= 40 - ui_font_ascent(f));
    CHECK(hi_y < 40 + ui_font_descent(f));
    pixman_image_unref(dst);
    ui_font_close(f);
}

TEST(half_pixel_positions_move_the_glyph_by_half_a_pixel)
{
    struct ui_font *f = ui_font_open(SANS, 20);
    REQUIRE(f);
    pixman_image_t *dst = blank();
    ui_font_draw(f, dst, 40 * 64, 40, "l", 1, 0xffffffff);
    long c0 = centroid_x();
    pixman_image_unref(dst);
    dst = blank();
    ui_font_draw(f, dst, 40 * 64 + 32, 40, "l", 1, 0xffffffff);
    long c1 = centroid_x();
    pixman_image_unref(dst);
    printf("  centroid %ld -> %ld (1/256 px)\n", c0, c1);
    CHECK(c0 > 0 && c1 - c0 >= 256 / 4 && c1 - c0 <= 3 * 256 / 4);
    ui_font_close(f);
}

TEST(colour_and_alpha_reach_the_pixels)
{
    struct ui_font *f = ui_font_open(SANS, 28);
    REQUIRE(f);
    pixman_image_t *dst = blank();
    ui_font_draw(f, dst, 5 * 64, 40, "I", 1, 0xff20c0ff);
    uint32_t solid = 0;
    for (int i = 0; i < W * H; i++)
        if ((px[i] >> 24) == 0xff)
            solid = px[i];
    CHECK(solid == 0xff20c0ff);
    pixman_image_unref(dst);
    ui_font_close(f);
}

TEST(glyph_cache_churn_draws_the_same_pixels)
{
    struct ui_font *f = ui_font_open(SANS, 14);
    REQUIRE(f);
    char text[4096];
    size_t n = 0;
    for (unsigned cp = 0x21; cp < 0x250 && n + 4 < sizeof(text); cp++) {
        if (cp < 0x80)
            text[n++] = (char)cp;
        else {
            text[n++] = (char)(0xc0 | cp >> 6);
            text[n++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    static uint32_t first[W * H];
    pixman_image_t *dst = blank();
    ui_font_draw(f, dst, -100000L * 64, 30, text, n, 0xffffffff);  /* off-canvas: churns the cache */
    ui_font_draw(f, dst, 3 * 64 + 17, 30, "cache test", 10, 0xffffffff);
    memcpy(first, px, sizeof(px));
    pixman_image_unref(dst);
    dst = blank();
    for (int round = 0; round < 3; round++)
        ui_font_draw(f, dst, -100000L * 64 - round * 21, 30, text, n, 0xffffffff);
    ui_font_draw(f, dst, 3 * 64 + 17, 30, "cache test", 10, 0xffffffff);
    CHECK(memcmp(first, px, sizeof(px)) == 0);
    pixman_image_unref(dst);
    ui_font_close(f);
}
