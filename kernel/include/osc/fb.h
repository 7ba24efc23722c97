/* Framebuffer and 2D drawing: the linear framebuffer GRUB set up (any direct-RGB
 * mode: pitch, 16/24/32 bpp and colour field positions are honoured), plus small
 * clipped drawing primitives that work on any surface (the screen or a memory
 * buffer in the same format). Colours are 0xRRGGBB everywhere. */
#pragma once

#include <osc/psf.h>
#include <osc/types.h>

struct fb_surface {
    uint8_t *pixels;            /* top-left pixel */
    uint32_t width, height;
    uint32_t pitch;             /* bytes per row */
    uint8_t bytes_pp;           /* 2, 3 or 4 */
    uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* Brings up the boot framebuffer from boot_info.fb; logs the mode. Returns 0, or
 * -ENODEV when the loader gave none (or an unsupported one): the kernel then runs
 * with the serial console only. */
int fb_init(void);
/* The screen surface, or NULL without a framebuffer. */
struct fb_surface *fb_screen(void);

/* Mode setting, for a display whose driver can change it (kernel/drivers/
 * bochs_dispi.c: QEMU's and Bochs's standard VGA). The driver registers once
 * it found the device the boot framebuffer is on. */
struct fb_mode_setter {
    /* Programs w x h at 32 bits per pixel: 0, or -EINVAL when the device did
     * not take it. */
    int (*set_mode)(void *ctx, uint32_t w, uint32_t h);
    void *ctx;
    uint8_t *vram;              /* all of the video memory, mapped write-combining */
    size_t vram_bytes;
};
void fb_register_mode_setter(const struct fb_mode_setter *m);
/* Whether w x h can be set (a driver, 32-bit pixels, within the video memory
 * and 320x200..4096x4096). */
bool fb_mode_possible(uint32_t w, uint32_t h);
/* Sets it and updates the screen surface (pixels, size, pitch): 0, -EOPNOTSUPP
 * without a driver, -EINVAL for a mode not possible. The caller keeps every
 * other user of the screen away meanwhile (the compositor holds its lock). */
int fb_set_mode(uint32_t w, uint32_t h);

/* Describes a memory buffer of w x h 32-bit pixels (XRGB 8:8:8:8) as a surface. */
void fb_surface_init_mem(struct fb_surface *s, void *buf, uint32_t w, uint32_t h);
/* A w x h memory surface sharing other's pixel format; buf must hold h * w *
 * other->bytes_pp bytes. Used to compose a region off-screen, then copy it in one pass. */
void fb_surface_init_like(struct fb_surface *s, void *buf, uint32_t w, uint32_t h,
                          const struct fb_surface *other);

uint32_t fb_pack(const struct fb_surface *s, uint32_t rgb);
uint32_t fb_unpack(const struct fb_surface *s, uint32_t raw);
uint32_t fb_get_pixel(const struct fb_surface *s, int x, int y);    /* 0 when outside */
void fb_put_pixel(struct fb_surface *s, int x, int y, uint32_t rgb);
/* Mixes rgb over the pixel with coverage alpha (0 = keep, 255 = replace). */
void fb_blend_pixel(struct fb_surface *s, int x, int y, uint32_t rgb, uint32_t alpha);
/* Blends two colours: t = 0 gives a, t = 255 gives b. */
uint32_t fb_mix(uint32_t a, uint32_t b, uint32_t t);

/* All rectangles are clipped to the surface; negative or empty sizes draw nothing. */
void fb_fill_rect(struct fb_surface *s, int x, int y, int w, int h, uint32_t rgb);
#define FB_TRANSPARENT 0xff000000u  /* as bg: leave unset glyph pixels alone */
/* Draws a code point's glyph with its top-left at (x, y), each font pixel as a
 * scale x scale block (scale 0 counts as 1). */
void fb_draw_glyph(struct fb_surface *s, int x, int y, const struct psf_font *font,
                   uint32_t codepoint, uint32_t fg, uint32_t bg, unsigned scale);
/* Draws a glyph at twice its size with smoothed diagonals (EPX); background untouched. */
void fb_draw_glyph_smooth2x(struct fb_surface *s, int x, int y, const struct psf_font *font,
                            uint32_t codepoint, uint32_t fg);
/* Draws a string on one line; returns the x after the last glyph. */
int fb_draw_text(struct fb_surface *s, int x, int y, const struct psf_font *font,
                 const char *text, uint32_t fg, uint32_t bg, unsigned scale);
/* Blends a w x h sprite of 0xAARRGGBB pixels (stride in pixels) at (x, y). */
void fb_blit_argb(struct fb_surface *s, int x, int y, const uint32_t *argb,
                  int w, int h, size_t stride);
/* Copies all of src (same pixel format) to (x, y) of dst, row by row. */
void fb_copy_surface(struct fb_surface *dst, int x, int y, const struct fb_surface *src);

/* The fonts embedded at build time (Debian console-setup Terminus): a text font
 * for the console and a large bold one for titles. NULL only if a font is corrupt. */
const struct psf_font *fb_console_font(void);
const struct psf_font *fb_title_font(void);
