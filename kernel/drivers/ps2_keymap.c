/* Scancode set 1 -> the bytes a Linux virtual console sends for each key, US layout.
 * Pure (no hardware access): kernel/drivers/ps2kbd.c feeds it from IRQ 1 and
 * tests/host/test_ps2_keymap.c feeds it recorded scancode streams. */

#include <osc/ps2.h>

#define SC_RELEASE      0x80    /* break code = make code | 0x80 */
#define SC_EXTENDED     0xe0    /* prefix of the grey keys added by the AT-101 */
#define SC_PAUSE        0xe1    /* Pause: E1 1D 45 E1 9D C5, no release of its own */
#define PAUSE_TAIL      5
#define SC_LCTRL        0x1d    /* E0 1D: right Ctrl */
#define SC_LSHIFT       0x2a    /* E0 2A: a "fake shift" around grey keys: ignored */
#define SC_RSHIFT       0x36
#define SC_LALT         0x38    /* E0 38: right Alt (AltGr; plain Alt on a US map) */
#define SC_CAPS         0x3a
#define SC_NUMLOCK      0x45
#define SC_ENTER        0x1c    /* E0 1C: keypad Enter */
#define SC_SLASH        0x35    /* E0 35: keypad / */
#define SC_KP_FIRST     0x47    /* keypad 7 .. keypad . */
#define SC_KP_LAST      0x53
#define SC_KP_5         0x4c    /* no grey twin: E0 4C types nothing */
#define SC_PGUP         0x49    /* keypad 9 / grey PgUp */
#define SC_PGDN         0x51    /* keypad 3 / grey PgDn */
#define SC_F1           0x3b    /* F1-F10 are 0x3b-0x44 */
#define SC_F10          0x44
#define SC_F11          0x57
#define SC_F12          0x58
#define SC_102ND        0x56    /* the extra key left of Z on ISO keyboards */
#define ESC             0x1b

/* Scancodes 0x00-0x39 as typed without and with Shift (0: modifier or no key). */
static const char plain[] =
    "\0\x1b" "1234567890-=" "\x7f\t" "qwertyuiop[]" "\r\0" "asdfghjkl;'`" "\0\\"
    "zxcvbnm,./" "\0*\0 ";
static const char shifted[] =
    "\0\x1b" "!@#$%^&*()_+" "\x7f\t" "QWERTYUIOP{}" "\r\0" "ASDFGHJKL:\"~" "\0|"
    "ZXCVBNM<>?" "\0*\0 ";
_Static_assert(sizeof(plain) == 0x3a + 1 && sizeof(shifted) == 0x3a + 1,
               "one entry per scancode 0x00-0x39");

/* Keypad with Num Lock on, from keypad 7 (0x47) to keypad . (0x53). */
static const char keypad_digits[] = "789-456+1230.";

/* What follows "ESC [" for the cursor block (grey keys, or the keypad with Num Lock
 * off), indexed from 0x47; NULL where the keypad types a character regardless. */
static const char *const keypad_nav[] = {
    "1~", "A", "5~", NULL, "D", "G", "C", NULL, "4~", "B", "6~", "2~", "3~",
};
_Static_assert(sizeof(keypad_nav) / sizeof(keypad_nav[0]) == SC_KP_LAST - SC_KP_FIRST + 1,
               "one entry per keypad scancode");

/* F1-F10 (0x3b-0x44), then F11 and F12 (0x57, 0x58): Linux console sequences. */
static const char *const fkeys[] = {
    "[A", "[B", "[C", "[D", "[E", "17~", "18~", "19~", "20~", "21~", "23~", "24~",
};

static size_t put_csi(const char *tail, char *out)
{
    size_t n = 0;
    out[n++] = ESC;
    out[n++] = '[';
    while (*tail && n < PS2_KEY_OUT_MAX)
        out[n++] = *tail++;
    return n;
}

/* Ctrl as the Linux default keymap applies it: letters and @[\]^_ give 0x00-0x1f,
 * and the digit row stands in for the punctuation a terminal cannot otherwise type. */
static char ctrl_of(char c)
{
    if (c >= 'a' && c <= 'z')
        return (char)(c - 'a' + 1);
    if (c >= '@' && c <= '_')
        return (char)(c & 0x1f);
    switch (c) {
    case ' ': case '2': return 0;
    case '3': return ESC;
    case '4': return 0x1c;
    case '5': return 0x1d;
    case '6': return 0x1e;
    case '7': case '/': case '-': return 0x1f;
    case '8': case '?': return 0x7f;
    default: return c;
    }
}

/* Updates modifier state; true when sc was a modifier (or a fake shift). */
static bool modifier(struct ps2_keymap *k, bool ext, uint8_t code, bool down)
{
    switch (code) {
    case SC_LSHIFT:
        if (!ext)
            k->lshift = down;
        return true;
    case SC_RSHIFT:
        if (!ext)
            k->rshift = down;
        return true;
    case SC_LCTRL:
        *(ext ? &k->rctrl : &k->lctrl) = down;
        return true;
    case SC_LALT:
        *(ext ? &k->ralt : &k->lalt) = down;
        return true;
    case SC_CAPS:
        if (down && !k->caps_down)
            k->caps = !k->caps;
        k->caps_down = down;
        return true;
    case SC_NUMLOCK:
        if (ext)
            return false;
        if (down && !k->num_down)
            k->numlock = !k->numlock;
        k->num_down = down;
        return true;
    default:
        return false;
    }
}

/* The character a make code types before Ctrl and Alt, or 0. */
static char base_char(const struct ps2_keymap *k, bool ext, uint8_t code)
{
    bool shift = k->lshift || k->rshift;
    if (ext)
        return code == SC_ENTER ? '\r' : code == SC_SLASH ? '/' : 0;
    if (code == SC_102ND)
        return shift ? '>' : '<';
    if (code >= sizeof(plain) - 1)
        return 0;
    char c = plain[code];
    if (c >= 'a' && c <= 'z')
        return shift != k->caps ? shifted[code] : c;   /* Shift inverts Caps Lock */
    return shift ? shifted[code] : c;
}

size_t ps2_keymap_feed(struct ps2_keymap *k, uint8_t sc, char out[PS2_KEY_OUT_MAX])
{
    k->action = PS2_NONE;
    if (k->e1_skip) {
        k->e1_skip--;
        return 0;
    }
    if (sc == SC_PAUSE) {
        k->e1_skip = PAUSE_TAIL;
        k->e0 = false;
        return 0;
    }
    if (sc == SC_EXTENDED) {
        k->e0 = true;
        return 0;
    }
    bool ext = k->e0;
    k->e0 = false;
    bool down = !(sc & SC_RELEASE);
    uint8_t code = sc & (uint8_t)~SC_RELEASE;
    if (modifier(k, ext, code, down) || !down)
        return 0;      /* releases (and the controller's 0xFA/0xFE/0xFF) type nothing */

    bool shift = k->lshift || k->rshift;
    if ((code == SC_PGUP || code == SC_PGDN) && shift && (ext || !k->numlock)) {
        /* As on the Linux console: Shift+PgUp/PgDn page the scrollback. */
        k->action = code == SC_PGUP ? PS2_SCROLL_BACK : PS2_SCROLL_FORWARD;
        return 0;
    }
    if (code >= SC_KP_FIRST && code <= SC_KP_LAST) {
        const char *nav = keypad_nav[code - SC_KP_FIRST];
        if (ext && code == SC_KP_5)
            return 0;
        if (!ext && k->numlock) {
            out[0] = keypad_digits[code - SC_KP_FIRST];
            return 1;
        }
        if (nav)
            return put_csi(nav, out);
        if (ext)
            return 0;
        out[0] = keypad_digits[code - SC_KP_FIRST];     /* keypad - and + */
        return 1;
    }
    if (!ext && code >= SC_F1 && code <= SC_F10)
        return put_csi(fkeys[code - SC_F1], out);
    if (!ext && (code == SC_F11 || code == SC_F12))
        return put_csi(fkeys[10 + code - SC_F11], out);

    char c = base_char(k, ext, code);
    if (!c)
        return 0;
    if (k->lctrl || k->rctrl)
        c = ctrl_of(c);
    size_t n = 0;
    if (k->lalt || k->ralt)
        out[n++] = ESC;                 /* Meta sends an ESC prefix, as Linux does */
    out[n++] = c;
    return n;
}
