/* Access to the fonts embedded by font_data.S, parsed once on first use. */

#include <osc/fb.h>

extern const uint8_t font_console_start[], font_console_end[];
extern const uint8_t font_title_start[], font_title_end[];

static struct psf_font console_font, title_font;
static int console_state, title_state;     /* 0 unparsed, 1 good, -1 corrupt */

static const struct psf_font *load(struct psf_font *f, int *state,
                                   const uint8_t *start, const uint8_t *end)
{
    if (*state == 0)
        *state = psf_parse(f, start, (size_t)(end - start)) == 0 ? 1 : -1;
    return *state > 0 ? f : NULL;
}

const struct psf_font *fb_console_font(void)
{
    return load(&console_font, &console_state, font_console_start, font_console_end);
}

const struct psf_font *fb_title_font(void)
{
    const struct psf_font *f = load(&title_font, &title_state, font_title_start, font_title_end);
    return f ? f : fb_console_font();
}
