/* PC Screen Font (PSF1 and PSF2) parsing: the Linux console font formats, used for
 * every text the kernel draws. Fonts are embedded at build time from Debian's
 * console-setup fonts; parsing never trusts the blob (sizes are checked). */
#pragma once

#include <osc/types.h>

#define PSF_MAP_SIZE 256        /* code points with a direct glyph map (Latin-1) */
#define PSF_NO_GLYPH 0xffff

struct psf_font {
    const uint8_t *glyphs;      /* glyph_count bitmaps, bytes_per_glyph each */
    uint32_t glyph_count;
    uint32_t bytes_per_glyph;
    uint32_t bytes_per_row;     /* (width + 7) / 8; bit 7 of byte 0 is the left pixel */
    uint32_t width, height;
    uint16_t map[PSF_MAP_SIZE]; /* code point -> glyph index, PSF_NO_GLYPH when none */
    uint32_t fallback;          /* glyph for unmapped code points ('?' when present) */
};

/* Parses a PSF1 or PSF2 font of size bytes at data (which must outlive the font).
 * Returns 0, or -EINVAL for a bad magic, truncated data or absurd dimensions. With a
 * unicode table, code points 0-255 map through it; without one, glyph i is code i. */
int psf_parse(struct psf_font *font, const void *data, size_t size);

/* Glyph index for a code point (the fallback glyph when unmapped). */
uint32_t psf_glyph_index(const struct psf_font *font, uint32_t codepoint);

/* Bitmap of a code point's glyph. */
static inline const uint8_t *psf_glyph(const struct psf_font *font, uint32_t codepoint)
{
    return font->glyphs + (size_t)psf_glyph_index(font, codepoint) * font->bytes_per_glyph;
}

/* Whether pixel (x, y) of a glyph bitmap is set; x < width, y < height. */
static inline bool psf_pixel(const struct psf_font *font, const uint8_t *glyph, uint32_t x, uint32_t y)
{
    return glyph[y * font->bytes_per_row + x / 8] & (0x80 >> (x % 8));
}
