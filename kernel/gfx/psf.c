/* PSF1/PSF2 console font parser (formats as documented in the Linux kbd package):
 * a header, glyph bitmaps, then an optional unicode table mapping glyphs to code
 * points. Only code points 0-255 are mapped; every offset is bounds-checked. */

#include <osc/errno.h>
#include <osc/psf.h>

#define PSF1_MAGIC0      0x36
#define PSF1_MAGIC1      0x04
#define PSF1_MODE512     0x01
#define PSF1_MODEHASTAB  0x02
#define PSF1_MODESEQ     0x04
#define PSF1_SEPARATOR   0xffff
#define PSF1_STARTSEQ    0xfffe

#define PSF2_MAGIC       0x864ab572u
#define PSF2_HAS_UNICODE 0x01
#define PSF2_SEPARATOR   0xff
#define PSF2_STARTSEQ    0xfe

#define PSF_MAX_DIM      64     /* larger glyphs are not console fonts */
#define PSF_MAX_GLYPHS   65535  /* indices must stay below PSF_NO_GLYPH */

static uint32_t rd32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void map_set(struct psf_font *f, uint32_t cp, uint32_t glyph)
{
    /* First mapping wins: fonts list the canonical glyph for a code point first. */
    if (cp < PSF_MAP_SIZE && f->map[cp] == PSF_NO_GLYPH)
        f->map[cp] = (uint16_t)glyph;
}

static void parse_psf1_table(struct psf_font *f, const uint8_t *p, const uint8_t *end)
{
    uint32_t glyph = 0;
    bool in_seq = false;
    for (; p + 2 <= end && glyph < f->glyph_count; p += 2) {
        uint32_t v = p[0] | (uint32_t)p[1] << 8;
        if (v == PSF1_SEPARATOR) {
            glyph++;
            in_seq = false;
        } else if (v == PSF1_STARTSEQ) {
            in_seq = true;      /* combining sequences: not single code points */
        } else if (!in_seq) {
            map_set(f, v, glyph);
        }
    }
}

/* Decodes one UTF-8 sequence; returns its length (0 when malformed or truncated). */
static size_t utf8_decode(const uint8_t *p, const uint8_t *end, uint32_t *cp)
{
    size_t len;
    uint32_t v;
    if (p[0] < 0x80) { *cp = p[0]; return 1; }
    if ((p[0] & 0xe0) == 0xc0) { len = 2; v = p[0] & 0x1f; }
    else if ((p[0] & 0xf0) == 0xe0) { len = 3; v = p[0] & 0x0f; }
    else if ((p[0] & 0xf8) == 0xf0) { len = 4; v = p[0] & 0x07; }
    else return 0;
    if ((size_t)(end - p) < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    *cp = v;
    return len;
}

static void parse_psf2_table(struct psf_font *f, const uint8_t *p, const uint8_t *end)
{
    uint32_t glyph = 0;
    bool in_seq = false;
    while (p < end && glyph < f->glyph_count) {
        if (*p == PSF2_SEPARATOR) {
            glyph++;
            in_seq = false;
            p++;
        } else if (*p == PSF2_STARTSEQ) {
            in_seq = true;
            p++;
        } else {
            uint32_t cp;
            size_t n = utf8_decode(p, end, &cp);
            if (n == 0) {
                p++;            /* skip a malformed byte rather than give up */
                continue;
            }
            if (!in_seq)
                map_set(f, cp, glyph);
            p += n;
        }
    }
}

static bool dims_ok(uint32_t w, uint32_t h, uint32_t count)
{
    return w >= 1 && w <= PSF_MAX_DIM && h >= 1 && h <= PSF_MAX_DIM &&
           count >= 1 && count <= PSF_MAX_GLYPHS;
}

int psf_parse(struct psf_font *f, const void *data, size_t size)
{
    const uint8_t *d = data;
    const uint8_t *table = NULL, *end = d + size;
    bool psf1 = false;
    if (!f || !d)
        return -EINVAL;
    *f = (struct psf_font){ 0 };
    if (size >= 4 && d[0] == PSF1_MAGIC0 && d[1] == PSF1_MAGIC1) {
        uint8_t mode = d[2];
        f->width = 8;
        f->height = d[3];
        f->glyph_count = mode & PSF1_MODE512 ? 512 : 256;
        f->bytes_per_row = 1;
        f->bytes_per_glyph = f->height;
        if (!dims_ok(f->width, f->height, f->glyph_count))
            return -EINVAL;
        size_t need = 4 + (size_t)f->glyph_count * f->bytes_per_glyph;
        if (size < need)
            return -EINVAL;
        f->glyphs = d + 4;
        if (mode & (PSF1_MODEHASTAB | PSF1_MODESEQ))
            table = d + need;
        psf1 = true;
    } else if (size >= 32 && rd32(d) == PSF2_MAGIC) {
        uint32_t hdr = rd32(d + 8), flags = rd32(d + 12);
        f->glyph_count = rd32(d + 16);
        f->bytes_per_glyph = rd32(d + 20);
        f->height = rd32(d + 24);
        f->width = rd32(d + 28);
        if (!dims_ok(f->width, f->height, f->glyph_count) || hdr < 32 || hdr > size)
            return -EINVAL;
        f->bytes_per_row = (f->width + 7) / 8;
        if (f->bytes_per_glyph < f->bytes_per_row * f->height)
            return -EINVAL;
        /* Both factors are bounded above, so the product cannot overflow. */
        uint64_t need = (uint64_t)hdr + (uint64_t)f->glyph_count * f->bytes_per_glyph;
        if (f->bytes_per_glyph > PSF_MAX_DIM * PSF_MAX_DIM || need > size)
            return -EINVAL;
        f->glyphs = d + hdr;
        if (flags & PSF2_HAS_UNICODE)
            table = d + need;
    } else {
        return -EINVAL;
    }

    for (size_t i = 0; i < PSF_MAP_SIZE; i++)
        f->map[i] = PSF_NO_GLYPH;
    if (table && table < end) {
        if (psf1)
            parse_psf1_table(f, table, end);
        else
            parse_psf2_table(f, table, end);
    } else {
        for (uint32_t i = 0; i < PSF_MAP_SIZE && i < f->glyph_count; i++)
            f->map[i] = (uint16_t)i;
    }
    f->fallback = f->map['?'] != PSF_NO_GLYPH ? f->map['?'] : 0;
    return 0;
}

uint32_t psf_glyph_index(const struct psf_font *f, uint32_t cp)
{
    if (cp < PSF_MAP_SIZE && f->map[cp] != PSF_NO_GLYPH)
        return f->map[cp];
    return f->fallback;
}
