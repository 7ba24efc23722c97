/* host-test: kernel/gfx/psf.c */
/* PSF font parsing: synthetic PSF1/PSF2 fonts, unicode tables, and broken input
 * (truncated, corrupt headers) that must be rejected rather than read past. */
#include <stdint.h>
#include <osc/errno.h>
#include <osc/psf.h>
#include "check.h"

/* PSF1, 256 glyphs of 8x4; glyph i's first row is i so tests can tell them apart. */
static size_t make_psf1(uint8_t *buf, bool table)
{
    buf[0] = 0x36; buf[1] = 0x04; buf[2] = table ? 0x02 : 0; buf[3] = 4;
    for (int g = 0; g < 256; g++)
        for (int r = 0; r < 4; r++)
            buf[4 + g * 4 + r] = r == 0 ? (uint8_t)g : 0;
    size_t n = 4 + 256 * 4;
    if (table) {
        /* glyph 0: 'A' (0x41) and U+00C5; glyph 1: '?'; glyph 2: sequence only;
         * every other glyph: no code points. */
        uint16_t t[] = { 0x41, 0xc5, 0xffff, 0x3f, 0xffff, 0xfffe, 0x42, 0x301, 0xffff };
        for (size_t i = 0; i < sizeof(t) / 2; i++) {
            buf[n++] = t[i] & 0xff;
            buf[n++] = t[i] >> 8;
        }
        for (int g = 3; g < 256; g++) {
            buf[n++] = 0xff;
            buf[n++] = 0xff;
        }
    }
    return n;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

/* PSF2, 4 glyphs of 12x3 (2 bytes per row). */
static size_t make_psf2(uint8_t *buf, bool table)
{
    put32(buf, 0x864ab572u);
    put32(buf + 4, 0);
    put32(buf + 8, 32);
    put32(buf + 12, table ? 1 : 0);
    put32(buf + 16, 4);
    put32(buf + 20, 6);
    put32(buf + 24, 3);
    put32(buf + 28, 12);
    size_t n = 32;
    for (int g = 0; g < 4; g++)
        for (int b = 0; b < 6; b++)
            buf[n++] = b == 0 ? (uint8_t)(0x10 + g) : (b == 1 ? 0x10 : 0);
    if (table) {
        const uint8_t t[] = { 'x', 0xff,                    /* glyph 0: 'x' */
                              0xc3, 0xa9, '?', 0xff,        /* glyph 1: U+00E9, '?' */
                              0xe2, 0x94, 0x80, 0xff,       /* glyph 2: U+2500 only */
                              0xc3, 0xff };                 /* glyph 3: broken UTF-8 */
        memcpy(buf + n, t, sizeof(t));
        n += sizeof(t);
    }
    return n;
}

TEST(psf1_without_table_maps_codes_directly)
{
    static uint8_t buf[4096];
    size_t n = make_psf1(buf, false);
    struct psf_font f;
    CHECK_EQ(psf_parse(&f, buf, n), 0);
    CHECK_EQ(f.width, 8);
    CHECK_EQ(f.height, 4);
    CHECK_EQ(f.glyph_count, 256);
    CHECK_EQ(psf_glyph(&f, 'A')[0], 'A');
    CHECK_EQ(psf_glyph(&f, 0x1234)[0], '?');     /* fallback glyph */
    CHECK(psf_pixel(&f, psf_glyph(&f, 0x80), 0, 0));
    CHECK(!psf_pixel(&f, psf_glyph(&f, 0x80), 1, 0));
}

TEST(psf1_unicode_table_maps_through_table)
{
    static uint8_t buf[4096];
    size_t n = make_psf1(buf, true);
    struct psf_font f;
    CHECK_EQ(psf_parse(&f, buf, n), 0);
    CHECK_EQ(psf_glyph_index(&f, 'A'), 0);
    CHECK_EQ(psf_glyph_index(&f, 0xc5), 0);
    CHECK_EQ(psf_glyph_index(&f, '?'), 1);
    CHECK_EQ(psf_glyph_index(&f, 'B'), 1);       /* only in a sequence: unmapped */
    CHECK_EQ(psf_glyph_index(&f, 'z'), 1);
}

TEST(psf2_parses_wide_glyphs_and_utf8_table)
{
    static uint8_t buf[4096];
    size_t n = make_psf2(buf, true);
    struct psf_font f;
    CHECK_EQ(psf_parse(&f, buf, n), 0);
    CHECK_EQ(f.width, 12);
    CHECK_EQ(f.bytes_per_row, 2);
    CHECK_EQ(psf_glyph_index(&f, 'x'), 0);
    CHECK_EQ(psf_glyph_index(&f, 0xe9), 1);
    CHECK_EQ(psf_glyph_index(&f, '?'), 1);
    CHECK_EQ(f.fallback, 1);
    const uint8_t *g = psf_glyph(&f, 'x');
    CHECK(psf_pixel(&f, g, 3, 0));               /* 0x10 in byte 0: x = 3 */
    CHECK(psf_pixel(&f, g, 11, 0));              /* 0x10 in byte 1: x = 11 */
    CHECK(!psf_pixel(&f, g, 4, 0));
}

TEST(psf2_without_table_maps_codes_directly)
{
    static uint8_t buf[4096];
    size_t n = make_psf2(buf, false);
    struct psf_font f;
    CHECK_EQ(psf_parse(&f, buf, n), 0);
    CHECK_EQ(psf_glyph_index(&f, 3), 3);
    CHECK_EQ(psf_glyph_index(&f, 'A'), 0);       /* beyond the font: fallback 0 */
}

TEST(truncated_fonts_are_rejected)
{
    static uint8_t buf[4096];
    struct psf_font f;
    size_t n1 = make_psf1(buf, false);
    for (size_t cut = 0; cut < n1; cut += 97)
        CHECK_EQ(psf_parse(&f, buf, cut), -EINVAL);
    CHECK_EQ(psf_parse(&f, buf, n1 - 1), -EINVAL);
    size_t n2 = make_psf2(buf, false);
    for (size_t cut = 0; cut < n2; cut++)
        CHECK_EQ(psf_parse(&f, buf, cut), -EINVAL);
    /* A truncated unicode table is fine: the glyphs are all there. */
    n2 = make_psf2(buf, true);
    CHECK_EQ(psf_parse(&f, buf, n2 - 3), 0);
}

TEST(corrupt_headers_are_rejected)
{
    static uint8_t buf[4096];
    struct psf_font f;
    size_t n = make_psf2(buf, false);
    put32(buf + 16, 0xffffffffu);                /* absurd glyph count */
    CHECK_EQ(psf_parse(&f, buf, n), -EINVAL);
    make_psf2(buf, false);
    put32(buf + 20, 1);                          /* glyph smaller than its rows */
    CHECK_EQ(psf_parse(&f, buf, n), -EINVAL);
    make_psf2(buf, false);
    put32(buf + 8, 0x7fffffff);                  /* header past the end */
    CHECK_EQ(psf_parse(&f, buf, n), -EINVAL);
    make_psf2(buf, false);
    put32(buf + 28, 0);                          /* zero width */
    CHECK_EQ(psf_parse(&f, buf, n), -EINVAL);
    make_psf2(buf, false);
    put32(buf + 20, 0x80000000u);                /* huge glyph size */
    CHECK_EQ(psf_parse(&f, buf, n), -EINVAL);
    n = make_psf1(buf, false);
    buf[3] = 0;                                  /* zero height */
    CHECK_EQ(psf_parse(&f, buf, n), -EINVAL);
    memset(buf, 0x5a, 64);                       /* no magic at all */
    CHECK_EQ(psf_parse(&f, buf, 64), -EINVAL);
    CHECK_EQ(psf_parse(&f, NULL, 0), -EINVAL);
}

TEST(real_console_font_parses_when_built)
{
    /* build/fonts/console.psf exists after `make`; skip quietly before that. */
    FILE *fp = fopen("build/fonts/console.psf", "rb");
    if (!fp)
        return;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), fp);
    fclose(fp);
    struct psf_font f;
    CHECK_EQ(psf_parse(&f, buf, n), 0);
    CHECK(psf_glyph_index(&f, 'A') != psf_glyph_index(&f, 'B'));
    CHECK(psf_glyph_index(&f, 'A') != f.fallback);
}
