/* libosc's key text: OSC_EV_TEXT's code point as UTF-8, paired with its key. */
#include "osc.h"

size_t osc_utf8_encode(uint32_t cp, char out[5])
{
    size_t n = 0;
    if (cp == 0) {
        /* NUL types nothing */
    } else if (cp < 0x80) {
        out[n++] = (char)cp;
    } else if (cp < 0x800) {
        out[n++] = (char)(0xc0 | cp >> 6);
        out[n++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000 && (cp < 0xd800 || cp > 0xdfff)) {
        out[n++] = (char)(0xe0 | cp >> 12);
        out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[n++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp >= 0x10000 && cp <= 0x10ffff) {
        out[n++] = (char)(0xf0 | cp >> 18);
        out[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[n++] = (char)(0x80 | (cp & 0x3f));
    }
    out[n] = 0;
    return n;
}

size_t osc_key_text(const struct osc_event *ev, size_t i, size_t n, char out[5])
{
    out[0] = 0;
    if (i + 1 >= n || ev[i].type != OSC_EV_KEY || ev[i].value == 0 ||
        ev[i + 1].type != OSC_EV_TEXT || ev[i + 1].code == 0)
        return 0;
    return osc_utf8_encode(ev[i + 1].code, out);
}
