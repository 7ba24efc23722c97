/* PS/2 devices on the i8042 controller (kernel/drivers/input/i8042.c) and the pure
 * byte-stream parsers they use (ps2_parse.c, host-tested): keyboard scancode set 1
 * to Linux key codes, and mouse packets (3 bytes, or 4 with the IntelliMouse wheel). */
#pragma once

#include <osc/types.h>

/* Scancode set 1 state between bytes: a pending 0xE0 prefix, or the tail of Pause. */
struct ps2_scancode {
    bool e0;
    uint8_t e1_skip;
};

struct ps2_key {
    uint16_t code;              /* Linux KEY_* */
    bool down;
};

/* Feeds one byte (scancode set 1, as the i8042 delivers it with translation on);
 * writes the key transitions it completes into out and returns their count (0 for
 * prefixes, fake shifts, controller bytes and unknown codes; 2 for Pause, which has
 * no release of its own). Repeats arrive as another press: the driver tells them. */
size_t ps2_scancode_feed(struct ps2_scancode *s, uint8_t sc, struct ps2_key out[2]);

/* Mouse packet assembly. Zero-initialised with packet_len 3 after the device id says
 * a plain mouse, 4 after the IntelliMouse handshake gave id 3 or the Explorer one
 * id 4 (then explorer is set: the 4th byte is shared by both wheels and buttons 4
 * and 5, as Linux's psmouse reads it). */
struct ps2_mouse {
    uint8_t packet_len;         /* 3 or 4 */
    bool explorer;              /* IntelliMouse Explorer (id 4) 4th byte */
    uint8_t n;                  /* bytes of the current packet so far */
    uint8_t bytes[4];
    uint32_t resyncs;           /* bytes thrown away to find a packet start again */
};

struct ps2_mouse_packet {
    int dx, dy;                 /* Linux's directions: +x right, +y down */
    int wheel;                  /* REL_WHEEL: + away from the user (scroll up) */
    int hwheel;                 /* REL_HWHEEL: + to the right */
    bool left, right, middle;
    bool side, extra;           /* BTN_SIDE, BTN_EXTRA (Explorer only) */
    bool has_side_extra;        /* this packet carried them (a scroll one does not) */
};

/* Feeds one byte from the aux port; true when it completed a packet (in *p). A
 * byte with the always-one bit 3 clear where a packet must start is dropped
 * (resync, LESSONS 8); a packet with an overflow bit set gives no motion. */
bool ps2_mouse_feed(struct ps2_mouse *m, uint8_t b, struct ps2_mouse_packet *p);

/* Sets up the i8042: the keyboard on port 1 (IRQ 1) and a mouse on port 2 (IRQ 12),
 * each registered with the input layer. Call after input_init. A missing or silent
 * controller or device is logged and skipped. */
void ps2_init(void);
