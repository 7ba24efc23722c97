/* The text console's keymap (kernel/fs/tty_keymap.c, pure and host-tested): Linux
 * key events in, the bytes a Linux virtual console sends for them out, US layout.
 * kernel/fs/tty_kbd.c runs it as the input layer's console handler. */
#pragma once

#include <osc/types.h>

/* Longest byte sequence one key produces ("ESC [ 2 4 ~" for F12). */
#define KEYMAP_OUT_MAX 8

/* What a key does besides typing: the console's own keys. */
enum keymap_action {
    KEYMAP_NONE,
    KEYMAP_SCROLL_BACK,         /* Shift+PgUp: the text console's scrollback */
    KEYMAP_SCROLL_FORWARD,      /* Shift+PgDn */
};

/* Modifiers held and lock toggles. Zero-initialised is "nothing held, Caps Lock and
 * Num Lock off" (Linux's default). */
struct keymap {
    enum keymap_action action;  /* set by each keymap_feed call */
    bool lshift, rshift, lctrl, rctrl, lalt, ralt;
    bool caps, numlock;
};

/* Feeds one EV_KEY event (value 0 release, 1 press, 2 autorepeat); writes what the
 * key types into out and returns the byte count (0 for modifiers, releases and keys
 * that type nothing). k->action says whether it was one of the console's own keys
 * (Shift+PgUp/PgDn scroll, typing nothing). */
size_t keymap_feed(struct keymap *k, uint16_t code, int32_t value, char out[KEYMAP_OUT_MAX]);
