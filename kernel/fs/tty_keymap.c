/* Linux key codes -> the bytes a Linux virtual console sends for each key, US layout.
 * Pure (no hardware access): tty_kbd.c feeds it the input layer's key events and
 * tests/host/test_ps2_keymap.c feeds it recorded scancode streams via ps2_parse.c. */

#include <osc/input.h>
#include <osc/keymap.h>

#define ESC             0x1b

/* Key codes up to KEY_SPACE as typed without and with Shift (0: modifier or none). */
static const char plain[] =
    "\0\x1b" "1234567890-=" "\x7f\t" "qwertyuiop[]" "\r\0" "asdfghjkl;'`" "\0\\"
    "zxcvbnm,./" "\0*\0 ";
static const char shifted[] =
    "\0\x1b" "!@#$%^&*()_+" "\x7f\t" "QWERTYUIOP{}" "\r\0" "ASDFGHJKL:\"~" "\0|"
    "ZXCVBNM<>?" "\0*\0 ";
_Static_assert(sizeof(plain) == 0x3a + 1 && sizeof(shifted) == 0x3a + 1,
               "one entry per key code up to KEY_SPACE");

/* Keypad with Num Lock on, from KEY_KP7 to KEY_KPDOT. */
static const char keypad_digits[] = "789-456+1230.";

/* What follows "ESC [" for the keypad with Num Lock off, indexed from KEY_KP7; NULL
 * where the keypad types a character regardless. */
static const char *const keypad_nav[] = {
    "1~", "A", "5~", NULL, "D", "G", "C", NULL, "4~", "B", "6~", "2~", "3~",
};
_Static_assert(sizeof(keypad_nav) / sizeof(keypad_nav[0]) == KEY_KPDOT - KEY_KP7 + 1,
               "one entry per keypad key");

/* F1-F10, then F11 and F12: Linux console sequences. */
static const char *const fkeys[] = {
    "[A", "[B", "[C", "[D", "[E", "17~", "18~", "19~", "20~", "21~", "23~", "24~",
};

static size_t put_csi(const char *tail, char *out)
{
    size_t n = 0;
    out[n++] = ESC;
    out[n++] = '[';
    while (*tail && n < KEYMAP_OUT_MAX)
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

/* The grey cursor block: its "ESC [" tail, or NULL for any other key. */
static const char *grey_nav(uint16_t code)
{
    switch (code) {
    case KEY_HOME:      return "1~";
    case KEY_UP:        return "A";
    case KEY_PAGEUP:    return "5~";
    case KEY_LEFT:      return "D";
    case KEY_RIGHT:     return "C";
    case KEY_END:       return "4~";
    case KEY_DOWN:      return "B";
    case KEY_PAGEDOWN:  return "6~";
    case KEY_INSERT:    return "2~";
    case KEY_DELETE:    return "3~";
    default:            return NULL;
    }
}

/* Updates modifier state; true when code was a modifier. Lock keys toggle on the
 * first press only: autorepeat (value 2) must not toggle again. */
static bool modifier(struct keymap *k, uint16_t code, int32_t value)
{
    bool down = value != 0;
    switch (code) {
    case KEY_LEFTSHIFT:  k->lshift = down; return true;
    case KEY_RIGHTSHIFT: k->rshift = down; return true;
    case KEY_LEFTCTRL:   k->lctrl = down;  return true;
    case KEY_RIGHTCTRL:  k->rctrl = down;  return true;
    case KEY_LEFTALT:    k->lalt = down;   return true;
    case KEY_RIGHTALT:   k->ralt = down;   return true;
    case KEY_CAPSLOCK:
        if (value == 1)
            k->caps = !k->caps;
        return true;
    case KEY_NUMLOCK:
        if (value == 1)
            k->numlock = !k->numlock;
        return true;
    default:
        return false;
    }
}

/* The character a key types before Ctrl and Alt, or 0. */
static char base_char(const struct keymap *k, uint16_t code)
{
    bool shift = k->lshift || k->rshift;
    if (code == KEY_KPENTER)
        return '\r';
    if (code == KEY_KPSLASH)
        return '/';
    if (code == KEY_102ND)
        return shift ? '>' : '<';
    if (code >= sizeof(plain) - 1)
        return 0;
    char c = plain[code];
    if (c >= 'a' && c <= 'z')
        return shift != k->caps ? shifted[code] : c;   /* Shift inverts Caps Lock */
    return shift ? shifted[code] : c;
}

size_t keymap_feed(struct keymap *k, uint16_t code, int32_t value, char out[KEYMAP_OUT_MAX])
{
    k->action = KEYMAP_NONE;
    if (modifier(k, code, value) || value == 0)
        return 0;

    bool shift = k->lshift || k->rshift;
    bool page_up = code == KEY_PAGEUP || (code == KEY_KP9 && !k->numlock);
    bool page_down = code == KEY_PAGEDOWN || (code == KEY_KP3 && !k->numlock);
    if ((page_up || page_down) && shift) {
        /* As on the Linux console: Shift+PgUp/PgDn page the scrollback. */
        k->action = page_up ? KEYMAP_SCROLL_BACK : KEYMAP_SCROLL_FORWARD;
        return 0;
    }
    if (code >= KEY_KP7 && code <= KEY_KPDOT) {
        const char *nav = keypad_nav[code - KEY_KP7];
        if (k->numlock || !nav) {
            out[0] = keypad_digits[code - KEY_KP7];     /* keypad - and + always */
            return 1;
        }
        return put_csi(nav, out);
    }
    const char *nav = grey_nav(code);
    if (nav)
        return put_csi(nav, out);
    if (code >= KEY_F1 && code <= KEY_F10)
        return put_csi(fkeys[code - KEY_F1], out);
    if (code == KEY_F11 || code == KEY_F12)
        return put_csi(fkeys[10 + code - KEY_F11], out);

    char c = base_char(k, code);
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
