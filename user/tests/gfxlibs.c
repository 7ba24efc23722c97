/* The graphics libraries the desktop is built on (FreeType, pixman, libpng, zlib;
 * Debian's sources built for musl, Debian's static archives for glibc) doing real
 * work: anti-aliased text from DejaVu and Inter, pixman's SSE2 compositing,
 * rasterising and gradients, a PNG written and read back. Checks the user-space
 * state they lean on (SSE registers across switches, TLS) as much as the libraries. */
#include "testlib.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <pixman.h>
#include <png.h>

#define SANS "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define MONO "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define INTER "/usr/share/fonts/opentype/inter/Inter-Regular.otf"

#define W 320
#define H 64

static uint32_t canvas[W * H];

/* Draws text in white on black into canvas with FreeType glyphs composited by
 * pixman (the path a toolkit takes); returns the pen's end x, or -1. */
static int draw_text(const char *font, const char *text, int px)
{
    FT_Library lib;
    FT_Face face;
    if (FT_Init_FreeType(&lib))
        return -1;
    if (FT_New_Face(lib, font, 0, &face) || FT_Set_Pixel_Sizes(face, 0, px)) {
        FT_Done_FreeType(lib);
        return -1;
    }
    memset(canvas, 0, sizeof(canvas));
    pixman_image_t *dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, canvas, W * 4);
    pixman_color_t white = { 0xffff, 0xffff, 0xffff, 0xffff };
    pixman_image_t *ink = pixman_image_create_solid_fill(&white);
    int pen = 4, baseline = H * 3 / 4;
    FT_UInt prev = 0;
    for (const char *c = text; *c; c++) {
        FT_UInt gi = FT_Get_Char_Index(face, (unsigned char)*c);
        if (prev && FT_HAS_KERNING(face)) {
            FT_Vector k;
            if (!FT_Get_Kerning(face, prev, gi, FT_KERNING_DEFAULT, &k))
                pen += (int)(k.x >> 6);
        }
        if (FT_Load_Glyph(face, gi, FT_LOAD_RENDER)) {
            pen = -1;
            break;
        }
        FT_Bitmap *bm = &face->glyph->bitmap;
        if (bm->width && bm->rows) {
            pixman_image_t *mask = pixman_image_create_bits(PIXMAN_a8, (int)bm->width,
                                                            (int)bm->rows, NULL, 0);
            uint8_t *m = (uint8_t *)pixman_image_get_data(mask);
            int stride = pixman_image_get_stride(mask);
            for (unsigned y = 0; y < bm->rows; y++)
                memcpy(m + y * stride, bm->buffer + y * bm->pitch, bm->width);
            pixman_image_composite32(PIXMAN_OP_OVER, ink, mask, dst, 0, 0, 0, 0,
                                     pen + face->glyph->bitmap_left,
                                     baseline - face->glyph->bitmap_top,
                                     (int)bm->width, (int)bm->rows);
            pixman_image_unref(mask);
        }
        pen += (int)(face->glyph->advance.x >> 6);
        prev = gi;
    }
    pixman_image_unref(ink);
    pixman_image_unref(dst);
    FT_Done_Face(face);
    FT_Done_FreeType(lib);
    return pen;
}

/* Counts canvas pixels by their blue channel: fully on, and in between (edges). */
static void count_ink(int *full, int *partial, int *min_x, int *max_x)
{
    *full = *partial = 0;
    *min_x = W, *max_x = -1;
    for (int i = 0; i < W * H; i++) {
        unsigned v = canvas[i] & 0xff;
        if (v == 0xff)
            (*full)++;
        else if (v)
            (*partial)++;
        if (v) {
            if (i % W < *min_x)
                *min_x = i % W;
            if (i % W > *max_x)
                *max_x = i % W;
        }
    }
}

TEST(freetype_renders_dejavu_text_antialiased)
{
    int end = draw_text(SANS, "OSCortex", 32);
    REQUIRE(end > 0);
    int full, partial, lo, hi;
    count_ink(&full, &partial, &lo, &hi);
    CHECK(full > 300);          /* stems of eight glyphs at 32 px */
    CHECK(partial > 100);       /* grey edges: anti-aliased, not a bitmap font */
    CHECK(lo >= 4 && lo < 12);
    CHECK(hi > 120 && hi < end + 2);
}

TEST(freetype_kerning_pulls_av_together)
{
    FT_Library lib;
    FT_Face face;
    REQUIRE(FT_Init_FreeType(&lib) == 0);
    REQUIRE(FT_New_Face(lib, SANS, 0, &face) == 0);
    FT_Set_Pixel_Sizes(face, 0, 32);
    CHECK(FT_HAS_KERNING(face));
    FT_Vector k = { 0, 0 };
    CHECK(FT_Get_Kerning(face, FT_Get_Char_Index(face, 'A'), FT_Get_Char_Index(face, 'V'),
                         FT_KERNING_UNFITTED, &k) == 0);
    CHECK(k.x < 0);
    FT_Done_Face(face);
    FT_Done_FreeType(lib);
}

TEST(freetype_loads_inter_cff_outlines)
{
    int end = draw_text(INTER, "Files", 24);
    REQUIRE(end > 0);
    int full, partial, lo, hi;
    count_ink(&full, &partial, &lo, &hi);
    CHECK(full + partial > 150);
    CHECK(hi > lo + 40);
}

TEST(freetype_monospace_advances_are_equal)
{
    int a = draw_text(MONO, "iiii", 20), b = draw_text(MONO, "WWWW", 20);
    CHECK(a > 4 && a == b);
}

TEST(pixman_rasterises_an_antialiased_triangle)
{
    pixman_image_t *mask = pixman_image_create_bits(PIXMAN_a8, 64, 64, NULL, 0);
    pixman_triangle_t tri = {
        { pixman_int_to_fixed(2), pixman_int_to_fixed(2) },
        { pixman_int_to_fixed(62), pixman_int_to_fixed(2) },
        { pixman_int_to_fixed(2), pixman_double_to_fixed(50.5) },
    };
    pixman_add_triangles(mask, 0, 0, 1, &tri);
    uint8_t *m = (uint8_t *)pixman_image_get_data(mask);
    int stride = pixman_image_get_stride(mask);
    CHECK(m[10 * stride + 10] == 0xff);      /* inside */
    CHECK(m[60 * stride + 60] == 0);         /* outside */
    int grey = 0;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++)
            grey += m[y * stride + x] > 0 && m[y * stride + x] < 0xff;
    CHECK(grey > 20);                        /* the diagonal edge is smoothed */
    pixman_image_unref(mask);
}

TEST(pixman_gradient_runs_cyan_to_violet)
{
    pixman_point_fixed_t p1 = { 0, 0 }, p2 = { pixman_int_to_fixed(W), 0 };
    pixman_gradient_stop_t stops[2] = {
        { 0, { 0x0000, 0xe000, 0xffff, 0xffff } },
        { pixman_fixed_1, { 0x8000, 0x3000, 0xffff, 0xffff } },
    };
    pixman_image_t *grad = pixman_image_create_linear_gradient(&p1, &p2, stops, 2);
    pixman_image_t *dst = pixman_image_create_bits(PIXMAN_x8r8g8b8, W, H, canvas, W * 4);
    pixman_image_composite32(PIXMAN_OP_SRC, grad, NULL, dst, 0, 0, 0, 0, 0, 0, W, H);
    uint32_t left = canvas[5 * W], right = canvas[5 * W + W - 1], mid = canvas[5 * W + W / 2];
    CHECK((left >> 16 & 0xff) < 0x08 && (left >> 8 & 0xff) > 0xd8);
    CHECK((right >> 16 & 0xff) > 0x78 && (right >> 8 & 0xff) < 0x38);
    CHECK((mid >> 16 & 0xff) > 0x30 && (mid >> 16 & 0xff) < 0x50);
    CHECK(canvas[40 * W + 7] == canvas[5 * W + 7]);     /* horizontal only */
    pixman_image_unref(dst);
    pixman_image_unref(grad);
}

static int write_png(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, W, H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    png_set_filler(png, 0, PNG_FILLER_AFTER);
    png_set_bgr(png);
    for (int y = 0; y < H; y++)
        png_write_row(png, (png_bytep)&canvas[y * W]);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f);
}

TEST(libpng_round_trips_rendered_text)
{
    REQUIRE(draw_text(SANS, "Hello, OSCortex", 28) > 0);
    static uint32_t saved[W * H];
    memcpy(saved, canvas, sizeof(saved));
    char path[64];
    snprintf(path, sizeof(path), "/tmp/gfxlibs-%d.png", (int)getpid());
    REQUIRE(write_png(path) == 0);

    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_file(&img, path));
    CHECK(img.width == W && img.height == H);
    img.format = PNG_FORMAT_BGRA;
    static uint32_t back[W * H];
    REQUIRE(png_image_finish_read(&img, NULL, back, W * 4, NULL));
    int diff = 0;
    for (int i = 0; i < W * H; i++)
        diff += (back[i] & 0xffffff) != (saved[i] & 0xffffff);
    CHECK(diff == 0);
    unlink(path);
}

