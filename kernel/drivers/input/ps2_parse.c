/* Pure PS/2 byte-stream parsers (no hardware access): scancode set 1 -> Linux key
 * codes for the keyboard, and packet assembly for the mouse. i8042.c feeds them from
 * IRQ 1 and 12; tests/host/test_ps2_keymap.c and test_ps2_mouse.c feed recordings. */

#include <osc/input.h>
#include <osc/ps2.h>

#define SC_RELEASE      0x80    /* break code = make code | 0x80 */
#define SC_EXTENDED     0xe0    /* prefix of the grey keys added by the AT-101 */
#define SC_PAUSE        0xe1    /* Pause: E1 1D 45 E1 9D C5, no release of its own */
#define PAUSE_TAIL      5
#define SC_LAST_PLAIN   0x58    /* 0x01-0x58 unprefixed are Linux's key codes 1-88 */
#define SC_84_FIRST     0x54    /* 0x54, 0x55, 0x59+: no key on a PC/AT keyboard */
#define SC_84_LAST      0x55

/* E0-prefixed make codes -> key codes (Linux's atkbd set 2 table, through the
 * controller's translation); 0: a fake shift or nothing Linux knows. */
static const uint8_t extended[0x80] = {
    [0x1c] = KEY_KPENTER, [0x1d] = KEY_RIGHTCTRL, [0x35] = KEY_KPSLASH,
    [0x37] = KEY_SYSRQ, [0x38] = KEY_RIGHTALT, [0x47] = KEY_HOME, [0x48] = KEY_UP,
    [0x49] = KEY_PAGEUP, [0x4b] = KEY_LEFT, [0x4d] = KEY_RIGHT, [0x4f] = KEY_END,
    [0x50] = KEY_DOWN, [0x51] = KEY_PAGEDOWN, [0x52] = KEY_INSERT, [0x53] = KEY_DELETE,
    [0x5b] = KEY_LEFTMETA, [0x5c] = KEY_RIGHTMETA, [0x5d] = KEY_COMPOSE,
};

size_t ps2_scancode_feed(struct ps2_scancode *s, uint8_t sc, struct ps2_key out[2])
{
    if (s->e1_skip) {
        if (--s->e1_skip)
            return 0;
        out[0] = (struct ps2_key){ KEY_PAUSE, true };
        out[1] = (struct ps2_key){ KEY_PAUSE, false };
        return 2;
    }
    if (sc == SC_PAUSE) {
        s->e1_skip = PAUSE_TAIL;
        s->e0 = false;
        return 0;
    }
    if (sc == SC_EXTENDED) {
        s->e0 = true;
        return 0;
    }
    bool ext = s->e0;
    s->e0 = false;
    uint8_t make = sc & (uint8_t)~SC_RELEASE;
    uint16_t code = ext ? extended[make]
                        : make <= SC_LAST_PLAIN && (make < SC_84_FIRST || make > SC_84_LAST) ? make : 0;
    if (!code)
        return 0;       /* also the controller's 0xFA/0xFE/0xFF and overrun 0x00 */
    out[0] = (struct ps2_key){ code, !(sc & SC_RELEASE) };
    return 1;
}

/* First byte of a packet (PS/2 mouse protocol; IntelliMouse adds a 4th byte). */
#define M_LEFT          0x01
#define M_RIGHT         0x02
#define M_MIDDLE        0x04
#define M_ALWAYS1       0x08    /* sync bit: set in every first byte */
#define M_X_SIGN        0x10
#define M_Y_SIGN        0x20
#define M_X_OVERFLOW    0x40
#define M_Y_OVERFLOW    0x80

bool ps2_mouse_feed(struct ps2_mouse *m, uint8_t b, struct ps2_mouse_packet *p)
{
    uint8_t len = m->packet_len == 4 ? 4 : 3;
    if (m->n == 0 && !(b & M_ALWAYS1)) {
        m->resyncs++;
        return false;
    }
    m->bytes[m->n++] = b;
    if (m->n < len)
        return false;
    m->n = 0;
    uint8_t f = m->bytes[0];
    int dx = m->bytes[1] - (f & M_X_SIGN ? 256 : 0);
    int dy = m->bytes[2] - (f & M_Y_SIGN ? 256 : 0);
    if (f & (M_X_OVERFLOW | M_Y_OVERFLOW))
        dx = dy = 0;            /* the counter wrapped: the delta is meaningless */
    /* The IntelliMouse 4th byte is a signed wheel count, towards the user positive
     * (Linux's psmouse reports its negation as REL_WHEEL). */
    uint8_t z = len == 4 ? m->bytes[3] : 0;
    *p = (struct ps2_mouse_packet){
        .dx = dx, .dy = -dy, .wheel = -(int8_t)z,
        .left = f & M_LEFT, .right = f & M_RIGHT, .middle = f & M_MIDDLE,
    };
    if (len == 4 && m->explorer) {
        /* Explorer: top bits 01 a 6-bit horizontal count (right negative), 10 a
         * 6-bit vertical one, else a 4-bit vertical count and buttons 4 and 5. */
        int six = (z & 0x20) ? (int)(z & 0x3f) - 64 : (int)(z & 0x3f);
        int four = (z & 0x08) ? (int)(z & 0x0f) - 16 : (int)(z & 0x0f);
        p->wheel = 0;
        switch (z & 0xc0) {
        case 0x40: p->hwheel = -six; break;
        case 0x80: p->wheel = -six; break;
        default:
            p->wheel = -four;
            p->side = z & 0x10;
            p->extra = z & 0x20;
            p->has_side_extra = true;
            break;
        }
    }
    return true;
}
