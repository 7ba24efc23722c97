/* PS/2 keyboard: the i8042 controller driver (kernel/drivers/ps2kbd.c) and the pure
 * scancode set 1 -> terminal bytes translation it uses (ps2_keymap.c, host-tested). */
#pragma once

#include <osc/types.h>

/* Longest byte sequence one scancode produces ("ESC [ 2 4 ~" for F12). */
#define PS2_KEY_OUT_MAX 8

/* Translation state: modifiers held, lock toggles, and multi-byte prefixes seen.
 * Zero-initialised is "nothing held, Caps Lock and Num Lock off" (Linux's default). */
/* What a key does besides typing: the console's own keys. */
enum ps2_action {
    PS2_NONE,
    PS2_SCROLL_BACK,            /* Shift+PgUp: the text console's scrollback */
    PS2_SCROLL_FORWARD,         /* Shift+PgDn */
};

struct ps2_keymap {
    enum ps2_action action;     /* set by each ps2_keymap_feed call */
    bool e0;                    /* the previous byte was the 0xE0 extended prefix */
    uint8_t e1_skip;            /* bytes of a Pause sequence (0xE1 ...) still to skip */
    bool lshift, rshift, lctrl, rctrl, lalt, ralt;
    bool caps, numlock;
    bool caps_down, num_down;   /* held: typematic repeat must not toggle again */
};

/* Feeds one scancode set 1 byte (as the i8042 delivers it with translation on);
 * writes what the key types, US layout, into out and returns the byte count (0 for
 * modifiers, releases and keys that type nothing). k->action says whether the
 * key was one of the console's own (Shift+PgUp/PgDn scroll, typing nothing). */
size_t ps2_keymap_feed(struct ps2_keymap *k, uint8_t sc, char out[PS2_KEY_OUT_MAX]);

/* Sets up the i8042 and its first port with IRQ 1 feeding the console terminal.
 * Call after tty_init. A missing or silent controller is logged and skipped. */
void ps2kbd_init(void);
