/* In-kernel tests for the drawing primitives and the embedded fonts: everything
 * draws into small memory surfaces, so they run with or without a framebuffer. */

#include <osc/fb.h>
#include <osc/ktest.h>
#include <osc/lib.h>

static uint32_t test_pixels[32 * 24];

KTEST(fb_fill_rect_clips_to_surface)
{
    struct fb_surface s;
    fb_surface_init_mem(&s, test_pixels, 32, 24);
    fb_fill_rect(&s, 0, 0, 32, 24, 0x000000);
    fb_fill_rect(&s, -5, -5, 10, 10, 0x123456);
    KT_ASSERT_EQ(fb_get_pixel(&s, 0, 0), 0x123456);
    KT_ASSERT_EQ(fb_get_pixel(&s, 4, 4), 0x123456);
    KT_ASSERT_EQ(fb_get_pixel(&s, 5, 5), 0);
    fb_fill_rect(&s, 30, 20, 100, 100, 0xffffff);
    KT_ASSERT_EQ(fb_get_pixel(&s, 31, 23), 0xffffff);
    KT_ASSERT_EQ(fb_get_pixel(&s, 29, 23), 0);
    fb_fill_rect(&s, 10, 10, -3, 4, 0xff0000);      /* negative size: nothing */
    fb_fill_rect(&s, 1000, 10, 3, 4, 0xff0000);     /* fully outside: nothing */
    KT_ASSERT_EQ(fb_get_pixel(&s, 10, 10), 0);
    KT_ASSERT_EQ(test_pixels[0], 0x123456);         /* XRGB layout in memory */
}

KTEST(fb_pack_honours_colour_field_positions)
{
    struct fb_surface s;
    fb_surface_init_mem(&s, test_pixels, 32, 24);
    /* BGR 5:6:5, as a 16-bit mode would report it. */
    s.bytes_pp = 2;
    s.pitch = 64;
    s.red_pos = 0; s.red_size = 5; s.green_pos = 5; s.green_size = 6; s.blue_pos = 11; s.blue_size = 5;
    KT_ASSERT_EQ(fb_pack(&s, 0xff0000), 0x001f);
    KT_ASSERT_EQ(fb_pack(&s, 0x00ff00), 0x07e0);
    KT_ASSERT_EQ(fb_pack(&s, 0x0000ff), 0xf800);
    KT_ASSERT_EQ(fb_unpack(&s, 0xffff), 0xffffff);
    fb_put_pixel(&s, 3, 1, 0x00ff00);
    KT_ASSERT_EQ(fb_get_pixel(&s, 3, 1), 0x00ff00);
    /* 24-bit: three bytes per pixel, nothing written past the pixel. */
    fb_surface_init_mem(&s, test_pixels, 8, 2);
    s.bytes_pp = 3;
    s.pitch = 24;
    memset(test_pixels, 0xee, 64);
    fb_put_pixel(&s, 1, 0, 0x010203);
    const uint8_t *b = (const uint8_t *)test_pixels;
    KT_ASSERT_EQ(b[3], 0x03);
    KT_ASSERT_EQ(b[5], 0x01);
    KT_ASSERT_EQ(b[6], 0xee);
}

KTEST(fb_blend_mixes_by_alpha)
{
    struct fb_surface s;
    fb_surface_init_mem(&s, test_pixels, 32, 24);
    fb_fill_rect(&s, 0, 0, 32, 24, 0x000000);
    uint32_t sprite[2] = { 0xffffffff, 0x80ff0000 };    /* opaque white, half red */
    fb_blit_argb(&s, 4, 4, sprite, 2, 1, 2);
    KT_ASSERT_EQ(fb_get_pixel(&s, 4, 4), 0xffffff);
    KT_ASSERT_EQ(fb_get_pixel(&s, 5, 4), 0x800000);
    KT_ASSERT_EQ(fb_mix(0x000000, 0xffffff, 0), 0);
    KT_ASSERT_EQ(fb_mix(0x000000, 0xffffff, 255), 0xffffff);
}

KTEST(fb_glyph_draws_font_bitmap)
{
    const struct psf_font *f = fb_console_font();
    KT_ASSERT(f != NULL);
    static uint32_t px[16 * 32];
    struct fb_surface s;
    fb_surface_init_mem(&s, px, 16, 32);
    fb_fill_rect(&s, 0, 0, 16, 32, 0x000000);
    fb_draw_glyph(&s, 0, 0, f, 'H', 0xffffff, 0x000080, 1);
    const uint8_t *g = psf_glyph(f, 'H');
    int on = 0;
    for (uint32_t y = 0; y < f->height; y++)
        for (uint32_t x = 0; x < f->width; x++) {
            bool set = psf_pixel(f, g, x, y);
            on += set;
            KT_ASSERT_EQ(fb_get_pixel(&s, (int)x, (int)y), set ? 0xffffff : 0x000080);
        }
    KT_ASSERT(on > 10);                                  /* 'H' is not blank */
    /* Scaled 2x and transparent: each font pixel becomes a 2x2 block. */
    fb_fill_rect(&s, 0, 0, 16, 32, 0x000000);
    fb_draw_glyph(&s, 0, 0, f, 'H', 0x00ff00, FB_TRANSPARENT, 2);
    for (uint32_t y = 0; y < f->height && y * 2 + 1 < 32; y++)
        for (uint32_t x = 0; x < f->width; x++)
            KT_ASSERT_EQ(fb_get_pixel(&s, (int)x * 2 + 1, (int)y * 2 + 1),
                         psf_pixel(f, g, x, y) ? 0x00ff00 : 0);
}

KTEST(psf_embedded_fonts_parse_and_map_ascii)
{
    const struct psf_font *c = fb_console_font(), *t = fb_title_font();
    KT_ASSERT(c != NULL && t != NULL);
    KT_ASSERT_EQ(c->width, 8);
    KT_ASSERT_EQ(c->height, 16);
    KT_ASSERT(t->height > c->height);
    KT_ASSERT(psf_glyph_index(c, 'a') != psf_glyph_index(c, 'b'));
    KT_ASSERT(psf_glyph_index(c, 'a') != c->fallback);
    KT_ASSERT_EQ(psf_glyph_index(c, 0x2603), c->fallback);   /* unmapped: '?' */
}

KTEST(fb_smooth2x_keeps_straight_strokes_and_rounds_diagonals)
{
    const struct psf_font *f = fb_console_font();
    KT_ASSERT(f != NULL);
    static uint32_t a[16 * 32], b[16 * 32];
    struct fb_surface sa, sb;
    fb_surface_init_mem(&sa, a, 16, 32);
    fb_surface_init_mem(&sb, b, 16, 32);
    fb_fill_rect(&sa, 0, 0, 16, 32, 0);
    fb_fill_rect(&sb, 0, 0, 16, 32, 0);
    /* '|' is one straight stroke: EPX must equal plain 2x scaling. */
    fb_draw_glyph(&sa, 0, 0, f, '|', 0xffffff, FB_TRANSPARENT, 2);
    fb_draw_glyph_smooth2x(&sb, 0, 0, f, '|', 0xffffff);
    KT_ASSERT(memcmp(a, b, sizeof(a)) == 0);
    /* 'x' has diagonals: EPX changes some sub-pixels. */
    fb_fill_rect(&sa, 0, 0, 16, 32, 0);
    fb_fill_rect(&sb, 0, 0, 16, 32, 0);
    fb_draw_glyph(&sa, 0, 0, f, 'x', 0xffffff, FB_TRANSPARENT, 2);
    fb_draw_glyph_smooth2x(&sb, 0, 0, f, 'x', 0xffffff);
    KT_ASSERT(memcmp(a, b, sizeof(a)) != 0);
}
